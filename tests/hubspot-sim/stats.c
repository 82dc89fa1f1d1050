/*
 * hubspot-sim: request counters.
 */
#include "stats.h"
#include "util.h"

#include <inttypes.h>
#include <string.h>

void sim_stats_reset(sim_stats_t *s)
{
    memset(s, 0, sizeof(*s));
    s->since_ms = sim_now_real_ms();
}

const char *sim_endpoint_name(sim_endpoint_t ep)
{
    static const char *names[SIM_EP_COUNT] = {
        "crm_objects_list",
        "crm_objects_get",
        "crm_objects_search",
        "crm_properties",
        "crm_schemas",
        "crm_other",
        "settings_users",
        "settings_teams",
        "oauth_token",
        "oauth_access_token_info",
        "oauth_refresh_token_info",
        "oauth_refresh_token_delete",
        "oauth_authorize",
        "sim",
        "other",
    };
    return ep < SIM_EP_COUNT ? names[ep] : "other";
}

void sim_stats_write_json(const sim_stats_t *s, sim_buf_t *b)
{
    char since[32];
    uint64_t total = 0, faults = 0;
    for (int i = 0; i < SIM_EP_COUNT; ++i)
        total += s->requests[i];
    for (int i = SIM_FAULT_5XX; i < SIM_FAULT_COUNT; ++i)
        faults += s->faults[i];
    since[sim_fmt_datetime(since, s->since_ms)] = '\0';

    sim_buf_appendf(b, "{\"since\":\"%s\",\"requests_total\":%" PRIu64 ",\"crm_requests\":%" PRIu64 ",\"requests\":{", since, total,
                    s->crm_requests);
    for (int i = 0; i < SIM_EP_COUNT; ++i)
        sim_buf_appendf(b, "%s\"%s\":%" PRIu64, i ? "," : "", sim_endpoint_name((sim_endpoint_t)i), s->requests[i]);
    sim_buf_appends(b, "},\"by_object\":{");
    for (int k = 0; k < SIM_OBJ_COUNT; ++k)
        sim_buf_appendf(b, "%s\"%s\":{\"list\":%" PRIu64 ",\"get\":%" PRIu64 ",\"search\":%" PRIu64 ",\"properties\":%" PRIu64 "}",
                        k ? "," : "", sim_data_kind_name((sim_obj_kind_t)k), s->by_object[k][0], s->by_object[k][1],
                        s->by_object[k][2], s->by_object[k][3]);
    sim_buf_appendf(b,
                    "},\"responses\":{\"2xx\":%" PRIu64 ",\"3xx\":%" PRIu64 ",\"4xx\":%" PRIu64 ",\"5xx\":%" PRIu64
                    "},\"http_401\":%" PRIu64 ",\"http_429\":%" PRIu64 ",",
                    s->status_class[2], s->status_class[3], s->status_class[4], s->status_class[5], s->http_401, s->http_429);
    sim_buf_appendf(
        b, "\"rate_limited\":{\"total\":%" PRIu64 ",\"ten_secondly\":%" PRIu64 ",\"secondly\":%" PRIu64 ",\"daily\":%" PRIu64 "},",
        s->rate_limited_ten_secondly + s->rate_limited_secondly + s->rate_limited_daily, s->rate_limited_ten_secondly,
        s->rate_limited_secondly, s->rate_limited_daily);
    sim_buf_appendf(b, "\"faults\":{\"total\":%" PRIu64, faults);
    for (int i = SIM_FAULT_5XX; i < SIM_FAULT_COUNT; ++i)
        sim_buf_appendf(b, ",\"%s\":%" PRIu64, sim_fault_name((sim_fault_t)i), s->faults[i]);
    sim_buf_appendf(b,
                    "},\"tokens\":{\"access_tokens_issued\":%" PRIu64 ",\"refresh_tokens_issued\":%" PRIu64
                    ",\"auth_codes_issued\":%" PRIu64 ",\"refresh_tokens_revoked\":%" PRIu64 ",\"token_requests_failed\":%" PRIu64
                    "},",
                    s->access_tokens_issued, s->refresh_tokens_issued, s->auth_codes_issued, s->refresh_tokens_revoked,
                    s->token_requests_failed);
    sim_buf_appendf(b, "\"auth_failures\":{\"missing\":%" PRIu64 ",\"invalid\":%" PRIu64 ",\"expired\":%" PRIu64 "},",
                    s->auth_missing, s->auth_invalid, s->auth_expired);
    sim_buf_appendf(b,
                    "\"records_returned\":%" PRIu64 ",\"records_streamed\":%" PRIu64 ",\"search_cache\":{\"hits\":%" PRIu64
                    ",\"misses\":%" PRIu64 "}}",
                    s->records_returned, s->records_streamed, s->search_cache_hits, s->search_cache_misses);
}
