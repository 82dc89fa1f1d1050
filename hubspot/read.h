/*
 * How a feed reads HubSpot for one parsed OData query: which columns it writes, which HubSpot
 * properties it asks for, the filter pushed down (hubspot/plan.h), what the gateway still checks on the
 * stream, and the scans (hubspot/scan.h) that read the rows and, where HubSpot cannot count them, count
 * them first. Pure: the same query always gives the same reads, so a $skiptoken resumes the same scan.
 */
#ifndef hubspot__read_h
#define hubspot__read_h

#include <jansson.h>
#include "hubspot/plan.h"
#include "hubspot/scan.h"
#include "odata/query.h"

typedef struct st_hs_read_t {
    hs_plan_t plan;
    const odata_property_t **columns; /* written, the key first */
    size_t ncolumns;
    char *properties;     /* HubSpot properties read, comma-separated */
    int residual;         /* the $filter is evaluated on the stream */
    int ordered;          /* $orderby on a property: an ordered scan */
    int want_total;       /* $count=true is HubSpot's `total` of the scan's first answer */
    int counting;         /* a counting pass (count_scan) comes before the rows */
    hs_scan_t scan;       /* the rows */
    hs_scan_t count_scan; /* the counting pass */
} hs_read_t;

typedef enum en_hs_read_kind_t {
    HS_READ_FEED,  /* the entity set's rows */
    HS_READ_COUNT, /* /$count: $orderby, $skip and $top do not apply */
} hs_read_kind_t;

/**
 * Prepares the reads of `query` over `set`, whose HubSpot property metadata is `hs_props`. `resumed`:
 * the request carries a $skiptoken (its count was taken on the first page). Returns 0; 501 with `err`
 * filled when the query asks for an order HubSpot cannot give; -1 when out of memory. Dispose in every
 * case.
 */
int hs_read_prepare(hs_read_t *rd, const odata_entity_set_t *set, const odata_query_t *query, json_t *hs_props, hs_read_kind_t kind,
                    int resumed, char *err, size_t errlen);
/** Releases what hs_read_prepare made. */
void hs_read_dispose(hs_read_t *rd);

#endif
