/*
 * hubspot-sim: POST /crm/v3/objects/{objectType}/search (filter groups, sorts, query, paging) with result caches.
 */
#ifndef SIM_SEARCH_H
#define SIM_SEARCH_H

#include "data.h"
#include "result.h"
#include "stats.h"

#include <stddef.h>

/** HubSpot's request limits for a search */
typedef struct st_sim_search_limits_t {
    unsigned max_filter_groups;
    unsigned max_filters_per_group;
    unsigned max_filters_total;
    unsigned max_limit;   /* largest page (200) */
    unsigned max_results; /* after + limit may not pass this (10,000) */
} sim_search_limits_t;

typedef struct st_sim_search_t sim_search_t;

/**
 * creates the search engine with two LRU caches (matching records per filter group; ordered results per full request
 * and sort), each holding at most max_entries entries and max_bytes bytes. Returns a new object.
 */
sim_search_t *sim_search_create(size_t max_entries, size_t max_bytes);
/** frees the engine and its caches */
void sim_search_destroy(sim_search_t *s);
/**
 * runs the JSON search request body against obj and fills res with HubSpot's answer: 200 with
 * {"total","results","paging"} or a 400 VALIDATION_ERROR. Counters in stats are updated (borrowed).
 */
void sim_search_run(sim_search_t *s, const sim_object_t *obj, const sim_search_limits_t *limits, const char *body, size_t len,
                    sim_stats_t *stats, sim_result_t *res);

#endif
