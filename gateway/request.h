/* gateway/ private: one OData request as the handler (odata_handler.c) and the feed (feed.c) share it */
#ifndef gateway__request_h
#define gateway__request_h

#include "gateway/gateway.h"
#include "hubspot/plan.h"
#include "hubspot/read.h"
#include "hubspot/split.h"
#include "odata/query.h"

#define GW_MAX_OUT (32 * 1024 * 1024)

typedef enum { GW_ROUTE_SERVICE, GW_ROUTE_METADATA, GW_ROUTE_FEED, GW_ROUTE_COUNT } gw_route_t;

typedef struct st_gw_feed_t {
    h2o_generator_t generator;
    const odata_entity_set_t *set;
    odata_query_t *query;
    json_t *hs_props;  /* property metadata of the set's object (a reference) */
    hs_read_t rd;      /* the columns, the pushed filter, the residual and the scans */
    int64_t emitted;   /* rows written for this query so far, over all pages (for $top) */
    int64_t skip_left; /* rows still to skip (for $skip) */
    int64_t counted;   /* rows counted by the counting pass */
    int64_t total;     /* the count, -1 when unknown */
    size_t page_rows;  /* rows written in this response */
    char *scope;       /* what a $skiptoken is bound to: entity set and query options */
    char *next_query;  /* the query options carried into @odata.nextLink */
    char *context_url;
    hs_call_t *page_call;
    json_t *ready; /* the rows of a page waiting for the client */
    int ready_more;
    /* a split list scan: several requests out at once, their pages written in the order they come */
    int split_on;
    int closing; /* the response is full: nothing more is asked for, what is out is written, then the nextLink */
    hs_split_t split;
    unsigned ncalls;
    hs_call_t *calls[HS_SPLIT_MAX + 1];
    int tickets[HS_SPLIT_MAX + 1];
    unsigned rq_head, rq_count; /* pages that came while the client was still taking an earlier one */
    json_t *rq[HS_SPLIT_MAX + 1];
    odata_buf_t out;
    odata_buf_t scratch;
    int64_t now_us;
    size_t bytes, hs_calls, hs_retries, hs_rate_limited, rows_seen;
    uint64_t hs_queued_ms;
    int started, sending, done, error_pending;
    const char *outcome; /* as logged: complete, failed, aborted, client_gone; NULL while running */
} gw_feed_t;

/*
 * Loading the property metadata of a data source's objects into the HubSpot client's cache (GET
 * /crm/v3/properties/{object}, every uncached object at once). The owner embeds it and finds itself
 * from the callback with H2O_STRUCT_FROM_MEMBER.
 */
typedef struct st_gw_props_load_t {
    int64_t portal_id;
    const char *refresh_token_enc; /* the grant as read, so that a refusal by HubSpot marks this one */
    const char *base_url;          /* for messages */
    void (*cb)(struct st_gw_props_load_t *l);
    const char **objects; /* borrowed names */
    hs_call_t **calls;
    size_t ncalls, pending;
    /* the first failure: 0 when every object loaded */
    int failed_status;
    const char *failed_code;
    const char *failed_object; /* the object whose call failed (borrowed) */
    long failed_hs_status;     /* HubSpot's status for it; 0 when there was no answer */
    char failed_msg[1400];
} gw_props_load_t;

/**
 * Starts loading the objects' properties that are not cached, with the refresh token (copied by the
 * calls). Returns the number of calls started, after whose last answer `l->cb` runs; 0 when everything
 * is cached (the callback does not run); -1 when out of memory. `objects` must outlive the load.
 */
int gw_props_load(gw_props_load_t *l, const char *refresh_token, const char **objects, size_t n);
/** Cancels what is still out and frees the load's memory. */
void gw_props_load_dispose(gw_props_load_t *l);

/* Records who a portal's user is, as HubSpot just said: $1 portal, $2 user, $3 super admin, $4 teams (an array). */
#define GW_PORTAL_USER_UPSERT_SQL                                                                                                  \
    "INSERT INTO portal_users (portal_id, user_id, hubspot_super_admin, team_ids) VALUES ($1::bigint, $2::bigint, $3::boolean, "   \
    "$4::bigint[]) ON CONFLICT (portal_id, user_id) DO UPDATE SET hubspot_super_admin = EXCLUDED.hubspot_super_admin, "            \
    "team_ids = EXCLUDED.team_ids, seen_at = now()"

#define GW_USER_TEAMS_MAX 64
#define GW_USER_TEAMS_TEXT (GW_USER_TEAMS_MAX * 21 + 3)
/**
 * Reads HubSpot's answer about a user (GET /settings/v3/users/{id}): whether a super admin, and the
 * primary and secondary teams as a PostgreSQL array literal ("{101,102}", at most GW_USER_TEAMS_MAX) in
 * teams_text (GW_USER_TEAMS_TEXT bytes). Returns 0, or -1 when the answer is unreadable or about
 * someone else.
 */
int gw_hs_user_parse(const odata_buf_t *body, int64_t user_id, int *super_admin, char *teams_text, size_t cap);

typedef struct st_gw_odata_req_t {
    h2o_req_t *req;
    gw_route_t route;
    char ds[24];   /* the data source id as in the URL (digits) */
    int64_t ds_id; /* and as a number */
    char set_name[160];
    const char *raw_query; /* after '?', without the API-key parameter; "" when none */
    unsigned char token_hash[32];
    int64_t portal_id, token_id, user_id;
    json_t *definition;
    char *refresh_token;
    const char *refresh_token_enc; /* the stored, sealed grant (bytea text form, in the pool) */
    gw_props_load_t props;
    hs_call_t *owner_call; /* asking HubSpot who the token's owner is now */
    int owner_checked;
    uint64_t auth_generation; /* the token lookup cache's, when the lookup was sent */
    odata_model_t *model;
    const char *base_url; /* gw_public_base, in the pool */
    uint64_t started_at;
    const char *error_code; /* the OData error code the request failed with (static); NULL when none */
    char client_ip[48];
    char user_agent[200]; /* printable ASCII only */
    gw_feed_t feed;
} gw_odata_req_t;

void gw_add_odata_version(h2o_req_t *req);
/** Sends an OData error body with the status. */
void gw_send_error(h2o_req_t *req, int status, const char *code, const char *message);
/** gw_send_error for an OData request, remembering `code` (a static string) for its audit row. */
void gw_req_error(struct st_gw_odata_req_t *r, int status, const char *code, const char *message);
/**
 * Maps a failed HubSpot call to a status, an OData error code and a message for the user. A grant HubSpot
 * refused marks the portal as needing re-authorisation.
 */
int gw_hs_failure(gw_odata_req_t *r, const hs_call_t *call, const char **code, char *msg, size_t msgsz);
/** gw_hs_failure for a call made with the grant `enc` (as read; NULL: nothing to mark) of a portal. */
int gw_hs_failure_of(int64_t portal_id, const char *enc, const char *base_url, const hs_call_t *call, const char **code, char *msg,
                     size_t msgsz);
/**
 * Finds the definition's entry for `object` ({"object","properties","filter"}) and returns its filter
 * text, or NULL when it has none (borrowed from the definition).
 */
const char *gw_definition_filter(json_t *definition, const char *object);

/** Starts an entity set feed or /$count once the model is loaded. */
void gw_feed_start(gw_odata_req_t *r);
/** Releases the feed's resources (from the request's dispose callback). */
void gw_feed_dispose(gw_feed_t *f);

#endif
