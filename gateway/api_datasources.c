/*
 * Data sources and their sharing in the admin API:
 *
 *   GET    /api/v1/datasources             the data sources the user sees
 *   POST   /api/v1/datasources             {"name","objects"}: a new one, owned by the user
 *   GET    /api/v1/datasources/{id}        one
 *   PATCH  /api/v1/datasources/{id}        {"name"?,"objects"?}
 *   DELETE /api/v1/datasources/{id}
 *   PUT    /api/v1/datasources/{id}/shares {"shares":[{"kind":"user"|"team","id"}]}: the whole list
 *   PUT    /api/v1/datasources/{id}/owner  {"userId"}: a new owner; the old one keeps a share
 *
 * A user sees the data sources they own and those shared with them or one of their teams; a portal
 * admin sees every one of the portal. Only the owner and the portal's admins change one. A data source
 * the user cannot see is "not found"; one they see but may not change is 403. The feed applies the same
 * rule at every request (the SQL function data_source_visible).
 *
 * Objects, properties and filters are checked against HubSpot before anything is stored: every object
 * must exist in the portal, every property in its object, and each filter must be a $filter the feed
 * accepts for that object (the same parser). Users and teams shared with, and a new owner, must exist
 * in the portal. A rejected request changes nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gateway/api.h"
#include "hubspot/hubspot.h"
#include "odata/query.h"
#include "store/admin.h"

#define SHARES_MAX 200
#define NAME_TAKEN_CONSTRAINT "data_sources_portal_id_name_key"

/* a data source as the API shows it, with $2 the user and $3 whether an admin; timestamps in UTC */
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define DS_COLUMNS                                                                                                                 \
    "d.id, d.name, d.owner_user_id, d.definition::text, "                                                                          \
    "coalesce((SELECT json_agg(json_build_object('kind', s.principal_kind, 'id', s.principal_id) "                                 \
    "ORDER BY s.principal_kind, s.principal_id) FROM data_source_shares s WHERE s.data_source_id = d.id), '[]')::text, "           \
    "(d.owner_user_id = $2::bigint OR $3::boolean), " ISO("d.created_at") ", " ISO("d.updated_at")
/* what the user ($2, teams $4, an admin when $3) sees of portal $1 */
#define DS_VISIBLE                                                                                                                 \
    "d.portal_id = $1::bigint AND ($3::boolean OR data_source_visible(d.id, d.owner_user_id, $2::bigint, $4::bigint[]))"

static json_t *ds_json(api_req_t *r, PGresult *res, int row)
{
    json_t *def = json_loads(PQgetvalue(res, row, 3), 0, NULL), *shares = json_loads(PQgetvalue(res, row, 4), 0, NULL);
    const char *id = PQgetvalue(res, row, 0);
    char url[1200];

    snprintf(url, sizeof(url), "%s/odata/%s/", gw_public_base(r->req), id);
    json_t *doc = json_pack("{s:I,s:s,s:I,s:O,s:o,s:b,s:s,s:s,s:s}", "id", (json_int_t)strtoll(id, NULL, 10), "name",
                            PQgetvalue(res, row, 1), "ownerUserId", (json_int_t)strtoll(PQgetvalue(res, row, 2), NULL, 10),
                            "objects", json_object_get(def, "objects") != NULL ? json_object_get(def, "objects") : json_null(),
                            "shares", shares != NULL ? shares : json_array(), "canEdit", strcmp(PQgetvalue(res, row, 5), "t") == 0,
                            "odataUrl", url, "createdAt", PQgetvalue(res, row, 6), "updatedAt", PQgetvalue(res, row, 7));
    json_decref(def);
    return doc;
}

/* the first four parameters of the visibility rule */
static void who(api_req_t *r, const char **params)
{
    params[0] = gw_api_int_param(r->req, r->portal_id);
    params[1] = gw_api_int_param(r->req, r->user_id);
    params[2] = r->admin ? "true" : "false";
    params[3] = gw_api_teams_param(r);
}

static void query(api_req_t *r, const char *sql, int n, const char *const *params, store_pg_cb cb)
{
    if (store_pg_query(gw.db, sql, n, params, 0, cb, r) != 0)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

/* ---- list and read ---- */

static const char list_sql[] = "SELECT " DS_COLUMNS " FROM data_sources d WHERE " DS_VISIBLE " ORDER BY lower(d.name), d.id";
static const char get_sql[] = "SELECT " DS_COLUMNS " FROM data_sources d WHERE " DS_VISIBLE " AND d.id = $5::bigint";

static void on_list(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    json_t *value;

    if (res == NULL) {
        gw_api_send_db_error(r->req, "the data sources could not be listed", err);
        return;
    }
    value = json_array();
    for (int i = 0; i != PQntuples(res); ++i)
        json_array_append_new(value, ds_json(r, res, i));
    gw_api_send_json(r->req, 200, json_pack("{s:o}", "value", value));
}

void gw_api_datasources_list(api_req_t *r)
{
    const char *params[4];
    who(r, params);
    query(r, list_sql, 4, params, on_list);
}

static void send_not_found(api_req_t *r)
{
    gw_api_send_err(r->req, 404, "NotFound", "there is no data source %" PRId64 " that you can see", r->target_id);
}

static int name_taken(api_req_t *r, const char *err)
{
    if (err == NULL || strstr(err, NAME_TAKEN_CONSTRAINT) == NULL)
        return 0;
    gw_api_send_err(r->req, 409, "NameTaken", "the portal has a data source of that name already: choose another");
    return 1;
}

/*
 * Whether `res` holds the one row a data source query wants; otherwise answers: 409 for a name the
 * portal has, 503 for another failure (`what` says what could not be done), 404 when there is no row.
 */
static int one_row(api_req_t *r, PGresult *res, const char *err, const char *what)
{
    if (res == NULL) {
        if (!name_taken(r, err))
            gw_api_send_db_error(r->req, what, err);
        return 0;
    }
    if (PQntuples(res) != 1) {
        send_not_found(r);
        return 0;
    }
    return 1;
}

static void on_get(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;

    if (one_row(r, res, err, "the data source could not be read"))
        gw_api_send_json(r->req, 200, ds_json(r, res, 0));
}

void gw_api_datasource_get(api_req_t *r)
{
    const char *params[5];
    who(r, params);
    params[4] = gw_api_int_param(r->req, r->target_id);
    query(r, get_sql, 5, params, on_get);
}

/* ---- the rights to change one ---- */

static const char rights_sql[] =
    "SELECT d.owner_user_id, (d.owner_user_id = $2::bigint OR $3::boolean) FROM data_sources d WHERE " DS_VISIBLE
    " AND d.id = $5::bigint";

static void on_rights(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;

    if (!one_row(r, res, err, "the data source could not be read"))
        return;
    if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
        gw_api_send_err(r->req, 403, "Forbidden",
                        "only the data source's owner (HubSpot user %s) or a portal admin can change, share or delete it",
                        PQgetvalue(res, 0, 0));
        return;
    }
    r->ds_then(r);
}

/* Runs `then` when the user may change data source r->target_id; or answers 404 or 403. */
static void with_rights(api_req_t *r, void (*then)(api_req_t *r))
{
    const char *params[5];
    who(r, params);
    params[4] = gw_api_int_param(r->req, r->target_id);
    r->ds_then = then;
    query(r, rights_sql, 5, params, on_rights);
}

/* ---- checking a definition against HubSpot ---- */

static void check_definition(api_req_t *r)
{
    json_t *objects = json_object_get(r->definition, "objects"), *obj, *p;
    odata_model_t *model;
    char err[512];
    size_t i, k, j;

    json_array_foreach(objects, i, obj)
    {
        const char *object = json_string_value(json_object_get(obj, "object"));
        json_t *cached = hs_properties_cached(gw.hubspot, r->portal_id, object);
        if (cached == NULL) {
            gw_api_send_err(r->req, 503, "ServiceUnavailable", "the properties of %s were forgotten meanwhile: try again", object);
            return;
        }
        json_array_foreach(json_object_get(obj, "properties"), k, p)
        {
            if (hs_property_find(cached, json_string_value(p)) == NULL) {
                gw_api_send_err(r->req, 400, "UnknownProperty", "objects[%zu]: HubSpot's %s have no property \"%s\"", i, object,
                                json_string_value(p));
                return;
            }
        }
    }
    if ((model = hs_model_build(gw.hubspot, r->portal_id, r->definition, err, sizeof(err))) == NULL) {
        gw_api_send_err(r->req, 400, "InvalidDefinition", "%s", err);
        return;
    }
    json_array_foreach(objects, i, obj)
    {
        const char *object = json_string_value(json_object_get(obj, "object"));
        const char *filter = json_string_value(json_object_get(obj, "filter"));
        odata_query_error_t qerr;
        char option[48];
        if (filter == NULL)
            continue;
        for (j = 0; j != model->nsets && strcmp(model->sets[j].source, object) != 0; ++j)
            ;
        snprintf(option, sizeof(option), "objects[%zu].filter", i);
        int missing = j == model->nsets;
        if (missing || odata_filter_check(&model->sets[j], option, filter, strlen(filter), NULL, &qerr) != ODATA_OK) {
            odata_model_destroy(model);
            if (missing || qerr.status == 500)
                gw_api_send_err(r->req, 500, "InternalError", "the filter could not be checked");
            else
                gw_api_send_err(r->req, 400, "InvalidFilter", "%s", qerr.message);
            return;
        }
    }
    odata_model_destroy(model);
    r->ds_then(r);
}

static void on_definition_props(gw_props_load_t *l)
{
    api_req_t *r = H2O_STRUCT_FROM_MEMBER(api_req_t, props, l);

    if (!gw_api_props_failed(r, 400))
        check_definition(r);
}

static void load_definition_props(api_req_t *r)
{
    json_t *objects = json_object_get(r->definition, "objects"), *obj;
    const char **names = h2o_mem_alloc_pool(&r->req->pool, json_array_size(objects) * sizeof(*names));
    size_t i;

    json_array_foreach(objects, i, obj)
    {
        names[i] = json_string_value(json_object_get(obj, "object"));
    }
    gw_api_props_load(r, names, json_array_size(objects), on_definition_props, check_definition);
}

/*
 * Reads the body's "name" and "objects" (each optional when `partial`) into r->ds_name and
 * r->definition / r->ds_text. Returns 0, or -1 after answering 400.
 */
static int read_body(api_req_t *r, int partial)
{
    json_t *name = json_object_get(r->body, "name"), *objects = json_object_get(r->body, "objects");
    char err[512], *text, *normalized = NULL;

    if (partial && name == NULL && objects == NULL) {
        gw_api_send_err(r->req, 400, "InvalidRequest", "give a new \"name\", new \"objects\" or both");
        return -1;
    }
    if (name != NULL || !partial) {
        if (!json_is_string(name) || !store_admin_name_valid(json_string_value(name))) {
            gw_api_send_err(r->req, 400, "InvalidName", "name must be 1 to %d characters without control characters",
                            STORE_ADMIN_NAME_MAX);
            return -1;
        }
        r->ds_name = json_string_value(name);
    }
    if (objects == NULL && partial)
        return 0;
    json_t *def = json_pack("{s:O}", "objects", objects != NULL ? objects : json_null());
    text = def != NULL ? json_dumps(def, JSON_COMPACT) : NULL;
    json_decref(def);
    if (text == NULL) {
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
        return -1;
    }
    store_err_t se = store_admin_definition_validate(text, strlen(text), &normalized, err, sizeof(err));
    free(text);
    if (se != STORE_OK) {
        if (se == STORE_ERR_NOMEM)
            gw_api_send_err(r->req, 500, "InternalError", "out of memory");
        else
            gw_api_send_err(r->req, 400, "InvalidDefinition", "%s", err);
        return -1;
    }
    r->ds_text = normalized;
    if ((r->definition = json_loads(normalized, 0, NULL)) == NULL) {
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
        return -1;
    }
    return 0;
}

/* ---- create ---- */

static const char insert_sql[] =
    "WITH " GW_API_ACTOR("$2") ", d AS (INSERT INTO data_sources (portal_id, owner_user_id, name, definition) "
                               "SELECT $1::bigint, $2::bigint, $4::text, $5::jsonb FROM actor RETURNING *) "
                               "SELECT " DS_COLUMNS " FROM d";

static void on_inserted(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;

    if (!one_row(r, res, err, "the data source could not be stored"))
        return;
    gw_log(GW_LOG_INFO, "api", "portal=%" PRId64 " user=%" PRId64 " created data source %s", r->portal_id, r->user_id,
           PQgetvalue(res, 0, 0));
    gw_api_send_json(r->req, 201, ds_json(r, res, 0));
}

static void insert(api_req_t *r)
{
    const char *params[5] = {gw_api_int_param(r->req, r->portal_id), gw_api_int_param(r->req, r->user_id),
                             r->admin ? "true" : "false", r->ds_name, r->ds_text};
    query(r, insert_sql, 5, params, on_inserted);
}

void gw_api_datasource_create(api_req_t *r)
{
    if (read_body(r, 0) != 0)
        return;
    r->ds_then = insert;
    gw_api_with_grant(r, load_definition_props);
}

/* ---- update ---- */

static const char update_sql[] =
    "WITH " GW_API_ACTOR("$2") ", d AS (UPDATE data_sources d SET name = coalesce($5::text, d.name), "
                               "definition = coalesce($6::jsonb, d.definition), updated_at = now() FROM actor WHERE d.id = "
                               "$4::bigint AND d.portal_id = $1::bigint AND (d.owner_user_id = $2::bigint OR $3::boolean) "
                               "RETURNING *) SELECT " DS_COLUMNS " FROM d";

static void on_updated(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;

    /* no row: deleted, or given away, since the rights were read */
    if (!one_row(r, res, err, "the data source could not be changed"))
        return;
    gw_log(GW_LOG_INFO, "api", "portal=%" PRId64 " user=%" PRId64 " changed data source %" PRId64, r->portal_id, r->user_id,
           r->target_id);
    gw_api_send_json(r->req, 200, ds_json(r, res, 0));
}

static void update(api_req_t *r)
{
    const char *params[6] = {gw_api_int_param(r->req, r->portal_id),
                             gw_api_int_param(r->req, r->user_id),
                             r->admin ? "true" : "false",
                             gw_api_int_param(r->req, r->target_id),
                             r->ds_name,
                             r->ds_text};
    query(r, update_sql, 6, params, on_updated);
}

static void check_then_update(api_req_t *r)
{
    if (r->definition == NULL) {
        update(r);
        return;
    }
    r->ds_then = update;
    gw_api_with_grant(r, load_definition_props);
}

void gw_api_datasource_update(api_req_t *r)
{
    if (read_body(r, 1) != 0)
        return;
    with_rights(r, check_then_update);
}

/* ---- delete ---- */

static const char delete_sql[] =
    "WITH " GW_API_ACTOR("$2") " DELETE FROM data_sources USING actor WHERE id = $4::bigint "
                               "AND portal_id = $1::bigint AND (owner_user_id = $2::bigint OR $3::boolean) RETURNING id";

static void on_deleted(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;

    if (!one_row(r, res, err, "the data source could not be deleted"))
        return;
    gw_log(GW_LOG_INFO, "api", "portal=%" PRId64 " user=%" PRId64 " deleted data source %" PRId64, r->portal_id, r->user_id,
           r->target_id);
    r->req->res.status = 204;
    r->req->res.reason = "No Content";
    h2o_send_inline(r->req, NULL, 0);
}

static void delete_ds(api_req_t *r)
{
    const char *params[4] = {gw_api_int_param(r->req, r->portal_id), gw_api_int_param(r->req, r->user_id),
                             r->admin ? "true" : "false", gw_api_int_param(r->req, r->target_id)};
    query(r, delete_sql, 4, params, on_deleted);
}

void gw_api_datasource_delete(api_req_t *r)
{
    with_rights(r, delete_ds);
}

/* ---- sharing ---- */

static const char shares_sql[] =
    "WITH " GW_API_ACTOR("$2") ", d AS (SELECT id FROM data_sources, actor WHERE id = $4::bigint "
                               "AND portal_id = $1::bigint AND (owner_user_id = $2::bigint OR $3::boolean) "
                               "FOR UPDATE OF data_sources), "
                               "want AS (SELECT * FROM unnest($5::text[], $6::bigint[]) AS w(kind, pid)), "
                               "del AS (DELETE FROM data_source_shares s USING d WHERE s.data_source_id = d.id AND NOT EXISTS "
                               "(SELECT 1 FROM want WHERE want.kind = s.principal_kind AND want.pid = s.principal_id)), "
                               "ins AS (INSERT INTO data_source_shares (portal_id, data_source_id, principal_kind, principal_id) "
                               "SELECT $1::bigint, d.id, want.kind, want.pid FROM d, want ON CONFLICT DO NOTHING), "
                               "upd AS (UPDATE data_sources x SET updated_at = now() FROM d WHERE x.id = d.id) "
                               "SELECT id FROM d";

static void on_changed_then_get(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;

    if (!one_row(r, res, err, "the data source could not be changed"))
        return;
    gw_log(GW_LOG_INFO, "api", "portal=%" PRId64 " user=%" PRId64 " changed the sharing or owner of data source %" PRId64,
           r->portal_id, r->user_id, r->target_id);
    gw_api_datasource_get(r);
}

static void store_shares(api_req_t *r)
{
    json_t *s;
    size_t i;

    /* every principal must exist in the portal */
    json_array_foreach(json_object_get(r->body, "shares"), i, s)
    {
        const char *kind = json_string_value(json_object_get(s, "kind"));
        char id[24];
        snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(s, "id")));
        if (strcmp(kind, "user") == 0 && json_object_get(r->users, id) == NULL) {
            gw_api_send_err(r->req, 400, "UnknownUser", "shares[%zu]: HubSpot has no user %s in this portal", i, id);
            return;
        }
        if (strcmp(kind, "team") == 0 && json_object_get(r->teams_doc, id) == NULL) {
            gw_api_send_err(r->req, 400, "UnknownTeam", "shares[%zu]: HubSpot has no team %s in this portal", i, id);
            return;
        }
    }
    const char *params[6] = {gw_api_int_param(r->req, r->portal_id),
                             gw_api_int_param(r->req, r->user_id),
                             r->admin ? "true" : "false",
                             gw_api_int_param(r->req, r->target_id),
                             r->share_kinds,
                             r->share_ids};
    query(r, shares_sql, 6, params, on_changed_then_get);
}

static void load_principals(api_req_t *r)
{
    gw_api_load_directory(r, strstr(r->share_kinds, "user") != NULL, strstr(r->share_kinds, "team") != NULL, store_shares);
}

void gw_api_datasource_share(api_req_t *r)
{
    static const char *const names[] = {"kind", "id", NULL};
    json_t *shares = json_object_get(r->body, "shares"), *s, *seen;
    size_t i, cap;
    char *kinds, *ids;
    size_t kl = 1, il = 1;

    if (!json_is_array(shares) || json_array_size(shares) > SHARES_MAX) {
        gw_api_send_err(r->req, 400, "InvalidRequest", "shares must be a list of at most %d {\"kind\", \"id\"}", SHARES_MAX);
        return;
    }
    cap = json_array_size(shares) * 24 + 3;
    kinds = h2o_mem_alloc_pool(&r->req->pool, cap);
    ids = h2o_mem_alloc_pool(&r->req->pool, cap);
    kinds[0] = ids[0] = '{';
    seen = json_object();
    json_array_foreach(shares, i, s)
    {
        const char *kind = json_string_value(json_object_get(s, "kind")), *key;
        json_t *id = json_object_get(s, "id"), *v;
        char k[32];
        int bad = !json_is_object(s) || kind == NULL || (strcmp(kind, "user") != 0 && strcmp(kind, "team") != 0) ||
                  !json_is_integer(id) || json_integer_value(id) <= 0;
        json_object_foreach(s, key, v)
        {
            size_t n;
            for (n = 0; names[n] != NULL && strcmp(names[n], key) != 0; ++n)
                ;
            bad |= names[n] == NULL;
        }
        if (bad) {
            json_decref(seen);
            gw_api_send_err(r->req, 400, "InvalidRequest",
                            "shares[%zu] must be {\"kind\": \"user\" or \"team\", \"id\": a HubSpot user or team id}", i);
            return;
        }
        snprintf(k, sizeof(k), "%s:%" JSON_INTEGER_FORMAT, kind, json_integer_value(id));
        if (json_object_get(seen, k) != NULL) {
            json_decref(seen);
            gw_api_send_err(r->req, 400, "InvalidRequest", "shares[%zu] repeats %s %" JSON_INTEGER_FORMAT, i, kind,
                            json_integer_value(id));
            return;
        }
        json_object_set_new(seen, k, json_true());
        kl += (size_t)snprintf(kinds + kl, cap - kl, "%s%s", i != 0 ? "," : "", kind);
        il += (size_t)snprintf(ids + il, cap - il, "%s%" JSON_INTEGER_FORMAT, i != 0 ? "," : "", json_integer_value(id));
    }
    json_decref(seen);
    snprintf(kinds + kl, cap - kl, "}");
    snprintf(ids + il, cap - il, "}");
    r->share_kinds = kinds;
    r->share_ids = ids;
    with_rights(r, load_principals);
}

/* ---- ownership ---- */

static const char owner_sql[] = "WITH " GW_API_ACTOR(
    "$2") ", d AS (SELECT id, owner_user_id FROM data_sources, actor WHERE id = $4::bigint "
          "AND portal_id = $1::bigint AND (owner_user_id = $2::bigint OR $3::boolean) FOR UPDATE OF data_sources), "
          "u AS (UPDATE data_sources x SET owner_user_id = $5::bigint, updated_at = now() FROM d WHERE x.id = d.id), "
          /* the previous owner keeps seeing it; the new owner needs no share */
          "keep AS (INSERT INTO data_source_shares (portal_id, data_source_id, principal_kind, principal_id) "
          "SELECT $1::bigint, d.id, 'user', d.owner_user_id FROM d WHERE d.owner_user_id <> $5::bigint ON CONFLICT DO NOTHING), "
          "drop AS (DELETE FROM data_source_shares s USING d WHERE s.data_source_id = d.id AND s.principal_kind = 'user' "
          "AND s.principal_id = $5::bigint) "
          "SELECT id FROM d";

static void on_new_owner(hs_call_t *call, void *data)
{
    api_req_t *r = data;
    json_t *to = json_object_get(r->body, "userId");

    r->call = NULL;
    if (hs_call_error(call) == HS_ERR_STATUS && hs_call_status(call) == 404) {
        hs_call_destroy(call);
        gw_api_send_err(r->req, 400, "UnknownUser", "HubSpot has no user %" JSON_INTEGER_FORMAT " in this portal",
                        json_integer_value(to));
        return;
    }
    if (hs_call_error(call) != HS_OK) {
        gw_api_send_hs_failure(r, call, "asking HubSpot about the new owner");
        hs_call_destroy(call);
        return;
    }
    hs_call_destroy(call);
    const char *params[5] = {gw_api_int_param(r->req, r->portal_id), gw_api_int_param(r->req, r->user_id),
                             r->admin ? "true" : "false", gw_api_int_param(r->req, r->target_id),
                             gw_api_int_param(r->req, json_integer_value(to))};
    query(r, owner_sql, 5, params, on_changed_then_get);
}

static void ask_new_owner(api_req_t *r)
{
    char path[64];
    snprintf(path, sizeof(path), "/settings/v3/users/%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(r->body, "userId")));
    if ((r->call = hs_call_start(gw.hubspot, r->portal_id, r->grant, "GET", path, NULL, on_new_owner, r)) == NULL)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

static void with_grant_ask_new_owner(api_req_t *r)
{
    gw_api_with_grant(r, ask_new_owner);
}

void gw_api_datasource_transfer(api_req_t *r)
{
    json_t *to = json_object_get(r->body, "userId");

    if (!json_is_integer(to) || json_integer_value(to) <= 0 || json_integer_value(to) > INT64_C(999999999999999999)) {
        gw_api_send_err(r->req, 400, "InvalidRequest", "userId must be the HubSpot user id of the new owner");
        return;
    }
    with_rights(r, with_grant_ask_new_owner);
}
