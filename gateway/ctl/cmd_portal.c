/*
 * gatewayctl portal add, gatewayctl portal list, gatewayctl portal remove.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include "store/admin.h"
#include "ctl.h"

int gw_ctl_cmd_portal_add(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--hub-id"), GW_CTL_OPT_VALUE("--refresh-token"), GW_CTL_OPT_VALUE("--hub-domain"),
                           GW_CTL_OPT_VALUE("--scopes"), GW_CTL_OPT_VALUE("--installed-by"),  GW_CTL_OPT_END};
    char secret[STORE_ADMIN_REFRESH_TOKEN_MAX + 2], err[GW_CTL_ERR_MAX];
    store_admin_portal_add_t req = {0};
    store_keyring_t *kr = NULL;
    PGconn *conn = NULL;
    const char *token;
    int rc, created = 0;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--hub-id", 0, &req.hub_id)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_str_opt(ctl, opts, "--refresh-token", &token)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--installed-by", 1, &req.installed_by_user_id)) != GW_CTL_CONTINUE)
        return rc;
    req.hub_domain = gw_ctl_opt(opts, "--hub-domain");
    req.scopes = gw_ctl_opt(opts, "--scopes");

    rc = GW_CTL_EXIT_FAIL;
    secret[0] = '\0';
    /* the keys first: a missing key should not cost the operator a pasted token */
    if ((kr = gw_ctl_keyring(ctl)) == NULL)
        goto out;
    if (strcmp(token, "-") == 0) {
        if (gw_ctl_read_secret("Refresh token: ", secret, sizeof(secret), &req.refresh_token_len) != 0)
            goto out;
        req.refresh_token = secret;
    } else {
        req.refresh_token = token;
        req.refresh_token_len = strlen(token);
    }
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_portal_add(conn, kr, &req, &created, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    printf("Portal %" PRId64 " %s; refresh token sealed with key %" PRIu32 ".\n", req.hub_id, created ? "installed" : "updated",
           store_keyring_newest_id(kr));
    rc = GW_CTL_EXIT_OK;

out:
    OPENSSL_cleanse(secret, sizeof(secret));
    PQfinish(conn);
    store_keyring_destroy(kr);
    return rc;
}

static json_t *scopes_json(const char *scopes)
{
    json_t *arr = gw_ctl_check_alloc(json_array());
    const char *p = scopes;

    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        if (n != 0)
            gw_ctl_json_append(arr, json_stringn(p, n));
        p += n;
        if (*p == ',')
            ++p;
    }
    return arr;
}

int gw_ctl_cmd_portal_list(gw_ctl_t *ctl, int argc, char **argv)
{
    static const char *const headers[] = {"ID", "DOMAIN", "SCOPES", "INSTALLED BY", "KEY", "REAUTH", "CREATED", "UPDATED", NULL};
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_FLAG("--json"), GW_CTL_OPT_END};
    store_admin_portals_t *list = NULL;
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    size_t i;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_portal_list(conn, &list, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (gw_ctl_opt(opts, "--json") != NULL) {
        json_t *arr = gw_ctl_check_alloc(json_array());
        for (i = 0; i != list->count; ++i) {
            const store_admin_portal_t *p = list->items + i;
            gw_ctl_json_append(arr, json_pack("{sIsoso sosIsbssss}", "id", (json_int_t)p->id, "hub_domain",
                                              gw_ctl_json_str(p->hub_domain), "scopes", scopes_json(p->scopes),
                                              "installed_by_user_id", gw_ctl_json_id(p->installed_by_user_id),
                                              "refresh_token_key_id", (json_int_t)p->refresh_token_key_id, "needs_reauth",
                                              p->needs_reauth, "created_at", p->created_at, "updated_at", p->updated_at));
        }
        rc = gw_ctl_print_json(arr);
    } else {
        gw_ctl_table_t t;
        gw_ctl_table_init(&t, headers);
        for (i = 0; i != list->count; ++i) {
            const store_admin_portal_t *p = list->items + i;
            char id[24], by[24], key[24];
            snprintf(id, sizeof(id), "%" PRId64, p->id);
            snprintf(by, sizeof(by), "%" PRId64, p->installed_by_user_id);
            snprintf(key, sizeof(key), "%" PRId64, p->refresh_token_key_id);
            const char *row[] = {id,
                                 p->hub_domain,
                                 p->scopes[0] != '\0' ? p->scopes : NULL,
                                 p->installed_by_user_id ? by : NULL,
                                 key,
                                 p->needs_reauth ? "yes" : "no",
                                 p->created_at,
                                 p->updated_at};
            gw_ctl_table_add(&t, row);
        }
        gw_ctl_table_print(&t, stdout);
        gw_ctl_table_dispose(&t);
        rc = GW_CTL_EXIT_OK;
    }

out:
    store_admin_portals_destroy(list);
    PQfinish(conn);
    return rc;
}

/* ---- portal remove ---- */

#define REVOKE_BODY_MAX (16 * 1024)

typedef struct st_revoke_body_t {
    char buf[REVOKE_BODY_MAX + 1];
    size_t len;
} revoke_body_t;

static size_t on_revoke_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    revoke_body_t *b = userdata;
    size_t n = size * nmemb, room = REVOKE_BODY_MAX - b->len;

    /* only the start of an answer is read (for HubSpot's message); the rest is dropped */
    memcpy(b->buf + b->len, ptr, n < room ? n : room);
    b->len += n < room ? n : room;
    b->buf[b->len] = '\0';
    return n;
}

typedef enum en_revoke_result_t { REVOKED, ALREADY_REVOKED, REVOKE_FAILED } revoke_result_t;

/* Revokes a refresh token at HubSpot (DELETE /oauth/v1/refresh-tokens/{token}), waiting for the answer. */
static revoke_result_t revoke_at_hubspot(const char *base_url, const char *token, char *err, size_t errlen)
{
    revoke_result_t result = REVOKE_FAILED;
    revoke_body_t *body = gw_ctl_check_alloc(calloc(1, sizeof(*body)));
    char curl_err[CURL_ERROR_SIZE] = "", *escaped = NULL, *url = NULL;
    CURL *easy = NULL;
    CURLcode cc;
    long status = 0;
    size_t n;

    if ((easy = curl_easy_init()) == NULL || (escaped = curl_easy_escape(easy, token, 0)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    n = strlen(base_url) + strlen(escaped) + 32;
    url = gw_ctl_check_alloc(malloc(n));
    snprintf(url, n, "%s/oauth/v1/refresh-tokens/%s", base_url, escaped);
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "DELETE");
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_revoke_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "hubspot-odata-gateway-ctl/0.1");
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_err);
    if ((cc = curl_easy_perform(easy)) != CURLE_OK) {
        snprintf(err, errlen, "HubSpot could not be reached at %s: %s", base_url,
                 curl_err[0] != '\0' ? curl_err : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200 || status == 204) {
        result = REVOKED;
    } else if (status == 404) {
        result = ALREADY_REVOKED;
    } else {
        json_t *doc = json_loads(body->buf, 0, NULL);
        const char *msg = json_string_value(json_object_get(doc, "message"));
        /* HubSpot's words, unless they would repeat the token */
        if (msg == NULL || strstr(msg, token) != NULL)
            msg = "no explanation given";
        snprintf(err, errlen, "HubSpot refused to revoke the refresh token (HTTP %ld): %.200s", status, msg);
        json_decref(doc);
    }

out:
    if (escaped != NULL) {
        OPENSSL_cleanse(escaped, strlen(escaped));
        curl_free(escaped);
    }
    if (url != NULL) {
        OPENSSL_cleanse(url, strlen(url));
        free(url);
    }
    curl_easy_cleanup(easy);
    free(body);
    return result;
}

int gw_ctl_cmd_portal_remove(gw_ctl_t *ctl, int argc, char **argv)
{
    static const char *const headers[] = {"TABLE", "ROWS", NULL};
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--hub-id"), GW_CTL_OPT_FLAG("--force"), GW_CTL_OPT_VALUE("--hubspot-base-url"),
                           GW_CTL_OPT_END};
    char err[GW_CTL_ERR_MAX], base_url[1024], *token = NULL;
    store_admin_removal_t *removal = NULL;
    store_keyring_t *kr = NULL;
    PGconn *conn = NULL;
    const char *base;
    size_t token_len = 0, n;
    int64_t hub_id;
    int rc, force, curl_ready = 0;
    store_err_t se;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--hub-id", 0, &hub_id)) != GW_CTL_CONTINUE)
        return rc;
    force = gw_ctl_opt(opts, "--force") != NULL;
    if ((base = gw_ctl_opt(opts, "--hubspot-base-url")) == NULL &&
        ((base = getenv("GATEWAY_HUBSPOT_BASE_URL")) == NULL || base[0] == '\0'))
        base = "https://api.hubapi.com";
    n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        --n;
    if ((strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) || n >= sizeof(base_url))
        return gw_ctl_usage_error(ctl, "--hubspot-base-url must be an http(s) URL");
    memcpy(base_url, base, n);
    base_url[n] = '\0';

    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if ((kr = gw_ctl_keyring(ctl)) == NULL && !force)
        goto out;
    se = kr != NULL ? store_admin_portal_refresh_token(conn, kr, hub_id, &token, &token_len, NULL, err, sizeof(err))
                    : STORE_ERR_NOKEY;
    if (se == STORE_ERR_NOTFOUND || se == STORE_ERR_DB) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (se != STORE_OK) {
        if (!force) {
            gw_ctl_fail("%s; nothing was removed ('--force' removes the portal without revoking its grant at HubSpot)", err);
            goto out;
        }
        fprintf(stderr, "gatewayctl: warning: the grant of portal %" PRId64 " is not revoked at HubSpot: %s\n", hub_id,
                kr != NULL ? err : "no master key");
    } else {
        revoke_result_t rr;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
            gw_ctl_fail("libcurl could not be initialised");
            goto out;
        }
        curl_ready = 1;
        rr = revoke_at_hubspot(base_url, token, err, sizeof(err));
        if (rr == REVOKE_FAILED && !force) {
            gw_ctl_fail("%s; nothing was removed ('--force' removes the portal anyway)", err);
            goto out;
        }
        if (rr == REVOKED)
            printf("Revoked the refresh token of portal %" PRId64 " at HubSpot.\n", hub_id);
        else if (rr == ALREADY_REVOKED)
            printf("HubSpot no longer knows the refresh token of portal %" PRId64 " (already revoked).\n", hub_id);
        else
            fprintf(stderr, "gatewayctl: warning: the grant of portal %" PRId64 " is not revoked at HubSpot: %s\n", hub_id, err);
    }
    if (store_admin_portal_remove(conn, hub_id, &removal, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    printf("Removed portal %" PRId64 ":\n", hub_id);
    {
        gw_ctl_table_t t;
        gw_ctl_table_init(&t, headers);
        for (size_t i = 0; i != removal->count; ++i) {
            char rows[24];
            snprintf(rows, sizeof(rows), "%" PRId64, removal->items[i].rows);
            const char *row[] = {removal->items[i].table, rows};
            gw_ctl_table_add(&t, row);
        }
        gw_ctl_table_print(&t, stdout);
        gw_ctl_table_dispose(&t);
    }
    rc = GW_CTL_EXIT_OK;

out:
    if (token != NULL) {
        OPENSSL_cleanse(token, token_len);
        free(token);
    }
    store_admin_removal_destroy(removal);
    PQfinish(conn);
    store_keyring_destroy(kr);
    if (curl_ready)
        curl_global_cleanup();
    return rc;
}

int gw_ctl_cmd_launch(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--portal"), GW_CTL_OPT_VALUE("--user"), GW_CTL_OPT_VALUE("--ttl"),
                           GW_CTL_OPT_VALUE("--public-url"), GW_CTL_OPT_END};
    char err[GW_CTL_ERR_MAX], code[STORE_ADMIN_LAUNCH_CODE_MAX], *end;
    const char *base, *ttl_text;
    int64_t portal, user;
    long ttl = 60;
    size_t blen;
    PGconn *conn = NULL;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--portal", 0, &portal)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--user", 0, &user)) != GW_CTL_CONTINUE)
        return rc;
    if ((ttl_text = gw_ctl_opt(opts, "--ttl")) != NULL) {
        ttl = strtol(ttl_text, &end, 10);
        if (*ttl_text == '\0' || *end != '\0' || ttl < 1 || ttl > 86400)
            return gw_ctl_usage_error(ctl, "--ttl must be a number of seconds from 1 to 86400");
    }
    if ((base = gw_ctl_opt(opts, "--public-url")) == NULL && ((base = getenv("GATEWAY_PUBLIC_URL")) == NULL || base[0] == '\0'))
        base = "http://127.0.0.1:8080";
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return gw_ctl_usage_error(ctl, "--public-url must be an http(s) URL");
    for (blen = strlen(base); blen > 0 && base[blen - 1] == '/'; --blen)
        ;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_launch_create(conn, portal, user, (int)ttl, code, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    printf("%.*s/app/#launch=%s\n", (int)blen, base, code);
    OPENSSL_cleanse(code, sizeof(code));
    rc = GW_CTL_EXIT_OK;

out:
    PQfinish(conn);
    return rc;
}
