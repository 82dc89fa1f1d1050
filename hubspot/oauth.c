/*
 * The authorization code exchange of an OAuth install (see oauth.h): two transfers, one after the
 * other, the token request, then the access token's metadata. And the revocation of a refresh token:
 * one DELETE. Every answer is bounded; every copy of a token, a code or the client secret is wiped
 * before it is freed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "hubspot/internal.h"
#include "hubspot/oauth.h"

struct st_hs_oauth_exchange_t {
    hs_loop_t *loop;
    char *base_url;
    char *code;          /* kept to make sure no message repeats it */
    char *client_secret; /* likewise */
    long timeout_ms;
    CURL *easy; /* the transfer in flight, if any */
    char *form;
    odata_buf_t body;
    char curl_err[CURL_ERROR_SIZE];
    char *access_token;
    char *refresh_token;
    char *hub_domain;
    char *scopes;
    hs_oauth_grant_t grant;
    hs_oauth_cb cb;
    void *data;
    hs_err_t err;
    long status;
    char message[400];
};

static void wipe_curl_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        curl_free(s);
    }
}

static void finish(hs_oauth_exchange_t *x, hs_err_t err, long status)
{
    x->err = err;
    x->status = status;
    if (err == HS_OK) {
        x->grant.refresh_token = x->refresh_token;
        x->grant.refresh_token_len = strlen(x->refresh_token);
        x->grant.hub_domain = x->hub_domain;
        x->grant.scopes = x->scopes;
    }
    hs__wipe_free(x->access_token);
    x->access_token = NULL;
    x->cb(x, x->data);
}

/* Non-zero when `s` contains one of the `n` secrets (NULL or empty ones are skipped). */
static int has_secret(const char *s, const char *const *secrets, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (secrets[i] != NULL && secrets[i][0] != '\0' && strstr(s, secrets[i]) != NULL)
            return 1;
    return 0;
}

/* HubSpot's own words from an error answer, as one short printable line that repeats none of the secrets. */
static void hubspot_words(json_t *doc, const char *const *secrets, size_t nsecrets, char *out, size_t outsz)
{
    const char *msg = json_string_value(json_object_get(doc, "message"));
    const char *status = json_string_value(json_object_get(doc, "status"));
    size_t n;

    if (msg == NULL)
        msg = json_string_value(json_object_get(doc, "error_description"));
    if (status == NULL)
        status = json_string_value(json_object_get(doc, "error"));
    if (msg == NULL || has_secret(msg, secrets, nsecrets))
        msg = "no explanation given";
    if (status != NULL && strlen(status) <= 64 &&
        strspn(status, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_") == strlen(status) &&
        !has_secret(status, secrets, nsecrets))
        snprintf(out, outsz, "%.200s (%.64s)", msg, status);
    else
        snprintf(out, outsz, "%.200s", msg);
    for (n = 0; out[n] != '\0'; ++n)
        if ((unsigned char)out[n] < 0x20 || out[n] == 0x7f)
            out[n] = ' ';
}

/* The words of an exchange's failed step: neither the code nor the client secret is repeated. */
static void exchange_words(hs_oauth_exchange_t *x, json_t *doc, char *out, size_t outsz)
{
    const char *secrets[] = {x->code, x->client_secret};
    hubspot_words(doc, secrets, sizeof(secrets) / sizeof(secrets[0]), out, outsz);
}

/* A transfer that ended without a usable answer; returns 1 when it did (and finishes the exchange). */
static int transfer_failed(hs_oauth_exchange_t *x, CURLcode result, const char *what)
{
    if (result == CURLE_OK)
        return 0;
    if (result == CURLE_WRITE_ERROR) {
        snprintf(x->message, sizeof(x->message), "HubSpot's answer to the %s passed the gateway's size limit", what);
        finish(x, HS_ERR_TOO_LARGE, 0);
    } else {
        snprintf(x->message, sizeof(x->message), "HubSpot could not be reached for the %s: %s", what,
                 x->curl_err[0] != '\0' ? x->curl_err : curl_easy_strerror(result));
        finish(x, HS_ERR_NETWORK, 0);
    }
    return 1;
}

static int token_text_ok(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; ++i)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

static int scope_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > 200)
        return 0;
    for (size_t i = 0; i < len; ++i) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._:/-", c) != NULL))
            return 0;
    }
    return 1;
}

static int host_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > HS_OAUTH_HUB_DOMAIN_MAX)
        return 0;
    for (size_t i = 0; i < len; ++i) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

static void on_info_done(CURL *easy, CURLcode result, void *data)
{
    hs_oauth_exchange_t *x = data;
    json_t *doc = NULL, *scopes, *v;
    json_int_t hub_id, user_id;
    odata_buf_t joined;
    long status = 0;
    size_t i;

    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    x->easy = NULL;
    if (transfer_failed(x, result, "grant's details"))
        return;
    doc = json_loadb(x->body.base != NULL ? x->body.base : "", x->body.len, 0, NULL);
    if (status != 200) {
        char words[300];
        exchange_words(x, doc, words, sizeof(words));
        snprintf(x->message, sizeof(x->message), "HubSpot did not describe the new grant (HTTP %ld): %s", status, words);
        hs__wipe_answer(doc, &x->body);
        finish(x, HS_ERR_STATUS, status);
        return;
    }
    hub_id = json_integer_value(v = json_object_get(doc, "hub_id"));
    if (!json_is_integer(v) || hub_id <= 0) {
        snprintf(x->message, sizeof(x->message), "HubSpot's description of the new grant names no portal (hub_id)");
        goto malformed;
    }
    user_id = json_integer_value(v = json_object_get(doc, "user_id"));
    if (!json_is_integer(v) || user_id <= 0) {
        snprintf(x->message, sizeof(x->message), "HubSpot's description of the new grant names no installing user (user_id)");
        goto malformed;
    }
    scopes = json_object_get(doc, "scopes");
    if (!json_is_array(scopes)) {
        snprintf(x->message, sizeof(x->message), "HubSpot's description of the new grant lists no scopes");
        goto malformed;
    }
    odata_buf_init(&joined, HS_OAUTH_SCOPES_MAX);
    json_array_foreach(scopes, i, v)
    {
        if (!json_is_string(v) || !scope_name_ok(json_string_value(v), json_string_length(v)) ||
            (i != 0 && odata_buf_appends(&joined, ",") != ODATA_OK) ||
            odata_buf_append(&joined, json_string_value(v), json_string_length(v)) != ODATA_OK) {
            odata_buf_dispose(&joined);
            snprintf(x->message, sizeof(x->message), "HubSpot's list of granted scopes is malformed or too long");
            goto malformed;
        }
    }
    x->scopes = strdup(joined.base != NULL ? joined.base : "");
    odata_buf_dispose(&joined);
    v = json_object_get(doc, "hub_domain");
    if (json_is_string(v) && host_name_ok(json_string_value(v), json_string_length(v)))
        x->hub_domain = strdup(json_string_value(v));
    x->grant.hub_id = (int64_t)hub_id;
    x->grant.user_id = (int64_t)user_id;
    hs__wipe_answer(doc, &x->body);
    if (x->scopes == NULL) {
        snprintf(x->message, sizeof(x->message), "out of memory");
        finish(x, HS_ERR_INTERNAL, 0);
        return;
    }
    finish(x, HS_OK, status);
    return;

malformed:
    hs__wipe_answer(doc, &x->body);
    finish(x, HS_ERR_STATUS, status);
}

static void on_token_done(CURL *easy, CURLcode result, void *data)
{
    hs_oauth_exchange_t *x = data;
    json_t *doc = NULL, *rt, *at;
    char *url = NULL, *escaped = NULL;
    long status = 0;
    size_t n;

    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    x->easy = NULL;
    hs__wipe_free(x->form);
    x->form = NULL;
    if (transfer_failed(x, result, "authorization code exchange"))
        return;
    doc = json_loadb(x->body.base != NULL ? x->body.base : "", x->body.len, 0, NULL);
    if (status != 200) {
        char words[300];
        exchange_words(x, doc, words, sizeof(words));
        snprintf(x->message, sizeof(x->message), "HubSpot refused the authorization code (HTTP %ld): %s", status, words);
        hs__wipe_answer(doc, &x->body);
        finish(x, HS_ERR_STATUS, status);
        return;
    }
    rt = json_object_get(doc, "refresh_token");
    at = json_object_get(doc, "access_token");
    if (!json_is_string(rt) || !token_text_ok(json_string_value(rt), json_string_length(rt), HS_OAUTH_REFRESH_TOKEN_MAX) ||
        !json_is_string(at) || !token_text_ok(json_string_value(at), json_string_length(at), HS_OAUTH_MAX_BODY)) {
        snprintf(x->message, sizeof(x->message), "HubSpot's token answer has no usable refresh and access token");
        hs__wipe_answer(doc, &x->body);
        finish(x, HS_ERR_STATUS, status);
        return;
    }
    x->refresh_token = strdup(json_string_value(rt));
    x->access_token = strdup(json_string_value(at));
    hs__wipe_answer(doc, &x->body);
    /* the code is spent: HubSpot accepts it once */
    hs__wipe_free(x->code);
    x->code = NULL;
    if (x->refresh_token == NULL || x->access_token == NULL)
        goto nomem;

    /* which portal and user granted what: the access token's metadata */
    if ((x->easy = hs__easy_new("", &x->body, x->timeout_ms, x->curl_err)) == NULL ||
        (escaped = curl_easy_escape(x->easy, x->access_token, 0)) == NULL)
        goto nomem;
    n = strlen(x->base_url) + strlen(escaped) + 32;
    if ((url = malloc(n)) == NULL)
        goto nomem;
    snprintf(url, n, "%s/oauth/v1/access-tokens/%s", x->base_url, escaped);
    curl_easy_setopt(x->easy, CURLOPT_URL, url);
    hs__wipe_free(url);
    url = NULL;
    wipe_curl_free(escaped);
    escaped = NULL;
    if (hs_loop_add(x->loop, x->easy, on_info_done, x) != 0)
        goto nomem;
    return;

nomem:
    hs__wipe_free(url);
    wipe_curl_free(escaped);
    if (x->easy != NULL) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    snprintf(x->message, sizeof(x->message), "out of memory");
    finish(x, HS_ERR_INTERNAL, 0);
}

hs_oauth_exchange_t *hs_oauth_exchange_start(hs_loop_t *loop, const hs_oauth_config_t *cfg, const char *code, hs_oauth_cb cb,
                                             void *data)
{
    hs_oauth_exchange_t *x = calloc(1, sizeof(*x));
    char *cid = NULL, *cs = NULL, *ru = NULL, *cd = NULL, url[1024];
    size_t n;

    if (x == NULL)
        return NULL;
    x->loop = loop;
    x->cb = cb;
    x->data = data;
    x->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
    odata_buf_init(&x->body, HS_OAUTH_MAX_BODY);
    x->base_url = strdup(cfg->base_url);
    x->code = strdup(code);
    x->client_secret = strdup(cfg->client_secret != NULL ? cfg->client_secret : "");
    if (x->base_url == NULL || x->code == NULL || x->client_secret == NULL)
        goto fail;
    if ((size_t)snprintf(url, sizeof(url), "%s/oauth/v1/token", cfg->base_url) >= sizeof(url))
        goto fail;
    if ((x->easy = hs__easy_new(url, &x->body, x->timeout_ms, x->curl_err)) == NULL)
        goto fail;
    cid = curl_easy_escape(x->easy, cfg->client_id != NULL ? cfg->client_id : "", 0);
    cs = curl_easy_escape(x->easy, x->client_secret, 0);
    ru = curl_easy_escape(x->easy, cfg->redirect_uri, 0);
    cd = curl_easy_escape(x->easy, code, 0);
    if (cid == NULL || cs == NULL || ru == NULL || cd == NULL)
        goto fail;
    n = strlen(cid) + strlen(cs) + strlen(ru) + strlen(cd) + 96;
    if ((x->form = malloc(n)) == NULL)
        goto fail;
    snprintf(x->form, n, "grant_type=authorization_code&client_id=%s&client_secret=%s&redirect_uri=%s&code=%s", cid, cs, ru, cd);
    curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->form);
    if (hs_loop_add(loop, x->easy, on_token_done, x) != 0)
        goto fail;
    curl_free(cid);
    wipe_curl_free(cs);
    curl_free(ru);
    wipe_curl_free(cd);
    return x;

fail:
    curl_free(cid);
    wipe_curl_free(cs);
    curl_free(ru);
    wipe_curl_free(cd);
    if (x->easy != NULL) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    hs_oauth_exchange_destroy(x);
    return NULL;
}

void hs_oauth_exchange_destroy(hs_oauth_exchange_t *x)
{
    if (x == NULL)
        return;
    if (x->easy != NULL) {
        hs_loop_remove(x->loop, x->easy);
        curl_easy_cleanup(x->easy);
    }
    hs__wipe_answer(NULL, &x->body);
    odata_buf_dispose(&x->body);
    free(x->base_url);
    hs__wipe_free(x->code);
    hs__wipe_free(x->client_secret);
    hs__wipe_free(x->form);
    hs__wipe_free(x->access_token);
    hs__wipe_free(x->refresh_token);
    free(x->hub_domain);
    free(x->scopes);
    free(x);
}

hs_err_t hs_oauth_exchange_error(const hs_oauth_exchange_t *x)
{
    return x->err;
}

long hs_oauth_exchange_status(const hs_oauth_exchange_t *x)
{
    return x->status;
}

const char *hs_oauth_exchange_message(const hs_oauth_exchange_t *x)
{
    return x->message;
}

const hs_oauth_grant_t *hs_oauth_exchange_grant(const hs_oauth_exchange_t *x)
{
    return x->err == HS_OK && x->refresh_token != NULL ? &x->grant : NULL;
}

/* ---- revoking a refresh token ---- */

struct st_hs_oauth_revoke_t {
    hs_loop_t *loop;
    CURL *easy;    /* the transfer in flight, if any */
    char *token;   /* kept until the answer is read, to make sure no message repeats it */
    char *escaped; /* likewise, as the URL has it (curl_free) */
    odata_buf_t body;
    char curl_err[CURL_ERROR_SIZE];
    hs_tick_t refused; /* reports a token that was never sent */
    hs_oauth_revoke_cb cb;
    void *data;
    hs_err_t err;
    int already;
    long status;
    char message[400];
};

static void revoke_finish(hs_oauth_revoke_t *x, hs_err_t err, long status)
{
    x->err = err;
    x->status = status;
    hs__wipe_free(x->token);
    x->token = NULL;
    wipe_curl_free(x->escaped);
    x->escaped = NULL;
    hs__wipe_answer(NULL, &x->body);
    x->cb(x, x->data);
}

static void on_revoke_refused(hs_tick_t *tick)
{
    hs_oauth_revoke_t *x = H2O_STRUCT_FROM_MEMBER(hs_oauth_revoke_t, refused, tick);
    revoke_finish(x, HS_ERR_INTERNAL, 0);
}

static void on_revoke_done(CURL *easy, CURLcode result, void *data)
{
    hs_oauth_revoke_t *x = data;
    const char *secrets[] = {x->token, x->escaped};
    size_t nsecrets = sizeof(secrets) / sizeof(secrets[0]);
    json_t *doc = NULL;
    char words[300];
    long status = 0;

    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    x->easy = NULL;
    /* an answer that passed the size limit still has its status, which is all a revocation needs */
    if (result != CURLE_OK && !(result == CURLE_WRITE_ERROR && status >= 100)) {
        const char *why =
            x->curl_err[0] != '\0' && !has_secret(x->curl_err, secrets, nsecrets) ? x->curl_err : curl_easy_strerror(result);
        snprintf(x->message, sizeof(x->message), "HubSpot could not be reached to revoke the refresh token: %s", why);
        revoke_finish(x, HS_ERR_NETWORK, 0);
        return;
    }
    if (status >= 200 && status <= 299) {
        snprintf(x->message, sizeof(x->message), "HubSpot revoked the refresh token");
        revoke_finish(x, HS_OK, status);
        return;
    }
    if (status == 404) {
        x->already = 1;
        snprintf(x->message, sizeof(x->message), "HubSpot no longer knew the refresh token");
        revoke_finish(x, HS_OK, status);
        return;
    }
    if (result == CURLE_WRITE_ERROR) {
        snprintf(words, sizeof(words), "an answer too large to read");
    } else {
        doc = json_loadb(x->body.base != NULL ? x->body.base : "", x->body.len, 0, NULL);
        hubspot_words(doc, secrets, nsecrets, words, sizeof(words));
    }
    snprintf(x->message, sizeof(x->message), "HubSpot did not revoke the refresh token (HTTP %ld): %s", status, words);
    hs__wipe_answer(doc, &x->body);
    revoke_finish(x, HS_ERR_STATUS, status);
}

hs_oauth_revoke_t *hs_oauth_revoke_start(hs_loop_t *loop, const hs_oauth_config_t *cfg, const char *refresh_token,
                                         hs_oauth_revoke_cb cb, void *data)
{
    hs_oauth_revoke_t *x = calloc(1, sizeof(*x));
    size_t len = strnlen(refresh_token, HS_OAUTH_REFRESH_TOKEN_MAX + 1), n;
    char *url = NULL;

    if (x == NULL)
        return NULL;
    x->loop = loop;
    x->cb = cb;
    x->data = data;
    x->refused.cb = on_revoke_refused;
    odata_buf_init(&x->body, HS_OAUTH_MAX_BODY);
    if (len == 0 || len > HS_OAUTH_REFRESH_TOKEN_MAX) {
        /* without a token the request would name another resource; an over-long one is none HubSpot issued */
        snprintf(x->message, sizeof(x->message), "the refresh token to revoke is empty or too long; nothing was sent to HubSpot");
        hs_tick_schedule(loop, &x->refused);
        return x;
    }
    if ((x->token = strdup(refresh_token)) == NULL ||
        (x->easy = hs__easy_new("", &x->body, cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000, x->curl_err)) == NULL ||
        (x->escaped = curl_easy_escape(x->easy, x->token, 0)) == NULL)
        goto fail;
    n = strlen(cfg->base_url) + strlen(x->escaped) + sizeof("/oauth/v1/refresh-tokens/");
    if ((url = malloc(n)) == NULL)
        goto fail;
    snprintf(url, n, "%s/oauth/v1/refresh-tokens/%s", cfg->base_url, x->escaped);
    /* curl keeps a copy of its own; ours is wiped at once */
    if (curl_easy_setopt(x->easy, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, "DELETE") != CURLE_OK)
        goto fail;
    hs__wipe_free(url);
    url = NULL;
    if (hs_loop_add(loop, x->easy, on_revoke_done, x) != 0)
        goto fail;
    return x;

fail:
    hs__wipe_free(url);
    if (x->easy != NULL) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    hs_oauth_revoke_destroy(x);
    return NULL;
}

void hs_oauth_revoke_destroy(hs_oauth_revoke_t *x)
{
    if (x == NULL)
        return;
    hs_tick_cancel(x->loop, &x->refused);
    if (x->easy != NULL) {
        hs_loop_remove(x->loop, x->easy);
        curl_easy_cleanup(x->easy);
    }
    hs__wipe_answer(NULL, &x->body);
    odata_buf_dispose(&x->body);
    hs__wipe_free(x->token);
    wipe_curl_free(x->escaped);
    free(x);
}

hs_err_t hs_oauth_revoke_error(const hs_oauth_revoke_t *x)
{
    return x->err;
}

int hs_oauth_revoke_already(const hs_oauth_revoke_t *x)
{
    return x->already;
}

long hs_oauth_revoke_status(const hs_oauth_revoke_t *x)
{
    return x->status;
}

const char *hs_oauth_revoke_message(const hs_oauth_revoke_t *x)
{
    return x->message;
}

/* Non-zero when the comma-separated list has the scope name s[0..len). */
static int list_has(const char *list, const char *s, size_t len)
{
    const char *p = list;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, s, len) == 0)
            return 1;
        p += n;
        if (*p == ',')
            ++p;
    }
    return 0;
}

size_t hs_oauth_missing_scopes(const char *granted, const char *required, char *missing, size_t missingsz)
{
    const char *p = required;
    size_t count = 0, used = 0;

    if (missingsz != 0)
        missing[0] = '\0';
    while (*p != '\0') {
        size_t n;
        p += strspn(p, " ,");
        if ((n = strcspn(p, " ,")) == 0)
            break;
        if (!list_has(granted, p, n)) {
            ++count;
            if (missingsz != 0 && used + n + (used != 0) < missingsz) {
                if (used != 0)
                    missing[used++] = ' ';
                memcpy(missing + used, p, n);
                used += n;
                missing[used] = '\0';
            }
        }
        p += n;
    }
    return count;
}
