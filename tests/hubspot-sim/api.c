/*
 * hubspot-sim: CRM v3 read endpoints.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

uint64_t sim_api_property_mask(const sim_object_t *obj, const sim_params_t *q)
{
    uint64_t mask = 0;
    int requested = 0;
    for (size_t i = 0; i < q->count; ++i) {
        if (strcmp(q->items[i].key, "properties") != 0)
            continue;
        const char *s = q->items[i].value;
        while (*s != '\0') {
            const char *comma = strchr(s, ',');
            size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
            while (len != 0 && *s == ' ')
                ++s, --len;
            while (len != 0 && s[len - 1] == ' ')
                --len;
            if (len != 0) {
                int p = sim_data_prop_index(obj, s, len);
                requested = 1;
                if (p >= 0)
                    mask |= (uint64_t)1 << p;
            }
            if (comma == NULL)
                break;
            s = comma + 1;
        }
    }
    return (requested ? mask : obj->default_mask) | obj->always_mask;
}

static int is_true(const char *s)
{
    return s != NULL && strcmp(s, "true") == 0;
}

void sim_api_list(const sim_object_t *obj, const sim_params_t *q, const char *base_url, const char *type_in_path,
                  sim_stats_t *stats, sim_result_t *res)
{
    uint64_t limit = 10, start = 0;
    const char *slimit = sim_params_get(q, "limit"), *safter = sim_params_get(q, "after");

    if (slimit != NULL && slimit[0] == '\0')
        slimit = NULL;
    if (slimit != NULL && (sim_parse_u64(slimit, strlen(slimit), &limit) != 0 || limit == 0 || limit > SIM_LIST_MAX_LIMIT)) {
        sim_result_error(res, 400, "VALIDATION_ERROR", "limit must be an integer between 1 and %d (got \"%.100s\")",
                         SIM_LIST_MAX_LIMIT, slimit);
        return;
    }
    if (safter != NULL && safter[0] != '\0') {
        uint64_t after_id;
        if (sim_parse_u64(safter, strlen(safter), &after_id) != 0) {
            sim_result_error(res, 400, "VALIDATION_ERROR", "Invalid paging cursor \"%.100s\" for after", safter);
            return;
        }
        start = sim_data_lower_bound(obj, after_id);
    }
    const char *sarchived = sim_params_get(q, "archived");
    if (sarchived != NULL && !is_true(sarchived) && strcmp(sarchived, "false") != 0) {
        sim_result_error(res, 400, "VALIDATION_ERROR", "archived must be true or false (got \"%.100s\")", sarchived);
        return;
    }

    res->status = 200;
    sim_buf_t *b = &res->body;
    sim_buf_reset(b);
    if (is_true(sarchived)) {
        sim_buf_appends(b, "{\"results\":[]}");
        return;
    }
    uint64_t mask = sim_api_property_mask(obj, q);
    uint64_t end = start + limit < obj->count ? start + limit : obj->count;
    char *scratch = sim_malloc(SIM_VALUE_MAX);
    sim_buf_appends(b, "{\"results\":[");
    for (uint64_t i = start; i < end; ++i) {
        if (i != start)
            sim_buf_appendc(b, ',');
        sim_data_write_record(b, obj, i, mask, 1, scratch);
    }
    sim_buf_appendc(b, ']');
    if (end < obj->count) {
        uint64_t next = sim_data_id(obj, end);
        sim_buf_appends(b, ",\"paging\":{\"next\":{\"after\":\"");
        sim_buf_append_u64(b, next);
        sim_buf_appends(b, "\",\"link\":");
        sim_buf_t link;
        sim_buf_init(&link, 8192);
        sim_buf_appendf(&link, "%s/crm/v3/objects/%s?after=%llu", base_url, type_in_path, (unsigned long long)next);
        if (!link.overflow)
            sim_buf_append_json_str(b, link.base, link.len);
        else
            sim_buf_appends(b, "null");
        sim_buf_dispose(&link);
        sim_buf_appends(b, "}}");
    }
    sim_buf_appendc(b, '}');
    free(scratch);
    if (end > start)
        stats->records_returned += end - start;
    sim_result_check_overflow(res);
}

void sim_api_get(const sim_object_t *obj, const char *id, const sim_params_t *q, sim_stats_t *stats, sim_result_t *res)
{
    uint64_t v, idx;
    const char *sarchived = sim_params_get(q, "archived");
    if (sim_parse_u64(id, strlen(id), &v) != 0 || sim_data_find(obj, v, &idx) != 0 || is_true(sarchived)) {
        sim_result_error(res, 404, "OBJECT_NOT_FOUND", "resource not found");
        return;
    }
    char *scratch = sim_malloc(SIM_VALUE_MAX);
    res->status = 200;
    sim_buf_reset(&res->body);
    sim_data_write_record(&res->body, obj, idx, sim_api_property_mask(obj, q), 1, scratch);
    free(scratch);
    stats->records_returned++;
    sim_result_check_overflow(res);
}

void sim_api_properties(const sim_object_t *obj, const char *name, const sim_params_t *q, sim_result_t *res)
{
    sim_buf_t *b = &res->body;
    if (name != NULL) {
        int p = sim_data_prop_index(obj, name, strlen(name));
        if (p < 0) {
            sim_result_error(res, 404, "OBJECT_NOT_FOUND", "Unable to find property %.200s for object type %s", name, obj->type_id);
            return;
        }
        res->status = 200;
        sim_buf_reset(b);
        sim_data_write_property(b, obj, &obj->props[p]);
        return;
    }
    res->status = 200;
    sim_buf_reset(b);
    sim_buf_appends(b, "{\"results\":[");
    if (!is_true(sim_params_get(q, "archived"))) {
        for (unsigned i = 0; i < obj->nprops; ++i) {
            if (i != 0)
                sim_buf_appendc(b, ',');
            sim_data_write_property(b, obj, &obj->props[i]);
        }
    }
    sim_buf_appends(b, "]}");
}

void sim_api_schemas(const sim_dataset_t *ds, const char *name, size_t len, const sim_params_t *q, sim_result_t *res)
{
    sim_buf_t *b = &res->body;
    if (name != NULL) {
        const sim_object_t *obj = sim_dataset_lookup(ds, name, len);
        if (obj == NULL || !obj->custom) {
            sim_result_error(res, 404, "OBJECT_NOT_FOUND", "Unable to find object type %.*s", (int)(len > 200 ? 200 : len), name);
            return;
        }
        res->status = 200;
        sim_buf_reset(b);
        sim_data_write_schema(b, obj);
        sim_result_check_overflow(res);
        return;
    }
    const char *sarchived = sim_params_get(q, "archived");
    if (sarchived != NULL && !is_true(sarchived) && strcmp(sarchived, "false") != 0) {
        sim_result_error(res, 400, "VALIDATION_ERROR", "archived must be true or false (got \"%.100s\")", sarchived);
        return;
    }
    res->status = 200;
    sim_buf_reset(b);
    sim_buf_appends(b, "{\"results\":[");
    int first = 1;
    for (int k = 0; k < SIM_OBJ_COUNT && !is_true(sarchived); ++k) {
        if (!ds->objects[k].custom)
            continue;
        if (!first)
            sim_buf_appendc(b, ',');
        first = 0;
        sim_data_write_schema(b, &ds->objects[k]);
    }
    sim_buf_appends(b, "]}");
    sim_result_check_overflow(res);
}
