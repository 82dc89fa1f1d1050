/*
 * The request sequence of a feed (see scan.h for the phases of an ordered scan).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "hubspot/plan.h"
#include "hubspot/scan.h"
#include "odata/query.h"

/* a sort value as HubSpot compares it */
typedef struct st_key_t {
    int64_t i; /* ids and epoch milliseconds */
    double d;  /* numbers */
} sort_key_t;

int hs_scan_init(hs_scan_t *s, const char *object, const char *properties, json_t *groups, int use_search, const char *sort_prop,
                 hs_sort_kind_t sort_kind, int descending)
{
    memset(s, 0, sizeof(*s));
    s->total = -1;
    s->need = -1;
    s->properties = properties;
    s->groups = groups;
    s->descending = descending;
    s->sort_kind = sort_kind;
    if ((size_t)snprintf(s->object, sizeof(s->object), "%s", object) >= sizeof(s->object))
        return -1;
    switch (sort_kind) {
    case HS_SORT_NUMBER:
    case HS_SORT_DATE:
    case HS_SORT_DATETIME:
        if (sort_prop == NULL || (size_t)snprintf(s->sort_prop, sizeof(s->sort_prop), "%s", sort_prop) >= sizeof(s->sort_prop))
            return -1;
        s->mode = HS_SCAN_ORDERED;
        s->phase = descending ? HS_PHASE_WINDOW : HS_PHASE_NULLS;
        break;
    case HS_SORT_ID:
        s->mode = HS_SCAN_KEYSET;
        break;
    default:
        s->mode = use_search || groups != NULL ? HS_SCAN_KEYSET : HS_SCAN_LIST;
        s->descending = 0;
        break;
    }
    if (s->mode == HS_SCAN_KEYSET)
        snprintf(s->sort_prop, sizeof(s->sort_prop), "hs_object_id");
    return 0;
}

void hs_scan_dispose(hs_scan_t *s)
{
    json_decref(s->held);
    s->held = NULL;
}

int hs_scan_done(const hs_scan_t *s)
{
    return s->phase == HS_PHASE_DONE;
}

/* ---- requests ---- */

static int64_t cap_of(const hs_scan_t *s)
{
    return s->cap > 0 ? s->cap : HS_SEARCH_CAP;
}

static int page_limit(const hs_scan_t *s)
{
    int limit = s->limit > 0 ? s->limit : HS_SEARCH_PAGE;
    if (s->phase == HS_PHASE_WINDOW) {
        if (s->probing)
            return 1;
        if (cap_of(s) - s->offset < limit)
            limit = (int)(cap_of(s) - s->offset);
    }
    return limit;
}

/* the search body: every planned group (or one empty group) with `extra` ANDed in */
static char *search_body(const hs_scan_t *s, json_t *extra, const char *sort_prop, int descending, int64_t after, int limit)
{
    json_t *req = json_object(), *groups = json_array(), *props = json_array(), *sorts = json_array(), *sort = json_object(), *g;
    size_t i;
    char *body;

    if (s->groups != NULL) {
        json_array_foreach(s->groups, i, g)
        {
            json_t *group = json_object(), *filters = json_deep_copy(g);
            json_array_extend(filters, extra);
            json_object_set_new(group, "filters", filters);
            json_array_append_new(groups, group);
        }
    } else if (json_array_size(extra) != 0) {
        json_t *group = json_object();
        json_object_set_new(group, "filters", json_deep_copy(extra));
        json_array_append_new(groups, group);
    }
    json_object_set_new(sort, "propertyName", json_string(sort_prop));
    json_object_set_new(sort, "direction", json_string(descending ? "DESCENDING" : "ASCENDING"));
    json_array_append_new(sorts, sort);
    for (const char *p = s->properties; *p != '\0';) {
        const char *c = strchr(p, ',');
        size_t n = c != NULL ? (size_t)(c - p) : strlen(p);
        json_array_append_new(props, json_stringn(p, n));
        p += n + (c != NULL);
    }
    json_object_set_new(req, "filterGroups", groups);
    json_object_set_new(req, "sorts", sorts);
    json_object_set_new(req, "properties", props);
    json_object_set_new(req, "limit", json_integer(limit));
    if (after > 0) {
        char a[24];
        snprintf(a, sizeof(a), "%" PRId64, after);
        json_object_set_new(req, "after", json_string(a));
    }
    body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    return body;
}

int hs_scan_request(hs_scan_t *s, odata_buf_t *path, char **body)
{
    json_t *extra;
    const char *sort_prop = "hs_object_id";
    int descending = 0;
    int64_t after = 0;

    *body = NULL;
    if (s->phase == HS_PHASE_DONE)
        return -1;
    if (s->mode == HS_SCAN_LIST) {
        char *esc = NULL;
        int ok = odata_buf_appendf(path, "/crm/v3/objects/%s?limit=%d&archived=false&properties=%s", s->object, HS_LIST_PAGE,
                                   s->properties) == ODATA_OK &&
                 (s->cursor[0] == '\0' || ((esc = curl_easy_escape(NULL, s->cursor, 0)) != NULL &&
                                           odata_buf_appendf(path, "&after=%s", esc) == ODATA_OK)) &&
                 odata_buf_append(path, "", 1) == ODATA_OK;
        curl_free(esc);
        return ok ? 0 : -1;
    }

    extra = json_array();
    switch (s->phase) {
    case HS_PHASE_MAIN: /* KEYSET */
        descending = s->descending;
        if (s->cursor[0] != '\0')
            json_array_append_new(extra, hs_filter_new("hs_object_id", descending ? "LT" : "GT", s->cursor, NULL));
        break;
    case HS_PHASE_NULLS:
        json_array_append_new(extra, hs_filter_new(s->sort_prop, "NOT_HAS_PROPERTY", NULL, NULL));
        if (s->cursor[0] != '\0')
            json_array_append_new(extra, hs_filter_new("hs_object_id", "GT", s->cursor, NULL));
        break;
    case HS_PHASE_TIE:
        json_array_append_new(extra, hs_filter_new(s->sort_prop, "EQ", s->bound, NULL));
        if (s->cursor[0] != '\0')
            json_array_append_new(extra, hs_filter_new("hs_object_id", "GT", s->cursor, NULL));
        break;
    case HS_PHASE_WINDOW:
        if (s->bound[0] == '\0')
            json_array_append_new(extra, hs_filter_new(s->sort_prop, "HAS_PROPERTY", NULL, NULL));
        else
            json_array_append_new(extra, hs_filter_new(s->sort_prop, s->descending ? "LT" : "GT", s->bound, NULL));
        sort_prop = s->sort_prop;
        descending = s->descending;
        after = s->probing ? cap_of(s) - 1 : s->offset;
        break;
    default:
        break;
    }
    *body = search_body(s, extra, sort_prop, descending, after, page_limit(s));
    json_decref(extra);
    if (*body == NULL || odata_buf_appendf(path, "/crm/v3/objects/%s/search", s->object) != ODATA_OK ||
        odata_buf_append(path, "", 1) != ODATA_OK) {
        free(*body);
        *body = NULL;
        return -1;
    }
    return 0;
}

/* ---- answers ---- */

int hs_id_parse(const char *s, int64_t *id)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 18 || strspn(s, "0123456789") != n || (s[0] == '0' && n > 1))
        return -1;
    *id = strtoll(s, NULL, 10);
    return 0;
}

static int read_id(json_t *rec, int64_t *id, const char **text)
{
    *text = json_string_value(json_object_get(rec, "id"));
    return hs_id_parse(*text, id);
}

/* a value in the filter form read_key writes (numbers as HubSpot gave them, instants as epoch milliseconds) */
static int key_of_text(const hs_scan_t *s, const char *text, sort_key_t *k)
{
    char *end;
    memset(k, 0, sizeof(*k));
    if (s->sort_kind == HS_SORT_NUMBER)
        k->d = strtod(text, &end);
    else
        k->i = strtoll(text, &end, 10);
    return text[0] != '\0' && *end == '\0' ? 0 : -1;
}

/* the sort value of a record: 1 with `k` and its filter text, 0 when unset, -1 when unreadable */
static int read_key(const hs_scan_t *s, json_t *rec, sort_key_t *k, char *text, size_t textsz)
{
    json_t *v = json_object_get(json_object_get(rec, "properties"), s->sort_prop);
    const char *str = json_string_value(v);
    size_t n = str != NULL ? strlen(str) : 0;
    odata_value_t val;

    if (v == NULL || json_is_null(v) || (str != NULL && n == 0))
        return 0;
    if (str == NULL || n >= textsz)
        return -1;
    memset(k, 0, sizeof(*k));
    switch (s->sort_kind) {
    case HS_SORT_NUMBER: {
        char *end;
        if (odata_value_parse(ODATA_TYPE_DECIMAL, str, n, &val) != ODATA_OK)
            return -1;
        k->d = strtod(str, &end);
        if (*end != '\0' || !isfinite(k->d))
            return -1;
        memcpy(text, str, n + 1);
        return 1;
    }
    case HS_SORT_DATE:
        if (odata_value_parse(ODATA_TYPE_DATE, str, n, &val) != ODATA_OK)
            return -1;
        k->i = (int64_t)val.u.date * 86400000;
        break;
    case HS_SORT_DATETIME:
        if (odata_value_parse(ODATA_TYPE_DATETIMEOFFSET, str, n, &val) != ODATA_OK)
            return -1;
        k->i = val.u.dto.us >= 0 ? val.u.dto.us / 1000 : -((-val.u.dto.us + 999) / 1000);
        break;
    default:
        return -1;
    }
    snprintf(text, textsz, "%" PRId64, k->i);
    return 1;
}

static int key_cmp(const hs_scan_t *s, const sort_key_t *a, const sort_key_t *b)
{
    if (s->sort_kind == HS_SORT_NUMBER)
        return (a->d > b->d) - (a->d < b->d);
    return (a->i > b->i) - (a->i < b->i);
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
}

int hs_page_after(json_t *doc, size_t nresults, json_t **after, char *err, size_t errlen)
{
    *after = json_object_get(json_object_get(json_object_get(doc, "paging"), "next"), "after");
    if (*after != NULL && (!json_is_string(*after) || !hs_cursor_ok(json_string_value(*after), json_string_length(*after)))) {
        set_err(err, errlen, "HubSpot answered with an invalid paging cursor");
        return -1;
    }
    if (*after != NULL && nresults == 0) {
        set_err(err, errlen, "HubSpot answered with an empty page that is not the last");
        return -1;
    }
    return 0;
}

static void start_window(hs_scan_t *s, const char *bound)
{
    s->phase = HS_PHASE_WINDOW;
    if (bound != s->bound)
        snprintf(s->bound, sizeof(s->bound), "%s", bound);
    s->offset = 0;
    s->window_end[0] = '\0';
    s->probing = 0;
    s->cursor[0] = '\0';
}

/* the phase after the records with P, or after those without */
static void after_values(hs_scan_t *s)
{
    s->cursor[0] = '\0';
    s->bound[0] = '\0';
    s->window_end[0] = '\0';
    s->offset = 0;
    s->phase = s->descending ? HS_PHASE_NULLS : HS_PHASE_DONE;
}

/* keyset phases: ids strictly increasing (decreasing for a descending KEYSET) after the cursor */
static int take_keyset(hs_scan_t *s, json_t *results, int limit, char *err, size_t errlen)
{
    int desc = s->phase == HS_PHASE_MAIN && s->descending;
    int64_t prev = 0;
    int have_prev = s->cursor[0] != '\0';
    const char *last = NULL;
    json_t *rec;
    size_t i;

    if (have_prev)
        prev = strtoll(s->cursor, NULL, 10);
    json_array_foreach(results, i, rec)
    {
        int64_t id;
        const char *text;
        if (read_id(rec, &id, &text) != 0 || (have_prev && (desc ? id >= prev : id <= prev))) {
            set_err(err, errlen, "HubSpot's search answered with records out of id order");
            return -1;
        }
        if (s->phase == HS_PHASE_NULLS) {
            sort_key_t k;
            char t[HS_SCAN_VALUE_MAX];
            if (read_key(s, rec, &k, t, sizeof(t)) != 0) {
                set_err(err, errlen, "HubSpot's search answered with a record that has the value it was asked to leave out");
                return -1;
            }
        }
        prev = id, have_prev = 1, last = text;
    }
    if (json_array_size(results) == (size_t)limit) {
        snprintf(s->cursor, sizeof(s->cursor), "%s", last);
        return 0;
    }
    switch (s->phase) {
    case HS_PHASE_NULLS:
        if (s->descending)
            s->phase = HS_PHASE_DONE;
        else
            start_window(s, "");
        break;
    case HS_PHASE_TIE:
        start_window(s, s->bound);
        break;
    default:
        s->phase = HS_PHASE_DONE;
        break;
    }
    return 0;
}

/* one page of a window, in sort order, cut before the window's end value */
/* the TIE phase for the run of the window's end value, read whole by id */
static void start_tie(hs_scan_t *s)
{
    memcpy(s->bound, s->window_end, sizeof(s->bound));
    s->phase = HS_PHASE_TIE;
    s->cursor[0] = '\0';
    s->offset = 0;
    s->window_end[0] = '\0';
}

/* a comes before b in the scan's direction */
static int key_before(const hs_scan_t *s, const sort_key_t *a, const sort_key_t *b)
{
    int c = key_cmp(s, a, b);
    return s->descending ? c > 0 : c < 0;
}

/* one page of a window, in sort order, cut before the window's end value */
static int take_window(hs_scan_t *s, json_t *results, size_t *kept, int limit, char *err, size_t errlen)
{
    sort_key_t end, prev, k;
    char text[HS_SCAN_VALUE_MAX];
    int have_end = s->window_end[0] != '\0', have_prev = 0;
    json_t *rec;
    size_t i;

    if (have_end && key_of_text(s, s->window_end, &end) != 0) {
        set_err(err, errlen, "the scan position is invalid");
        return -1;
    }
    json_array_foreach(results, i, rec)
    {
        if (read_key(s, rec, &k, text, sizeof(text)) != 1) {
            set_err(err, errlen, "HubSpot's search answered with a record without a readable value of the sort property");
            return -1;
        }
        if ((have_prev && key_before(s, &k, &prev)) || (have_end && key_before(s, &end, &k))) {
            set_err(err, errlen, "HubSpot's search answered with records out of order");
            return -1;
        }
        if (have_end && key_cmp(s, &k, &end) == 0) {
            start_tie(s);
            return 0;
        }
        prev = k, have_prev = 1;
        ++*kept;
    }
    s->offset += (int64_t)json_array_size(results);
    if (json_array_size(results) == (size_t)limit && s->offset < cap_of(s))
        return 0;
    if (have_end)
        start_tie(s); /* the end value was not reached (records changed meanwhile): continue from it */
    else
        after_values(s);
    return 0;
}

int hs_cursor_ok(const char *c, size_t n)
{
    if (n == 0 || n >= HS_CURSOR_MAX)
        return 0;
    for (size_t i = 0; i < n; ++i)
        if (c[i] <= 0x20 || c[i] >= 0x7f || c[i] == '|' || c[i] == '~')
            return 0;
    return 1;
}

/* the first `kept` records of `page` (all of them: the page itself), or an empty array */
static json_t *prefix(json_t *page, size_t kept)
{
    json_t *out;
    if (page != NULL && kept == json_array_size(page))
        return json_incref(page);
    if ((out = json_array()) != NULL)
        for (size_t i = 0; i < kept; ++i)
            json_array_append(out, json_array_get(page, i));
    return out;
}

int hs_scan_take(hs_scan_t *s, const char *body, size_t len, json_t **rows, char *err, size_t errlen)
{
    json_t *doc = json_loadb(body, len, 0, NULL), *results, *page = NULL; /* rows are a prefix of `page` */
    int limit = page_limit(s), r = -1;
    size_t kept = 0;

    *rows = NULL;
    if (doc == NULL || !json_is_array(results = json_object_get(doc, "results"))) {
        set_err(err, errlen, "HubSpot answered with a page that is not in the expected form");
        goto out;
    }
    if (s->mode == HS_SCAN_LIST) {
        json_t *after;
        if (hs_page_after(doc, json_array_size(results), &after, err, errlen) != 0)
            goto out;
        if (after != NULL)
            snprintf(s->cursor, sizeof(s->cursor), "%s", json_string_value(after));
        else
            s->phase = HS_PHASE_DONE;
        page = json_incref(results), kept = json_array_size(results), r = 0;
        goto out;
    }

    json_t *total = json_object_get(doc, "total");
    s->total = json_is_integer(total) && json_integer_value(total) >= 0 ? json_integer_value(total) : -1;
    if (s->phase != HS_PHASE_WINDOW) {
        if ((r = take_keyset(s, results, limit, err, errlen)) == 0)
            page = json_incref(results), kept = json_array_size(results);
        goto out;
    }
    if (s->probing) {
        /* the record at position 9,999: the window ends before the first record with its value */
        sort_key_t k;
        page = s->held; /* NULL when resumed while the probe was out: the window's first page comes next */
        s->held = NULL;
        s->probing = 0;
        if (json_array_size(results) > 1) {
            set_err(err, errlen, "HubSpot answered the probe with more than one record");
            goto out;
        }
        if (json_array_size(results) == 1 &&
            read_key(s, json_array_get(results, 0), &k, s->window_end, sizeof(s->window_end)) != 1) {
            s->window_end[0] = '\0';
            set_err(err, errlen, "HubSpot's search answered with a record without a readable value of the sort property");
            goto out;
        }
        r = page != NULL ? take_window(s, page, &kept, page_limit(s), err, errlen) : 0;
        goto out;
    }
    page = json_incref(results);
    if (s->offset == 0 && s->window_end[0] == '\0' && s->need >= 0 && json_array_size(results) >= (size_t)s->need) {
        /* the reader stops within this page: no probe, nothing after it */
        r = take_window(s, results, &kept, limit, err, errlen);
        s->phase = HS_PHASE_DONE;
    } else if (s->offset == 0 && s->window_end[0] == '\0' && s->total > cap_of(s) && json_array_size(results) == (size_t)limit) {
        s->held = json_incref(results);
        s->probing = 1;
        r = 0;
    } else {
        r = take_window(s, results, &kept, limit, err, errlen);
    }

out:
    if (r == 0 && (*rows = prefix(page, kept)) == NULL) {
        set_err(err, errlen, "out of memory");
        r = -1;
    }
    json_decref(page);
    json_decref(doc);
    return r;
}

/* ---- positions ---- */

static const char *or_tilde(const char *s)
{
    return s[0] != '\0' ? s : "~";
}

odata_err_t hs_scan_save(const hs_scan_t *s, odata_buf_t *out)
{
    static const char modes[] = "LKO", phases[] = "MNWTD";
    /* with the probe out, the first page it holds is forgotten: the probe, then that page, are asked for again ("p") */
    if (s->probing)
        return odata_buf_appendf(out, "%c%c %s %s p ~", modes[s->mode], phases[s->phase], or_tilde(s->cursor), or_tilde(s->bound));
    return odata_buf_appendf(out, "%c%c %s %s %" PRId64 " %s", modes[s->mode], phases[s->phase], or_tilde(s->cursor),
                             or_tilde(s->bound), s->offset, or_tilde(s->window_end));
}

static int field(char *dst, size_t dstsz, const char *src, size_t n)
{
    if (n == 0 || n >= dstsz)
        return -1;
    if (n == 1 && src[0] == '~') {
        dst[0] = '\0';
        return 0;
    }
    if (!hs_cursor_ok(src, n))
        return -1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

int hs_scan_restore(hs_scan_t *s, const char *text)
{
    static const char modes[] = "LKO", phases[] = "MNWTD";
    const char *f[5], *p = text;
    size_t len[5];
    char num[24], *end = NULL;
    int probing;

    for (int i = 0; i < 5; ++i) {
        const char *sp = strchr(p, ' ');
        f[i] = p;
        len[i] = sp != NULL ? (size_t)(sp - p) : strlen(p);
        if ((sp == NULL) != (i == 4))
            return -1;
        p = sp != NULL ? sp + 1 : p + len[i];
    }
    if (len[0] != 2 || f[0][0] != modes[s->mode] || strchr(phases, f[0][1]) == NULL || f[0][1] == '\0')
        return -1;
    hs_scan_phase_t phase = (hs_scan_phase_t)(strchr(phases, f[0][1]) - phases);
    if (s->mode == HS_SCAN_ORDERED ? phase == HS_PHASE_MAIN : phase != HS_PHASE_MAIN)
        return -1;
    if (field(s->cursor, sizeof(s->cursor), f[1], len[1]) != 0 || field(s->bound, sizeof(s->bound), f[2], len[2]) != 0 ||
        field(s->window_end, sizeof(s->window_end), f[4], len[4]) != 0 || len[3] == 0 || len[3] >= sizeof(num))
        return -1;
    memcpy(num, f[3], len[3]);
    num[len[3]] = '\0';
    probing = strcmp(num, "p") == 0;
    s->offset = probing ? 0 : strtoll(num, &end, 10);
    if ((!probing && *end != '\0') || s->offset < 0 || s->offset >= cap_of(s) ||
        (probing && (phase != HS_PHASE_WINDOW || s->window_end[0] != '\0')))
        return -1;
    if (s->cursor[0] != '\0' && s->mode != HS_SCAN_LIST) {
        int64_t id;
        if (hs_id_parse(s->cursor, &id) != 0)
            return -1;
    }
    if (phase == HS_PHASE_TIE && s->bound[0] == '\0')
        return -1;
    s->phase = phase;
    s->probing = probing;
    return 0;
}
