/*
 * feed_check: reads an entity set through the gateway, following every @odata.nextLink, and compares
 * it row by row with the simulator's ground truth: the same ids, each once, the same values, each
 * typed as $metadata declares. Prints TAP lines; exits non-zero on any difference.
 *
 *   feed_check GATEWAY_URL DATA_SOURCE ENTITY_SET TOKEN SIM_URL
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

typedef struct {
    char *data;
    size_t len;
} mem_t;

static int failures, checks;

static void check(int cond, const char *fmt, const char *a, const char *b)
{
    ++checks;
    if (!cond) {
        ++failures;
        if (failures <= 20) {
            printf("not ok - ");
            printf(fmt, a, b);
            printf("\n");
        }
    }
}

static size_t on_data(char *p, size_t sz, size_t n, void *u)
{
    mem_t *m = u;
    char *d = realloc(m->data, m->len + sz * n + 1);
    if (d == NULL)
        return 0;
    m->data = d;
    memcpy(m->data + m->len, p, sz * n);
    m->len += sz * n;
    m->data[m->len] = '\0';
    return sz * n;
}

static long get(const char *url, const char *token, mem_t *out)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char auth[256];
    long status = 0;
    out->data = NULL;
    out->len = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (token != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        fprintf(stderr, "GET %s: %s\n", url, curl_easy_strerror(rc));
        status = -1;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

typedef struct {
    char name[256];
    char type[64];
} prop_t;

static xmlNode *child(xmlNode *n, const char *name, const char *attr, const char *value)
{
    for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, name) != 0)
            continue;
        if (attr == NULL)
            return c;
        xmlChar *v = xmlGetProp(c, (const xmlChar *)attr);
        int same = v != NULL && strcmp((const char *)v, value) == 0;
        xmlFree(v);
        if (same)
            return c;
    }
    return NULL;
}

static size_t load_metadata(const char *xml, size_t len, const char *set, prop_t *props, size_t max)
{
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "metadata.xml", NULL, XML_PARSE_NONET);
    xmlNode *schema = child(child(xmlDocGetRootElement(doc), "DataServices", NULL, NULL), "Schema", NULL, NULL);
    xmlNode *es = child(child(schema, "EntityContainer", NULL, NULL), "EntitySet", "Name", set);
    size_t n = 0;
    if (es == NULL)
        goto out;
    xmlChar *et = xmlGetProp(es, (const xmlChar *)"EntityType");
    const char *dot = strrchr((const char *)et, '.');
    xmlNode *type = child(schema, "EntityType", "Name", dot != NULL ? dot + 1 : (const char *)et);
    xmlFree(et);
    for (xmlNode *c = type != NULL ? type->children : NULL; c != NULL && n < max; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "Property") != 0)
            continue;
        xmlChar *nm = xmlGetProp(c, (const xmlChar *)"Name"), *ty = xmlGetProp(c, (const xmlChar *)"Type");
        snprintf(props[n].name, sizeof(props[n].name), "%s", (const char *)nm);
        snprintf(props[n].type, sizeof(props[n].type), "%s", (const char *)ty);
        xmlFree(nm);
        xmlFree(ty);
        ++n;
    }
out:
    xmlFreeDoc(doc);
    return n;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int valid_datetime(const char *s)
{
    size_t n = strlen(s);
    if (n < 20 || s[10] != 'T')
        return 0;
    return s[n - 1] == 'Z' || ((s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':');
}

static void compare(const char *id, const prop_t *p, json_t *got, json_t *truth)
{
    const char *t = json_is_string(truth) ? json_string_value(truth) : NULL;
    char what[512];
    snprintf(what, sizeof(what), "%s.%s", id, p->name);

    if (strcmp(p->type, "Edm.String") == 0) {
        if (t == NULL) {
            check(json_is_null(got), "%s: expected null%s", what, "");
        } else {
            check(json_is_string(got) && strcmp(json_string_value(got), t) == 0, "%s: string differs from the truth %s", what, "");
        }
        return;
    }
    if (t == NULL || t[0] == '\0') {
        check(json_is_null(got), "%s: expected null for a missing value%s", what, "");
        return;
    }
    if (strcmp(p->type, "Edm.Decimal") == 0 || strcmp(p->type, "Edm.Double") == 0 || strcmp(p->type, "Edm.Int64") == 0) {
        check(json_is_number(got) && json_number_value(got) == strtod(t, NULL), "%s: number differs (truth %s)", what, t);
    } else if (strcmp(p->type, "Edm.Boolean") == 0) {
        check(json_is_boolean(got) && json_is_true(got) == (strcmp(t, "true") == 0), "%s: boolean differs (truth %s)", what, t);
    } else if (strcmp(p->type, "Edm.Date") == 0) {
        check(json_is_string(got) && valid_date(json_string_value(got)) && strncmp(json_string_value(got), t, 10) == 0,
              "%s: date differs (truth %s)", what, t);
    } else if (strcmp(p->type, "Edm.DateTimeOffset") == 0) {
        check(json_is_string(got) && valid_datetime(json_string_value(got)) && strcmp(json_string_value(got), t) == 0,
              "%s: datetime differs (truth %s)", what, t);
    } else {
        check(0, "%s: unexpected type %s", what, p->type);
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: feed_check GATEWAY_URL DATA_SOURCE ENTITY_SET TOKEN SIM_URL\n");
        return 2;
    }
    const char *gwurl = argv[1], *ds = argv[2], *set = argv[3], *token = argv[4], *sim = argv[5];
    char url[4096];
    mem_t m;
    prop_t props[512];
    size_t nprops, pages = 0, rows = 0;
    json_t *truth = json_object(), *seen = json_object();

    curl_global_init(CURL_GLOBAL_DEFAULT);

    snprintf(url, sizeof(url), "%s/odata/%s/$metadata", gwurl, ds);
    if (get(url, token, &m) != 200) {
        printf("not ok - $metadata could not be read\n");
        return 1;
    }
    nprops = load_metadata(m.data, m.len, set, props, 512);
    free(m.data);
    printf("%s - $metadata declares %zu properties for %s\n", nprops > 1 ? "ok" : "not ok", nprops, set);
    if (nprops < 2 || strcmp(props[0].name, "id") != 0)
        return 1;

    /* ground truth: one JSON object per line */
    snprintf(url, sizeof(url), "%s/__sim/records/%s", sim, set);
    if (get(url, NULL, &m) != 200) {
        printf("not ok - the simulator's ground truth could not be read\n");
        return 1;
    }
    for (char *line = m.data, *nl; line != NULL && *line != '\0'; line = nl != NULL ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        json_t *rec = json_loadb(line, nl != NULL ? (size_t)(nl - line) : strlen(line), 0, NULL);
        if (rec == NULL)
            continue;
        json_object_set(truth, json_string_value(json_object_get(rec, "id")), json_object_get(rec, "properties"));
        json_decref(rec);
    }
    free(m.data);
    printf("# ground truth: %zu records\n", json_object_size(truth));

    snprintf(url, sizeof(url), "%s/odata/%s/%s", gwurl, ds, set);
    char context[1024];
    snprintf(context, sizeof(context), "%s/odata/%s/$metadata#%s", gwurl, ds, set);
    for (;;) {
        long st = get(url, token, &m);
        if (st != 200) {
            printf("not ok - GET %s answered %ld: %.300s\n", url, st, m.data != NULL ? m.data : "");
            return 1;
        }
        json_error_t jerr;
        json_t *doc = json_loadb(m.data, m.len, 0, &jerr);
        free(m.data);
        ++pages;
        if (doc == NULL) {
            printf("not ok - page %zu is not valid JSON: %s\n", pages, jerr.text);
            return 1;
        }
        check(json_is_string(json_object_get(doc, "@odata.context")) &&
                  strcmp(json_string_value(json_object_get(doc, "@odata.context")), context) == 0,
              "page %s: @odata.context is wrong%s", "", "");
        json_t *value = json_object_get(doc, "value"), *row;
        size_t i;
        json_array_foreach(value, i, row)
        {
            json_t *id = json_object_get(row, "id");
            ++rows;
            if (!json_is_string(id)) {
                check(0, "a row has no string id%s%s", "", "");
                continue;
            }
            const char *ids = json_string_value(id);
            json_t *tp = json_object_get(truth, ids);
            check(tp != NULL, "row %s is not in the ground truth%s", ids, "");
            check(json_object_get(seen, ids) == NULL, "row %s appears twice%s", ids, "");
            json_object_set_new(seen, ids, json_true());
            check(json_object_size(row) == nprops, "row %s has other properties than $metadata declares%s", ids, "");
            if (tp == NULL)
                continue;
            for (size_t k = 1; k < nprops; ++k) {
                json_t *got = json_object_get(row, props[k].name);
                check(got != NULL, "row %s lacks %s", ids, props[k].name);
                if (got != NULL)
                    compare(ids, &props[k], got, json_object_get(tp, props[k].name));
            }
        }
        json_t *next = json_object_get(doc, "@odata.nextLink");
        if (!json_is_string(next)) {
            json_decref(doc);
            break;
        }
        snprintf(url, sizeof(url), "%s", json_string_value(next));
        json_decref(doc);
    }
    check(json_object_size(seen) == json_object_size(truth), "rows seen differ from the ground truth's count%s%s", "", "");
    printf("%s - %s: %zu rows in %zu pages, %zu of %zu ground-truth records, %d value checks, %d failed\n",
           failures == 0 ? "ok" : "not ok", set, rows, pages, json_object_size(seen), json_object_size(truth), checks, failures);
    json_decref(truth);
    json_decref(seen);
    curl_global_cleanup();
    return failures == 0 ? 0 : 1;
}
