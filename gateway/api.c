/*
 * The admin API behind the connector's UI: JSON under /api/v1/.
 *
 *   POST   /api/v1/launch   HubSpot's app card (hubspot.fetch), signed with X-HubSpot-Signature-v3 and
 *                           naming the portal and the user in the query: a one-time launch URL, valid
 *                           for a minute, that opens the UI
 *   POST   /api/v1/session  {"launchCode": ...} from the UI page: a short-lived session token, sent
 *                           back as "Authorization: Bearer ..." (no cookies: the UI lives in HubSpot's
 *                           iframe, and a header needs no CSRF token)
 *   GET    /api/v1/me       who the session is: portal, user, role
 *   DELETE /api/v1/portal   {"confirmPortalId": N}, portal admins only: the app's uninstall. The grant
 *                           is revoked at HubSpot, then every row of the portal is deleted; when
 *                           HubSpot cannot be reached nothing is deleted.
 *
 * Codes and tokens are random, shown once, and stored as SHA-256 hashes. A signed request is accepted
 * once, within five minutes of its timestamp. Every error is {"error":{"code","message"}} and changes
 * nothing.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include "gateway/gateway.h"
#include "gateway/api.h"

#define API_BODY_MAX (64 * 1024)
#define SIGNATURE_WINDOW_MS (5 * 60 * 1000)
#define LAUNCH_TTL_S 60
#define SECRET_BYTES 32
#define SESSION_PREFIX "hsods_"
#define TOKEN_TEXT_MAX 128

/* ---- answers ---- */

/* Sends `doc` (stolen) as the JSON answer. */
void gw_api_send_json(h2o_req_t *req, int status, json_t *doc)
{
    char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL) {
        status = 500;
        text = strdup("{\"error\":{\"code\":\"InternalError\",\"message\":\"out of memory\"}}");
        if (text == NULL)
            return;
    }
    h2o_iovec_t body = h2o_strdup(&req->pool, text, strlen(text));
    OPENSSL_cleanse(text, strlen(text)); /* it may hold a token shown once */
    free(text);
    req->res.status = status;
    req->res.reason = gw_reason_of(status);
    gw_add_header(req, H2O_TOKEN_CONTENT_TYPE, "application/json; charset=utf-8");
    gw_add_header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL, H2O_STRLIT("nosniff"));
    h2o_send_inline(req, body.base, body.len);
}

void gw_api_send_err(h2o_req_t *req, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (status == 401)
        gw_add_header(req, H2O_TOKEN_WWW_AUTHENTICATE, "Bearer realm=\"HubSpot OData admin\"");
    gw_api_send_json(req, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

void gw_api_send_db_error(h2o_req_t *req, const char *what, const char *err)
{
    gw_log(GW_LOG_ERROR, "api", "%s: %s", what, err != NULL ? err : "unexpected answer");
    gw_api_send_err(req, 503, "ServiceUnavailable", "the gateway's database is unavailable; try again shortly");
}

/* ---- helpers ---- */

static const h2o_iovec_t *find_header(h2o_req_t *req, const char *name, size_t len)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, len, -1);
    return i >= 0 ? &req->headers.entries[i].value : NULL;
}

/* A random secret as base64url text (with `prefix`), in the pool; its SHA-256 in `hash`. NULL on failure. */
static char *new_secret(h2o_req_t *req, const char *prefix, unsigned char hash[SHA256_DIGEST_LENGTH])
{
    unsigned char raw[SECRET_BYTES];
    size_t plen = strlen(prefix);
    char *out;

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return NULL;
    out = h2o_mem_alloc_pool(&req->pool, plen + h2o_base64_encode_capacity(sizeof(raw)));
    memcpy(out, prefix, plen);
    h2o_base64_encode(out + plen, raw, sizeof(raw), 1);
    OPENSSL_cleanse(raw, sizeof(raw));
    SHA256((const unsigned char *)out, strlen(out), hash);
    return out;
}

/* "\x<hex>": a bytea parameter in text form, in the pool. */
const char *gw_api_bytea_param(h2o_req_t *req, const unsigned char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *out = h2o_mem_alloc_pool(&req->pool, 2 * n + 3), *o = out;
    *o++ = '\\';
    *o++ = 'x';
    for (size_t i = 0; i != n; ++i) {
        *o++ = hex[p[i] >> 4];
        *o++ = hex[p[i] & 15];
    }
    *o = '\0';
    return out;
}

const char *gw_api_int_param(h2o_req_t *req, int64_t v)
{
    char *out = h2o_mem_alloc_pool(&req->pool, 24);
    snprintf(out, 24, "%" PRId64, v);
    return out;
}

/* A positive decimal id of at most 18 digits; -1 otherwise. */
int64_t gw_api_parse_id(const char *s, size_t n)
{
    int64_t v = 0;
    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i != n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v > 0 ? v : -1;
}

/* The value of query parameter `name` (raw, not decoded), or NULL. */
static const char *query_param(h2o_req_t *req, const char *name, size_t *len)
{
    size_t nlen = strlen(name);
    if (req->query_at == SIZE_MAX)
        return NULL;
    const char *p = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    while (p < end) {
        const char *amp = memchr(p, '&', end - p), *e = amp != NULL ? amp : end;
        if ((size_t)(e - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
            *len = e - p - nlen - 1;
            return p + nlen + 1;
        }
        p = e + 1;
    }
    return NULL;
}

/*
 * The request body as a JSON object with exactly the members `names` (NULL-terminated), or NULL after
 * answering 400/413/415.
 */
json_t *gw_api_json_body(h2o_req_t *req, const char *const *names)
{
    const h2o_iovec_t *ct = find_header(req, H2O_STRLIT("content-type"));
    json_error_t jerr;
    json_t *doc;
    const char *key;
    json_t *v;

    if (req->entity.len > API_BODY_MAX) {
        gw_api_send_err(req, 413, "PayloadTooLarge", "the request body is larger than %d bytes", API_BODY_MAX);
        return NULL;
    }
    if (ct == NULL || ct->len < 16 || strncasecmp(ct->base, "application/json", 16) != 0 ||
        (ct->len > 16 && ct->base[16] != ';' && ct->base[16] != ' ')) {
        gw_api_send_err(req, 415, "UnsupportedMediaType", "the request body must be JSON (Content-Type: application/json)");
        return NULL;
    }
    if ((doc = json_loadb(req->entity.base, req->entity.len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        gw_api_send_err(req, 400, "InvalidJson", "the request body is not valid JSON: %s", jerr.text);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        gw_api_send_err(req, 400, "InvalidRequest", "the request body must be a JSON object");
        return NULL;
    }
    json_object_foreach(doc, key, v)
    {
        const char *const *n;
        for (n = names; *n != NULL && strcmp(*n, key) != 0; ++n)
            ;
        if (*n == NULL) {
            gw_api_send_err(req, 400, "UnknownMember", "the request body has an unknown member \"%.100s\"", key);
            json_decref(doc);
            return NULL;
        }
    }
    return doc;
}

/* ---- the signature of HubSpot's requests (v3) ---- */

/* The URI as HubSpot signs it: the characters it leaves percent-encoded decoded, in the pool. */
static h2o_iovec_t signed_uri(h2o_req_t *req)
{
    static const char decoded[] = ":/?@!$'()*,;";
    const char *base = gw_public_base(req);
    size_t blen = strlen(base);
    h2o_iovec_t uri;
    char *o;

    uri.base = o = h2o_mem_alloc_pool(&req->pool, blen + req->path.len + 1);
    memcpy(o, base, blen);
    o += blen;
    for (size_t i = 0; i < req->path.len; ++i) {
        const char *p = req->path.base + i;
        if (*p == '%' && i + 2 < req->path.len) {
            char hex[3] = {p[1], p[2], '\0'}, *end;
            long c = strtol(hex, &end, 16);
            if (*end == '\0' && c > 0 && strchr(decoded, (int)c) != NULL) {
                *o++ = (char)c;
                i += 2;
                continue;
            }
        }
        *o++ = *p;
    }
    uri.len = o - uri.base;
    return uri;
}

/*
 * Checks X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp. Returns 0 and the signature's SHA-256
 * (for the replay check), or answers 401 and returns -1.
 */
static int check_signature(h2o_req_t *req, unsigned char sig_hash[SHA256_DIGEST_LENGTH])
{
    const h2o_iovec_t *sig = find_header(req, H2O_STRLIT("x-hubspot-signature-v3")),
                      *ts = find_header(req, H2O_STRLIT("x-hubspot-request-timestamp"));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char want[64];
    struct timespec now;
    int64_t t = 0, now_ms;
    h2o_iovec_t uri;

    if (gw.config.client_secret == NULL || gw.config.client_secret[0] == '\0') {
        gw_api_send_err(req, 503, "AppNotConfigured", "the gateway has no HubSpot app secret to check HubSpot's signature with");
        return -1;
    }
    if (sig == NULL || ts == NULL) {
        gw_api_send_err(req, 401, "SignatureRequired", "this call must come from HubSpot, signed (X-HubSpot-Signature-v3)");
        return -1;
    }
    for (size_t i = 0; i < ts->len && i < 16; ++i) {
        if (ts->base[i] < '0' || ts->base[i] > '9') {
            t = -1;
            break;
        }
        t = t * 10 + (ts->base[i] - '0');
    }
    clock_gettime(CLOCK_REALTIME, &now);
    now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    if (ts->len == 0 || ts->len > 16 || t <= 0 || now_ms - t > SIGNATURE_WINDOW_MS || t - now_ms > SIGNATURE_WINDOW_MS) {
        gw_api_send_err(req, 401, "SignatureExpired",
                        "the request's timestamp is missing or more than five minutes away from the gateway's clock");
        return -1;
    }
    uri = signed_uri(req);
    /* what HubSpot signs: method, URI, body and timestamp, one after the other */
    size_t n = req->method.len + uri.len + req->entity.len + ts->len;
    char *msg = h2o_mem_alloc_pool(&req->pool, n + 1), *o = msg;
    memcpy(o, req->method.base, req->method.len), o += req->method.len;
    memcpy(o, uri.base, uri.len), o += uri.len;
    if (req->entity.len != 0)
        memcpy(o, req->entity.base, req->entity.len), o += req->entity.len;
    memcpy(o, ts->base, ts->len);
    if (HMAC(EVP_sha256(), gw.config.client_secret, (int)strlen(gw.config.client_secret), (const unsigned char *)msg, n, mac,
             &maclen) == NULL) {
        gw_api_send_err(req, 500, "InternalError", "the signature could not be computed");
        return -1;
    }
    h2o_base64_encode(want, mac, maclen, 0);
    if (sig->len != strlen(want) || CRYPTO_memcmp(sig->base, want, sig->len) != 0) {
        gw_log(GW_LOG_WARN, "api", "a request to %.*s had a wrong HubSpot signature", (int)req->path_normalized.len,
               req->path_normalized.base);
        gw_api_send_err(req, 401, "SignatureInvalid", "HubSpot's signature of this request does not match");
        return -1;
    }
    SHA256((const unsigned char *)sig->base, sig->len, sig_hash);
    return 0;
}

/* ---- POST /api/v1/launch ---- */

/* one statement: the replay check, the portal, the launch code; expired codes and signatures go */
static const char launch_sql[] =
    "WITH gc AS (DELETE FROM signed_requests WHERE expires_at < now()), "
    "gc2 AS (DELETE FROM launch_codes WHERE expires_at < now() - interval '1 hour'), "
    "seen AS (INSERT INTO signed_requests (signature_hash, expires_at) VALUES ($1::bytea, now() + interval '11 minutes') "
    "ON CONFLICT DO NOTHING RETURNING 1), "
    "code AS (INSERT INTO launch_codes (portal_id, code_hash, user_id, expires_at) "
    "SELECT id, $2::bytea, $3::bigint, now() + make_interval(secs => $5::int) FROM portals "
    "WHERE id = $4::bigint AND EXISTS (SELECT 1 FROM seen) RETURNING 1) "
    "SELECT EXISTS (SELECT 1 FROM seen), EXISTS (SELECT 1 FROM portals WHERE id = $4::bigint), EXISTS (SELECT 1 FROM code)";

static void on_launch(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    h2o_req_t *req = r->req;

    if (res == NULL || PQntuples(res) != 1) {
        gw_api_send_db_error(req, "a launch could not be stored", err);
        return;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        gw_log(GW_LOG_WARN, "api", "portal=%" PRId64 " user=%" PRId64 " a signed launch request was replayed", r->portal_id,
               r->user_id);
        gw_api_send_err(req, 401, "SignatureReplayed", "this signed request was already used");
        return;
    }
    if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
        const char *base = gw_public_base(req);
        gw_api_send_err(req, 404, "PortalNotInstalled",
                        "the app is not installed in HubSpot portal %" PRId64 ": a portal admin installs it at %s/oauth/install",
                        r->portal_id, base);
        return;
    }
    if (strcmp(PQgetvalue(res, 0, 2), "t") != 0) {
        gw_api_send_db_error(req, "a launch code was not stored", NULL);
        return;
    }
    const char *base = gw_public_base(req);
    gw_log(GW_LOG_INFO, "api", "portal=%" PRId64 " user=%" PRId64 " launch", r->portal_id, r->user_id);
    size_t n = strlen(base) + strlen(r->secret) + 32;
    char *url = h2o_mem_alloc_pool(&req->pool, n);
    snprintf(url, n, "%s/app/#launch=%s", base, r->secret);
    gw_api_send_json(req, 200, json_pack("{s:s,s:i}", "launchUrl", url, "expiresIn", LAUNCH_TTL_S));
}

static int on_launch_req(h2o_req_t *req, api_req_t *r)
{
    unsigned char sig_hash[SHA256_DIGEST_LENGTH], code_hash[SHA256_DIGEST_LENGTH];
    const char *v;
    size_t n;

    if (req->entity.len > API_BODY_MAX) {
        gw_api_send_err(req, 413, "PayloadTooLarge", "the request body is larger than %d bytes", API_BODY_MAX);
        return 0;
    }
    if (check_signature(req, sig_hash) != 0)
        return 0;
    if ((v = query_param(req, "portalId", &n)) == NULL || (r->portal_id = gw_api_parse_id(v, n)) < 0 ||
        (v = query_param(req, "userId", &n)) == NULL || (r->user_id = gw_api_parse_id(v, n)) < 0) {
        gw_api_send_err(req, 400, "InvalidRequest", "the query must name the HubSpot portal and user (portalId, userId)");
        return 0;
    }
    if ((r->secret = new_secret(req, "", code_hash)) == NULL) {
        gw_api_send_err(req, 500, "InternalError", "no random numbers");
        return 0;
    }
    const char *params[5] = {gw_api_bytea_param(req, sig_hash, sizeof(sig_hash)),
                             gw_api_bytea_param(req, code_hash, sizeof(code_hash)), gw_api_int_param(req, r->user_id),
                             gw_api_int_param(req, r->portal_id), gw_api_int_param(req, LAUNCH_TTL_S)};
    if (store_pg_query(gw.db, launch_sql, 5, params, 0, on_launch, r) != 0)
        gw_api_send_err(req, 500, "InternalError", "out of memory");
    return 0;
}

/* ---- POST /api/v1/session ---- */

/* portal, user, whether an admin and the teams (text "1,2"), from the first row of `res` */
static void read_identity(api_req_t *r, PGresult *res)
{
    r->portal_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    r->user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    r->admin = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    r->teams = h2o_strdup(&r->req->pool, PQgetvalue(res, 0, 3), SIZE_MAX).base;
}

/* The identity as a JSON object: portalId, userId, role, teamIds. */
static json_t *identity_json(api_req_t *r)
{
    json_t *teams = json_array();
    for (const char *p = r->teams; p != NULL && *p != '\0';) {
        json_array_append_new(teams, json_integer(strtoll(p, NULL, 10)));
        p = strchr(p, ',');
        p = p != NULL ? p + 1 : NULL;
    }
    return json_pack("{s:I,s:I,s:s,s:o}", "portalId", (json_int_t)r->portal_id, "userId", (json_int_t)r->user_id, "role",
                     r->admin ? "admin" : "member", "teamIds", teams);
}

static const char session_sql[] =
    "WITH s AS (INSERT INTO sessions (portal_id, token_hash, user_id, expires_at, hubspot_super_admin, team_ids) "
    "VALUES ($1::bigint, $2::bytea, $3::bigint, now() + make_interval(secs => $4::int), $5::boolean, $6::bigint[]) "
    "RETURNING portal_id, user_id, hubspot_super_admin, team_ids), "
    "u AS (INSERT INTO portal_users (portal_id, user_id, hubspot_super_admin, team_ids) "
    "SELECT portal_id, user_id, hubspot_super_admin, team_ids FROM s ON CONFLICT (portal_id, user_id) DO UPDATE "
    "SET hubspot_super_admin = EXCLUDED.hubspot_super_admin, team_ids = EXCLUDED.team_ids, seen_at = now()) "
    "SELECT s.portal_id, s.user_id, s.hubspot_super_admin OR EXISTS (SELECT 1 FROM portal_admins a "
    "WHERE a.portal_id = s.portal_id AND a.user_id = s.user_id), array_to_string(s.team_ids, ',') FROM s";

static void on_session(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    json_t *doc;

    if (res == NULL || PQntuples(res) != 1) {
        gw_api_send_db_error(r->req, "a session could not be stored", err);
        return;
    }
    read_identity(r, res);
    gw_log(GW_LOG_INFO, "api", "portal=%" PRId64 " user=%" PRId64 " session started (%s)", r->portal_id, r->user_id,
           r->admin ? "admin" : "member");
    doc = identity_json(r);
    json_object_set_new(doc, "token", json_string(r->secret));
    json_object_set_new(doc, "tokenType", json_string("Bearer"));
    json_object_set_new(doc, "expiresIn", json_integer(gw.config.session_ttl));
    gw_api_send_json(r->req, 200, doc);
}

/* HubSpot's team id: a string of digits (as HubSpot sends ids) or a number; -1 otherwise */
static int64_t team_id_of(json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? json_integer_value(v) : -1;
    return json_is_string(v) ? gw_api_parse_id(json_string_value(v), json_string_length(v)) : -1;
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Answers a failed question to HubSpot's users API. */
static void user_failed(api_req_t *r, hs_call_t *call)
{
    h2o_req_t *req = r->req;
    long status = hs_call_status(call);
    hs_err_t e = hs_call_error(call);
    const char *base = gw_public_base(req);

    if (e == HS_ERR_GRANT || (e == HS_ERR_STATUS && (status == 401 || status == 403)))
        gw_api_send_err(
            req, 503, "PortalNeedsReauthorization",
            "HubSpot did not let the app read who its users are (%s): a portal admin re-installs the app at %s/oauth/install",
            hs_call_message(call), base);
    else if (e == HS_ERR_STATUS && status == 404)
        gw_api_send_err(req, 403, "UnknownUser", "HubSpot does not know user %" PRId64 " in portal %" PRId64, r->user_id,
                        r->portal_id);
    else
        gw_api_send_err(req, e == HS_ERR_NETWORK ? 504 : 502, "HubSpotError",
                        "HubSpot could not say who you are (%s): open the app again from HubSpot", hs_call_message(call));
}

int gw_hs_user_parse(const odata_buf_t *body, int64_t user_id, int *super_admin, char *teams_text, size_t cap)
{
    json_t *doc = json_loadb(body->base, body->len, 0, NULL), *v;
    int64_t teams[GW_USER_TEAMS_MAX];
    size_t nteams = 0, i, len = 1;

    v = json_object_get(doc, "id");
    if (!json_is_object(doc) || team_id_of(v) != user_id || cap < GW_USER_TEAMS_TEXT) {
        json_decref(doc);
        return -1;
    }
    *super_admin = json_is_true(json_object_get(doc, "superAdmin"));
    if ((teams[nteams] = team_id_of(json_object_get(doc, "primaryTeamId"))) > 0)
        ++nteams;
    json_array_foreach(json_object_get(doc, "secondaryTeamIds"), i, v)
    {
        if (nteams == GW_USER_TEAMS_MAX)
            break;
        if ((teams[nteams] = team_id_of(v)) > 0)
            ++nteams;
    }
    json_decref(doc);
    qsort(teams, nteams, sizeof(teams[0]), cmp_int64);
    /* a PostgreSQL array literal, each team once */
    teams_text[0] = '{';
    for (i = 0; i != nteams; ++i)
        if (i == 0 || teams[i] != teams[i - 1])
            len += (size_t)snprintf(teams_text + len, cap - len, "%s%" PRId64, len == 1 ? "" : ",", teams[i]);
    snprintf(teams_text + len, cap - len, "}");
    return 0;
}

/* HubSpot's answer about the user: a super admin or not, and the teams; then the session is stored. */
static void on_user(hs_call_t *call, void *data)
{
    api_req_t *r = data;
    h2o_req_t *req = r->req;
    char *teams_text;
    int super_admin;

    r->call = NULL;
    if (hs_call_error(call) != HS_OK) {
        user_failed(r, call);
        hs_call_destroy(call);
        return;
    }
    teams_text = h2o_mem_alloc_pool(&req->pool, GW_USER_TEAMS_TEXT);
    if (gw_hs_user_parse(hs_call_body(call), r->user_id, &super_admin, teams_text, GW_USER_TEAMS_TEXT) != 0) {
        hs_call_destroy(call);
        gw_api_send_err(req, 502, "HubSpotInvalidAnswer", "HubSpot's users API answered about someone else, or unreadably");
        return;
    }
    hs_call_destroy(call);
    const char *params[6] = {gw_api_int_param(req, r->portal_id), gw_api_bytea_param(req, r->token_hash, sizeof(r->token_hash)),
                             gw_api_int_param(req, r->user_id),   gw_api_int_param(req, gw.config.session_ttl),
                             super_admin ? "true" : "false",      teams_text};
    if (store_pg_query(gw.db, session_sql, 6, params, 0, on_session, r) != 0)
        gw_api_send_err(req, 500, "InternalError", "out of memory");
}

/* the code is spent whatever happens next; an expired one is refused */
static const char launch_use_sql[] =
    "WITH used AS (DELETE FROM launch_codes WHERE code_hash = $1::bytea RETURNING portal_id, user_id, expires_at > now() AS live) "
    "SELECT u.portal_id, u.user_id, p.refresh_token_enc, p.needs_reauth FROM used u JOIN portals p ON p.id = u.portal_id "
    "WHERE u.live";

static void on_launch_used(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    h2o_req_t *req = r->req;
    char *rt;
    uint32_t key_id;
    store_err_t se;
    char path[64];

    if (res == NULL) {
        gw_api_send_db_error(req, "a launch code could not be read", err);
        return;
    }
    if (PQntuples(res) != 1) {
        gw_api_send_err(req, 401, "LaunchCodeInvalid",
                        "this launch link is not valid: it was used already or is more than a minute old; open the app again from "
                        "HubSpot");
        return;
    }
    r->portal_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    r->user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    rt = gw_grant_open(r->portal_id, PQgetvalue(res, 0, 2), &se, &key_id);
    if (se == STORE_ERR_NOMEM) {
        gw_api_send_err(req, 500, "InternalError", "out of memory");
        return;
    }
    if (rt == NULL || strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
        gw_grant_free(rt);
        gw_api_send_err(req, 503, "PortalNeedsReauthorization",
                        "the portal's HubSpot authorisation cannot be used: a portal admin re-installs the app at %s/oauth/install",
                        gw_public_base(req));
        return;
    }
    /* who the user is comes from HubSpot */
    snprintf(path, sizeof(path), "/settings/v3/users/%" PRId64, r->user_id);
    r->call = hs_call_start(gw.hubspot, r->portal_id, rt, "GET", path, NULL, on_user, r);
    gw_grant_free(rt);
    if (r->call == NULL)
        gw_api_send_err(req, 500, "InternalError", "out of memory");
}

static int on_session_req(h2o_req_t *req, api_req_t *r)
{
    static const char *const names[] = {"launchCode", NULL};
    unsigned char code_hash[SHA256_DIGEST_LENGTH];
    json_t *doc = gw_api_json_body(req, names);
    const char *code;

    if (doc == NULL)
        return 0;
    code = json_string_value(json_object_get(doc, "launchCode"));
    if (code == NULL || strlen(code) == 0 || strlen(code) > TOKEN_TEXT_MAX) {
        json_decref(doc);
        gw_api_send_err(req, 400, "InvalidRequest", "launchCode must be the code of a launch link");
        return 0;
    }
    SHA256((const unsigned char *)code, strlen(code), code_hash);
    json_decref(doc);
    if ((r->secret = new_secret(req, SESSION_PREFIX, r->token_hash)) == NULL) {
        gw_api_send_err(req, 500, "InternalError", "no random numbers");
        return 0;
    }
    const char *params[1] = {gw_api_bytea_param(req, code_hash, sizeof(code_hash))};
    if (store_pg_query(gw.db, launch_use_sql, 1, params, 0, on_launch_used, r) != 0)
        gw_api_send_err(req, 500, "InternalError", "out of memory");
    return 0;
}

/* ---- sessions ---- */

/*
 * The session, and who its user is: what HubSpot said last (at the session's start, or later to a session or a
 * feed), and whether that is older than SESSION_RECHECK seconds, with the portal's grant to ask again.
 */
#define SESSION_RECHECK 300
static const char whoami_sql[] =
    "SELECT s.portal_id, s.user_id, coalesce(u.hubspot_super_admin, s.hubspot_super_admin) OR EXISTS (SELECT 1 FROM portal_admins "
    "a "
    "WHERE a.portal_id = s.portal_id AND a.user_id = s.user_id), array_to_string(coalesce(u.team_ids, s.team_ids), ','), "
    "coalesce(u.seen_at < now() - make_interval(secs => " H2O_TO_STR(
        SESSION_RECHECK) "), true), p.refresh_token_enc, "
                         "p.needs_reauth, EXISTS (SELECT 1 FROM portal_admins a WHERE a.portal_id = s.portal_id AND a.user_id = "
                         "s.user_id) "
                         "FROM sessions s JOIN portals p ON p.id = s.portal_id "
                         "LEFT JOIN portal_users u ON u.portal_id = s.portal_id AND u.user_id = s.user_id "
                         "WHERE s.token_hash = $1::bytea AND s.expires_at > now()";

static const char user_upsert_sql[] = GW_PORTAL_USER_UPSERT_SQL;

static void on_user_recorded(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    if (res == NULL)
        gw_log(GW_LOG_WARN, "api", "could not record who user %" PRId64 " is: %s", r->user_id, err);
    r->then(r);
}

static void on_session_ended(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    if (res == NULL)
        gw_log(GW_LOG_WARN, "api", "could not end the sessions of a removed user: %s", err);
    gw_api_send_err(r->req, 401, "SessionInvalid", "HubSpot no longer has you as a user of this portal: the session has ended");
}

/*
 * HubSpot's answer about the session's user: a user it no longer has in the portal loses every session; a known
 * one's role and teams are recorded and used from this request on. When HubSpot cannot say, the request goes on
 * with what was known.
 */
static void on_recheck(hs_call_t *call, void *data)
{
    api_req_t *r = data;
    h2o_req_t *req = r->req;
    char *teams_text;
    int super_admin;

    r->call = NULL;
    if (hs_call_error(call) == HS_ERR_STATUS && hs_call_status(call) == 404) {
        const char *params[2] = {gw_api_int_param(req, r->portal_id), gw_api_int_param(req, r->user_id)};
        hs_call_destroy(call);
        gw_log(GW_LOG_WARN, "api", "portal=%" PRId64 " user=%" PRId64 " is no longer a HubSpot user of the portal: sessions ended",
               r->portal_id, r->user_id);
        if (store_pg_query(gw.db, "DELETE FROM sessions WHERE portal_id = $1::bigint AND user_id = $2::bigint", 2, params, 0,
                           on_session_ended, r) != 0)
            gw_api_send_err(req, 500, "InternalError", "out of memory");
        return;
    }
    teams_text = h2o_mem_alloc_pool(&req->pool, GW_USER_TEAMS_TEXT);
    if (hs_call_error(call) != HS_OK ||
        gw_hs_user_parse(hs_call_body(call), r->user_id, &super_admin, teams_text, GW_USER_TEAMS_TEXT) != 0) {
        gw_log(GW_LOG_WARN, "api",
               "portal=%" PRId64 " could not ask HubSpot about user %" PRId64 " (%s): going on with what is known", r->portal_id,
               r->user_id, hs_call_error(call) != HS_OK ? hs_call_message(call) : "an unreadable answer");
        hs_call_destroy(call);
        r->then(r);
        return;
    }
    hs_call_destroy(call);
    /* the teams as the rest of the API reads them: "1,2" */
    {
        size_t n = strlen(teams_text);
        r->teams = h2o_strdup(&req->pool, teams_text + 1, n >= 2 ? n - 2 : 0).base;
    }
    r->admin = super_admin || r->named_admin;
    {
        const char *params[4] = {gw_api_int_param(req, r->portal_id), gw_api_int_param(req, r->user_id),
                                 super_admin ? "true" : "false", teams_text};
        if (store_pg_query(gw.db, user_upsert_sql, 4, params, 0, on_user_recorded, r) != 0)
            gw_api_send_err(req, 500, "InternalError", "out of memory");
    }
}

static void on_whoami(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    char path[64];

    if (res == NULL) {
        gw_api_send_db_error(r->req, "a session could not be read", err);
        return;
    }
    if (PQntuples(res) != 1) {
        gw_api_send_err(r->req, 401, "SessionInvalid", "the session has ended or is not valid: open the app again from HubSpot");
        return;
    }
    read_identity(r, res);
    r->named_admin = strcmp(PQgetvalue(res, 0, 7), "t") == 0;
    /* who the user is may have changed in HubSpot since it was last asked: ask again (a grant that cannot be used
     * does not stop the session, so that an admin can still uninstall) */
    if (strcmp(PQgetvalue(res, 0, 4), "t") == 0 && strcmp(PQgetvalue(res, 0, 6), "f") == 0) {
        store_err_t se;
        uint32_t key_id;
        if ((r->grant = gw_grant_open(r->portal_id, PQgetvalue(res, 0, 5), &se, &key_id)) != NULL) {
            r->grant_enc = h2o_strdup(&r->req->pool, PQgetvalue(res, 0, 5), SIZE_MAX).base;
            snprintf(path, sizeof(path), "/settings/v3/users/%" PRId64, r->user_id);
            if ((r->call = hs_call_start(gw.hubspot, r->portal_id, r->grant, "GET", path, NULL, on_recheck, r)) != NULL)
                return;
        }
    }
    r->then(r);
}

/* Reads the session of "Authorization: Bearer <token>", then runs `then`; or answers 401. */
static int with_session(h2o_req_t *req, api_req_t *r, void (*then)(api_req_t *r))
{
    const h2o_iovec_t *auth = find_header(req, H2O_STRLIT("authorization"));
    size_t plen = sizeof(SESSION_PREFIX) - 1;
    unsigned char hash[SHA256_DIGEST_LENGTH];

    if (auth == NULL || auth->len < 7 || strncasecmp(auth->base, "Bearer ", 7) != 0) {
        gw_api_send_err(req, 401, "SessionRequired", "a session token is required (Authorization: Bearer ...)");
        return 0;
    }
    const char *tok = auth->base + 7;
    size_t n = auth->len - 7;
    while (n > 0 && *tok == ' ')
        ++tok, --n;
    if (n <= plen || n > TOKEN_TEXT_MAX || memcmp(tok, SESSION_PREFIX, plen) != 0) {
        gw_api_send_err(req, 401, "SessionInvalid", "the session has ended or is not valid: open the app again from HubSpot");
        return 0;
    }
    SHA256((const unsigned char *)tok, n, hash);
    r->then = then;
    const char *params[1] = {gw_api_bytea_param(req, hash, sizeof(hash))};
    if (store_pg_query(gw.db, whoami_sql, 1, params, 0, on_whoami, r) != 0)
        gw_api_send_err(req, 500, "InternalError", "out of memory");
    return 0;
}

static void me(api_req_t *r)
{
    gw_api_send_json(r->req, 200, identity_json(r));
}

/* ---- DELETE /api/v1/portal: the uninstall ---- */

static void on_removed(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    json_t *removed;
    int i;

    if (res == NULL) {
        gw_api_send_db_error(r->req, "a portal could not be removed", err);
        return;
    }
    if (PQntuples(res) == 0) {
        gw_api_send_err(r->req, 404, "PortalNotInstalled", "the portal was removed already");
        return;
    }
    removed = json_object();
    for (i = 0; i != PQntuples(res); ++i)
        json_object_set_new(removed, PQgetvalue(res, i, 0), json_integer(strtoll(PQgetvalue(res, i, 1), NULL, 10)));
    gw_log(GW_LOG_WARN, "api", "portal=%" PRId64 " uninstalled by user=%" PRId64 " (grant %s at HubSpot)", r->portal_id, r->user_id,
           r->revoked ? "revoked" : "not revoked: it could not be opened");
    gw_api_send_json(
        r->req, 200,
        json_pack("{s:I,s:b,s:o}", "portalId", (json_int_t)r->portal_id, "revokedAtHubSpot", r->revoked, "removed", removed));
}

static void remove_rows(api_req_t *r)
{
    const char *params[2] = {gw_api_int_param(r->req, r->portal_id), gw_api_int_param(r->req, r->user_id)};
    if (store_pg_query(gw.db, "SELECT table_name, removed FROM portal_remove($1::bigint, $2::bigint)", 2, params, 0, on_removed,
                       r) != 0)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

static void on_revoked(hs_oauth_revoke_t *x, void *data)
{
    api_req_t *r = data;
    hs_err_t e = hs_oauth_revoke_error(x);

    if (e != HS_OK) {
        gw_log(GW_LOG_WARN, "api", "portal=%" PRId64 " uninstall stopped: the grant could not be revoked at HubSpot: %s",
               r->portal_id, hs_oauth_revoke_message(x));
        gw_api_send_err(r->req, e == HS_ERR_NETWORK ? 504 : 502, "HubSpotError", "%s; nothing was removed: try again",
                        hs_oauth_revoke_message(x));
    } else {
        r->revoked = 1;
        remove_rows(r);
    }
    hs_oauth_revoke_destroy(x);
    r->revoke = NULL;
}

static void on_grant(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    char *rt;
    uint32_t key_id;
    store_err_t se;

    if (res == NULL) {
        gw_api_send_db_error(r->req, "a portal's grant could not be read", err);
        return;
    }
    if (PQntuples(res) != 1) {
        gw_api_send_err(r->req, 404, "PortalNotInstalled", "the portal was removed already");
        return;
    }
    rt = gw_grant_open(r->portal_id, PQgetvalue(res, 0, 0), &se, &key_id);
    if (se == STORE_ERR_NOMEM) {
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
        return;
    }
    if (se == STORE_ERR_NOKEY) {
        /* another gateway may hold the key and the grant may be live at HubSpot: it must be revoked first */
        gw_api_send_err(r->req, 503, "MasterKeyMissing",
                        "the portal's grant is sealed with master key %" PRIu32
                        ", which this gateway does not have, so it cannot be revoked at HubSpot; nothing was removed",
                        key_id);
        return;
    }
    if (rt == NULL) {
        /* a grant its own key does not open cannot be used by anyone: there is nothing to revoke */
        remove_rows(r);
        return;
    }
    hs_oauth_config_t cfg = {.base_url = gw.config.hubspot_base_url};
    r->revoke = hs_oauth_revoke_start(gw.hsloop, &cfg, rt, on_revoked, r);
    gw_grant_free(rt);
    if (r->revoke == NULL)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

static void uninstall(api_req_t *r)
{
    h2o_req_t *req = r->req;
    json_t *confirm = json_object_get(r->body, "confirmPortalId");
    json_int_t want = json_is_integer(confirm) ? json_integer_value(confirm) : -1;

    if (!r->admin) {
        gw_api_send_err(req, 403, "Forbidden", "only an admin of this portal in the gateway can uninstall the app");
        return;
    }
    if (want != r->portal_id) {
        gw_api_send_err(req, 400, "ConfirmationRequired",
                        "to uninstall, confirmPortalId must be this portal's hub id (%" PRId64 "): every data source, share and "
                        "access token of the portal is deleted",
                        r->portal_id);
        return;
    }
    const char *params[1] = {gw_api_int_param(req, r->portal_id)};
    if (store_pg_query(gw.db, "SELECT refresh_token_enc FROM portals WHERE id = $1::bigint", 1, params, 0, on_grant, r) != 0)
        gw_api_send_err(req, 500, "InternalError", "out of memory");
}

/* ---- routes ---- */

static void api_req_dispose(void *p)
{
    api_req_t *r = p;
    hs_oauth_revoke_destroy(r->revoke);
    r->revoke = NULL;
    hs_call_destroy(r->call);
    r->call = NULL;
    json_decref(r->body);
    r->body = NULL;
    gw_props_load_dispose(&r->props);
    gw_grant_free(r->grant);
    r->grant = NULL;
    json_decref(r->users);
    json_decref(r->teams_doc);
    json_decref(r->definition);
    r->users = r->teams_doc = r->definition = NULL;
    free(r->ds_text);
    r->ds_text = NULL;
}

int gw_api_method_is(h2o_req_t *req, const char *m)
{
    return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

int gw_api_not_allowed(h2o_req_t *req, const char *allow)
{
    gw_add_header(req, H2O_TOKEN_ALLOW, allow);
    gw_api_send_err(req, 405, "MethodNotAllowed", "this address takes %s", allow);
    return 0;
}

static int path_has_prefix(h2o_iovec_t path, const char *prefix)
{
    size_t n = strlen(prefix);
    return path.len > n && memcmp(path.base, prefix, n) == 0;
}

/* /api/v1/datasources/{id}[/shares|/owner] */
static int on_datasource_req(h2o_req_t *req, api_req_t *r, h2o_iovec_t path)
{
    size_t plen = sizeof("/api/v1/datasources/") - 1;
    const char *id = path.base + plen, *slash = memchr(id, '/', path.len - plen);
    size_t idlen = slash != NULL ? (size_t)(slash - id) : path.len - plen;
    h2o_iovec_t rest = h2o_iovec_init(id + idlen, path.len - plen - idlen);

    if ((r->target_id = gw_api_parse_id(id, idlen)) < 0) {
        gw_api_send_err(req, 404, "NotFound", "no such data source");
        return 0;
    }
    if (rest.len == 0) {
        static const char *const names[] = {"name", "objects", NULL};
        if (gw_api_method_is(req, "GET"))
            return with_session(req, r, gw_api_datasource_get);
        if (gw_api_method_is(req, "DELETE"))
            return with_session(req, r, gw_api_datasource_delete);
        if (!gw_api_method_is(req, "PATCH"))
            return gw_api_not_allowed(req, "GET, PATCH, DELETE");
        if ((r->body = gw_api_json_body(req, names)) == NULL)
            return 0;
        return with_session(req, r, gw_api_datasource_update);
    }
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/shares"))) {
        static const char *const names[] = {"shares", NULL};
        if (!gw_api_method_is(req, "PUT"))
            return gw_api_not_allowed(req, "PUT");
        if ((r->body = gw_api_json_body(req, names)) == NULL)
            return 0;
        return with_session(req, r, gw_api_datasource_share);
    }
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/owner"))) {
        static const char *const names[] = {"userId", NULL};
        if (!gw_api_method_is(req, "PUT"))
            return gw_api_not_allowed(req, "PUT");
        if ((r->body = gw_api_json_body(req, names)) == NULL)
            return 0;
        return with_session(req, r, gw_api_datasource_transfer);
    }
    gw_api_send_err(req, 404, "NotFound", "no such API address");
    return 0;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    h2o_iovec_t path = req->path_normalized;
    api_req_t *r = h2o_mem_alloc_shared(&req->pool, sizeof(*r), api_req_dispose);

    memset(r, 0, sizeof(*r));
    r->req = req;
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/launch")))
        return gw_api_method_is(req, "POST") ? on_launch_req(req, r) : gw_api_not_allowed(req, "POST");
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/session")))
        return gw_api_method_is(req, "POST") ? on_session_req(req, r) : gw_api_not_allowed(req, "POST");
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/me")))
        return gw_api_method_is(req, "GET") ? with_session(req, r, me) : gw_api_not_allowed(req, "GET");
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/portal"))) {
        static const char *const names[] = {"confirmPortalId", NULL};
        if (!gw_api_method_is(req, "DELETE"))
            return gw_api_not_allowed(req, "DELETE");
        if ((r->body = gw_api_json_body(req, names)) == NULL)
            return 0;
        return with_session(req, r, uninstall);
    }
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/tokens"))) {
        static const char *const names[] = {"name", "expiresInDays", NULL};
        if (gw_api_method_is(req, "GET"))
            return with_session(req, r, gw_api_tokens_list);
        if (!gw_api_method_is(req, "POST"))
            return gw_api_not_allowed(req, "GET, POST");
        if ((r->body = gw_api_json_body(req, names)) == NULL)
            return 0;
        return with_session(req, r, gw_api_tokens_mint);
    }
    if (path.len > sizeof("/api/v1/tokens/") - 1 && memcmp(path.base, H2O_STRLIT("/api/v1/tokens/")) == 0) {
        size_t plen = sizeof("/api/v1/tokens/") - 1;
        if ((r->target_id = gw_api_parse_id(path.base + plen, path.len - plen)) < 0) {
            gw_api_send_err(req, 404, "NotFound", "no such token");
            return 0;
        }
        return gw_api_method_is(req, "DELETE") ? with_session(req, r, gw_api_tokens_revoke) : gw_api_not_allowed(req, "DELETE");
    }
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/objects")))
        return gw_api_method_is(req, "GET") ? with_session(req, r, gw_api_objects_list) : gw_api_not_allowed(req, "GET");
    if (path_has_prefix(path, "/api/v1/objects/")) {
        /* /api/v1/objects/{name}/properties */
        size_t plen = sizeof("/api/v1/objects/") - 1, n;
        const char *name = path.base + plen, *slash = memchr(name, '/', path.len - plen);
        if (slash == NULL || !h2o_memis(slash, path.len - (size_t)(slash - path.base), H2O_STRLIT("/properties")) ||
            (n = (size_t)(slash - name)) == 0 || n > 64) {
            gw_api_send_err(req, 404, "NotFound", "no such API address");
            return 0;
        }
        r->target_name = h2o_strdup(&req->pool, name, n).base;
        return gw_api_method_is(req, "GET") ? with_session(req, r, gw_api_object_properties) : gw_api_not_allowed(req, "GET");
    }
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/audit")))
        return gw_api_method_is(req, "GET") ? with_session(req, r, gw_api_audit_list) : gw_api_not_allowed(req, "GET");
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/audit/export")))
        return gw_api_method_is(req, "GET") ? with_session(req, r, gw_api_audit_export) : gw_api_not_allowed(req, "GET");
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/users")))
        return gw_api_method_is(req, "GET") ? with_session(req, r, gw_api_users_list) : gw_api_not_allowed(req, "GET");
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/teams")))
        return gw_api_method_is(req, "GET") ? with_session(req, r, gw_api_teams_list) : gw_api_not_allowed(req, "GET");
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/api/v1/datasources"))) {
        static const char *const names[] = {"name", "objects", NULL};
        if (gw_api_method_is(req, "GET"))
            return with_session(req, r, gw_api_datasources_list);
        if (!gw_api_method_is(req, "POST"))
            return gw_api_not_allowed(req, "GET, POST");
        if ((r->body = gw_api_json_body(req, names)) == NULL)
            return 0;
        return with_session(req, r, gw_api_datasource_create);
    }
    if (path_has_prefix(path, "/api/v1/datasources/"))
        return on_datasource_req(req, r, path);
    gw_api_send_err(req, 404, "NotFound", "no such API address");
    return 0;
}

void gw_api_register(h2o_hostconf_t *hostconf)
{
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/api/", 0);
    h2o_create_handler(pathconf, sizeof(h2o_handler_t))->on_req = on_req;
}
