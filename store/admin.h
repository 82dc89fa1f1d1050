/*
 * store/admin: blocking operations on portals, data sources and personal access tokens, for the
 * admin CLI (gatewayctl) and for tests. Never call these from the event loop: they wait on libpq.
 *
 * Every function returns STORE_OK or an error with a one-line message in err (never containing a
 * token, a refresh token or key material). Lists are new objects; the strings in their items are
 * borrowed from the list and live until it is destroyed. Timestamps are ISO 8601 text in UTC
 * ("2024-05-01T12:00:00Z"); a NULL string or a 0 id means the database holds NULL.
 */
#ifndef store__admin_h
#define store__admin_h

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>
#include "store/store.h"

#define STORE_ADMIN_NAME_MAX 200 /* characters, as the schema checks */

/** Whether `name` (UTF-8) is 1 to STORE_ADMIN_NAME_MAX characters without control characters: a data source's or token's name. */
int store_admin_name_valid(const char *name);
#define STORE_ADMIN_REFRESH_TOKEN_MAX 4096
#define STORE_ADMIN_SCOPES_MAX 8192
#define STORE_ADMIN_HUB_DOMAIN_MAX 255
#define STORE_ADMIN_DEFINITION_MAX (256 * 1024)
#define STORE_ADMIN_DEFINITION_OBJECTS_MAX 64
#define STORE_ADMIN_DEFINITION_PROPERTIES_MAX 1000
#define STORE_ADMIN_FILTER_MAX 8192
#define STORE_ADMIN_TOKEN_DAYS_DEFAULT 90
#define STORE_ADMIN_TOKEN_DAYS_MAX 3650

/* ---- schema ---- */

/**
 * The highest migration version recorded in schema_migrations, or 0 when the table does not exist
 * or is empty.
 */
store_err_t store_admin_schema_version(PGconn *conn, int *version, char *err, size_t errlen);

/* ---- portals ---- */

typedef struct st_store_admin_portal_add_t {
    int64_t hub_id;            /* > 0 */
    const char *refresh_token; /* borrowed; 1 to STORE_ADMIN_REFRESH_TOKEN_MAX printable ASCII characters */
    size_t refresh_token_len;
    const char *hub_domain;       /* borrowed; NULL keeps the stored value (or none for a new portal) */
    const char *scopes;           /* borrowed; comma-separated; NULL keeps the stored value, "" stores none */
    int64_t installed_by_user_id; /* 0 keeps the stored value (or none for a new portal) */
} store_admin_portal_add_t;

/**
 * Installs a portal or replaces the grant of an installed one (upsert by hub id): the refresh token is
 * sealed with the newest key of kr (portal id as associated data) and needs_reauth is cleared. The
 * installing user, when given, becomes an admin of the portal (portal_admins) in the same statement.
 * *created (may be NULL) is set to 1 when the portal is new, 0 when it was updated.
 */
store_err_t store_admin_portal_add(PGconn *conn, const store_keyring_t *kr, const store_admin_portal_add_t *req, int *created,
                                   char *err, size_t errlen);

typedef struct st_store_admin_portal_t {
    int64_t id;
    const char *hub_domain; /* NULL when not known */
    const char *scopes;     /* comma-separated, "" when none */
    int64_t installed_by_user_id;
    int64_t refresh_token_key_id;
    int needs_reauth;
    const char *created_at;
    const char *updated_at;
} store_admin_portal_t;

typedef struct st_store_admin_portals_t {
    size_t count;
    store_admin_portal_t *items;
    PGresult *_res;
} store_admin_portals_t;

/** Lists every portal, by id. *out is new (store_admin_portals_destroy). No secret is read. */
store_err_t store_admin_portal_list(PGconn *conn, store_admin_portals_t **out, char *err, size_t errlen);
/** Frees a portal list (NULL is ignored). */
void store_admin_portals_destroy(store_admin_portals_t *list);

/**
 * Opens the refresh token of a portal with kr. *token is new (NUL-terminated; wipe it, then free()).
 * STORE_ERR_NOTFOUND when the portal is not installed, STORE_ERR_NOKEY when it is sealed with a key
 * that kr lacks (*key_id, may be NULL, names it), STORE_ERR_CRYPTO when it cannot be opened.
 */
store_err_t store_admin_portal_refresh_token(PGconn *conn, const store_keyring_t *kr, int64_t portal_id, char **token,
                                             size_t *token_len, uint32_t *key_id, char *err, size_t errlen);

typedef struct st_store_admin_removed_t {
    const char *table; /* a table of the current schema with a portal_id column, or "portals" */
    int64_t rows;
} store_admin_removed_t;

typedef struct st_store_admin_removal_t {
    size_t count;
    store_admin_removed_t *items; /* by table name, "portals" last */
    PGresult *_res;
} store_admin_removal_t;

/**
 * Removes a portal and everything kept for it, in one transaction: every row whose portal_id is the
 * portal's in every table of the current schema that has such a column (found in
 * information_schema, so tables added later are covered), then the portal itself. Personal access
 * tokens removed this way are announced with NOTIFY token_revoked like revoked ones. *out (new,
 * store_admin_removal_destroy) lists the rows removed per table. STORE_ERR_NOTFOUND when the portal
 * is not installed.
 */
store_err_t store_admin_portal_remove(PGconn *conn, int64_t portal_id, store_admin_removal_t **out, char *err, size_t errlen);
/** Frees a removal report (NULL is ignored). */
void store_admin_removal_destroy(store_admin_removal_t *removal);

/* ---- master key rotation ---- */

typedef enum en_store_admin_rotation_problem_t {
    STORE_ADMIN_ROTATION_UNDECRYPTABLE, /* the named key is in the keyring but does not open it: marked needs_reauth */
    STORE_ADMIN_ROTATION_MISSING_KEY,   /* sealed with a key the keyring lacks: left unchanged */
} store_admin_rotation_problem_t;

typedef struct st_store_admin_rotation_failure_t {
    int64_t portal_id;
    uint32_t key_id; /* the key the refresh token names (0 when its form is unknown) */
    store_admin_rotation_problem_t problem;
} store_admin_rotation_failure_t;

typedef struct st_store_admin_rotation_t {
    uint32_t key_id;      /* the newest key of the keyring */
    size_t resealed;      /* opened and sealed again with the newest key */
    size_t current;       /* already sealed with the newest key (and opened to check) */
    size_t undecryptable; /* STORE_ADMIN_ROTATION_UNDECRYPTABLE failures */
    size_t missing_key;   /* STORE_ADMIN_ROTATION_MISSING_KEY failures */
    size_t nfailures;
    store_admin_rotation_failure_t *failures; /* by portal id */
} store_admin_rotation_t;

/**
 * Seals every portal's refresh token with the newest key of kr, in one transaction with the portal
 * rows locked. A token that the key it names cannot open is left as it is and its portal is marked
 * needs_reauth (it must be installed again); a token sealed with a key that kr lacks is left alone
 * (add the key and rotate again). *out is new (store_admin_rotation_destroy) and says what happened.
 */
store_err_t store_admin_keys_rotate(PGconn *conn, const store_keyring_t *kr, store_admin_rotation_t **out, char *err,
                                    size_t errlen);
/** Frees a rotation report (NULL is ignored). */
void store_admin_rotation_destroy(store_admin_rotation_t *rotation);

/* ---- data sources ---- */

/**
 * Checks a data source definition, `{"objects":[{"object":"contacts","properties":["email",...],
 * "filter":null|"<$filter text>"}, ...]}`: object names match ^[a-z0-9_-]{1,64}$ and appear once,
 * property names match ^[a-z0-9_]{1,100}$ and appear once per object ("properties" missing or empty:
 * every property), a filter is 1 to STORE_ADMIN_FILTER_MAX bytes of text (checked against the object's
 * properties by the gateway, which ANDs it with every request's $filter), at most
 * STORE_ADMIN_DEFINITION_OBJECTS_MAX objects, no other keys. When normalized is not NULL it receives a
 * new compact JSON text of the definition with "properties" and "filter" always present (free()).
 */
store_err_t store_admin_definition_validate(const char *json, size_t len, char **normalized, char *err, size_t errlen);

/**
 * Creates a data source after validating its definition (above) and name (1 to STORE_ADMIN_NAME_MAX
 * characters, no control characters). *id receives the new id. STORE_ERR_NOTFOUND when the portal is
 * not installed, STORE_ERR_CONFLICT when the portal already has a data source of that name.
 */
store_err_t store_admin_datasource_create(PGconn *conn, int64_t portal_id, int64_t owner_user_id, const char *name,
                                          const char *definition, int64_t *id, char *err, size_t errlen);

typedef struct st_store_admin_datasource_t {
    int64_t id;
    int64_t portal_id;
    int64_t owner_user_id;
    const char *name;
    const char *objects;    /* the object names of the definition, comma-separated */
    const char *definition; /* JSON text as PostgreSQL renders jsonb */
    const char *created_at;
    const char *updated_at;
} store_admin_datasource_t;

typedef struct st_store_admin_datasources_t {
    size_t count;
    store_admin_datasource_t *items;
    PGresult *_res;
} store_admin_datasources_t;

/** Lists the data sources of a portal, by id. *out is new (store_admin_datasources_destroy). */
store_err_t store_admin_datasource_list(PGconn *conn, int64_t portal_id, store_admin_datasources_t **out, char *err, size_t errlen);
/** Reads one data source by id into a new list of one. STORE_ERR_NOTFOUND when there is none. */
store_err_t store_admin_datasource_get(PGconn *conn, int64_t id, store_admin_datasources_t **out, char *err, size_t errlen);
/** Frees a data source list (NULL is ignored). */
void store_admin_datasources_destroy(store_admin_datasources_t *list);

/* ---- personal access tokens ---- */

/**
 * Mints a personal access token: a new random token whose SHA-256 and display prefix are stored with
 * name, owner and expires_at = now + days (1 to STORE_ADMIN_TOKEN_DAYS_MAX). The plaintext is written
 * to token (the only copy: show it once, then wipe it) and the new row's id to *id.
 * STORE_ERR_NOTFOUND when the portal is not installed.
 */
store_err_t store_admin_token_mint(PGconn *conn, int64_t portal_id, int64_t owner_user_id, const char *name, int days,
                                   char token[STORE_TOKEN_LEN + 1], int64_t *id, char *err, size_t errlen);

typedef struct st_store_admin_token_t {
    int64_t id;
    int64_t portal_id;
    int64_t owner_user_id;
    const char *name;
    const char *display_prefix;
    const char *status; /* "active", "expired" or "revoked" */
    const char *created_at;
    const char *expires_at;
    const char *last_used_at; /* NULL when never used */
    const char *revoked_at;   /* NULL when not revoked */
    int64_t revoked_by;       /* 0 when not known */
} store_admin_token_t;

typedef struct st_store_admin_tokens_t {
    size_t count;
    store_admin_token_t *items;
    PGresult *_res;
} store_admin_tokens_t;

/**
 * Lists the tokens of a portal, of one owner when owner_user_id is not 0, by id. Neither plaintext
 * nor hash is read. *out is new (store_admin_tokens_destroy).
 */
store_err_t store_admin_token_list(PGconn *conn, int64_t portal_id, int64_t owner_user_id, store_admin_tokens_t **out, char *err,
                                   size_t errlen);
/** Frees a token list (NULL is ignored). */
void store_admin_tokens_destroy(store_admin_tokens_t *list);

/**
 * Revokes a token: sets revoked_at and revoked_by (0: NULL) and, in the same transaction, sends
 * NOTIFY token_revoked with the token id as payload so that running gateways drop it from their
 * caches. Revoking a revoked token changes nothing and sets *already_revoked (may be NULL) to 1.
 * STORE_ERR_NOTFOUND when there is no such token.
 */
store_err_t store_admin_token_revoke(PGconn *conn, int64_t token_id, int64_t revoked_by, int *already_revoked, char *err,
                                     size_t errlen);

#define STORE_ADMIN_LAUNCH_CODE_MAX 64 /* room for a launch code's text, with its NUL */

/**
 * Makes a one-time launch code for HubSpot user `user_id` of an installed portal, valid for `ttl_s`
 * seconds: the admin UI exchanges it for a session (POST /api/v1/session). Only its SHA-256 is
 * stored; the code (base64url text) is written to `code`. STORE_ERR_NOTFOUND when the portal is not
 * installed.
 */
store_err_t store_admin_launch_create(PGconn *conn, int64_t portal_id, int64_t user_id, int ttl_s,
                                      char code[STORE_ADMIN_LAUNCH_CODE_MAX], char *err, size_t errlen);

#endif
