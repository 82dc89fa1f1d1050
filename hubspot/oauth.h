/*
 * The app's side of HubSpot's OAuth install: an authorization code exchanged for a grant (POST
 * /oauth/v1/token, then GET /oauth/v1/access-tokens/{token} to learn which portal and user granted
 * which scopes), and the revocation of a refresh token (DELETE /oauth/v1/refresh-tokens/{token}) when
 * an install is removed. The transfers run on the loop's libcurl multi handle; nothing blocks. Tokens
 * and codes never appear in messages.
 */
#ifndef hubspot__oauth_h
#define hubspot__oauth_h

#include <stddef.h>
#include <stdint.h>
#include "hubspot/hubspot.h"

#define HS_OAUTH_MAX_BODY (64 * 1024)   /* cap on one answer of HubSpot's OAuth service */
#define HS_OAUTH_REFRESH_TOKEN_MAX 4096 /* a longer refresh token is refused as malformed */
#define HS_OAUTH_SCOPES_MAX 8192        /* the granted scopes, comma-separated */
#define HS_OAUTH_HUB_DOMAIN_MAX 255

typedef struct st_hs_oauth_config_t {
    const char *base_url; /* HubSpot's API base, e.g. "https://api.hubapi.com" (no trailing slash) */
    const char *client_id;
    const char *client_secret;
    const char *redirect_uri; /* exactly as it was sent to the authorization page */
    long timeout_ms;          /* per transfer; 0: 30 s */
} hs_oauth_config_t;

/** What an install granted. The strings are borrowed from the exchange and live until it is destroyed. */
typedef struct st_hs_oauth_grant_t {
    int64_t hub_id;            /* the portal */
    int64_t user_id;           /* the HubSpot user who approved the install */
    const char *hub_domain;    /* NULL when HubSpot named none or an unusable one */
    const char *scopes;        /* the granted scopes, comma-separated ("" when none) */
    const char *refresh_token; /* secret: never log or show it */
    size_t refresh_token_len;
} hs_oauth_grant_t;

typedef struct st_hs_oauth_exchange_t hs_oauth_exchange_t;
typedef void (*hs_oauth_cb)(hs_oauth_exchange_t *x, void *data);

/**
 * Starts exchanging `code` for a grant; the strings of `cfg` and `code` are copied. `cb` runs exactly
 * once, never before this returns; it reads the result with the accessors below and may destroy the
 * exchange. Returns a new exchange, or NULL when out of memory.
 */
hs_oauth_exchange_t *hs_oauth_exchange_start(hs_loop_t *loop, const hs_oauth_config_t *cfg, const char *code, hs_oauth_cb cb,
                                             void *data);
/** Destroys an exchange (NULL is ignored); one still running is cancelled and its callback never runs. Secrets are wiped. */
void hs_oauth_exchange_destroy(hs_oauth_exchange_t *x);
/** HS_OK, HS_ERR_STATUS (HubSpot refused: see the status and message), HS_ERR_NETWORK, HS_ERR_TOO_LARGE or HS_ERR_INTERNAL. */
hs_err_t hs_oauth_exchange_error(const hs_oauth_exchange_t *x);
/** HubSpot's HTTP status of the failed step (0 when there was no answer). */
long hs_oauth_exchange_status(const hs_oauth_exchange_t *x);
/** A message for the installing user and the log (HubSpot's own words when it refused); never a token or a code. */
const char *hs_oauth_exchange_message(const hs_oauth_exchange_t *x);
/** The grant when the exchange succeeded, else NULL (borrowed). */
const hs_oauth_grant_t *hs_oauth_exchange_grant(const hs_oauth_exchange_t *x);

typedef struct st_hs_oauth_revoke_t hs_oauth_revoke_t;
typedef void (*hs_oauth_revoke_cb)(hs_oauth_revoke_t *x, void *data);

/**
 * Starts revoking `refresh_token`: DELETE {base_url}/oauth/v1/refresh-tokens/{refresh_token} (the token
 * URL-escaped). Of `cfg` only base_url and timeout_ms are used. The token is copied; every copy of it
 * (and the URL that holds it) is wiped once used. `cb` runs exactly once, never before this returns (on
 * a later tick); it reads the result with the accessors below and may destroy the revocation. Returns a
 * new revocation, or NULL when out of memory.
 */
hs_oauth_revoke_t *hs_oauth_revoke_start(hs_loop_t *loop, const hs_oauth_config_t *cfg, const char *refresh_token,
                                         hs_oauth_revoke_cb cb, void *data);
/** Destroys a revocation (NULL is ignored); one still running is cancelled and its callback never runs. */
void hs_oauth_revoke_destroy(hs_oauth_revoke_t *x);
/**
 * HS_OK: revoked (HubSpot answered 2xx) or already unknown to HubSpot (404; then hs_oauth_revoke_already()
 * is 1); HS_ERR_STATUS: another status (see the status and message); HS_ERR_NETWORK; HS_ERR_INTERNAL (out
 * of memory, or an empty or over-long token that was never sent).
 */
hs_err_t hs_oauth_revoke_error(const hs_oauth_revoke_t *x);
/** 1 when HubSpot no longer knew the token (404), else 0. */
int hs_oauth_revoke_already(const hs_oauth_revoke_t *x);
/** HubSpot's HTTP status (0 when there was no answer). */
long hs_oauth_revoke_status(const hs_oauth_revoke_t *x);
/**
 * A message for the log (borrowed, lives until the revocation is destroyed); after HS_ERR_STATUS it has
 * HubSpot's own "message" field when the answer is JSON, truncated. Never the token.
 */
const char *hs_oauth_revoke_message(const hs_oauth_revoke_t *x);

/**
 * Checks that the comma-separated `granted` scopes include every scope of `required` (separated by
 * spaces or commas). Returns how many are missing and writes them, space-separated, to `missing`
 * (truncated to its size).
 */
size_t hs_oauth_missing_scopes(const char *granted, const char *required, char *missing, size_t missingsz);

#endif
