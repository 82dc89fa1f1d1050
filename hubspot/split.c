/* A split list scan: see hubspot/split.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "hubspot/scan.h"
#include "hubspot/split.h"

int hs_split_init(hs_split_t *s, const char *object, const char *properties, unsigned want)
{
    memset(s, 0, sizeof(*s));
    if (snprintf(s->object, sizeof(s->object), "%s", object) >= (int)sizeof(s->object))
        return -1;
    s->properties = properties;
    s->want = want < 1 ? 1 : want > HS_SPLIT_MAX ? HS_SPLIT_MAX : want;
    s->inclusive = -1;
    s->max_id = -1;
    s->probe = s->want > 1 ? 0 : 2;
    s->parts[0].live = 1;
    return 0;
}

int hs_split_done(const hs_split_t *s)
{
    for (unsigned i = 0; i != HS_SPLIT_MAX; ++i)
        if (s->parts[i].live)
            return 0;
    return 1;
}

unsigned hs_split_busy(const hs_split_t *s)
{
    unsigned n = s->probe == 1;
    for (unsigned i = 0; i != HS_SPLIT_MAX; ++i)
        n += s->parts[i].live && s->parts[i].busy;
    return n;
}

/* an id as HubSpot writes it (hs_id_parse), unsigned */
static int id_parse(const char *t, uint64_t *id)
{
    int64_t v;
    if (hs_id_parse(t, &v) != 0)
        return -1;
    *id = (uint64_t)v;
    return 0;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
}

/* Cuts the part with the most left to read in two while parts are wanted and it holds two pages or more. */
static void maybe_split(hs_split_t *s)
{
    if (s->inclusive < 0 || s->max_id < 0)
        return;
    for (;;) {
        unsigned live = 0, i;
        int best = -1, free_slot = -1;
        uint64_t best_left = 0;
        for (i = 0; i != HS_SPLIT_MAX; ++i) {
            hs_split_part_t *p = s->parts + i;
            if (!p->live) {
                if (free_slot < 0)
                    free_slot = (int)i;
                continue;
            }
            ++live;
            uint64_t end = p->to != 0 ? p->to : (uint64_t)s->max_id + 1;
            if (p->from == 0 || end <= p->from)
                continue;
            if (end - p->from > best_left) {
                best_left = end - p->from;
                best = (int)i;
            }
        }
        if (live >= s->want || best < 0 || free_slot < 0)
            return;
        /* the records left in the range, at the density seen so far */
        double density = s->span != 0 ? (double)s->rows / (double)s->span : 1.0;
        if (density * (double)best_left < 2.0 * HS_LIST_PAGE)
            return;
        hs_split_part_t *p = s->parts + best, *q = s->parts + free_slot;
        uint64_t mid = p->from + best_left / 2;
        memset(q, 0, sizeof(*q));
        q->live = 1;
        q->from = mid;
        q->to = p->to;
        p->to = mid;
        ++s->splits;
    }
}

int hs_split_next(hs_split_t *s, int parts_allowed, int *ticket, odata_buf_t *path, char **body)
{
    *body = NULL;
    if (s->probe == 0 && s->inclusive >= 0 && !hs_split_done(s)) {
        static const char probe[] =
            "{\"filterGroups\":[],\"sorts\":[{\"propertyName\":\"hs_object_id\",\"direction\":\"DESCENDING\"}],"
            "\"properties\":[\"hs_object_id\"],\"limit\":1}";
        if ((*body = strdup(probe)) == NULL || odata_buf_appendf(path, "/crm/v3/objects/%s/search", s->object) != ODATA_OK ||
            odata_buf_append(path, "", 1) != ODATA_OK) {
            free(*body);
            *body = NULL;
            return -1;
        }
        s->probe = 1;
        *ticket = HS_SPLIT_PROBE;
        return 1;
    }
    if (!parts_allowed)
        return 0;
    int pick = -1;
    for (unsigned i = 0; i != HS_SPLIT_MAX; ++i) {
        hs_split_part_t *p = s->parts + i;
        if (p->live && !p->busy && (pick < 0 || p->from < s->parts[pick].from))
            pick = (int)i;
    }
    if (pick < 0)
        return 0;
    hs_split_part_t *p = s->parts + pick;
    char after[160] = "";
    if (p->from != 0)
        snprintf(after, sizeof(after), "&after=%" PRIu64, s->inclusive == 1 ? p->from : p->from - 1);
    else if (p->cursor[0] != '\0') {
        char *esc = curl_easy_escape(NULL, p->cursor, 0);
        if (esc == NULL)
            return -1;
        snprintf(after, sizeof(after), "&after=%s", esc);
        curl_free(esc);
    }
    if (odata_buf_appendf(path, "/crm/v3/objects/%s?limit=%d&archived=false&properties=%s%s", s->object, HS_LIST_PAGE,
                          s->properties, after) != ODATA_OK ||
        odata_buf_append(path, "", 1) != ODATA_OK)
        return -1;
    p->busy = 1;
    *ticket = pick;
    return 1;
}

static int take_probe(hs_split_t *s, json_t *results, char *err, size_t errlen)
{
    uint64_t id = 0;
    s->probe = 2;
    if (json_array_size(results) > 1 ||
        (json_array_size(results) == 1 &&
         id_parse(json_string_value(json_object_get(json_array_get(results, 0), "id")), &id) != 0)) {
        set_err(err, errlen, "HubSpot answered the search for the highest id with a page that is not in the expected form");
        return -1;
    }
    s->max_id = (int64_t)id;
    maybe_split(s);
    return 0;
}

int hs_split_take(hs_split_t *s, int ticket, const char *body, size_t len, json_t **rows, char *err, size_t errlen)
{
    json_t *doc = json_loadb(body, len, 0, NULL), *results, *after, *out = NULL;
    hs_split_part_t *p;
    uint64_t prev = 0, id = 0, first = 0, start;
    size_t i, kept;
    int r = -1, ended = 0;

    *rows = NULL;
    if (doc == NULL || !json_is_array(results = json_object_get(doc, "results"))) {
        set_err(err, errlen, "HubSpot answered with a page that is not in the expected form");
        goto out;
    }
    if (ticket == HS_SPLIT_PROBE) {
        r = take_probe(s, results, err, errlen);
        goto out;
    }
    if (ticket < 0 || ticket >= HS_SPLIT_MAX || !(p = s->parts + ticket)->live || !p->busy) {
        set_err(err, errlen, "an answer for a part of the scan that was not read");
        goto out;
    }
    p->busy = 0;
    start = p->from;
    if (hs_page_after(doc, json_array_size(results), &after, err, errlen) != 0)
        goto out;
    /* ids ascending and inside the part; the records at or past its end are the next part's */
    for (i = 0, kept = 0; i != json_array_size(results); ++i) {
        if (id_parse(json_string_value(json_object_get(json_array_get(results, i), "id")), &id) != 0 || (i != 0 && id <= prev) ||
            (p->from != 0 && id < p->from)) {
            set_err(err, errlen, "HubSpot answered with records out of id order");
            goto out;
        }
        if (i == 0)
            first = id;
        prev = id;
        if (p->to != 0 && id >= p->to) {
            ended = 1;
            break;
        }
        ++kept;
    }
    if (after == NULL)
        ended = 1;
    if (!ended) {
        const char *n = json_string_value(after);
        uint64_t next;
        int numeric = id_parse(n, &next) == 0;
        if (s->inclusive == -1) /* the first page: what HubSpot's cursor is */
            s->inclusive = !numeric ? -2 : next > prev ? 1 : next == prev ? 0 : -2;
        if (s->inclusive >= 0) {
            if (!numeric || (s->inclusive == 1 ? next <= prev : next != prev)) {
                set_err(err, errlen, "HubSpot answered with a paging cursor that does not follow its records");
                goto out;
            }
            p->from = s->inclusive == 1 ? next : next + 1;
            p->cursor[0] = '\0';
            if (p->to != 0 && p->from >= p->to)
                ended = 1;
        } else {
            snprintf(p->cursor, sizeof(p->cursor), "%s", n); /* hs_cursor_ok: it fits */
        }
    }
    /* the id span this answer covered (from the first id when the part had no numeric start) */
    uint64_t begin = start != 0 ? start : first, end = ended ? (p->to != 0 ? p->to : prev + 1) : p->from;
    if (kept != 0 || start != 0)
        s->span += end > begin ? end - begin : 0;
    s->rows += kept;
    if (ended)
        p->live = 0;
    if ((out = json_array()) == NULL) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    for (i = 0; i != kept; ++i)
        json_array_append(out, json_array_get(results, i));
    maybe_split(s);
    *rows = out;
    r = 0;
out:
    json_decref(doc);
    return r;
}

void hs_split_abandon(hs_split_t *s, int ticket)
{
    if (ticket == HS_SPLIT_PROBE) {
        if (s->probe == 1)
            s->probe = 0;
    } else if (ticket >= 0 && ticket < HS_SPLIT_MAX) {
        s->parts[ticket].busy = 0;
    }
}

odata_err_t hs_split_save(const hs_split_t *s, odata_buf_t *out)
{
    odata_err_t e = odata_buf_appendf(out, "S%d~%" PRId64, s->inclusive, s->probe == 2 ? s->max_id : (int64_t)-1);
    for (unsigned i = 0; e == ODATA_OK && i != HS_SPLIT_MAX; ++i) {
        const hs_split_part_t *p = s->parts + i;
        if (!p->live)
            continue;
        if (p->from == 0)
            e = odata_buf_appendf(out, "~c%s", p->cursor);
        else
            e = odata_buf_appendf(out, "~%" PRIu64 "-%" PRIu64, p->from, p->to);
    }
    return e;
}

int hs_split_restore(hs_split_t *s, const char *text)
{
    char *end;
    const char *t = text;
    unsigned n = 0;

    if (*t++ != 'S')
        return -1;
    long incl = strtol(t, &end, 10);
    if (end == t || incl < -2 || incl > 1 || *end != '~')
        return -1;
    t = end + 1;
    long long max = strtoll(t, &end, 10);
    if (end == t || max < -1 || (*end != '~' && *end != '\0'))
        return -1;
    memset(s->parts, 0, sizeof(s->parts));
    s->inclusive = (int)incl;
    s->max_id = max;
    s->probe = s->want == 1 ? 2 : max >= 0 ? 2 : 0;
    t = end;
    while (*t == '~') {
        hs_split_part_t *p;
        ++t;
        if (n == HS_SPLIT_MAX)
            return -1;
        p = s->parts + n++;
        p->live = 1;
        if (*t == 'c') {
            size_t len = strcspn(++t, "~");
            if (len != 0 && !hs_cursor_ok(t, len))
                return -1;
            if (len >= sizeof(p->cursor) || (len != 0 && n != 1))
                return -1;
            memcpy(p->cursor, t, len);
            p->cursor[len] = '\0';
            t += len;
            continue;
        }
        if (*t < '1' || *t > '9' || s->inclusive < 0)
            return -1;
        p->from = strtoull(t, &end, 10);
        if (*end != '-' || end[1] < '0' || end[1] > '9')
            return -1;
        t = end + 1;
        p->to = strtoull(t, &end, 10);
        if (end == t || (p->to != 0 && p->to <= p->from) || (*end != '~' && *end != '\0'))
            return -1;
        t = end;
    }
    return *t == '\0' ? 0 : -1;
}
