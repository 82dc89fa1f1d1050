/*
 * hubspot-sim: a HubSpot CRM API simulator (CRM v3 objects, search, properties and custom object schemas; settings v3
 * users and teams; OAuth v1; rate limits; faults) on one h2o event loop, plus ground-truth endpoints under /__sim/.
 */
#define H2O_USE_LIBUV 0
#include <h2o.h>

#include "api.h"
#include "data.h"
#include "faults.h"
#include "oauth.h"
#include "ratelimit.h"
#include "reply.h"
#include "result.h"
#include "search.h"
#include "stats.h"
#include "tick.h"
#include "users.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQUEST_BODY (1024 * 1024)
#define MAX_RECORDS_PER_OBJECT 4000000000ULL

typedef struct st_sim_config_t {
    char listen_host[256];
    char listen_port[16];
    uint64_t seed;
    uint64_t portal_id;
    uint64_t counts[SIM_OBJ_COUNT];
    const char *client_id;
    const char *client_secret;
    const char *refresh_token;
    unsigned access_token_ttl;
    unsigned latency_ms;
    unsigned rate_ten_secondly;
    unsigned rate_secondly_search;
    unsigned rate_daily;
    unsigned max_filter_groups;
    unsigned max_filters_per_group;
    unsigned max_filters_total;
    double fault[SIM_FAULT_COUNT];
    uint64_t fault_seed;
    int auto_approve;
    uint64_t users;
    uint64_t teams;
    uint64_t super_admins[SIM_USERS_MAX_SUPER_ADMINS];
    size_t nsuper_admins;
    int super_admins_given;
} sim_config_t;

typedef struct st_sim_server_t {
    sim_config_t cfg;
    char refresh_token[64];
    char group_name[96];
    h2o_globalconf_t globalconf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    h2o_socket_t *sigsock;
    sim_tick_t tick;
    sim_replier_t replier;
    sim_stats_t stats;
    sim_ratelimit_t rl;
    sim_faults_t faults;
    sim_search_limits_t limits;
    sim_users_t users;
    sim_dataset_t *ds;
    sim_search_t *search;
    sim_oauth_t *oauth;
    volatile int stop;
} sim_server_t;

typedef struct st_sim_handler_t {
    h2o_handler_t super;
    sim_server_t *srv;
} sim_handler_t;

/* the one server instance; static so that everything it owns stays reachable until exit */
static sim_server_t server;

/* ---------------------------------------------------------------------------------------------------------------------
 * request helpers
 */

typedef struct st_route_t {
    h2o_iovec_t segs[8];
    size_t nsegs;
    int too_many;
} route_t;

static void *pool_alloc(void *ctx, size_t sz)
{
    return h2o_mem_alloc_pool(ctx, sz);
}

static void split_path(h2o_req_t *req, route_t *r)
{
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    const char *p = req->path.base, *end = p + plen;
    r->nsegs = 0;
    r->too_many = 0;
    while (p < end) {
        while (p < end && *p == '/')
            ++p;
        if (p == end)
            break;
        const char *s = p;
        while (p < end && *p != '/')
            ++p;
        if (r->nsegs == sizeof(r->segs) / sizeof(r->segs[0])) {
            r->too_many = 1;
            return;
        }
        char *d = h2o_mem_alloc_pool(&req->pool, (size_t)(p - s) + 1);
        size_t n = sim_url_decode(d, s, (size_t)(p - s), 0);
        d[n] = '\0';
        r->segs[r->nsegs++] = h2o_iovec_init(d, n);
    }
}

static int seg_is(const route_t *r, size_t i, const char *s)
{
    return i < r->nsegs && r->segs[i].len == strlen(s) && memcmp(r->segs[i].base, s, r->segs[i].len) == 0;
}

static int method_is(h2o_req_t *req, const char *m)
{
    return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

static void parse_query(h2o_req_t *req, sim_params_t *q)
{
    if (req->query_at == SIZE_MAX) {
        q->count = 0;
        q->dropped = 0;
        return;
    }
    sim_params_parse(q, req->path.base + req->query_at + 1, req->path.len - req->query_at - 1, pool_alloc, &req->pool);
}

static const char *header_value(h2o_req_t *req, const h2o_token_t *token, size_t *len)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);
    if (i < 0)
        return NULL;
    *len = req->headers.entries[i].value.len;
    return req->headers.entries[i].value.base;
}

static void add_header(h2o_req_t *req, const char *lname, const char *orig, const char *value)
{
    h2o_iovec_t v = h2o_strdup(&req->pool, value, SIZE_MAX);
    h2o_add_header_by_str(&req->pool, &req->res.headers, lname, strlen(lname), 0, orig, v.base, v.len);
}

static void add_header_u64(h2o_req_t *req, const char *lname, const char *orig, uint64_t value)
{
    char tmp[24];
    tmp[sim_u64toa(tmp, value)] = '\0';
    add_header(req, lname, orig, tmp);
}

static void add_correlation_id(h2o_req_t *req)
{
    char cid[37];
    sim_uuid(cid);
    add_header(req, "x-hubspot-correlation-id", "X-HubSpot-Correlation-Id", cid);
}

static void add_ratelimit_headers(h2o_req_t *req, const sim_rl_state_t *st, int is_search)
{
    if (st->ten_max != 0) {
        add_header(req, "x-hubspot-ratelimit-interval-milliseconds", "X-HubSpot-RateLimit-Interval-Milliseconds", "10000");
        add_header_u64(req, "x-hubspot-ratelimit-max", "X-HubSpot-RateLimit-Max", st->ten_max);
        add_header_u64(req, "x-hubspot-ratelimit-remaining", "X-HubSpot-RateLimit-Remaining", st->ten_remaining);
    }
    if (is_search && st->sec_max != 0) {
        add_header_u64(req, "x-hubspot-ratelimit-secondly", "X-HubSpot-RateLimit-Secondly", st->sec_max);
        add_header_u64(req, "x-hubspot-ratelimit-secondly-remaining", "X-HubSpot-RateLimit-Secondly-Remaining", st->sec_remaining);
    }
    if (st->daily_max != 0) {
        add_header_u64(req, "x-hubspot-ratelimit-daily", "X-HubSpot-RateLimit-Daily", st->daily_max);
        add_header_u64(req, "x-hubspot-ratelimit-daily-remaining", "X-HubSpot-RateLimit-Daily-Remaining", st->daily_remaining);
    }
}

static void base_url(h2o_req_t *req, sim_server_t *srv, char *out, size_t outsz)
{
    if (req->authority.len != 0 && req->authority.len < outsz - 8)
        snprintf(out, outsz, "http://%.*s", (int)req->authority.len, req->authority.base);
    else
        snprintf(out, outsz, "http://%s:%s", srv->cfg.listen_host, srv->cfg.listen_port);
}

/* ---------------------------------------------------------------------------------------------------------------------
 * HubSpot API requests
 */

/*
 * authentication, rate limits and faults, in that order, for every HubSpot API request (/crm/ and /settings/). Returns 0
 * when the endpoint should answer (with *mode set for a delivery fault), or -1 when res already holds the answer.
 */
static int api_gate(sim_server_t *srv, h2o_req_t *req, int is_search, sim_result_t *res, sim_delivery_t *mode)
{
    /* authentication */
    size_t alen = 0;
    const char *auth = header_value(req, H2O_TOKEN_AUTHORIZATION, &alen);
    int64_t expired_ago = 0;
    sim_auth_t verdict = sim_oauth_check_bearer(srv->oauth, auth, alen, &expired_ago);
    if (verdict != SIM_AUTH_OK) {
        if (verdict == SIM_AUTH_MISSING)
            srv->stats.auth_missing++;
        else if (verdict == SIM_AUTH_INVALID)
            srv->stats.auth_invalid++;
        else
            srv->stats.auth_expired++;
        sim_oauth_unauthorized(verdict, expired_ago, res);
        return -1;
    }

    /* rate limits */
    sim_rl_state_t rls;
    sim_rl_verdict_t rlv = sim_ratelimit_take(&srv->rl, is_search, sim_now_mono_ms(), sim_now_real_ms(), &rls);
    add_ratelimit_headers(req, &rls, is_search);
    if (rlv != SIM_RL_OK) {
        const char *policy = rlv == SIM_RL_DAILY ? "DAILY" : rlv == SIM_RL_SECONDLY ? "SECONDLY" : "TEN_SECONDLY_ROLLING";
        if (rlv == SIM_RL_DAILY)
            srv->stats.rate_limited_daily++;
        else if (rlv == SIM_RL_SECONDLY)
            srv->stats.rate_limited_secondly++;
        else
            srv->stats.rate_limited_ten_secondly++;
        sim_result_rate_limited(res, policy, srv->group_name);
        return -1;
    }

    /* faults */
    int fstatus = 500;
    sim_fault_t fault = sim_faults_draw(&srv->faults, &fstatus);
    srv->stats.faults[fault]++;
    switch (fault) {
    case SIM_FAULT_5XX:
        if (fstatus == 502)
            sim_result_error(res, 502, "BAD_GATEWAY", "Bad Gateway: the upstream service did not answer in time");
        else if (fstatus == 503)
            sim_result_error(res, 503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable, please retry");
        else
            sim_result_error(res, 500, "INTERNAL_ERROR", "internal error");
        return -1;
    case SIM_FAULT_429:
        sim_result_rate_limited(res, "TEN_SECONDLY_ROLLING", srv->group_name);
        return -1;
    case SIM_FAULT_RESET:
        *mode = SIM_DELIVER_RESET;
        return -1;
    case SIM_FAULT_TRUNCATE:
        *mode = SIM_DELIVER_TRUNCATE;
        break;
    case SIM_FAULT_SLOW:
        *mode = SIM_DELIVER_SLOW;
        break;
    default:
        break;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------------------
 * /crm/
 */

/* the schemas API answers under /crm/v3/schemas and /crm-object-schemas/v3/schemas, the rest under /crm/v3/ only */
static int is_schemas_path(const route_t *r)
{
    return seg_is(r, 1, "v3") && seg_is(r, 2, "schemas") && (r->nsegs == 3 || r->nsegs == 4);
}

static sim_endpoint_t classify_crm(h2o_req_t *req, const route_t *r)
{
    if (r->too_many)
        return SIM_EP_CRM_OTHER;
    if (is_schemas_path(r))
        return method_is(req, "GET") ? SIM_EP_CRM_SCHEMAS : SIM_EP_CRM_OTHER;
    if (!seg_is(r, 0, "crm") || !seg_is(r, 1, "v3"))
        return SIM_EP_CRM_OTHER;
    if (seg_is(r, 2, "objects")) {
        if (r->nsegs == 4 && method_is(req, "GET"))
            return SIM_EP_CRM_LIST;
        if (r->nsegs == 5 && seg_is(r, 4, "search") && method_is(req, "POST"))
            return SIM_EP_CRM_SEARCH;
        if (r->nsegs == 5 && !seg_is(r, 4, "search") && method_is(req, "GET"))
            return SIM_EP_CRM_GET;
    } else if (seg_is(r, 2, "properties")) {
        if ((r->nsegs == 4 || r->nsegs == 5) && method_is(req, "GET"))
            return SIM_EP_CRM_PROPERTIES;
    }
    return SIM_EP_CRM_OTHER;
}

static void handle_crm(sim_server_t *srv, h2o_req_t *req, const route_t *r)
{
    sim_result_t res;
    sim_params_t q;
    sim_delivery_t mode = SIM_DELIVER_NORMAL;
    sim_endpoint_t ep = classify_crm(req, r);
    int is_search = ep == SIM_EP_CRM_SEARCH;

    sim_result_init(&res);
    srv->stats.requests[ep]++;
    srv->stats.crm_requests++;
    add_correlation_id(req);
    if (api_gate(srv, req, is_search, &res, &mode) != 0)
        goto send;

    /* the endpoint */
    if (ep == SIM_EP_CRM_OTHER) {
        if ((!r->too_many && is_schemas_path(r)) || (seg_is(r, 0, "crm") && r->nsegs >= 4 && r->nsegs <= 5 && seg_is(r, 1, "v3") &&
                                                     (seg_is(r, 2, "objects") || seg_is(r, 2, "properties"))))
            sim_result_error(&res, 405, NULL, "HTTP %.*s is not supported by this API.", (int)req->method.len, req->method.base);
        else
            sim_result_error(&res, 404, "OBJECT_NOT_FOUND", "resource not found");
        goto send;
    }
    parse_query(req, &q);
    if (ep == SIM_EP_CRM_SCHEMAS) {
        sim_api_schemas(srv->ds, r->nsegs == 4 ? r->segs[3].base : NULL, r->nsegs == 4 ? r->segs[3].len : 0, &q, &res);
        goto send;
    }
    const sim_object_t *obj = sim_dataset_lookup(srv->ds, r->segs[3].base, r->segs[3].len);
    if (obj == NULL) {
        sim_result_error(&res, 404, "OBJECT_NOT_FOUND", "Unable to infer object type from: %.*s",
                         (int)(r->segs[3].len > 200 ? 200 : r->segs[3].len), r->segs[3].base);
        goto send;
    }
    switch (ep) {
    case SIM_EP_CRM_LIST: {
        char base[300];
        base_url(req, srv, base, sizeof(base));
        srv->stats.by_object[obj->kind][0]++;
        sim_api_list(obj, &q, base, r->segs[3].base, &srv->stats, &res);
        break;
    }
    case SIM_EP_CRM_GET:
        srv->stats.by_object[obj->kind][1]++;
        sim_api_get(obj, r->segs[4].base, &q, &srv->stats, &res);
        break;
    case SIM_EP_CRM_SEARCH:
        srv->stats.by_object[obj->kind][2]++;
        sim_search_run(srv->search, obj, &srv->limits, req->entity.base, req->entity.base != NULL ? req->entity.len : 0,
                       &srv->stats, &res);
        break;
    case SIM_EP_CRM_PROPERTIES:
        srv->stats.by_object[obj->kind][3]++;
        sim_api_properties(obj, r->nsegs == 5 ? r->segs[4].base : NULL, &q, &res);
        break;
    default:
        break;
    }

send:
    sim_reply(&srv->replier, req, &res, 1, mode);
    sim_result_dispose(&res);
}

/* ---------------------------------------------------------------------------------------------------------------------
 * /settings/
 */

static sim_endpoint_t classify_settings(const route_t *r)
{
    if (r->too_many || !seg_is(r, 1, "v3") || !seg_is(r, 2, "users"))
        return SIM_EP_OTHER;
    if (r->nsegs == 4 && seg_is(r, 3, "teams"))
        return SIM_EP_SETTINGS_TEAMS;
    if (r->nsegs == 3 || r->nsegs == 4)
        return SIM_EP_SETTINGS_USERS;
    return SIM_EP_OTHER;
}

static void handle_settings(sim_server_t *srv, h2o_req_t *req, const route_t *r)
{
    sim_result_t res;
    sim_params_t q;
    sim_delivery_t mode = SIM_DELIVER_NORMAL;
    sim_endpoint_t ep = classify_settings(r);

    sim_result_init(&res);
    srv->stats.requests[ep]++;
    add_correlation_id(req);
    if (api_gate(srv, req, 0, &res, &mode) != 0)
        goto send;

    if (ep == SIM_EP_OTHER) {
        sim_result_error(&res, 404, "OBJECT_NOT_FOUND", "resource not found");
    } else if (!method_is(req, "GET")) {
        sim_result_error(&res, 405, NULL, "HTTP %.*s is not supported by this API.", (int)req->method.len, req->method.base);
    } else if (ep == SIM_EP_SETTINGS_TEAMS) {
        sim_users_teams(&srv->users, &res);
    } else if (r->nsegs == 4) {
        parse_query(req, &q);
        sim_users_get(&srv->users, r->segs[3].base, &q, &res);
    } else {
        char base[300];
        base_url(req, srv, base, sizeof(base));
        parse_query(req, &q);
        sim_users_list(&srv->users, &q, base, &res);
    }

send:
    sim_reply(&srv->replier, req, &res, 1, mode);
    sim_result_dispose(&res);
}

/* ---------------------------------------------------------------------------------------------------------------------
 * /oauth/
 */

static void parse_form(h2o_req_t *req, sim_params_t *form)
{
    sim_params_t q;
    if (req->entity.base != NULL)
        sim_params_parse(form, req->entity.base, req->entity.len, pool_alloc, &req->pool);
    else
        form->count = form->dropped = 0;
    parse_query(req, &q);
    for (size_t i = 0; i < q.count && form->count < SIM_MAX_PARAMS; ++i)
        form->items[form->count++] = q.items[i];
}

static void handle_oauth(sim_server_t *srv, h2o_req_t *req, const route_t *r)
{
    sim_result_t res;
    sim_params_t params;
    sim_endpoint_t ep = SIM_EP_OTHER;

    sim_result_init(&res);
    add_correlation_id(req);
    if (seg_is(r, 1, "v1") && seg_is(r, 2, "token") && r->nsegs == 3) {
        ep = SIM_EP_OAUTH_TOKEN;
        if (!method_is(req, "POST")) {
            sim_result_error(&res, 405, NULL, "HTTP %.*s is not supported by this API.", (int)req->method.len, req->method.base);
        } else {
            parse_form(req, &params);
            sim_oauth_token(srv->oauth, &params, &res);
        }
    } else if (seg_is(r, 1, "v1") && seg_is(r, 2, "access-tokens") && r->nsegs == 4) {
        ep = SIM_EP_OAUTH_ACCESS_TOKEN_INFO;
        if (!method_is(req, "GET"))
            sim_result_error(&res, 405, NULL, "HTTP %.*s is not supported by this API.", (int)req->method.len, req->method.base);
        else
            sim_oauth_access_token_info(srv->oauth, r->segs[3].base, &res);
    } else if (seg_is(r, 1, "v1") && seg_is(r, 2, "refresh-tokens") && r->nsegs == 4) {
        if (method_is(req, "GET")) {
            ep = SIM_EP_OAUTH_REFRESH_TOKEN_INFO;
            sim_oauth_refresh_token_info(srv->oauth, r->segs[3].base, &res);
        } else if (method_is(req, "DELETE")) {
            ep = SIM_EP_OAUTH_REFRESH_TOKEN_DELETE;
            sim_oauth_refresh_token_delete(srv->oauth, r->segs[3].base, &res);
        } else {
            sim_result_error(&res, 405, NULL, "HTTP %.*s is not supported by this API.", (int)req->method.len, req->method.base);
        }
    } else if (seg_is(r, 1, "authorize") && r->nsegs == 2) {
        ep = SIM_EP_OAUTH_AUTHORIZE;
        if (method_is(req, "GET")) {
            parse_query(req, &params);
            sim_oauth_authorize(srv->oauth, &params, -1, &res);
        } else if (method_is(req, "POST")) {
            parse_form(req, &params);
            const char *action = sim_params_get(&params, "action");
            sim_oauth_authorize(srv->oauth, &params, action != NULL && strcmp(action, "deny") == 0 ? 0 : 1, &res);
        } else {
            sim_result_error(&res, 405, NULL, "HTTP %.*s is not supported by this API.", (int)req->method.len, req->method.base);
        }
    } else {
        sim_result_error(&res, 404, "OBJECT_NOT_FOUND", "resource not found");
    }
    srv->stats.requests[ep]++;
    sim_reply(&srv->replier, req, &res, 1, SIM_DELIVER_NORMAL);
    sim_result_dispose(&res);
}

/* ---------------------------------------------------------------------------------------------------------------------
 * /__sim/
 */

static void write_config(sim_server_t *srv, sim_buf_t *b)
{
    const sim_config_t *c = &srv->cfg;
    int v6 = strchr(c->listen_host, ':') != NULL;
    sim_buf_appendf(b, "{\"portal_id\":%" PRIu64 ",\"seed\":%" PRIu64 ",\"listen\":\"%s%s%s:%s\",\"refresh_token\":", c->portal_id,
                    c->seed, v6 ? "[" : "", c->listen_host, v6 ? "]" : "", c->listen_port);
    sim_buf_append_json_cstr(b, srv->refresh_token);
    sim_buf_appends(b, ",\"client_id\":");
    sim_buf_append_json_cstr(b, c->client_id);
    sim_buf_appendf(b,
                    ",\"access_token_ttl\":%u,\"latency_ms\":%u,\"rate_ten_secondly\":%u,\"rate_secondly_search\":%u,"
                    "\"rate_daily\":%u,\"max_filter_groups\":%u,\"max_filters_per_group\":%u,\"max_filters_total\":%u,"
                    "\"faults\":{\"5xx\":%g,\"429\":%g,\"reset\":%g,\"truncate\":%g,\"slow\":%g,\"seed\":%" PRIu64 "},"
                    "\"auto_approve\":%s,\"objects\":{",
                    c->access_token_ttl, c->latency_ms, c->rate_ten_secondly, c->rate_secondly_search, c->rate_daily,
                    c->max_filter_groups, c->max_filters_per_group, c->max_filters_total, c->fault[SIM_FAULT_5XX],
                    c->fault[SIM_FAULT_429], c->fault[SIM_FAULT_RESET], c->fault[SIM_FAULT_TRUNCATE], c->fault[SIM_FAULT_SLOW],
                    c->fault_seed, c->auto_approve ? "true" : "false");
    for (int k = 0; k < SIM_OBJ_COUNT; ++k) {
        const sim_object_t *o = &srv->ds->objects[k];
        sim_buf_appendf(b, "%s\"%s\":{\"objectTypeId\":\"%s\",", k ? "," : "", o->name, o->type_id);
        if (o->custom)
            sim_buf_appendf(b, "\"fullyQualifiedName\":\"%s\",", o->fq_name);
        sim_buf_appendf(b, "\"custom\":%s,\"count\":%" PRIu64 ",\"id_base\":%" PRIu64 ",\"id_step\":%" PRIu64,
                        o->custom ? "true" : "false", o->count, o->id_base, o->id_step);
        if (o->count != 0)
            sim_buf_appendf(b, ",\"first_id\":%" PRIu64 ",\"last_id\":%" PRIu64, sim_data_id(o, 0), sim_data_id(o, o->count - 1));
        sim_buf_appendc(b, '}');
    }
    const sim_users_t *u = &srv->users;
    sim_buf_appendf(b, "},\"users\":%" PRIu64 ",\"teams\":%" PRIu64 ",\"super_admins\":[", u->count, u->teams);
    for (size_t i = 0; i < u->nsuper_admins; ++i)
        sim_buf_appendf(b, "%s%" PRIu64, i ? "," : "", u->super_admins[i]);
    sim_buf_appends(b, "]}");
}

static void handle_sim(sim_server_t *srv, h2o_req_t *req, const route_t *r)
{
    sim_result_t res;
    sim_result_init(&res);
    srv->stats.requests[SIM_EP_SIM]++;

    if (seg_is(r, 1, "records") && r->nsegs == 3 && method_is(req, "GET")) {
        const sim_object_t *obj = sim_dataset_lookup_any(srv->ds, r->segs[2].base, r->segs[2].len);
        if (obj != NULL) {
            sim_result_dispose(&res);
            sim_reply_stream_records(&srv->replier, req, obj, 0, obj->count);
            return;
        }
        sim_result_error(&res, 404, "OBJECT_NOT_FOUND", "Unable to infer object type from: %.*s",
                         (int)(r->segs[2].len > 200 ? 200 : r->segs[2].len), r->segs[2].base);
    } else if (seg_is(r, 1, "health") && r->nsegs == 2 && method_is(req, "GET")) {
        sim_buf_appends(&res.body, "{\"status\":\"ok\"}");
    } else if (seg_is(r, 1, "stats") && r->nsegs == 2 && method_is(req, "GET")) {
        sim_stats_write_json(&srv->stats, &res.body);
    } else if (seg_is(r, 1, "config") && r->nsegs == 2 && method_is(req, "GET")) {
        write_config(srv, &res.body);
    } else if (seg_is(r, 1, "reset-stats") && r->nsegs == 2 && method_is(req, "POST")) {
        sim_stats_reset(&srv->stats);
        sim_buf_appends(&res.body, "{\"status\":\"ok\"}");
    } else if (seg_is(r, 1, "reset-ratelimits") && r->nsegs == 2 && method_is(req, "POST")) {
        sim_ratelimit_reset(&srv->rl);
        sim_buf_appends(&res.body, "{\"status\":\"ok\"}");
    } else if (seg_is(r, 1, "expire-access-tokens") && r->nsegs == 2 && method_is(req, "POST")) {
        sim_oauth_expire_access_tokens(srv->oauth);
        sim_buf_appends(&res.body, "{\"status\":\"ok\"}");
    } else {
        sim_result_error(&res, 404, NULL, "no such simulator endpoint");
    }
    sim_reply(&srv->replier, req, &res, 0, SIM_DELIVER_NORMAL);
    sim_result_dispose(&res);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    sim_server_t *srv = ((sim_handler_t *)self)->srv;
    route_t r;

    split_path(req, &r);
    /* the query string is left out: OAuth calls may carry secrets there */
    SIM_LOG(SIM_LOG_DEBUG, "http", "%.*s %.*s", (int)req->method.len, req->method.base,
            (int)(req->query_at != SIZE_MAX ? req->query_at : req->path.len), req->path.base);
    if (seg_is(&r, 0, "crm") || seg_is(&r, 0, "crm-object-schemas")) {
        handle_crm(srv, req, &r);
    } else if (seg_is(&r, 0, "settings")) {
        handle_settings(srv, req, &r);
    } else if (seg_is(&r, 0, "oauth")) {
        handle_oauth(srv, req, &r);
    } else if (seg_is(&r, 0, "__sim")) {
        handle_sim(srv, req, &r);
    } else {
        sim_result_t res;
        sim_result_init(&res);
        srv->stats.requests[SIM_EP_OTHER]++;
        sim_result_error(&res, 404, NULL, "resource not found");
        sim_reply(&srv->replier, req, &res, 0, SIM_DELIVER_NORMAL);
        sim_result_dispose(&res);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------------------
 * command line
 */

static void usage(FILE *fp)
{
    fputs("usage: hubspot-sim [options]\n"
          "  --listen HOST:PORT            address to listen on (default 127.0.0.1:8099; port 0 picks a free one)\n"
          "  --seed N                      data seed (default 1)\n"
          "  --portal-id N                 portal (hub) id (default 12345)\n"
          "  --contacts N --companies N --deals N --tickets N   record counts (default 1000/300/500/200)\n"
          "  --projects N                  records of the custom object projects (default 150)\n"
          "  --client-id S --client-secret S                    OAuth app credentials (default sim-client/sim-secret)\n"
          "  --refresh-token S             pre-issued refresh token (default derived from seed and portal id)\n"
          "  --access-token-ttl SECONDS    access token lifetime (default 1800)\n"
          "  --latency-ms N                delay of every CRM, settings and OAuth answer (default 0)\n"
          "  --rate-ten-secondly N         requests per rolling 10 s (default 190; 0 = unlimited)\n"
          "  --rate-secondly-search N      search requests per second (default 5; 0 = unlimited)\n"
          "  --rate-daily N                requests per day (default 1000000; 0 = unlimited)\n"
          "  --max-filter-groups N --max-filters-per-group N --max-filters-total N   search limits (5/6/18)\n"
          "  --fault-5xx P --fault-429 P --fault-reset P --fault-truncate P --fault-slow P\n"
          "                                percentage (0-100, fractional allowed) of CRM and settings requests given that fault\n"
          "  --fault-seed N                seed of the fault PRNG (default 1)\n"
          "  --users N                     portal users, ids 1..N (default 5)\n"
          "  --teams N                     teams, ids 101..100+N (default 2)\n"
          "  --user-super-admin LIST       comma-separated ids of the super admins (default 1; \"\" for none)\n"
          "  --auto-approve                /oauth/authorize redirects at once instead of showing the approve page\n"
          "  --verbose                     log more to stderr\n",
          fp);
}

static int parse_u64_arg(const char *name, const char *s, uint64_t max, uint64_t *out)
{
    if (sim_parse_u64(s, strlen(s), out) != 0 || *out > max) {
        fprintf(stderr, "hubspot-sim: invalid value for --%s: %s\n", name, s);
        return -1;
    }
    return 0;
}

static int parse_uint_arg(const char *name, const char *s, unsigned *out)
{
    uint64_t v;
    if (parse_u64_arg(name, s, UINT32_MAX, &v) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_percent_arg(const char *name, const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v >= 0 && v <= 100)) {
        fprintf(stderr, "hubspot-sim: invalid percentage for --%s: %s\n", name, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_listen(const char *s, sim_config_t *cfg)
{
    const char *colon;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (rb == NULL || rb[1] != ':')
            return -1;
        if ((size_t)(rb - s - 1) >= sizeof(cfg->listen_host))
            return -1;
        memcpy(cfg->listen_host, s + 1, (size_t)(rb - s - 1));
        cfg->listen_host[rb - s - 1] = '\0';
        colon = rb + 1;
    } else {
        if ((colon = strrchr(s, ':')) == NULL || (size_t)(colon - s) >= sizeof(cfg->listen_host))
            return -1;
        memcpy(cfg->listen_host, s, (size_t)(colon - s));
        cfg->listen_host[colon - s] = '\0';
    }
    uint64_t port;
    if (sim_parse_u64(colon + 1, strlen(colon + 1), &port) != 0 || port > 65535)
        return -1;
    snprintf(cfg->listen_port, sizeof(cfg->listen_port), "%u", (unsigned)port);
    return 0;
}

enum {
    O_LISTEN = 256,
    O_SEED,
    O_PORTAL,
    O_CONTACTS,
    O_COMPANIES,
    O_DEALS,
    O_TICKETS,
    O_PROJECTS,
    O_CLIENT_ID,
    O_CLIENT_SECRET,
    O_REFRESH,
    O_TTL,
    O_LATENCY,
    O_RATE10,
    O_RATESEARCH,
    O_RATEDAILY,
    O_MAXGROUPS,
    O_MAXPERGROUP,
    O_MAXTOTAL,
    O_F5XX,
    O_F429,
    O_FRESET,
    O_FTRUNC,
    O_FSLOW,
    O_FSEED,
    O_USERS,
    O_TEAMS,
    O_SUPER_ADMINS,
    O_AUTO,
    O_VERBOSE,
    O_HELP
};
_Static_assert(O_PROJECTS - O_CONTACTS == SIM_OBJ_PROJECTS - SIM_OBJ_CONTACTS && SIM_OBJ_PROJECTS + 1 == SIM_OBJ_COUNT,
               "one record count option per object kind, in the kinds' order");

static int parse_args(int argc, char **argv, sim_config_t *cfg)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"seed", required_argument, NULL, O_SEED},
        {"portal-id", required_argument, NULL, O_PORTAL},
        {"contacts", required_argument, NULL, O_CONTACTS},
        {"companies", required_argument, NULL, O_COMPANIES},
        {"deals", required_argument, NULL, O_DEALS},
        {"tickets", required_argument, NULL, O_TICKETS},
        {"projects", required_argument, NULL, O_PROJECTS},
        {"client-id", required_argument, NULL, O_CLIENT_ID},
        {"client-secret", required_argument, NULL, O_CLIENT_SECRET},
        {"refresh-token", required_argument, NULL, O_REFRESH},
        {"access-token-ttl", required_argument, NULL, O_TTL},
        {"latency-ms", required_argument, NULL, O_LATENCY},
        {"rate-ten-secondly", required_argument, NULL, O_RATE10},
        {"rate-secondly-search", required_argument, NULL, O_RATESEARCH},
        {"rate-daily", required_argument, NULL, O_RATEDAILY},
        {"max-filter-groups", required_argument, NULL, O_MAXGROUPS},
        {"max-filters-per-group", required_argument, NULL, O_MAXPERGROUP},
        {"max-filters-total", required_argument, NULL, O_MAXTOTAL},
        {"fault-5xx", required_argument, NULL, O_F5XX},
        {"fault-429", required_argument, NULL, O_F429},
        {"fault-reset", required_argument, NULL, O_FRESET},
        {"fault-truncate", required_argument, NULL, O_FTRUNC},
        {"fault-slow", required_argument, NULL, O_FSLOW},
        {"fault-seed", required_argument, NULL, O_FSEED},
        {"users", required_argument, NULL, O_USERS},
        {"teams", required_argument, NULL, O_TEAMS},
        {"user-super-admin", required_argument, NULL, O_SUPER_ADMINS},
        {"auto-approve", no_argument, NULL, O_AUTO},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    int c, rc = 0;
    uint64_t v;

    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->listen_host, "127.0.0.1");
    strcpy(cfg->listen_port, "8099");
    cfg->seed = 1;
    cfg->portal_id = 12345;
    cfg->counts[SIM_OBJ_CONTACTS] = 1000;
    cfg->counts[SIM_OBJ_COMPANIES] = 300;
    cfg->counts[SIM_OBJ_DEALS] = 500;
    cfg->counts[SIM_OBJ_TICKETS] = 200;
    cfg->counts[SIM_OBJ_PROJECTS] = 150;
    cfg->client_id = "sim-client";
    cfg->client_secret = "sim-secret";
    cfg->access_token_ttl = 1800;
    cfg->rate_ten_secondly = 190;
    cfg->rate_secondly_search = 5;
    cfg->rate_daily = 1000000;
    cfg->max_filter_groups = 5;
    cfg->max_filters_per_group = 6;
    cfg->max_filters_total = 18;
    cfg->fault_seed = 1;
    cfg->users = 5;
    cfg->teams = 2;

    while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_LISTEN:
            if (parse_listen(optarg, cfg) != 0) {
                fprintf(stderr, "hubspot-sim: invalid --listen (expected HOST:PORT): %s\n", optarg);
                rc = -1;
            }
            break;
        case O_SEED:
            rc = parse_u64_arg("seed", optarg, UINT64_MAX, &cfg->seed);
            break;
        case O_PORTAL:
            rc = parse_u64_arg("portal-id", optarg, UINT64_MAX, &cfg->portal_id);
            break;
        case O_CONTACTS:
        case O_COMPANIES:
        case O_DEALS:
        case O_TICKETS:
        case O_PROJECTS:
            /* the count options follow the object kinds' order */
            rc = parse_u64_arg(opts[c - O_LISTEN].name, optarg, MAX_RECORDS_PER_OBJECT, &v);
            cfg->counts[SIM_OBJ_CONTACTS + (c - O_CONTACTS)] = v;
            break;
        case O_CLIENT_ID:
            cfg->client_id = optarg;
            break;
        case O_CLIENT_SECRET:
            cfg->client_secret = optarg;
            break;
        case O_REFRESH:
            if (optarg[0] == '\0' || strlen(optarg) >= 64) {
                fprintf(stderr, "hubspot-sim: --refresh-token must be 1 to 63 characters\n");
                rc = -1;
            }
            cfg->refresh_token = optarg;
            break;
        case O_TTL:
            rc = parse_uint_arg("access-token-ttl", optarg, &cfg->access_token_ttl);
            break;
        case O_LATENCY:
            rc = parse_uint_arg("latency-ms", optarg, &cfg->latency_ms);
            break;
        case O_RATE10:
            rc = parse_uint_arg("rate-ten-secondly", optarg, &cfg->rate_ten_secondly);
            break;
        case O_RATESEARCH:
            rc = parse_uint_arg("rate-secondly-search", optarg, &cfg->rate_secondly_search);
            break;
        case O_RATEDAILY:
            rc = parse_uint_arg("rate-daily", optarg, &cfg->rate_daily);
            break;
        case O_MAXGROUPS:
            rc = parse_uint_arg("max-filter-groups", optarg, &cfg->max_filter_groups);
            break;
        case O_MAXPERGROUP:
            rc = parse_uint_arg("max-filters-per-group", optarg, &cfg->max_filters_per_group);
            break;
        case O_MAXTOTAL:
            rc = parse_uint_arg("max-filters-total", optarg, &cfg->max_filters_total);
            break;
        case O_F5XX:
            rc = parse_percent_arg("fault-5xx", optarg, &cfg->fault[SIM_FAULT_5XX]);
            break;
        case O_F429:
            rc = parse_percent_arg("fault-429", optarg, &cfg->fault[SIM_FAULT_429]);
            break;
        case O_FRESET:
            rc = parse_percent_arg("fault-reset", optarg, &cfg->fault[SIM_FAULT_RESET]);
            break;
        case O_FTRUNC:
            rc = parse_percent_arg("fault-truncate", optarg, &cfg->fault[SIM_FAULT_TRUNCATE]);
            break;
        case O_FSLOW:
            rc = parse_percent_arg("fault-slow", optarg, &cfg->fault[SIM_FAULT_SLOW]);
            break;
        case O_FSEED:
            rc = parse_u64_arg("fault-seed", optarg, UINT64_MAX, &cfg->fault_seed);
            break;
        case O_USERS:
            rc = parse_u64_arg("users", optarg, SIM_USERS_MAX, &cfg->users);
            break;
        case O_TEAMS:
            rc = parse_u64_arg("teams", optarg, SIM_TEAMS_MAX, &cfg->teams);
            break;
        case O_SUPER_ADMINS:
            if (sim_users_parse_id_list(optarg, cfg->super_admins, SIM_USERS_MAX_SUPER_ADMINS, &cfg->nsuper_admins) != 0) {
                fprintf(stderr, "hubspot-sim: invalid --user-super-admin (expected up to %d comma-separated user ids): %s\n",
                        SIM_USERS_MAX_SUPER_ADMINS, optarg);
                rc = -1;
            }
            cfg->super_admins_given = 1;
            break;
        case O_AUTO:
            cfg->auto_approve = 1;
            break;
        case O_VERBOSE:
            sim_log_level = SIM_LOG_DEBUG;
            break;
        case O_HELP:
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf(stderr, "hubspot-sim: unexpected argument: %s\n", argv[optind]);
        rc = -1;
    }
    double total = 0;
    for (int k = SIM_FAULT_5XX; k < SIM_FAULT_COUNT; ++k)
        total += cfg->fault[k];
    if (rc == 0 && total > 100) {
        fprintf(stderr, "hubspot-sim: the fault percentages add up to more than 100\n");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < cfg->nsuper_admins; ++i) {
        if (cfg->super_admins[i] > cfg->users) {
            fprintf(stderr, "hubspot-sim: --user-super-admin names user %" PRIu64 " but there are %" PRIu64 " users\n",
                    cfg->super_admins[i], cfg->users);
            rc = -1;
        }
    }
    /* user 1 installs the app (OAuth token metadata reports user_id 1) and is the default super admin */
    if (rc == 0 && !cfg->super_admins_given && cfg->users != 0) {
        cfg->super_admins[0] = 1;
        cfg->nsuper_admins = 1;
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------------------
 * server
 */

static void on_accept(h2o_socket_t *listener, const char *err)
{
    sim_server_t *srv = listener->data;
    if (err != NULL)
        return;
    for (int i = 0; i < 64; ++i) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            break;
        h2o_accept(&srv->accept_ctx, sock);
    }
}

static void on_signal(h2o_socket_t *sock, const char *err)
{
    sim_server_t *srv = sock->data;
    struct signalfd_siginfo si;
    while (read(h2o_socket_get_fd(sock), &si, sizeof(si)) > 0)
        ;
    srv->stop = 1;
}

static int open_listener(sim_server_t *srv)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, on = 1, gai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const char *host = srv->cfg.listen_host[0] != '\0' ? srv->cfg.listen_host : NULL;
    if ((gai = getaddrinfo(host, srv->cfg.listen_port, &hints, &res)) != 0) {
        fprintf(stderr, "hubspot-sim: cannot resolve %s: %s\n", srv->cfg.listen_host, gai_strerror(gai));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "hubspot-sim: cannot listen on %s:%s: %s\n", srv->cfg.listen_host, srv->cfg.listen_port, strerror(errno));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        unsigned port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                                 : ntohs(((struct sockaddr_in *)&ss)->sin_port);
        snprintf(srv->cfg.listen_port, sizeof(srv->cfg.listen_port), "%u", port);
    }
    srv->listener = h2o_evloop_socket_create(srv->ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    srv->listener->data = srv;
    h2o_socket_read_start(srv->listener, on_accept);
    return 0;
}

static int open_signals(sim_server_t *srv)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -1;
    srv->sigsock = h2o_evloop_socket_create(srv->ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    srv->sigsock->data = srv;
    h2o_socket_read_start(srv->sigsock, on_signal);
    return 0;
}

int main(int argc, char **argv)
{
    sim_server_t *srv = &server;
    int rc = 1;

    if (parse_args(argc, argv, &srv->cfg) != 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);

    if (srv->cfg.refresh_token != NULL)
        snprintf(srv->refresh_token, sizeof(srv->refresh_token), "%s", srv->cfg.refresh_token);
    else
        sim_oauth_derive_refresh_token(srv->cfg.seed, srv->cfg.portal_id, srv->refresh_token);
    snprintf(srv->group_name, sizeof(srv->group_name), "publicapi:oauth-app:1:%" PRIu64, srv->cfg.portal_id);

    sim_stats_reset(&srv->stats);
    sim_ratelimit_init(&srv->rl, srv->cfg.rate_ten_secondly, srv->cfg.rate_secondly_search, srv->cfg.rate_daily);
    sim_faults_init(&srv->faults, srv->cfg.fault[SIM_FAULT_5XX], srv->cfg.fault[SIM_FAULT_429], srv->cfg.fault[SIM_FAULT_RESET],
                    srv->cfg.fault[SIM_FAULT_TRUNCATE], srv->cfg.fault[SIM_FAULT_SLOW], srv->cfg.fault_seed);
    srv->limits.max_filter_groups = srv->cfg.max_filter_groups;
    srv->limits.max_filters_per_group = srv->cfg.max_filters_per_group;
    srv->limits.max_filters_total = srv->cfg.max_filters_total;
    srv->limits.max_limit = 200;
    srv->limits.max_results = 10000;
    sim_users_init(&srv->users, srv->cfg.portal_id, srv->cfg.users, srv->cfg.teams, srv->cfg.super_admins, srv->cfg.nsuper_admins);
    srv->ds = sim_dataset_create(srv->cfg.seed, srv->cfg.portal_id, srv->cfg.counts);
    srv->search = sim_search_create(16, (size_t)512 * 1024 * 1024);
    sim_oauth_config_t ocfg = {srv->cfg.portal_id, srv->cfg.client_id,        srv->cfg.client_secret,
                               srv->refresh_token, srv->cfg.access_token_ttl, srv->cfg.auto_approve};
    srv->oauth = sim_oauth_create(&ocfg, &srv->stats);

    h2o_config_init(&srv->globalconf);
    srv->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("hubspot-sim"));
    srv->globalconf.max_request_entity_size = MAX_REQUEST_BODY;
    srv->globalconf.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *hostconf = h2o_config_register_host(&srv->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    sim_handler_t *handler = (sim_handler_t *)h2o_create_handler(pathconf, sizeof(*handler));
    handler->super.on_req = on_req;
    handler->srv = srv;
    h2o_context_init(&srv->ctx, h2o_evloop_create(), &srv->globalconf);
    srv->accept_ctx.ctx = &srv->ctx;
    srv->accept_ctx.hosts = srv->globalconf.hosts;

    if (sim_tick_init(&srv->tick, srv->ctx.loop) != 0) {
        fprintf(stderr, "hubspot-sim: eventfd: %s\n", strerror(errno));
        goto out;
    }
    sim_replier_init(&srv->replier, srv->ctx.loop, srv->cfg.latency_ms, &srv->stats, &srv->tick);
    if (open_signals(srv) != 0) {
        fprintf(stderr, "hubspot-sim: signalfd: %s\n", strerror(errno));
        goto out;
    }
    if (open_listener(srv) != 0)
        goto out;

    const char *host = srv->cfg.listen_host;
    int v6 = strchr(host, ':') != NULL;
    printf("hubspot-sim listening on http://%s%s%s:%s portal=%" PRIu64 " refresh_token=%s\n", v6 ? "[" : "", host, v6 ? "]" : "",
           srv->cfg.listen_port, srv->cfg.portal_id, srv->refresh_token);
    fflush(stdout);

    while (!srv->stop)
        h2o_evloop_run(srv->ctx.loop, INT32_MAX);
    SIM_LOG(SIM_LOG_INFO, "main", "shutting down");
    rc = 0;

out:
    if (srv->listener != NULL) {
        h2o_socket_read_stop(srv->listener);
        h2o_socket_close(srv->listener);
        srv->listener = NULL;
    }
    if (srv->sigsock != NULL) {
        h2o_socket_read_stop(srv->sigsock);
        h2o_socket_close(srv->sigsock);
        srv->sigsock = NULL;
    }
    sim_tick_dispose(&srv->tick);
    sim_oauth_destroy(srv->oauth);
    srv->oauth = NULL;
    sim_search_destroy(srv->search);
    srv->search = NULL;
    sim_dataset_destroy(srv->ds);
    srv->ds = NULL;
    return rc;
}
