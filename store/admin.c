/*
 * Blocking administration of portals, data sources and personal access tokens (see admin.h).
 * Every value reaches PostgreSQL as a parameter; bytea parameters go in binary format.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include "store/admin.h"
#include "store/internal.h"

#define BYTEAOID 17

/* renders a timestamptz column as ISO 8601 text in UTC */
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

typedef char int64_text_t[24];

static const char *int64_param(int64_text_t buf, int64_t v)
{
    snprintf(buf, sizeof(int64_text_t), "%" PRId64, v);
    return buf;
}

static PGresult *exec_params(PGconn *conn, const char *sql, int n, const char *const *values)
{
    return PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
}

/* 1 to STORE_ADMIN_NAME_MAX characters of UTF-8 text (the server checks the encoding), no control characters */
int store_admin_name_valid(const char *name)
{
    size_t chars = 0;
    const unsigned char *p;

    if (name == NULL)
        return 0;
    for (p = (const unsigned char *)name; *p != '\0'; ++p) {
        if (*p < 0x20 || *p == 0x7f)
            return 0;
        if ((*p & 0xc0) != 0x80)
            ++chars;
    }
    return chars >= 1 && chars <= STORE_ADMIN_NAME_MAX;
}

static int all_chars_in(const char *s, size_t len, const char *extra)
{
    size_t i;

    for (i = 0; i != len; ++i) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c) != NULL)))
            return 0;
    }
    return 1;
}

/* ---- schema ---- */

store_err_t store_admin_schema_version(PGconn *conn, int *version, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_DB;
    PGresult *res;

    *version = 0;
    res = PQexec(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        result = store__db_error(conn, res, "cannot read the schema version", err, errlen);
        goto out;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        result = STORE_OK;
        goto out;
    }
    PQclear(res);
    res = PQexec(conn, "SELECT COALESCE(max(version), 0) FROM schema_migrations");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        result = store__db_error(conn, res, "cannot read the schema version", err, errlen);
        goto out;
    }
    *version = atoi(PQgetvalue(res, 0, 0));
    result = STORE_OK;

out:
    PQclear(res);
    return result;
}

/* ---- portals ---- */

/* comma-separated OAuth scope names such as crm.objects.contacts.read; "" is no scope */
static int valid_scopes(const char *scopes)
{
    size_t len = strlen(scopes), start = 0, i;

    if (len == 0)
        return 1;
    if (len > STORE_ADMIN_SCOPES_MAX)
        return 0;
    for (i = 0; i <= len; ++i) {
        if (i == len || scopes[i] == ',') {
            if (i == start)
                return 0;
            start = i + 1;
        } else if (!all_chars_in(scopes + i, 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ._:/-")) {
            return 0;
        }
    }
    return 1;
}

store_err_t store_admin_portal_add(PGconn *conn, const store_keyring_t *kr, const store_admin_portal_add_t *req, int *created,
                                   char *err, size_t errlen)
{
    /* one statement: the installing user becomes an admin of the portal in the same transaction */
    static const char sql[] =
        "WITH up AS (INSERT INTO portals AS p "
        "(id, hub_domain, scopes, installed_by_user_id, refresh_token_key_id, refresh_token_enc) "
        "VALUES ($1::bigint, $2::text, COALESCE(string_to_array($3::text, ','), '{}'), $4::bigint, $5::integer, $6::bytea) "
        "ON CONFLICT (id) DO UPDATE SET "
        "hub_domain = COALESCE(EXCLUDED.hub_domain, p.hub_domain), "
        "scopes = CASE WHEN $3::text IS NULL THEN p.scopes ELSE EXCLUDED.scopes END, "
        "installed_by_user_id = COALESCE(EXCLUDED.installed_by_user_id, p.installed_by_user_id), "
        "refresh_token_key_id = EXCLUDED.refresh_token_key_id, refresh_token_enc = EXCLUDED.refresh_token_enc, "
        "needs_reauth = false, updated_at = now() "
        "RETURNING id, (xmax = 0) AS created), "
        "admin AS (INSERT INTO portal_admins (portal_id, user_id) SELECT id, $4::bigint FROM up WHERE $4::bigint IS NOT NULL "
        "ON CONFLICT DO NOTHING) "
        "SELECT created FROM up";
    store_err_t result = STORE_ERR_INVALID;
    PGresult *res = NULL;
    unsigned char *blob = NULL;
    size_t bloblen = 0, i;
    uint32_t key_id = 0;
    int64_text_t id_text, user_text, key_text;
    const char *values[6];
    int lengths[6] = {0}, formats[6] = {0, 0, 0, 0, 0, 1};
    Oid types[6] = {0, 0, 0, 0, 0, BYTEAOID};

    if (created != NULL)
        *created = 0;
    if (req->hub_id <= 0) {
        store__set_err(err, errlen, "the hub id must be a positive integer");
        goto out;
    }
    if (req->refresh_token == NULL || req->refresh_token_len == 0 || req->refresh_token_len > STORE_ADMIN_REFRESH_TOKEN_MAX) {
        store__set_err(err, errlen, "the refresh token must be 1 to %d characters", STORE_ADMIN_REFRESH_TOKEN_MAX);
        goto out;
    }
    for (i = 0; i != req->refresh_token_len; ++i) {
        unsigned char c = (unsigned char)req->refresh_token[i];
        if (c <= 0x20 || c >= 0x7f) {
            store__set_err(err, errlen, "the refresh token may hold only printable ASCII characters without spaces");
            goto out;
        }
    }
    if (req->hub_domain != NULL && (req->hub_domain[0] == '\0' || strlen(req->hub_domain) > STORE_ADMIN_HUB_DOMAIN_MAX ||
                                    !all_chars_in(req->hub_domain, strlen(req->hub_domain), "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-"))) {
        store__set_err(err, errlen, "the hub domain must be a host name (letters, digits, '.' and '-')");
        goto out;
    }
    if (req->scopes != NULL && !valid_scopes(req->scopes)) {
        store__set_err(err, errlen,
                       "scopes must be a comma-separated list of scope names (letters, digits, '.', '_', ':', '/', '-')");
        goto out;
    }
    if (req->installed_by_user_id < 0) {
        store__set_err(err, errlen, "the installing user id must be a positive integer");
        goto out;
    }

    if ((result = store_seal(kr, req->hub_id, req->refresh_token, req->refresh_token_len, &blob, &bloblen, &key_id)) != STORE_OK) {
        store__set_err(err, errlen, "cannot seal the refresh token (error %d)", (int)result);
        goto out;
    }
    values[0] = int64_param(id_text, req->hub_id);
    values[1] = req->hub_domain;
    values[2] = req->scopes;
    values[3] = req->installed_by_user_id != 0 ? int64_param(user_text, req->installed_by_user_id) : NULL;
    values[4] = int64_param(key_text, key_id);
    values[5] = (const char *)blob;
    lengths[5] = (int)bloblen;
    res = PQexecParams(conn, sql, 6, types, values, lengths, formats, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        result = store__db_error(conn, res, "cannot store the portal", err, errlen);
        goto out;
    }
    if (created != NULL)
        *created = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    result = STORE_OK;

out:
    PQclear(res);
    free(blob);
    return result;
}

/* clang-format off */
static const char portal_list_sql[] =
    "SELECT id, hub_domain, array_to_string(scopes, ','), installed_by_user_id, refresh_token_key_id, needs_reauth, "
    TS("created_at") ", " TS("updated_at") " FROM portals ORDER BY id";
/* clang-format on */

store_err_t store_admin_portal_list(PGconn *conn, store_admin_portals_t **out, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_NOMEM;
    store_admin_portals_t *list = NULL;
    int i, n;

    *out = NULL;
    if ((list = calloc(1, sizeof(*list))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    list->_res = PQexec(conn, portal_list_sql);
    if (PQresultStatus(list->_res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, list->_res, "cannot list portals", err, errlen);
        goto out;
    }
    n = PQntuples(list->_res);
    if (n != 0 && (list->items = calloc((size_t)n, sizeof(*list->items))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    for (i = 0; i != n; ++i) {
        store_admin_portal_t *p = list->items + i;
        p->id = store__get_int64(list->_res, i, 0);
        p->hub_domain = store__get_str(list->_res, i, 1);
        p->scopes = PQgetvalue(list->_res, i, 2);
        p->installed_by_user_id = store__get_int64(list->_res, i, 3);
        p->refresh_token_key_id = store__get_int64(list->_res, i, 4);
        p->needs_reauth = strcmp(PQgetvalue(list->_res, i, 5), "t") == 0;
        p->created_at = PQgetvalue(list->_res, i, 6);
        p->updated_at = PQgetvalue(list->_res, i, 7);
    }
    list->count = (size_t)n;
    *out = list;
    list = NULL;
    result = STORE_OK;

out:
    store_admin_portals_destroy(list);
    return result;
}

void store_admin_portals_destroy(store_admin_portals_t *list)
{
    if (list == NULL)
        return;
    PQclear(list->_res);
    free(list->items);
    free(list);
}

store_err_t store_admin_portal_refresh_token(PGconn *conn, const store_keyring_t *kr, int64_t portal_id, char **token,
                                             size_t *token_len, uint32_t *key_id, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_DB;
    PGresult *res;
    int64_text_t id_text;
    const char *values[1] = {int64_param(id_text, portal_id)};
    const unsigned char *blob;
    unsigned char *pt = NULL;
    size_t bloblen, ptlen = 0;
    uint32_t kid = 0;

    *token = NULL;
    *token_len = 0;
    if (key_id != NULL)
        *key_id = 0;
    /* the bytea column in binary form: the blob as it is */
    res = PQexecParams(conn, "SELECT refresh_token_enc FROM portals WHERE id = $1::bigint", 1, NULL, values, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, res, "cannot read the portal", err, errlen);
        goto out;
    }
    if (PQntuples(res) != 1) {
        store__set_err(err, errlen, "there is no portal %" PRId64, portal_id);
        result = STORE_ERR_NOTFOUND;
        goto out;
    }
    blob = (const unsigned char *)PQgetvalue(res, 0, 0);
    bloblen = (size_t)PQgetlength(res, 0, 0);
    store_sealed_key_id(blob, bloblen, &kid);
    if (key_id != NULL)
        *key_id = kid;
    if ((result = store_open(kr, portal_id, blob, bloblen, &pt, &ptlen)) != STORE_OK) {
        if (result == STORE_ERR_NOKEY)
            store__set_err(err, errlen,
                           "the refresh token of portal %" PRId64 " is sealed with master key %" PRIu32
                           ", which the configured keys do not include",
                           portal_id, kid);
        else
            store__set_err(err, errlen,
                           "the refresh token of portal %" PRId64 " cannot be opened with master key %" PRIu32
                           " (a different key with that id, or damaged data)",
                           portal_id, kid);
        goto out;
    }
    *token = (char *)pt;
    *token_len = ptlen;

out:
    PQclear(res);
    return result;
}

store_err_t store_admin_portal_remove(PGconn *conn, int64_t portal_id, store_admin_removal_t **out, char *err, size_t errlen)
{
    /* one statement, so one transaction: portal_remove() (migration 003) locks the portal, counts and deletes */
    store_admin_removal_t *removal = NULL;
    int64_text_t id_text;
    const char *values[1] = {int64_param(id_text, portal_id)};
    int i, n;

    *out = NULL;
    if (portal_id <= 0) {
        store__set_err(err, errlen, "the hub id must be a positive integer");
        return STORE_ERR_INVALID;
    }
    if ((removal = calloc(1, sizeof(*removal))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        return STORE_ERR_NOMEM;
    }
    removal->_res = exec_params(conn, "SELECT table_name, removed FROM portal_remove($1::bigint)", 1, values);
    if (PQresultStatus(removal->_res) != PGRES_TUPLES_OK) {
        store_err_t e = store__db_error(conn, removal->_res, "cannot remove the portal", err, errlen);
        store_admin_removal_destroy(removal);
        return e;
    }
    if ((n = PQntuples(removal->_res)) == 0) {
        store__set_err(err, errlen, "there is no portal %" PRId64, portal_id);
        store_admin_removal_destroy(removal);
        return STORE_ERR_NOTFOUND;
    }
    if ((removal->items = calloc((size_t)n, sizeof(*removal->items))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        store_admin_removal_destroy(removal);
        return STORE_ERR_NOMEM;
    }
    for (i = 0; i != n; ++i) {
        removal->items[i].table = PQgetvalue(removal->_res, i, 0);
        removal->items[i].rows = store__get_int64(removal->_res, i, 1);
    }
    removal->count = (size_t)n;
    *out = removal;
    return STORE_OK;
}

void store_admin_removal_destroy(store_admin_removal_t *removal)
{
    if (removal == NULL)
        return;
    PQclear(removal->_res);
    free(removal->items);
    free(removal);
}

/* ---- master key rotation ---- */

static store_err_t rotation_fail(store_admin_rotation_t *rot, int64_t portal_id, uint32_t key_id,
                                 store_admin_rotation_problem_t problem)
{
    store_admin_rotation_failure_t *f = realloc(rot->failures, (rot->nfailures + 1) * sizeof(*rot->failures));
    if (f == NULL)
        return STORE_ERR_NOMEM;
    rot->failures = f;
    f += rot->nfailures++;
    f->portal_id = portal_id;
    f->key_id = key_id;
    f->problem = problem;
    if (problem == STORE_ADMIN_ROTATION_UNDECRYPTABLE)
        ++rot->undecryptable;
    else
        ++rot->missing_key;
    return STORE_OK;
}

store_err_t store_admin_keys_rotate(PGconn *conn, const store_keyring_t *kr, store_admin_rotation_t **out, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_DB;
    store_admin_rotation_t *rot = NULL;
    PGresult *rows = NULL, *res = NULL;
    int in_transaction = 0, n, i;

    *out = NULL;
    if ((rot = calloc(1, sizeof(*rot))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        result = STORE_ERR_NOMEM;
        goto out;
    }
    rot->key_id = store_keyring_newest_id(kr);
    if (!store__exec_command(conn, "BEGIN")) {
        result = store__db_error(conn, NULL, "cannot start a transaction", err, errlen);
        goto out;
    }
    in_transaction = 1;
    /* the audit log tells a rotation (the same grant sealed anew) from a re-install (migration 008) */
    if (!store__exec_command(conn, "SET LOCAL hsod.key_rotation = 'on'")) {
        result = store__db_error(conn, NULL, "cannot start a transaction", err, errlen);
        goto out;
    }
    /* binary results: the id as an 8-byte integer, the blob as it is */
    rows = PQexecParams(conn, "SELECT id, refresh_token_enc FROM portals ORDER BY id FOR UPDATE", 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(rows) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, rows, "cannot read the portals", err, errlen);
        goto out;
    }
    n = PQntuples(rows);
    for (i = 0; i != n; ++i) {
        const unsigned char *idb = (const unsigned char *)PQgetvalue(rows, i, 0);
        const unsigned char *blob = (const unsigned char *)PQgetvalue(rows, i, 1);
        size_t bloblen = (size_t)PQgetlength(rows, i, 1), ptlen = 0, newlen = 0;
        unsigned char *pt = NULL, *sealed = NULL;
        uint64_t id = 0;
        uint32_t kid = 0, newkid = 0;
        int64_text_t id_text, key_text;
        store_err_t se;

        for (int b = 0; b < 8 && PQgetlength(rows, i, 0) == 8; ++b)
            id = id << 8 | idb[b];
        if (store_sealed_key_id(blob, bloblen, &kid) == STORE_OK && !store_keyring_has(kr, kid)) {
            if ((result = rotation_fail(rot, (int64_t)id, kid, STORE_ADMIN_ROTATION_MISSING_KEY)) != STORE_OK)
                goto nomem;
            continue;
        }
        se = store_open(kr, (int64_t)id, blob, bloblen, &pt, &ptlen);
        if (se == STORE_ERR_NOMEM) {
            result = se;
            goto nomem;
        }
        if (se != STORE_OK) {
            const char *values[1] = {int64_param(id_text, (int64_t)id)};
            if ((result = rotation_fail(rot, (int64_t)id, kid, STORE_ADMIN_ROTATION_UNDECRYPTABLE)) != STORE_OK)
                goto nomem;
            res = exec_params(conn, "UPDATE portals SET needs_reauth = true, updated_at = now() WHERE id = $1::bigint", 1, values);
            if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                result = store__db_error(conn, res, "cannot mark the portal as needing re-authorisation", err, errlen);
                goto out;
            }
            PQclear(res);
            res = NULL;
            continue;
        }
        if (kid == rot->key_id) {
            OPENSSL_cleanse(pt, ptlen);
            free(pt);
            ++rot->current;
            continue;
        }
        se = store_seal(kr, (int64_t)id, pt, ptlen, &sealed, &newlen, &newkid);
        OPENSSL_cleanse(pt, ptlen);
        free(pt);
        if (se != STORE_OK) {
            store__set_err(err, errlen, "cannot seal the refresh token of portal %" PRIu64 " (error %d)", id, (int)se);
            result = se;
            goto out;
        }
        {
            const char *values[3] = {int64_param(id_text, (int64_t)id), (const char *)sealed, int64_param(key_text, newkid)};
            int lengths[3] = {0, (int)newlen, 0}, formats[3] = {0, 1, 0};
            Oid types[3] = {0, BYTEAOID, 0};
            res = PQexecParams(conn,
                               "UPDATE portals SET refresh_token_enc = $2::bytea, refresh_token_key_id = $3::integer, "
                               "updated_at = now() WHERE id = $1::bigint",
                               3, types, values, lengths, formats, 0);
        }
        free(sealed);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            result = store__db_error(conn, res, "cannot store the re-sealed refresh token", err, errlen);
            goto out;
        }
        PQclear(res);
        res = NULL;
        ++rot->resealed;
    }
    if (!store__exec_command(conn, "COMMIT")) {
        in_transaction = 0;
        result = store__db_error(conn, NULL, "cannot commit the rotation", err, errlen);
        goto out;
    }
    in_transaction = 0;
    *out = rot;
    rot = NULL;
    result = STORE_OK;
    goto out;

nomem:
    store__set_err(err, errlen, "out of memory");
out:
    PQclear(res);
    PQclear(rows);
    if (in_transaction)
        store__exec_command(conn, "ROLLBACK");
    store_admin_rotation_destroy(rot);
    return result;
}

void store_admin_rotation_destroy(store_admin_rotation_t *rotation)
{
    if (rotation == NULL)
        return;
    free(rotation->failures);
    free(rotation);
}

/* ---- data sources ---- */

static int valid_object_name(const char *s, size_t len)
{
    return len >= 1 && len <= 64 && all_chars_in(s, len, "_-");
}

static int valid_property_name(const char *s, size_t len)
{
    return len >= 1 && len <= 100 && all_chars_in(s, len, "_");
}

/* Checks one element of "objects" and appends its normalized form to out_objects. */
static store_err_t validate_object(json_t *obj, size_t index, json_t *seen_objects, json_t *out_objects, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_INVALID;
    json_t *props, *seen_props = NULL, *out_props = NULL, *out_obj = NULL, *value, *name, *filter;
    const char *key, *object_name;
    size_t i;

    if (!json_is_object(obj)) {
        store__set_err(err, errlen, "definition: objects[%zu] must be an object", index);
        goto out;
    }
    json_object_foreach(obj, key, value)
    {
        if (strcmp(key, "object") != 0 && strcmp(key, "properties") != 0 && strcmp(key, "filter") != 0) {
            store__set_err(err, errlen,
                           "definition: objects[%zu] has an unknown key \"%.64s\" (expected \"object\", \"properties\" and "
                           "\"filter\")",
                           index, key);
            goto out;
        }
    }
    filter = json_object_get(obj, "filter");
    if (filter != NULL && !json_is_null(filter) &&
        (!json_is_string(filter) || json_string_length(filter) == 0 || json_string_length(filter) > STORE_ADMIN_FILTER_MAX ||
         strlen(json_string_value(filter)) != json_string_length(filter))) {
        store__set_err(err, errlen, "definition: objects[%zu].filter must be null or a $filter text of 1 to %d bytes", index,
                       STORE_ADMIN_FILTER_MAX);
        goto out;
    }
    name = json_object_get(obj, "object");
    if (!json_is_string(name) || !valid_object_name(json_string_value(name), json_string_length(name))) {
        store__set_err(err, errlen, "definition: objects[%zu].object must be a name matching ^[a-z0-9_-]{1,64}$", index);
        goto out;
    }
    object_name = json_string_value(name);
    if (json_object_get(seen_objects, object_name) != NULL) {
        store__set_err(err, errlen, "definition: the object \"%s\" is listed twice", object_name);
        goto out;
    }
    result = STORE_ERR_NOMEM;
    if (json_object_set(seen_objects, object_name, json_true()) != 0 || (seen_props = json_object()) == NULL ||
        (out_props = json_array()) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    result = STORE_ERR_INVALID;
    props = json_object_get(obj, "properties");
    if (props != NULL && !json_is_null(props)) {
        if (!json_is_array(props)) {
            store__set_err(err, errlen, "definition: objects[%zu].properties must be an array of property names", index);
            goto out;
        }
        if (json_array_size(props) > STORE_ADMIN_DEFINITION_PROPERTIES_MAX) {
            store__set_err(err, errlen, "definition: objects[%zu] lists more than %d properties", index,
                           STORE_ADMIN_DEFINITION_PROPERTIES_MAX);
            goto out;
        }
        json_array_foreach(props, i, value)
        {
            if (!json_is_string(value) || !valid_property_name(json_string_value(value), json_string_length(value))) {
                store__set_err(err, errlen, "definition: objects[%zu].properties[%zu] must be a name matching ^[a-z0-9_]{1,100}$",
                               index, i);
                goto out;
            }
            if (json_object_get(seen_props, json_string_value(value)) != NULL) {
                store__set_err(err, errlen, "definition: the property \"%s\" of \"%s\" is listed twice", json_string_value(value),
                               object_name);
                goto out;
            }
            if (json_object_set(seen_props, json_string_value(value), json_true()) != 0 ||
                json_array_append(out_props, value) != 0) {
                result = STORE_ERR_NOMEM;
                store__set_err(err, errlen, "out of memory");
                goto out;
            }
        }
    }
    if ((out_obj = json_pack("{sOsOsO}", "object", name, "properties", out_props, "filter",
                             filter != NULL ? filter : json_null())) == NULL ||
        json_array_append_new(out_objects, out_obj) != 0) {
        out_obj = NULL;
        result = STORE_ERR_NOMEM;
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    result = STORE_OK;

out:
    json_decref(seen_props);
    json_decref(out_props);
    return result;
}

store_err_t store_admin_definition_validate(const char *json, size_t len, char **normalized, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_INVALID;
    json_t *root = NULL, *objects, *value, *seen = NULL, *out_objects = NULL, *out_root = NULL;
    json_error_t jerr;
    const char *key;
    size_t i;

    if (normalized != NULL)
        *normalized = NULL;
    if (json == NULL || len == 0 || len > STORE_ADMIN_DEFINITION_MAX) {
        store__set_err(err, errlen, "the definition must be 1 to %d bytes of JSON", STORE_ADMIN_DEFINITION_MAX);
        goto out;
    }
    if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        store__set_err(err, errlen, "the definition is not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        goto out;
    }
    if (!json_is_object(root)) {
        store__set_err(err, errlen, "the definition must be a JSON object {\"objects\": [...]}");
        goto out;
    }
    json_object_foreach(root, key, value)
    {
        if (strcmp(key, "objects") != 0) {
            store__set_err(err, errlen, "definition: unknown key \"%.64s\" (expected \"objects\")", key);
            goto out;
        }
    }
    objects = json_object_get(root, "objects");
    if (!json_is_array(objects) || json_array_size(objects) == 0) {
        store__set_err(err, errlen, "definition: \"objects\" must be a non-empty array");
        goto out;
    }
    if (json_array_size(objects) > STORE_ADMIN_DEFINITION_OBJECTS_MAX) {
        store__set_err(err, errlen, "definition: more than %d objects", STORE_ADMIN_DEFINITION_OBJECTS_MAX);
        goto out;
    }
    if ((seen = json_object()) == NULL || (out_objects = json_array()) == NULL) {
        result = STORE_ERR_NOMEM;
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    json_array_foreach(objects, i, value)
    {
        if ((result = validate_object(value, i, seen, out_objects, err, errlen)) != STORE_OK)
            goto out;
    }
    result = STORE_OK;
    if (normalized != NULL) {
        result = STORE_ERR_NOMEM;
        if ((out_root = json_pack("{sO}", "objects", out_objects)) == NULL ||
            (*normalized = json_dumps(out_root, JSON_COMPACT)) == NULL) {
            store__set_err(err, errlen, "out of memory");
            goto out;
        }
        result = STORE_OK;
    }

out:
    json_decref(root);
    json_decref(seen);
    json_decref(out_objects);
    json_decref(out_root);
    return result;
}

store_err_t store_admin_datasource_create(PGconn *conn, int64_t portal_id, int64_t owner_user_id, const char *name,
                                          const char *definition, int64_t *id, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_INVALID;
    PGresult *res = NULL;
    char *normalized = NULL;
    int64_text_t portal_text, owner_text;
    const char *values[4];

    *id = 0;
    if (portal_id <= 0 || owner_user_id <= 0) {
        store__set_err(err, errlen, "the portal id and the owner user id must be positive integers");
        goto out;
    }
    if (!store_admin_name_valid(name)) {
        store__set_err(err, errlen, "the name must be 1 to %d characters without control characters", STORE_ADMIN_NAME_MAX);
        goto out;
    }
    if ((result = store_admin_definition_validate(definition, definition != NULL ? strlen(definition) : 0, &normalized, err,
                                                  errlen)) != STORE_OK)
        goto out;
    values[0] = int64_param(portal_text, portal_id);
    values[1] = int64_param(owner_text, owner_user_id);
    values[2] = name;
    values[3] = normalized;
    res = exec_params(conn,
                      "INSERT INTO data_sources (portal_id, owner_user_id, name, definition) "
                      "VALUES ($1::bigint, $2::bigint, $3::text, $4::jsonb) RETURNING id",
                      4, values);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        result = store__db_error(conn, res, "cannot create the data source", err, errlen);
        if (result == STORE_ERR_NOTFOUND)
            store__set_err(err, errlen, "portal %" PRId64 " is not installed", portal_id);
        else if (result == STORE_ERR_CONFLICT)
            store__set_err(err, errlen, "portal %" PRId64 " already has a data source named \"%s\"", portal_id, name);
        goto out;
    }
    *id = store__get_int64(res, 0, 0);
    result = STORE_OK;

out:
    PQclear(res);
    free(normalized);
    return result;
}

/* clang-format off */
#define DATASOURCE_COLUMNS \
    "SELECT id, portal_id, owner_user_id, name, " \
    "COALESCE(CASE WHEN jsonb_typeof(definition->'objects') = 'array' THEN " \
    "(SELECT string_agg(o->>'object', ',' ORDER BY n) " \
    "FROM jsonb_array_elements(definition->'objects') WITH ORDINALITY AS e(o, n)) END, ''), " \
    "definition::text, " TS("created_at") ", " TS("updated_at") " FROM data_sources "
/* clang-format on */

static store_err_t datasource_query(PGconn *conn, const char *sql, int64_t param, store_admin_datasources_t **out, char *err,
                                    size_t errlen)
{
    store_err_t result = STORE_ERR_NOMEM;
    store_admin_datasources_t *list = NULL;
    int64_text_t param_text;
    const char *values[1] = {int64_param(param_text, param)};
    int i, n;

    *out = NULL;
    if ((list = calloc(1, sizeof(*list))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    list->_res = exec_params(conn, sql, 1, values);
    if (PQresultStatus(list->_res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, list->_res, "cannot read data sources", err, errlen);
        goto out;
    }
    n = PQntuples(list->_res);
    if (n != 0 && (list->items = calloc((size_t)n, sizeof(*list->items))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    for (i = 0; i != n; ++i) {
        store_admin_datasource_t *d = list->items + i;
        d->id = store__get_int64(list->_res, i, 0);
        d->portal_id = store__get_int64(list->_res, i, 1);
        d->owner_user_id = store__get_int64(list->_res, i, 2);
        d->name = PQgetvalue(list->_res, i, 3);
        d->objects = PQgetvalue(list->_res, i, 4);
        d->definition = PQgetvalue(list->_res, i, 5);
        d->created_at = PQgetvalue(list->_res, i, 6);
        d->updated_at = PQgetvalue(list->_res, i, 7);
    }
    list->count = (size_t)n;
    *out = list;
    list = NULL;
    result = STORE_OK;

out:
    store_admin_datasources_destroy(list);
    return result;
}

store_err_t store_admin_datasource_list(PGconn *conn, int64_t portal_id, store_admin_datasources_t **out, char *err, size_t errlen)
{
    return datasource_query(conn, DATASOURCE_COLUMNS "WHERE portal_id = $1::bigint ORDER BY id", portal_id, out, err, errlen);
}

store_err_t store_admin_datasource_get(PGconn *conn, int64_t id, store_admin_datasources_t **out, char *err, size_t errlen)
{
    store_err_t result = datasource_query(conn, DATASOURCE_COLUMNS "WHERE id = $1::bigint", id, out, err, errlen);

    if (result == STORE_OK && (*out)->count == 0) {
        store_admin_datasources_destroy(*out);
        *out = NULL;
        store__set_err(err, errlen, "there is no data source %" PRId64, id);
        result = STORE_ERR_NOTFOUND;
    }
    return result;
}

void store_admin_datasources_destroy(store_admin_datasources_t *list)
{
    if (list == NULL)
        return;
    PQclear(list->_res);
    free(list->items);
    free(list);
}

/* ---- personal access tokens ---- */

store_err_t store_admin_token_mint(PGconn *conn, int64_t portal_id, int64_t owner_user_id, const char *name, int days,
                                   char token[STORE_TOKEN_LEN + 1], int64_t *id, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_INVALID;
    PGresult *res = NULL;
    unsigned char hash[32];
    char prefix[STORE_TOKEN_DISPLAY_LEN + 1], days_text[16];
    int64_text_t portal_text, owner_text;
    const char *values[6];
    int lengths[6] = {0, 0, 0, sizeof(hash), 0, 0}, formats[6] = {0, 0, 0, 1, 0, 0};
    Oid types[6] = {0, 0, 0, BYTEAOID, 0, 0};

    *id = 0;
    token[0] = '\0';
    if (portal_id <= 0 || owner_user_id <= 0) {
        store__set_err(err, errlen, "the portal id and the owner user id must be positive integers");
        goto out;
    }
    if (!store_admin_name_valid(name)) {
        store__set_err(err, errlen, "the name must be 1 to %d characters without control characters", STORE_ADMIN_NAME_MAX);
        goto out;
    }
    if (days < 1 || days > STORE_ADMIN_TOKEN_DAYS_MAX) {
        store__set_err(err, errlen, "the lifetime must be 1 to %d days", STORE_ADMIN_TOKEN_DAYS_MAX);
        goto out;
    }
    if ((result = store_token_generate(token, STORE_TOKEN_LEN + 1)) != STORE_OK) {
        store__set_err(err, errlen, "cannot generate a token: no randomness available");
        goto out;
    }
    store_token_hash(token, STORE_TOKEN_LEN, hash);
    memcpy(prefix, token, STORE_TOKEN_DISPLAY_LEN);
    prefix[STORE_TOKEN_DISPLAY_LEN] = '\0';
    snprintf(days_text, sizeof(days_text), "%d", days);
    values[0] = int64_param(portal_text, portal_id);
    values[1] = int64_param(owner_text, owner_user_id);
    values[2] = name;
    values[3] = (const char *)hash;
    values[4] = prefix;
    values[5] = days_text;
    res = PQexecParams(conn,
                       "INSERT INTO access_tokens (portal_id, owner_user_id, name, token_hash, display_prefix, expires_at) "
                       "VALUES ($1::bigint, $2::bigint, $3::text, $4::bytea, $5::text, now() + make_interval(days => $6::int)) "
                       "RETURNING id",
                       6, types, values, lengths, formats, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        result = store__db_error(conn, res, "cannot store the token", err, errlen);
        if (result == STORE_ERR_NOTFOUND)
            store__set_err(err, errlen, "portal %" PRId64 " is not installed", portal_id);
        goto out;
    }
    *id = store__get_int64(res, 0, 0);
    result = STORE_OK;

out:
    PQclear(res);
    OPENSSL_cleanse(hash, sizeof(hash));
    if (result != STORE_OK)
        OPENSSL_cleanse(token, STORE_TOKEN_LEN + 1);
    return result;
}

/* clang-format off */
static const char token_list_sql[] =
    "SELECT id, portal_id, owner_user_id, name, display_prefix, "
    "CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN 'expired' ELSE 'active' END, "
    TS("created_at") ", " TS("expires_at") ", " TS("last_used_at") ", " TS("revoked_at") ", revoked_by "
    "FROM access_tokens WHERE portal_id = $1::bigint AND ($2::bigint IS NULL OR owner_user_id = $2::bigint) "
    "ORDER BY id";
/* clang-format on */

store_err_t store_admin_token_list(PGconn *conn, int64_t portal_id, int64_t owner_user_id, store_admin_tokens_t **out, char *err,
                                   size_t errlen)
{
    store_err_t result = STORE_ERR_NOMEM;
    store_admin_tokens_t *list = NULL;
    int64_text_t portal_text, owner_text;
    const char *values[2] = {int64_param(portal_text, portal_id),
                             owner_user_id != 0 ? int64_param(owner_text, owner_user_id) : NULL};
    int i, n;

    *out = NULL;
    if ((list = calloc(1, sizeof(*list))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    list->_res = exec_params(conn, token_list_sql, 2, values);
    if (PQresultStatus(list->_res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, list->_res, "cannot list tokens", err, errlen);
        goto out;
    }
    n = PQntuples(list->_res);
    if (n != 0 && (list->items = calloc((size_t)n, sizeof(*list->items))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    for (i = 0; i != n; ++i) {
        store_admin_token_t *t = list->items + i;
        t->id = store__get_int64(list->_res, i, 0);
        t->portal_id = store__get_int64(list->_res, i, 1);
        t->owner_user_id = store__get_int64(list->_res, i, 2);
        t->name = PQgetvalue(list->_res, i, 3);
        t->display_prefix = PQgetvalue(list->_res, i, 4);
        t->status = PQgetvalue(list->_res, i, 5);
        t->created_at = PQgetvalue(list->_res, i, 6);
        t->expires_at = PQgetvalue(list->_res, i, 7);
        t->last_used_at = store__get_str(list->_res, i, 8);
        t->revoked_at = store__get_str(list->_res, i, 9);
        t->revoked_by = store__get_int64(list->_res, i, 10);
    }
    list->count = (size_t)n;
    *out = list;
    list = NULL;
    result = STORE_OK;

out:
    store_admin_tokens_destroy(list);
    return result;
}

void store_admin_tokens_destroy(store_admin_tokens_t *list)
{
    if (list == NULL)
        return;
    PQclear(list->_res);
    free(list->items);
    free(list);
}

store_err_t store_admin_token_revoke(PGconn *conn, int64_t token_id, int64_t revoked_by, int *already_revoked, char *err,
                                     size_t errlen)
{
    store_err_t result = STORE_ERR_DB;
    PGresult *res = NULL;
    int64_text_t id_text, by_text;
    const char *values[2] = {int64_param(id_text, token_id), revoked_by != 0 ? int64_param(by_text, revoked_by) : NULL};
    int in_transaction = 0;

    if (already_revoked != NULL)
        *already_revoked = 0;
    if (token_id <= 0 || revoked_by < 0) {
        store__set_err(err, errlen, "the token id and the revoking user id must be positive integers");
        result = STORE_ERR_INVALID;
        goto out;
    }
    if (!store__exec_command(conn, "BEGIN")) {
        result = store__db_error(conn, NULL, "cannot start a transaction", err, errlen);
        goto out;
    }
    in_transaction = 1;
    res = exec_params(conn,
                      "UPDATE access_tokens SET revoked_at = now(), revoked_by = $2::bigint "
                      "WHERE id = $1::bigint AND revoked_at IS NULL RETURNING id",
                      2, values);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, res, "cannot revoke the token", err, errlen);
        goto out;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        res = exec_params(conn, "SELECT 1 FROM access_tokens WHERE id = $1::bigint", 1, values);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            result = store__db_error(conn, res, "cannot read the token", err, errlen);
            goto out;
        }
        if (PQntuples(res) == 0) {
            store__set_err(err, errlen, "there is no token %" PRId64, token_id);
            result = STORE_ERR_NOTFOUND;
            goto out;
        }
        if (already_revoked != NULL)
            *already_revoked = 1;
        result = STORE_OK;
        goto out;
    }
    PQclear(res);
    res = exec_params(conn, "SELECT pg_notify('token_revoked', $1::text)", 1, values);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, res, "cannot notify the revocation", err, errlen);
        goto out;
    }
    if (!store__exec_command(conn, "COMMIT")) {
        in_transaction = 0;
        result = store__db_error(conn, NULL, "cannot commit the revocation", err, errlen);
        goto out;
    }
    in_transaction = 0;
    result = STORE_OK;

out:
    PQclear(res);
    if (in_transaction)
        store__exec_command(conn, "ROLLBACK");
    return result;
}

store_err_t store_admin_launch_create(PGconn *conn, int64_t portal_id, int64_t user_id, int ttl_s,
                                      char code[STORE_ADMIN_LAUNCH_CODE_MAX], char *err, size_t errlen)
{
    static const char sql[] = "INSERT INTO launch_codes (portal_id, code_hash, user_id, expires_at) "
                              "SELECT id, $2::bytea, $3::bigint, now() + make_interval(secs => $4::int) FROM portals "
                              "WHERE id = $1::bigint";
    unsigned char raw[32], hash[SHA256_DIGEST_LENGTH];
    char b64[STORE_ADMIN_LAUNCH_CODE_MAX], ttl_text[16];
    int64_text_t portal_text, user_text;
    const char *values[4];
    int lengths[4] = {0, sizeof(hash), 0, 0}, formats[4] = {0, 1, 0, 0};
    Oid types[4] = {0, BYTEAOID, 0, 0};
    PGresult *res;
    store_err_t result;
    int n, i, o = 0;

    code[0] = '\0';
    if (portal_id <= 0 || user_id <= 0 || ttl_s < 1 || ttl_s > 86400) {
        store__set_err(err, errlen, "the hub id and user id must be positive integers, the lifetime 1 to 86400 seconds");
        return STORE_ERR_INVALID;
    }
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        store__set_err(err, errlen, "no random numbers");
        return STORE_ERR_CRYPTO;
    }
    /* base64url without padding, as the gateway makes them */
    n = EVP_EncodeBlock((unsigned char *)b64, raw, sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    for (i = 0; i != n && b64[i] != '='; ++i)
        code[o++] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    code[o] = '\0';
    OPENSSL_cleanse(b64, sizeof(b64));
    SHA256((const unsigned char *)code, (size_t)o, hash);
    snprintf(ttl_text, sizeof(ttl_text), "%d", ttl_s);
    values[0] = int64_param(portal_text, portal_id);
    values[1] = (const char *)hash;
    values[2] = int64_param(user_text, user_id);
    values[3] = ttl_text;
    res = PQexecParams(conn, sql, 4, types, values, lengths, formats, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        result = store__db_error(conn, res, "cannot store the launch code", err, errlen);
    } else if (strcmp(PQcmdTuples(res), "1") != 0) {
        store__set_err(err, errlen, "there is no portal %" PRId64, portal_id);
        result = STORE_ERR_NOTFOUND;
    } else {
        result = STORE_OK;
    }
    PQclear(res);
    if (result != STORE_OK)
        OPENSSL_cleanse(code, STORE_ADMIN_LAUNCH_CODE_MAX);
    return result;
}
