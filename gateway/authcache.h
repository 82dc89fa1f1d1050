/*
 * gateway/ private: the cache of token lookups. What a personal access token may read (the token, its
 * owner's rights on one data source, the definition and the portal's grant) is kept for a few seconds
 * per (token hash, data source), so that a Power BI refresh that fires many requests reads PostgreSQL
 * once. It is only used while a dedicated connection LISTENs on the channel gateway_auth, on which
 * triggers (store/migrations/006) announce every change to those rows: a revocation, an unshare or a
 * re-install takes effect at the next request on every gateway.
 */
#ifndef gateway__authcache_h
#define gateway__authcache_h

#include <stdint.h>

/* What the database says about a token and a data source. */
typedef struct st_gw_auth_t {
    int64_t token_id, portal_id, user_id;
    int valid;              /* neither revoked nor expired */
    int ds_ok;              /* the data source exists and the owner may read it */
    int needs_reauth;       /* the portal must install the app again */
    int owner_stale;        /* who the owner is is older than a session may be */
    const char *definition; /* the data source's definition (JSON text); NULL when !ds_ok */
    const char *grant_enc;  /* the sealed refresh token, bytea text form */
    double expires_in;      /* seconds until the token expires */
    double owner_fresh_for; /* seconds until who the owner is turns stale */
} gw_auth_t;

typedef struct st_gw_auth_cache_stats_t {
    int listening; /* the cache is in use */
    size_t entries;
    uint64_t hits, misses, evictions;
} gw_auth_cache_stats_t;

/** Starts the cache and its listener on gw.evloop with gw.config (a TTL of 0 turns it off). */
int gw_auth_cache_start(void);
/** Stops listening and frees every entry. */
void gw_auth_cache_stop(void);
/**
 * Looks up a token's answer for a data source. Returns 1 and fills *out (its strings borrowed until the
 * loop runs again) when a fresh one is cached; *touch is then set when the token's last use should be
 * recorded (once a minute at most). Returns 0 otherwise.
 */
int gw_auth_cache_get(const unsigned char token_hash[32], int64_t ds, gw_auth_t *out, int *touch);
/** The generation to pass to gw_auth_cache_put: read it before sending the query. */
uint64_t gw_auth_cache_generation(void);
/**
 * Keeps an answer read from the database (copied) unless something changed since `generation` was
 * read, the answer is not cacheable (an invalid token or a stale owner) or the cache is not listening.
 */
void gw_auth_cache_put(const unsigned char token_hash[32], int64_t ds, uint64_t generation, const gw_auth_t *a);
void gw_auth_cache_get_stats(gw_auth_cache_stats_t *stats);

#endif
