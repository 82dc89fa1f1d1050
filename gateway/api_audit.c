/*
 * Reading the audit log: one portal's events, newest first, with filters (time range, event types,
 * user, data source), paged by keyset on the row's seq, or exported whole as CSV (streamed a page at a
 * time, so memory stays flat however long the log is). Portal admins read their own portal's log
 * (GET /api/v1/audit[/export]); support staff read any portal's through gateway/staff.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gateway/api.h"
#include "gateway/audit.h"

#define MAX_EVENT_FILTERS 32
#define EXPORT_PAGE 1000

static const char list_sql[] =
    "SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), event, actor, user_id, data_source_id, "
    "token_id, detail::text FROM audit_log WHERE portal_id = $1::bigint "
    "AND ($2::timestamptz IS NULL OR at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR at < $3::timestamptz) "
    "AND ($4::text[] IS NULL OR event LIKE ANY ($4::text[])) AND ($5::bigint IS NULL OR user_id = $5::bigint) "
    "AND ($6::bigint IS NULL OR data_source_id = $6::bigint) AND ($7::bigint IS NULL OR seq < $7::bigint) "
    "ORDER BY seq DESC LIMIT $8::int";

/* ---- the filters ---- */

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; ++i)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* An RFC 3339 date-time ("2026-11-24T02:30:00Z", seconds and fraction optional, "Z" or "+01:00"), or a date. */
static int is_timestamp(const char *s)
{
    size_t n = strlen(s), i = 10;

    if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
        return 0;
    if (n == 10)
        return 1;
    if ((s[10] != 'T' && s[10] != 't') || n < 16 || !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2))
        return 0;
    i = 16;
    if (i < n && s[i] == ':') {
        if (i + 3 > n || !digits(s + i + 1, 2))
            return 0;
        i += 3;
        if (i < n && s[i] == '.') {
            size_t k = ++i;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                ++i;
            if (i == k || i - k > 9)
                return 0;
        }
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z'))
        return i + 1 == n;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        return i + 6 == n && digits(s + i + 1, 2) && s[i + 3] == ':' && digits(s + i + 4, 2);
    return 0;
}

/* "token.revoked" or "datasource.*" (or "*") as a LIKE pattern appended to `out`; 0, or -1 when malformed */
static int append_event_pattern(odata_buf_t *out, const char *s, size_t n)
{
    int dot = 1; /* a letter must come next */

    if (n == 1 && s[0] == '*')
        return odata_buf_appends(out, "%") == ODATA_OK ? 0 : -1;
    if (n == 0 || n > 64)
        return -1;
    for (size_t i = 0; i < n; ++i) {
        char c = s[i];
        if (c == '*' && i + 1 == n && i > 0 && s[i - 1] == '.') {
            odata_buf_appends(out, "%");
        } else if (c >= 'a' && c <= 'z') {
            odata_buf_append(out, &c, 1);
            dot = 0;
        } else if (c == '_' && !dot) {
            odata_buf_appends(out, "\\\\_"); /* LIKE's wildcard, escaped (doubled for the array literal) */
        } else if (c == '.' && !dot) {
            odata_buf_append(out, &c, 1);
            dot = 1;
        } else {
            return -1;
        }
    }
    return dot && s[n - 1] != '*' ? -1 : 0;
}

int gw_audit_read_parse(h2o_req_t *req, int64_t portal_id, int paged, gw_audit_read_t *rd)
{
    const char *q, *qend;

    memset(rd, 0, sizeof(*rd));
    rd->req = req;
    rd->portal_id = portal_id;
    rd->limit = paged ? 100 : EXPORT_PAGE;
    if (req->query_at == SIZE_MAX)
        return 0;
    q = req->path.base + req->query_at + 1;
    qend = req->path.base + req->path.len;
    while (q < qend) {
        const char *amp = memchr(q, '&', qend - q), *pe = amp != NULL ? amp : qend, *eq = memchr(q, '=', pe - q);
        h2o_iovec_t key;
        char *v;
        if (pe == q) {
            q = pe + 1;
            continue;
        }
        if (eq == NULL) {
            gw_api_send_err(req, 400, "InvalidParameter", "a query parameter has no value");
            return -1;
        }
        key = h2o_iovec_init(q, eq - q);
        if ((v = gw_url_decode(&req->pool, eq + 1, pe - eq - 1)) == NULL) {
            gw_api_send_err(req, 400, "InvalidParameter", "a query parameter is not correctly percent-encoded");
            return -1;
        }
        h2o_iovec_t val = h2o_iovec_init(v, strlen(v));
        if (h2o_memis(key.base, key.len, H2O_STRLIT("from")) || h2o_memis(key.base, key.len, H2O_STRLIT("to"))) {
            int from = key.len == 4;
            if (!is_timestamp(val.base)) {
                gw_api_send_err(req, 400, "InvalidParameter", "%s must be an RFC 3339 date-time, e.g. 2026-11-24T09:00:00Z",
                                from ? "from" : "to");
                return -1;
            }
            *(from ? &rd->from : &rd->to) = val.base;
        } else if (h2o_memis(key.base, key.len, H2O_STRLIT("event"))) {
            odata_buf_t b;
            const char *s = val.base, *end = val.base + val.len;
            int count = 0, bad = 0;
            odata_buf_init(&b, 8192);
            odata_buf_appends(&b, "{");
            while (s <= end && !bad) {
                const char *comma = memchr(s, ',', end - s), *e = comma != NULL ? comma : end;
                if (count != 0)
                    odata_buf_appends(&b, ",");
                odata_buf_appends(&b, "\"");
                bad = ++count > MAX_EVENT_FILTERS || append_event_pattern(&b, s, e - s) != 0;
                odata_buf_appends(&b, "\"");
                s = e + 1;
            }
            odata_buf_appends(&b, "}");
            if (!bad) {
                rd->events = h2o_strdup(&req->pool, b.base, b.len).base;
                rd->events_text = val.base;
            }
            odata_buf_dispose(&b);
            if (bad) {
                gw_api_send_err(req, 400, "InvalidParameter",
                                "event takes up to %d event names (e.g. token.revoked) or prefixes (e.g. datasource.*), "
                                "separated by commas",
                                MAX_EVENT_FILTERS);
                return -1;
            }
        } else if (h2o_memis(key.base, key.len, H2O_STRLIT("userId")) || h2o_memis(key.base, key.len, H2O_STRLIT("dataSourceId")) ||
                   (paged && h2o_memis(key.base, key.len, H2O_STRLIT("before")))) {
            int64_t id = gw_api_parse_id(val.base, val.len);
            if (id < 0) {
                gw_api_send_err(req, 400, "InvalidParameter", "%.*s must be a positive integer", (int)key.len, key.base);
                return -1;
            }
            *(key.base[0] == 'u' ? &rd->user_id : key.base[0] == 'd' ? &rd->ds_id : &rd->before) = id;
        } else if (paged && h2o_memis(key.base, key.len, H2O_STRLIT("limit"))) {
            int64_t n = gw_api_parse_id(val.base, val.len);
            if (n < 1 || n > 500) {
                gw_api_send_err(req, 400, "InvalidParameter", "limit must be a number from 1 to 500");
                return -1;
            }
            rd->limit = (int)n;
        } else {
            gw_api_send_err(req, 400, "InvalidParameter",
                            "unknown query parameter %.*s (takes from, to, event, userId, "
                            "dataSourceId%s)",
                            (int)(key.len > 40 ? 40 : key.len), key.base, paged ? ", before, limit" : "");
            return -1;
        }
        q = pe + 1;
    }
    return 0;
}

json_t *gw_audit_read_filters(const gw_audit_read_t *rd)
{
    json_t *f = json_object();
    if (rd->from != NULL)
        json_object_set_new(f, "from", json_string(rd->from));
    if (rd->to != NULL)
        json_object_set_new(f, "to", json_string(rd->to));
    if (rd->events_text != NULL)
        json_object_set_new(f, "event", json_string(rd->events_text));
    if (rd->user_id != 0)
        json_object_set_new(f, "userId", json_integer(rd->user_id));
    if (rd->ds_id != 0)
        json_object_set_new(f, "dataSourceId", json_integer(rd->ds_id));
    return f;
}

static int run_query(gw_audit_read_t *rd, int64_t before, int limit, store_pg_cb cb)
{
    h2o_req_t *req = rd->req;
    const char *params[8] = {gw_api_int_param(req, rd->portal_id),
                             rd->from,
                             rd->to,
                             rd->events,
                             rd->user_id != 0 ? gw_api_int_param(req, rd->user_id) : NULL,
                             rd->ds_id != 0 ? gw_api_int_param(req, rd->ds_id) : NULL,
                             before != 0 ? gw_api_int_param(req, before) : NULL,
                             gw_api_int_param(req, limit)};
    return store_pg_query(gw.db, list_sql, 8, params, 0, cb, rd);
}

static json_t *opt_id(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_integer(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

/* ---- a page as JSON ---- */

static void on_page(void *data, PGresult *res, const char *err)
{
    gw_audit_read_t *rd = data;
    json_t *value, *doc;
    int n;

    if (res == NULL) {
        gw_api_send_db_error(rd->req, "the audit log could not be read", err);
        return;
    }
    n = PQntuples(res);
    value = json_array();
    for (int i = 0; i < n; ++i) {
        json_t *detail = json_loads(PQgetvalue(res, i, 7), 0, NULL);
        json_array_append_new(value,
                              json_pack("{sIsssssssosososo}", "seq", (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "at",
                                        PQgetvalue(res, i, 1), "event", PQgetvalue(res, i, 2), "actor", PQgetvalue(res, i, 3),
                                        "userId", opt_id(res, i, 4), "dataSourceId", opt_id(res, i, 5), "tokenId",
                                        opt_id(res, i, 6), "detail", detail != NULL ? detail : json_object()));
    }
    doc = json_pack("{soso}", "value", value, "nextBefore",
                    n == rd->limit && n > 0 ? json_integer(strtoll(PQgetvalue(res, n - 1, 0), NULL, 10)) : json_null());
    gw_api_send_json(rd->req, 200, doc);
}

void gw_audit_read_list(gw_audit_read_t *rd)
{
    if (run_query(rd, rd->before, rd->limit, on_page) != 0)
        gw_api_send_err(rd->req, 500, "InternalError", "out of memory");
}

/* ---- the whole log as CSV ---- */

typedef struct st_export_t {
    h2o_generator_t generator;
    gw_audit_read_t *rd;
    odata_buf_t out;
    int64_t before;
    int started, stopped;
} export_t;

static void csv_field(odata_buf_t *b, const char *s, int quote)
{
    if (!quote) {
        odata_buf_appends(b, s);
        return;
    }
    odata_buf_appends(b, "\"");
    for (const char *p = s; *p != '\0'; ++p) {
        const char *q = strchr(p, '"');
        if (q == NULL) {
            odata_buf_appends(b, p);
            break;
        }
        odata_buf_append(b, p, q - p + 1);
        odata_buf_appends(b, "\"");
        p = q;
    }
    odata_buf_appends(b, "\"");
}

static void export_next(export_t *x);

static void on_export_page(void *data, PGresult *res, const char *err)
{
    export_t *x = ((gw_audit_read_t *)data)->export;
    h2o_req_t *req = x->rd->req;
    int n;
    h2o_iovec_t buf;

    if (x->stopped)
        return;
    if (res == NULL) {
        gw_log(GW_LOG_ERROR, "audit", "portal=%" PRId64 " audit export failed: %s", x->rd->portal_id, err);
        if (!x->started) {
            gw_api_send_db_error(req, "the audit log could not be read", err);
        } else {
            /* the download ends without its last chunk: it cannot pass for complete */
            h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
        }
        return;
    }
    if (!x->started) {
        char disposition[96];
        req->res.status = 200;
        req->res.reason = "OK";
        gw_add_header(req, H2O_TOKEN_CONTENT_TYPE, "text/csv; charset=utf-8");
        gw_add_header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
        snprintf(disposition, sizeof(disposition), "attachment; filename=\"audit-%" PRId64 ".csv\"", x->rd->portal_id);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL,
                       h2o_strdup(&req->pool, disposition, SIZE_MAX).base, strlen(disposition));
        h2o_start_response(req, &x->generator);
        x->started = 1;
        odata_buf_appends(&x->out, "seq,at,event,actor,user_id,data_source_id,token_id,detail\r\n");
    }
    n = PQntuples(res);
    for (int i = 0; i < n; ++i) {
        for (int c = 0; c < 8; ++c) {
            if (c != 0)
                odata_buf_appends(&x->out, ",");
            if (!PQgetisnull(res, i, c))
                csv_field(&x->out, PQgetvalue(res, i, c), c == 3 || c == 7);
        }
        odata_buf_appends(&x->out, "\r\n");
    }
    if (n > 0)
        x->before = strtoll(PQgetvalue(res, n - 1, 0), NULL, 10);
    buf = h2o_iovec_init(x->out.base != NULL ? x->out.base : "", x->out.len);
    h2o_send(req, &buf, 1, n == EXPORT_PAGE ? H2O_SEND_STATE_IN_PROGRESS : H2O_SEND_STATE_FINAL);
}

static void export_next(export_t *x)
{
    odata_buf_reset(&x->out);
    if (run_query(x->rd, x->before, EXPORT_PAGE, on_export_page) != 0) {
        if (x->started)
            h2o_send(x->rd->req, NULL, 0, H2O_SEND_STATE_ERROR);
        else
            gw_api_send_err(x->rd->req, 500, "InternalError", "out of memory");
    }
}

static void on_export_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    export_next(H2O_STRUCT_FROM_MEMBER(export_t, generator, gen));
}

static void on_export_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    H2O_STRUCT_FROM_MEMBER(export_t, generator, gen)->stopped = 1;
}

static void export_dispose(void *p)
{
    odata_buf_dispose(&((export_t *)p)->out);
}

void gw_audit_read_export(gw_audit_read_t *rd)
{
    export_t *x = h2o_mem_alloc_shared(&rd->req->pool, sizeof(*x), export_dispose);

    memset(x, 0, sizeof(*x));
    x->generator.proceed = on_export_proceed;
    x->generator.stop = on_export_stop;
    x->rd = rd;
    odata_buf_init(&x->out, 64 * 1024 * 1024);
    rd->export = x;
    export_next(x);
}

/* ---- portal admins: GET /api/v1/audit[/export] ---- */

static void admin_read(api_req_t *r, int export)
{
    gw_audit_read_t *rd;

    if (!r->admin) {
        gw_api_send_err(r->req, 403, "Forbidden", "only the portal's admins read its audit log");
        return;
    }
    rd = h2o_mem_alloc_pool(&r->req->pool, sizeof(*rd));
    if (gw_audit_read_parse(r->req, r->portal_id, !export, rd) != 0)
        return;
    if (export)
        gw_audit_read_export(rd);
    else
        gw_audit_read_list(rd);
}

void gw_api_audit_list(api_req_t *r)
{
    admin_read(r, 0);
}

void gw_api_audit_export(api_req_t *r)
{
    admin_read(r, 1);
}
