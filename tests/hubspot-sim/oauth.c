/*
 * hubspot-sim: OAuth v1.
 */
#include "oauth.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ACCESS_TOKENS 200000
#define MAX_REFRESH_TOKENS 20000
#define MAX_CODES 20000
#define CODE_TTL_MS (10 * 60 * 1000)
#define KEEP_EXPIRED_MS (24LL * 3600 * 1000)

static const char *SCOPES[] = {"oauth",
                               "crm.objects.contacts.read",
                               "crm.objects.companies.read",
                               "crm.objects.deals.read",
                               "tickets",
                               "crm.schemas.contacts.read",
                               "crm.schemas.companies.read",
                               "crm.schemas.deals.read",
                               "settings.users.read",
                               "settings.users.teams.read",
                               "crm.objects.custom.read",
                               "crm.schemas.custom.read"};
static const int SCOPE_GROUP_PKS[] = {25, 29, 51, 52, 53, 60, 61, 62, 63, 99, 104, 113, 117};

typedef enum en_tok_kind_t { TOK_ACCESS, TOK_REFRESH, TOK_CODE, TOK_KINDS } tok_kind_t;

typedef struct st_token_t {
    struct st_token_t *hnext;
    struct st_token_t *prev, *next; /* issue order within the kind */
    tok_kind_t kind;
    char *value;
    uint64_t hash;
    int64_t expires_mono; /* 0: never */
    int permanent;
    char *redirect_uri; /* codes */
    char *parent;       /* access tokens: the refresh token used */
} token_t;

typedef struct st_tok_list_t {
    token_t *head, *tail;
    size_t count;
} tok_list_t;

struct st_sim_oauth_t {
    sim_oauth_config_t cfg;
    sim_stats_t *stats;
    char hub_domain[64];
    token_t **buckets;
    size_t nbuckets, count;
    tok_list_t lists[TOK_KINDS];
};

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; ++s)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return sim_mix64(h);
}

static void table_grow(sim_oauth_t *o)
{
    size_t nb = o->nbuckets * 2;
    token_t **b = sim_calloc(nb, sizeof(token_t *));
    for (size_t i = 0; i < o->nbuckets; ++i) {
        token_t *t = o->buckets[i];
        while (t != NULL) {
            token_t *n = t->hnext;
            t->hnext = b[t->hash & (nb - 1)];
            b[t->hash & (nb - 1)] = t;
            t = n;
        }
    }
    free(o->buckets);
    o->buckets = b;
    o->nbuckets = nb;
}

static token_t *find(sim_oauth_t *o, const char *value)
{
    uint64_t h = str_hash(value);
    for (token_t *t = o->buckets[h & (o->nbuckets - 1)]; t != NULL; t = t->hnext)
        if (t->hash == h && strcmp(t->value, value) == 0)
            return t;
    return NULL;
}

static void remove_token(sim_oauth_t *o, token_t *t)
{
    token_t **pp = &o->buckets[t->hash & (o->nbuckets - 1)];
    while (*pp != t)
        pp = &(*pp)->hnext;
    *pp = t->hnext;
    tok_list_t *l = &o->lists[t->kind];
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        l->head = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    else
        l->tail = t->prev;
    l->count--;
    o->count--;
    free(t->value);
    free(t->redirect_uri);
    free(t->parent);
    free(t);
}

static void evict(sim_oauth_t *o, tok_kind_t kind, size_t max)
{
    tok_list_t *l = &o->lists[kind];
    int64_t now = sim_now_mono_ms();
    /* drop long-expired tokens, then the oldest ones past the cap */
    while (l->head != NULL && l->head->expires_mono != 0 && l->head->expires_mono + KEEP_EXPIRED_MS < now)
        remove_token(o, l->head);
    token_t *t = l->head;
    while (l->count >= max && t != NULL) {
        token_t *n = t->next;
        if (!t->permanent)
            remove_token(o, t);
        t = n;
    }
}

static token_t *add_token(sim_oauth_t *o, tok_kind_t kind, const char *value, int64_t expires_mono)
{
    static const size_t caps[TOK_KINDS] = {MAX_ACCESS_TOKENS, MAX_REFRESH_TOKENS, MAX_CODES};
    evict(o, kind, caps[kind]);
    if (o->count + 1 > o->nbuckets * 2)
        table_grow(o);
    token_t *t = sim_calloc(1, sizeof(*t));
    t->kind = kind;
    t->value = sim_strndup(value, strlen(value));
    t->hash = str_hash(value);
    t->expires_mono = expires_mono;
    t->hnext = o->buckets[t->hash & (o->nbuckets - 1)];
    o->buckets[t->hash & (o->nbuckets - 1)] = t;
    tok_list_t *l = &o->lists[kind];
    t->prev = l->tail;
    if (l->tail != NULL)
        l->tail->next = t;
    else
        l->head = t;
    l->tail = t;
    l->count++;
    o->count++;
    return t;
}

static void hex_group(char *dst, const unsigned char *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) {
        dst[i * 2] = hex[b[i] >> 4];
        dst[i * 2 + 1] = hex[b[i] & 15];
    }
}

/* "na1-xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" from 16 bytes */
static void format_refresh(char out[40], const unsigned char b[16])
{
    memcpy(out, "na1-", 4);
    char *p = out + 4;
    hex_group(p, b, 2);
    p[4] = '-';
    hex_group(p + 5, b + 2, 2);
    p[9] = '-';
    hex_group(p + 10, b + 4, 2);
    p[14] = '-';
    hex_group(p + 15, b + 6, 2);
    p[19] = '-';
    hex_group(p + 20, b + 8, 6);
    p[32] = '\0';
}

static void new_access_token(char out[80])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char r[54];
    sim_random_bytes(r, sizeof(r));
    char *p = out;
    *p++ = 'C';
    for (size_t i = 0; i < sizeof(r); i += 3) {
        uint32_t v = ((uint32_t)r[i] << 16) | ((uint32_t)r[i + 1] << 8) | r[i + 2];
        *p++ = b64[(v >> 18) & 63];
        *p++ = b64[(v >> 12) & 63];
        *p++ = b64[(v >> 6) & 63];
        *p++ = b64[v & 63];
    }
    *p = '\0';
}

void sim_oauth_derive_refresh_token(uint64_t seed, uint64_t portal_id, char out[40])
{
    unsigned char b[16];
    uint64_t x = sim_mix64(seed ^ 0x7265667265736821ULL), y = sim_mix64(x ^ (portal_id * 0x9e3779b97f4a7c15ULL));
    x = sim_mix64(y ^ x);
    memcpy(b, &x, 8);
    memcpy(b + 8, &y, 8);
    format_refresh(out, b);
}

sim_oauth_t *sim_oauth_create(const sim_oauth_config_t *cfg, sim_stats_t *stats)
{
    sim_oauth_t *o = sim_calloc(1, sizeof(*o));
    o->cfg = *cfg;
    o->cfg.client_id = sim_strndup(cfg->client_id, strlen(cfg->client_id));
    o->cfg.client_secret = sim_strndup(cfg->client_secret, strlen(cfg->client_secret));
    o->cfg.refresh_token = sim_strndup(cfg->refresh_token, strlen(cfg->refresh_token));
    o->stats = stats;
    snprintf(o->hub_domain, sizeof(o->hub_domain), "sim-portal-%" PRIu64 ".hubspot.com", cfg->portal_id);
    o->nbuckets = 1024;
    o->buckets = sim_calloc(o->nbuckets, sizeof(token_t *));
    token_t *t = add_token(o, TOK_REFRESH, cfg->refresh_token, 0);
    t->permanent = 1;
    return o;
}

void sim_oauth_destroy(sim_oauth_t *o)
{
    if (o == NULL)
        return;
    for (int k = 0; k < TOK_KINDS; ++k)
        while (o->lists[k].head != NULL)
            remove_token(o, o->lists[k].head);
    free(o->buckets);
    free((char *)o->cfg.client_id);
    free((char *)o->cfg.client_secret);
    free((char *)o->cfg.refresh_token);
    free(o);
}

sim_auth_t sim_oauth_check_bearer(sim_oauth_t *o, const char *hdr, size_t len, int64_t *expired_ago_ms)
{
    char tok[512];
    if (hdr == NULL)
        return SIM_AUTH_MISSING;
    while (len != 0 && hdr[0] == ' ')
        ++hdr, --len;
    if (len < 7 || sim_casecmp(hdr, 7, "bearer ", 7) != 0)
        return SIM_AUTH_MISSING;
    hdr += 7;
    len -= 7;
    while (len != 0 && hdr[0] == ' ')
        ++hdr, --len;
    while (len != 0 && hdr[len - 1] == ' ')
        --len;
    if (len == 0)
        return SIM_AUTH_MISSING;
    if (len >= sizeof(tok))
        return SIM_AUTH_INVALID;
    memcpy(tok, hdr, len);
    tok[len] = '\0';
    token_t *t = find(o, tok);
    if (t == NULL || t->kind != TOK_ACCESS)
        return SIM_AUTH_INVALID;
    int64_t now = sim_now_mono_ms();
    if (t->expires_mono != 0 && t->expires_mono <= now) {
        *expired_ago_ms = now - t->expires_mono;
        return SIM_AUTH_EXPIRED;
    }
    return SIM_AUTH_OK;
}

void sim_oauth_unauthorized(sim_auth_t verdict, int64_t expired_ago_ms, sim_result_t *res)
{
    if (verdict == SIM_AUTH_EXPIRED) {
        int64_t minutes = expired_ago_ms / 60000;
        if (minutes < 60)
            sim_result_error(res, 401, "EXPIRED_AUTHENTICATION",
                             "The OAuth token used to make this call expired %" PRId64 " minute(s) ago.", minutes);
        else
            sim_result_error(res, 401, "EXPIRED_AUTHENTICATION",
                             "The OAuth token used to make this call expired %" PRId64 " hour(s) ago.", minutes / 60);
        return;
    }
    sim_result_error(res, 401, "INVALID_AUTHENTICATION",
                     "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
                     "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview");
}

static void write_scopes(sim_buf_t *b)
{
    sim_buf_appendc(b, '[');
    for (size_t i = 0; i < sizeof(SCOPES) / sizeof(SCOPES[0]); ++i) {
        if (i != 0)
            sim_buf_appendc(b, ',');
        sim_buf_append_json_cstr(b, SCOPES[i]);
    }
    sim_buf_appendc(b, ']');
}

static void oauth_fail(sim_oauth_t *o, sim_result_t *res, const char *status, const char *message)
{
    o->stats->token_requests_failed++;
    sim_result_oauth_error(res, 400, status, message);
}

static void issue_tokens(sim_oauth_t *o, const char *refresh, sim_result_t *res)
{
    char access[80];
    new_access_token(access);
    token_t *t = add_token(o, TOK_ACCESS, access, sim_now_mono_ms() + (int64_t)o->cfg.access_token_ttl * 1000);
    t->parent = sim_strndup(refresh, strlen(refresh));
    o->stats->access_tokens_issued++;
    res->status = 200;
    sim_buf_reset(&res->body);
    sim_buf_appends(&res->body, "{\"token_type\":\"bearer\",\"refresh_token\":");
    sim_buf_append_json_cstr(&res->body, refresh);
    sim_buf_appends(&res->body, ",\"access_token\":");
    sim_buf_append_json_cstr(&res->body, access);
    sim_buf_appendf(&res->body, ",\"expires_in\":%u,\"hub_id\":%" PRIu64 ",\"scopes\":", o->cfg.access_token_ttl, o->cfg.portal_id);
    write_scopes(&res->body);
    sim_buf_appendc(&res->body, '}');
}

void sim_oauth_token(sim_oauth_t *o, const sim_params_t *form, sim_result_t *res)
{
    const char *grant = sim_params_get(form, "grant_type"), *client_id = sim_params_get(form, "client_id"),
               *secret = sim_params_get(form, "client_secret");

    if (grant == NULL || (strcmp(grant, "refresh_token") != 0 && strcmp(grant, "authorization_code") != 0)) {
        oauth_fail(o, res, "BAD_GRANT_TYPE", "missing or unknown grant type");
        return;
    }
    if (client_id == NULL || strcmp(client_id, o->cfg.client_id) != 0) {
        oauth_fail(o, res, "BAD_CLIENT_ID", "missing or unknown client id");
        return;
    }
    if (secret == NULL || strcmp(secret, o->cfg.client_secret) != 0) {
        oauth_fail(o, res, "BAD_CLIENT_SECRET", "missing or invalid client secret");
        return;
    }

    if (strcmp(grant, "refresh_token") == 0) {
        const char *rt = sim_params_get(form, "refresh_token");
        token_t *t = rt != NULL ? find(o, rt) : NULL;
        if (t == NULL || t->kind != TOK_REFRESH) {
            oauth_fail(o, res, "BAD_REFRESH_TOKEN", "missing or unknown refresh token");
            return;
        }
        issue_tokens(o, t->value, res);
        return;
    }

    const char *code = sim_params_get(form, "code"), *redirect = sim_params_get(form, "redirect_uri");
    token_t *c = code != NULL ? find(o, code) : NULL;
    if (c == NULL || c->kind != TOK_CODE || c->expires_mono <= sim_now_mono_ms()) {
        oauth_fail(o, res, "BAD_AUTH_CODE", "missing or unknown auth code");
        return;
    }
    if (redirect == NULL || strcmp(redirect, c->redirect_uri) != 0) {
        oauth_fail(o, res, "BAD_REDIRECT_URI", "redirect_uri does not match initial auth code URL");
        return;
    }
    remove_token(o, c); /* codes are single-use */
    unsigned char r[16];
    char refresh[40];
    sim_random_bytes(r, sizeof(r));
    format_refresh(refresh, r);
    add_token(o, TOK_REFRESH, refresh, 0);
    o->stats->refresh_tokens_issued++;
    issue_tokens(o, refresh, res);
}

void sim_oauth_access_token_info(sim_oauth_t *o, const char *token, sim_result_t *res)
{
    token_t *t = find(o, token);
    int64_t now = sim_now_mono_ms();
    if (t == NULL || t->kind != TOK_ACCESS || t->expires_mono <= now) {
        sim_result_oauth_error(res, 404, "NOT_FOUND", "The access token does not exist or has expired");
        return;
    }
    res->status = 200;
    sim_buf_reset(&res->body);
    sim_buf_appends(&res->body, "{\"token\":");
    sim_buf_append_json_cstr(&res->body, t->value);
    /* the installing user is user 1 of the users API (users.c) */
    sim_buf_appendf(&res->body, ",\"user\":\"user1@sim-portal-%" PRIu64 ".example\",\"hub_domain\":", o->cfg.portal_id);
    sim_buf_append_json_cstr(&res->body, o->hub_domain);
    sim_buf_appends(&res->body, ",\"scopes\":");
    write_scopes(&res->body);
    sim_buf_appends(&res->body, ",\"scope_to_scope_group_pks\":[");
    for (size_t i = 0; i < sizeof(SCOPE_GROUP_PKS) / sizeof(SCOPE_GROUP_PKS[0]); ++i)
        sim_buf_appendf(&res->body, "%s%d", i ? "," : "", SCOPE_GROUP_PKS[i]);
    sim_buf_appendf(&res->body,
                    "],\"trial_scopes\":[],\"trial_scope_to_scope_group_pks\":[],\"hub_id\":%" PRIu64
                    ",\"app_id\":1,\"expires_in\":%" PRId64 ",\"user_id\":1,\"token_type\":\"access\","
                    "\"is_private_distribution\":false}",
                    o->cfg.portal_id, (t->expires_mono - now) / 1000);
}

void sim_oauth_refresh_token_info(sim_oauth_t *o, const char *token, sim_result_t *res)
{
    token_t *t = find(o, token);
    if (t == NULL || t->kind != TOK_REFRESH) {
        sim_result_oauth_error(res, 404, "NOT_FOUND", "The refresh token does not exist or was revoked");
        return;
    }
    res->status = 200;
    sim_buf_reset(&res->body);
    sim_buf_appends(&res->body, "{\"token\":");
    sim_buf_append_json_cstr(&res->body, t->value);
    /* the installing user is user 1 of the users API (users.c) */
    sim_buf_appendf(&res->body, ",\"user\":\"user1@sim-portal-%" PRIu64 ".example\",\"hub_domain\":", o->cfg.portal_id);
    sim_buf_append_json_cstr(&res->body, o->hub_domain);
    sim_buf_appends(&res->body, ",\"scopes\":");
    write_scopes(&res->body);
    sim_buf_appendf(&res->body, ",\"hub_id\":%" PRIu64 ",\"client_id\":", o->cfg.portal_id);
    sim_buf_append_json_cstr(&res->body, o->cfg.client_id);
    sim_buf_appends(&res->body, ",\"user_id\":1,\"token_type\":\"refresh\"}");
}

void sim_oauth_refresh_token_delete(sim_oauth_t *o, const char *token, sim_result_t *res)
{
    token_t *t = find(o, token);
    if (t == NULL || t->kind != TOK_REFRESH) {
        sim_result_oauth_error(res, 404, "NOT_FOUND", "The refresh token does not exist or was revoked");
        return;
    }
    t->permanent = 0;
    remove_token(o, t);
    o->stats->refresh_tokens_revoked++;
    res->status = 204;
    sim_buf_reset(&res->body);
}

static void html_escape(sim_buf_t *b, const char *s)
{
    for (; *s; ++s) {
        switch (*s) {
        case '&':
            sim_buf_appends(b, "&amp;");
            break;
        case '<':
            sim_buf_appends(b, "&lt;");
            break;
        case '>':
            sim_buf_appends(b, "&gt;");
            break;
        case '"':
            sim_buf_appends(b, "&quot;");
            break;
        case '\'':
            sim_buf_appends(b, "&#39;");
            break;
        default:
            sim_buf_appendc(b, *s);
        }
    }
}

static char *redirect_with(const char *redirect, const char *k1, const char *v1, const char *state)
{
    sim_buf_t b;
    sim_buf_init(&b, 64 * 1024);
    sim_buf_appends(&b, redirect);
    sim_buf_appendc(&b, strchr(redirect, '?') != NULL ? '&' : '?');
    sim_buf_appends(&b, k1);
    sim_buf_appendc(&b, '=');
    char *enc = sim_malloc(strlen(v1) * 3 + 1);
    sim_buf_append(&b, enc, sim_url_encode(enc, v1, strlen(v1)));
    free(enc);
    if (state != NULL) {
        sim_buf_appends(&b, "&state=");
        enc = sim_malloc(strlen(state) * 3 + 1);
        sim_buf_append(&b, enc, sim_url_encode(enc, state, strlen(state)));
        free(enc);
    }
    sim_buf_appendc(&b, '\0');
    if (b.overflow) {
        sim_buf_dispose(&b);
        return NULL;
    }
    size_t len;
    return sim_buf_steal(&b, &len);
}

void sim_oauth_authorize(sim_oauth_t *o, const sim_params_t *params, int approve, sim_result_t *res)
{
    const char *client_id = sim_params_get(params, "client_id"), *redirect = sim_params_get(params, "redirect_uri"),
               *scope = sim_params_get(params, "scope"), *state = sim_params_get(params, "state");

    if (client_id == NULL || strcmp(client_id, o->cfg.client_id) != 0) {
        sim_result_oauth_error(res, 400, "BAD_CLIENT_ID", "missing or unknown client id");
        return;
    }
    if (redirect == NULL || (strncmp(redirect, "http://", 7) != 0 && strncmp(redirect, "https://", 8) != 0)) {
        sim_result_oauth_error(res, 400, "BAD_REDIRECT_URI", "missing or invalid redirect_uri");
        return;
    }

    if (approve < 0 && !o->cfg.auto_approve) {
        sim_buf_t *b = &res->body;
        res->status = 200;
        res->content_type = "text/html;charset=utf-8";
        sim_buf_reset(b);
        sim_buf_appends(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Connect app - HubSpot simulator</title>"
                           "</head><body>\n<h1>Connect to sandbox portal ");
        sim_buf_appendf(b, "%" PRIu64, o->cfg.portal_id);
        sim_buf_appends(b, "</h1>\n<p>The app <b>");
        html_escape(b, client_id);
        sim_buf_appends(b, "</b> requests these scopes: <code>");
        html_escape(b, scope != NULL ? scope : "");
        sim_buf_appends(b, "</code></p>\n<form method=\"post\" action=\"/oauth/authorize\">\n");
        const char *names[] = {"client_id", "redirect_uri", "scope", "state"};
        const char *values[] = {client_id, redirect, scope, state};
        for (int i = 0; i < 4; ++i) {
            if (values[i] == NULL)
                continue;
            sim_buf_appendf(b, "<input type=\"hidden\" name=\"%s\" value=\"", names[i]);
            html_escape(b, values[i]);
            sim_buf_appends(b, "\">\n");
        }
        sim_buf_appends(b, "<button type=\"submit\" name=\"action\" value=\"approve\">Approve</button>\n"
                           "<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n</form></body></html>\n");
        return;
    }

    char *location;
    if (approve == 0) {
        location = redirect_with(redirect, "error", "access_denied", state);
    } else {
        char code[37];
        sim_uuid(code);
        token_t *c = add_token(o, TOK_CODE, code, sim_now_mono_ms() + CODE_TTL_MS);
        c->redirect_uri = sim_strndup(redirect, strlen(redirect));
        o->stats->auth_codes_issued++;
        location = redirect_with(redirect, "code", code, state);
    }
    if (location == NULL) {
        sim_result_oauth_error(res, 400, "BAD_REDIRECT_URI", "redirect_uri is too long");
        return;
    }
    res->status = 302;
    sim_buf_reset(&res->body);
    res->location = location;
}

void sim_oauth_expire_access_tokens(sim_oauth_t *o)
{
    int64_t now = sim_now_mono_ms();
    for (token_t *t = o->lists[TOK_ACCESS].head; t != NULL; t = t->next)
        if (t->expires_mono > now - 1)
            t->expires_mono = now - 1;
}
