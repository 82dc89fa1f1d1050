/*
 * System query options: the raw query string split on '&', names and values percent-decoded ('+' is a
 * plus sign, as in the OData ABNF), options matched case-insensitively with or without '$', each
 * allowed once. $filter and $orderby items go through the expression parser (filter.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odata/query_internal.h"

#define POOL_CHUNK 8192
#define ECHO(buf, s, n) odata__echo(buf, sizeof(buf), s, n)

/* ---- the pool ---- */

typedef struct st_chunk_t {
    struct st_chunk_t *next;
    size_t used, size;
    max_align_t data[]; /* size bytes */
} chunk_t;

struct st_odata_query_pool_t {
    chunk_t *head;
};

odata_query_pool_t *odata__pool_create(void)
{
    return calloc(1, sizeof(odata_query_pool_t));
}

void odata__pool_destroy(odata_query_pool_t *pool)
{
    if (pool == NULL)
        return;
    for (chunk_t *c = pool->head, *next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(pool);
}

void *odata__pool_alloc(odata_query_pool_t *pool, size_t n)
{
    const size_t align = sizeof(max_align_t);
    chunk_t *c = pool->head;
    void *p;

    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    if (c == NULL || c->size - c->used < n) {
        size_t size = n > POOL_CHUNK - sizeof(chunk_t) ? n : POOL_CHUNK - sizeof(chunk_t);
        if ((c = calloc(1, sizeof(chunk_t) + size)) == NULL)
            return NULL;
        c->size = size;
        /* a large block goes behind the current chunk so that the rest of that chunk stays in use */
        if (pool->head != NULL && n > POOL_CHUNK / 2) {
            c->next = pool->head->next;
            pool->head->next = c;
        } else {
            c->next = pool->head;
            pool->head = c;
        }
    }
    p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

/* ---- errors ---- */

void odata__query_error(odata_query_error_t *err, int status, const char *fmt, ...)
{
    va_list ap;
    const char *code;

    switch (status) {
    case 400:
        code = "BadRequest";
        break;
    case 404:
        code = "NotFound";
        break;
    case 501:
        code = "NotImplemented";
        break;
    default:
        code = "InternalServerError";
        break;
    }
    err->status = status;
    snprintf(err->code, sizeof(err->code), "%s", code);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

char *odata__echo(char *out, size_t outsz, const char *s, size_t len)
{
    size_t n = 0, max = outsz > 4 ? outsz - 4 : 0;

    if (max > 40)
        max = 40;
    for (size_t k = 0; k < len && n < max; ++k) {
        unsigned char c = (unsigned char)s[k];
        out[n++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    if (len > max && outsz >= 4) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    if (outsz > 0)
        out[n < outsz ? n : outsz - 1] = '\0';
    return out;
}

/* ---- options ---- */

void odata_query_limits_default(odata_query_limits_t *limits)
{
    limits->max_query_len = 16384;
    limits->max_depth = 64;
    limits->max_nodes = 2000;
    limits->max_in_items = 1000;
    limits->max_top = INT64_MAX;
}

typedef enum en_option_t {
    OPT_FILTER,
    OPT_SELECT,
    OPT_ORDERBY,
    OPT_TOP,
    OPT_SKIP,
    OPT_COUNT,
    OPT_SKIPTOKEN,
    OPT_FORMAT,
    OPT_NOT_IMPLEMENTED,
} option_t;

static const struct {
    const char *name; /* without '$', lower case */
    option_t id;
    int bare; /* also recognised without '$' (else a custom option of that name) */
} options[] = {
    {"filter", OPT_FILTER, 1},
    {"select", OPT_SELECT, 1},
    {"orderby", OPT_ORDERBY, 1},
    {"top", OPT_TOP, 1},
    {"skip", OPT_SKIP, 1},
    {"count", OPT_COUNT, 1},
    {"skiptoken", OPT_SKIPTOKEN, 1},
    {"format", OPT_FORMAT, 1},
    {"expand", OPT_NOT_IMPLEMENTED, 1},
    {"apply", OPT_NOT_IMPLEMENTED, 1},
    {"search", OPT_NOT_IMPLEMENTED, 1},
    {"compute", OPT_NOT_IMPLEMENTED, 1},
    {"index", OPT_NOT_IMPLEMENTED, 1},
    {"schemaversion", OPT_NOT_IMPLEMENTED, 1},
    {"deltatoken", OPT_NOT_IMPLEMENTED, 1},
    {"id", OPT_NOT_IMPLEMENTED, 1},
    {"levels", OPT_NOT_IMPLEMENTED, 0},
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) (found at `offset` in the raw query) into the pool; NULL with err filled. */
static char *decode(odata_query_pool_t *pool, const char *s, size_t n, size_t offset, size_t *outlen, odata_query_error_t *err)
{
    char *o = odata__pool_alloc(pool, n + 1);
    size_t k = 0;

    if (o == NULL) {
        odata__query_error(err, 500, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; ++i) {
        size_t at = i;
        char c = s[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= n || (hi = hex_value(s[i + 1])) < 0 || (lo = hex_value(s[i + 2])) < 0) {
                odata__query_error(err, 400, "malformed percent-encoding at %zu of the query string", offset + i);
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            odata__query_error(err, 400, "the query string holds a NUL character at %zu", offset + at);
            return NULL;
        }
        o[k++] = c;
    }
    o[k] = '\0';
    *outlen = k;
    return o;
}

/* 1*DIGIT within int64 */
static int parse_count(const char *v, size_t n, int64_t *out)
{
    int64_t x = 0;
    if (n == 0)
        return 0;
    for (size_t k = 0; k < n; ++k) {
        if (v[k] < '0' || v[k] > '9' || x > (INT64_MAX - (v[k] - '0')) / 10)
            return 0;
        x = x * 10 + (v[k] - '0');
    }
    *out = x;
    return 1;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_ws(**s)) {
        ++*s;
        --*n;
    }
    while (*n > 0 && is_ws((*s)[*n - 1]))
        --*n;
}

static odata_err_t parse_select(odata_query_t *q, const odata_entity_set_t *set, const char *v, size_t n, odata_query_error_t *err)
{
    const odata_property_t **list = odata__pool_alloc(q->_pool, (set->nprops + 1) * sizeof(*list));
    size_t count = 0, textlen = 0;
    int star = 0;
    char buf[48], *text;

    if (list == NULL)
        goto nomem;
    for (size_t a = 0; a <= n;) {
        const char *item = v + a, *comma = memchr(item, ',', n - a);
        size_t len = comma != NULL ? (size_t)(comma - item) : n - a;
        const odata_property_t *p;
        a += len + 1;
        trim(&item, &len);
        if (len == 0) {
            odata__query_error(err, 400, "$select has an empty item");
            return ODATA_ERR_INVALID;
        }
        if (len == 1 && item[0] == '*') {
            star = 1;
            continue;
        }
        if (!odata_is_identifier(item, len)) {
            int other = memchr(item, '/', len) || memchr(item, '.', len) || memchr(item, '(', len) || memchr(item, '@', len) ||
                        memchr(item, '$', len);
            odata__query_error(err, other ? 501 : 400,
                               other ? "$select supports only property names and '*', not '%s'" : "invalid item '%s' in $select",
                               ECHO(buf, item, len));
            return ODATA_ERR_INVALID;
        }
        if ((p = odata_set_find_property(set, item, len)) == NULL) {
            odata__query_error(err, 404, "unknown property '%s' in $select", ECHO(buf, item, len));
            return ODATA_ERR_INVALID;
        }
        for (size_t k = 0; k < count && p != NULL; ++k)
            if (list[k] == p)
                p = NULL;
        if (p != NULL) {
            list[count++] = p;
            textlen += strlen(p->name) + 1;
        }
    }
    if (star) {
        q->select_text = "*";
        return ODATA_OK;
    }
    if ((text = odata__pool_alloc(q->_pool, textlen + 1)) == NULL)
        goto nomem;
    for (size_t k = 0, o = 0; k < count; ++k) {
        size_t l = strlen(list[k]->name);
        if (k > 0)
            text[o++] = ',';
        memcpy(text + o, list[k]->name, l);
        o += l;
    }
    q->select = list;
    q->nselect = count;
    q->select_text = text;
    return ODATA_OK;
nomem:
    odata__query_error(err, 500, "out of memory");
    return ODATA_ERR_NOMEM;
}

static odata_err_t parse_orderby(odata_query_t *q, const odata_entity_set_t *set, const odata_query_limits_t *limits, const char *v,
                                 size_t n, odata_query_error_t *err)
{
    odata__parser_t p;
    size_t cap = 1;

    for (size_t k = 0; k < n; ++k)
        cap += v[k] == ',';
    if ((q->orderby = odata__pool_alloc(q->_pool, cap * sizeof(*q->orderby))) == NULL) {
        odata__query_error(err, 500, "out of memory");
        return ODATA_ERR_NOMEM;
    }
    odata__parser_init(&p, q->_pool, set, limits, "$orderby", v, n, err);
    for (;;) {
        size_t pos, j, w = 0;
        odata_expr_t *e;
        int descending = 0;

        while (p.i < n && is_ws(v[p.i]))
            ++p.i;
        pos = p.i;
        if ((e = odata__parse_common(&p)) == NULL)
            goto fail;
        if (e->kind != ODATA_EXPR_PROPERTY) {
            odata__parse_error(&p, 501, pos, "only property names can be sorted by");
            goto fail;
        }
        for (j = p.i; j < n && is_ws(v[j]); ++j)
            ;
        while (j + w < n && v[j + w] != ',' && !is_ws(v[j + w]))
            ++w;
        if (j > p.i && (odata__word_is(v + j, w, "asc") || odata__word_is(v + j, w, "desc"))) {
            descending = w == 4;
            p.i = j + w;
        }
        while (p.i < n && is_ws(v[p.i]))
            ++p.i;
        if (q->norderby < cap) {
            q->orderby[q->norderby].property = e->u.property;
            q->orderby[q->norderby++].descending = descending;
        }
        if (p.i == n)
            return ODATA_OK;
        if (v[p.i] != ',') {
            char buf[48];
            odata__parse_error(&p, 400, p.i, "expected ',', 'asc' or 'desc', not '%s'", ECHO(buf, v + p.i, w > 0 ? w : 1));
            goto fail;
        }
        ++p.i;
    }
fail:
    return err->status == 500 ? ODATA_ERR_NOMEM : ODATA_ERR_INVALID;
}

/* json or application/json, with parameters */
static odata_err_t parse_format(const char *v, size_t n, odata_query_error_t *err)
{
    size_t k = 0;
    char buf[48];

    while (k < n && v[k] != ';')
        ++k;
    if (!odata__word_is(v, k, "json") && !odata__word_is(v, k, "application/json")) {
        odata__query_error(err, 400, "$format '%s' is not served: only json", ECHO(buf, v, n));
        return ODATA_ERR_INVALID;
    }
    while (k < n) {
        const char *param = v + ++k, *eq;
        size_t len = 0, nlen;
        while (k < n && v[k] != ';') {
            ++k;
            ++len;
        }
        trim(&param, &len);
        eq = memchr(param, '=', len);
        nlen = eq != NULL ? (size_t)(eq - param) : len;
        if (eq == NULL || nlen == 0) {
            odata__query_error(err, 400, "malformed parameter '%s' in $format", ECHO(buf, param, len));
            return ODATA_ERR_INVALID;
        }
        /* what this service cannot do must not be accepted quietly */
        if ((odata__word_is(param, nlen, "odata.metadata") || odata__word_is(param, nlen, "metadata")) &&
            !odata__word_is(eq + 1, len - nlen - 1, "minimal") && !odata__word_is(eq + 1, len - nlen - 1, "none")) {
            odata__query_error(err, 501, "$format: only odata.metadata=minimal is served");
            return ODATA_ERR_INVALID;
        }
        if (odata__word_is(param, nlen, "ieee754compatible") && !odata__word_is(eq + 1, len - nlen - 1, "false")) {
            odata__query_error(err, 501, "$format: IEEE754Compatible=true is not served");
            return ODATA_ERR_INVALID;
        }
    }
    return ODATA_OK;
}

odata_err_t odata_query_parse(const odata_entity_set_t *set, const char *raw, size_t len, const odata_query_limits_t *limits,
                              odata_query_t **query, odata_query_error_t *err)
{
    odata_query_limits_t defaults;
    odata_query_pool_t *pool = NULL;
    odata_query_t *q = NULL;
    int seen[NOPTIONS] = {0};
    odata_err_t result = ODATA_ERR_INVALID;
    char buf[48];

    memset(err, 0, sizeof(*err));
    *query = NULL;
    if (limits == NULL) {
        odata_query_limits_default(&defaults);
        limits = &defaults;
    }
    if (raw == NULL)
        len = 0;
    if (set == NULL) {
        odata__query_error(err, 500, "no entity set");
        return ODATA_ERR_INVALID;
    }
    if (len > limits->max_query_len) {
        odata__query_error(err, 400, "the query string is longer than %zu bytes", limits->max_query_len);
        return ODATA_ERR_INVALID;
    }
    if ((pool = odata__pool_create()) == NULL || (q = odata__pool_alloc(pool, sizeof(*q))) == NULL) {
        odata__query_error(err, 500, "out of memory");
        odata__pool_destroy(pool);
        return ODATA_ERR_NOMEM;
    }
    q->_pool = pool;
    q->top = q->skip = -1;

    for (size_t start = 0; start < len;) {
        const char *seg = raw + start, *amp = memchr(seg, '&', len - start), *eq;
        size_t seglen = amp != NULL ? (size_t)(amp - seg) : len - start, nlen, vlen = 0, name_len, opt;
        size_t offset = start;
        char *name, *value = NULL;
        int dollar;

        start += seglen + 1;
        if (seglen == 0)
            continue;
        eq = memchr(seg, '=', seglen);
        nlen = eq != NULL ? (size_t)(eq - seg) : seglen;
        if ((name = decode(pool, seg, nlen, offset, &name_len, err)) == NULL)
            goto out;
        if (eq != NULL && (value = decode(pool, eq + 1, seglen - nlen - 1, offset + nlen + 1, &vlen, err)) == NULL)
            goto out;
        if (name_len > 0 && name[0] == '@') {
            odata__query_error(err, 501, "parameter aliases ('%s') are not supported", ECHO(buf, name, name_len));
            goto out;
        }
        dollar = name_len > 0 && name[0] == '$';
        for (opt = 0; opt < NOPTIONS; ++opt)
            if ((dollar || options[opt].bare) && odata__word_is(name + dollar, name_len - (size_t)dollar, options[opt].name))
                break;
        if (opt == NOPTIONS) {
            if (dollar) {
                odata__query_error(err, 400, "unknown system query option '%s'", ECHO(buf, name, name_len));
                goto out;
            }
            continue; /* a custom option: the caller's */
        }
        if (options[opt].id == OPT_NOT_IMPLEMENTED) {
            odata__query_error(err, 501, "$%s is not supported", options[opt].name);
            goto out;
        }
        if (seen[opt]++) {
            odata__query_error(err, 400, "$%s is given more than once", options[opt].name);
            goto out;
        }
        if (value == NULL || (vlen == 0 && options[opt].id != OPT_SELECT)) {
            odata__query_error(err, 400, "$%s needs a value", options[opt].name);
            goto out;
        }
        switch (options[opt].id) {
        case OPT_FILTER: {
            odata__parser_t p;
            odata__parser_init(&p, pool, set, limits, "$filter", value, vlen, err);
            if ((q->filter = odata__parse_filter(&p)) == NULL) {
                result = err->status == 500 ? ODATA_ERR_NOMEM : ODATA_ERR_INVALID;
                goto out;
            }
            break;
        }
        case OPT_SELECT:
            if ((result = parse_select(q, set, value, vlen, err)) != ODATA_OK)
                goto out;
            break;
        case OPT_ORDERBY:
            if ((result = parse_orderby(q, set, limits, value, vlen, err)) != ODATA_OK)
                goto out;
            break;
        case OPT_TOP:
            if (!parse_count(value, vlen, &q->top) || q->top > limits->max_top) {
                odata__query_error(err, 400, "$top must be a non-negative integer of at most %lld", (long long)limits->max_top);
                goto out;
            }
            break;
        case OPT_SKIP:
            if (!parse_count(value, vlen, &q->skip)) {
                odata__query_error(err, 400, "$skip must be a non-negative integer");
                goto out;
            }
            break;
        case OPT_COUNT:
            if (!odata__word_is(value, vlen, "true") && !odata__word_is(value, vlen, "false")) {
                odata__query_error(err, 400, "$count must be true or false");
                goto out;
            }
            q->count = lower(value[0]) == 't';
            break;
        case OPT_SKIPTOKEN:
            q->skiptoken = value;
            break;
        case OPT_FORMAT:
            if ((result = parse_format(value, vlen, err)) != ODATA_OK)
                goto out;
            break;
        case OPT_NOT_IMPLEMENTED:
            break;
        }
        result = ODATA_ERR_INVALID;
    }
    *query = q;
    return ODATA_OK;

out:
    if (result == ODATA_OK)
        result = ODATA_ERR_INVALID;
    if (err->status == 500)
        result = ODATA_ERR_NOMEM;
    odata__pool_destroy(pool);
    return result;
}

void odata_query_destroy(odata_query_t *query)
{
    if (query != NULL)
        odata__pool_destroy(query->_pool);
}

odata_err_t odata_query_and_filter(odata_query_t *query, const odata_entity_set_t *set, const char *option, const char *text,
                                   size_t len, const odata_query_limits_t *limits, odata_query_error_t *err)
{
    odata_query_limits_t defaults;
    odata__parser_t p;
    odata_expr_t *e;

    memset(err, 0, sizeof(*err));
    if (limits == NULL) {
        odata_query_limits_default(&defaults);
        limits = &defaults;
    }
    if (memchr(text, '\0', len) != NULL) {
        odata__query_error(err, 400, "%s contains a NUL character", option);
        return ODATA_ERR_INVALID;
    }
    odata__parser_init(&p, query->_pool, set, limits, option, text, len, err);
    if ((e = odata__parse_filter_and(&p, query->filter)) == NULL)
        return err->status == 500 ? ODATA_ERR_NOMEM : ODATA_ERR_INVALID;
    query->filter = e;
    return ODATA_OK;
}

odata_err_t odata_filter_check(const odata_entity_set_t *set, const char *option, const char *text, size_t len,
                               const odata_query_limits_t *limits, odata_query_error_t *err)
{
    odata_query_t *q;
    odata_err_t result;

    if ((result = odata_query_parse(set, "", 0, limits, &q, err)) != ODATA_OK)
        return result;
    result = odata_query_and_filter(q, set, option, text, len, limits, err);
    odata_query_destroy(q);
    return result;
}
