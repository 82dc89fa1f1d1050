/*
 * From a parsed query to the reads of a feed (see read.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hubspot/read.h"

static void add_prop(const odata_property_t *p, const odata_property_t **list, size_t *n, size_t max)
{
    for (size_t i = 0; i < *n; ++i)
        if (list[i] == p)
            return;
    if (*n < max)
        list[(*n)++] = p;
}

static void collect_props(const odata_expr_t *e, const odata_property_t **list, size_t *n, size_t max)
{
    if (e == NULL)
        return;
    if (e->kind == ODATA_EXPR_PROPERTY) {
        add_prop(e->u.property, list, n, max);
        return;
    }
    for (size_t i = 0; i < e->nargs; ++i)
        collect_props(e->args[i], list, n, max);
}

/* the HubSpot properties read: the columns written, what the filter needs and the sort property */
static char *properties_of(const odata_entity_set_t *set, const hs_read_t *rd, const odata_query_t *q, const odata_property_t *sort)
{
    const odata_property_t **read = calloc(set->nprops + 1, sizeof(*read));
    size_t nread = 0;
    odata_buf_t names;
    char *out = NULL;

    if (read == NULL)
        return NULL;
    for (size_t i = 1; i < rd->ncolumns; ++i)
        read[nread++] = rd->columns[i];
    collect_props(q->filter, read, &nread, set->nprops);
    if (sort != NULL)
        add_prop(sort, read, &nread, set->nprops);
    odata_buf_init(&names, 256 * 1024);
    for (size_t i = 0; i < nread; ++i)
        if (read[i] != &set->props[0] && odata_buf_appendf(&names, "%s%s", names.len != 0 ? "," : "", read[i]->source) != ODATA_OK)
            goto out;
    if (names.len == 0 && odata_buf_appends(&names, "hs_object_id") != ODATA_OK)
        goto out;
    out = strndup(names.base, names.len);
out:
    odata_buf_dispose(&names);
    free(read);
    return out;
}

int hs_read_prepare(hs_read_t *rd, const odata_entity_set_t *set, const odata_query_t *q, json_t *hs_props, hs_read_kind_t kind,
                    int resumed, char *err, size_t errlen)
{
    hs_search_limits_t limits;
    hs_sort_kind_t sort_kind = HS_SORT_NONE;
    const odata_property_t *sort = NULL;
    int desc = 0;
    size_t n;

    memset(rd, 0, sizeof(*rd));
    if (kind == HS_READ_FEED && q->norderby != 0) {
        /* one HubSpot sort; after the key, further items cannot change the order */
        sort = q->orderby[0].property;
        if ((sort_kind = hs_sort_kind(sort, hs_props)) == HS_SORT_NONE) {
            snprintf(err, errlen,
                     "$orderby on %.100s is not supported: HubSpot cannot sort it in OData's order (sortable properties are "
                     "numbers, dates and date-times, and the key)",
                     sort->name);
            return 501;
        }
        if (q->norderby > 1 && sort_kind != HS_SORT_ID) {
            snprintf(err, errlen, "$orderby with more than one property is not supported: HubSpot sorts by one property");
            return 501;
        }
        desc = q->orderby[0].descending;
    }
    rd->ordered = sort_kind != HS_SORT_NONE && sort_kind != HS_SORT_ID;

    /* the columns written: the key, then the selection or every property */
    n = q->select != NULL ? q->nselect + 1 : set->nprops;
    if ((rd->columns = calloc(n + 1, sizeof(*rd->columns))) == NULL)
        return -1;
    rd->columns[rd->ncolumns++] = &set->props[0];
    for (size_t i = 0; i < (q->select != NULL ? q->nselect : set->nprops); ++i) {
        const odata_property_t *p = q->select != NULL ? q->select[i] : &set->props[i];
        if (p != &set->props[0])
            rd->columns[rd->ncolumns++] = p;
    }
    if ((rd->properties = properties_of(set, rd, q, sort_kind == HS_SORT_ID ? NULL : sort)) == NULL)
        return -1;

    /* an ordered scan adds two filters to every group (the value bound or tie, and the id keyset); a keyset one */
    hs_search_limits_default(&limits);
    if (hs_plan_filter(q->filter, hs_props, &limits, rd->ordered ? 2 : 1, &rd->plan) != 0)
        return -1;
    rd->residual = q->filter != NULL && !rd->plan.exact;
    /* $count=true: HubSpot's total of the first search when that is the count, else a counting pass */
    rd->want_total = kind == HS_READ_FEED && q->count && !resumed && !rd->residual && !rd->ordered;
    rd->counting = kind == HS_READ_COUNT || (q->count && !resumed && !rd->want_total);
    /* the scan depends on the query alone, so that a $skiptoken resumes the same one */
    if (hs_scan_init(&rd->scan, set->source, rd->properties, rd->plan.groups, q->count && !rd->residual && !rd->ordered,
                     sort != NULL ? sort->source : NULL, sort_kind, desc) != 0 ||
        hs_scan_init(&rd->count_scan, set->source, rd->properties, rd->plan.groups, !rd->residual, NULL, HS_SORT_NONE, 0) != 0) {
        snprintf(err, errlen, "a name is too long");
        return 501;
    }
    if (!rd->residual)
        rd->count_scan.limit = 1; /* HubSpot's total is the count */
    return 0;
}

void hs_read_dispose(hs_read_t *rd)
{
    hs_plan_dispose(&rd->plan);
    hs_scan_dispose(&rd->scan);
    hs_scan_dispose(&rd->count_scan);
    free(rd->columns);
    free(rd->properties);
    rd->columns = NULL;
    rd->properties = NULL;
}
