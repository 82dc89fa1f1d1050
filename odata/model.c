/*
 * The EDM model of one data source: entity sets, each with its own entity type, and their properties.
 */
#include <stdlib.h>
#include <string.h>
#include "odata/internal.h"

#define MAX_IDENTIFIER 128
#define MAX_NAMESPACE 511

const char *odata_type_name(odata_type_t type)
{
    switch (type) {
    case ODATA_TYPE_STRING:
        return "Edm.String";
    case ODATA_TYPE_BOOLEAN:
        return "Edm.Boolean";
    case ODATA_TYPE_INT64:
        return "Edm.Int64";
    case ODATA_TYPE_DECIMAL:
        return "Edm.Decimal";
    case ODATA_TYPE_DOUBLE:
        return "Edm.Double";
    case ODATA_TYPE_DATE:
        return "Edm.Date";
    case ODATA_TYPE_DATETIMEOFFSET:
        return "Edm.DateTimeOffset";
    }
    return NULL;
}

static int is_ident_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

int odata_is_identifier(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > MAX_IDENTIFIER || !is_ident_start(s[0]))
        return 0;
    for (size_t i = 1; i < len; ++i)
        if (!is_ident_char(s[i]))
            return 0;
    return 1;
}

static int is_cstr_identifier(const char *s)
{
    return s != NULL && odata_is_identifier(s, strlen(s));
}

/* One or more SimpleIdentifiers separated by dots, not one of the names CSDL reserves, and not the
 * vocabulary (or its alias) that $metadata references. */
static int is_namespace(const char *s)
{
    static const char *const reserved[] = {"Edm", "odata", "System", "Transient", "Core", "Org.OData.Core.V1"};
    size_t len, start = 0;

    if (s == NULL || (len = strlen(s)) == 0 || len > MAX_NAMESPACE)
        return 0;
    for (size_t i = 0; i <= len; ++i) {
        if (i == len || s[i] == '.') {
            if (!odata_is_identifier(s + start, i - start))
                return 0;
            start = i + 1;
        }
    }
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); ++i)
        if (strcmp(s, reserved[i]) == 0)
            return 0;
    return 1;
}

char *odata_make_identifier(const char *s, char *out, size_t outsz)
{
    size_t n = 0, limit, len;

    if (outsz == 0)
        return out;
    limit = outsz - 1 < MAX_IDENTIFIER ? outsz - 1 : MAX_IDENTIFIER;
    len = s != NULL ? strlen(s) : 0;
    if (len != 0 && s[0] >= '0' && s[0] <= '9' && n < limit)
        out[n++] = '_';
    for (size_t i = 0; i < len && n < limit;) {
        int32_t cp;
        size_t used = odata__utf8_next(s + i, len - i, &cp);
        /* one '_' per character, not per byte: "Größe" becomes "Gr__e" */
        out[n++] = used == 1 && is_ident_char(s[i]) ? s[i] : '_';
        i += used;
    }
    if (n == 0 && n < limit)
        out[n++] = '_';
    out[n] = '\0';
    return out;
}

static char *str_dup(const char *s)
{
    size_t len = strlen(s);
    char *p = malloc(len + 1);
    if (p != NULL)
        memcpy(p, s, len + 1);
    return p;
}

static int name_is(const char *name, const char *s, size_t len)
{
    return strlen(name) == len && memcmp(name, s, len) == 0;
}

odata_model_t *odata_model_create(const char *namespace_, const char *container)
{
    odata_model_t *m = NULL;

    if (!is_namespace(namespace_) || !is_cstr_identifier(container))
        return NULL;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        goto fail;
    if ((m->namespace_ = str_dup(namespace_)) == NULL || (m->container = str_dup(container)) == NULL)
        goto fail;
    return m;

fail:
    odata_model_destroy(m);
    return NULL;
}

static void property_dispose(odata_property_t *p)
{
    free(p->name);
    free(p->source);
    free(p->label);
}

static void set_dispose(odata_entity_set_t *set)
{
    for (size_t i = 0; i < set->nprops; ++i)
        property_dispose(&set->props[i]);
    free(set->props);
    free(set->name);
    free(set->type_name);
    free(set->source);
}

void odata_model_destroy(odata_model_t *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nsets; ++i)
        set_dispose(&m->sets[i]);
    free(m->sets);
    free(m->namespace_);
    free(m->container);
    free(m);
}

const odata_entity_set_t *odata_model_find_set(const odata_model_t *m, const char *name, size_t len)
{
    if (m == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < m->nsets; ++i)
        if (name_is(m->sets[i].name, name, len))
            return &m->sets[i];
    return NULL;
}

const odata_property_t *odata_set_find_property(const odata_entity_set_t *set, const char *name, size_t len)
{
    if (set == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < set->nprops; ++i)
        if (name_is(set->props[i].name, name, len))
            return &set->props[i];
    return NULL;
}

static int type_name_used(const odata_model_t *m, const char *type_name)
{
    /* entity types and the entity container share the schema's namespace */
    if (strcmp(m->container, type_name) == 0)
        return 1;
    for (size_t i = 0; i < m->nsets; ++i)
        if (strcmp(m->sets[i].type_name, type_name) == 0)
            return 1;
    return 0;
}

odata_entity_set_t *odata_model_add_set(odata_model_t *m, const char *name, const char *type_name, const char *source,
                                        const char *key_name, const char *key_source)
{
    odata_entity_set_t set = {0}, *ret = NULL;
    odata_property_t *key;

    if (m == NULL || !is_cstr_identifier(name) || !is_cstr_identifier(type_name) || !is_cstr_identifier(key_name))
        return NULL;
    if (odata_model_find_set(m, name, strlen(name)) != NULL || type_name_used(m, type_name))
        return NULL;
    if (m->nsets == m->_cap) {
        size_t newcap = m->_cap == 0 ? 8 : m->_cap * 2;
        odata_entity_set_t *sets;
        if (newcap > SIZE_MAX / sizeof(*sets) || (sets = realloc(m->sets, newcap * sizeof(*sets))) == NULL)
            return NULL;
        m->sets = sets;
        m->_cap = newcap;
    }
    if ((set.name = str_dup(name)) == NULL || (set.type_name = str_dup(type_name)) == NULL ||
        (set.source = str_dup(source != NULL ? source : name)) == NULL)
        goto out;
    if ((key = odata_set_add_property(&set, key_name, key_source, ODATA_TYPE_STRING, NULL)) == NULL)
        goto out;
    key->nullable = 0;
    m->sets[m->nsets] = set;
    ret = &m->sets[m->nsets++];

out:
    if (ret == NULL)
        set_dispose(&set);
    return ret;
}

odata_property_t *odata_set_add_property(odata_entity_set_t *set, const char *name, const char *source, odata_type_t type,
                                         const char *label)
{
    odata_property_t prop = {0}, *ret = NULL;

    if (set == NULL || !is_cstr_identifier(name) || odata_type_name(type) == NULL)
        return NULL;
    if (odata_set_find_property(set, name, strlen(name)) != NULL)
        return NULL;
    if (set->nprops == set->_cap) {
        size_t newcap = set->_cap == 0 ? 16 : set->_cap * 2;
        odata_property_t *props;
        if (newcap > SIZE_MAX / sizeof(*props) || (props = realloc(set->props, newcap * sizeof(*props))) == NULL)
            return NULL;
        set->props = props;
        set->_cap = newcap;
    }
    prop.type = type;
    prop.nullable = 1;
    if ((prop.name = str_dup(name)) == NULL || (prop.source = str_dup(source != NULL ? source : name)) == NULL)
        goto out;
    if (label != NULL && (prop.label = str_dup(label)) == NULL)
        goto out;
    set->props[set->nprops] = prop;
    ret = &set->props[set->nprops++];

out:
    if (ret == NULL)
        property_dispose(&prop);
    return ret;
}
