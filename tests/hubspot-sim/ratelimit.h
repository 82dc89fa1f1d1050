/*
 * hubspot-sim: HubSpot's per-portal request limits (rolling ten-second window, secondly search limit, daily limit).
 */
#ifndef SIM_RATELIMIT_H
#define SIM_RATELIMIT_H

#include <stdint.h>

#define SIM_RL_BUCKET_MS 100
#define SIM_RL_TEN_BUCKETS 100 /* 10 s */
#define SIM_RL_SEC_BUCKETS 10  /* 1 s */

/** a rolling window counted in 100 ms buckets */
typedef struct st_sim_window_t {
    uint32_t *buckets;
    unsigned nbuckets;
    int64_t head; /* index (time / bucket) of the newest bucket */
    uint64_t sum;
} sim_window_t;

typedef struct st_sim_ratelimit_t {
    unsigned ten_secondly; /* 0 = unlimited */
    unsigned secondly_search;
    unsigned daily;
    sim_window_t ten;
    sim_window_t search;
    int64_t day;
    uint64_t day_used;
    uint32_t _ten_storage[SIM_RL_TEN_BUCKETS];
    uint32_t _sec_storage[SIM_RL_SEC_BUCKETS];
} sim_ratelimit_t;

typedef enum en_sim_rl_verdict_t { SIM_RL_OK, SIM_RL_TEN_SECONDLY, SIM_RL_SECONDLY, SIM_RL_DAILY } sim_rl_verdict_t;

/** the numbers HubSpot reports in its X-HubSpot-RateLimit-* headers, after the current request */
typedef struct st_sim_rl_state_t {
    unsigned ten_max;
    uint64_t ten_remaining;
    unsigned sec_max;
    uint64_t sec_remaining;
    unsigned daily_max;
    uint64_t daily_remaining;
} sim_rl_state_t;

/** initialises the limiter; a limit of 0 means unlimited */
void sim_ratelimit_init(sim_ratelimit_t *rl, unsigned ten_secondly, unsigned secondly_search, unsigned daily);
/**
 * accounts one CRM request at time now_ms (monotonic) and real_ms (wall clock, for the daily reset at UTC midnight).
 * Requests refused by a limit are not counted. Fills *state for the response headers.
 */
sim_rl_verdict_t sim_ratelimit_take(sim_ratelimit_t *rl, int is_search, int64_t now_ms, int64_t real_ms, sim_rl_state_t *state);
/** forgets every counted request */
void sim_ratelimit_reset(sim_ratelimit_t *rl);

#endif
