/*
 * hubspot-sim: HubSpot OAuth v1 (token grants, token metadata, refresh-token revocation, the authorize page) and
 * bearer-token checks for CRM requests.
 */
#ifndef SIM_OAUTH_H
#define SIM_OAUTH_H

#include "result.h"
#include "stats.h"
#include "util.h"

#include <stdint.h>

typedef struct st_sim_oauth_config_t {
    uint64_t portal_id;
    const char *client_id;
    const char *client_secret;
    const char *refresh_token; /* the sandbox portal's pre-issued refresh token */
    unsigned access_token_ttl; /* seconds */
    int auto_approve;
} sim_oauth_config_t;

typedef struct st_sim_oauth_t sim_oauth_t;

typedef enum en_sim_auth_t { SIM_AUTH_OK, SIM_AUTH_MISSING, SIM_AUTH_INVALID, SIM_AUTH_EXPIRED } sim_auth_t;

/** creates the token store (new object); strings in cfg are copied. stats is borrowed. */
sim_oauth_t *sim_oauth_create(const sim_oauth_config_t *cfg, sim_stats_t *stats);
/** frees the store and every token */
void sim_oauth_destroy(sim_oauth_t *o);
/**
 * checks an Authorization header value ("Bearer <token>"; hdr may be NULL when absent). On SIM_AUTH_EXPIRED,
 * *expired_ago_ms says how long ago the token expired.
 */
sim_auth_t sim_oauth_check_bearer(sim_oauth_t *o, const char *hdr, size_t len, int64_t *expired_ago_ms);
/** fills res with HubSpot's 401 answer for a failed check */
void sim_oauth_unauthorized(sim_auth_t verdict, int64_t expired_ago_ms, sim_result_t *res);
/** POST /oauth/v1/token with decoded form parameters */
void sim_oauth_token(sim_oauth_t *o, const sim_params_t *form, sim_result_t *res);
/** GET /oauth/v1/access-tokens/{token} */
void sim_oauth_access_token_info(sim_oauth_t *o, const char *token, sim_result_t *res);
/** GET /oauth/v1/refresh-tokens/{token} */
void sim_oauth_refresh_token_info(sim_oauth_t *o, const char *token, sim_result_t *res);
/** DELETE /oauth/v1/refresh-tokens/{token} */
void sim_oauth_refresh_token_delete(sim_oauth_t *o, const char *token, sim_result_t *res);
/**
 * GET /oauth/authorize (approve = -1: show the page, or redirect at once with auto-approve) and POST /oauth/authorize
 * from the page's form (approve = 1 or 0 for deny)
 */
void sim_oauth_authorize(sim_oauth_t *o, const sim_params_t *params, int approve, sim_result_t *res);
/** writes the sandbox portal's default refresh token, derived from the data seed and the portal id (40 bytes) */
void sim_oauth_derive_refresh_token(uint64_t seed, uint64_t portal_id, char out[40]);
/** marks every access token as expired (a test hook) */
void sim_oauth_expire_access_tokens(sim_oauth_t *o);

#endif
