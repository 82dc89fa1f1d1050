/*
 * Entity set feeds and /$count. The query options are parsed against the entity set; the $filter is
 * planned into what HubSpot's search can evaluate (always a superset) and, unless that plan is exact,
 * evaluated exactly on the stream. Without a pushable filter the list endpoint is read with HubSpot's
 * cursor; with one, the search endpoint is read by keyset on hs_object_id (ascending, `GT last id`),
 * so filtered feeds of any size get past the search's 10,000-result cap.
 *
 * Streaming: at most one parsed page waits while another is on the wire and one more is being fetched,
 * so memory does not grow with the number of rows and a slow client slows the upstream. A failure after
 * the first byte aborts the response without the terminating chunk.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "gateway/request.h"

#define LIST_LIMIT 100
#define SEARCH_LIMIT 200

static gw_odata_req_t *req_of(gw_feed_t *f)
{
    return H2O_STRUCT_FROM_MEMBER(gw_odata_req_t, feed, f);
}

void gw_feed_dispose(gw_feed_t *f)
{
    hs_call_destroy(f->page_call);
    json_decref(f->ready);
    json_decref(f->hs_props);
    hs_plan_dispose(&f->plan);
    if (f->query != NULL)
        odata_query_destroy(f->query);
    free(f->out_props);
    free(f->hs_properties);
    free(f->scope);
    free(f->next_query);
    free(f->context_url);
    free(f->cursor);
    free(f->ready_cursor);
    odata_buf_dispose(&f->out);
    odata_buf_dispose(&f->scratch);
}

static void feed_log(gw_feed_t *f, const char *outcome)
{
    gw_odata_req_t *r = req_of(f);
    gw_log(GW_LOG_INFO, "feed",
           "portal=%lld token=%lld ds=%s set=%s%s search=%d residual=%d rows=%lld seen=%zu bytes=%zu hubspot_calls=%zu ms=%llu "
           "outcome=%s",
           (long long)r->portal_id, (long long)r->token_id, r->ds, r->set_name, r->route == GW_ROUTE_COUNT ? "/$count" : "",
           f->use_search, f->residual, (long long)(r->route == GW_ROUTE_COUNT ? f->counted : f->emitted), f->rows_seen, f->bytes,
           f->hs_calls, (unsigned long long)(h2o_now(gw.evloop) - r->started_at), outcome);
}

static void feed_fail(gw_feed_t *f, int status, const char *code, const char *message)
{
    gw_odata_req_t *r = req_of(f);
    hs_call_destroy(f->page_call);
    f->page_call = NULL;
    if (f->done)
        return;
    gw_log(GW_LOG_WARN, "feed", "ds=%s set=%s failed after %lld rows: %s", r->ds, r->set_name, (long long)f->emitted, message);
    if (!f->started) {
        f->done = 1;
        feed_log(f, "failed");
        gw_send_error(r->req, status, code, message);
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

static void fetch(gw_feed_t *f, int limit)
{
    gw_odata_req_t *r = req_of(f);
    odata_buf_t path;
    char *body = NULL, *esc = NULL;

    odata_buf_init(&path, 256 * 1024);
    if (f->use_search) {
        /* the plan's groups (arrays of filters) become HubSpot's {"filters": [...]}, each with the keyset bound */
        json_t *req = json_object(), *groups = json_array(), *g;
        json_t *props = json_array(), *sorts = json_array(), *sort = json_object();
        size_t i;
        if (f->plan.groups != NULL) {
            json_array_foreach(f->plan.groups, i, g)
            {
                json_t *group = json_object();
                json_object_set_new(group, "filters", json_deep_copy(g));
                json_array_append_new(groups, group);
            }
        } else if (f->cursor != NULL) {
            json_t *group = json_object();
            json_object_set_new(group, "filters", json_array());
            json_array_append_new(groups, group);
        }
        if (f->cursor != NULL) {
            json_t *gt = json_object();
            json_object_set_new(gt, "propertyName", json_string("hs_object_id"));
            json_object_set_new(gt, "operator", json_string("GT"));
            json_object_set_new(gt, "value", json_string(f->cursor));
            json_array_foreach(groups, i, g) json_array_append(json_object_get(g, "filters"), gt);
            json_decref(gt);
        }
        json_object_set_new(sort, "propertyName", json_string("hs_object_id"));
        json_object_set_new(sort, "direction", json_string("ASCENDING"));
        json_array_append_new(sorts, sort);
        for (const char *p = f->hs_properties; *p != '\0';) {
            const char *c = strchr(p, ',');
            size_t n = c != NULL ? (size_t)(c - p) : strlen(p);
            json_array_append_new(props, json_stringn(p, n));
            p += n + (c != NULL);
        }
        json_object_set_new(req, "filterGroups", groups);
        json_object_set_new(req, "sorts", sorts);
        json_object_set_new(req, "properties", props);
        json_object_set_new(req, "limit", json_integer(limit));
        body = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        if (body == NULL || odata_buf_appendf(&path, "/crm/v3/objects/%s/search", f->set->source) != ODATA_OK)
            goto fail;
    } else {
        if (odata_buf_appendf(&path, "/crm/v3/objects/%s?limit=%d&archived=false&properties=%s", f->set->source, limit,
                              f->hs_properties) != ODATA_OK)
            goto fail;
        if (f->cursor != NULL &&
            ((esc = curl_easy_escape(NULL, f->cursor, 0)) == NULL || odata_buf_appendf(&path, "&after=%s", esc) != ODATA_OK))
            goto fail;
    }
    if (odata_buf_append(&path, "", 1) != ODATA_OK)
        goto fail;
    ++f->hs_calls;
    if ((f->page_call = hs_call_start(gw.hubspot, r->portal_id, r->refresh_token, body != NULL ? "POST" : "GET", path.base, body,
                                      on_page, f)) == NULL)
        goto fail;
    free(body);
    curl_free(esc);
    odata_buf_dispose(&path);
    return;

fail:
    free(body);
    curl_free(esc);
    odata_buf_dispose(&path);
    feed_fail(f, 500, "InternalError", "could not start the HubSpot request");
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

static char *next_link(gw_feed_t *f, const char *cursor)
{
    gw_odata_req_t *r = req_of(f);
    char payload[600], *tok, *link;
    size_t n;

    snprintf(payload, sizeof(payload), "%c|%s|%" PRId64 "|%" PRId64 "|%" PRId64, f->use_search ? 'S' : 'L', cursor, f->emitted,
             f->skip_left, f->total);
    if ((tok = gw_skiptoken_sign(r->ds, f->scope, payload)) == NULL)
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

/* Takes the waiting page: filters, skips, counts and writes its rows, then decides what comes next. */
static void emit(gw_feed_t *f)
{
    gw_odata_req_t *r = req_of(f);
    json_t *results = f->ready, *rec;
    char *cursor = f->ready_cursor, err[256];
    int more = f->ready_more, top_reached = 0;
    h2o_send_state_t state = H2O_SEND_STATE_IN_PROGRESS;
    size_t i;

    f->ready = NULL;
    f->ready_cursor = NULL;
    odata_buf_reset(&f->out);
    if (r->route == GW_ROUTE_FEED && !f->started && write_begin(f) != 0)
        goto internal;
    json_array_foreach(results, i, rec)
    {
        ++f->rows_seen;
        if (f->residual && odata_eval(f->query->filter, row_get, rec, f->now_us, &f->scratch) != ODATA_TRUE)
            continue;
        if (f->skip_left > 0) {
            --f->skip_left;
            continue;
        }
        if (r->route == GW_ROUTE_COUNT) {
            ++f->counted;
            continue;
        }
        if (f->query->top >= 0 && f->emitted >= f->query->top) {
            top_reached = 1;
            break;
        }
        if (f->page_rows != 0 && odata_buf_append(&f->out, ",", 1) != ODATA_OK)
            goto internal;
        if (hs_record_write_select(f->set, f->out_props, f->nout, rec, &f->out, err, sizeof(err)) != ODATA_OK) {
            json_decref(results);
            free(cursor);
            feed_fail(f, 502, "HubSpotInvalidAnswer", err);
            return;
        }
        ++f->emitted;
        ++f->page_rows;
    }
    json_decref(results);
    if (f->query->top >= 0 && f->emitted >= f->query->top)
        top_reached = 1;

    if (r->route == GW_ROUTE_COUNT) {
        if (more) {
            free(f->cursor);
            f->cursor = cursor;
            fetch(f, f->use_search ? SEARCH_LIMIT : LIST_LIMIT);
        } else {
            free(cursor);
            send_count(f, f->counted);
        }
        return;
    }

    if (more && !top_reached && f->page_rows < gw.config.page_size) {
        free(f->cursor);
        f->cursor = cursor;
        cursor = NULL;
        fetch(f, f->use_search ? SEARCH_LIMIT : LIST_LIMIT); /* the next page loads while this one is on the wire */
        if (f->done)
            return;
    } else {
        char *link = NULL;
        if (more && !top_reached && (link = next_link(f, cursor)) == NULL)
            goto internal;
        odata_err_t e = odata_feed_end(&f->out, link);
        free(link);
        if (e != ODATA_OK)
            goto internal;
        state = H2O_SEND_STATE_FINAL;
        f->done = 1;
    }
    free(cursor);
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
    free(cursor);
    feed_fail(f, 500, "InternalError", "the gateway ran out of memory while writing the feed");
}

static void on_page(hs_call_t *call, void *data)
{
    gw_feed_t *f = data;
    gw_odata_req_t *r = req_of(f);
    const odata_buf_t *body = hs_call_body(call);
    json_t *doc = NULL, *results;
    const char *code, *msg = NULL;
    char *cursor = NULL;
    int more = 0;

    f->page_call = NULL;
    if (hs_call_error(call) != HS_OK) {
        char m[400];
        int status = gw_hs_status_of(call, &code);
        snprintf(m, sizeof(m), "%s", hs_call_message(call));
        hs_call_destroy(call);
        feed_fail(f, status, code, m);
        return;
    }
    doc = json_loadb(body->base, body->len, 0, NULL);
    hs_call_destroy(call);
    if (doc == NULL || !json_is_array(results = json_object_get(doc, "results"))) {
        msg = "HubSpot answered with a page that is not in the expected form";
        goto invalid;
    }
    if (f->use_search) {
        json_t *total = json_object_get(doc, "total"), *rec;
        size_t i;
        const char *prev = f->cursor;
        if (json_is_integer(total) && f->total < 0 && f->cursor == NULL)
            f->total = json_integer_value(total);
        /* keyset paging relies on ascending ids: check every one */
        json_array_foreach(results, i, rec)
        {
            const char *id = json_string_value(json_object_get(rec, "id"));
            size_t idlen = id != NULL ? strlen(id) : 0;
            if (id == NULL || idlen == 0 || idlen > 30 || strspn(id, "0123456789") != idlen ||
                (prev != NULL && (idlen < strlen(prev) || (idlen == strlen(prev) && strcmp(id, prev) <= 0)))) {
                msg = "HubSpot's search answered with records out of id order";
                goto invalid;
            }
            prev = id;
        }
        more = json_array_size(results) == SEARCH_LIMIT;
        if (more && (cursor = strdup(prev)) == NULL)
            goto nomem;
    } else {
        json_t *after = json_object_get(json_object_get(json_object_get(doc, "paging"), "next"), "after");
        if (after != NULL && (!json_is_string(after) || json_string_length(after) == 0 || json_string_length(after) > 256)) {
            msg = "HubSpot answered with an invalid paging cursor";
            goto invalid;
        }
        if (after != NULL && json_array_size(results) == 0) {
            msg = "HubSpot answered with an empty page that is not the last";
            goto invalid;
        }
        more = after != NULL;
        if (more && (cursor = strdup(json_string_value(after))) == NULL)
            goto nomem;
    }
    if (r->route == GW_ROUTE_COUNT && !f->residual && f->total >= 0 && f->use_search) {
        json_decref(doc);
        free(cursor);
        send_count(f, f->total);
        return;
    }
    f->ready = json_incref(results);
    f->ready_cursor = cursor;
    f->ready_more = more;
    json_decref(doc);
    if (!f->sending)
        emit(f);
    return;

invalid:
    json_decref(doc);
    feed_fail(f, 502, "HubSpotInvalidAnswer", msg);
    return;
nomem:
    json_decref(doc);
    feed_fail(f, 500, "InternalError", "out of memory");
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
    if (f->ready != NULL)
        emit(f);
}

static void on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    gw_feed_t *f = H2O_STRUCT_FROM_MEMBER(gw_feed_t, generator, gen);
    if (!f->done)
        feed_log(f, "client_gone");
    f->done = 1;
    hs_call_destroy(f->page_call);
    f->page_call = NULL;
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

static void collect_props(const odata_expr_t *e, const odata_property_t **list, size_t *n, size_t max)
{
    if (e == NULL)
        return;
    if (e->kind == ODATA_EXPR_PROPERTY) {
        for (size_t i = 0; i < *n; ++i)
            if (list[i] == e->u.property)
                return;
        if (*n < max)
            list[(*n)++] = e->u.property;
        return;
    }
    for (size_t i = 0; i < e->nargs; ++i)
        collect_props(e->args[i], list, n, max);
}

static int resume(gw_feed_t *f, const char *token)
{
    gw_odata_req_t *r = req_of(f);
    char *payload = gw_skiptoken_verify(r->ds, f->scope, token, strlen(token)), *p, *save = NULL, *mode, *cursor, *emitted, *skip,
         *total;
    int ok = 0;
    if (payload == NULL)
        return -1;
    if ((mode = strtok_r(payload, "|", &save)) != NULL && (cursor = strtok_r(NULL, "|", &save)) != NULL &&
        (emitted = strtok_r(NULL, "|", &save)) != NULL && (skip = strtok_r(NULL, "|", &save)) != NULL &&
        (total = strtok_r(NULL, "|", &save)) != NULL && mode[0] == (f->use_search ? 'S' : 'L') && mode[1] == '\0') {
        f->emitted = strtoll(emitted, &p, 10);
        ok = *p == '\0';
        f->skip_left = strtoll(skip, &p, 10);
        ok = ok && *p == '\0';
        /* the count of the first page: later pages' searches carry the keyset bound */
        f->total = strtoll(total, &p, 10);
        ok = ok && *p == '\0' && f->emitted >= 0 && f->skip_left >= 0 && (f->cursor = strdup(cursor)) != NULL;
    }
    free(payload);
    return ok ? 0 : -1;
}

void gw_feed_start(gw_odata_req_t *r)
{
    gw_feed_t *f = &r->feed;
    odata_query_limits_t limits;
    odata_query_error_t qerr;
    hs_search_limits_t slimits;
    size_t n;

    odata_buf_init(&f->out, GW_MAX_OUT);
    odata_buf_init(&f->scratch, 1024 * 1024);
    f->total = -1;
    f->generator.proceed = on_proceed;
    f->generator.stop = on_stop;
    if ((f->set = odata_model_find_set(r->model, r->set_name, strlen(r->set_name))) == NULL) {
        gw_send_error(r->req, 404, "NotFound", "the data source has no entity set of that name");
        return;
    }
    odata_query_limits_default(&limits);
    if (odata_query_parse(f->set, r->raw_query, strlen(r->raw_query), &limits, &f->query, &qerr) != ODATA_OK) {
        gw_send_error(r->req, qerr.status, qerr.code, qerr.message);
        return;
    }
    if (f->query->norderby != 0) {
        gw_send_error(r->req, 501, "NotImplemented", "$orderby is not supported yet: sort in Power BI after loading");
        return;
    }
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        f->now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    }
    f->hs_props = json_incref(hs_properties_cached(gw.hubspot, r->portal_id, f->set->source));

    /* the columns written, and the HubSpot properties read (those plus what the filter needs) */
    n = f->query->select != NULL ? f->query->nselect + 1 : f->set->nprops;
    if ((f->out_props = calloc(n + f->set->nprops, sizeof(*f->out_props))) == NULL)
        goto nomem;
    f->out_props[f->nout++] = &f->set->props[0];
    for (size_t i = 0; i < (f->query->select != NULL ? f->query->nselect : f->set->nprops); ++i) {
        const odata_property_t *p = f->query->select != NULL ? f->query->select[i] : &f->set->props[i];
        if (p != &f->set->props[0])
            f->out_props[f->nout++] = p;
    }
    {
        const odata_property_t **read = calloc(f->set->nprops, sizeof(*read));
        size_t nread = 0;
        odata_buf_t names;
        if (read == NULL)
            goto nomem;
        for (size_t i = 1; i < f->nout; ++i)
            read[nread++] = f->out_props[i];
        collect_props(f->query->filter, read, &nread, f->set->nprops);
        odata_buf_init(&names, 256 * 1024);
        for (size_t i = 0; i < nread; ++i) {
            if (read[i] != &f->set->props[0])
                odata_buf_appendf(&names, "%s%s", names.len != 0 ? "," : "", read[i]->source);
        }
        free(read);
        if (names.len == 0)
            odata_buf_appends(&names, "hs_object_id");
        f->hs_properties = names.len != 0 ? strndup(names.base, names.len) : NULL;
        odata_buf_dispose(&names);
        if (f->hs_properties == NULL)
            goto nomem;
    }

    hs_search_limits_default(&slimits);
    if (hs_plan_filter(f->query->filter, f->hs_props, &slimits, 1, &f->plan) != 0)
        goto nomem;
    f->residual = f->query->filter != NULL && !f->plan.exact;
    f->use_search = f->plan.groups != NULL || ((f->query->count || r->route == GW_ROUTE_COUNT) && !f->residual);
    if (f->query->count && f->residual) {
        gw_send_error(r->req, 501, "NotImplemented",
                      "$count=true with this $filter is not supported yet: HubSpot cannot count it exactly; use /$count");
        return;
    }

    if ((f->next_query = query_without_skiptoken(r->raw_query)) == NULL)
        goto nomem;
    n = strlen(r->set_name) + strlen(f->next_query) + 2;
    if ((f->scope = malloc(n)) == NULL)
        goto nomem;
    snprintf(f->scope, n, "%s?%s", r->set_name, f->next_query);
    if (f->query->skiptoken != NULL) {
        if (resume(f, f->query->skiptoken) != 0) {
            gw_send_error(r->req, 400, "BadRequest", "the $skiptoken is invalid: follow @odata.nextLink exactly as given");
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

    if (r->route == GW_ROUTE_FEED && f->query->top == 0 && !f->query->count) {
        /* nothing to read */
        f->ready = json_array();
        f->ready_more = 0;
        emit(f);
        return;
    }
    fetch(f, r->route == GW_ROUTE_COUNT && !f->residual ? 1 : f->use_search ? SEARCH_LIMIT : LIST_LIMIT);
    return;

nomem:
    gw_send_error(r->req, 500, "InternalError", "out of memory");
}
