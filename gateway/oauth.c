/*
 * The app's install in a HubSpot portal (OAuth 2.0 authorization code flow):
 *
 *   GET /oauth/install   -> 302 to HubSpot's authorization page, with a signed, expiring `state`
 *                           bound to this browser by a cookie holding a random nonce
 *   GET /oauth/callback  -> state checked; the code exchanged for a grant and its metadata read
 *                           (hubspot/oauth.h, on the loop); the portal upserted with its refresh
 *                           token sealed under the newest master key, and the installing user made
 *                           an admin of the portal, in one statement
 *
 * Answers are small HTML pages for the person installing. No page and no log line holds a token, a
 * code or a state.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include "gateway/gateway.h"
#include "hubspot/oauth.h"

#define COOKIE_NAME "hsod_oauth_nonce"
#define NONCE_LEN 16
#define STATE_VERSION 1
#define STATE_NONCE_HASH_LEN 16
#define STATE_MAC_LEN 32
#define STATE_BODY_LEN (1 + 8 + STATE_NONCE_HASH_LEN)
#define STATE_LEN (STATE_BODY_LEN + STATE_MAC_LEN)
#define CALLBACK_QUERY_MAX 8192
#define CODE_MAX 1024

typedef enum en_state_check_t {
    STATE_OK,
    STATE_INVALID, /* malformed, or not signed by this gateway's keys */
    STATE_EXPIRED,
    STATE_NO_COOKIE,
    STATE_OTHER_BROWSER, /* the cookie's nonce is not the state's */
} state_check_t;

typedef struct st_oauth_req_t {
    h2o_req_t *req;
    hs_oauth_exchange_t *exchange;
    int64_t hub_id, user_id;
    uint32_t key_id;
    char hub_domain[HS_OAUTH_HUB_DOMAIN_MAX + 1];
} oauth_req_t;

/* ---- pages ---- */

/* s with &, <, >, " and ' escaped, in the request's pool */
static const char *html(h2o_req_t *req, const char *s)
{
    size_t n = 0;
    const char *p;
    char *out, *o;

    for (p = s; *p != '\0'; ++p)
        n += *p == '&' || *p == '\'' ? 5 : *p == '<' || *p == '>' ? 4 : *p == '"' ? 6 : 1;
    o = out = h2o_mem_alloc_pool(&req->pool, n + 1);
    for (p = s; *p != '\0'; ++p) {
        switch (*p) {
        case '&':
            memcpy(o, "&amp;", 5), o += 5;
            break;
        case '<':
            memcpy(o, "&lt;", 4), o += 4;
            break;
        case '>':
            memcpy(o, "&gt;", 4), o += 4;
            break;
        case '"':
            memcpy(o, "&quot;", 6), o += 6;
            break;
        case '\'':
            memcpy(o, "&#39;", 5), o += 5;
            break;
        default:
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

static char *pool_printf(h2o_mem_pool_t *pool, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *pool_printf(h2o_mem_pool_t *pool, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    s = h2o_mem_alloc_pool(pool, (size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    return s;
}

static int public_is_https(h2o_req_t *req)
{
    if (gw.config.public_url != NULL)
        return strncmp(gw.config.public_url, "https://", 8) == 0;
    return req->scheme == &H2O_URL_SCHEME_HTTPS;
}

/* The nonce cookie: set for the length of an install, or cleared (value NULL). */
static void set_cookie(h2o_req_t *req, const char *value)
{
    const char *secure = public_is_https(req) ? "; Secure" : "";
    char *c = value != NULL ? pool_printf(&req->pool, COOKIE_NAME "=%s; Path=/oauth/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", value,
                                          gw.config.oauth_state_ttl, secure)
                            : pool_printf(&req->pool, COOKIE_NAME "=; Path=/oauth/; Max-Age=0; HttpOnly; SameSite=Lax%s", secure);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_SET_COOKIE, NULL, c, strlen(c));
}

/* Sends a page; `body_html` is HTML already (escape what goes into it). */
static void send_page(h2o_req_t *req, int status, const char *title, const char *body_html)
{
    char *page = pool_printf(&req->pool,
                             "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                             "<title>%s - HubSpot OData gateway</title>"
                             "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;"
                             "line-height:1.5}code{background:#f4f4f4;padding:0 .2em}</style></head>\n"
                             "<body><h1>%s</h1>\n%s\n</body></html>\n",
                             html(req, title), html(req, title), body_html);
    req->res.status = status;
    req->res.reason = gw_reason_of(status);
    gw_add_header(req, H2O_TOKEN_CONTENT_TYPE, "text/html; charset=utf-8");
    gw_add_header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    /* the callback's URL holds the code: keep it out of Referer headers; the pages load nothing */
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("referrer-policy"), 0, NULL, H2O_STRLIT("no-referrer"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"), 0, NULL,
                          H2O_STRLIT("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL, H2O_STRLIT("nosniff"));
    h2o_send_inline(req, page, strlen(page));
}

#define START_AGAIN "<p>To install the app, <a href=\"/oauth/install\">start again</a>.</p>"

/* ---- configuration ---- */

char *gw_oauth_scope_list(const char *scopes)
{
    size_t len = strlen(scopes), o = 0;
    const char *p = scopes;
    char *out = malloc(len + 1);

    if (out == NULL)
        return NULL;
    while (*p != '\0') {
        size_t n;
        p += strspn(p, " ,");
        if ((n = strcspn(p, " ,")) == 0)
            break;
        for (size_t i = 0; i < n; ++i) {
            char c = p[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._:/-", c) != NULL)) {
                free(out);
                return NULL;
            }
        }
        if (o != 0)
            out[o++] = ' ';
        memcpy(out + o, p, n);
        o += n;
        p += n;
    }
    out[o] = '\0';
    return out;
}

static int app_configured(void)
{
    return gw.config.client_id != NULL && gw.config.client_id[0] != '\0' && gw.config.client_secret != NULL &&
           gw.config.client_secret[0] != '\0';
}

static void send_not_configured(h2o_req_t *req)
{
    gw_log(GW_LOG_WARN, "oauth", "an install was attempted but no HubSpot app is configured (--client-id, --client-secret)");
    send_page(req, 503, "The HubSpot app is not configured",
              "<p>This gateway has no HubSpot app credentials, so it cannot be installed in a HubSpot portal.</p>"
              "<p>The operator sets the app's client id and secret (<code>--client-id</code> and <code>--client-secret</code>, "
              "or <code>GATEWAY_HUBSPOT_CLIENT_ID</code> and <code>GATEWAY_HUBSPOT_CLIENT_SECRET</code>) and restarts the "
              "gateway.</p>");
}

/* ---- state ---- */

static void nonce_hash(const unsigned char *nonce, size_t len, unsigned char out[STATE_NONCE_HASH_LEN])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(nonce, len, digest);
    memcpy(out, digest, STATE_NONCE_HASH_LEN);
}

static void state_mac(const unsigned char *body, unsigned char out[STATE_MAC_LEN])
{
    unsigned int outlen = STATE_MAC_LEN;
    HMAC(EVP_sha256(), gw.state_key, sizeof(gw.state_key), body, STATE_BODY_LEN, out, &outlen);
}

/* version | expiry (seconds since the epoch, big endian) | SHA-256(nonce)[0..16) | HMAC-SHA256 of those */
static char *state_sign(h2o_req_t *req, const unsigned char nonce[NONCE_LEN])
{
    unsigned char raw[STATE_LEN];
    uint64_t expires = (uint64_t)time(NULL) + (uint64_t)gw.config.oauth_state_ttl;
    char *out = h2o_mem_alloc_pool(&req->pool, h2o_base64_encode_capacity(STATE_LEN));

    raw[0] = STATE_VERSION;
    for (int i = 0; i < 8; ++i)
        raw[1 + i] = (unsigned char)(expires >> (56 - 8 * i));
    nonce_hash(nonce, NONCE_LEN, raw + 9);
    state_mac(raw, raw + STATE_BODY_LEN);
    h2o_base64_encode(out, raw, STATE_LEN, 1);
    return out;
}

/* The value of the nonce cookie, or NULL. */
static const char *find_cookie(h2o_req_t *req, size_t *len)
{
    ssize_t i = -1;
    while ((i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) != -1) {
        h2o_iovec_t v = req->headers.entries[i].value;
        const char *p = v.base, *end = v.base + v.len;
        while (p < end) {
            const char *semi = memchr(p, ';', end - p), *e = semi != NULL ? semi : end, *eq;
            while (p < e && *p == ' ')
                ++p;
            eq = memchr(p, '=', e - p);
            if (eq != NULL && (size_t)(eq - p) == sizeof(COOKIE_NAME) - 1 && memcmp(p, COOKIE_NAME, eq - p) == 0) {
                const char *ve = e;
                while (ve > eq + 1 && ve[-1] == ' ')
                    --ve;
                *len = ve - (eq + 1);
                return eq + 1;
            }
            p = e + 1;
        }
    }
    return NULL;
}

static state_check_t state_check(h2o_req_t *req, const char *state)
{
    h2o_iovec_t raw = h2o_decode_base64url(&req->pool, state, strlen(state));
    unsigned char mac[STATE_MAC_LEN], want[STATE_NONCE_HASH_LEN];
    const unsigned char *b = (const unsigned char *)raw.base;
    const char *cookie;
    size_t cookie_len = 0;
    uint64_t expires = 0;
    h2o_iovec_t nonce;

    if (raw.base == NULL || raw.len != STATE_LEN || b[0] != STATE_VERSION)
        return STATE_INVALID;
    state_mac(b, mac);
    if (CRYPTO_memcmp(mac, b + STATE_BODY_LEN, STATE_MAC_LEN) != 0)
        return STATE_INVALID;
    for (int i = 0; i < 8; ++i)
        expires = expires << 8 | b[1 + i];
    if ((uint64_t)time(NULL) > expires)
        return STATE_EXPIRED;
    if ((cookie = find_cookie(req, &cookie_len)) == NULL || cookie_len == 0)
        return STATE_NO_COOKIE;
    nonce = h2o_decode_base64url(&req->pool, cookie, cookie_len);
    if (nonce.base == NULL || nonce.len != NONCE_LEN)
        return STATE_OTHER_BROWSER;
    nonce_hash((const unsigned char *)nonce.base, nonce.len, want);
    if (CRYPTO_memcmp(want, b + 9, STATE_NONCE_HASH_LEN) != 0)
        return STATE_OTHER_BROWSER;
    return STATE_OK;
}

/* ---- GET /oauth/install ---- */

static const char *uri_escape(h2o_req_t *req, const char *s)
{
    h2o_iovec_t v = h2o_uri_escape(&req->pool, s, strlen(s), NULL);
    return pool_printf(&req->pool, "%.*s", (int)v.len, v.base);
}

static int on_install(h2o_req_t *req)
{
    unsigned char nonce[NONCE_LEN];
    char cookie[32];
    const char *redirect_uri, *location;

    if (!app_configured()) {
        send_not_configured(req);
        return 0;
    }
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
        send_page(req, 500, "Installation failed", "<p>The gateway could not make a random value; try again.</p>");
        return 0;
    }
    h2o_base64_encode(cookie, nonce, sizeof(nonce), 1);
    redirect_uri = pool_printf(&req->pool, "%s/oauth/callback", gw_public_base(req));
    location = pool_printf(
        &req->pool, "%s/oauth/authorize?client_id=%s&redirect_uri=%s&scope=%s%s%s&state=%s", gw.config.hubspot_auth_url,
        uri_escape(req, gw.config.client_id), uri_escape(req, redirect_uri), uri_escape(req, gw.config.oauth_scopes),
        gw.config.oauth_optional_scopes[0] != '\0' ? "&optional_scope=" : "",
        gw.config.oauth_optional_scopes[0] != '\0' ? uri_escape(req, gw.config.oauth_optional_scopes) : "", state_sign(req, nonce));
    OPENSSL_cleanse(nonce, sizeof(nonce));
    set_cookie(req, cookie);
    OPENSSL_cleanse(cookie, sizeof(cookie));
    gw_add_header(req, H2O_TOKEN_LOCATION, location);
    send_page(req, 302, "Continue in HubSpot",
              pool_printf(&req->pool, "<p><a href=\"%s\">Continue to HubSpot</a> to approve the app.</p>", html(req, location)));
    return 0;
}

/* ---- GET /oauth/callback ---- */

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes a form-encoded value ('+' is a space) into the pool; NULL when malformed or holding a NUL or a control character. */
static char *form_decode(h2o_mem_pool_t *pool, const char *s, size_t len)
{
    char *out = h2o_mem_alloc_pool(pool, len + 1), *o = out;
    for (size_t i = 0; i < len; ++i) {
        char c = s[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
                return NULL;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if ((unsigned char)c < 0x20 || c == 0x7f)
            return NULL;
        *o++ = c;
    }
    *o = '\0';
    return out;
}

static void oauth_req_dispose(void *p)
{
    oauth_req_t *r = p;
    hs_oauth_exchange_destroy(r->exchange);
    r->exchange = NULL;
}

/* one statement: the portal upserted (a re-install replaces the grant) and its installer made an admin */
static const char install_sql[] = "WITH " GW_API_ACTOR(
    "$4") ", up AS (INSERT INTO portals AS p "
          "(id, hub_domain, scopes, installed_by_user_id, refresh_token_key_id, refresh_token_enc) "
          "SELECT $1::bigint, $2::text, string_to_array($3::text, ','), $4::bigint, $5::integer, $6::bytea FROM actor "
          "ON CONFLICT (id) DO UPDATE SET hub_domain = COALESCE(EXCLUDED.hub_domain, p.hub_domain), scopes = EXCLUDED.scopes, "
          "installed_by_user_id = EXCLUDED.installed_by_user_id, refresh_token_key_id = EXCLUDED.refresh_token_key_id, "
          "refresh_token_enc = EXCLUDED.refresh_token_enc, needs_reauth = false, updated_at = now() "
          "RETURNING id, (xmax = 0) AS created), "
          "admin AS (INSERT INTO portal_admins (portal_id, user_id) SELECT id, $4::bigint FROM up ON CONFLICT DO NOTHING) "
          "SELECT created FROM up";

static void on_stored(void *data, PGresult *res, const char *err)
{
    oauth_req_t *r = data;
    h2o_req_t *req = r->req;
    int created;
    const char *portal;

    if (res == NULL || PQntuples(res) != 1) {
        gw_log(GW_LOG_ERROR, "oauth", "portal=%" PRId64 " the install could not be stored: %s", r->hub_id,
               err != NULL ? err : "no row returned");
        send_page(req, 500, "Installation failed",
                  pool_printf(&req->pool,
                              "<p>HubSpot approved the installation, but the gateway could not save it (a database "
                              "error). Nothing was changed.</p>%s",
                              START_AGAIN));
        return;
    }
    created = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    gw_log(GW_LOG_INFO, "oauth", "portal=%" PRId64 " %s by user=%" PRId64 "; refresh token sealed with key %" PRIu32, r->hub_id,
           created ? "installed" : "re-authorised", r->user_id, r->key_id);
    portal = r->hub_domain[0] != '\0' ? pool_printf(&req->pool, "%s (hub id %" PRId64 ")", html(req, r->hub_domain), r->hub_id)
                                      : pool_printf(&req->pool, "hub id %" PRId64, r->hub_id);
    set_cookie(req, NULL);
    send_page(req, 200, created ? "Installed" : "Re-authorised",
              pool_printf(&req->pool,
                          "<p>The HubSpot portal %s is %s the OData gateway.</p>"
                          "<p>HubSpot user %" PRId64 ", who approved the installation, is an admin of this portal in the "
                          "gateway.</p><p>You can close this page.</p>",
                          portal, created ? "now connected to" : "connected to", r->user_id));
}

static void store_grant(oauth_req_t *r, const hs_oauth_grant_t *g)
{
    h2o_req_t *req = r->req;
    unsigned char *blob = NULL;
    size_t bloblen = 0;
    char id[24], user[24], key[16], *hex;
    const char *params[6];
    store_err_t se;

    r->hub_id = g->hub_id;
    r->user_id = g->user_id;
    snprintf(r->hub_domain, sizeof(r->hub_domain), "%s", g->hub_domain != NULL ? g->hub_domain : "");
    /* the portal id is the associated data: a blob cannot be moved to another portal's row */
    if ((se = store_seal(gw.keyring, g->hub_id, g->refresh_token, g->refresh_token_len, &blob, &bloblen, &r->key_id)) != STORE_OK) {
        gw_log(GW_LOG_ERROR, "oauth", "portal=%" PRId64 " the refresh token could not be sealed (%d)", g->hub_id, (int)se);
        send_page(req, 500, "Installation failed",
                  "<p>The gateway could not encrypt the new authorisation. Nothing was changed.</p>");
        return;
    }
    hex = h2o_mem_alloc_pool(&req->pool, 2 * bloblen + 3);
    hex[0] = '\\';
    hex[1] = 'x';
    h2o_hex_encode(hex + 2, blob, bloblen);
    free(blob);
    snprintf(id, sizeof(id), "%" PRId64, g->hub_id);
    snprintf(user, sizeof(user), "%" PRId64, g->user_id);
    snprintf(key, sizeof(key), "%" PRIu32, r->key_id);
    params[0] = id;
    params[1] = g->hub_domain;
    params[2] = g->scopes;
    params[3] = user;
    params[4] = key;
    params[5] = hex;
    if (store_pg_query(gw.db, install_sql, 6, params, 0, on_stored, r) != 0)
        send_page(req, 500, "Installation failed", "<p>The gateway ran out of memory. Nothing was changed.</p>");
}

static void on_exchange(hs_oauth_exchange_t *x, void *data)
{
    oauth_req_t *r = data;
    h2o_req_t *req = r->req;
    const hs_oauth_grant_t *g = hs_oauth_exchange_grant(x);
    char missing[512];

    if (g == NULL) {
        gw_log(GW_LOG_WARN, "oauth", "an install failed at HubSpot: %s", hs_oauth_exchange_message(x));
        send_page(req, 502, "HubSpot did not complete the installation",
                  pool_printf(&req->pool, "<p>%s</p><p>Nothing was changed.</p>%s", html(req, hs_oauth_exchange_message(x)),
                              START_AGAIN));
        goto out;
    }
    if (hs_oauth_missing_scopes(g->scopes, gw.config.oauth_scopes, missing, sizeof(missing)) != 0) {
        gw_log(GW_LOG_WARN, "oauth", "portal=%" PRId64 " an install granted too few scopes; missing: %s", g->hub_id, missing);
        send_page(req, 403, "Permissions missing",
                  pool_printf(&req->pool,
                              "<p>HubSpot granted fewer permissions than the gateway needs. Missing: <code>%s</code>.</p>"
                              "<p>Nothing was changed. Install again and approve every requested permission; the HubSpot "
                              "app's settings must list these scopes.</p>%s",
                              html(req, missing), START_AGAIN));
        goto out;
    }
    store_grant(r, g);

out:
    /* the refresh token is sealed or dropped: wipe the exchange's copies now */
    hs_oauth_exchange_destroy(x);
    r->exchange = NULL;
}

static int on_callback(h2o_req_t *req)
{
    const char *code = NULL, *state = NULL, *error = NULL, *error_description = NULL;
    oauth_req_t *r;

    if (req->query_at != SIZE_MAX) {
        const char *q = req->path.base + req->query_at + 1, *qend = req->path.base + req->path.len;
        if (qend - q > CALLBACK_QUERY_MAX) {
            send_page(req, 400, "Installation failed", "<p>The address is too long.</p>");
            return 0;
        }
        while (q < qend) {
            const char *amp = memchr(q, '&', qend - q), *pe = amp != NULL ? amp : qend, *eq = memchr(q, '=', pe - q);
            char *value = NULL;
            if (eq != NULL && (value = form_decode(&req->pool, eq + 1, pe - eq - 1)) == NULL) {
                send_page(req, 400, "Installation failed", "<p>The address is not correctly encoded.</p>");
                return 0;
            }
            if (eq != NULL && eq - q == 4 && memcmp(q, "code", 4) == 0)
                code = value;
            else if (eq != NULL && eq - q == 5 && memcmp(q, "state", 5) == 0)
                state = value;
            else if (eq != NULL && eq - q == 5 && memcmp(q, "error", 5) == 0)
                error = value;
            else if (eq != NULL && eq - q == 17 && memcmp(q, "error_description", 17) == 0)
                error_description = value;
            q = pe + 1;
        }
    }

    if (error != NULL) {
        set_cookie(req, NULL);
        if (strcmp(error, "access_denied") == 0) {
            gw_log(GW_LOG_INFO, "oauth", "an install was cancelled in HubSpot");
            send_page(req, 403, "Installation cancelled",
                      pool_printf(&req->pool,
                                  "<p>The installation was cancelled in HubSpot: the app was not given access to the "
                                  "portal, and nothing was changed.</p>%s",
                                  START_AGAIN));
        } else {
            const char *why = error_description != NULL ? error_description : error;
            gw_log(GW_LOG_WARN, "oauth", "HubSpot reported an error to the install callback: %.100s", error);
            send_page(req, 400, "Installation failed",
                      pool_printf(&req->pool, "<p>HubSpot reported an error: %s. Nothing was changed.</p>%s",
                                  html(req, pool_printf(&req->pool, "%.300s", why)), START_AGAIN));
        }
        return 0;
    }
    if (code == NULL || state == NULL || code[0] == '\0' || strlen(code) > CODE_MAX) {
        send_page(req, 400, "Installation failed",
                  pool_printf(&req->pool,
                              "<p>This address is where HubSpot sends the browser back during an installation; it was "
                              "opened without HubSpot's authorization code and state.</p>%s",
                              START_AGAIN));
        return 0;
    }
    switch (state_check(req, state)) {
    case STATE_OK:
        break;
    case STATE_INVALID:
        gw_log(GW_LOG_WARN, "oauth", "an install callback was refused: the state is not one this gateway signed");
        send_page(req, 400, "Installation refused",
                  pool_printf(&req->pool,
                              "<p>The installation request is not valid: its <code>state</code> was not issued by this "
                              "gateway or was altered. Nothing was changed.</p>%s",
                              START_AGAIN));
        return 0;
    case STATE_EXPIRED:
        send_page(req, 400, "Installation expired",
                  pool_printf(&req->pool,
                              "<p>The installation took too long: it must be completed within %ld seconds of starting it. "
                              "Nothing was changed.</p>%s",
                              gw.config.oauth_state_ttl, START_AGAIN));
        return 0;
    case STATE_NO_COOKIE:
    case STATE_OTHER_BROWSER:
        gw_log(GW_LOG_WARN, "oauth", "an install callback was refused: the browser does not hold the install's cookie");
        send_page(req, 400, "Installation refused",
                  pool_printf(&req->pool,
                              "<p>The installation was not started in this browser, or its cookies are blocked: it must be "
                              "started and finished in the same browser, with cookies allowed for this site. Nothing was "
                              "changed.</p>%s",
                              START_AGAIN));
        return 0;
    }
    if (!app_configured()) {
        send_not_configured(req);
        return 0;
    }

    r = h2o_mem_alloc_shared(&req->pool, sizeof(*r), oauth_req_dispose);
    memset(r, 0, sizeof(*r));
    r->req = req;
    {
        hs_oauth_config_t cfg = {.base_url = gw.config.hubspot_base_url,
                                 .client_id = gw.config.client_id,
                                 .client_secret = gw.config.client_secret,
                                 .redirect_uri = pool_printf(&req->pool, "%s/oauth/callback", gw_public_base(req)),
                                 .timeout_ms = 30000};
        r->exchange = hs_oauth_exchange_start(gw.hsloop, &cfg, code, on_exchange, r);
    }
    OPENSSL_cleanse((char *)code, strlen(code));
    if (r->exchange == NULL)
        send_page(req, 500, "Installation failed", "<p>The gateway ran out of memory. Nothing was changed.</p>");
    return 0;
}

/* ---- routes ---- */

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    h2o_iovec_t path = req->path_normalized;
    int install = h2o_memis(path.base, path.len, H2O_STRLIT("/oauth/install"));

    if (!install && !h2o_memis(path.base, path.len, H2O_STRLIT("/oauth/callback"))) {
        send_page(req, 404, "Not found", "<p>Nothing at this address.</p>");
        return 0;
    }
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        gw_add_header(req, H2O_TOKEN_ALLOW, "GET");
        send_page(req, 405, "Method not allowed", "<p>Only GET is served here.</p>");
        return 0;
    }
    return install ? on_install(req) : on_callback(req);
}

void gw_oauth_register(h2o_hostconf_t *hostconf)
{
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/oauth/", 0);
    h2o_create_handler(pathconf, sizeof(h2o_handler_t))->on_req = on_req;
}
