/*
 * hubspot-sim: request counters exposed at GET /__sim/stats.
 */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include "buf.h"
#include "data.h"
#include "faults.h"

#include <stdint.h>

typedef enum en_sim_endpoint_t {
    SIM_EP_CRM_LIST,
    SIM_EP_CRM_GET,
    SIM_EP_CRM_SEARCH,
    SIM_EP_CRM_PROPERTIES,
    SIM_EP_CRM_SCHEMAS,
    SIM_EP_CRM_OTHER,
    SIM_EP_SETTINGS_USERS,
    SIM_EP_SETTINGS_TEAMS,
    SIM_EP_OAUTH_TOKEN,
    SIM_EP_OAUTH_ACCESS_TOKEN_INFO,
    SIM_EP_OAUTH_REFRESH_TOKEN_INFO,
    SIM_EP_OAUTH_REFRESH_TOKEN_DELETE,
    SIM_EP_OAUTH_AUTHORIZE,
    SIM_EP_SIM,
    SIM_EP_OTHER,
    SIM_EP_COUNT
} sim_endpoint_t;

typedef struct st_sim_stats_t {
    uint64_t requests[SIM_EP_COUNT];
    uint64_t by_object[SIM_OBJ_COUNT][4]; /* list, get, search, properties */
    uint64_t crm_requests;
    uint64_t status_class[6]; /* index status / 100 */
    uint64_t http_401;
    uint64_t http_429;
    uint64_t rate_limited_ten_secondly;
    uint64_t rate_limited_secondly;
    uint64_t rate_limited_daily;
    uint64_t faults[SIM_FAULT_COUNT];
    uint64_t access_tokens_issued;
    uint64_t refresh_tokens_issued;
    uint64_t auth_codes_issued;
    uint64_t refresh_tokens_revoked;
    uint64_t token_requests_failed;
    uint64_t auth_missing;
    uint64_t auth_invalid;
    uint64_t auth_expired;
    uint64_t records_returned;
    uint64_t records_streamed;
    uint64_t search_cache_hits;
    uint64_t search_cache_misses;
    int64_t since_ms; /* wall clock of the last reset */
} sim_stats_t;

/** zeroes every counter and records the reset time */
void sim_stats_reset(sim_stats_t *s);
/** appends the counters as a JSON object */
void sim_stats_write_json(const sim_stats_t *s, sim_buf_t *b);
/** JSON name of an endpoint */
const char *sim_endpoint_name(sim_endpoint_t ep);

#endif
