/*
 * What the admin API asks HubSpot on the user's behalf, with the portal's grant:
 *
 *   GET /api/v1/objects                      the standard objects the app reads and the portal's custom
 *                                            objects (HubSpot's schemas API)
 *   GET /api/v1/objects/{name}/properties    an object's properties: names, labels, groups, types
 *   GET /api/v1/users                        the portal's users (HubSpot's users API), for sharing
 *   GET /api/v1/teams                        the portal's teams
 *
 * Nothing of it is stored: property metadata stays in the HubSpot client's short-lived memory cache,
 * users and teams are read for the answer and forgotten.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gateway/api.h"
#include "hubspot/hubspot.h"

#define DIRECTORY_PAGE 100
#define DIRECTORY_MAX_PAGES 100
/* what a paging cursor may hold: it goes into a URL as it is */
#define CURSOR_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"

const char *gw_api_teams_param(api_req_t *r)
{
    size_t n = strlen(r->teams != NULL ? r->teams : "") + 3;
    char *s = h2o_mem_alloc_pool(&r->req->pool, n);
    snprintf(s, n, "{%s}", r->teams != NULL ? r->teams : "");
    return s;
}

/* ---- the grant ---- */

static void on_grant_read(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    uint32_t key_id;
    store_err_t se;

    if (res == NULL) {
        gw_api_send_db_error(r->req, "the portal's grant could not be read", err);
        return;
    }
    if (PQntuples(res) != 1) {
        gw_api_send_err(r->req, 404, "PortalNotInstalled", "the app is not installed in this portal any more");
        return;
    }
    r->grant = gw_grant_open(r->portal_id, PQgetvalue(res, 0, 0), &se, &key_id);
    if (se == STORE_ERR_NOMEM) {
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
        return;
    }
    if (r->grant == NULL || strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
        gw_api_send_err(r->req, 503, "PortalNeedsReauthorization",
                        "the portal's HubSpot authorisation cannot be used: a portal admin re-installs the app at %s/oauth/install",
                        gw_public_base(r->req));
        return;
    }
    r->grant_enc = h2o_strdup(&r->req->pool, PQgetvalue(res, 0, 0), SIZE_MAX).base;
    r->grant_then(r);
}

void gw_api_with_grant(api_req_t *r, void (*then)(api_req_t *r))
{
    const char *params[1] = {gw_api_int_param(r->req, r->portal_id)};

    if (r->grant != NULL) { /* opened already, when the session was checked with HubSpot */
        then(r);
        return;
    }

    r->grant_then = then;
    if (store_pg_query(gw.db, "SELECT refresh_token_enc, needs_reauth FROM portals WHERE id = $1::bigint", 1, params, 0,
                       on_grant_read, r) != 0)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

void gw_api_send_hs_failure(api_req_t *r, const hs_call_t *call, const char *what)
{
    const char *code;
    char msg[1400];
    int status = gw_hs_failure_of(r->portal_id, r->grant_enc, gw_public_base(r->req), call, &code, msg, sizeof(msg));

    gw_api_send_err(r->req, status, code, "%s: %s", what, msg);
}

/* HubSpot's answer as a JSON object, or NULL after answering 502 */
static json_t *answer_doc(api_req_t *r, hs_call_t *call, const char *what)
{
    const odata_buf_t *body = hs_call_body(call);
    json_t *doc = json_loadb(body->base, body->len, 0, NULL);

    if (!json_is_object(doc)) {
        json_decref(doc);
        gw_api_send_err(r->req, 502, "HubSpotInvalidAnswer", "HubSpot's answer about %s could not be read", what);
        return NULL;
    }
    return doc;
}

/* an id as HubSpot sends it (a string of digits or a number), as text in `out`; 0 when it is not one */
static int id_text(json_t *v, char *out, size_t outsz)
{
    int64_t id = json_is_integer(v)  ? (json_integer_value(v) > 0 ? json_integer_value(v) : -1)
                 : json_is_string(v) ? gw_api_parse_id(json_string_value(v), json_string_length(v))
                                     : -1;
    if (id <= 0)
        return 0;
    snprintf(out, outsz, "%" PRId64, id);
    return 1;
}

/* ---- users and teams ---- */

static void next_directory_call(api_req_t *r, const char *after);

/* A directory call's answer as a JSON object (the call destroyed), or NULL after answering its failure. */
static json_t *directory_answer(api_req_t *r, hs_call_t *call, const char *what)
{
    char doing[64];
    json_t *doc = NULL;

    r->call = NULL;
    snprintf(doing, sizeof(doing), "reading %s", what);
    if (hs_call_error(call) != HS_OK)
        gw_api_send_hs_failure(r, call, doing);
    else
        doc = answer_doc(r, call, what);
    hs_call_destroy(call);
    return doc;
}

static void on_teams(hs_call_t *call, void *data)
{
    api_req_t *r = data;
    json_t *doc, *t;
    size_t i;

    if ((doc = directory_answer(r, call, "the portal's teams")) == NULL)
        return;
    r->teams_doc = json_object();
    json_array_foreach(json_object_get(doc, "results"), i, t)
    {
        char id[24];
        if (id_text(json_object_get(t, "id"), id, sizeof(id)))
            json_object_set(r->teams_doc, id, t);
    }
    json_decref(doc);
    r->dir_then(r);
}

static void on_users_page(hs_call_t *call, void *data)
{
    api_req_t *r = data;
    json_t *doc, *u;
    const char *after;
    size_t i;

    if ((doc = directory_answer(r, call, "the portal's users")) == NULL)
        return;
    json_array_foreach(json_object_get(doc, "results"), i, u)
    {
        char id[24];
        if (id_text(json_object_get(u, "id"), id, sizeof(id)))
            json_object_set(r->users, id, u);
    }
    after = json_string_value(json_object_get(json_object_get(json_object_get(doc, "paging"), "next"), "after"));
    if (after != NULL && ++r->dir_pages >= DIRECTORY_MAX_PAGES) {
        json_decref(doc);
        gw_api_send_err(r->req, 502, "HubSpotInvalidAnswer", "HubSpot's users API kept paging past %d users",
                        DIRECTORY_PAGE * DIRECTORY_MAX_PAGES);
        return;
    }
    if (after != NULL && (strlen(after) == 0 || strlen(after) > 200 || strspn(after, CURSOR_CHARS) != strlen(after))) {
        json_decref(doc);
        gw_api_send_err(r->req, 502, "HubSpotInvalidAnswer", "HubSpot's users API sent an unusable paging cursor");
        return;
    }
    next_directory_call(r, after);
    json_decref(doc);
}

/* Asks for the next page of users (`after` not NULL), else the teams when wanted, else is done. */
static void next_directory_call(api_req_t *r, const char *after)
{
    char path[400];

    if (after != NULL) {
        snprintf(path, sizeof(path), "/settings/v3/users?limit=%d&after=%s", DIRECTORY_PAGE, after);
        r->call = hs_call_start(gw.hubspot, r->portal_id, r->grant, "GET", path, NULL, on_users_page, r);
    } else if (r->dir_teams && r->teams_doc == NULL) {
        r->call = hs_call_start(gw.hubspot, r->portal_id, r->grant, "GET", "/settings/v3/users/teams", NULL, on_teams, r);
    } else {
        r->dir_then(r);
        return;
    }
    if (r->call == NULL)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

static void start_directory(api_req_t *r)
{
    char path[64];

    if (r->users == NULL) {
        next_directory_call(r, NULL);
        return;
    }
    snprintf(path, sizeof(path), "/settings/v3/users?limit=%d", DIRECTORY_PAGE);
    if ((r->call = hs_call_start(gw.hubspot, r->portal_id, r->grant, "GET", path, NULL, on_users_page, r)) == NULL)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

void gw_api_load_directory(api_req_t *r, int users, int teams, void (*then)(api_req_t *r))
{
    r->dir_then = then;
    r->dir_teams = teams;
    if (users && (r->users = json_object()) == NULL) {
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
        return;
    }
    if (r->grant == NULL)
        gw_api_with_grant(r, start_directory);
    else
        start_directory(r);
}

static json_t *ids_of(json_t *v, json_t *into)
{
    json_t *e;
    size_t i;
    char id[24];

    if (id_text(v, id, sizeof(id)))
        json_array_append_new(into, json_integer(strtoll(id, NULL, 10)));
    json_array_foreach(v, i, e)
    {
        if (id_text(e, id, sizeof(id)))
            json_array_append_new(into, json_integer(strtoll(id, NULL, 10)));
    }
    return into;
}

static void send_users(api_req_t *r)
{
    json_t *value = json_array(), *u;
    const char *id;

    json_object_foreach(r->users, id, u)
    {
        json_t *teams = json_array();
        ids_of(json_object_get(u, "primaryTeamId"), teams);
        ids_of(json_object_get(u, "secondaryTeamIds"), teams);
        json_t *email = json_object_get(u, "email");
        json_array_append_new(value, json_pack("{s:I,s:O,s:b,s:o}", "id", (json_int_t)strtoll(id, NULL, 10), "email",
                                               json_is_string(email) ? email : json_null(), "superAdmin",
                                               json_is_true(json_object_get(u, "superAdmin")), "teamIds", teams));
    }
    gw_api_send_json(r->req, 200, json_pack("{s:o}", "value", value));
}

static void send_teams(api_req_t *r)
{
    json_t *value = json_array(), *t;
    const char *id;

    json_object_foreach(r->teams_doc, id, t)
    {
        json_t *name = json_object_get(t, "name");
        json_array_append_new(value, json_pack("{s:I,s:O}", "id", (json_int_t)strtoll(id, NULL, 10), "name",
                                               json_is_string(name) ? name : json_null()));
    }
    gw_api_send_json(r->req, 200, json_pack("{s:o}", "value", value));
}

void gw_api_users_list(api_req_t *r)
{
    gw_api_load_directory(r, 1, 0, send_users);
}

void gw_api_teams_list(api_req_t *r)
{
    gw_api_load_directory(r, 0, 1, send_teams);
}

/* ---- objects ---- */

/* the standard objects the app's scopes let it read */
static const struct {
    const char *name, *type_id, *label;
} standard_objects[] = {
    {"contacts", "0-1", "Contacts"},
    {"companies", "0-2", "Companies"},
    {"deals", "0-3", "Deals"},
    {"tickets", "0-5", "Tickets"},
};

static void on_schemas(hs_call_t *call, void *data)
{
    api_req_t *r = data;
    json_t *value = json_array(), *doc = NULL, *s;
    int readable = 1;
    size_t i;

    r->call = NULL;
    if (hs_call_error(call) != HS_OK) {
        /* without the optional custom-object scopes, HubSpot refuses the schemas: the standard objects remain */
        if (hs_call_error(call) != HS_ERR_AUTH && !(hs_call_error(call) == HS_ERR_STATUS && hs_call_status(call) == 403)) {
            gw_api_send_hs_failure(r, call, "reading the portal's custom objects");
            hs_call_destroy(call);
            json_decref(value);
            return;
        }
        readable = 0;
    } else if ((doc = answer_doc(r, call, "the portal's custom objects")) == NULL) {
        hs_call_destroy(call);
        json_decref(value);
        return;
    }
    hs_call_destroy(call);
    for (i = 0; i != sizeof(standard_objects) / sizeof(standard_objects[0]); ++i)
        json_array_append_new(value,
                              json_pack("{s:s,s:s,s:s,s:b}", "name", standard_objects[i].name, "label", standard_objects[i].label,
                                        "objectTypeId", standard_objects[i].type_id, "custom", 0));
    json_array_foreach(json_object_get(doc, "results"), i, s)
    {
        const char *name = json_string_value(json_object_get(s, "fullyQualifiedName"));
        const char *type_id = json_string_value(json_object_get(s, "objectTypeId"));
        const char *label = json_string_value(json_object_get(json_object_get(s, "labels"), "plural"));
        if (name == NULL || !hs_object_name_valid(name) || json_is_true(json_object_get(s, "archived")))
            continue;
        json_array_append_new(value, json_pack("{s:s,s:s,s:s?,s:b}", "name", name, "label", label != NULL ? label : name,
                                               "objectTypeId", type_id, "custom", 1));
    }
    json_decref(doc);
    gw_api_send_json(r->req, 200, json_pack("{s:o,s:b}", "value", value, "customObjectsReadable", readable));
}

static void ask_schemas(api_req_t *r)
{
    if ((r->call = hs_call_start(gw.hubspot, r->portal_id, r->grant, "GET", "/crm/v3/schemas", NULL, on_schemas, r)) == NULL)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

void gw_api_objects_list(api_req_t *r)
{
    gw_api_with_grant(r, ask_schemas);
}

/* ---- properties ---- */

static int cmp_props(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *gx = json_string_value(json_object_get(x, "groupName")), *gy = json_string_value(json_object_get(y, "groupName"));
    int c = strcmp(gx != NULL ? gx : "", gy != NULL ? gy : "");
    if (c != 0)
        return c;
    const char *lx = json_string_value(json_object_get(x, "label")), *ly = json_string_value(json_object_get(y, "label"));
    return strcasecmp(lx != NULL ? lx : "", ly != NULL ? ly : "");
}

static void send_properties(api_req_t *r)
{
    json_t *cached = hs_properties_cached(gw.hubspot, r->portal_id, r->target_name), *p, *value;
    json_t **sorted;
    size_t i, n = json_array_size(cached);

    if (cached == NULL) {
        gw_api_send_err(r->req, 503, "ServiceUnavailable", "the properties were forgotten meanwhile: try again");
        return;
    }
    sorted = h2o_mem_alloc_pool(&r->req->pool, (n + 1) * sizeof(*sorted));
    n = 0;
    json_array_foreach(cached, i, p)
    {
        if (json_is_string(json_object_get(p, "name")))
            sorted[n++] = p;
    }
    qsort(sorted, n, sizeof(*sorted), cmp_props);
    value = json_array();
    for (i = 0; i != n; ++i) {
        static const char *const fields[] = {"name", "label", "type", "fieldType", "groupName", "description"};
        json_t *item = json_object();
        for (size_t k = 0; k != sizeof(fields) / sizeof(fields[0]); ++k) {
            json_t *v = json_object_get(sorted[i], fields[k]);
            json_object_set(item, fields[k], v != NULL ? v : json_null());
        }
        json_array_append_new(value, item);
    }
    gw_api_send_json(r->req, 200, json_pack("{s:s,s:o}", "object", r->target_name, "value", value));
}

static void on_properties(gw_props_load_t *l)
{
    api_req_t *r = H2O_STRUCT_FROM_MEMBER(api_req_t, props, l);

    if (!gw_api_props_failed(r, 404))
        send_properties(r);
}

int gw_api_props_failed(api_req_t *r, int unknown_status)
{
    gw_props_load_t *l = &r->props;

    if (l->failed_status == 0)
        return 0;
    if (l->failed_hs_status == 400 || l->failed_hs_status == 404)
        gw_api_send_err(r->req, unknown_status, "UnknownObject", "HubSpot has no object \"%s\" in this portal", l->failed_object);
    else
        gw_api_send_err(r->req, l->failed_status, l->failed_code, "%s", l->failed_msg);
    return 1;
}

void gw_api_props_load(api_req_t *r, const char **names, size_t n, void (*cb)(gw_props_load_t *l), void (*cached)(api_req_t *r))
{
    r->props.portal_id = r->portal_id;
    r->props.refresh_token_enc = r->grant_enc;
    r->props.base_url = gw_public_base(r->req);
    r->props.cb = cb;
    switch (gw_props_load(&r->props, r->grant, names, n)) {
    case -1:
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
        break;
    case 0:
        cached(r);
        break;
    default:
        break;
    }
}

static void load_properties(api_req_t *r)
{
    const char **names = h2o_mem_alloc_pool(&r->req->pool, sizeof(*names));

    names[0] = r->target_name;
    gw_api_props_load(r, names, 1, on_properties, send_properties);
}

void gw_api_object_properties(api_req_t *r)
{
    if (!hs_object_name_valid(r->target_name)) {
        gw_api_send_err(r->req, 404, "UnknownObject", "an object name is made of a-z, 0-9, '_' and '-'");
        return;
    }
    if (hs_properties_cached(gw.hubspot, r->portal_id, r->target_name) != NULL)
        send_properties(r);
    else
        gw_api_with_grant(r, load_properties);
}
