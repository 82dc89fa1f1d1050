/*
 * hubspot-sim: CRM v3 read endpoints (objects list, single object, properties, custom object schemas). Search lives in
 * search.h.
 */
#ifndef SIM_API_H
#define SIM_API_H

#include "data.h"
#include "result.h"
#include "stats.h"
#include "util.h"

#define SIM_LIST_MAX_LIMIT 100

/**
 * GET /crm/v3/objects/{objectType}: one page in id order. base_url ("http://host:port") and type_in_path build the
 * paging link. q holds the decoded query parameters (borrowed).
 */
void sim_api_list(const sim_object_t *obj, const sim_params_t *q, const char *base_url, const char *type_in_path,
                  sim_stats_t *stats, sim_result_t *res);
/** GET /crm/v3/objects/{objectType}/{id} */
void sim_api_get(const sim_object_t *obj, const char *id, const sim_params_t *q, sim_stats_t *stats, sim_result_t *res);
/** GET /crm/v3/properties/{objectType} (name == NULL) or GET /crm/v3/properties/{objectType}/{name} */
void sim_api_properties(const sim_object_t *obj, const char *name, const sim_params_t *q, sim_result_t *res);
/**
 * GET /crm/v3/schemas (name == NULL): every custom object's schema; GET /crm/v3/schemas/{objectType}: one, named by its
 * type id or fully qualified name (404 for anything else, standard objects included)
 */
void sim_api_schemas(const sim_dataset_t *ds, const char *name, size_t len, const sim_params_t *q, sim_result_t *res);
/** the property mask selected by `properties` parameters (comma-separated and/or repeated), or the defaults */
uint64_t sim_api_property_mask(const sim_object_t *obj, const sim_params_t *q);

#endif
