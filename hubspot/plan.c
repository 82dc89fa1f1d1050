/*
 * $filter -> HubSpot filterGroups. A filter is planned bottom-up into disjunctive normal form (an OR
 * of groups, each an AND of HubSpot filters) or into "everything" when HubSpot cannot help. AND may
 * drop a side (still a superset); OR cannot, so an OR with an unplannable side is "everything".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "hubspot/plan.h"
#include "hubspot/scan.h"

#define DAY_MS INT64_C(86400000)

typedef struct st_dnf_t {
    json_t *groups; /* array of arrays of filters; NULL = everything */
    int exact;
} dnf_t;

void hs_search_limits_default(hs_search_limits_t *limits)
{
    limits->max_groups = 5;
    limits->max_filters_per_group = 6;
    limits->max_filters_total = 18;
}

static dnf_t everything(void)
{
    dnf_t d = {NULL, 0};
    return d;
}

static json_t *find_meta(json_t *hs_props, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(hs_props, i, p)
    {
        const char *n = json_string_value(json_object_get(p, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return p;
    }
    return NULL;
}

typedef enum { KIND_OTHER, KIND_STRING, KIND_NUMBER, KIND_BOOL, KIND_DATE, KIND_DATETIME, KIND_ID } hs_kind_t;

/* How HubSpot compares values of the property: only kinds whose comparison is understood are pushed. */
static hs_kind_t kind_of(const odata_property_t *p, json_t *hs_props)
{
    if (strcmp(p->source, "hs_object_id") == 0)
        return KIND_ID;
    json_t *meta = find_meta(hs_props, p->source);
    const char *type = json_string_value(json_object_get(meta, "type"));
    const char *field = json_string_value(json_object_get(meta, "fieldType"));
    if (type == NULL)
        return KIND_OTHER;
    if (strcmp(type, "number") == 0 && p->type == ODATA_TYPE_DECIMAL)
        return KIND_NUMBER;
    if (strcmp(type, "bool") == 0 && p->type == ODATA_TYPE_BOOLEAN)
        return KIND_BOOL;
    if (strcmp(type, "date") == 0 && p->type == ODATA_TYPE_DATE)
        return KIND_DATE;
    if (strcmp(type, "datetime") == 0 && p->type == ODATA_TYPE_DATETIMEOFFSET)
        return KIND_DATETIME;
    if (p->type == ODATA_TYPE_STRING && (strcmp(type, "string") == 0 || strcmp(type, "phone_number") == 0 ||
                                         (strcmp(type, "enumeration") == 0 && field != NULL && strcmp(field, "checkbox") != 0)))
        return KIND_STRING;
    return KIND_OTHER;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* A literal as HubSpot's filter value text; 0 when it cannot be written for this kind. `round` is -1 to
 * round an instant down to milliseconds, +1 up. */
static int literal_text(const odata_value_t *v, hs_kind_t kind, int round, char *out, size_t outsz)
{
    switch (kind) {
    case KIND_ID:
        /* HubSpot compares hs_object_id as a number: only canonical ids ("104", not "0104" or "104.0") */
        if (v->type != ODATA_V_STRING || v->u.str.len == 0 || v->u.str.len > 18 || v->u.str.base[0] < '1' ||
            v->u.str.base[0] > '9' || v->u.str.len + 1 > outsz)
            return 0;
        for (size_t i = 0; i < v->u.str.len; ++i)
            if (v->u.str.base[i] < '0' || v->u.str.base[i] > '9')
                return 0;
        memcpy(out, v->u.str.base, v->u.str.len);
        out[v->u.str.len] = '\0';
        return 1;
    case KIND_STRING:
        if (v->type != ODATA_V_STRING || v->u.str.len + 1 > outsz || memchr(v->u.str.base, '\0', v->u.str.len) != NULL)
            return 0;
        memcpy(out, v->u.str.base, v->u.str.len);
        out[v->u.str.len] = '\0';
        return 1;
    case KIND_NUMBER:
        if (v->type == ODATA_V_INT64) {
            snprintf(out, outsz, "%" PRId64, v->u.i64);
            return 1;
        }
        if (v->type == ODATA_V_DECIMAL) {
            const odata_decimal_t *d = &v->u.dec;
            size_t n = 0;
            int intdigits = d->ndigits + d->exponent;
            if (d->exponent > 60 || intdigits < -60 || outsz < 160)
                return 0;
            if (d->negative)
                out[n++] = '-';
            if (intdigits <= 0) {
                out[n++] = '0';
                out[n++] = '.';
                for (int i = 0; i < -intdigits; ++i)
                    out[n++] = '0';
                memcpy(out + n, d->digits, d->ndigits), n += d->ndigits;
            } else {
                for (int i = 0; i < intdigits; ++i)
                    out[n++] = i < d->ndigits ? d->digits[i] : '0';
                if (d->ndigits > intdigits) {
                    out[n++] = '.';
                    memcpy(out + n, d->digits + intdigits, d->ndigits - intdigits), n += d->ndigits - intdigits;
                }
            }
            out[n] = '\0';
            return 1;
        }
        return 0; /* doubles are not pushed: HubSpot's rounding is not ours */
    case KIND_BOOL:
        if (v->type != ODATA_V_BOOLEAN)
            return 0;
        snprintf(out, outsz, "%s", v->u.boolean ? "true" : "false");
        return 1;
    case KIND_DATETIME:
        if (v->type != ODATA_V_DATETIMEOFFSET)
            return 0;
        snprintf(out, outsz, "%" PRId64, round < 0 ? floor_div(v->u.dto.us, 1000) : -floor_div(-v->u.dto.us, 1000));
        return 1;
    case KIND_DATE:
        if (v->type != ODATA_V_DATE)
            return 0;
        snprintf(out, outsz, "%" PRId64, (int64_t)v->u.date * DAY_MS + (round > 0 ? DAY_MS - 1 : 0));
        return 1;
    default:
        return 0;
    }
}

json_t *hs_filter_new(const char *prop, const char *op, const char *value, const char *high)
{
    json_t *f = json_object();
    json_object_set_new(f, "propertyName", json_string(prop));
    json_object_set_new(f, "operator", json_string(op));
    if (value != NULL)
        json_object_set_new(f, "value", json_string(value));
    if (high != NULL)
        json_object_set_new(f, "highValue", json_string(high));
    return f;
}

static dnf_t single(json_t *filter, int exact)
{
    dnf_t d;
    json_t *group = json_array();
    json_array_append_new(group, filter);
    d.groups = json_array();
    json_array_append_new(d.groups, group);
    d.exact = exact;
    return d;
}

static dnf_t plan_compare(const odata_expr_t *e, json_t *hs_props)
{
    const odata_expr_t *l = e->args[0], *r = e->args[1];
    odata_expr_kind_t op = e->kind;
    char a[512], b[512];

    if (l->kind == ODATA_EXPR_LITERAL && r->kind == ODATA_EXPR_PROPERTY) {
        const odata_expr_t *t = l;
        l = r;
        r = t;
        op = op == ODATA_EXPR_LT   ? ODATA_EXPR_GT
             : op == ODATA_EXPR_GT ? ODATA_EXPR_LT
             : op == ODATA_EXPR_LE ? ODATA_EXPR_GE
             : op == ODATA_EXPR_GE ? ODATA_EXPR_LE
                                   : op;
    }
    if (l->kind != ODATA_EXPR_PROPERTY || r->kind != ODATA_EXPR_LITERAL)
        return everything();
    const odata_property_t *p = l->u.property;
    hs_kind_t kind = kind_of(p, hs_props);
    const odata_value_t *v = &r->u.literal;
    if (kind == KIND_OTHER)
        return everything();

    if (v->type == ODATA_V_NULL) {
        /* HubSpot treats an empty string as no value; OData does not, for strings */
        if (op == ODATA_EXPR_EQ)
            return single(hs_filter_new(p->source, "NOT_HAS_PROPERTY", NULL, NULL), kind != KIND_STRING);
        if (op == ODATA_EXPR_NE && kind != KIND_STRING && kind != KIND_ID)
            return single(hs_filter_new(p->source, "HAS_PROPERTY", NULL, NULL), 1);
        return everything();
    }
    switch (op) {
    case ODATA_EXPR_EQ:
        if (kind == KIND_DATETIME || kind == KIND_DATE) {
            if (!literal_text(v, kind, -1, a, sizeof(a)) || !literal_text(v, kind, +1, b, sizeof(b)))
                return everything();
            return single(hs_filter_new(p->source, "BETWEEN", a, b), 0);
        }
        if (!literal_text(v, kind, 0, a, sizeof(a)))
            return everything();
        /* strings: HubSpot's EQ ignores case; numbers: HubSpot compares doubles, so values that differ only
         * past a double's precision match too. Both are supersets of OData's exact equality. */
        return single(hs_filter_new(p->source, "EQ", a, NULL), kind == KIND_BOOL || kind == KIND_ID);
    case ODATA_EXPR_GT:
    case ODATA_EXPR_GE:
    case ODATA_EXPR_LT:
    case ODATA_EXPR_LE: {
        int lower = op == ODATA_EXPR_GT || op == ODATA_EXPR_GE;
        if (kind != KIND_NUMBER && kind != KIND_DATETIME && kind != KIND_DATE)
            return everything(); /* string order differs (case), and ids compare as strings in OData */
        if (!literal_text(v, kind, lower ? -1 : +1, a, sizeof(a)))
            return everything();
        /* inclusive bounds: HubSpot compares numbers as doubles (a value just past a strict bound may round
         * onto it), instants in whole milliseconds and dates in whole days */
        return single(hs_filter_new(p->source, lower ? "GTE" : "LTE", a, NULL), 0);
    }
    default:
        /* ne: HubSpot's NEQ never matches a missing value, while OData's does */
        return everything();
    }
}

static dnf_t plan_in(const odata_expr_t *e, json_t *hs_props)
{
    const odata_expr_t *l = e->args[0];
    char a[512];
    if (l->kind != ODATA_EXPR_PROPERTY || e->nargs < 2 || e->nargs > 101)
        return everything();
    hs_kind_t kind = kind_of(l->u.property, hs_props);
    if (kind != KIND_STRING && kind != KIND_NUMBER && kind != KIND_ID && kind != KIND_BOOL)
        return everything();
    json_t *values = json_array();
    for (size_t i = 1; i < e->nargs; ++i) {
        if (e->args[i]->kind != ODATA_EXPR_LITERAL) {
            json_decref(values);
            return everything();
        }
        if (!literal_text(&e->args[i]->u.literal, kind, 0, a, sizeof(a))) {
            if (kind == KIND_ID && e->args[i]->u.literal.type == ODATA_V_STRING)
                continue; /* a non-canonical id equals no record */
            json_decref(values);
            return everything();
        }
        json_array_append_new(values, json_string(a));
    }
    if (json_array_size(values) == 0) {
        json_decref(values);
        return everything();
    }
    json_t *f = hs_filter_new(l->u.property->source, "IN", NULL, NULL);
    json_object_set_new(f, "values", values);
    return single(f, kind == KIND_BOOL);
}

static int fits(json_t *groups, const hs_search_limits_t *lim, size_t reserve)
{
    size_t i, total = 0;
    json_t *g;
    if (json_array_size(groups) > lim->max_groups)
        return 0;
    json_array_foreach(groups, i, g)
    {
        if (json_array_size(g) + reserve > lim->max_filters_per_group)
            return 0;
        total += json_array_size(g) + reserve;
    }
    return total <= lim->max_filters_total;
}

static size_t nfilters(json_t *groups)
{
    size_t i, n = 0;
    json_t *g;
    json_array_foreach(groups, i, g) n += json_array_size(g);
    return n;
}

static dnf_t plan(const odata_expr_t *e, json_t *hs_props, const hs_search_limits_t *lim, size_t reserve);

static dnf_t plan_and(const odata_expr_t *e, json_t *hs_props, const hs_search_limits_t *lim, size_t reserve)
{
    dnf_t a = plan(e->args[0], hs_props, lim, reserve), b = plan(e->args[1], hs_props, lim, reserve), d;
    if (a.groups == NULL || b.groups == NULL) {
        d = a.groups != NULL ? a : b;
        d.exact = 0;
        return d;
    }
    d.groups = json_array();
    d.exact = a.exact && b.exact;
    size_t i, j;
    json_t *ga, *gb;
    json_array_foreach(a.groups, i, ga)
    {
        json_array_foreach(b.groups, j, gb)
        {
            json_t *g = json_deep_copy(ga);
            json_array_extend(g, gb);
            json_array_append_new(d.groups, g);
        }
    }
    if (!fits(d.groups, lim, reserve)) {
        /* keep the side that constrains most within the limits: still a superset */
        json_decref(d.groups);
        int pick_a = json_array_size(a.groups) < json_array_size(b.groups) ||
                     (json_array_size(a.groups) == json_array_size(b.groups) && nfilters(a.groups) >= nfilters(b.groups));
        d = pick_a ? a : b;
        json_decref(pick_a ? b.groups : a.groups);
        d.exact = 0;
        return d;
    }
    json_decref(a.groups);
    json_decref(b.groups);
    return d;
}

static dnf_t plan_or(const odata_expr_t *e, json_t *hs_props, const hs_search_limits_t *lim, size_t reserve)
{
    dnf_t a = plan(e->args[0], hs_props, lim, reserve), b, d;
    if (a.groups == NULL)
        return everything();
    b = plan(e->args[1], hs_props, lim, reserve);
    if (b.groups == NULL) {
        json_decref(a.groups);
        return everything();
    }
    d.groups = a.groups;
    d.exact = a.exact && b.exact;
    json_array_extend(d.groups, b.groups);
    json_decref(b.groups);
    if (!fits(d.groups, lim, reserve)) {
        json_decref(d.groups);
        return everything();
    }
    return d;
}

static dnf_t plan(const odata_expr_t *e, json_t *hs_props, const hs_search_limits_t *lim, size_t reserve)
{
    dnf_t d;
    switch (e->kind) {
    case ODATA_EXPR_AND:
        return plan_and(e, hs_props, lim, reserve);
    case ODATA_EXPR_OR:
        return plan_or(e, hs_props, lim, reserve);
    case ODATA_EXPR_EQ:
    case ODATA_EXPR_NE:
    case ODATA_EXPR_GT:
    case ODATA_EXPR_GE:
    case ODATA_EXPR_LT:
    case ODATA_EXPR_LE:
        d = plan_compare(e, hs_props);
        break;
    case ODATA_EXPR_IN:
        d = plan_in(e, hs_props);
        break;
    case ODATA_EXPR_PROPERTY:
        /* a Boolean property on its own: prop eq true */
        if (kind_of(e->u.property, hs_props) == KIND_BOOL)
            return single(hs_filter_new(e->u.property->source, "EQ", "true", NULL), 1);
        return everything();
    default:
        return everything();
    }
    if (d.groups != NULL && !fits(d.groups, lim, reserve)) {
        json_decref(d.groups);
        return everything();
    }
    return d;
}

int hs_plan_filter(const odata_expr_t *filter, json_t *hs_props, const hs_search_limits_t *limits, size_t reserve_per_group,
                   hs_plan_t *out)
{
    dnf_t d;
    if (filter == NULL) {
        out->groups = NULL;
        out->exact = 1;
        return 0;
    }
    d = plan(filter, hs_props, limits, reserve_per_group);
    out->groups = d.groups;
    out->exact = d.groups != NULL && d.exact;
    return 0;
}

void hs_plan_dispose(hs_plan_t *plan)
{
    json_decref(plan->groups);
    plan->groups = NULL;
}

hs_sort_kind_t hs_sort_kind(const odata_property_t *p, json_t *hs_props)
{
    switch (kind_of(p, hs_props)) {
    case KIND_ID:
        return HS_SORT_ID;
    case KIND_NUMBER:
        return HS_SORT_NUMBER;
    case KIND_DATE:
        return HS_SORT_DATE;
    case KIND_DATETIME:
        return HS_SORT_DATETIME;
    default:
        /* strings and enumerations sort case-insensitively; booleans and others in HubSpot's own order */
        return HS_SORT_NONE;
    }
}
