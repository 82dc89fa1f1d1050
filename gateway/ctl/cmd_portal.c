/*
 * gatewayctl portal add, gatewayctl portal list.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
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
