/*
 * The OData feed: GET /odata/{dataSource}/ (service document), /$metadata and /{entitySet}.
 *
 * A request goes: route and query options -> token (SHA-256) and access check in PostgreSQL, one
 * asynchronous query -> the portal's refresh token decrypted -> HubSpot property metadata (cached) ->
 * the EDM model -> the answer. A feed streams HubSpot's pages as they arrive: at most one page waits
 * while another is on the wire and one more is being fetched, so memory does not grow with the number
 * of rows and a slow client slows the upstream. A failure after the first byte aborts the response
 * without the terminating chunk, so the client can never take a partial feed for a complete one.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <curl/curl.h>
#include "gateway/request.h"
#include "gateway/authcache.h"
#include "gateway/audit.h"

#define MAX_QUERY_PARAMS 64

static const char *metadata_ctype = "application/xml";

/* ---- responses ---- */

void gw_add_header(h2o_req_t *req, const h2o_token_t *token, const char *value)
{
    h2o_add_header(&req->pool, &req->res.headers, token, NULL, value, strlen(value));
}

const char *gw_public_base(h2o_req_t *req)
{
    if (gw.config.public_url != NULL) {
        size_t n = strlen(gw.config.public_url);
        while (n > 0 && gw.config.public_url[n - 1] == '/')
            --n;
        return h2o_strdup(&req->pool, gw.config.public_url, n).base;
    }
    return h2o_concat(&req->pool,
                      req->scheme == &H2O_URL_SCHEME_HTTPS ? h2o_iovec_init(H2O_STRLIT("https://"))
                                                           : h2o_iovec_init(H2O_STRLIT("http://")),
                      req->authority, h2o_iovec_init("", 1))
        .base;
}

char *gw_grant_open(int64_t portal_id, const char *enc, store_err_t *err, uint32_t *key_id)
{
    size_t bloblen = 0, ptlen = 0;
    unsigned char *blob = PQunescapeBytea((const unsigned char *)enc, &bloblen), *pt = NULL;

    *key_id = 0;
    *err = blob != NULL ? store_open(gw.keyring, portal_id, blob, bloblen, &pt, &ptlen) : STORE_ERR_NOMEM;
    if (*err == STORE_ERR_NOKEY)
        store_sealed_key_id(blob, bloblen, key_id);
    if (blob != NULL)
        PQfreemem(blob);
    return *err == STORE_OK ? (char *)pt : NULL;
}

void gw_grant_free(char *refresh_token)
{
    if (refresh_token == NULL)
        return;
    OPENSSL_cleanse(refresh_token, strlen(refresh_token));
    free(refresh_token);
}

void gw_add_odata_version(h2o_req_t *req)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("odata-version"), 0, NULL, H2O_STRLIT("4.0"));
}

const char *gw_reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

void gw_send_error(h2o_req_t *req, int status, const char *code, const char *message)
{
    odata_buf_t body;
    odata_buf_init(&body, 64 * 1024);
    if (odata_error_json(&body, code, message, NULL) != ODATA_OK) {
        odata_buf_reset(&body);
        odata_buf_appends(&body, "{\"error\":{\"code\":\"InternalError\",\"message\":\"internal error\"}}");
    }
    h2o_iovec_t copy = h2o_strdup(&req->pool, body.base, body.len);
    odata_buf_dispose(&body);

    req->res.status = status;
    req->res.reason = gw_reason_of(status);
    gw_add_header(req, H2O_TOKEN_CONTENT_TYPE, "application/json;charset=utf-8");
    gw_add_header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    gw_add_odata_version(req);
    if (status == 401)
        gw_add_header(req, H2O_TOKEN_WWW_AUTHENTICATE, "Basic realm=\"HubSpot OData\", charset=\"UTF-8\"");
    h2o_send_inline(req, copy.base, copy.len);
}

void gw_req_error(gw_odata_req_t *r, int status, const char *code, const char *message)
{
    r->error_code = code;
    gw_send_error(r->req, status, code, message);
}

static void send_body(h2o_req_t *req, const char *ctype, const odata_buf_t *body)
{
    h2o_iovec_t copy = h2o_strdup(&req->pool, body->base, body->len);
    req->res.status = 200;
    req->res.reason = "OK";
    gw_add_header(req, H2O_TOKEN_CONTENT_TYPE, ctype);
    gw_add_header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    gw_add_odata_version(req);
    h2o_send_inline(req, copy.base, copy.len);
}

/* ---- request lifetime ---- */

static const char *route_name(gw_route_t route)
{
    switch (route) {
    case GW_ROUTE_SERVICE:
        return "service";
    case GW_ROUTE_METADATA:
        return "metadata";
    case GW_ROUTE_FEED:
        return "feed";
    default:
        return "count";
    }
}

static const char *token_actor(int64_t token_id)
{
    static char buf[32];
    snprintf(buf, sizeof(buf), "token:%" PRId64, token_id);
    return buf;
}

/*
 * The audit row of a request made with a known token, written however it ended: its metadata, with the
 * query options' literal values masked.
 */
static void audit_request(gw_odata_req_t *r)
{
    gw_feed_t *f = &r->feed;
    int status = r->req->res.status;
    const char *outcome;
    odata_buf_t q;
    json_t *d;

    if (r->error_code != NULL &&
        (strncmp(r->error_code, "HubSpot", 7) == 0 || strcmp(r->error_code, "PortalNeedsReauthorization") == 0))
        outcome = f->started ? "aborted" : "hubspot_failed"; /* aborted: it failed after the first byte */
    else if (f->outcome != NULL)
        outcome = f->outcome;
    else if (f->started || status == 0)
        outcome = "client_gone";
    else
        outcome = status < 400 ? "complete" : status < 500 || status == 501 ? "refused" : "failed";
    odata_buf_init(&q, 8192);
    if (odata_query_mask(r->raw_query != NULL ? r->raw_query : "", r->raw_query != NULL ? strlen(r->raw_query) : 0,
                         f->query != NULL, &q) != ODATA_OK) {
        odata_buf_reset(&q);
        odata_buf_appends(&q, "***");
    }
    d = json_pack("{sssssisssIsIsIsIsIsIssss}", "route", route_name(r->route), "entitySet", r->set_name, "status", status,
                  "outcome", outcome, "rows", (json_int_t)(r->route == GW_ROUTE_COUNT ? f->counted : f->emitted), "bytes",
                  (json_int_t)f->bytes, "hubspotCalls", (json_int_t)f->hs_calls, "retries", (json_int_t)f->hs_retries,
                  "rateLimited", (json_int_t)f->hs_rate_limited, "ms", (json_int_t)(h2o_now(gw.evloop) - r->started_at), "clientIp",
                  r->client_ip, "userAgent", r->user_agent);
    if (d != NULL) {
        json_object_set_new(d, "query", json_stringn(q.base != NULL ? q.base : "", q.len));
        if (r->error_code != NULL)
            json_object_set_new(d, "error", json_string(r->error_code));
    }
    odata_buf_dispose(&q);
    gw_audit(r->portal_id, "feed.request", token_actor(r->token_id), r->user_id, r->ds_id, r->token_id, d);
}

static void odata_req_dispose(void *p)
{
    gw_odata_req_t *r = p;
    if (r->token_id != 0 && r->req != NULL)
        audit_request(r);
    gw_props_load_dispose(&r->props);
    hs_call_destroy(r->owner_call);
    gw_feed_dispose(&r->feed);
    json_decref(r->definition);
    gw_grant_free(r->refresh_token);
    odata_model_destroy(r->model);
}

static void mark_needs_reauth(int64_t portal_id, const char *enc);

int gw_hs_failure(gw_odata_req_t *r, const hs_call_t *call, const char **code, char *msg, size_t msgsz)
{
    return gw_hs_failure_of(r->portal_id, r->refresh_token_enc, r->base_url, call, code, msg, msgsz);
}

int gw_hs_failure_of(int64_t portal_id, const char *enc, const char *base_url, const hs_call_t *call, const char **code, char *msg,
                     size_t msgsz)
{
    snprintf(msg, msgsz, "%s", hs_call_message(call));
    switch (hs_call_error(call)) {
    case HS_ERR_GRANT:
        /* the stored grant is dead: marked, so that the next requests get this answer without asking HubSpot */
        if (enc != NULL)
            mark_needs_reauth(portal_id, enc);
        snprintf(msg, msgsz, "%s: a portal admin re-installs the app at %.1000s/oauth/install", hs_call_message(call), base_url);
        *code = "PortalNeedsReauthorization";
        return 503;
    case HS_ERR_AUTH:
        *code = "HubSpotAuthorizationFailed";
        return 502;
    case HS_ERR_STATUS:
        if (hs_call_status(call) == 429) {
            *code = "HubSpotRateLimited";
            return 503;
        }
        *code = "HubSpotError";
        return 502;
    case HS_ERR_NETWORK:
        *code = "HubSpotUnavailable";
        return 504;
    case HS_ERR_TOO_LARGE:
        *code = "HubSpotAnswerTooLarge";
        return 502;
    default:
        *code = "InternalError";
        return 500;
    }
}

/* ---- model and documents ---- */

static void respond(gw_odata_req_t *r)
{
    char err[512];
    odata_buf_t body;

    if ((r->model = hs_model_build(gw.hubspot, r->portal_id, r->definition, err, sizeof(err))) == NULL) {
        gw_req_error(r, 502, "DataSourceInvalid", err);
        return;
    }
    if (r->route == GW_ROUTE_FEED || r->route == GW_ROUTE_COUNT) {
        gw_feed_start(r);
        return;
    }
    odata_buf_init(&body, GW_MAX_OUT);
    if (r->route == GW_ROUTE_METADATA) {
        if (odata_csdl_write(r->model, &body) == ODATA_OK)
            send_body(r->req, metadata_ctype, &body);
        else
            gw_req_error(r, 500, "InternalError", "could not write $metadata");
    } else {
        char url[1024];
        snprintf(url, sizeof(url), "%s/odata/%s/$metadata", r->base_url, r->ds);
        if (odata_service_document(r->model, url, &body) == ODATA_OK)
            send_body(r->req, "application/json;odata.metadata=minimal;charset=utf-8", &body);
        else
            gw_req_error(r, 500, "InternalError", "could not write the service document");
    }
    odata_buf_dispose(&body);
}

static void on_props(hs_call_t *call, void *data)
{
    gw_props_load_t *l = data;
    const char *object = NULL;
    size_t i;

    for (i = 0; i < l->ncalls; ++i)
        if (l->calls[i] == call)
            break;
    object = i < l->ncalls ? l->objects[i] : "?";
    if (hs_call_error(call) != HS_OK) {
        char m[1400];
        int status = gw_hs_failure_of(l->portal_id, l->refresh_token_enc, l->base_url, call, &l->failed_code, m, sizeof(m));
        if (l->failed_status == 0) {
            l->failed_status = status;
            l->failed_object = object;
            l->failed_hs_status = hs_call_status(call);
            if (hs_call_error(call) == HS_ERR_GRANT)
                snprintf(l->failed_msg, sizeof(l->failed_msg), "%s", m);
            else
                snprintf(l->failed_msg, sizeof(l->failed_msg), "loading the properties of %.100s: %.1200s", object, m);
        }
    } else {
        char err[256];
        if (hs_properties_store(gw.hubspot, l->portal_id, object, hs_call_body(call), err, sizeof(err)) != 0 &&
            l->failed_status == 0) {
            l->failed_status = 502;
            l->failed_code = "HubSpotInvalidAnswer";
            l->failed_object = object;
            snprintf(l->failed_msg, sizeof(l->failed_msg), "%s", err);
        }
    }
    if (i < l->ncalls)
        l->calls[i] = NULL;
    hs_call_destroy(call);
    if (--l->pending == 0)
        l->cb(l);
}

int gw_props_load(gw_props_load_t *l, const char *refresh_token, const char **objects, size_t n)
{
    size_t i, pending = 0;

    l->objects = objects;
    /* count first, so that a call finishing early cannot see a zero count */
    for (i = 0; i != n; ++i)
        if (hs_properties_cached(gw.hubspot, l->portal_id, objects[i]) == NULL)
            ++pending;
    if (pending == 0)
        return 0;
    if ((l->calls = calloc(n, sizeof(*l->calls))) == NULL)
        return -1;
    l->ncalls = n;
    l->pending = pending;
    for (i = 0; i != n; ++i) {
        char path[128];
        if (hs_properties_cached(gw.hubspot, l->portal_id, objects[i]) != NULL)
            continue;
        snprintf(path, sizeof(path), "/crm/v3/properties/%s?archived=false", objects[i]);
        if ((l->calls[i] = hs_call_start(gw.hubspot, l->portal_id, refresh_token, "GET", path, NULL, on_props, l)) == NULL) {
            gw_props_load_dispose(l); /* the calls already started never answer */
            return -1;
        }
    }
    return (int)pending;
}

void gw_props_load_dispose(gw_props_load_t *l)
{
    for (size_t i = 0; i < l->ncalls; ++i)
        hs_call_destroy(l->calls[i]);
    free(l->calls);
    l->calls = NULL;
    l->ncalls = 0;
}

const char *gw_definition_filter(json_t *definition, const char *object)
{
    json_t *obj;
    size_t i;

    json_array_foreach(json_object_get(definition, "objects"), i, obj)
    {
        const char *name = json_string_value(json_object_get(obj, "object"));
        if (name != NULL && strcmp(name, object) == 0)
            return json_string_value(json_object_get(obj, "filter"));
    }
    return NULL;
}

static void on_model_props(gw_props_load_t *l)
{
    gw_odata_req_t *r = H2O_STRUCT_FROM_MEMBER(gw_odata_req_t, props, l);

    if (l->failed_status != 0) {
        gw_req_error(r, l->failed_status, l->failed_code, l->failed_msg);
        return;
    }
    respond(r);
}

static void load_model(gw_odata_req_t *r)
{
    json_t *objects = json_object_get(r->definition, "objects"), *obj;
    const char **names;
    size_t i;

    if (!json_is_array(objects) || json_array_size(objects) == 0 || json_array_size(objects) > 64) {
        gw_req_error(r, 502, "DataSourceInvalid", "the data source definition has no valid object list");
        return;
    }
    names = h2o_mem_alloc_pool(&r->req->pool, json_array_size(objects) * sizeof(*names));
    json_array_foreach(objects, i, obj)
    {
        if ((names[i] = json_string_value(json_object_get(obj, "object"))) == NULL || !hs_object_name_valid(names[i])) {
            gw_req_error(r, 502, "DataSourceInvalid", "the data source definition names an invalid object");
            return;
        }
    }
    r->props.portal_id = r->portal_id;
    r->props.refresh_token_enc = r->refresh_token_enc;
    r->props.base_url = r->base_url;
    r->props.cb = on_model_props;
    switch (gw_props_load(&r->props, r->refresh_token, names, json_array_size(objects))) {
    case -1:
        gw_req_error(r, 500, "InternalError", "out of memory");
        break;
    case 0:
        respond(r);
        break;
    default:
        break;
    }
}

/* ---- authentication and access ---- */

static const char auth_sql[] =
    "SELECT t.id, t.portal_id, t.owner_user_id, (t.revoked_at IS NULL AND t.expires_at > now()) AS valid,"
    "       d.id IS NOT NULL AS ds_ok, d.definition::text, p.refresh_token_enc, p.needs_reauth,"
    "       u.user_id IS NULL OR u.seen_at < now() - make_interval(secs => $3::int) AS owner_stale,"
    "       extract(epoch FROM t.expires_at - now()),"
    "       coalesce(extract(epoch FROM u.seen_at + make_interval(secs => $3::int) - now()), 0),"
    "       t.revoked_at IS NOT NULL"
    "  FROM access_tokens t"
    "  JOIN portals p ON p.id = t.portal_id"
    "  LEFT JOIN portal_users u ON u.portal_id = t.portal_id AND u.user_id = t.owner_user_id"
    /* what the token's owner sees in the app: their own, shared with them or their teams, or all as an admin */
    "  LEFT JOIN data_sources d ON d.id = $2::bigint AND d.portal_id = t.portal_id"
    "       AND (data_source_visible(d.id, d.owner_user_id, t.owner_user_id, coalesce(u.team_ids, '{}'))"
    "            OR portal_user_is_admin(t.portal_id, t.owner_user_id))"
    " WHERE t.token_hash = $1::bytea";

/* the token's last use, at most once a minute; the first use is told apart for the audit log */
static const char touch_sql[] = "WITH o AS (SELECT id, last_used_at FROM access_tokens WHERE id = $1::bigint FOR UPDATE)"
                                " UPDATE access_tokens t SET last_used_at = now() FROM o"
                                "  WHERE t.id = o.id AND (o.last_used_at IS NULL OR o.last_used_at < now() - interval '1 minute')"
                                " RETURNING o.last_used_at IS NULL, t.portal_id, t.owner_user_id, t.id";

static void on_touch(void *data, PGresult *res, const char *err)
{
    if (err != NULL) {
        gw_log(GW_LOG_WARN, "auth", "could not record the token's last use: %s", err);
        return;
    }
    if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
        int64_t token_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
        gw_audit(strtoll(PQgetvalue(res, 0, 1), NULL, 10), "token.first_used", token_actor(token_id),
                 strtoll(PQgetvalue(res, 0, 2), NULL, 10), 0, token_id, NULL);
    }
}

/* only the grant that failed: one stored by a re-install in the meantime is left alone */
static const char mark_reauth_sql[] = "UPDATE portals SET needs_reauth = true, updated_at = now()"
                                      " WHERE id = $1::bigint AND refresh_token_enc = $2::bytea AND NOT needs_reauth"
                                      " RETURNING id";

static void on_marked(void *data, PGresult *res, const char *err)
{
    if (res == NULL)
        gw_log(GW_LOG_WARN, "auth", "could not mark the portal as needing re-authorisation: %s", err);
    else if (PQntuples(res) == 1)
        gw_log(GW_LOG_WARN, "auth", "portal=%s marked as needing re-authorisation", PQgetvalue(res, 0, 0));
}

/*
 * The portal's grant cannot be used any more (its refresh token cannot be opened with the key it names,
 * or HubSpot refused it): the app must be installed again. Marked in the database without waiting (the
 * answer does not depend on it). `enc` is the column's text form as read.
 */
static void mark_needs_reauth(int64_t portal_id, const char *enc)
{
    char id[24];
    const char *v[2] = {id, enc};
    snprintf(id, sizeof(id), "%lld", (long long)portal_id);
    store_pg_query(gw.db, mark_reauth_sql, 2, v, 0, on_marked, NULL);
}

static void on_auth(void *data, PGresult *res, const char *err);
static void authorise(gw_odata_req_t *r, const gw_auth_t *a, int touch);

/*
 * Reads the token, its owner, the data source and the portal's grant: from the cache when it holds a
 * fresh answer, else from the database. The second look, after HubSpot was asked about the owner,
 * always reads the database.
 */
static void run_auth(gw_odata_req_t *r)
{
    char hex[2 + 64 + 1], stale[24];
    const char *params[3] = {hex, r->ds, stale};
    gw_auth_t a;
    int touch;

    if (!r->owner_checked && gw_auth_cache_get(r->token_hash, r->ds_id, &a, &touch)) {
        authorise(r, &a, touch);
        return;
    }
    r->auth_generation = gw_auth_cache_generation();
    snprintf(stale, sizeof(stale), "%ld", gw.config.session_ttl); /* as old as a session may be */
    hex[0] = '\\';
    hex[1] = 'x';
    for (int i = 0; i < 32; ++i)
        snprintf(hex + 2 + 2 * i, 3, "%02x", r->token_hash[i]);
    if (store_pg_query(gw.db, auth_sql, 3, params, 0, on_auth, r) != 0)
        gw_req_error(r, 500, "InternalError", "out of memory");
}

/* ---- who the token's owner is now ---- */

static const char owner_sql[] = GW_PORTAL_USER_UPSERT_SQL;

static void on_owner_stored(void *data, PGresult *res, const char *err)
{
    if (res == NULL)
        gw_log(GW_LOG_WARN, "auth", "could not record who a token's owner is: %s", err);
    run_auth(data);
}

/*
 * HubSpot's answer about the token's owner. A user HubSpot no longer has in the portal is refused; a
 * known one's role and teams are recorded, and the request is authorised again with them. When HubSpot
 * cannot say, the request goes on with what was known.
 */
static void on_owner(hs_call_t *call, void *data)
{
    gw_odata_req_t *r = data;
    char teams[GW_USER_TEAMS_TEXT], id[24], user[24];
    int super_admin;

    r->owner_call = NULL;
    if (hs_call_error(call) == HS_ERR_STATUS && hs_call_status(call) == 404) {
        hs_call_destroy(call);
        gw_log(GW_LOG_WARN, "auth",
               "portal=%" PRId64 " token=%" PRId64 " refused: its owner %" PRId64 " is no longer a HubSpot user", r->portal_id,
               r->token_id, r->user_id);
        gw_req_error(r, 401, "Unauthorized", "the token's owner is no longer a user of the HubSpot portal");
        return;
    }
    if (hs_call_error(call) == HS_ERR_GRANT) {
        const char *code;
        char msg[1400];
        int status = gw_hs_failure(r, call, &code, msg, sizeof(msg));
        hs_call_destroy(call);
        gw_req_error(r, status, code, msg);
        return;
    }
    if (hs_call_error(call) != HS_OK) {
        gw_log(GW_LOG_WARN, "auth",
               "portal=%" PRId64 " could not ask HubSpot about user %" PRId64 " (%s): going on with what is known", r->portal_id,
               r->user_id, hs_call_message(call));
    } else if (gw_hs_user_parse(hs_call_body(call), r->user_id, &super_admin, teams, sizeof(teams)) != 0) {
        gw_log(GW_LOG_WARN, "auth", "portal=%" PRId64 " HubSpot's answer about user %" PRId64 " could not be read", r->portal_id,
               r->user_id);
    } else {
        const char *v[4] = {id, user, super_admin ? "true" : "false", teams};
        snprintf(id, sizeof(id), "%" PRId64, r->portal_id);
        snprintf(user, sizeof(user), "%" PRId64, r->user_id);
        hs_call_destroy(call);
        if (store_pg_query(gw.db, owner_sql, 4, v, 0, on_owner_stored, r) != 0)
            gw_req_error(r, 500, "InternalError", "out of memory");
        return;
    }
    hs_call_destroy(call);
    run_auth(r);
}

/* Asks HubSpot whether the token's owner is still a user of the portal, and in which teams. */
static void check_owner(gw_odata_req_t *r)
{
    char path[64];

    snprintf(path, sizeof(path), "/settings/v3/users/%" PRId64, r->user_id);
    if ((r->owner_call = hs_call_start(gw.hubspot, r->portal_id, r->refresh_token, "GET", path, NULL, on_owner, r)) == NULL)
        gw_req_error(r, 500, "InternalError", "out of memory");
}

/* Opens the portal's grant (`enc`, bytea text form) into r->refresh_token; or answers and returns -1. */
static int open_grant(gw_odata_req_t *r, const char *enc)
{
    uint32_t key_id = 0;
    store_err_t se;

    r->refresh_token = gw_grant_open(r->portal_id, enc, &se, &key_id);
    if (se == STORE_ERR_NOKEY) {
        /* this process lacks a key (a rotation not yet rolled out to it): the grant itself may be fine */
        char msg[1400];
        gw_log(GW_LOG_ERROR, "auth",
               "portal=%lld refresh token is sealed with master key %" PRIu32 ", which this gateway's master keys lack",
               (long long)r->portal_id, key_id);
        snprintf(msg, sizeof(msg),
                 "the gateway cannot open the portal's HubSpot authorisation (sealed with master key %" PRIu32
                 ", which this gateway does not have): the operator adds that key, or a portal admin re-installs the app at "
                 "%.1000s/oauth/install",
                 key_id, r->base_url);
        gw_req_error(r, 503, "PortalNeedsReauthorization", msg);
        return -1;
    }
    if (se != STORE_OK) {
        char msg[1400];
        gw_log(GW_LOG_ERROR, "auth", "portal=%lld refresh token cannot be decrypted (%d)", (long long)r->portal_id, (int)se);
        if (se != STORE_ERR_NOMEM)
            mark_needs_reauth(r->portal_id, enc);
        snprintf(msg, sizeof(msg),
                 "the portal's HubSpot authorisation cannot be used any more: a portal admin re-installs the app at "
                 "%.1000s/oauth/install",
                 r->base_url);
        gw_req_error(r, 503, "PortalNeedsReauthorization", msg);
        return -1;
    }
    {
        /* the grant as read, so that a refusal by HubSpot marks this grant and not a newer one */
        size_t n = strlen(enc) + 1;
        r->refresh_token_enc = memcpy(h2o_mem_alloc_pool(&r->req->pool, n), enc, n);
    }
    return 0;
}

static void on_auth(void *data, PGresult *res, const char *err)
{
    gw_odata_req_t *r = data;
    gw_auth_t a;

    if (res == NULL) {
        gw_log(GW_LOG_ERROR, "auth", "token lookup failed: %s", err);
        gw_req_error(r, 503, "ServiceUnavailable", "the gateway's database is unavailable; try again shortly");
        return;
    }
    if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 3), "t") != 0) {
        if (PQntuples(res) == 1) {
            /* a revoked or expired token: its portal's log says who tried */
            int64_t token_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
            gw_audit(strtoll(PQgetvalue(res, 0, 1), NULL, 10), "token.refused", token_actor(token_id),
                     strtoll(PQgetvalue(res, 0, 2), NULL, 10), r->ds_id, token_id,
                     json_pack("{ssssssss}", "reason", strcmp(PQgetvalue(res, 0, 11), "t") == 0 ? "revoked" : "expired", "clientIp",
                               r->client_ip, "userAgent", r->user_agent, "route", route_name(r->route)));
        }
        gw_req_error(r, 401, "Unauthorized", "a valid personal access token is required");
        return;
    }
    a.token_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    a.portal_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    a.user_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    a.valid = 1;
    a.ds_ok = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
    a.definition = a.ds_ok ? PQgetvalue(res, 0, 5) : NULL;
    a.grant_enc = PQgetvalue(res, 0, 6);
    a.needs_reauth = strcmp(PQgetvalue(res, 0, 7), "t") == 0;
    a.owner_stale = strcmp(PQgetvalue(res, 0, 8), "t") == 0;
    a.expires_in = strtod(PQgetvalue(res, 0, 9), NULL);
    a.owner_fresh_for = strtod(PQgetvalue(res, 0, 10), NULL);
    gw_auth_cache_put(r->token_hash, r->ds_id, r->auth_generation, &a);
    /* the database recorded no use: the first look records it (at most once a minute, see touch_sql) */
    authorise(r, &a, !r->owner_checked);
}

/* Decides on a valid token's answer (from the database or the cache). */
static void authorise(gw_odata_req_t *r, const gw_auth_t *a, int touch)
{
    r->token_id = a->token_id;
    r->portal_id = a->portal_id;
    r->user_id = a->user_id;
    if (touch) {
        char id[24];
        const char *v[1] = {id};
        snprintf(id, sizeof(id), "%lld", (long long)r->token_id);
        store_pg_query(gw.db, touch_sql, 1, v, 0, on_touch, NULL);
    }
    if (a->needs_reauth) {
        char msg[1400];
        snprintf(msg, sizeof(msg),
                 "the HubSpot portal must re-authorise the app: a portal admin re-installs it at %.1000s/oauth/install",
                 r->base_url);
        gw_req_error(r, 503, "PortalNeedsReauthorization", msg);
        return;
    }
    /* the second look, after asking HubSpot about the owner, has the grant open already */
    if (r->refresh_token == NULL && open_grant(r, a->grant_enc) != 0)
        return;
    /* who the owner is may be older than a session may be: HubSpot is asked first, then this is read again */
    if (a->owner_stale && !r->owner_checked) {
        r->owner_checked = 1;
        check_owner(r);
        return;
    }
    if (!a->ds_ok) {
        gw_req_error(r, 404, "NotFound", "no data source with this id is shared with the token's owner");
        return;
    }
    if ((r->definition = json_loads(a->definition, 0, NULL)) == NULL) {
        gw_req_error(r, 500, "InternalError", "the data source definition could not be read");
        return;
    }
    load_model(r);
}

/* ---- parsing the request ---- */

/* Who sent the request, for the audit log: the peer's address and the User-Agent (printable ASCII). */
static void client_of(h2o_req_t *req, gw_odata_req_t *r)
{
    struct sockaddr_storage ss;
    socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    char host[NI_MAXHOST];
    ssize_t i;

    if (sl != 0 && h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, host) != SIZE_MAX && strlen(host) < sizeof(r->client_ip))
        memcpy(r->client_ip, host, strlen(host) + 1);
    if ((i = h2o_find_header(&req->headers, H2O_TOKEN_USER_AGENT, -1)) != -1) {
        const h2o_iovec_t *v = &req->headers.entries[i].value;
        size_t n = v->len < sizeof(r->user_agent) - 1 ? v->len : sizeof(r->user_agent) - 1;
        for (size_t k = 0; k < n; ++k)
            r->user_agent[k] = v->base[k] >= 0x20 && v->base[k] < 0x7f ? v->base[k] : '?';
        r->user_agent[n] = '\0';
    }
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *gw_url_decode(h2o_mem_pool_t *pool, const char *s, size_t len)
{
    char *out = h2o_mem_alloc_pool(pool, len + 1), *o = out;
    for (size_t i = 0; i < len; ++i) {
        if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
                return NULL;
            char ch = (char)(hi << 4 | lo);
            if (ch == '\0')
                return NULL;
            *o++ = ch;
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Standard base64 with padding, as Basic credentials use; NULL base when malformed. */
static h2o_iovec_t decode_base64(h2o_mem_pool_t *pool, const char *s, size_t len)
{
    h2o_iovec_t out = {NULL, 0};
    while (len > 0 && s[len - 1] == ' ')
        --len;
    if (len == 0 || len % 4 != 0 || len > 4096)
        return out;
    unsigned char *buf = h2o_mem_alloc_pool(pool, len / 4 * 3 + 1);
    int n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
    if (n < 0)
        return out;
    if (s[len - 1] == '=')
        --n;
    if (s[len - 2] == '=')
        --n;
    buf[n] = '\0';
    out.base = (char *)buf;
    out.len = n;
    return out;
}

static int find_token(h2o_req_t *req, const char *query_token, const char **token, size_t *len)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i >= 0) {
        h2o_iovec_t v = req->headers.entries[i].value;
        if (v.len > 6 && strncasecmp(v.base, "Basic ", 6) == 0) {
            h2o_iovec_t dec = decode_base64(&req->pool, v.base + 6, v.len - 6);
            const char *colon;
            if (dec.base == NULL || (colon = memchr(dec.base, ':', dec.len)) == NULL)
                return -1;
            *token = colon + 1;
            *len = dec.len - (colon + 1 - dec.base);
            return 0;
        }
        if (v.len > 7 && strncasecmp(v.base, "Bearer ", 7) == 0) {
            *token = v.base + 7;
            *len = v.len - 7;
            while (*len > 0 && (*token)[*len - 1] == ' ')
                --*len;
            return 0;
        }
        return -1;
    }
    if (query_token != NULL) {
        *token = query_token;
        *len = strlen(query_token);
        return 0;
    }
    return -1;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    const char *path = req->path_normalized.base, *end = path + req->path_normalized.len, *p, *seg;
    const char *query_token = NULL;
    char *raw_query = "";
    char ds[24], set_name[160] = "";
    int64_t ds_id;
    gw_route_t route;
    gw_odata_req_t *r;

    if (!(req->path_normalized.len >= 7 && memcmp(path, "/odata/", 7) == 0))
        return -1;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        gw_add_header(req, H2O_TOKEN_ALLOW, "GET");
        gw_send_error(req, 405, "MethodNotAllowed", "the OData feed is read-only: only GET is supported");
        return 0;
    }
    /* /odata/{ds}[/ | /$metadata | /{set}[/]] */
    seg = path + 7;
    for (p = seg; p < end && *p != '/'; ++p)
        ;
    if (p == seg || p - seg >= (ptrdiff_t)sizeof(ds) || strspn(seg, "0123456789") < (size_t)(p - seg)) {
        gw_send_error(req, 404, "NotFound", "no data source at this address");
        return 0;
    }
    memcpy(ds, seg, p - seg);
    ds[p - seg] = '\0';
    errno = 0;
    if ((ds_id = strtoll(ds, NULL, 10)) <= 0 || errno == ERANGE) {
        gw_send_error(req, 404, "NotFound", "no data source at this address");
        return 0;
    }
    if (p >= end || p + 1 == end) {
        route = GW_ROUTE_SERVICE;
    } else {
        const char *s = p + 1, *e = end;
        if (e[-1] == '/')
            --e;
        const char *slash = memchr(s, '/', e - s);
        if (slash != NULL && e - slash == 7 && memcmp(slash, "/$count", 7) == 0 && slash - s < (ptrdiff_t)sizeof(set_name) &&
            odata_is_identifier(s, slash - s)) {
            route = GW_ROUTE_COUNT;
            memcpy(set_name, s, slash - s);
            set_name[slash - s] = '\0';
        } else if (slash != NULL) {
            gw_send_error(req, 501, "NotImplemented",
                          "only entity sets, their $count, the service document and $metadata are served");
            return 0;
        } else if (e - s == 9 && memcmp(s, "$metadata", 9) == 0) {
            route = GW_ROUTE_METADATA;
        } else if (e - s < (ptrdiff_t)sizeof(set_name) && odata_is_identifier(s, e - s)) {
            route = GW_ROUTE_FEED;
            memcpy(set_name, s, e - s);
            set_name[e - s] = '\0';
        } else {
            gw_send_error(req, 404, "NotFound", "no entity set of that name");
            return 0;
        }
    }

    /* query options: the token's parameter is taken out here; a feed's options go to the OData parser */
    if (req->query_at != SIZE_MAX) {
        const char *q = req->path.base + req->query_at + 1, *qend = req->path.base + req->path.len;
        char *o = raw_query = h2o_mem_alloc_pool(&req->pool, qend - q + 1);
        int nparams = 0;
        while (q < qend) {
            const char *amp = memchr(q, '&', qend - q), *pe = amp != NULL ? amp : qend, *eq = memchr(q, '=', pe - q);
            const char *ke = eq != NULL ? eq : pe;
            char *key, *val;
            if (++nparams > MAX_QUERY_PARAMS) {
                gw_send_error(req, 400, "BadRequest", "too many query parameters");
                return 0;
            }
            if (pe == q) {
                q = pe + 1;
                continue;
            }
            if ((key = gw_url_decode(&req->pool, q, ke - q)) == NULL ||
                (val = gw_url_decode(&req->pool, eq != NULL ? eq + 1 : pe, eq != NULL ? pe - eq - 1 : 0)) == NULL) {
                gw_send_error(req, 400, "BadRequest", "a query parameter is not correctly percent-encoded");
                return 0;
            }
            if (strcmp(key, gw.config.api_key_param) == 0) {
                query_token = val;
            } else if (route == GW_ROUTE_FEED || route == GW_ROUTE_COUNT) {
                if (o != raw_query)
                    *o++ = '&';
                memcpy(o, q, pe - q);
                o += pe - q;
            } else if (strcasecmp(key, "$format") == 0) {
                if (route == GW_ROUTE_METADATA ? strcasecmp(val, "xml") != 0 && strncasecmp(val, "application/xml", 15) != 0
                                               : strcasecmp(val, "json") != 0 && strncasecmp(val, "application/json", 16) != 0) {
                    gw_send_error(req, 406, "NotAcceptable", "this resource is only available as JSON ($metadata as XML)");
                    return 0;
                }
            } else if (key[0] == '$' || key[0] == '@') {
                char msg[200];
                snprintf(msg, sizeof(msg), "the query option %.60s does not apply to this resource", key);
                gw_send_error(req, 400, "BadRequest", msg);
                return 0;
            }
            q = pe + 1;
        }
        *o = '\0';
    }

    {
        const char *tok;
        size_t toklen;
        if (find_token(req, query_token, &tok, &toklen) != 0 || !store_token_well_formed(tok, toklen)) {
            gw_send_error(req, 401, "Unauthorized", "a valid personal access token is required");
            return 0;
        }
        r = h2o_mem_alloc_shared(&req->pool, sizeof(*r), odata_req_dispose);
        memset(r, 0, sizeof(*r));
        store_token_hash(tok, toklen, r->token_hash);
    }
    r->req = req;
    r->route = route;
    r->started_at = h2o_now(gw.evloop);
    client_of(req, r);
    snprintf(r->ds, sizeof(r->ds), "%s", ds);
    r->ds_id = ds_id;
    snprintf(r->set_name, sizeof(r->set_name), "%s", set_name);
    r->base_url = gw_public_base(req);
    r->raw_query = raw_query;
    run_auth(r);
    return 0;
}

void gw_odata_register(h2o_hostconf_t *hostconf)
{
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/odata/", 0);
    h2o_handler_t *h = h2o_create_handler(pathconf, sizeof(*h));
    h->on_req = on_req;
}
