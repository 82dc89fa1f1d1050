/*
 * hubspot-sim: CRM search.
 *
 * Matching records are found by scanning generated records. A filter group's matches (ignoring hs_object_id range
 * filters, which become an index range) are cached as a sorted index list, so keyset paging
 * (`hs_object_id GT last` + sort by hs_object_id) costs one scan for the first page and two binary searches afterwards.
 * Results sorted by another property are cached per (object, filters, query, sort).
 */
#include "search.h"
#include "util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------------------------
 * arena for one request's compiled form
 */

typedef struct st_arena_chunk_t {
    struct st_arena_chunk_t *next;
    size_t used, cap;
    char data[];
} arena_chunk_t;

typedef struct st_arena_t {
    arena_chunk_t *head;
} arena_t;

static void *arena_alloc(arena_t *a, size_t sz)
{
    sz = (sz + 15) & ~(size_t)15;
    if (a->head == NULL || a->head->cap - a->head->used < sz) {
        size_t cap = sz > 16384 ? sz : 16384;
        arena_chunk_t *c = sim_malloc(sizeof(*c) + cap);
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += sz;
    return p;
}

static void arena_free(arena_t *a)
{
    while (a->head != NULL) {
        arena_chunk_t *n = a->head->next;
        free(a->head);
        a->head = n;
    }
}

static char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---------------------------------------------------------------------------------------------------------------------
 * caches
 */

typedef struct st_cache_entry_t {
    char *key;
    size_t keylen;
    uint32_t *v;
    size_t n;
    uint64_t stamp;
    int pins;
} cache_entry_t;

typedef struct st_cache_t {
    cache_entry_t **entries; /* each entry is allocated on its own: a pinned entry never moves */
    size_t count, max_entries;
    size_t bytes, max_bytes;
    uint64_t clock;
} cache_t;

struct st_sim_search_t {
    cache_t groups;
    cache_t sorted;
};

static void cache_init(cache_t *c, size_t max_entries, size_t max_bytes)
{
    c->entries = sim_calloc(max_entries != 0 ? max_entries : 1, sizeof(cache_entry_t *));
    c->count = 0;
    c->max_entries = max_entries;
    c->bytes = 0;
    c->max_bytes = max_bytes;
    c->clock = 0;
}

static void cache_dispose(cache_t *c)
{
    for (size_t i = 0; i < c->count; ++i) {
        free(c->entries[i]->key);
        free(c->entries[i]->v);
        free(c->entries[i]);
    }
    free(c->entries);
}

static cache_entry_t *cache_find(cache_t *c, const char *key, size_t keylen)
{
    for (size_t i = 0; i < c->count; ++i) {
        cache_entry_t *e = c->entries[i];
        if (e->keylen == keylen && memcmp(e->key, key, keylen) == 0) {
            e->stamp = ++c->clock;
            return e;
        }
    }
    return NULL;
}

static int cache_evict_one(cache_t *c)
{
    size_t victim = SIZE_MAX;
    for (size_t i = 0; i < c->count; ++i)
        if (c->entries[i]->pins == 0 && (victim == SIZE_MAX || c->entries[i]->stamp < c->entries[victim]->stamp))
            victim = i;
    if (victim == SIZE_MAX)
        return -1;
    cache_entry_t *e = c->entries[victim];
    c->bytes -= e->n * sizeof(uint32_t) + e->keylen;
    free(e->key);
    free(e->v);
    free(e);
    c->entries[victim] = c->entries[--c->count];
    return 0;
}

/* takes ownership of v on success (returns the entry, pinned); returns NULL when it cannot be cached */
static cache_entry_t *cache_insert(cache_t *c, const char *key, size_t keylen, uint32_t *v, size_t n)
{
    size_t sz = n * sizeof(uint32_t) + keylen;
    if (sz > c->max_bytes || c->max_entries == 0)
        return NULL;
    while (c->count == c->max_entries || c->bytes + sz > c->max_bytes)
        if (cache_evict_one(c) != 0)
            return NULL;
    cache_entry_t *e = sim_calloc(1, sizeof(*e));
    c->entries[c->count++] = e;
    e->key = sim_strndup(key, keylen);
    e->keylen = keylen;
    e->v = v;
    e->n = n;
    e->stamp = ++c->clock;
    e->pins = 1;
    c->bytes += sz;
    return e;
}

sim_search_t *sim_search_create(size_t max_entries, size_t max_bytes)
{
    sim_search_t *s = sim_calloc(1, sizeof(*s));
    cache_init(&s->groups, max_entries, max_bytes);
    cache_init(&s->sorted, max_entries, max_bytes);
    return s;
}

void sim_search_destroy(sim_search_t *s)
{
    if (s == NULL)
        return;
    cache_dispose(&s->groups);
    cache_dispose(&s->sorted);
    free(s);
}

/* ---------------------------------------------------------------------------------------------------------------------
 * compiled request
 */

typedef enum en_op_t {
    OP_EQ,
    OP_NEQ,
    OP_LT,
    OP_LTE,
    OP_GT,
    OP_GTE,
    OP_BETWEEN,
    OP_IN,
    OP_NOT_IN,
    OP_HAS,
    OP_NOT_HAS,
    OP_CONTAINS,
    OP_NOT_CONTAINS,
    OP_COUNT
} op_t;

static const char *OP_NAMES[OP_COUNT] = {"EQ",
                                         "NEQ",
                                         "LT",
                                         "LTE",
                                         "GT",
                                         "GTE",
                                         "BETWEEN",
                                         "IN",
                                         "NOT_IN",
                                         "HAS_PROPERTY",
                                         "NOT_HAS_PROPERTY",
                                         "CONTAINS_TOKEN",
                                         "NOT_CONTAINS_TOKEN"};

typedef enum en_cmpkind_t { CMP_STRING, CMP_NUMBER, CMP_TIME } cmpkind_t;

typedef struct st_operand_t {
    const char *s;
    size_t len;
    double num;
    int64_t ms;
} operand_t;

typedef struct st_span_t {
    const char *s;
    size_t len;
} span_t;

typedef struct st_filter_t {
    unsigned prop;
    cmpkind_t kind;
    int multi;
    op_t op;
    operand_t v, hi;
    operand_t *vals;
    size_t nvals;
    span_t *ptoks; /* CONTAINS_TOKEN pattern tokens */
    size_t nptoks;
} filter_t;

typedef struct st_group_t {
    filter_t *filters;
    size_t n;
    uint64_t lo, hi; /* record index range from hs_object_id range filters */
    sim_buf_t key;   /* cache key of the non-range part */
} group_t;

typedef struct st_search_ctx_t {
    const sim_object_t *obj;
    const sim_search_limits_t *limits;
    arena_t arena;
    group_t *groups;
    size_t ngroups;
    span_t *qtoks;
    size_t nqtoks;
    int sort_prop; /* -1: by id */
    int sort_desc;
    uint64_t mask;
    uint64_t limit, after;
    sim_buf_t fullkey;
    char *scratch;
    span_t *vtoks; /* token scratch for values */
    sim_result_t *res;
} search_ctx_t;

#define MAX_VALUE_TOKENS (SIM_VALUE_MAX / 2 + 2)

/* ---------------------------------------------------------------------------------------------------------------------
 * tokenising
 */

static size_t tokenize(const char *s, size_t len, span_t *out, size_t max, int keep_star)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        while (i < len && !(sim_is_token_byte((unsigned char)s[i]) || (keep_star && s[i] == '*')))
            ++i;
        size_t start = i;
        while (i < len && (sim_is_token_byte((unsigned char)s[i]) || (keep_star && s[i] == '*')))
            ++i;
        if (i > start) {
            out[n].s = s + start;
            out[n].len = i - start;
            ++n;
        }
    }
    return n;
}

static int prefix_or_glob(const span_t *pat, const span_t *tok)
{
    if (memchr(pat->s, '*', pat->len) != NULL)
        return sim_glob_match(pat->s, pat->len, tok->s, tok->len);
    return tok->len >= pat->len && sim_casecmp(tok->s, pat->len, pat->s, pat->len) == 0;
}

/* ---------------------------------------------------------------------------------------------------------------------
 * evaluation
 */

static int op_equals(const filter_t *f, const sim_val_t *v, const operand_t *x)
{
    switch (f->kind) {
    case CMP_NUMBER:
        return v->num == x->num;
    case CMP_TIME:
        return v->ms == x->ms;
    case CMP_STRING:
        break;
    }
    if (sim_casecmp(v->str, v->len, x->s, x->len) == 0)
        return 1;
    if (f->multi) {
        const char *p = v->str, *end = v->str + v->len;
        while (p < end) {
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *e = semi != NULL ? semi : end;
            if (sim_casecmp(p, (size_t)(e - p), x->s, x->len) == 0)
                return 1;
            p = e + 1;
        }
    }
    return 0;
}

static int op_compare(const filter_t *f, const sim_val_t *v, const operand_t *x)
{
    switch (f->kind) {
    case CMP_NUMBER:
        return (v->num > x->num) - (v->num < x->num);
    case CMP_TIME:
        return (v->ms > x->ms) - (v->ms < x->ms);
    case CMP_STRING:
        break;
    }
    return sim_casecmp(v->str, v->len, x->s, x->len);
}

static int op_contains(search_ctx_t *ctx, const filter_t *f, const sim_val_t *v)
{
    if (sim_glob_match(f->v.s, f->v.len, v->str, v->len))
        return 1;
    if (f->nptoks == 0)
        return 0;
    size_t nt = tokenize(v->str, v->len, ctx->vtoks, MAX_VALUE_TOKENS, 0);
    for (size_t start = 0; start + f->nptoks <= nt; ++start) {
        size_t j = 0;
        for (; j < f->nptoks; ++j)
            if (!sim_glob_match(f->ptoks[j].s, f->ptoks[j].len, ctx->vtoks[start + j].s, ctx->vtoks[start + j].len))
                break;
        if (j == f->nptoks)
            return 1;
    }
    return 0;
}

static int eval_filter(search_ctx_t *ctx, const filter_t *f, uint64_t idx)
{
    sim_val_t v;
    sim_data_value(ctx->obj, f->prop, idx, ctx->scratch, &v);
    if (!v.present)
        return f->op == OP_NOT_HAS;
    switch (f->op) {
    case OP_HAS:
        return 1;
    case OP_NOT_HAS:
        return 0;
    case OP_EQ:
        return op_equals(f, &v, &f->v);
    case OP_NEQ:
        return !op_equals(f, &v, &f->v);
    case OP_LT:
        return op_compare(f, &v, &f->v) < 0;
    case OP_LTE:
        return op_compare(f, &v, &f->v) <= 0;
    case OP_GT:
        return op_compare(f, &v, &f->v) > 0;
    case OP_GTE:
        return op_compare(f, &v, &f->v) >= 0;
    case OP_BETWEEN:
        return op_compare(f, &v, &f->v) >= 0 && op_compare(f, &v, &f->hi) <= 0;
    case OP_IN:
        for (size_t i = 0; i < f->nvals; ++i)
            if (op_equals(f, &v, &f->vals[i]))
                return 1;
        return 0;
    case OP_NOT_IN:
        for (size_t i = 0; i < f->nvals; ++i)
            if (op_equals(f, &v, &f->vals[i]))
                return 0;
        return 1;
    case OP_CONTAINS:
        return op_contains(ctx, f, &v);
    case OP_NOT_CONTAINS:
        return !op_contains(ctx, f, &v);
    case OP_COUNT:
        break;
    }
    return 0;
}

static int eval_query(search_ctx_t *ctx, uint64_t idx)
{
    const sim_object_t *obj = ctx->obj;
    for (size_t q = 0; q < ctx->nqtoks; ++q) {
        int found = 0;
        for (unsigned p = 0; p < obj->nprops && !found; ++p) {
            if (!obj->props[p].searchable)
                continue;
            sim_val_t v;
            sim_data_value(obj, p, idx, ctx->scratch, &v);
            if (!v.present)
                continue;
            size_t nt = tokenize(v.str, v.len, ctx->vtoks, MAX_VALUE_TOKENS, 0);
            for (size_t t = 0; t < nt && !found; ++t)
                found = prefix_or_glob(&ctx->qtoks[q], &ctx->vtoks[t]);
        }
        if (!found)
            return 0;
    }
    return 1;
}

static int eval_group(search_ctx_t *ctx, const group_t *g, uint64_t idx)
{
    for (size_t i = 0; i < g->n; ++i)
        if (!eval_filter(ctx, &g->filters[i], idx))
            return 0;
    return ctx->nqtoks == 0 || eval_query(ctx, idx);
}

/* ---------------------------------------------------------------------------------------------------------------------
 * index lists
 */

typedef struct st_list_t {
    const uint32_t *v; /* NULL when `all` */
    size_t n;
    int all;
    uint32_t *owned;
    cache_entry_t *pinned;
} list_t;

static size_t list_lower(const list_t *l, uint64_t idx)
{
    if (l->all)
        return idx < l->n ? (size_t)idx : l->n;
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->v[mid] < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline uint32_t list_at(const list_t *l, size_t k)
{
    return l->all ? (uint32_t)k : l->v[k];
}

static void list_release(list_t *l)
{
    free(l->owned);
    l->owned = NULL;
    if (l->pinned != NULL) {
        l->pinned->pins--;
        l->pinned = NULL;
    }
}

static uint32_t *scan_range(search_ctx_t *ctx, const group_t *g, uint64_t lo, uint64_t hi, size_t *n)
{
    size_t cap = 1024, cnt = 0;
    uint32_t *v = sim_malloc(cap * sizeof(uint32_t));
    for (uint64_t idx = lo; idx < hi; ++idx) {
        if (!eval_group(ctx, g, idx))
            continue;
        if (cnt == cap) {
            cap *= 2;
            v = sim_realloc(v, cap * sizeof(uint32_t));
        }
        v[cnt++] = (uint32_t)idx;
    }
    *n = cnt;
    return v;
}

static void group_list(sim_search_t *s, search_ctx_t *ctx, const group_t *g, sim_stats_t *stats, list_t *out)
{
    const sim_object_t *obj = ctx->obj;
    memset(out, 0, sizeof(*out));
    if (g->n == 0 && ctx->nqtoks == 0) {
        out->all = 1;
        out->n = obj->count;
        return;
    }
    if (g->hi <= g->lo) {
        out->v = NULL;
        out->n = 0;
        return;
    }
    uint64_t width = g->hi - g->lo;
    if (width < 65536 && width < obj->count / 4) {
        out->owned = scan_range(ctx, g, g->lo, g->hi, &out->n);
        out->v = out->owned;
        return;
    }
    cache_entry_t *e = cache_find(&s->groups, g->key.base, g->key.len);
    if (e != NULL) {
        stats->search_cache_hits++;
        e->pins++;
        out->pinned = e;
        out->v = e->v;
        out->n = e->n;
        return;
    }
    stats->search_cache_misses++;
    size_t n;
    uint32_t *v = scan_range(ctx, g, 0, obj->count, &n);
    if ((e = cache_insert(&s->groups, g->key.base, g->key.len, v, n)) != NULL) {
        out->pinned = e;
    } else {
        out->owned = v;
    }
    out->v = v;
    out->n = n;
}

/* merges the slices [a[i], b[i]) of lists[i] into one ascending, duplicate-free array (owned by the caller) */
static uint32_t *merge_slices(list_t *lists, size_t *a, size_t *b, size_t nl, size_t *n)
{
    size_t cap = 0, cnt = 0;
    for (size_t i = 0; i < nl; ++i)
        cap += b[i] - a[i];
    uint32_t *v = sim_malloc((cap == 0 ? 1 : cap) * sizeof(uint32_t));
    size_t *pos = sim_malloc(nl * sizeof(size_t));
    memcpy(pos, a, nl * sizeof(size_t));
    for (;;) {
        size_t best = SIZE_MAX;
        uint32_t bv = 0;
        for (size_t i = 0; i < nl; ++i) {
            if (pos[i] == b[i])
                continue;
            uint32_t x = list_at(&lists[i], pos[i]);
            if (best == SIZE_MAX || x < bv) {
                best = i;
                bv = x;
            }
        }
        if (best == SIZE_MAX)
            break;
        for (size_t i = 0; i < nl; ++i)
            if (pos[i] != b[i] && list_at(&lists[i], pos[i]) == bv)
                pos[i]++;
        v[cnt++] = bv;
    }
    free(pos);
    *n = cnt;
    return v;
}

/* ---------------------------------------------------------------------------------------------------------------------
 * sorting by a property
 */

typedef struct st_skey_t {
    uint32_t idx;
    uint32_t present;
    double num;
    int64_t ms;
    size_t soff;
    size_t slen;
} skey_t;

typedef struct st_sort_ctx_t {
    cmpkind_t kind;
    int desc;
    const char *strings;
} sort_ctx_t;

static int skey_cmp(const void *pa, const void *pb, void *arg)
{
    const skey_t *a = pa, *b = pb;
    const sort_ctx_t *sc = arg;
    if (a->present != b->present)
        return a->present ? -1 : 1; /* unset values last in both directions */
    int c = 0;
    if (a->present) {
        switch (sc->kind) {
        case CMP_NUMBER:
            c = (a->num > b->num) - (a->num < b->num);
            break;
        case CMP_TIME:
            c = (a->ms > b->ms) - (a->ms < b->ms);
            break;
        case CMP_STRING: {
            size_t n = a->slen < b->slen ? a->slen : b->slen;
            c = memcmp(sc->strings + a->soff, sc->strings + b->soff, n);
            if (c == 0)
                c = (a->slen > b->slen) - (a->slen < b->slen);
            break;
        }
        }
        if (sc->desc)
            c = -c;
    }
    if (c != 0)
        return c;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

#define SORT_PREFIX 256

static cmpkind_t kind_of(const sim_prop_t *p)
{
    switch (p->type) {
    case SIM_T_NUMBER:
        return CMP_NUMBER;
    case SIM_T_DATE:
    case SIM_T_DATETIME:
        return CMP_TIME;
    default:
        return CMP_STRING;
    }
}

static void sort_by_property(search_ctx_t *ctx, uint32_t *v, size_t n)
{
    const sim_prop_t *p = &ctx->obj->props[ctx->sort_prop];
    sort_ctx_t sc = {kind_of(p), ctx->sort_desc, NULL};
    skey_t *keys = sim_malloc((n == 0 ? 1 : n) * sizeof(skey_t));
    sim_buf_t strings;
    sim_buf_init(&strings, SIZE_MAX / 2);
    for (size_t i = 0; i < n; ++i) {
        sim_val_t val;
        sim_data_value(ctx->obj, (unsigned)ctx->sort_prop, v[i], ctx->scratch, &val);
        skey_t *k = &keys[i];
        memset(k, 0, sizeof(*k));
        k->idx = v[i];
        k->present = (uint32_t)val.present;
        if (!val.present)
            continue;
        k->num = val.num;
        k->ms = val.ms;
        if (sc.kind == CMP_STRING) {
            size_t l = val.len < SORT_PREFIX ? val.len : SORT_PREFIX;
            k->soff = strings.len;
            k->slen = l;
            char *dst = sim_buf_reserve(&strings, l);
            for (size_t j = 0; j < l; ++j)
                dst[j] = (char)sim_lc((unsigned char)val.str[j]);
            strings.len += l;
        }
    }
    sc.strings = strings.base;
    qsort_r(keys, n, sizeof(skey_t), skey_cmp, &sc);
    for (size_t i = 0; i < n; ++i)
        v[i] = keys[i].idx;
    free(keys);
    sim_buf_dispose(&strings);
}

/* ---------------------------------------------------------------------------------------------------------------------
 * request parsing
 */

static void bad(search_ctx_t *ctx, const char *msg)
{
    sim_result_error(ctx->res, 400, "VALIDATION_ERROR", "%s", msg);
}

/* string form of a JSON scalar (allocated in the arena), or NULL */
static const char *scalar_string(search_ctx_t *ctx, json_t *j, size_t *len)
{
    char tmp[64];
    int n;
    switch (json_typeof(j)) {
    case JSON_STRING:
        *len = json_string_length(j);
        return arena_strndup(&ctx->arena, json_string_value(j), *len);
    case JSON_INTEGER:
        n = snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        break;
    case JSON_REAL:
        n = snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(j));
        break;
    case JSON_TRUE:
        n = snprintf(tmp, sizeof(tmp), "true");
        break;
    case JSON_FALSE:
        n = snprintf(tmp, sizeof(tmp), "false");
        break;
    default:
        return NULL;
    }
    *len = (size_t)n;
    return arena_strndup(&ctx->arena, tmp, (size_t)n);
}

static int parse_operand(search_ctx_t *ctx, const filter_t *f, json_t *j, operand_t *out, const char *field)
{
    char msg[512];
    const char *pname = ctx->obj->props[f->prop].name;
    if (j == NULL || json_is_null(j)) {
        snprintf(msg, sizeof(msg), "Invalid input JSON: Cannot construct instance of `Filter`, problem: operator %s requires a %s",
                 OP_NAMES[f->op], field);
        bad(ctx, msg);
        return -1;
    }
    if ((out->s = scalar_string(ctx, j, &out->len)) == NULL) {
        snprintf(msg, sizeof(msg), "Invalid value for property %s: %s must be a string, number or boolean", pname, field);
        bad(ctx, msg);
        return -1;
    }
    if (f->op == OP_CONTAINS || f->op == OP_NOT_CONTAINS)
        return 0;
    if (f->kind == CMP_NUMBER) {
        char *end;
        out->num = strtod(out->s, &end);
        if (out->len == 0 || *end != '\0' || !isfinite(out->num)) {
            snprintf(msg, sizeof(msg), "%.200s was not a valid long. (property %s)", out->s, pname);
            bad(ctx, msg);
            return -1;
        }
    } else if (f->kind == CMP_TIME) {
        if (sim_parse_time(out->s, out->len, &out->ms) != 0) {
            snprintf(msg, sizeof(msg), "%.200s is not a valid date or timestamp for property %s", out->s, pname);
            bad(ctx, msg);
            return -1;
        }
    }
    return 0;
}

static uint64_t lb_value(const sim_object_t *obj, double x, int strictly_greater)
{
    /* index of the first record whose id is >= x (or > x) */
    double t = strictly_greater ? floor(x) + 1 : ceil(x);
    if (t <= 0)
        return 0;
    if (t >= 1.8e19)
        return obj->count;
    return sim_data_lower_bound(obj, (uint64_t)t);
}

static void key_append(sim_buf_t *b, const char *s, size_t n)
{
    sim_buf_append_u64(b, n);
    sim_buf_appendc(b, ':');
    sim_buf_append(b, s, n);
}

static void key_filter(sim_buf_t *b, const search_ctx_t *ctx, const filter_t *f)
{
    key_append(b, ctx->obj->props[f->prop].name, strlen(ctx->obj->props[f->prop].name));
    sim_buf_appendc(b, (char)('A' + f->op));
    if (f->v.s != NULL)
        key_append(b, f->v.s, f->v.len);
    if (f->hi.s != NULL)
        key_append(b, f->hi.s, f->hi.len);
    for (size_t i = 0; i < f->nvals; ++i)
        key_append(b, f->vals[i].s, f->vals[i].len);
    sim_buf_appendc(b, ';');
}

static int compile_filter(search_ctx_t *ctx, group_t *g, json_t *jf)
{
    char msg[512];
    const sim_object_t *obj = ctx->obj;
    if (!json_is_object(jf)) {
        bad(ctx, "Invalid input JSON: each filter must be an object");
        return -1;
    }
    json_t *jname = json_object_get(jf, "propertyName"), *jop = json_object_get(jf, "operator");
    if (!json_is_string(jname)) {
        bad(ctx, "Invalid input JSON: Cannot construct instance of `Filter`, problem: propertyName is required");
        return -1;
    }
    const char *name = json_string_value(jname);
    int prop = sim_data_prop_index(obj, name, json_string_length(jname));
    if (prop < 0) {
        snprintf(msg, sizeof(msg), "There was a problem with the request. Property \"%.200s\" does not exist on object %s", name,
                 obj->name);
        bad(ctx, msg);
        return -1;
    }
    op_t op = OP_COUNT;
    if (jop == NULL) {
        op = OP_EQ;
    } else if (json_is_string(jop)) {
        for (int i = 0; i < OP_COUNT; ++i)
            if (strcmp(json_string_value(jop), OP_NAMES[i]) == 0)
                op = (op_t)i;
    }
    if (op == OP_COUNT) {
        snprintf(msg, sizeof(msg),
                 "Invalid input JSON: Cannot deserialize value of type `FilterOperatorEnum` from String \"%.100s\": not one of "
                 "the values accepted for Enum class: [EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, "
                 "NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN]",
                 json_is_string(jop) ? json_string_value(jop) : "?");
        bad(ctx, msg);
        return -1;
    }

    filter_t f;
    memset(&f, 0, sizeof(f));
    f.prop = (unsigned)prop;
    f.op = op;
    f.kind = kind_of(&obj->props[prop]);
    f.multi = obj->props[prop].type == SIM_T_ENUM && strcmp(obj->props[prop].field_type, "checkbox") == 0;

    switch (op) {
    case OP_HAS:
    case OP_NOT_HAS:
        break;
    case OP_IN:
    case OP_NOT_IN: {
        json_t *jv = json_object_get(jf, "values");
        if (!json_is_array(jv)) {
            snprintf(msg, sizeof(msg),
                     "Invalid input JSON: Cannot construct instance of `Filter`, problem: operator %s requires values",
                     OP_NAMES[op]);
            bad(ctx, msg);
            return -1;
        }
        f.nvals = json_array_size(jv);
        f.vals = arena_alloc(&ctx->arena, (f.nvals == 0 ? 1 : f.nvals) * sizeof(operand_t));
        for (size_t i = 0; i < f.nvals; ++i)
            if (parse_operand(ctx, &f, json_array_get(jv, i), &f.vals[i], "value") != 0)
                return -1;
        break;
    }
    case OP_BETWEEN:
        if (parse_operand(ctx, &f, json_object_get(jf, "value"), &f.v, "value") != 0 ||
            parse_operand(ctx, &f, json_object_get(jf, "highValue"), &f.hi, "highValue") != 0)
            return -1;
        break;
    default:
        if (parse_operand(ctx, &f, json_object_get(jf, "value"), &f.v, "value") != 0)
            return -1;
        break;
    }

    if (op == OP_CONTAINS || op == OP_NOT_CONTAINS) {
        f.ptoks = arena_alloc(&ctx->arena, (f.v.len + 1) * sizeof(span_t));
        f.nptoks = tokenize(f.v.s, f.v.len, f.ptoks, f.v.len + 1, 1);
    }

    key_filter(&ctx->fullkey, ctx, &f);

    /* range filters on the record id narrow the scanned index range instead of being evaluated */
    if ((unsigned)prop == obj->id_prop) {
        switch (op) {
        case OP_EQ: {
            uint64_t idx;
            if (f.v.num >= 0 && f.v.num < 1.8e19 && floor(f.v.num) == f.v.num && sim_data_find(obj, (uint64_t)f.v.num, &idx) == 0) {
                g->lo = g->lo > idx ? g->lo : idx;
                g->hi = g->hi < idx + 1 ? g->hi : idx + 1;
            } else {
                g->hi = 0;
            }
            return 0;
        }
        case OP_GT:
        case OP_GTE: {
            uint64_t l = lb_value(obj, f.v.num, op == OP_GT);
            g->lo = g->lo > l ? g->lo : l;
            return 0;
        }
        case OP_LT:
        case OP_LTE: {
            uint64_t h = lb_value(obj, f.v.num, op == OP_LTE);
            g->hi = g->hi < h ? g->hi : h;
            return 0;
        }
        case OP_BETWEEN: {
            uint64_t l = lb_value(obj, f.v.num, 0), h = lb_value(obj, f.hi.num, 1);
            g->lo = g->lo > l ? g->lo : l;
            g->hi = g->hi < h ? g->hi : h;
            return 0;
        }
        default:
            break;
        }
    }

    g->filters[g->n++] = f;
    key_filter(&g->key, ctx, &f);
    return 0;
}

static int compile_group(search_ctx_t *ctx, group_t *g, json_t *jfilters)
{
    size_t n = jfilters != NULL ? json_array_size(jfilters) : 0;
    g->filters = arena_alloc(&ctx->arena, (n == 0 ? 1 : n) * sizeof(filter_t));
    g->n = 0;
    g->lo = 0;
    g->hi = ctx->obj->count;
    sim_buf_init(&g->key, 1024 * 1024);
    sim_buf_appends(&g->key, ctx->obj->name);
    sim_buf_appendc(&g->key, '|');
    sim_buf_appendc(&ctx->fullkey, '(');
    for (size_t i = 0; i < n; ++i)
        if (compile_filter(ctx, g, json_array_get(jfilters, i)) != 0)
            return -1;
    sim_buf_appendc(&ctx->fullkey, ')');
    /* the free-text query belongs to every group's key */
    sim_buf_appendc(&g->key, '|');
    for (size_t i = 0; i < ctx->nqtoks; ++i)
        key_append(&g->key, ctx->qtoks[i].s, ctx->qtoks[i].len);
    return 0;
}

static int parse_count(search_ctx_t *ctx, json_t *j, uint64_t *out, const char *what)
{
    char msg[256];
    if (j == NULL || json_is_null(j))
        return 0;
    if (json_is_integer(j) && json_integer_value(j) >= 0) {
        *out = (uint64_t)json_integer_value(j);
        return 0;
    }
    if (json_is_string(j) && sim_parse_u64(json_string_value(j), json_string_length(j), out) == 0)
        return 0;
    snprintf(msg, sizeof(msg), "Invalid input JSON: %s must be a non-negative integer", what);
    bad(ctx, msg);
    return -1;
}

static int compile(search_ctx_t *ctx, json_t *root)
{
    char msg[512];
    const sim_object_t *obj = ctx->obj;
    const sim_search_limits_t *lim = ctx->limits;

    /* paging */
    ctx->limit = 10;
    ctx->after = 0;
    if (parse_count(ctx, json_object_get(root, "limit"), &ctx->limit, "limit") != 0 ||
        parse_count(ctx, json_object_get(root, "after"), &ctx->after, "after") != 0)
        return -1;
    if (ctx->limit > lim->max_limit) {
        snprintf(msg, sizeof(msg), "limit must be less than or equal to %u (was %llu)", lim->max_limit,
                 (unsigned long long)ctx->limit);
        bad(ctx, msg);
        return -1;
    }
    if (ctx->after > lim->max_results || ctx->limit > lim->max_results - ctx->after) {
        snprintf(msg, sizeof(msg),
                 "The search API returns at most %u results for a query; paging past result %u is not allowed "
                 "(after=%llu, limit=%llu).",
                 lim->max_results, lim->max_results, (unsigned long long)ctx->after, (unsigned long long)ctx->limit);
        bad(ctx, msg);
        return -1;
    }

    /* properties */
    json_t *jprops = json_object_get(root, "properties");
    ctx->mask = 0;
    if (json_is_array(jprops)) {
        for (size_t i = 0; i < json_array_size(jprops); ++i) {
            json_t *jp = json_array_get(jprops, i);
            int p;
            if (json_is_string(jp) && (p = sim_data_prop_index(obj, json_string_value(jp), json_string_length(jp))) >= 0)
                ctx->mask |= (uint64_t)1 << p;
        }
    }
    if (ctx->mask == 0)
        ctx->mask = obj->default_mask;
    ctx->mask |= obj->always_mask;

    /* sorts */
    ctx->sort_prop = -1;
    ctx->sort_desc = 0;
    json_t *jsorts = json_object_get(root, "sorts");
    if (jsorts != NULL && !json_is_null(jsorts)) {
        if (!json_is_array(jsorts)) {
            bad(ctx, "Invalid input JSON: sorts must be an array");
            return -1;
        }
        if (json_array_size(jsorts) > 1) {
            bad(ctx, "Only one sort is supported per search request");
            return -1;
        }
        if (json_array_size(jsorts) == 1) {
            json_t *js = json_array_get(jsorts, 0);
            const char *pname = NULL;
            size_t plen = 0;
            if (json_is_string(js)) {
                pname = json_string_value(js);
                plen = json_string_length(js);
                if (plen != 0 && pname[0] == '-') {
                    ctx->sort_desc = 1;
                    ++pname;
                    --plen;
                }
            } else if (json_is_object(js)) {
                json_t *jn = json_object_get(js, "propertyName"), *jd = json_object_get(js, "direction");
                if (json_is_string(jn)) {
                    pname = json_string_value(jn);
                    plen = json_string_length(jn);
                }
                if (jd != NULL && !json_is_null(jd)) {
                    if (json_is_string(jd) && strcmp(json_string_value(jd), "DESCENDING") == 0) {
                        ctx->sort_desc = 1;
                    } else if (!(json_is_string(jd) && strcmp(json_string_value(jd), "ASCENDING") == 0)) {
                        bad(ctx, "Invalid input JSON: Cannot deserialize value of type `Direction`: not one of the values "
                                 "accepted for Enum class: [ASCENDING, DESCENDING]");
                        return -1;
                    }
                }
            }
            if (pname == NULL) {
                bad(ctx, "Invalid input JSON: a sort needs a propertyName");
                return -1;
            }
            int p = sim_data_prop_index(obj, pname, plen);
            if (p < 0) {
                snprintf(msg, sizeof(msg), "There was a problem with the request. Cannot sort on unknown property \"%.*s\"",
                         (int)(plen > 200 ? 200 : plen), pname);
                bad(ctx, msg);
                return -1;
            }
            ctx->sort_prop = (unsigned)p == obj->id_prop ? -1 : p;
        }
    }

    /* query */
    json_t *jq = json_object_get(root, "query");
    ctx->nqtoks = 0;
    if (json_is_string(jq) && json_string_length(jq) != 0) {
        size_t ql = json_string_length(jq);
        const char *q = arena_strndup(&ctx->arena, json_string_value(jq), ql);
        ctx->qtoks = arena_alloc(&ctx->arena, (ql + 1) * sizeof(span_t));
        ctx->nqtoks = tokenize(q, ql, ctx->qtoks, ql + 1, 1);
    } else if (jq != NULL && !json_is_null(jq) && !json_is_string(jq)) {
        bad(ctx, "Invalid input JSON: query must be a string");
        return -1;
    }
    sim_buf_appendc(&ctx->fullkey, 'Q');
    for (size_t i = 0; i < ctx->nqtoks; ++i)
        key_append(&ctx->fullkey, ctx->qtoks[i].s, ctx->qtoks[i].len);

    /* filter groups (a top-level "filters" array is accepted as one group) */
    json_t *jgroups = json_object_get(root, "filterGroups"), *jtop = json_object_get(root, "filters");
    if (jgroups != NULL && !json_is_null(jgroups) && !json_is_array(jgroups)) {
        bad(ctx, "Invalid input JSON: filterGroups must be an array");
        return -1;
    }
    size_t ngroups = json_is_array(jgroups) ? json_array_size(jgroups) : 0;
    int top_level = 0;
    if (ngroups == 0 && json_is_array(jtop) && json_array_size(jtop) != 0) {
        ngroups = 1;
        top_level = 1;
    }
    if (ngroups > lim->max_filter_groups) {
        snprintf(msg, sizeof(msg), "Too many filter groups provided. Maximum allowed: %u, provided: %zu", lim->max_filter_groups,
                 ngroups);
        bad(ctx, msg);
        return -1;
    }
    size_t total = 0;
    for (size_t i = 0; i < ngroups; ++i) {
        json_t *jg = top_level ? NULL : json_array_get(jgroups, i);
        json_t *jf = top_level ? jtop : json_object_get(jg, "filters");
        if (!top_level && !json_is_object(jg)) {
            bad(ctx, "Invalid input JSON: each filter group must be an object");
            return -1;
        }
        if (jf != NULL && !json_is_null(jf) && !json_is_array(jf)) {
            bad(ctx, "Invalid input JSON: filters must be an array");
            return -1;
        }
        size_t nf = json_is_array(jf) ? json_array_size(jf) : 0;
        if (nf > lim->max_filters_per_group) {
            snprintf(msg, sizeof(msg), "Too many filters provided in filter group %zu. Maximum allowed: %u, provided: %zu", i,
                     lim->max_filters_per_group, nf);
            bad(ctx, msg);
            return -1;
        }
        total += nf;
    }
    if (total > lim->max_filters_total) {
        snprintf(msg, sizeof(msg), "Too many filters provided. Maximum allowed in total: %u, provided: %zu", lim->max_filters_total,
                 total);
        bad(ctx, msg);
        return -1;
    }
    ctx->ngroups = ngroups == 0 ? 1 : ngroups;
    ctx->groups = arena_alloc(&ctx->arena, ctx->ngroups * sizeof(group_t));
    memset(ctx->groups, 0, ctx->ngroups * sizeof(group_t));
    for (size_t i = 0; i < ctx->ngroups; ++i) {
        json_t *jf = NULL;
        if (top_level)
            jf = jtop;
        else if (ngroups != 0)
            jf = json_object_get(json_array_get(jgroups, i), "filters");
        if (compile_group(ctx, &ctx->groups[i], json_is_array(jf) ? jf : NULL) != 0)
            return -1;
    }
    sim_buf_appendf(&ctx->fullkey, "S%d%c", ctx->sort_prop, ctx->sort_desc ? 'D' : 'A');
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------------------
 * execution
 */

static void write_page(search_ctx_t *ctx, uint64_t total, const uint32_t *ordered, const list_t *single, size_t single_a,
                       size_t single_b, sim_stats_t *stats)
{
    sim_buf_t *b = &ctx->res->body;
    uint64_t start = ctx->after, end = ctx->after + ctx->limit;
    if (end > total)
        end = total;
    sim_buf_appends(b, "{\"total\":");
    sim_buf_append_u64(b, total);
    sim_buf_appends(b, ",\"results\":[");
    for (uint64_t k = start; k < end; ++k) {
        uint32_t idx;
        if (ordered != NULL)
            idx = ordered[k];
        else if (!ctx->sort_desc)
            idx = list_at(single, single_a + (size_t)k);
        else
            idx = list_at(single, single_b - 1 - (size_t)k);
        if (k != start)
            sim_buf_appendc(b, ',');
        sim_data_write_record(b, ctx->obj, idx, ctx->mask, 1, ctx->scratch);
    }
    sim_buf_appendc(b, ']');
    if (start < end && end < total) {
        sim_buf_appends(b, ",\"paging\":{\"next\":{\"after\":\"");
        sim_buf_append_u64(b, end);
        sim_buf_appends(b, "\"}}");
    }
    sim_buf_appendc(b, '}');
    if (end > start)
        stats->records_returned += end - start;
}

static void execute(sim_search_t *s, search_ctx_t *ctx, sim_stats_t *stats)
{
    size_t ng = ctx->ngroups;
    list_t *lists = sim_calloc(ng, sizeof(list_t));
    size_t *a = sim_calloc(ng, sizeof(size_t)), *b = sim_calloc(ng, sizeof(size_t));
    uint32_t *merged = NULL, *sorted_owned = NULL;
    cache_entry_t *sorted_pin = NULL;

    if (ctx->sort_prop >= 0) {
        cache_entry_t *e = cache_find(&s->sorted, ctx->fullkey.base, ctx->fullkey.len);
        if (e != NULL) {
            stats->search_cache_hits++;
            e->pins++;
            sorted_pin = e;
            write_page(ctx, e->n, e->v, NULL, 0, 0, stats);
            goto out;
        }
        stats->search_cache_misses++;
    }

    for (size_t i = 0; i < ng; ++i) {
        group_list(s, ctx, &ctx->groups[i], stats, &lists[i]);
        a[i] = list_lower(&lists[i], ctx->groups[i].lo);
        b[i] = list_lower(&lists[i], ctx->groups[i].hi);
        if (b[i] < a[i])
            b[i] = a[i];
    }

    if (ctx->sort_prop < 0 && ng == 1) {
        write_page(ctx, b[0] - a[0], NULL, &lists[0], a[0], b[0], stats);
        goto out;
    }

    size_t n;
    merged = merge_slices(lists, a, b, ng, &n);
    if (ctx->sort_prop < 0) {
        if (ctx->sort_desc) {
            for (size_t i = 0; i < n / 2; ++i) {
                uint32_t t = merged[i];
                merged[i] = merged[n - 1 - i];
                merged[n - 1 - i] = t;
            }
        }
        write_page(ctx, n, merged, NULL, 0, 0, stats);
        goto out;
    }
    sort_by_property(ctx, merged, n);
    if ((sorted_pin = cache_insert(&s->sorted, ctx->fullkey.base, ctx->fullkey.len, merged, n)) == NULL)
        sorted_owned = merged;
    write_page(ctx, n, merged, NULL, 0, 0, stats);
    merged = NULL;

out:
    for (size_t i = 0; i < ng; ++i)
        list_release(&lists[i]);
    if (sorted_pin != NULL)
        sorted_pin->pins--;
    free(sorted_owned);
    free(merged);
    free(lists);
    free(a);
    free(b);
}

void sim_search_run(sim_search_t *s, const sim_object_t *obj, const sim_search_limits_t *limits, const char *body, size_t len,
                    sim_stats_t *stats, sim_result_t *res)
{
    search_ctx_t ctx;
    json_error_t jerr;
    json_t *root = NULL;

    memset(&ctx, 0, sizeof(ctx));
    ctx.obj = obj;
    ctx.limits = limits;
    ctx.res = res;
    sim_buf_init(&ctx.fullkey, 1024 * 1024);
    sim_buf_appends(&ctx.fullkey, obj->name);
    sim_buf_appendc(&ctx.fullkey, '|');
    ctx.scratch = sim_malloc(SIM_VALUE_MAX);
    ctx.vtoks = sim_malloc(MAX_VALUE_TOKENS * sizeof(span_t));

    if (body == NULL || len == 0) {
        bad(&ctx, "Invalid input JSON: No content to map due to end-of-input");
        goto out;
    }
    if ((root = json_loadb(body, len, 0, &jerr)) == NULL) {
        char msg[400];
        snprintf(msg, sizeof(msg), "Invalid input JSON on line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        bad(&ctx, msg);
        goto out;
    }
    if (!json_is_object(root)) {
        bad(&ctx, "Invalid input JSON: the request body must be a JSON object");
        goto out;
    }
    if (compile(&ctx, root) != 0)
        goto out;
    if (ctx.fullkey.overflow) {
        bad(&ctx, "The search request is too large");
        goto out;
    }
    for (size_t i = 0; i < ctx.ngroups; ++i) {
        if (ctx.groups[i].key.overflow) {
            bad(&ctx, "The search request is too large");
            goto out;
        }
    }
    res->status = 200;
    sim_buf_reset(&res->body);
    execute(s, &ctx, stats);
    sim_result_check_overflow(res);

out:
    if (ctx.groups != NULL)
        for (size_t i = 0; i < ctx.ngroups; ++i)
            sim_buf_dispose(&ctx.groups[i].key);
    json_decref(root);
    sim_buf_dispose(&ctx.fullkey);
    free(ctx.scratch);
    free(ctx.vtoks);
    arena_free(&ctx.arena);
}
