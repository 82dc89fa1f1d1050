/*
 * Entity set feeds and /$count. The query options are parsed against the entity set; the $filter is
 * planned into what HubSpot's search can evaluate (always a superset) and, unless that plan is exact,
 * evaluated exactly on the stream. Which HubSpot requests read the rows, in which order, is the scan's
 * business (hubspot/scan.h): the list endpoint, keyset paging on hs_object_id, or the phases of an
 * ordered read; every one gets past the search's 10,000-result cap.
 *
 * A whole list read (no filter HubSpot must apply, no $orderby, $skip or $top) is split into id ranges
 * read at once (hubspot/split.h), so that several requests are on the wire while HubSpot answers and a
 * large feed runs at the portal's rate limit; the portal's budget (hubspot/budget.h) shares that limit
 * fairly between feeds. Pages are written in the order they come.
 *
 * Streaming: a bounded number of parsed pages wait while another is on the wire (one, or the look-ahead
 * of a split read), so memory does not grow with the number of rows and a slow client slows the
 * upstream. A failure after the first byte aborts the response without the terminating chunk.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "gateway/request.h"

static gw_odata_req_t *req_of(gw_feed_t *f)
{
    return H2O_STRUCT_FROM_MEMBER(gw_odata_req_t, feed, f);
}

static void calls_cancel(gw_feed_t *f)
{
    hs_call_destroy(f->page_call);
    f->page_call = NULL;
    while (f->ncalls != 0) {
        --f->ncalls;
        hs_call_destroy(f->calls[f->ncalls]);
        if (f->split_on)
            hs_split_abandon(&f->split, f->tickets[f->ncalls]);
    }
}

void gw_feed_dispose(gw_feed_t *f)
{
    calls_cancel(f);
    while (f->rq_count != 0) {
        json_decref(f->rq[f->rq_head]);
        f->rq_head = (f->rq_head + 1) % (HS_SPLIT_MAX + 1);
        --f->rq_count;
    }
    json_decref(f->ready);
    hs_read_dispose(&f->rd);
    json_decref(f->hs_props);
    if (f->query != NULL)
        odata_query_destroy(f->query);
    free(f->scope);
    free(f->next_query);
    free(f->context_url);
    odata_buf_dispose(&f->out);
    odata_buf_dispose(&f->scratch);
}

static void feed_log(gw_feed_t *f, const char *outcome)
{
    gw_odata_req_t *r = req_of(f);
    f->outcome = outcome;
    gw_log(GW_LOG_INFO, "feed",
           "portal=%lld token=%lld ds=%s set=%s%s search=%d residual=%d ordered=%d rows=%lld seen=%zu bytes=%zu hubspot_calls=%zu "
           "retries=%zu "
           "rate_limited=%zu throttled_ms=%llu parts=%d ms=%llu outcome=%s",
           (long long)r->portal_id, (long long)r->token_id, r->ds, r->set_name, r->route == GW_ROUTE_COUNT ? "/$count" : "",
           f->rd.scan.mode != HS_SCAN_LIST, f->rd.residual, f->rd.scan.mode == HS_SCAN_ORDERED,
           (long long)(r->route == GW_ROUTE_COUNT ? f->counted : f->emitted), f->rows_seen, f->bytes, f->hs_calls, f->hs_retries,
           f->hs_rate_limited, (unsigned long long)f->hs_queued_ms, f->split_on ? 1 + (int)f->split.splits : 1,
           (unsigned long long)(h2o_now(gw.evloop) - r->started_at), outcome);
}

static void feed_fail(gw_feed_t *f, int status, const char *code, const char *message)
{
    gw_odata_req_t *r = req_of(f);
    calls_cancel(f);
    if (f->done)
        return;
    gw_log(GW_LOG_WARN, "feed", "ds=%s set=%s failed after %lld rows: %s", r->ds, r->set_name, (long long)f->emitted, message);
    r->error_code = code;
    if (!f->started) {
        f->done = 1;
        feed_log(f, "failed");
        gw_req_error(r, status, code, message);
        return;
    }
    if (f->sending) {
        f->error_pending = 1; /* sent when h2o hands the buffer back */
        return;
    }
    f->done = 1;
    feed_log(f, "aborted");
    h2o_send(r->req, NULL, 0, H2O_SEND_STATE_ERROR);
}

/* ---- HubSpot requests ---- */

static void on_page(hs_call_t *call, void *data);
static void read_rows(gw_feed_t *f);

static void fetch(gw_feed_t *f)
{
    gw_odata_req_t *r = req_of(f);
    hs_scan_t *scan = f->rd.counting ? &f->rd.count_scan : &f->rd.scan;
    odata_buf_t path;
    char *body = NULL;

    odata_buf_init(&path, 256 * 1024);
    if (hs_scan_request(scan, &path, &body) != 0) {
        odata_buf_dispose(&path);
        feed_fail(f, 500, "InternalError", "could not build the HubSpot request");
        return;
    }
    ++f->hs_calls;
    f->page_call =
        hs_call_start(gw.hubspot, r->portal_id, r->refresh_token, body != NULL ? "POST" : "GET", path.base, body, on_page, f);
    free(body);
    odata_buf_dispose(&path);
    if (f->page_call == NULL)
        feed_fail(f, 500, "InternalError", "could not start the HubSpot request");
}

/* Asks for more pages of a split read while the look-ahead and the response have room. */
static void split_fill(gw_feed_t *f)
{
    gw_odata_req_t *r = req_of(f);

    while (!f->closing && !f->done) {
        unsigned parts_out = hs_split_busy(&f->split) - (f->split.probe == 1);
        /* pages out or waiting, and the rows they may bring, stay within the look-ahead and the response */
        int parts_allowed = parts_out + f->rq_count < f->split.want &&
                            f->page_rows + (size_t)(parts_out + f->rq_count) * HS_LIST_PAGE < gw.config.page_size;
        odata_buf_t path;
        char *body = NULL;
        int ticket, made;

        odata_buf_init(&path, 256 * 1024);
        if ((made = hs_split_next(&f->split, parts_allowed, &ticket, &path, &body)) <= 0) {
            odata_buf_dispose(&path);
            if (made < 0)
                feed_fail(f, 500, "InternalError", "could not build the HubSpot request");
            return;
        }
        ++f->hs_calls;
        f->calls[f->ncalls] =
            hs_call_start(gw.hubspot, r->portal_id, r->refresh_token, body != NULL ? "POST" : "GET", path.base, body, on_page, f);
        free(body);
        odata_buf_dispose(&path);
        if (f->calls[f->ncalls] == NULL) {
            hs_split_abandon(&f->split, ticket);
            feed_fail(f, 500, "InternalError", "could not start the HubSpot request");
            return;
        }
        f->tickets[f->ncalls++] = ticket;
    }
}

/* ---- writing ---- */

static const char *row_get(void *row, const odata_property_t *p, size_t *len)
{
    json_t *v = strcmp(p->source, "hs_object_id") == 0 ? json_object_get(row, "id")
                                                       : json_object_get(json_object_get(row, "properties"), p->source);
    if (!json_is_string(v))
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

static char *next_link(gw_feed_t *f)
{
    gw_odata_req_t *r = req_of(f);
    odata_buf_t payload;
    char *tok = NULL, *link = NULL;
    size_t n;

    odata_buf_init(&payload, 1024);
    if (odata_buf_appendf(&payload, "%" PRId64 "|%" PRId64 "|%" PRId64 "|", f->emitted, f->skip_left, f->total) == ODATA_OK &&
        (f->split_on ? hs_split_save(&f->split, &payload) : hs_scan_save(&f->rd.scan, &payload)) == ODATA_OK &&
        odata_buf_append(&payload, "", 1) == ODATA_OK)
        tok = gw_skiptoken_sign(r->ds, f->scope, payload.base);
    odata_buf_dispose(&payload);
    if (tok == NULL)
        return NULL;
    n = strlen(r->base_url) + strlen(r->ds) + strlen(r->set_name) + strlen(f->next_query) + strlen(tok) + 64;
    if ((link = malloc(n)) != NULL)
        snprintf(link, n, "%s/odata/%s/%s?%s%s$skiptoken=%s", r->base_url, r->ds, r->set_name, f->next_query,
                 f->next_query[0] != '\0' ? "&" : "", tok);
    free(tok);
    return link;
}

static int write_begin(gw_feed_t *f)
{
    gw_odata_req_t *r = req_of(f);
    r->req->res.status = 200;
    r->req->res.reason = "OK";
    gw_add_header(r->req, H2O_TOKEN_CONTENT_TYPE,
                  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8");
    gw_add_header(r->req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    gw_add_odata_version(r->req);
    h2o_start_response(r->req, &f->generator);
    f->started = 1;
    return odata_feed_begin_count(&f->out, f->context_url, f->query->count ? f->total : -1) == ODATA_OK ? 0 : -1;
}

static void send_count(gw_feed_t *f, int64_t n)
{
    gw_odata_req_t *r = req_of(f);
    char *body = h2o_mem_alloc_pool(&r->req->pool, 24);
    int len = snprintf(body, 24, "%" PRId64, n);
    f->done = 1;
    feed_log(f, "complete");
    r->req->res.status = 200;
    r->req->res.reason = "OK";
    gw_add_header(r->req, H2O_TOKEN_CONTENT_TYPE, "text/plain;charset=utf-8");
    gw_add_header(r->req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    gw_add_odata_version(r->req);
    h2o_send_inline(r->req, body, len);
}

/* Ends the feed's JSON, with the nextLink when rows remain (`more`); the feed is then done. 0 or -1 (out of memory). */
static int write_end(gw_feed_t *f, int more)
{
    char *link = NULL;
    odata_err_t e;

    if (more && (link = next_link(f)) == NULL)
        return -1;
    e = odata_feed_end(&f->out, link);
    free(link);
    if (e != ODATA_OK)
        return -1;
    f->done = 1;
    return 0;
}

/* Takes the waiting page: filters, skips and writes its rows, then decides what comes next. */
static void emit(gw_feed_t *f)
{
    gw_odata_req_t *r = req_of(f);
    json_t *results = f->ready, *rec;
    char err[256];
    int more = f->ready_more, top_reached = 0;
    h2o_send_state_t state = H2O_SEND_STATE_IN_PROGRESS;
    size_t i;

    f->ready = NULL;
    odata_buf_reset(&f->out);
    if (!f->started && write_begin(f) != 0)
        goto internal;
    json_array_foreach(results, i, rec)
    {
        ++f->rows_seen;
        if (f->rd.residual && odata_eval(f->query->filter, row_get, rec, f->now_us, &f->scratch) != ODATA_TRUE)
            continue;
        if (f->skip_left > 0) {
            --f->skip_left;
            continue;
        }
        if (f->query->top >= 0 && f->emitted >= f->query->top) {
            top_reached = 1;
            break;
        }
        if (f->page_rows != 0 && odata_buf_append(&f->out, ",", 1) != ODATA_OK)
            goto internal;
        if (hs_record_write_select(f->set, f->rd.columns, f->rd.ncolumns, rec, &f->out, err, sizeof(err)) != ODATA_OK) {
            json_decref(results);
            feed_fail(f, 502, "HubSpotInvalidAnswer", err);
            return;
        }
        ++f->emitted;
        ++f->page_rows;
    }
    json_decref(results);
    if (f->query->top >= 0 && f->emitted >= f->query->top)
        top_reached = 1;

    if (f->split_on) {
        if (f->page_rows >= gw.config.page_size)
            f->closing = 1;
        split_fill(f);
        if (f->done)
            return;
        if (hs_split_done(&f->split))
            calls_cancel(f); /* only the probe can be out: its answer no longer matters */
        if (f->rq_count == 0 && f->ncalls == 0) {
            if (write_end(f, !hs_split_done(&f->split)) != 0)
                goto internal;
            state = H2O_SEND_STATE_FINAL;
        }
    } else if (more && !top_reached && f->page_rows < gw.config.page_size) {
        fetch(f); /* the next page loads while this one is on the wire */
        if (f->done)
            return;
    } else {
        if (write_end(f, more && !top_reached) != 0)
            goto internal;
        state = H2O_SEND_STATE_FINAL;
    }
    if (state == H2O_SEND_STATE_IN_PROGRESS && f->out.len == 0)
        return; /* every row of the page was filtered out: wait for the next one */
    f->bytes += f->out.len;
    h2o_iovec_t buf = h2o_iovec_init(f->out.base, f->out.len);
    f->sending = state == H2O_SEND_STATE_IN_PROGRESS;
    if (state == H2O_SEND_STATE_FINAL)
        feed_log(f, "complete");
    h2o_send(r->req, &buf, 1, state);
    return;

internal:
    feed_fail(f, 500, "InternalError", "the gateway ran out of memory while writing the feed");
}

/* A page of the counting pass: HubSpot's total when the pushed filter is exact, else the rows that pass. */
static void count_page(gw_feed_t *f, json_t *rows)
{
    gw_odata_req_t *r = req_of(f);
    json_t *rec;
    size_t i;

    if (!f->rd.residual) {
        if (f->rd.count_scan.total < 0) {
            feed_fail(f, 502, "HubSpotInvalidAnswer", "HubSpot's search answered without a total");
            return;
        }
        f->counted = f->rd.count_scan.total;
    } else {
        json_array_foreach(rows, i, rec)
        {
            ++f->rows_seen;
            if (odata_eval(f->query->filter, row_get, rec, f->now_us, &f->scratch) == ODATA_TRUE)
                ++f->counted;
        }
        if (!hs_scan_done(&f->rd.count_scan)) {
            fetch(f);
            return;
        }
    }
    f->rd.counting = 0;
    f->total = f->counted;
    if (r->route == GW_ROUTE_COUNT) {
        send_count(f, f->counted);
        return;
    }
    if (f->query->top == 0) {
        f->ready = json_array();
        f->ready_more = 0;
        emit(f);
        return;
    }
    read_rows(f);
}

/* Writes the pages that are waiting while the client takes them; at the end, the end of the feed. */
static void split_emit(gw_feed_t *f)
{
    while (!f->sending && !f->done) {
        if (f->rq_count != 0) {
            f->ready = f->rq[f->rq_head];
            f->rq_head = (f->rq_head + 1) % (HS_SPLIT_MAX + 1);
            --f->rq_count;
        } else if (f->ncalls == 0 || hs_split_done(&f->split)) {
            if ((f->ready = json_array()) == NULL) {
                feed_fail(f, 500, "InternalError", "out of memory");
                return;
            }
        } else {
            return;
        }
        emit(f);
    }
}

static void split_page(gw_feed_t *f, hs_call_t *call, int ticket)
{
    const odata_buf_t *body = hs_call_body(call);
    json_t *rows = NULL;
    char err[256];

    if (hs_split_take(&f->split, ticket, body->base, body->len, &rows, err, sizeof(err)) != 0) {
        hs_call_destroy(call);
        feed_fail(f, 502, "HubSpotInvalidAnswer", err);
        return;
    }
    hs_call_destroy(call);
    if (rows != NULL) {
        f->rq[(f->rq_head + f->rq_count) % (HS_SPLIT_MAX + 1)] = rows;
        ++f->rq_count;
    }
    split_fill(f);
    split_emit(f);
}

/* Starts reading the rows (after the counting pass, if any). */
static void read_rows(gw_feed_t *f)
{
    if (f->split_on)
        split_fill(f); /* nothing is written before the first page: an early failure is still an OData error */
    else
        fetch(f);
}

static void on_page(hs_call_t *call, void *data)
{
    gw_feed_t *f = data;
    gw_odata_req_t *r = req_of(f);
    const odata_buf_t *body = hs_call_body(call);
    json_t *rows = NULL;
    char err[256];
    int ticket = -1;

    if (f->page_call == call) {
        f->page_call = NULL;
    } else {
        unsigned i;
        for (i = 0; i != f->ncalls && f->calls[i] != call; ++i)
            ;
        if (i == f->ncalls) { /* not this feed's: cannot happen */
            hs_call_destroy(call);
            return;
        }
        ticket = f->tickets[i];
        f->calls[i] = f->calls[--f->ncalls];
        f->tickets[i] = f->tickets[f->ncalls];
    }
    f->hs_retries += hs_call_retries(call);
    f->hs_rate_limited += hs_call_rate_limited(call);
    f->hs_queued_ms += hs_call_queued_ms(call);
    if (hs_call_error(call) != HS_OK) {
        const char *code;
        char m[1400];
        int status = gw_hs_failure(r, call, &code, m, sizeof(m));
        hs_call_destroy(call);
        feed_fail(f, status, code, m);
        return;
    }
    if (ticket != -1 || (f->split_on && !f->rd.counting)) {
        split_page(f, call, ticket);
        return;
    }
    if (hs_scan_take(f->rd.counting ? &f->rd.count_scan : &f->rd.scan, body->base, body->len, &rows, err, sizeof(err)) != 0) {
        hs_call_destroy(call);
        feed_fail(f, 502, "HubSpotInvalidAnswer", err);
        return;
    }
    hs_call_destroy(call);
    if (f->rd.counting) {
        count_page(f, rows);
        json_decref(rows);
        return;
    }
    if (f->rd.want_total && f->total < 0) {
        if (f->rd.scan.total < 0) {
            json_decref(rows);
            feed_fail(f, 502, "HubSpotInvalidAnswer", "HubSpot's search answered without a total");
            return;
        }
        f->total = f->rd.scan.total;
    }
    f->ready = rows;
    f->ready_more = !hs_scan_done(&f->rd.scan);
    if (!f->sending)
        emit(f);
}

static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    gw_feed_t *f = H2O_STRUCT_FROM_MEMBER(gw_feed_t, generator, gen);
    f->sending = 0;
    if (f->error_pending) {
        f->done = 1;
        feed_log(f, "aborted");
        h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    if (f->split_on && !f->rd.counting)
        split_emit(f);
    else if (f->ready != NULL)
        emit(f);
}

static void on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    gw_feed_t *f = H2O_STRUCT_FROM_MEMBER(gw_feed_t, generator, gen);
    if (!f->done)
        feed_log(f, "client_gone");
    f->done = 1;
    calls_cancel(f);
}

/* ---- set-up ---- */

/* The raw query without $skiptoken: what nextLinks carry and what a $skiptoken is bound to. */
static char *query_without_skiptoken(const char *raw)
{
    size_t n = strlen(raw);
    char *out = malloc(n + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (const char *p = raw; *p != '\0';) {
        const char *amp = strchr(p, '&'), *e = amp != NULL ? amp : p + strlen(p);
        size_t len = e - p;
        int skip = (len >= 11 && strncasecmp(p, "$skiptoken=", 11) == 0) ||
                   (len >= 13 && strncasecmp(p, "%24skiptoken=", 13) == 0) ||
                   (len >= 10 && strncasecmp(p, "skiptoken=", 10) == 0) || len == 0;
        if (!skip) {
            if (o != out)
                *o++ = '&';
            memcpy(o, p, len);
            o += len;
        }
        p = amp != NULL ? amp + 1 : e;
    }
    *o = '\0';
    return out;
}

static unsigned lookahead(void)
{
    return gw.config.hubspot_lookahead != 0 ? gw.config.hubspot_lookahead : 4;
}

static int resume(gw_feed_t *f, const char *token)
{
    gw_odata_req_t *r = req_of(f);
    char *payload = gw_skiptoken_verify(r->ds, f->scope, token, strlen(token)), *p, *save = NULL, *emitted, *skip, *total, *scan;
    int ok = 0;
    if (payload == NULL)
        return -1;
    if ((emitted = strtok_r(payload, "|", &save)) != NULL && (skip = strtok_r(NULL, "|", &save)) != NULL &&
        (total = strtok_r(NULL, "|", &save)) != NULL && (scan = strtok_r(NULL, "", &save)) != NULL) {
        f->emitted = strtoll(emitted, &p, 10);
        ok = *p == '\0';
        f->skip_left = strtoll(skip, &p, 10);
        ok = ok && *p == '\0';
        /* the count of the first page travels with the link */
        f->total = strtoll(total, &p, 10);
        ok = ok && *p == '\0' && f->emitted >= 0 && f->skip_left >= 0 && f->total >= -1;
        if (scan[0] == 'S') { /* a split list read */
            f->split_on = 1;
            ok = ok && f->rd.scan.mode == HS_SCAN_LIST &&
                 hs_split_init(&f->split, f->rd.scan.object, f->rd.scan.properties, lookahead()) == 0 &&
                 hs_split_restore(&f->split, scan) == 0;
        } else {
            ok = ok && hs_scan_restore(&f->rd.scan, scan) == 0;
        }
    }
    free(payload);
    return ok ? 0 : -1;
}

void gw_feed_start(gw_odata_req_t *r)
{
    gw_feed_t *f = &r->feed;
    odata_query_limits_t limits;
    odata_query_error_t qerr;
    char m[300];
    size_t n;
    const char *dfilter;

    odata_buf_init(&f->out, GW_MAX_OUT);
    odata_buf_init(&f->scratch, 1024 * 1024);
    f->total = -1;
    f->generator.proceed = on_proceed;
    f->generator.stop = on_stop;
    if ((f->set = odata_model_find_set(r->model, r->set_name, strlen(r->set_name))) == NULL) {
        gw_req_error(r, 404, "NotFound", "the data source has no entity set of that name");
        return;
    }
    odata_query_limits_default(&limits);
    if (odata_query_parse(f->set, r->raw_query, strlen(r->raw_query), &limits, &f->query, &qerr) != ODATA_OK) {
        gw_req_error(r, qerr.status, qerr.code, qerr.message);
        return;
    }
    /* the data source's own filter always applies, ANDed with what the client asks for */
    if ((dfilter = gw_definition_filter(r->definition, f->set->source)) != NULL &&
        odata_query_and_filter(f->query, f->set, "the data source's filter", dfilter, strlen(dfilter), &limits, &qerr) !=
            ODATA_OK) {
        char msg[400];
        if (qerr.status == 500)
            goto nomem;
        snprintf(msg, sizeof(msg), "%s; the data source's owner corrects its filter in the app", qerr.message);
        gw_req_error(r, 502, "DataSourceInvalid", msg);
        return;
    }
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        f->now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    }
    f->hs_props = json_incref(hs_properties_cached(gw.hubspot, r->portal_id, f->set->source));
    switch (hs_read_prepare(&f->rd, f->set, f->query, f->hs_props, r->route == GW_ROUTE_COUNT ? HS_READ_COUNT : HS_READ_FEED,
                            f->query->skiptoken != NULL, m, sizeof(m))) {
    case 0:
        break;
    case 501:
        gw_req_error(r, 501, "NotImplemented", m);
        return;
    default:
        goto nomem;
    }

    if ((f->next_query = query_without_skiptoken(r->raw_query)) == NULL)
        goto nomem;
    /* a $skiptoken is bound to the data source's filter too: one made before the filter changed is refused */
    n = strlen(r->set_name) + strlen(f->next_query) + (dfilter != NULL ? strlen(dfilter) : 0) + 3;
    if ((f->scope = malloc(n)) == NULL)
        goto nomem;
    snprintf(f->scope, n, "%s?%s\n%s", r->set_name, f->next_query, dfilter != NULL ? dfilter : "");
    if (f->query->skiptoken != NULL) {
        if (resume(f, f->query->skiptoken) != 0) {
            gw_req_error(r, 400, "BadRequest", "the $skiptoken is invalid: follow @odata.nextLink exactly as given");
            return;
        }
    } else if (r->route == GW_ROUTE_FEED) {
        f->skip_left = f->query->skip > 0 ? f->query->skip : 0; /* /$count ignores $skip and $top */
    }
    n = strlen(r->base_url) + strlen(r->ds) + strlen(r->set_name) +
        (f->query->select_text != NULL ? strlen(f->query->select_text) : 0) + 40;
    if ((f->context_url = malloc(n)) == NULL)
        goto nomem;
    if (f->query->select_text != NULL)
        snprintf(f->context_url, n, "%s/odata/%s/$metadata#%s(%s)", r->base_url, r->ds, r->set_name, f->query->select_text);
    else
        snprintf(f->context_url, n, "%s/odata/%s/$metadata#%s", r->base_url, r->ds, r->set_name);

    if (r->route == GW_ROUTE_FEED && f->query->top == 0 && !f->rd.want_total && !f->rd.counting) {
        /* nothing to read */
        f->ready = json_array();
        f->ready_more = 0;
        emit(f);
        return;
    }
    if (!f->rd.residual && f->query->top >= 0)
        f->rd.scan.need = f->skip_left + (f->query->top > f->emitted ? f->query->top - f->emitted : 0);
    /* a whole list read is split into id ranges read at once ($skip and $top keep HubSpot's order) */
    if (!f->split_on && f->query->skiptoken == NULL && r->route == GW_ROUTE_FEED && f->rd.scan.mode == HS_SCAN_LIST &&
        f->skip_left == 0 && f->query->top < 0 && lookahead() > 1) {
        if (hs_split_init(&f->split, f->rd.scan.object, f->rd.scan.properties, lookahead()) != 0)
            goto nomem;
        f->split_on = 1;
    }
    if (f->rd.counting)
        fetch(f);
    else
        read_rows(f);
    return;

nomem:
    gw_req_error(r, 500, "InternalError", "out of memory");
}
