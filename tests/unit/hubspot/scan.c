/*
 * tests hubspot/scan.c against a small search engine of its own that behaves as HubSpot's does
 * (filters, one sort, `after` paging up to a cap, `total`), with a cap of 10 and pages of 4 so that
 * every phase of an ordered read happens: nulls, windows, probes, runs of equal values longer than a
 * window, and resuming from a saved position after every page. Equal values come back in an order
 * that is not the id's, as HubSpot promises nothing about them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hubspot/scan.h"
#include "test.h"

#define NREC 90
#define CAP 10
#define PAGE 4

typedef struct {
    int64_t id;
    int has;
    double value;
} rec_t;

static rec_t recs[NREC];
static int calls;

static void make_records(void)
{
    for (int i = 0; i < NREC; ++i) {
        recs[i].id = 100 + 7 * i;
        recs[i].has = i % 5 != 0;
        /* a run of 30 equal values (longer than three windows), short runs, and distinct values */
        recs[i].value = i < 40 ? 5 : i < 60 ? (double)(i / 3) : 1000 - i * 1.5;
    }
}

static int filter_ok(json_t *f, const rec_t *r)
{
    const char *prop = json_string_value(json_object_get(f, "propertyName"));
    const char *op = json_string_value(json_object_get(f, "operator"));
    const char *v = json_string_value(json_object_get(f, "value"));
    if (strcmp(prop, "hs_object_id") == 0) {
        int64_t x = strtoll(v, NULL, 10);
        return strcmp(op, "GT") == 0 ? r->id > x : strcmp(op, "LT") == 0 ? r->id < x : -1;
    }
    if (strcmp(op, "HAS_PROPERTY") == 0)
        return r->has;
    if (strcmp(op, "NOT_HAS_PROPERTY") == 0)
        return !r->has;
    double x = strtod(v, NULL);
    if (!r->has)
        return 0;
    if (strcmp(op, "EQ") == 0)
        return r->value == x;
    if (strcmp(op, "GT") == 0)
        return r->value > x;
    if (strcmp(op, "LT") == 0)
        return r->value < x;
    return -1;
}

static const char *sort_prop;
static int sort_desc;

static int cmp(const void *a, const void *b)
{
    const rec_t *x = *(const rec_t *const *)a, *y = *(const rec_t *const *)b;
    if (strcmp(sort_prop, "hs_object_id") == 0)
        return sort_desc ? (x->id < y->id) - (x->id > y->id) : (x->id > y->id) - (x->id < y->id);
    if (x->has != y->has)
        return x->has ? -1 : 1;
    int c = (x->value > y->value) - (x->value < y->value);
    if (sort_desc)
        c = -c;
    /* equal values: descending id, unlike any keyset */
    return c != 0 ? c : (x->id < y->id) - (x->id > y->id);
}

/* answers a search body as HubSpot would; NULL for a request HubSpot refuses */
static char *answer(const char *body)
{
    json_t *req = json_loads(body, 0, NULL), *groups = json_object_get(req, "filterGroups"), *g, *f, *results = json_array();
    const rec_t *hits[NREC];
    size_t n = 0, i, j;
    int64_t limit = json_integer_value(json_object_get(req, "limit")), after = 0;
    const char *a = json_string_value(json_object_get(req, "after"));
    char *out;

    ++calls;
    if (a != NULL)
        after = strtoll(a, NULL, 10);
    if (after + limit > CAP) {
        json_decref(req);
        json_decref(results);
        return NULL;
    }
    for (int r = 0; r < NREC; ++r) {
        int any = json_array_size(groups) == 0;
        json_array_foreach(groups, i, g)
        {
            int all = 1;
            json_array_foreach(json_object_get(g, "filters"), j, f) all = all && filter_ok(f, &recs[r]) == 1;
            any = any || all;
        }
        if (any)
            hits[n++] = &recs[r];
    }
    sort_prop = json_string_value(json_object_get(json_array_get(json_object_get(req, "sorts"), 0), "propertyName"));
    sort_desc = strcmp(json_string_value(json_object_get(json_array_get(json_object_get(req, "sorts"), 0), "direction")),
                       "DESCENDING") == 0;
    qsort(hits, n, sizeof(hits[0]), cmp);
    for (int64_t k = after; k < after + limit && k < (int64_t)n; ++k) {
        char id[24], v[40];
        snprintf(id, sizeof(id), "%" PRId64, hits[k]->id);
        snprintf(v, sizeof(v), "%g", hits[k]->value);
        json_array_append_new(results, json_pack("{s:s,s:{s:s?}}", "id", id, "properties", "n", hits[k]->has ? v : NULL));
    }
    json_t *doc = json_pack("{s:I,s:o}", "total", (json_int_t)n, "results", results);
    out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    json_decref(req);
    return out;
}

static void init(hs_scan_t *s, int desc, hs_sort_kind_t kind)
{
    hs_scan_init(s, "contacts", "n", NULL, 1, "n", kind, desc);
    s->cap = CAP;
    s->limit = PAGE;
}

/* reads everything; `resume`: a fresh scan restored from the saved position after every page */
static int run(int desc, hs_sort_kind_t kind, int resume, int64_t *ids, size_t *nids, char *err, size_t errlen)
{
    hs_scan_t s;
    int pages = 0;
    init(&s, desc, kind);
    *nids = 0;
    while (!hs_scan_done(&s)) {
        odata_buf_t path, pos;
        char *body = NULL, *ans;
        json_t *rows, *r;
        size_t i;
        odata_buf_init(&path, 1 << 16);
        if (hs_scan_request(&s, &path, &body) != 0 || body == NULL) {
            snprintf(err, errlen, "no request");
            odata_buf_dispose(&path);
            return -1;
        }
        odata_buf_dispose(&path);
        ans = answer(body);
        free(body);
        if (ans == NULL) {
            snprintf(err, errlen, "a request past the cap");
            return -1;
        }
        if (hs_scan_take(&s, ans, strlen(ans), &rows, err, errlen) != 0) {
            free(ans);
            return -1;
        }
        free(ans);
        json_array_foreach(rows, i, r) ids[(*nids)++] = strtoll(json_string_value(json_object_get(r, "id")), NULL, 10);
        json_decref(rows);
        if (resume && !hs_scan_done(&s)) {
            odata_buf_init(&pos, 1024);
            hs_scan_save(&s, &pos);
            hs_scan_dispose(&s);
            init(&s, desc, kind);
            if (hs_scan_restore(&s, pos.base) != 0) {
                snprintf(err, errlen, "could not restore \"%s\"", pos.base);
                odata_buf_dispose(&pos);
                return -1;
            }
            odata_buf_dispose(&pos);
        }
        if (++pages > 1000) {
            snprintf(err, errlen, "does not end");
            return -1;
        }
    }
    hs_scan_dispose(&s);
    return 0;
}

static const rec_t *by_id(int64_t id)
{
    for (int i = 0; i < NREC; ++i)
        if (recs[i].id == id)
            return &recs[i];
    return NULL;
}

/* every record once, nulls first ascending (last descending), values in order */
static int in_order(const int64_t *ids, size_t n, int desc, char *why, size_t whylen)
{
    int seen[NREC] = {0};
    if (n != NREC) {
        snprintf(why, whylen, "%zu rows, want %d", n, NREC);
        return 0;
    }
    for (size_t i = 0; i < n; ++i) {
        const rec_t *r = by_id(ids[i]);
        if (r == NULL || seen[r - recs]++) {
            snprintf(why, whylen, "row %zu (id %" PRId64 ") unknown or repeated", i, ids[i]);
            return 0;
        }
        if (i > 0) {
            const rec_t *p = by_id(ids[i - 1]);
            int bad = desc ? (p->has < r->has || (p->has && r->has && p->value < r->value))
                           : (p->has > r->has || (p->has && r->has && p->value > r->value));
            if (bad) {
                snprintf(why, whylen, "rows %zu and %zu out of order", i - 1, i);
                return 0;
            }
        }
    }
    return 1;
}

int main(void)
{
    int64_t ids[NREC * 2];
    size_t n;
    char err[256], why[128];

    make_records();
    for (int desc = 0; desc < 2; ++desc) {
        for (int resume = 0; resume < 2; ++resume) {
            calls = 0;
            int r = run(desc, HS_SORT_NUMBER, resume, ids, &n, err, sizeof(err));
            ok(r == 0, "%s%s: reads to the end (%s)", desc ? "descending" : "ascending", resume ? ", resumed after every page" : "",
               r == 0 ? "" : err);
            ok(r == 0 && in_order(ids, n, desc, why, sizeof(why)), "%s%s: every record once, in order (%s)",
               desc ? "descending" : "ascending", resume ? ", resumed" : "", r == 0 ? why : "");
            printf("# %d calls\n", calls);
        }
    }

    /* the key, descending, by keyset */
    {
        hs_scan_t s;
        odata_buf_t path;
        char *body = NULL;
        json_t *rows;
        size_t total = 0;
        int64_t prev = INT64_MAX;
        int sorted = 1;
        hs_scan_init(&s, "contacts", "n", NULL, 1, NULL, HS_SORT_ID, 1);
        s.cap = CAP;
        s.limit = PAGE;
        while (!hs_scan_done(&s)) {
            odata_buf_init(&path, 1 << 16);
            hs_scan_request(&s, &path, &body);
            odata_buf_dispose(&path);
            char *ans = answer(body);
            free(body);
            if (ans == NULL || hs_scan_take(&s, ans, strlen(ans), &rows, err, sizeof(err)) != 0) {
                free(ans);
                sorted = 0;
                break;
            }
            free(ans);
            for (size_t i = 0; i < json_array_size(rows); ++i) {
                int64_t id = strtoll(json_string_value(json_object_get(json_array_get(rows, i), "id")), NULL, 10);
                sorted = sorted && id < prev;
                prev = id;
                ++total;
            }
            json_decref(rows);
        }
        ok(sorted && total == NREC, "id desc: every record by keyset past the cap (%zu)", total);
    }

    /* answers the scan must refuse */
    {
        hs_scan_t s;
        json_t *rows;
        init(&s, 1, HS_SORT_NUMBER);
        ok(hs_scan_take(&s,
                        "{\"total\":2,\"results\":[{\"id\":\"1\",\"properties\":{\"n\":\"1\"}},{\"id\":\"2\",\"properties\":{\"n\":"
                        "\"3\"}}]}",
                        strlen("{\"total\":2,\"results\":[{\"id\":\"1\",\"properties\":{\"n\":\"1\"}},{\"id\":\"2\",\"properties\":"
                               "{\"n\":\"3\"}}]}"),
                        &rows, err, sizeof(err)) != 0 &&
               strstr(err, "out of order") != NULL,
           "a descending window that ascends: refused (%s)", err);
        hs_scan_dispose(&s);
        init(&s, 0, HS_SORT_NUMBER);
        ok(hs_scan_take(&s, "{\"results\":[{\"id\":\"9\",\"properties\":{\"n\":\"1\"}}]}",
                        strlen("{\"results\":[{\"id\":\"9\",\"properties\":{\"n\":\"1\"}}]}"), &rows, err, sizeof(err)) != 0,
           "a record with a value in the nulls phase: refused (%s)", err);
        hs_scan_dispose(&s);
        init(&s, 0, HS_SORT_NUMBER);
        ok(hs_scan_take(&s, "{\"results\":[{\"id\":\"09\",\"properties\":{}}]}",
                        strlen("{\"results\":[{\"id\":\"09\",\"properties\":{}}]}"), &rows, err, sizeof(err)) != 0,
           "an id that is not canonical: refused (%s)", err);
        ok(hs_scan_take(&s, "[]", 2, &rows, err, sizeof(err)) != 0, "not a page: refused (%s)", err);
        hs_scan_dispose(&s);
        init(&s, 0, HS_SORT_NUMBER);
        ok(hs_scan_restore(&s, "OW ~ ~ 10 ~") != 0, "a saved offset at the cap: refused");
        ok(hs_scan_restore(&s, "KM ~ ~ 0 ~") != 0, "a saved position of another kind of scan: refused");
        ok(hs_scan_restore(&s, "OT ~ ~ 0 ~") != 0, "a run of equal values without its value: refused");
        ok(hs_scan_restore(&s, "OW 12 5 4 ~") == 0 && s.phase == HS_PHASE_WINDOW && s.offset == 4, "a window position: restored");
        hs_scan_dispose(&s);
    }
    return test_done();
}
