/*
 * Query planning: which part of an OData $filter HubSpot's search API can evaluate. HubSpot's
 * meaning differs from OData's in places (case-insensitive strings, token matching, missing values
 * never matching NEQ, dates compared as epoch milliseconds), so what is pushed down is always a
 * superset of the OData filter; the gateway evaluates the exact filter on the stream (the residual)
 * unless the plan says the pushed filter is exact.
 */
#ifndef hubspot__plan_h
#define hubspot__plan_h

#include <jansson.h>
#include "odata/query.h"

typedef struct st_hs_search_limits_t {
    size_t max_groups;            /* filterGroups per request (HubSpot: 5) */
    size_t max_filters_per_group; /* (HubSpot: 6) */
    size_t max_filters_total;     /* (HubSpot: 18) */
} hs_search_limits_t;

typedef struct st_hs_plan_t {
    json_t *groups; /* HubSpot filterGroups (new reference); NULL: nothing could be pushed, read everything */
    int exact;      /* the pushed filter selects exactly the rows the OData filter selects */
} hs_plan_t;

/** HubSpot's documented limits. */
void hs_search_limits_default(hs_search_limits_t *limits);

/**
 * Plans `filter` (may be NULL) over an entity set whose HubSpot property metadata is `hs_props` (the
 * cached `results` array; used to tell multi-select enumerations and the like from plain strings).
 * `reserve_per_group` filters are left free in every group for the caller (keyset paging adds one).
 * Returns 0, or -1 when out of memory.
 */
int hs_plan_filter(const odata_expr_t *filter, json_t *hs_props, const hs_search_limits_t *limits, size_t reserve_per_group,
                   hs_plan_t *plan);
/** One HubSpot filter {"propertyName","operator"[,"value"][,"highValue"]} (new reference); NULL values are left out. */
json_t *hs_filter_new(const char *prop, const char *op, const char *value, const char *high);
/** Releases what hs_plan_filter made. */
void hs_plan_dispose(hs_plan_t *plan);

#endif
