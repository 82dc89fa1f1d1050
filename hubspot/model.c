/*
 * From HubSpot's property metadata to an EDM model, and from HubSpot's records to OData entities.
 * Property metadata (names, types, labels) is cached in memory for a short time; it is metadata,
 * never a record value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hubspot/internal.h"
#include "hubspot/scan.h"

#define PROPS_TTL_MS (5 * 60 * 1000)

struct st_props_entry_t {
    struct st_props_entry_t *next;
    int64_t portal_id;
    char object[65];
    json_t *results;
    uint64_t fetched_at;
};

void hs__props_clear(hs_client_t *client)
{
    struct st_props_entry_t **head = hs__props_head(client), *e;
    while ((e = *head) != NULL) {
        *head = e->next;
        json_decref(e->results);
        free(e);
    }
}

int hs_object_name_valid(const char *object)
{
    size_t n = 0;
    for (const char *p = object; *p != '\0'; ++p, ++n) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return 0;
    }
    return n >= 1 && n <= 64;
}

static struct st_props_entry_t *props_find(hs_client_t *client, int64_t portal_id, const char *object)
{
    for (struct st_props_entry_t *e = *hs__props_head(client); e != NULL; e = e->next)
        if (e->portal_id == portal_id && strcmp(e->object, object) == 0)
            return e;
    return NULL;
}

json_t *hs_properties_cached(hs_client_t *client, int64_t portal_id, const char *object)
{
    struct st_props_entry_t *e = props_find(client, portal_id, object);
    if (e == NULL || h2o_now(hs__client_evloop(client)) - e->fetched_at > PROPS_TTL_MS)
        return NULL;
    return e->results;
}

int hs_properties_store(hs_client_t *client, int64_t portal_id, const char *object, const odata_buf_t *body, char *err,
                        size_t errlen)
{
    json_t *doc = json_loadb(body->base, body->len, 0, NULL), *results;
    struct st_props_entry_t *e;
    size_t i;
    json_t *p;

    if (!hs_object_name_valid(object)) {
        snprintf(err, errlen, "invalid object type name");
        goto fail;
    }
    if (doc == NULL || !json_is_array(results = json_object_get(doc, "results"))) {
        snprintf(err, errlen, "HubSpot's property list for %s is not in the expected form", object);
        goto fail;
    }
    json_array_foreach(results, i, p)
    {
        if (!json_is_string(json_object_get(p, "name")) || !json_is_string(json_object_get(p, "type"))) {
            snprintf(err, errlen, "HubSpot's property list for %s has an entry without name or type", object);
            goto fail;
        }
    }
    if ((e = props_find(client, portal_id, object)) == NULL) {
        if ((e = calloc(1, sizeof(*e))) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        e->portal_id = portal_id;
        snprintf(e->object, sizeof(e->object), "%s", object);
        e->next = *hs__props_head(client);
        *hs__props_head(client) = e;
    } else {
        json_decref(e->results);
    }
    e->results = json_incref(results);
    e->fetched_at = h2o_now(hs__client_evloop(client));
    json_decref(doc);
    return 0;

fail:
    json_decref(doc);
    return -1;
}

static odata_type_t edm_type_of(const char *hs_type)
{
    if (strcmp(hs_type, "number") == 0)
        return ODATA_TYPE_DECIMAL;
    if (strcmp(hs_type, "bool") == 0 || strcmp(hs_type, "boolean") == 0)
        return ODATA_TYPE_BOOLEAN;
    if (strcmp(hs_type, "date") == 0)
        return ODATA_TYPE_DATE;
    if (strcmp(hs_type, "datetime") == 0)
        return ODATA_TYPE_DATETIMEOFFSET;
    /* string, enumeration (multi-select values stay joined with ';'), phone_number, json, ... */
    return ODATA_TYPE_STRING;
}

json_t *hs_property_find(json_t *results, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(results, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
            return p;
    }
    return NULL;
}

static int add_prop(odata_entity_set_t *set, json_t *meta, char *err, size_t errlen)
{
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *label = json_string_value(json_object_get(meta, "label"));
    char ident[129];

    odata_make_identifier(name, ident, sizeof(ident));
    if (strcmp(ident, "id") == 0)
        return 0; /* the key already carries the record id */
    if (odata_set_find_property(set, ident, strlen(ident)) != NULL) {
        snprintf(err, errlen, "two properties of %s map to the same column name %s", set->source, ident);
        return -1;
    }
    if (odata_set_add_property(set, ident, name, edm_type_of(json_string_value(json_object_get(meta, "type"))), label) == NULL) {
        snprintf(err, errlen, "could not add property %s of %s", name, set->source);
        return -1;
    }
    return 0;
}

static void type_name_of(const char *object, char *out, size_t outsz)
{
    static const char *const map[][2] = {{"contacts", "contact"}, {"companies", "company"}, {"deals", "deal"},
                                         {"tickets", "ticket"},   {"products", "product"},  {"line_items", "line_item"},
                                         {"quotes", "quote"},     {"calls", "call"},        {"emails", "email"},
                                         {"meetings", "meeting"}, {"notes", "note"},        {"tasks", "task"}};
    char ident[129];
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); ++i) {
        if (strcmp(object, map[i][0]) == 0) {
            snprintf(out, outsz, "%s", map[i][1]);
            return;
        }
    }
    odata_make_identifier(object, ident, sizeof(ident));
    snprintf(out, outsz, "%s_record", ident);
}

odata_model_t *hs_model_build(hs_client_t *client, int64_t portal_id, json_t *definition, char *err, size_t errlen)
{
    odata_model_t *m = odata_model_create("HubSpot", "Default");
    json_t *objects = json_object_get(definition, "objects"), *obj;
    size_t i;

    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* what the feed serves: $filter, $top, $skip, $count, $select, and $orderby on the properties HubSpot sorts as
     * OData does */
    m->capabilities.annotate = 1;
    m->capabilities.filterable = 1;
    m->capabilities.sortable = 1;
    m->capabilities.top = 1;
    m->capabilities.skip = 1;
    m->capabilities.countable = 1;
    m->capabilities.select = 1;
    if (!json_is_array(objects) || json_array_size(objects) == 0) {
        snprintf(err, errlen, "the data source has no objects");
        goto fail;
    }
    json_array_foreach(objects, i, obj)
    {
        const char *object = json_string_value(json_object_get(obj, "object"));
        json_t *wanted = json_object_get(obj, "properties"), *results, *name;
        char set_name[129], type_name[160];
        odata_entity_set_t *set;
        size_t j;

        if (object == NULL || !hs_object_name_valid(object)) {
            snprintf(err, errlen, "the data source names an invalid object");
            goto fail;
        }
        if ((results = hs_properties_cached(client, portal_id, object)) == NULL) {
            snprintf(err, errlen, "the properties of %s are not loaded", object);
            goto fail;
        }
        odata_make_identifier(object, set_name, sizeof(set_name));
        type_name_of(object, type_name, sizeof(type_name));
        if ((set = odata_model_add_set(m, set_name, type_name, object, "id", "hs_object_id")) == NULL) {
            snprintf(err, errlen, "the data source lists %s twice", object);
            goto fail;
        }
        if (json_is_array(wanted) && json_array_size(wanted) > 0) {
            json_array_foreach(wanted, j, name)
            {
                json_t *meta;
                if (!json_is_string(name)) {
                    snprintf(err, errlen, "the data source has a property name that is not a string");
                    goto fail;
                }
                if ((meta = hs_property_find(results, json_string_value(name))) == NULL) {
                    snprintf(err, errlen,
                             "the data source uses the property %s of %s, which HubSpot no longer has; edit the data source",
                             json_string_value(name), object);
                    goto fail;
                }
                if (add_prop(set, meta, err, errlen) != 0)
                    goto fail;
            }
        } else {
            json_t *meta;
            json_array_foreach(results, j, meta)
            {
                if (add_prop(set, meta, err, errlen) != 0)
                    goto fail;
            }
        }
        for (j = 0; j < set->nprops; ++j)
            set->props[j].sortable = hs_sort_kind(&set->props[j], results) != HS_SORT_NONE;
    }
    return m;

fail:
    odata_model_destroy(m);
    return NULL;
}

odata_err_t hs_record_write(const odata_entity_set_t *set, json_t *record, odata_buf_t *out, char *err, size_t errlen)
{
    return hs_record_write_select(set, NULL, 0, record, out, err, errlen);
}

odata_err_t hs_record_write_select(const odata_entity_set_t *set, const odata_property_t *const *props, size_t nprops,
                                   json_t *record, odata_buf_t *out, char *err, size_t errlen)
{
    json_t *id = json_object_get(record, "id"), *values = json_object_get(record, "properties");
    size_t start = out->len;
    odata_err_t r;

    if (!json_is_string(id) || (values != NULL && !json_is_object(values))) {
        snprintf(err, errlen, "HubSpot returned a %s record without an id or properties", set->source);
        return ODATA_ERR_INVALID;
    }
    if ((r = odata_buf_appends(out, "{\"id\":")) != ODATA_OK ||
        (r = odata_json_string(out, json_string_value(id), json_string_length(id))) != ODATA_OK)
        goto fail;
    if (props == NULL)
        nprops = set->nprops;
    for (size_t i = 0; i < nprops; ++i) {
        const odata_property_t *p = props != NULL ? props[i] : &set->props[i];
        if (p == &set->props[0])
            continue; /* the key is written first */
        json_t *v = json_object_get(values, p->source);
        if ((r = odata_buf_appendf(out, ",\"%s\":", p->name)) != ODATA_OK)
            goto fail;
        if (json_is_string(v)) {
            r = odata_json_value(out, p->type, json_string_value(v), json_string_length(v));
        } else if (v == NULL || json_is_null(v)) {
            r = odata_buf_appends(out, "null");
        } else {
            r = ODATA_ERR_INVALID;
        }
        if (r == ODATA_ERR_INVALID) {
            snprintf(err, errlen, "HubSpot returned a value of %s.%s that is not a valid %s", set->source, p->source,
                     odata_type_name(p->type));
            goto fail;
        }
        if (r != ODATA_OK)
            goto fail;
    }
    if ((r = odata_buf_appends(out, "}")) != ODATA_OK)
        goto fail;
    return ODATA_OK;

fail:
    if (r != ODATA_ERR_INVALID)
        snprintf(err, errlen, r == ODATA_ERR_TOO_LARGE ? "a record passed the size limit" : "out of memory");
    out->len = start;
    return r;
}

odata_err_t hs_properties_param(const odata_entity_set_t *set, odata_buf_t *out)
{
    odata_err_t r = ODATA_OK;
    for (size_t i = 1; i < set->nprops && r == ODATA_OK; ++i) {
        if (i > 1)
            r = odata_buf_appends(out, ",");
        /* HubSpot property names are [a-z0-9_]: nothing to escape */
        if (r == ODATA_OK)
            r = odata_buf_appends(out, set->props[i].source);
    }
    return r;
}
