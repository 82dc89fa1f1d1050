/* gateway: the h2o server that ties odata/, hubspot/ and store/ together. */
#ifndef gateway__gateway_h
#define gateway__gateway_h

#include <stdint.h>
#include <h2o.h>
#include "hubspot/hubspot.h"
#include "store/store.h"
#include "store/pgasync.h"

typedef enum en_gw_log_level_t { GW_LOG_ERROR, GW_LOG_WARN, GW_LOG_INFO, GW_LOG_DEBUG } gw_log_level_t;

extern gw_log_level_t gw_log_level;
/** Writes one log line (module tag, level, message) to stderr. Callers never pass tokens or record values. */
void gw_log_write(gw_log_level_t level, const char *module, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define gw_log(level, module, ...)                                                                                                 \
    do {                                                                                                                           \
        if ((level) <= gw_log_level)                                                                                               \
            gw_log_write((level), (module), __VA_ARGS__);                                                                          \
    } while (0)

typedef struct st_gw_config_t {
    const char *listen;   /* host:port */
    const char *database; /* libpq conninfo */
    const char *hubspot_base_url;
    const char *hubspot_auth_url;      /* where a user approves the install (HubSpot's app site) */
    const char *oauth_scopes;          /* scopes the install requires, separated by spaces */
    const char *oauth_optional_scopes; /* scopes asked for when the portal has them, separated by spaces */
    long oauth_state_ttl;              /* seconds an install may take from /oauth/install to /oauth/callback */
    long session_ttl;                  /* seconds a session of the admin UI lasts */
    unsigned token_max_days;           /* the longest a personal access token may live */
    unsigned token_cap;                /* active personal access tokens one user may hold */
    unsigned auth_cache_ttl;           /* seconds a token lookup is cached; 0: not at all */
    unsigned audit_spool_mb;           /* memory for audit events waiting for PostgreSQL */
    const char *audit_spool_file;      /* where they go when memory is full; NULL: nowhere (they are dropped) */
    unsigned audit_spool_file_mb;      /* the most that file holds */
    unsigned audit_upkeep_interval;    /* seconds between looks for expired tokens (pruning: every 60th) */
    const char *client_id;
    const char *client_secret;
    const char *master_key_file;
    const char *master_key;       /* keyring text from the environment */
    const char *public_url;       /* base of absolute URLs in responses; NULL: from the request */
    const char *api_key_param;    /* query parameter that may carry the token (Power BI "Web API" key) */
    size_t page_size;             /* rows per OData response before @odata.nextLink */
    int hubspot_max_attempts;     /* tries of one HubSpot request that fails with 5xx or on the network */
    long hubspot_retry_budget_ms; /* no retry starts later than this after a request's first try */
    unsigned hubspot_rate_limit;  /* requests per ten seconds per portal until HubSpot's headers say otherwise */
    unsigned hubspot_search_rate; /* search requests per second per portal, likewise */
    unsigned hubspot_lookahead;   /* HubSpot pages one feed reads ahead (split list scans; 1: one at a time) */
    char *frame_ancestors;        /* origins besides HubSpot's that may frame the UI, space-separated (owned); NULL: none */
    int db_pool_size;
} gw_config_t;

typedef struct st_gw_t {
    gw_config_t config;
    h2o_globalconf_t globalconf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_evloop_t *evloop;
    hs_loop_t *hsloop;
    hs_client_t *hubspot;
    store_pg_t *db;
    store_keyring_t *keyring;
    unsigned char link_key[32];  /* signs $skiptoken values */
    unsigned char state_key[32]; /* signs the OAuth install's state */
} gw_t;

extern gw_t gw;

/**
 * The first CTE of a statement that changes what the audit log records (store/migrations/008): sets who
 * acts, HubSpot user `param` (e.g. "$2"), for the statement's transaction. The change must select FROM
 * actor (or join it), so that it is set before the rows change.
 */
#define GW_API_ACTOR(param) "actor AS (SELECT set_config('hsod.actor', 'user:' || " param "::bigint, true) AS actor)"

/** Adds a response header (the value is borrowed: a literal or in the request's pool). */
void gw_add_header(h2o_req_t *req, const h2o_token_t *token, const char *value);
/** The gateway's public base URL without a trailing slash (--public-url, else the request's scheme and host), in the pool. */
const char *gw_public_base(h2o_req_t *req);
/**
 * Opens a portal's sealed grant as read from PostgreSQL (`enc`, bytea in text form): the refresh token
 * (new, NUL-terminated; gw_grant_free), or NULL with the store's error in *err. On STORE_ERR_NOKEY
 * (this gateway lacks the key; the grant itself may be fine) *key_id names the key.
 */
char *gw_grant_open(int64_t portal_id, const char *enc, store_err_t *err, uint32_t *key_id);
/** Wipes and frees a refresh token (NULL is ignored). */
void gw_grant_free(char *refresh_token);
/** Percent-decodes s[0..len) into the pool ('+' stays a plus, as OData's ABNF has it); NULL when malformed or a NUL. */
char *gw_url_decode(h2o_mem_pool_t *pool, const char *s, size_t len);
/** The reason phrase of an HTTP status. */
const char *gw_reason_of(int status);
/** Registers the /odata/ handler on the host configuration. */
void gw_odata_register(h2o_hostconf_t *hostconf);
/** Registers the admin API under /api/v1/ (gateway/api.c). */
void gw_api_register(h2o_hostconf_t *hostconf);
/** One static file of the connector's UI (gateway/app/), embedded in the binary at build time. */
typedef struct st_gw_app_file_t {
    const char *path; /* relative to gateway/app/, e.g. "js/api.js" */
    const unsigned char *data;
    size_t len;
    const char *etag; /* a strong entity tag, quotes included */
} gw_app_file_t;

/** The embedded files (generated by gateway/app_embed.cmake), sorted by path. */
extern const gw_app_file_t gw_app_files[];
extern const size_t gw_app_nfiles;
/**
 * Registers the UI under /app/ and the staff page under /staff/ (gateway/app.c); reads
 * gw.config.frame_ancestors (the staff page is never framed).
 */
void gw_app_register(h2o_hostconf_t *hostconf);
/** Frees what gw_app_register built. */
void gw_app_dispose(void);
/**
 * Checks a --frame-ancestors list (origins separated by spaces or commas) and returns it normalised
 * (lower-cased, space-separated) as a new string (free()); NULL with a message in `err` for anything
 * that is not https://host[:port] or an http:// loopback origin.
 */
char *gw_app_frame_ancestors(const char *list, char *err, size_t errsz);
/** Registers the support staff's API under /staff/api/ (gateway/staff.c); -1 when out of memory. */
int gw_staff_register(h2o_hostconf_t *hostconf);
/** Starts handing staff login checks between their threads and the loop. */
void gw_staff_start(h2o_evloop_t *loop);
/** Waits (briefly) for login checks still running, then stops. */
void gw_staff_stop(void);
/** Registers /oauth/install and /oauth/callback (the app's install in a HubSpot portal). */
void gw_oauth_register(h2o_hostconf_t *hostconf);
/**
 * Checks a list of OAuth scope names (separated by spaces or commas) and writes it space-separated to
 * a new string (free()). Returns NULL when a name has a character other than letters, digits and
 * "._:/-".
 */
char *gw_oauth_scope_list(const char *scopes);
/** The adapter that lets store/'s PostgreSQL pool run on the h2o loop. */
store_pg_loop_t gw_pg_loop(h2o_evloop_t *evloop);

/**
 * Signs a paging state `payload` for a data source and a `scope` (the entity set and the query options
 * it belongs to); returns the $skiptoken as a new string (free()).
 */
char *gw_skiptoken_sign(const char *ds, const char *scope, const char *payload);
/** Verifies a $skiptoken for ds and scope; returns the payload as a new string (free()) or NULL when invalid or foreign. */
char *gw_skiptoken_verify(const char *ds, const char *scope, const char *token, size_t len);

#endif
