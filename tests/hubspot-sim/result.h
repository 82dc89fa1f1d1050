/*
 * hubspot-sim: an HTTP answer computed by an endpoint (status, content type, body, optional redirect), and builders
 * for HubSpot's error bodies.
 */
#ifndef SIM_RESULT_H
#define SIM_RESULT_H

#include "buf.h"

/** largest response body the simulator builds in memory (list and search pages, property lists) */
#define SIM_MAX_BODY (64 * 1024 * 1024)

/** one computed answer; the body is owned by the result until sim_result_dispose or a reply steals it */
typedef struct st_sim_result_t {
    int status;
    const char *content_type; /* static string */
    sim_buf_t body;
    char *location; /* malloc'd redirect target, or NULL */
} sim_result_t;

/** initialises an empty 200 application/json result */
void sim_result_init(sim_result_t *res);
/** frees the body and the location */
void sim_result_dispose(sim_result_t *res);
/** replaces the body with a JSON error `{"status":"error","message":..,"correlationId":..,"category":..}` */
void sim_result_error(sim_result_t *res, int status, const char *category, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** replaces the body with an OAuth error `{"status":STATUS,"message":..,"correlationId":..,"requestId":..}` */
void sim_result_oauth_error(sim_result_t *res, int status, const char *oauth_status, const char *message);
/**
 * replaces the body with HubSpot's 429 answer for the given policy ("TEN_SECONDLY_ROLLING", "SECONDLY" or "DAILY") and
 * the rate-limit group name
 */
void sim_result_rate_limited(sim_result_t *res, const char *policy, const char *group);
/** turns a body that overflowed its cap into a HubSpot-shaped 500 */
void sim_result_check_overflow(sim_result_t *res);
/** reason phrase for a status code */
const char *sim_reason_phrase(int status);

#endif
