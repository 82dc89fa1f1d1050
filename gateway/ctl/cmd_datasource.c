/*
 * gatewayctl datasource create, list and show.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "store/admin.h"
#include "ctl.h"

/*
 * Builds {"objects":[...]} from --object OBJECT[:PROP,...] options, the filter going to the only object;
 * names are checked by the store. Returns new text, or NULL when an argument is not UTF-8.
 */
static char *definition_from_objects(const gw_ctl_opt_t *objects, const char *filter)
{
    json_t *root = NULL, *arr = gw_ctl_check_alloc(json_array());
    char *text = NULL;
    size_t i;
    int bad = 0;

    for (i = 0; i != objects->count; ++i) {
        const char *spec = objects->values[i], *colon = strchr(spec, ':'), *p;
        json_t *props = gw_ctl_check_alloc(json_array());
        size_t namelen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
        if (colon != NULL) {
            for (p = colon + 1; *p != '\0';) {
                size_t n = strcspn(p, ",");
                bad |= json_array_append_new(props, json_stringn(p, n)) != 0;
                p += n;
                /* a trailing comma adds an empty name, which validation reports */
                if (*p == ',' && *++p == '\0')
                    bad |= json_array_append_new(props, json_string("")) != 0;
            }
        }
        bad |= json_array_append_new(arr, json_pack("{ss#soso}", "object", spec, (int)namelen, "properties", props, "filter",
                                                    filter != NULL ? json_string(filter) : json_null())) != 0;
    }
    root = json_pack("{so}", "objects", arr);
    if (root != NULL && !bad)
        text = gw_ctl_check_alloc(json_dumps(root, JSON_COMPACT));
    json_decref(root);
    return text;
}

int gw_ctl_cmd_datasource_create(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--portal"),
                           GW_CTL_OPT_VALUE("--owner"),
                           GW_CTL_OPT_VALUE("--name"),
                           GW_CTL_OPT_VALUE("--definition"),
                           GW_CTL_OPT_REPEATED("--object"),
                           GW_CTL_OPT_VALUE("--filter"),
                           GW_CTL_OPT_END};
    const gw_ctl_opt_t *objects = gw_ctl_opt_entry(opts, "--object");
    const char *name, *definition;
    char err[GW_CTL_ERR_MAX], *text = NULL;
    int64_t portal, owner, id;
    PGconn *conn = NULL;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--portal", 0, &portal)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--owner", 0, &owner)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_str_opt(ctl, opts, "--name", &name)) != GW_CTL_CONTINUE)
        return rc;
    definition = gw_ctl_opt(opts, "--definition");
    if ((definition != NULL) == (objects->count != 0))
        return gw_ctl_usage_error(ctl, "give either --definition or one or more --object");
    if (definition != NULL && gw_ctl_opt(opts, "--filter") != NULL)
        return gw_ctl_usage_error(ctl, "--filter goes with --object; put the filter into the --definition JSON");
    if (gw_ctl_opt(opts, "--filter") != NULL && objects->count != 1)
        return gw_ctl_usage_error(ctl, "--filter goes with exactly one --object; for several, write a --definition JSON");

    rc = GW_CTL_EXIT_FAIL;
    if (definition == NULL) {
        if ((text = definition_from_objects(objects, gw_ctl_opt(opts, "--filter"))) == NULL) {
            gw_ctl_fail("--object and --filter must be UTF-8 text");
            goto out;
        }
    } else if (strcmp(definition, "-") == 0 && (text = gw_ctl_read_stdin(STORE_ADMIN_DEFINITION_MAX)) == NULL)
        goto out;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_datasource_create(conn, portal, owner, name, text != NULL ? text : definition, &id, err, sizeof(err)) !=
        STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    printf("%" PRId64 "\n", id);
    rc = GW_CTL_EXIT_OK;

out:
    free(text);
    PQfinish(conn);
    return rc;
}

static json_t *objects_json(const char *objects)
{
    json_t *arr = gw_ctl_check_alloc(json_array());
    const char *p = objects;

    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        gw_ctl_json_append(arr, json_stringn(p, n));
        p += n;
        if (*p == ',')
            ++p;
    }
    return arr;
}

int gw_ctl_cmd_datasource_list(gw_ctl_t *ctl, int argc, char **argv)
{
    static const char *const headers[] = {"ID", "NAME", "OWNER", "OBJECTS", "CREATED", "UPDATED", NULL};
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--portal"), GW_CTL_OPT_FLAG("--json"), GW_CTL_OPT_END};
    store_admin_datasources_t *list = NULL;
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    int64_t portal;
    size_t i;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--portal", 0, &portal)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_datasource_list(conn, portal, &list, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (gw_ctl_opt(opts, "--json") != NULL) {
        json_t *arr = gw_ctl_check_alloc(json_array());
        for (i = 0; i != list->count; ++i) {
            const store_admin_datasource_t *d = list->items + i;
            gw_ctl_json_append(arr, json_pack("{sIsIsIsssossss}", "id", (json_int_t)d->id, "portal_id", (json_int_t)d->portal_id,
                                              "owner_user_id", (json_int_t)d->owner_user_id, "name", d->name, "objects",
                                              objects_json(d->objects), "created_at", d->created_at, "updated_at", d->updated_at));
        }
        rc = gw_ctl_print_json(arr);
    } else {
        gw_ctl_table_t t;
        gw_ctl_table_init(&t, headers);
        for (i = 0; i != list->count; ++i) {
            const store_admin_datasource_t *d = list->items + i;
            char id[24], owner[24];
            snprintf(id, sizeof(id), "%" PRId64, d->id);
            snprintf(owner, sizeof(owner), "%" PRId64, d->owner_user_id);
            const char *row[] = {id, d->name, owner, d->objects, d->created_at, d->updated_at};
            gw_ctl_table_add(&t, row);
        }
        gw_ctl_table_print(&t, stdout);
        gw_ctl_table_dispose(&t);
        rc = GW_CTL_EXIT_OK;
    }

out:
    store_admin_datasources_destroy(list);
    PQfinish(conn);
    return rc;
}

int gw_ctl_cmd_datasource_show(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--id"), GW_CTL_OPT_FLAG("--json"), GW_CTL_OPT_END};
    store_admin_datasources_t *list = NULL;
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    json_t *definition;
    int64_t id;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--id", 0, &id)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_datasource_get(conn, id, &list, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if ((definition = json_loads(list->items[0].definition, 0, NULL)) == NULL) {
        gw_ctl_fail("data source %" PRId64 " has a definition that is not valid JSON", id);
        goto out;
    }
    if (gw_ctl_opt(opts, "--json") != NULL) {
        const store_admin_datasource_t *d = list->items;
        rc = gw_ctl_print_json(json_pack("{sIsIsIsssssssO}", "id", (json_int_t)d->id, "portal_id", (json_int_t)d->portal_id,
                                         "owner_user_id", (json_int_t)d->owner_user_id, "name", d->name, "created_at",
                                         d->created_at, "updated_at", d->updated_at, "definition", definition));
        json_decref(definition);
    } else {
        rc = gw_ctl_print_json(definition);
    }

out:
    store_admin_datasources_destroy(list);
    PQfinish(conn);
    return rc;
}
