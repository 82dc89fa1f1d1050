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
} gw_feed_t;

typedef struct st_gw_odata_req_t {
    h2o_req_t *req;
    gw_route_t route;
    char ds[24];
    char set_name[160];
    const char *raw_query; /* after '?', without the API-key parameter; "" when none */
    unsigned char token_hash[32];
    int64_t portal_id, token_id, user_id;
    json_t *definition;
    char *refresh_token;
    const char *refresh_token_enc; /* the stored, sealed grant (bytea text form, in the pool) */
    size_t pending_props;
    hs_call_t **prop_calls;
    size_t nprop_calls;
    int prop_failed_status;
    const char *prop_failed_code;
    char prop_failed_msg[1400];
    odata_model_t *model;
    const char *base_url; /* gw_public_base, in the pool */
    uint64_t started_at;
    gw_feed_t feed;
} gw_odata_req_t;

void gw_add_odata_version(h2o_req_t *req);
/** Sends an OData error body with the status. */
void gw_send_error(h2o_req_t *req, int status, const char *code, const char *message);
/**
 * Maps a failed HubSpot call to a status, an OData error code and a message for the user. A grant HubSpot
 * refused marks the portal as needing re-authorisation.
 */
int gw_hs_failure(gw_odata_req_t *r, const hs_call_t *call, const char **code, char *msg, size_t msgsz);

/** Starts an entity set feed or /$count once the model is loaded. */
void gw_feed_start(gw_odata_req_t *r);
/** Releases the feed's resources (from the request's dispose callback). */
void gw_feed_dispose(gw_feed_t *f);

#endif
