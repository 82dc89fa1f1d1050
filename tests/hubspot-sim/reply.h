/*
 * hubspot-sim: sends computed answers through h2o, after an optional latency, with optional delivery faults; and
 * streams the ground-truth record dump.
 */
#ifndef SIM_REPLY_H
#define SIM_REPLY_H

#define H2O_USE_LIBUV 0
#include <h2o.h>

#include "data.h"
#include "result.h"
#include "stats.h"
#include "tick.h"

typedef enum en_sim_delivery_t {
    SIM_DELIVER_NORMAL,
    SIM_DELIVER_RESET,    /* close the connection without a response */
    SIM_DELIVER_TRUNCATE, /* send the headers and part of the body, then drop the connection */
    SIM_DELIVER_SLOW      /* send the body in small pieces over about 1.5 s */
} sim_delivery_t;

typedef struct st_sim_replier_t {
    h2o_loop_t *loop;
    unsigned latency_ms;
    h2o_timeout_t latency;
    h2o_timeout_t slow_tick;
    sim_stats_t *stats;
    sim_tick_t *tick;
} sim_replier_t;

/** initialises the replier; latency_ms applies to replies sent with `delayed` set. stats and tick are borrowed. */
void sim_replier_init(sim_replier_t *r, h2o_loop_t *loop, unsigned latency_ms, sim_stats_t *stats, sim_tick_t *tick);
/**
 * sends res on req, stealing its body and location. Response headers already in req->res.headers are kept. With
 * `delayed` the answer waits latency_ms on an h2o timeout first (the loop keeps serving other requests).
 */
void sim_reply(sim_replier_t *r, h2o_req_t *req, sim_result_t *res, int delayed, sim_delivery_t mode);
/** streams records [from, to) of obj as JSON lines (every property, unset ones as null) with bounded memory */
void sim_reply_stream_records(sim_replier_t *r, h2o_req_t *req, const sim_object_t *obj, uint64_t from, uint64_t to);

#endif
