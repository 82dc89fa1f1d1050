/*
 * hubspot: the HubSpot API client. Transfers run on libcurl's multi interface driven by the h2o
 * event loop; access tokens are obtained from a portal's refresh token, kept in memory only, and
 * refreshed once for all concurrent callers (single flight).
 */
#ifndef hubspot__hubspot_h
#define hubspot__hubspot_h

#include <stdint.h>
#include <jansson.h>
#include <h2o.h>
#include "odata/odata.h"

/* ---- the loop: a next-tick queue and libcurl's sockets and timer on one h2o evloop ---- */

typedef struct st_hs_loop_t hs_loop_t;

typedef struct st_hs_tick_t {
    void (*cb)(struct st_hs_tick_t *tick);
    struct st_hs_tick_t *_next;
    int _queued;
    int _delayed;  /* waiting for its time (hs_tick_schedule_in) */
    uint64_t _due; /* CLOCK_MONOTONIC milliseconds */
} hs_tick_t;

/** Creates the loop glue on `evloop` (new). Returns NULL on failure. */
hs_loop_t *hs_loop_create(h2o_evloop_t *evloop);
/** Destroys it; every transfer must have been destroyed first. */
void hs_loop_destroy(hs_loop_t *loop);
/**
 * Runs tick->cb on a later turn of the loop (after pending I/O). Scheduling a queued tick is a no-op; a
 * delayed one becomes due at once.
 */
void hs_tick_schedule(hs_loop_t *loop, hs_tick_t *tick);
/** Runs tick->cb on the first turn of the loop after `delay_ms` milliseconds (replacing an earlier schedule). */
void hs_tick_schedule_in(hs_loop_t *loop, hs_tick_t *tick, uint64_t delay_ms);
/**
 * Removes a queued or delayed tick, also one still to run in the turn being run: a callback may cancel
 * (and then free) any tick, and the others of that turn still run.
 */
void hs_tick_cancel(hs_loop_t *loop, hs_tick_t *tick);

/* ---- calls to HubSpot on behalf of a portal ---- */

typedef enum en_hs_err_t {
    HS_OK = 0,
    HS_ERR_NETWORK,   /* connection failed, reset, timed out or body truncated */
    HS_ERR_STATUS,    /* HubSpot answered with a non-2xx status */
    HS_ERR_AUTH,      /* HubSpot refused the authorisation: the app's credentials, a scope, a token */
    HS_ERR_GRANT,     /* HubSpot refused the portal's refresh token (revoked, the app uninstalled): install again */
    HS_ERR_TOO_LARGE, /* the answer passed the size limit */
    HS_ERR_INTERNAL,  /* out of memory and the like */
} hs_err_t;

typedef struct st_hs_client_config_t {
    const char *base_url; /* e.g. "https://api.hubapi.com", no trailing slash */
    const char *client_id;
    const char *client_secret;
    long timeout_ms; /* whole-transfer timeout */
    size_t max_body; /* cap on one answer's body */
    /* retries of 5xx answers, network failures (resets, timeouts, truncated bodies) and 429s, with
     * exponential backoff and jitter: at most `max_attempts` tries for failures (0: 6), and never past
     * `retry_budget_ms` after the first try (0: 60000); a 429 is waited out within that budget */
    int max_attempts;
    long retry_budget_ms;
    long retry_base_ms; /* the first backoff (0: 250); doubled per failure, at most 8 s */
    /* each portal's rate budget (hubspot/budget.h) until HubSpot's headers say otherwise: requests per
     * ten seconds and search requests per second; 0: no limit until HubSpot's headers give one */
    unsigned rate_ten_secondly;
    unsigned rate_secondly_search;
} hs_client_config_t;

typedef struct st_hs_client_t hs_client_t;
typedef struct st_hs_call_t hs_call_t;
typedef void (*hs_call_cb)(hs_call_t *call, void *data);

/** Creates a client (new); strings are copied. */
hs_client_t *hs_client_create(hs_loop_t *loop, const hs_client_config_t *config);
/** Destroys the client; every call must have been destroyed first. */
void hs_client_destroy(hs_client_t *client);
/** The client's loop (borrowed). */
hs_loop_t *hs_client_loop(hs_client_t *client);

/**
 * Starts a call: `method` "GET" or "POST", `path_and_query` beginning with "/", `json_body` (copied)
 * for POST or NULL. The access token comes from the in-memory cache or is obtained with
 * `refresh_token` (copied, wiped when no longer needed). A 401 answer refreshes the token once and
 * retries. 5xx answers, network failures and 429s are retried as the client's configuration says; a
 * 429 for the daily limit is not (HS_ERR_STATUS, status 429, a message saying so). The callback runs exactly once, never before
 * this returns; it reads the result with the accessors below and then must call hs_call_destroy(). Returns NULL when out of memory.
 */
hs_call_t *hs_call_start(hs_client_t *client, int64_t portal_id, const char *refresh_token, const char *method,
                         const char *path_and_query, const char *json_body, hs_call_cb cb, void *data);
/** Destroys a call; if it is still running it is cancelled and its callback never runs. */
void hs_call_destroy(hs_call_t *call);
hs_err_t hs_call_error(const hs_call_t *call);
/** HubSpot's HTTP status (0 when no answer). */
long hs_call_status(const hs_call_t *call);
/** The answer's body (borrowed, valid until hs_call_destroy). */
const odata_buf_t *hs_call_body(const hs_call_t *call);
/** A message for logs and for Power BI users; never contains a token or a record value. */
const char *hs_call_message(const hs_call_t *call);
/** How many times the call was tried again (after failures and 429s). */
unsigned hs_call_retries(const hs_call_t *call);
/** How many of those were after a 429. */
unsigned hs_call_rate_limited(const hs_call_t *call);
/** Milliseconds the call waited for its portal's rate budget. */
uint64_t hs_call_queued_ms(const hs_call_t *call);

/* ---- property metadata (names, types, labels; never record values), cached in memory ---- */

/** The cached `results` array of GET /crm/v3/properties/{object} for the portal, or NULL (borrowed). */
json_t *hs_properties_cached(hs_client_t *client, int64_t portal_id, const char *object);
/**
 * Stores the body of a properties answer in the cache. Returns 0, or -1 with a message when the body
 * is not HubSpot's shape.
 */
int hs_properties_store(hs_client_t *client, int64_t portal_id, const char *object, const odata_buf_t *body, char *err,
                        size_t errlen);

/** The element of a cached `results` array whose "name" is `name`, or NULL (borrowed). */
json_t *hs_property_find(json_t *results, const char *name);

/* ---- the EDM model of a data source and record reshaping ---- */

/** Non-zero when `object` is an object type name the gateway accepts ([a-z0-9_-], 1..64). */
int hs_object_name_valid(const char *object);
/**
 * Builds the EDM model of a data source definition ({"objects":[{"object":..,"properties":[..]}],...})
 * from the cached property metadata of each object (which must all be cached). Returns a new model,
 * or NULL with a message for the user in err.
 */
odata_model_t *hs_model_build(hs_client_t *client, int64_t portal_id, json_t *definition, char *err, size_t errlen);
/**
 * Appends one HubSpot record (an element of `results`) as an OData entity of `set` with the minimal
 * metadata form. Returns ODATA_OK, or an error with a message in err (which names the property, not
 * the value).
 */
odata_err_t hs_record_write(const odata_entity_set_t *set, json_t *record, odata_buf_t *out, char *err, size_t errlen);
/**
 * Like hs_record_write, with only the given properties of the set, in that order (`props` NULL: all).
 */
odata_err_t hs_record_write_select(const odata_entity_set_t *set, const odata_property_t *const *props, size_t nprops,
                                   json_t *record, odata_buf_t *out, char *err, size_t errlen);
/** Appends "a,b,c": the HubSpot property names of the set's non-key properties, URL-encoded. */
odata_err_t hs_properties_param(const odata_entity_set_t *set, odata_buf_t *out);

#endif
