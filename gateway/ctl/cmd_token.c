/*
 * gatewayctl token mint, list and revoke.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/admin.h"
#include "ctl.h"

int gw_ctl_cmd_token_mint(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--portal"), GW_CTL_OPT_VALUE("--owner"), GW_CTL_OPT_VALUE("--name"),
                           GW_CTL_OPT_VALUE("--days"), GW_CTL_OPT_END};
    char token[STORE_TOKEN_LEN + 1], err[GW_CTL_ERR_MAX];
    const char *name;
    int64_t portal, owner, days = STORE_ADMIN_TOKEN_DAYS_DEFAULT, id;
    PGconn *conn = NULL;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--portal", 0, &portal)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--owner", 0, &owner)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_str_opt(ctl, opts, "--name", &name)) != GW_CTL_CONTINUE)
        return rc;
    if (gw_ctl_opt(opts, "--days") != NULL) {
        if ((rc = gw_ctl_id_opt(ctl, opts, "--days", 0, &days)) != GW_CTL_CONTINUE)
            return rc;
        if (days > STORE_ADMIN_TOKEN_DAYS_MAX)
            return gw_ctl_usage_error(ctl, "--days must be 1 to %d", STORE_ADMIN_TOKEN_DAYS_MAX);
    }

    rc = GW_CTL_EXIT_FAIL;
    token[0] = '\0';
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_token_mint(conn, portal, owner, name, (int)days, token, &id, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    printf("Token: %s\nToken id: %" PRId64 "\n", token, id);
    fflush(stdout);
    fprintf(stderr, "Store the token now: only its hash is kept, it cannot be shown again.\n");
    rc = GW_CTL_EXIT_OK;

out:
    OPENSSL_cleanse(token, sizeof(token));
    PQfinish(conn);
    return rc;
}

int gw_ctl_cmd_token_list(gw_ctl_t *ctl, int argc, char **argv)
{
    static const char *const headers[] = {"ID",      "NAME",      "OWNER",   "PREFIX",  "STATUS",
                                          "CREATED", "LAST USED", "EXPIRES", "REVOKED", NULL};
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--portal"), GW_CTL_OPT_VALUE("--owner"), GW_CTL_OPT_FLAG("--json"), GW_CTL_OPT_END};
    store_admin_tokens_t *list = NULL;
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    int64_t portal, owner;
    size_t i;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--portal", 0, &portal)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--owner", 1, &owner)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_token_list(conn, portal, owner, &list, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (gw_ctl_opt(opts, "--json") != NULL) {
        json_t *arr = gw_ctl_check_alloc(json_array());
        for (i = 0; i != list->count; ++i) {
            const store_admin_token_t *t = list->items + i;
            gw_ctl_json_append(arr,
                               json_pack("{sIsIsIsssssssssssososo}", "id", (json_int_t)t->id, "portal_id", (json_int_t)t->portal_id,
                                         "owner_user_id", (json_int_t)t->owner_user_id, "name", t->name, "display_prefix",
                                         t->display_prefix, "status", t->status, "created_at", t->created_at, "expires_at",
                                         t->expires_at, "last_used_at", gw_ctl_json_str(t->last_used_at), "revoked_at",
                                         gw_ctl_json_str(t->revoked_at), "revoked_by", gw_ctl_json_id(t->revoked_by)));
        }
        rc = gw_ctl_print_json(arr);
    } else {
        gw_ctl_table_t table;
        gw_ctl_table_init(&table, headers);
        for (i = 0; i != list->count; ++i) {
            const store_admin_token_t *t = list->items + i;
            char id[24], owner_text[24], prefix[STORE_TOKEN_DISPLAY_LEN + 8];
            snprintf(id, sizeof(id), "%" PRId64, t->id);
            snprintf(owner_text, sizeof(owner_text), "%" PRId64, t->owner_user_id);
            snprintf(prefix, sizeof(prefix), "%s...", t->display_prefix);
            const char *row[] = {
                id, t->name, owner_text, prefix, t->status, t->created_at, t->last_used_at, t->expires_at, t->revoked_at};
            gw_ctl_table_add(&table, row);
        }
        gw_ctl_table_print(&table, stdout);
        gw_ctl_table_dispose(&table);
        rc = GW_CTL_EXIT_OK;
    }

out:
    store_admin_tokens_destroy(list);
    PQfinish(conn);
    return rc;
}

int gw_ctl_cmd_token_revoke(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--id"), GW_CTL_OPT_VALUE("--by"), GW_CTL_OPT_END};
    char err[GW_CTL_ERR_MAX];
    int64_t id, by;
    PGconn *conn = NULL;
    int rc, already = 0;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--id", 0, &id)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--by", 1, &by)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_token_revoke(conn, id, by, &already, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (already)
        printf("Token %" PRId64 " was already revoked.\n", id);
    else
        printf("Token %" PRId64 " revoked.\n", id);
    rc = GW_CTL_EXIT_OK;

out:
    PQfinish(conn);
    return rc;
}
