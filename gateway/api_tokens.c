/*
 * Personal access tokens in the admin API, for the session's user:
 *
 *   GET    /api/v1/tokens        the user's tokens; a portal admin sees every token of the portal
 *   POST   /api/v1/tokens        {"name", "expiresInDays"?}: a new token, its text shown this once
 *   DELETE /api/v1/tokens/{id}   revokes one (its owner, or a portal admin); at once for every gateway
 *
 * A token's text ("hsod_" + random + checksum, store/token.c) is never stored: its SHA-256 is. A user
 * holds at most --token-cap active tokens, each valid for at most --token-max-days. A token of another
 * portal, or of another user for a member, is "not found".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "gateway/api.h"
#include "store/admin.h"

#define TOKEN_DEFAULT_DAYS 90

/* a token as the API shows it; timestamps in UTC, ISO 8601 */
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define TOKEN_COLUMNS                                                                                                              \
    "t.id, t.name, t.display_prefix, t.owner_user_id, "                                                                            \
    "CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked' WHEN t.expires_at <= now() THEN 'expired' ELSE 'active' END, " ISO(         \
        "t.created_at") ", " ISO("t.expires_at") ", " ISO("t.last_used_at") ", " ISO("t.revoked_at")

static json_t *nullable(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

static json_t *token_json(PGresult *res, int row)
{
    return json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:o,s:o}", "id", (json_int_t)strtoll(PQgetvalue(res, row, 0), NULL, 10), "name",
                     PQgetvalue(res, row, 1), "prefix", PQgetvalue(res, row, 2), "ownerUserId",
                     (json_int_t)strtoll(PQgetvalue(res, row, 3), NULL, 10), "state", PQgetvalue(res, row, 4), "createdAt",
                     PQgetvalue(res, row, 5), "expiresAt", PQgetvalue(res, row, 6), "lastUsedAt", nullable(res, row, 7),
                     "revokedAt", nullable(res, row, 8));
}

/* ---- list ---- */

static const char list_sql[] = "SELECT " TOKEN_COLUMNS " FROM access_tokens t "
                               "WHERE t.portal_id = $1::bigint AND (t.owner_user_id = $2::bigint OR $3::boolean) "
                               "ORDER BY t.id";

static void on_list(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    json_t *value;

    if (res == NULL) {
        gw_api_send_db_error(r->req, "the tokens could not be listed", err);
        return;
    }
    value = json_array();
    for (int i = 0; i != PQntuples(res); ++i)
        json_array_append_new(value, token_json(res, i));
    gw_api_send_json(r->req, 200, json_pack("{s:o}", "value", value));
}

void gw_api_tokens_list(api_req_t *r)
{
    const char *params[3] = {gw_api_int_param(r->req, r->portal_id), gw_api_int_param(r->req, r->user_id),
                             r->admin ? "true" : "false"};
    if (store_pg_query(gw.db, list_sql, 3, params, 0, on_list, r) != 0)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}

/* ---- mint ---- */

/* stored only while the user has fewer than the cap of active tokens */
static const char mint_sql[] = "WITH " GW_API_ACTOR(
    "$2") ", t AS (INSERT INTO access_tokens (portal_id, owner_user_id, name, token_hash, display_prefix, "
          "expires_at) SELECT $1::bigint, $2::bigint, $3::text, $4::bytea, $5::text, now() + make_interval(days => $6::int) FROM "
          "actor "
          "WHERE (SELECT count(*) FROM access_tokens WHERE portal_id = $1::bigint AND owner_user_id = $2::bigint "
          "AND revoked_at IS NULL AND expires_at > now()) < $7::int "
          "RETURNING *) "
          "SELECT " TOKEN_COLUMNS " FROM t";

static void on_minted(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    json_t *doc;

    if (res == NULL) {
        OPENSSL_cleanse(r->secret, strlen(r->secret));
        gw_api_send_db_error(r->req, "a token could not be stored", err);
        return;
    }
    if (PQntuples(res) != 1) {
        OPENSSL_cleanse(r->secret, strlen(r->secret));
        gw_api_send_err(r->req, 409, "TokenLimitReached",
                        "you have %u active tokens, the most one user may hold: revoke one you no longer use first",
                        gw.config.token_cap);
        return;
    }
    doc = token_json(res, 0);
    json_object_set_new(doc, "token", json_string(r->secret));
    OPENSSL_cleanse(r->secret, strlen(r->secret));
    gw_log(GW_LOG_INFO, "api", "portal=%" PRId64 " user=%" PRId64 " minted token %s", r->portal_id, r->user_id,
           PQgetvalue(res, 0, 0));
    gw_api_send_json(r->req, 201, doc);
}

void gw_api_tokens_mint(api_req_t *r)
{
    h2o_req_t *req = r->req;
    json_t *name = json_object_get(r->body, "name"), *days = json_object_get(r->body, "expiresInDays");
    json_int_t d = TOKEN_DEFAULT_DAYS;
    char text[STORE_TOKEN_LEN + 1], prefix[STORE_TOKEN_DISPLAY_LEN + 1];
    unsigned char hash[32];

    if (!json_is_string(name) || !store_admin_name_valid(json_string_value(name))) {
        gw_api_send_err(req, 400, "InvalidName", "name must be 1 to %d characters without control characters",
                        STORE_ADMIN_NAME_MAX);
        return;
    }
    if (d > (json_int_t)gw.config.token_max_days)
        d = gw.config.token_max_days;
    if (days != NULL &&
        (!json_is_integer(days) || (d = json_integer_value(days)) < 1 || d > (json_int_t)gw.config.token_max_days)) {
        gw_api_send_err(req, 400, "InvalidExpiry", "expiresInDays must be a whole number of days from 1 to %u",
                        gw.config.token_max_days);
        return;
    }
    if (store_token_generate(text, sizeof(text)) != STORE_OK) {
        gw_api_send_err(req, 500, "InternalError", "no random numbers");
        return;
    }
    store_token_hash(text, STORE_TOKEN_LEN, hash);
    memcpy(prefix, text, STORE_TOKEN_DISPLAY_LEN);
    prefix[STORE_TOKEN_DISPLAY_LEN] = '\0';
    r->secret = h2o_strdup(&req->pool, text, STORE_TOKEN_LEN).base;
    OPENSSL_cleanse(text, sizeof(text));
    const char *params[7] = {gw_api_int_param(req, r->portal_id),
                             gw_api_int_param(req, r->user_id),
                             json_string_value(name),
                             gw_api_bytea_param(req, hash, sizeof(hash)),
                             prefix,
                             gw_api_int_param(req, d),
                             gw_api_int_param(req, gw.config.token_cap)};
    if (store_pg_query(gw.db, mint_sql, 7, params, 0, on_minted, r) != 0) {
        OPENSSL_cleanse(r->secret, strlen(r->secret));
        gw_api_send_err(req, 500, "InternalError", "out of memory");
    }
}

/* ---- revoke ---- */

/* the owner or a portal admin; revoking a revoked token changes nothing; gateways hear of it */
static const char revoke_sql[] =
    "WITH " GW_API_ACTOR("$3") ", t AS (SELECT id FROM access_tokens, actor WHERE id = $1::bigint "
                               "AND portal_id = $2::bigint "
                               "AND (owner_user_id = $3::bigint OR $4::boolean)), "
                               "u AS (UPDATE access_tokens a SET revoked_at = now(), revoked_by = $3::bigint FROM t "
                               "WHERE a.id = t.id AND a.revoked_at IS NULL RETURNING a.*), "
                               "n AS (SELECT pg_notify('token_revoked', id::text) FROM u) "
                               /* the statement's snapshot predates its own update: the updated row comes from u */
                               "SELECT " TOKEN_COLUMNS ", (SELECT count(*) FROM n) FROM (SELECT * FROM u UNION ALL "
                               "SELECT a.* FROM access_tokens a JOIN t ON a.id = t.id WHERE NOT EXISTS (SELECT 1 FROM u)) t";

static void on_revoked_token(void *data, PGresult *res, const char *err)
{
    api_req_t *r = data;
    json_t *doc;

    if (res == NULL) {
        gw_api_send_db_error(r->req, "a token could not be revoked", err);
        return;
    }
    if (PQntuples(res) != 1) {
        gw_api_send_err(r->req, 404, "NotFound", "you have no token %" PRId64, r->target_id);
        return;
    }
    doc = token_json(res, 0);
    if (strcmp(PQgetvalue(res, 0, 9), "0") != 0)
        gw_log(GW_LOG_INFO, "api", "portal=%" PRId64 " user=%" PRId64 " revoked token %" PRId64, r->portal_id, r->user_id,
               r->target_id);
    gw_api_send_json(r->req, 200, doc);
}

void gw_api_tokens_revoke(api_req_t *r)
{
    const char *params[4] = {gw_api_int_param(r->req, r->target_id), gw_api_int_param(r->req, r->portal_id),
                             gw_api_int_param(r->req, r->user_id), r->admin ? "true" : "false"};
    if (store_pg_query(gw.db, revoke_sql, 4, params, 0, on_revoked_token, r) != 0)
        gw_api_send_err(r->req, 500, "InternalError", "out of memory");
}
