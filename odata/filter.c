/*
 * $filter expressions: a recursive-descent parser over the percent-decoded text that follows the
 * commonExpr rules of the OData 4.01 ABNF and the operator precedence of the URL conventions
 * (5.1.1.17), checking types against the entity set as it builds the tree, and the printer of trees.
 *
 * Whitespace is the ABNF's: RWS (spaces or tabs) around binary operators and after `not`, BWS inside
 * parentheses and around commas, none before or after the whole expression. Operator and function
 * names are case-insensitive (4.01), `null`, `INF`, `NaN`, type names and property names are
 * case-sensitive, `true`/`false` are not. Two things beyond the ABNF are taken because they cannot mean
 * anything else: `not(...)` without the space, and the OData 3 number suffixes M, D and L.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odata/query_internal.h"

typedef odata__parser_t parser_t;
typedef odata__node_t node_t;

#define ECHO(buf, s, n) odata__echo(buf, sizeof(buf), s, n)
#define TYPE_BIT(t) (1u << (t))
#define NUMERIC_BITS (TYPE_BIT(ODATA_V_INT64) | TYPE_BIT(ODATA_V_DECIMAL) | TYPE_BIT(ODATA_V_DOUBLE))
#define LEFT_DEEP_MAX 32 /* operands of an and/or chain kept left-associative */

/* ---- characters and words ---- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_ident_start(char c)
{
    return is_alpha(c) || c == '_';
}

static int is_ident_char(char c)
{
    return is_ident_start(c) || is_digit(c);
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static size_t ident_len(const parser_t *p, size_t at)
{
    size_t j = at;
    if (j >= p->len || !is_ident_start(p->s[j]))
        return 0;
    while (j < p->len && is_ident_char(p->s[j]))
        ++j;
    return j - at;
}

/* identifier ('.' identifier)* */
static size_t qualified_len(const parser_t *p, size_t at)
{
    size_t j = at + ident_len(p, at);
    while (j > at && j + 1 < p->len && p->s[j] == '.' && is_ident_start(p->s[j + 1]))
        j += 1 + ident_len(p, j + 1);
    return j - at;
}

static size_t skip_ws(parser_t *p)
{
    size_t n = 0;
    while (p->i < p->len && is_ws(p->s[p->i])) {
        ++p->i;
        ++n;
    }
    return n;
}

/* ---- errors and nodes ---- */

void odata__parse_error(parser_t *p, int status, size_t pos, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    if (p->failed)
        return;
    p->failed = 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    odata__query_error(p->err, status, "%s at %zu: %s", p->option, pos, msg);
}

static void out_of_memory(parser_t *p)
{
    odata__parse_error(p, 500, p->i, "out of memory");
}

void odata__parser_init(parser_t *p, odata_query_pool_t *pool, const odata_entity_set_t *set, const odata_query_limits_t *limits,
                        const char *option, const char *s, size_t len, odata_query_error_t *err)
{
    memset(p, 0, sizeof(*p));
    p->s = s;
    p->len = len;
    p->set = set;
    p->limits = limits;
    p->pool = pool;
    p->option = option;
    p->err = err;
}

static odata_expr_t *new_node(parser_t *p, odata_expr_kind_t kind, size_t pos, size_t nargs)
{
    node_t *n;

    if (p->failed)
        return NULL;
    if (p->nodes >= p->limits->max_nodes) {
        odata__parse_error(p, 400, pos, "the expression has more than %zu nodes", p->limits->max_nodes);
        return NULL;
    }
    ++p->nodes;
    if ((n = odata__pool_alloc(p->pool, sizeof(*n))) == NULL ||
        (nargs != 0 && (n->e.args = odata__pool_alloc(p->pool, nargs * sizeof(*n->e.args))) == NULL)) {
        out_of_memory(p);
        return NULL;
    }
    n->e.kind = kind;
    n->e.pos = pos;
    n->e.nargs = nargs;
    n->depth = 1;
    return &n->e;
}

/* Records the height of a node whose arguments are set; fails past the depth limit. */
static odata_expr_t *finish(parser_t *p, odata_expr_t *e)
{
    node_t *n = (node_t *)e;
    size_t d = 0;

    for (size_t k = 0; k < e->nargs; ++k)
        if (ODATA__NODE(e->args[k])->depth > d)
            d = ODATA__NODE(e->args[k])->depth;
    n->depth = d + 1;
    if (n->depth > p->limits->max_depth) {
        odata__parse_error(p, 400, e->pos, "the expression is nested more than %zu levels deep", p->limits->max_depth);
        return NULL;
    }
    return e;
}

static odata_expr_t *binary_node(parser_t *p, odata_expr_kind_t kind, odata_vtype_t type, odata_expr_t *l, odata_expr_t *r)
{
    odata_expr_t *e = new_node(p, kind, l->pos, 2);
    if (e == NULL)
        return NULL;
    e->args[0] = l;
    e->args[1] = r;
    e->type = type;
    return finish(p, e);
}

static odata_expr_t *literal_node(parser_t *p, size_t pos, const odata_value_t *v)
{
    odata_expr_t *e = new_node(p, ODATA_EXPR_LITERAL, pos, 0);
    if (e != NULL) {
        e->u.literal = *v;
        e->type = v->type;
    }
    return e;
}

static int enter(parser_t *p)
{
    if (++p->depth > p->limits->max_depth) {
        odata__parse_error(p, 400, p->i, "the expression is nested more than %zu levels deep", p->limits->max_depth);
        return 0;
    }
    return 1;
}

static void leave(parser_t *p)
{
    --p->depth;
}

static int is_numeric(odata_vtype_t t)
{
    return t == ODATA_V_INT64 || t == ODATA_V_DECIMAL || t == ODATA_V_DOUBLE;
}

static int is_bool(const odata_expr_t *e)
{
    return e->type == ODATA_V_BOOLEAN || e->type == ODATA_V_NULL;
}

/* ---- binary operators ---- */

typedef struct st_binop_t {
    const char *name;
    odata_expr_kind_t kind;
    int level; /* 1 or, 2 and, 3 equality, 4 relational, 5 additive, 6 multiplicative, 7 primary (in, has) */
} binop_t;

static const binop_t binops[] = {
    {"or", ODATA_EXPR_OR, 1},       {"and", ODATA_EXPR_AND, 2}, {"eq", ODATA_EXPR_EQ, 3},   {"ne", ODATA_EXPR_NE, 3},
    {"gt", ODATA_EXPR_GT, 4},       {"ge", ODATA_EXPR_GE, 4},   {"lt", ODATA_EXPR_LT, 4},   {"le", ODATA_EXPR_LE, 4},
    {"add", ODATA_EXPR_ADD, 5},     {"sub", ODATA_EXPR_SUB, 5}, {"mul", ODATA_EXPR_MUL, 6}, {"div", ODATA_EXPR_DIV, 6},
    {"divby", ODATA_EXPR_DIVBY, 6}, {"mod", ODATA_EXPR_MOD, 6}, {"in", ODATA_EXPR_IN, 7},   {"has", ODATA_EXPR_HAS, 7},
};

static const binop_t *find_binop(const char *s, size_t n)
{
    for (size_t k = 0; k < sizeof(binops) / sizeof(binops[0]); ++k)
        if (odata__word_is(s, n, binops[k].name))
            return &binops[k];
    return NULL;
}

static const char *op_name(odata_expr_kind_t kind)
{
    for (size_t k = 0; k < sizeof(binops) / sizeof(binops[0]); ++k)
        if (binops[k].kind == kind)
            return binops[k].name;
    return kind == ODATA_EXPR_NOT ? "not" : "-";
}

/*
 * Looks at `from` for RWS, a binary operator and RWS: 1 with the operator, its position and where its
 * right operand starts; 0 when there is none; -1 when an operator is not followed by whitespace.
 */
static int scan_binop(const parser_t *p, size_t from, const binop_t **op, size_t *oppos, size_t *after)
{
    size_t j = from, w = 0, k;

    while (j < p->len && is_ws(p->s[j]))
        ++j;
    if (j == from || j >= p->len)
        return 0;
    while (j + w < p->len && is_alpha(p->s[j + w]))
        ++w;
    if (w == 0 || (j + w < p->len && is_ident_char(p->s[j + w])) || (*op = find_binop(p->s + j, w)) == NULL)
        return 0;
    *oppos = j;
    for (k = j + w; k < p->len && is_ws(p->s[k]); ++k)
        ;
    *after = k;
    return k == j + w || k >= p->len ? -1 : 1;
}

/* scan_binop at p->i, with the error set for an operator without its whitespace */
static int peek_binop(parser_t *p, const binop_t **op, size_t *oppos, size_t *after)
{
    int r = scan_binop(p, p->i, op, oppos, after);
    if (r < 0)
        odata__parse_error(p, 400, *oppos + strlen((*op)->name), "expected whitespace and an operand after '%s'", (*op)->name);
    return r;
}

/* ---- type checking ---- */

static int coerce_duration(parser_t *p, odata_expr_t *e);

/* Whether two operands may be compared (numeric promotion aside, only values of one type can). */
static int check_comparable(parser_t *p, odata_expr_t *l, odata_expr_t *r, size_t oppos, const char *opname)
{
    odata_vtype_t a = l->type, b = r->type;

    if (a == ODATA_V_NULL || b == ODATA_V_NULL || a == b || (is_numeric(a) && is_numeric(b)))
        return 1;
    if (a == ODATA_V_DURATION && b == ODATA_V_STRING)
        return coerce_duration(p, r);
    if (b == ODATA_V_DURATION && a == ODATA_V_STRING)
        return coerce_duration(p, l);
    if ((a == ODATA_V_DATETIMEOFFSET && b == ODATA_V_DATE) || (a == ODATA_V_DATE && b == ODATA_V_DATETIMEOFFSET)) {
        odata__parse_error(p, 400, oppos,
                           "'%s' cannot compare Edm.DateTimeOffset with Edm.Date: write a DateTimeOffset such as "
                           "2024-01-02T00:00:00Z, or compare date(...) with a date",
                           opname);
        return 0;
    }
    odata__parse_error(p, 400, oppos, "'%s' cannot compare %s with %s", opname, odata__vtype_name(a), odata__vtype_name(b));
    return 0;
}

/* A string literal where a Duration is expected: 4.01 lets duration literals go without their prefix. */
static int coerce_duration(parser_t *p, odata_expr_t *e)
{
    size_t i = 0;
    int64_t us;
    int subus = 0;
    const odata_value_t *v = &e->u.literal;

    if (e->kind != ODATA_EXPR_LITERAL || v->type != ODATA_V_STRING ||
        odata__scan_duration(v->u.str.base, v->u.str.len, &i, &us, &subus) != ODATA__LIT_OK || i != v->u.str.len) {
        odata__parse_error(p, 400, e->pos, "expected an Edm.Duration here, such as duration'P1DT2H'");
        return 0;
    }
    e->type = e->u.literal.type = ODATA_V_DURATION;
    e->u.literal.u.duration_us = us;
    if (subus) {
        ((node_t *)e)->subus = 1;
        if (p->subus_pending++ == 0)
            p->subus_pos = e->pos;
    }
    return 1;
}

static odata_expr_kind_t mirror(odata_expr_kind_t k)
{
    switch (k) {
    case ODATA_EXPR_GT:
        return ODATA_EXPR_LT;
    case ODATA_EXPR_GE:
        return ODATA_EXPR_LE;
    case ODATA_EXPR_LT:
        return ODATA_EXPR_GT;
    case ODATA_EXPR_LE:
        return ODATA_EXPR_GE;
    default:
        return k;
    }
}

static void bump_microsecond(odata_value_t *v)
{
    switch (v->type) {
    case ODATA_V_DATETIMEOFFSET:
        ++v->u.dto.us;
        break;
    case ODATA_V_TIMEOFDAY:
        ++v->u.tod_us;
        break;
    case ODATA_V_DURATION:
        ++v->u.duration_us;
        break;
    default:
        break;
    }
}

/*
 * A comparison. A literal finer than a microsecond (its value V lies strictly between the microsecond T
 * it holds and T + 1) compared with a value X that is a whole number of microseconds, as every value here
 * is, gives exactly: X gt V = X gt T, X le V = X le T, X ge V = X ge T+1, X lt V = X lt T+1; eq is
 * false and ne true.
 */
static odata_expr_t *comparison(parser_t *p, odata_expr_kind_t kind, size_t oppos, odata_expr_t *l, odata_expr_t *r)
{
    node_t *nl = (node_t *)l, *nr = (node_t *)r;

    if (!check_comparable(p, l, r, oppos, op_name(kind)))
        return NULL;
    if (nl->subus || nr->subus) {
        odata_expr_kind_t k = nl->subus ? mirror(kind) : kind;
        node_t *lit = nl->subus ? nl : nr;
        if (nl->subus && nr->subus) {
            odata__parse_error(p, 501, oppos, "two values finer than a microsecond cannot be compared");
            return NULL;
        }
        lit->subus = 0;
        --p->subus_pending;
        if (k == ODATA_EXPR_EQ || k == ODATA_EXPR_NE) {
            odata_value_t v;
            memset(&v, 0, sizeof(v));
            v.type = ODATA_V_BOOLEAN;
            v.u.boolean = k == ODATA_EXPR_NE;
            return literal_node(p, l->pos, &v);
        }
        if (k == ODATA_EXPR_GE || k == ODATA_EXPR_LT)
            bump_microsecond(&lit->e.u.literal);
    }
    return binary_node(p, kind, ODATA_V_BOOLEAN, l, r);
}

static int is_time_like(odata_vtype_t t)
{
    return t == ODATA_V_DATETIMEOFFSET || t == ODATA_V_DATE || t == ODATA_V_DURATION;
}

static odata_expr_t *arithmetic(parser_t *p, odata_expr_kind_t kind, size_t oppos, odata_expr_t *l, odata_expr_t *r)
{
    odata_vtype_t a = l->type, b = r->type, t;
    const char *name = op_name(kind);

    /* a string literal on the right of a point in time or a duration is a duration without its prefix */
    if ((kind == ODATA_EXPR_ADD || kind == ODATA_EXPR_SUB) && is_time_like(a) && b == ODATA_V_STRING) {
        if (!coerce_duration(p, r))
            return NULL;
        b = ODATA_V_DURATION;
    }
    if (is_numeric(a) && is_numeric(b)) {
        if (kind == ODATA_EXPR_DIVBY)
            t = a == ODATA_V_DOUBLE || b == ODATA_V_DOUBLE ? ODATA_V_DOUBLE : ODATA_V_DECIMAL;
        else if (a == ODATA_V_DOUBLE || b == ODATA_V_DOUBLE)
            t = ODATA_V_DOUBLE;
        else if (a == ODATA_V_DECIMAL || b == ODATA_V_DECIMAL)
            t = ODATA_V_DECIMAL;
        else
            t = ODATA_V_INT64;
        return binary_node(p, kind, t, l, r);
    }
    if ((a == ODATA_V_NULL && (b == ODATA_V_NULL || is_numeric(b) || is_time_like(b))) ||
        (b == ODATA_V_NULL && (is_numeric(a) || is_time_like(a))))
        return binary_node(p, kind, ODATA_V_NULL, l, r);
    if (kind == ODATA_EXPR_ADD || kind == ODATA_EXPR_SUB) {
        t = ODATA_V_NULL;
        if (b == ODATA_V_DURATION && (a == ODATA_V_DATETIMEOFFSET || a == ODATA_V_DURATION || a == ODATA_V_DATE))
            t = a;
        else if (kind == ODATA_EXPR_SUB && a == b && (a == ODATA_V_DATETIMEOFFSET || a == ODATA_V_DATE))
            t = ODATA_V_DURATION;
        if (t != ODATA_V_NULL)
            return binary_node(p, kind, t, l, r);
    } else if (a == ODATA_V_DURATION || b == ODATA_V_DURATION) {
        odata__parse_error(p, 501, oppos, "'%s' with an Edm.Duration operand is not supported", name);
        return NULL;
    }
    odata__parse_error(p, 400, oppos, "'%s' cannot take %s and %s", name, odata__vtype_name(a), odata__vtype_name(b));
    return NULL;
}

static odata_expr_t *make_binary(parser_t *p, const binop_t *op, size_t oppos, odata_expr_t *l, odata_expr_t *r)
{
    switch (op->kind) {
    case ODATA_EXPR_EQ:
    case ODATA_EXPR_NE:
    case ODATA_EXPR_GT:
    case ODATA_EXPR_GE:
    case ODATA_EXPR_LT:
    case ODATA_EXPR_LE:
        return comparison(p, op->kind, oppos, l, r);
    default:
        return arithmetic(p, op->kind, oppos, l, r);
    }
}

/* ---- literals ---- */

static odata_expr_t *string_literal(parser_t *p)
{
    size_t start = p->i, j = start + 1, n = 0;
    char *copy;
    odata_value_t v;

    for (;; ++j, ++n) {
        if (j >= p->len) {
            odata__parse_error(p, 400, start, "unterminated string literal");
            return NULL;
        }
        if (p->s[j] == '\'') {
            if (j + 1 < p->len && p->s[j + 1] == '\'')
                ++j;
            else
                break;
        }
    }
    if ((copy = odata__pool_alloc(p->pool, n + 1)) == NULL) {
        out_of_memory(p);
        return NULL;
    }
    for (size_t k = start + 1, o = 0; k < j; ++k) {
        copy[o++] = p->s[k];
        if (p->s[k] == '\'')
            ++k;
    }
    if (!odata__utf8_valid(copy, n)) {
        odata__parse_error(p, 400, start, "the string literal is not well-formed UTF-8");
        return NULL;
    }
    p->i = j + 1;
    memset(&v, 0, sizeof(v));
    v.type = ODATA_V_STRING;
    v.u.str.base = copy;
    v.u.str.len = n;
    return literal_node(p, start, &v);
}

/* A literal finer than a microsecond is noted: only a comparison may take it. */
static odata_expr_t *time_literal(parser_t *p, size_t pos, const odata_value_t *v, int subus)
{
    odata_expr_t *e = literal_node(p, pos, v);
    if (e != NULL && subus) {
        ((node_t *)e)->subus = 1;
        if (p->subus_pending++ == 0)
            p->subus_pos = pos;
    }
    return e;
}

/* The error for what a literal scanner returned; NULL. */
static odata_expr_t *scan_failed(parser_t *p, int r, size_t pos, const char *what, const char *range)
{
    if (r == ODATA__LIT_LEAP)
        odata__parse_error(p, 501, pos, "leap seconds are not supported");
    else if (r == ODATA__LIT_RANGE)
        odata__parse_error(p, 400, pos, "%s %s", what, range);
    else
        odata__parse_error(p, 400, pos, "invalid %s literal", what);
    return NULL;
}

/* A malformed number; NULL. */
static odata_expr_t *bad_number(parser_t *p, size_t pos, const char *what)
{
    odata__parse_error(p, 400, pos, "%s", what);
    return NULL;
}

/* Numbers, dates, DateTimeOffsets, times of day and GUIDs that start with a digit or a sign. */
static odata_expr_t *number_literal(parser_t *p)
{
    const char *s = p->s;
    size_t pos = p->i, j = pos, start, digits, end;
    int has_point = 0, has_exp = 0, subus = 0, r;
    char sign = 0, suffix = 0;
    odata_value_t v;
    odata__num_t num;

    memset(&v, 0, sizeof(v));
    if (s[j] == '+' || s[j] == '-')
        sign = s[j++];
    start = j;
    while (j < p->len && is_digit(s[j]))
        ++j;
    digits = j - start;
    if (sign == 0) {
        size_t k = pos;
        if (odata__scan_guid(s, p->len, &k, v.u.guid) == ODATA__LIT_OK && (k >= p->len || !is_ident_char(s[k]))) {
            v.type = ODATA_V_GUID;
            p->i = k;
            return literal_node(p, pos, &v);
        }
    }
    if (sign != '+' && digits >= 4 && j < p->len && s[j] == '-') {
        size_t k = pos;
        r = odata__scan_date(s, p->len, &k, &v.u.date);
        if (r == ODATA__LIT_SYNTAX)
            return scan_failed(p, r, pos, "date", "");
        if (k < p->len && (s[k] == 'T' || s[k] == 't')) {
            k = pos;
            r = odata__scan_datetime(s, p->len, &k, 1, &v.u.dto.us, &v.u.dto.offset_min, &subus);
            if (r != ODATA__LIT_OK)
                return scan_failed(p, r, pos, "DateTimeOffset", "out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)");
            v.type = ODATA_V_DATETIMEOFFSET;
        } else {
            if (r != ODATA__LIT_OK)
                return scan_failed(p, r, pos, "date", "out of range or not in the calendar");
            v.type = ODATA_V_DATE;
        }
        p->i = k;
        return time_literal(p, pos, &v, subus);
    }
    if (sign == 0 && digits == 2 && j < p->len && s[j] == ':') {
        size_t k = pos;
        if ((r = odata__scan_time(s, p->len, &k, &v.u.tod_us, &subus)) != ODATA__LIT_OK)
            return scan_failed(p, r, pos, "TimeOfDay", "");
        v.type = ODATA_V_TIMEOFDAY;
        p->i = k;
        return time_literal(p, pos, &v, subus);
    }
    if (j < p->len && s[j] == '.') {
        size_t f = ++j;
        while (j < p->len && is_digit(s[j]))
            ++j;
        if (j == f)
            return bad_number(p, pos, "invalid number");
        has_point = 1;
    }
    if (j < p->len && (s[j] == 'e' || s[j] == 'E')) {
        size_t f;
        if (++j < p->len && (s[j] == '+' || s[j] == '-'))
            ++j;
        f = j;
        while (j < p->len && is_digit(s[j]))
            ++j;
        if (j == f)
            return bad_number(p, pos, "invalid number");
        has_exp = 1;
    }
    end = j;
    /* the type suffixes of OData 3 (M decimal, D double, L int64), which OData 4 clients still send */
    if (j < p->len && s[j] != '\0' && strchr("mMdDlL", s[j]) != NULL && (j + 1 >= p->len || !is_ident_char(s[j + 1])))
        suffix = lower(s[j++]);
    if (j < p->len && (is_ident_char(s[j]) || s[j] == '.'))
        return bad_number(p, pos, "invalid number");
    if (odata__num_parse(s + pos, end - pos, &num) != ODATA_OK)
        return bad_number(p, pos, "number out of range");
    if (suffix == 'd' || (suffix == 0 && has_exp)) {
        if (odata__double_from_num(&num, &v.u.dbl) != ODATA_OK)
            return bad_number(p, pos, "number out of range for Edm.Double");
        v.type = ODATA_V_DOUBLE;
    } else {
        if (odata__dec_from_num(&num, &v.u.dec) != ODATA_OK) {
            odata__parse_error(p, 501, pos, "numbers of more than %d significant digits are not supported",
                               ODATA_DECIMAL_MAX_DIGITS);
            return NULL;
        }
        v.type = ODATA_V_DECIMAL;
        if (suffix == 'l' || (suffix == 0 && !has_point)) {
            int64_t i64;
            if (odata__dec_to_i64(&v.u.dec, &i64) == ODATA_OK) {
                v.type = ODATA_V_INT64;
                v.u.i64 = i64;
            } else if (suffix == 'l' || has_exp) {
                return bad_number(p, pos, "invalid Edm.Int64 literal");
            }
        }
    }
    p->i = j;
    return literal_node(p, pos, &v);
}

/*
 * A primitive literal at p->i: 1 when there is one (*out is the node, or NULL with the error set), 0 when
 * what is there does not start a literal.
 */
static int try_literal(parser_t *p, odata_expr_t **out)
{
    const char *s = p->s;
    size_t pos = p->i, n;
    char c = s[pos];
    odata_value_t v;

    memset(&v, 0, sizeof(v));
    *out = NULL;
    if (c == '\'') {
        *out = string_literal(p);
        return 1;
    }
    if (is_digit(c) || ((c == '-' || c == '+') && pos + 1 < p->len && is_digit(s[pos + 1]))) {
        *out = number_literal(p);
        return 1;
    }
    if (c == '-' && p->len - pos >= 4 && memcmp(s + pos + 1, "INF", 3) == 0 && (pos + 4 == p->len || !is_ident_char(s[pos + 4]))) {
        v.type = ODATA_V_DOUBLE;
        v.u.dbl = -INFINITY;
        p->i += 4;
        *out = literal_node(p, pos, &v);
        return 1;
    }
    if (!is_ident_start(c))
        return 0;
    if (is_hex(c)) {
        size_t k = pos;
        if (odata__scan_guid(s, p->len, &k, v.u.guid) == ODATA__LIT_OK && (k >= p->len || !is_ident_char(s[k]))) {
            v.type = ODATA_V_GUID;
            p->i = k;
            *out = literal_node(p, pos, &v);
            return 1;
        }
    }
    n = ident_len(p, pos);
    if (pos + n < p->len && s[pos + n] == '\'') {
        if (odata__word_is(s + pos, n, "duration")) {
            size_t k = pos + n + 1;
            int subus = 0, r = odata__scan_duration(s, p->len, &k, &v.u.duration_us, &subus);
            if (r != ODATA__LIT_OK || k >= p->len || s[k] != '\'') {
                *out = scan_failed(p, r == ODATA__LIT_OK ? ODATA__LIT_SYNTAX : r, pos, "duration", "out of range");
                return 1;
            }
            v.type = ODATA_V_DURATION;
            p->i = k + 1;
            *out = time_literal(p, pos, &v, subus);
            return 1;
        }
        if (odata__word_is(s + pos, n, "binary") || odata__word_is(s + pos, n, "geography") ||
            odata__word_is(s + pos, n, "geometry")) {
            odata__parse_error(p, 501, pos, "binary and spatial literals are not supported");
            return 1;
        }
        return 0;
    }
    if (n == 4 && memcmp(s + pos, "null", 4) == 0) {
        v.type = ODATA_V_NULL;
    } else if (odata__word_is(s + pos, n, "true") || odata__word_is(s + pos, n, "false")) {
        v.type = ODATA_V_BOOLEAN;
        v.u.boolean = n == 4;
    } else if (n == 3 && memcmp(s + pos, "INF", 3) == 0) {
        v.type = ODATA_V_DOUBLE;
        v.u.dbl = INFINITY;
    } else if (n == 3 && memcmp(s + pos, "NaN", 3) == 0) {
        v.type = ODATA_V_DOUBLE;
        v.u.dbl = NAN;
    } else {
        return 0;
    }
    p->i = pos + n;
    *out = literal_node(p, pos, &v);
    return 1;
}

/* ---- expressions ---- */

static odata_expr_t *parse_logical(parser_t *p, int level);
static odata_expr_t *parse_unary(parser_t *p);

static odata_expr_t *parse_common(parser_t *p)
{
    odata_expr_t *e = NULL;
    if (enter(p))
        e = parse_logical(p, 1);
    leave(p);
    return e;
}

/* What may follow an operand: whitespace, a closing parenthesis, a comma or the end. */
static int check_after_operand(parser_t *p)
{
    char c, buf[48];
    if (p->i >= p->len || is_ws(c = p->s[p->i]) || c == ')' || c == ',')
        return 1;
    if (c == '+')
        odata__parse_error(p, 400, p->i, "unexpected '+': '+' is a plus sign in OData URLs, encode spaces as %%20");
    else if (c == '/')
        odata__parse_error(p, 501, p->i, "paths (navigation, any/all, $count, annotations) are not supported");
    else
        odata__parse_error(p, 400, p->i, "unexpected '%s'", ECHO(buf, p->s + p->i, 1));
    return 0;
}

static odata_expr_t *parse_in_list(parser_t *p, odata_expr_t *left)
{
    odata_expr_t **items = NULL, *e = NULL;
    size_t n = 0, cap = 0, dropped = 0;

    if (p->s[p->i] == '[') {
        odata__parse_error(p, 501, p->i, "JSON arrays are not supported after 'in': write a list such as ('a', 'b')");
        return NULL;
    }
    if (p->s[p->i] != '(') {
        odata__parse_error(p, 400, p->i, "expected a parenthesized list of literals after 'in'");
        return NULL;
    }
    ++p->i;
    skip_ws(p);
    while (p->i < p->len && p->s[p->i] != ')') {
        odata_expr_t *item;
        if (n >= p->limits->max_in_items) {
            odata__parse_error(p, 400, p->i, "the list after 'in' has more than %zu items", p->limits->max_in_items);
            goto out;
        }
        if (!try_literal(p, &item)) {
            odata__parse_error(p, 400, p->i, "the list after 'in' may hold only literals");
            goto out;
        }
        if (item == NULL || !check_comparable(p, left, item, item->pos, "in"))
            goto out;
        if (ODATA__NODE(item)->subus) {
            /* finer than a microsecond: equal to no value the model holds, so it leaves the list */
            ((odata__node_t *)item)->subus = 0;
            --p->subus_pending;
            skip_ws(p);
            if (p->i < p->len && p->s[p->i] == ',') {
                ++p->i;
                skip_ws(p);
                if (p->i < p->len && p->s[p->i] == ')') {
                    odata__parse_error(p, 400, p->i, "expected a literal after ','");
                    goto out;
                }
            } else if (p->i >= p->len || p->s[p->i] != ')') {
                odata__parse_error(p, 400, p->i, "expected ',' or ')' in the list after 'in'");
                goto out;
            }
            ++dropped;
            continue;
        }
        if (n == cap) {
            odata_expr_t **t = realloc(items, (cap = cap ? cap * 2 : 8) * sizeof(*items));
            if (t == NULL) {
                out_of_memory(p);
                goto out;
            }
            items = t;
        }
        items[n++] = item;
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == ',') {
            ++p->i;
            skip_ws(p);
            if (p->i < p->len && p->s[p->i] == ')') {
                odata__parse_error(p, 400, p->i, "expected a literal after ','");
                goto out;
            }
        } else if (p->i >= p->len || p->s[p->i] != ')') {
            odata__parse_error(p, 400, p->i, "expected ',' or ')' in the list after 'in'");
            goto out;
        }
    }
    if (p->i >= p->len) {
        odata__parse_error(p, 400, p->i, "expected ')' to close the list after 'in'");
        goto out;
    }
    ++p->i;
    if (n == 0 && dropped != 0) {
        /* every item was finer than a microsecond: nothing can be a member */
        odata_value_t v;
        memset(&v, 0, sizeof(v));
        v.type = ODATA_V_BOOLEAN;
        e = literal_node(p, left->pos, &v);
        goto out;
    }
    if ((e = new_node(p, ODATA_EXPR_IN, left->pos, n + 1)) == NULL)
        goto out;
    e->type = ODATA_V_BOOLEAN;
    e->args[0] = left;
    for (size_t k = 0; k < n; ++k)
        e->args[k + 1] = items[k];
    e = finish(p, e);
out:
    free(items);
    return e;
}

/* ---- functions ---- */

typedef struct st_func_t {
    const char *name; /* lower case; matched case-insensitively */
    odata_func_t func;
    int min, max;
} func_t;

static const func_t funcs[] = {
    {"contains", ODATA_FN_CONTAINS, 2, 2},
    {"startswith", ODATA_FN_STARTSWITH, 2, 2},
    {"endswith", ODATA_FN_ENDSWITH, 2, 2},
    {"tolower", ODATA_FN_TOLOWER, 1, 1},
    {"toupper", ODATA_FN_TOUPPER, 1, 1},
    {"length", ODATA_FN_LENGTH, 1, 1},
    {"indexof", ODATA_FN_INDEXOF, 2, 2},
    {"substring", ODATA_FN_SUBSTRING, 2, 3},
    {"trim", ODATA_FN_TRIM, 1, 1},
    {"concat", ODATA_FN_CONCAT, 2, 2},
    {"matchespattern", ODATA_FN_MATCHESPATTERN, 2, 2},
    {"year", ODATA_FN_YEAR, 1, 1},
    {"month", ODATA_FN_MONTH, 1, 1},
    {"day", ODATA_FN_DAY, 1, 1},
    {"hour", ODATA_FN_HOUR, 1, 1},
    {"minute", ODATA_FN_MINUTE, 1, 1},
    {"second", ODATA_FN_SECOND, 1, 1},
    {"fractionalseconds", ODATA_FN_FRACTIONALSECONDS, 1, 1},
    {"date", ODATA_FN_DATE, 1, 1},
    {"time", ODATA_FN_TIME, 1, 1},
    {"now", ODATA_FN_NOW, 0, 0},
    {"totaloffsetminutes", ODATA_FN_TOTALOFFSETMINUTES, 1, 1},
    {"mindatetime", ODATA_FN_MINDATETIME, 0, 0},
    {"maxdatetime", ODATA_FN_MAXDATETIME, 0, 0},
    {"round", ODATA_FN_ROUND, 1, 1},
    {"floor", ODATA_FN_FLOOR, 1, 1},
    {"ceiling", ODATA_FN_CEILING, 1, 1},
};

/* canonical functions of the ABNF that are not served */
static const char *const unsupported_funcs[] = {"totalseconds", "geo.distance",   "geo.length", "geo.intersects",
                                                "hassubset",    "hassubsequence", "case"};

static const func_t *find_func(const char *s, size_t n)
{
    for (size_t k = 0; k < sizeof(funcs) / sizeof(funcs[0]); ++k)
        if (odata__word_is(s, n, funcs[k].name))
            return &funcs[k];
    return NULL;
}

static const char *func_name(odata_func_t f)
{
    for (size_t k = 0; k < sizeof(funcs) / sizeof(funcs[0]); ++k)
        if (funcs[k].func == f)
            return f == ODATA_FN_MATCHESPATTERN ? "matchesPattern" : funcs[k].name;
    return "?";
}

static int want_arg(parser_t *p, const odata_expr_t *call, size_t k, unsigned types, const char *what)
{
    odata_vtype_t t = call->args[k]->type;
    if (t == ODATA_V_NULL || (types & TYPE_BIT(t)) != 0)
        return 1;
    odata__parse_error(p, 400, call->args[k]->pos, "argument %zu of %s must be %s, not %s", k + 1, func_name(call->u.call.func),
                       what, odata__vtype_name(t));
    return 0;
}

static int check_call(parser_t *p, odata_expr_t *e)
{
    const unsigned str = TYPE_BIT(ODATA_V_STRING), dto = TYPE_BIT(ODATA_V_DATETIMEOFFSET);
    const unsigned date_like = TYPE_BIT(ODATA_V_DATE) | dto, time_like = TYPE_BIT(ODATA_V_TIMEOFDAY) | dto;

    switch (e->u.call.func) {
    case ODATA_FN_CONTAINS:
    case ODATA_FN_STARTSWITH:
    case ODATA_FN_ENDSWITH:
        e->type = ODATA_V_BOOLEAN;
        return want_arg(p, e, 0, str, "Edm.String") && want_arg(p, e, 1, str, "Edm.String");
    case ODATA_FN_INDEXOF:
        e->type = ODATA_V_INT64;
        return want_arg(p, e, 0, str, "Edm.String") && want_arg(p, e, 1, str, "Edm.String");
    case ODATA_FN_CONCAT:
        e->type = ODATA_V_STRING;
        return want_arg(p, e, 0, str, "Edm.String") && want_arg(p, e, 1, str, "Edm.String");
    case ODATA_FN_TOLOWER:
    case ODATA_FN_TOUPPER:
    case ODATA_FN_TRIM:
        e->type = ODATA_V_STRING;
        return want_arg(p, e, 0, str, "Edm.String");
    case ODATA_FN_LENGTH:
        e->type = ODATA_V_INT64;
        return want_arg(p, e, 0, str, "Edm.String");
    case ODATA_FN_SUBSTRING:
        e->type = ODATA_V_STRING;
        if (!want_arg(p, e, 0, str, "Edm.String") || !want_arg(p, e, 1, TYPE_BIT(ODATA_V_INT64), "an integer") ||
            (e->nargs == 3 && !want_arg(p, e, 2, TYPE_BIT(ODATA_V_INT64), "an integer")))
            return 0;
        if (e->nargs == 3 && e->args[2]->kind == ODATA_EXPR_LITERAL && e->args[2]->type == ODATA_V_INT64 &&
            e->args[2]->u.literal.u.i64 < 0) {
            odata__parse_error(p, 400, e->args[2]->pos, "the length given to substring must not be negative");
            return 0;
        }
        return 1;
    case ODATA_FN_MATCHESPATTERN: {
        const odata_expr_t *pat = e->args[1];
        char msg[160];
        int status;
        e->type = ODATA_V_BOOLEAN;
        if (!want_arg(p, e, 0, str, "Edm.String") || !want_arg(p, e, 1, str, "Edm.String"))
            return 0;
        if (pat->type == ODATA_V_NULL)
            return 1;
        if (pat->kind != ODATA_EXPR_LITERAL) {
            odata__parse_error(p, 501, pat->pos, "matchesPattern takes only a literal pattern");
            return 0;
        }
        if (pat->u.literal.u.str.len > ODATA__REGEX_MAX_PATTERN) {
            odata__parse_error(p, 501, pat->pos, "patterns of more than %d bytes are not supported", ODATA__REGEX_MAX_PATTERN);
            return 0;
        }
        ((node_t *)e)->regex =
            odata__regex_compile(p->pool, pat->u.literal.u.str.base, pat->u.literal.u.str.len, &status, msg, sizeof(msg));
        if (((node_t *)e)->regex == NULL) {
            odata__parse_error(p, status, pat->pos, "%s", msg);
            return 0;
        }
        return 1;
    }
    case ODATA_FN_YEAR:
    case ODATA_FN_MONTH:
    case ODATA_FN_DAY:
        e->type = ODATA_V_INT64;
        return want_arg(p, e, 0, date_like, "Edm.Date or Edm.DateTimeOffset");
    case ODATA_FN_HOUR:
    case ODATA_FN_MINUTE:
    case ODATA_FN_SECOND:
        e->type = ODATA_V_INT64;
        return want_arg(p, e, 0, time_like, "Edm.DateTimeOffset or Edm.TimeOfDay");
    case ODATA_FN_FRACTIONALSECONDS:
        e->type = ODATA_V_DECIMAL;
        return want_arg(p, e, 0, time_like, "Edm.DateTimeOffset or Edm.TimeOfDay");
    case ODATA_FN_DATE:
        e->type = ODATA_V_DATE;
        return want_arg(p, e, 0, dto, "Edm.DateTimeOffset");
    case ODATA_FN_TIME:
        e->type = ODATA_V_TIMEOFDAY;
        return want_arg(p, e, 0, dto, "Edm.DateTimeOffset");
    case ODATA_FN_TOTALOFFSETMINUTES:
        e->type = ODATA_V_INT64;
        return want_arg(p, e, 0, dto, "Edm.DateTimeOffset");
    case ODATA_FN_NOW:
    case ODATA_FN_MINDATETIME:
    case ODATA_FN_MAXDATETIME:
        e->type = ODATA_V_DATETIMEOFFSET;
        return 1;
    case ODATA_FN_ROUND:
    case ODATA_FN_FLOOR:
    case ODATA_FN_CEILING:
        e->type = e->args[0]->type == ODATA_V_DOUBLE ? ODATA_V_DOUBLE : ODATA_V_DECIMAL;
        return want_arg(p, e, 0, NUMERIC_BITS, "a number");
    }
    return 0;
}

/* Reads `( args )` at p->i into a growable array; returns the count or -1 on error. */
static long parse_args(parser_t *p, odata_expr_t *args[3], int max, const char *name)
{
    long n = 0;
    ++p->i;
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == ')') {
        ++p->i;
        return 0;
    }
    for (;;) {
        odata_expr_t *a = parse_common(p);
        if (a == NULL)
            return -1;
        if (n >= max) {
            odata__parse_error(p, 400, a->pos, "%s takes at most %d argument%s", name, max, max == 1 ? "" : "s");
            return -1;
        }
        args[n++] = a;
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == ',') {
            ++p->i;
            skip_ws(p);
            continue;
        }
        if (p->i < p->len && p->s[p->i] == ')') {
            ++p->i;
            return n;
        }
        odata__parse_error(p, 400, p->i, "expected ',' or ')' in the arguments of %s", name);
        return -1;
    }
}

typedef struct st_cast_target_t {
    const char *name;
    odata_vtype_t type; /* ODATA_V_NULL: a primitive type that is not supported */
} cast_target_t;

static const cast_target_t cast_targets[] = {
    {"Edm.String", ODATA_V_STRING},
    {"Edm.Boolean", ODATA_V_BOOLEAN},
    {"Edm.Int64", ODATA_V_INT64},
    {"Edm.Decimal", ODATA_V_DECIMAL},
    {"Edm.Double", ODATA_V_DOUBLE},
    {"Edm.Date", ODATA_V_DATE},
    {"Edm.DateTimeOffset", ODATA_V_DATETIMEOFFSET},
    {"Edm.TimeOfDay", ODATA_V_TIMEOFDAY},
    {"Edm.Duration", ODATA_V_DURATION},
    {"Edm.Guid", ODATA_V_GUID},
    {"Edm.Int32", ODATA_V_NULL},
    {"Edm.Int16", ODATA_V_NULL},
    {"Edm.Byte", ODATA_V_NULL},
    {"Edm.SByte", ODATA_V_NULL},
    {"Edm.Single", ODATA_V_NULL},
    {"Edm.Binary", ODATA_V_NULL},
    {"Edm.Stream", ODATA_V_NULL},
};

/* Casts served: to the same type, to Edm.String, between numbers, and from Edm.String to any. */
static int castable(odata_vtype_t from, odata_vtype_t to)
{
    return from == ODATA_V_NULL || from == to || to == ODATA_V_STRING || (is_numeric(from) && is_numeric(to)) ||
           from == ODATA_V_STRING;
}

static odata_expr_t *parse_cast(parser_t *p, int isof, size_t pos)
{
    const char *name = isof ? "isof" : "cast";
    odata_expr_t *arg, *e;
    odata_vtype_t to = ODATA_V_NULL;
    size_t n, tpos, k;
    int found = 0;

    ++p->i;
    skip_ws(p);
    /* cast(Type): the current instance */
    n = qualified_len(p, p->i);
    for (k = p->i + n; k < p->len && is_ws(p->s[k]); ++k)
        ;
    if (n > 0 && k < p->len && p->s[k] == ')') {
        odata__parse_error(p, 501, pos, "%s of the current instance (one argument) is not supported", name);
        return NULL;
    }
    if ((arg = parse_common(p)) == NULL)
        return NULL;
    skip_ws(p);
    if (p->i >= p->len || p->s[p->i] != ',') {
        odata__parse_error(p, 400, p->i, "expected ',' and a type name in %s", name);
        return NULL;
    }
    ++p->i;
    skip_ws(p);
    tpos = p->i;
    n = qualified_len(p, tpos);
    if (n == 0) {
        odata__parse_error(p, 400, tpos, "expected a type name in %s", name);
        return NULL;
    }
    for (size_t t = 0; t < sizeof(cast_targets) / sizeof(cast_targets[0]); ++t) {
        if (strlen(cast_targets[t].name) == n && memcmp(cast_targets[t].name, p->s + tpos, n) == 0) {
            to = cast_targets[t].type;
            found = 1;
        }
    }
    if (!found || to == ODATA_V_NULL) {
        char buf[48];
        if (n > 4 && memcmp(p->s + tpos, "Edm.", 4) == 0 && !found && memcmp(p->s + tpos, "Edm.Geo", 7) != 0)
            odata__parse_error(p, 400, tpos, "unknown type '%s'", ECHO(buf, p->s + tpos, n));
        else
            odata__parse_error(p, 501, tpos, "%s to '%s' is not supported", name, ECHO(buf, p->s + tpos, n));
        return NULL;
    }
    p->i = tpos + n;
    skip_ws(p);
    if (p->i >= p->len || p->s[p->i] != ')') {
        odata__parse_error(p, 400, p->i, "expected ')' to close %s", name);
        return NULL;
    }
    ++p->i;
    if (!castable(arg->type, to)) {
        odata__parse_error(p, 501, pos, "%s from %s to %s is not supported", name, odata__vtype_name(arg->type),
                           odata__vtype_name(to));
        return NULL;
    }
    if ((e = new_node(p, isof ? ODATA_EXPR_ISOF : ODATA_EXPR_CAST, pos, 1)) == NULL)
        return NULL;
    e->args[0] = arg;
    e->u.cast_type = to;
    e->type = isof ? ODATA_V_BOOLEAN : to;
    return finish(p, e);
}

static odata_expr_t *parse_call(parser_t *p, size_t pos, size_t n)
{
    const char *s = p->s + pos;
    const func_t *f;
    odata_expr_t *args[3], *e;
    long nargs;
    char buf[48];

    if (odata__word_is(s, n, "cast") || odata__word_is(s, n, "isof")) {
        p->i = pos + n;
        return parse_cast(p, odata__word_is(s, n, "isof"), pos);
    }
    if ((f = find_func(s, n)) == NULL) {
        for (size_t k = 0; k < sizeof(unsupported_funcs) / sizeof(unsupported_funcs[0]); ++k) {
            if (odata__word_is(s, n, unsupported_funcs[k])) {
                odata__parse_error(p, 501, pos, "the function %s is not supported", unsupported_funcs[k]);
                return NULL;
            }
        }
        if (memchr(s, '.', n) != NULL)
            odata__parse_error(p, 501, pos, "functions of the model ('%s') are not supported", ECHO(buf, s, n));
        else if (odata__word_is(s, n, "not"))
            odata__parse_error(p, 400, pos + n, "expected whitespace after 'not'");
        else
            odata__parse_error(p, 400, pos, "unknown function '%s'", ECHO(buf, s, n));
        return NULL;
    }
    p->i = pos + n;
    if ((nargs = parse_args(p, args, f->max, func_name(f->func))) < 0)
        return NULL;
    if (nargs < f->min) {
        odata__parse_error(p, 400, pos, "%s takes %d argument%s", func_name(f->func), f->min, f->min == 1 ? "" : "s");
        return NULL;
    }
    if ((e = new_node(p, ODATA_EXPR_CALL, pos, (size_t)nargs)) == NULL)
        return NULL;
    e->u.call.func = f->func;
    for (long k = 0; k < nargs; ++k)
        e->args[k] = args[k];
    if (!check_call(p, e))
        return NULL;
    return finish(p, e);
}

static odata_expr_t *parse_name(parser_t *p)
{
    size_t pos = p->i, n = ident_len(p, pos), qn = qualified_len(p, pos);
    const odata_property_t *prop;
    odata_expr_t *e;
    char buf[48];

    if (pos + qn < p->len && p->s[pos + qn] == '(')
        return parse_call(p, pos, qn);
    if (pos + qn < p->len && p->s[pos + qn] == '\'') {
        if (qn > n)
            odata__parse_error(p, 501, pos, "enumeration literals are not supported");
        else
            odata__parse_error(p, 400, pos, "unknown literal prefix '%s'", ECHO(buf, p->s + pos, n));
        return NULL;
    }
    if (qn > n) {
        odata__parse_error(p, 501, pos, "qualified names and type-cast segments ('%s') are not supported",
                           ECHO(buf, p->s + pos, qn));
        return NULL;
    }
    if ((prop = odata_set_find_property(p->set, p->s + pos, n)) == NULL) {
        size_t k = pos + n;
        while (k < p->len && is_ws(p->s[k]))
            ++k;
        if (k < p->len && p->s[k] == '(' &&
            (find_func(p->s + pos, n) != NULL || odata__word_is(p->s + pos, n, "cast") || odata__word_is(p->s + pos, n, "isof")))
            odata__parse_error(p, 400, pos + n, "no whitespace may come between a function name and '('");
        else
            odata__parse_error(p, 404, pos, "unknown property '%s'", ECHO(buf, p->s + pos, n));
        return NULL;
    }
    p->i = pos + n;
    if ((e = new_node(p, ODATA_EXPR_PROPERTY, pos, 0)) == NULL)
        return NULL;
    e->u.property = prop;
    e->type = odata__vtype_of(prop->type);
    return e;
}

static odata_expr_t *parse_primary(parser_t *p)
{
    size_t pos = p->i;
    odata_expr_t *e;
    char c, buf[48];

    if (pos >= p->len) {
        odata__parse_error(p, 400, pos, "expected an expression");
        return NULL;
    }
    if (try_literal(p, &e))
        return e;
    c = p->s[pos];
    if (c == '(') {
        ++p->i;
        skip_ws(p);
        if ((e = parse_common(p)) == NULL)
            return NULL;
        skip_ws(p);
        if (p->i >= p->len || p->s[p->i] != ')') {
            if (p->i < p->len && p->s[p->i] == ',')
                odata__parse_error(p, 400, p->i, "unexpected ',': a list is allowed only after 'in'");
            else
                odata__parse_error(p, 400, p->i, "expected ')'");
            return NULL;
        }
        ++p->i;
        return e;
    }
    if (is_ident_start(c))
        return parse_name(p);
    if (c == '$') {
        size_t n = ident_len(p, pos + 1);
        if (n > 0 && (odata__word_is(p->s + pos + 1, n, "it") || odata__word_is(p->s + pos + 1, n, "root") ||
                      odata__word_is(p->s + pos + 1, n, "this")))
            odata__parse_error(p, 501, pos, "$it, $root and $this are not supported");
        else
            odata__parse_error(p, 400, pos, "unexpected '%s'", ECHO(buf, p->s + pos, n + 1));
        return NULL;
    }
    if (c == '@') {
        odata__parse_error(p, 501, pos, "parameter aliases and annotations are not supported");
        return NULL;
    }
    if (c == '[' || c == '{') {
        odata__parse_error(p, 501, pos, "JSON arrays and objects are not supported in expressions");
        return NULL;
    }
    if (is_ws(c))
        odata__parse_error(p, 400, pos, "unexpected whitespace");
    else if (c == '+')
        odata__parse_error(p, 400, pos, "unexpected '+': '+' is a plus sign in OData URLs, encode spaces as %%20");
    else
        odata__parse_error(p, 400, pos, "unexpected '%s'", ECHO(buf, p->s + pos, 1));
    return NULL;
}

/* primary, then any `in (...)` */
static odata_expr_t *parse_postfix(parser_t *p)
{
    odata_expr_t *e = parse_primary(p);
    while (e != NULL) {
        const binop_t *op;
        size_t oppos, after;
        int r;
        if (!check_after_operand(p))
            return NULL;
        if ((r = peek_binop(p, &op, &oppos, &after)) < 0)
            return NULL;
        if (r == 0 || op->level != 7)
            break;
        if (op->kind == ODATA_EXPR_HAS) {
            odata__parse_error(p, 501, oppos, "the 'has' operator is not supported");
            return NULL;
        }
        p->i = after;
        e = parse_in_list(p, e);
    }
    return e;
}

/*
 * `not` followed by whitespace, or by '(' (the ABNF wants whitespace, but `not(...)` is common and cannot
 * mean anything else), unless it is a property named "not" followed by a binary operator.
 */
static int at_not(const parser_t *p)
{
    size_t pos = p->i, k = pos + 3, oppos, after;
    const binop_t *op;

    if (ident_len(p, pos) != 3 || !odata__word_is(p->s + pos, 3, "not"))
        return 0;
    if (k < p->len && p->s[k] == '(')
        return 1;
    if (k >= p->len || !is_ws(p->s[k]))
        return 0;
    return odata_set_find_property(p->set, p->s + pos, 3) == NULL || scan_binop(p, k, &op, &oppos, &after) == 0;
}

static odata_expr_t *parse_unary(parser_t *p)
{
    size_t pos = p->i;
    odata_expr_t *operand, *e;
    int neg;

    if (pos < p->len && p->s[pos] == '-' && !(pos + 1 < p->len && is_digit(p->s[pos + 1])) &&
        !(p->len - pos >= 4 && memcmp(p->s + pos + 1, "INF", 3) == 0 && (pos + 4 == p->len || !is_ident_char(p->s[pos + 4])))) {
        neg = 1;
        ++p->i;
        skip_ws(p);
    } else if (at_not(p)) {
        neg = 0;
        p->i += 3;
        skip_ws(p);
    } else {
        return parse_postfix(p);
    }
    operand = NULL;
    if (enter(p))
        operand = parse_unary(p);
    leave(p);
    if (operand == NULL)
        return NULL;
    if (neg ? !(is_numeric(operand->type) || operand->type == ODATA_V_DURATION || operand->type == ODATA_V_NULL)
            : !is_bool(operand)) {
        odata__parse_error(p, 400, pos, "'%s' cannot take %s", neg ? "-" : "not", odata__vtype_name(operand->type));
        return NULL;
    }
    if ((e = new_node(p, neg ? ODATA_EXPR_NEG : ODATA_EXPR_NOT, pos, 1)) == NULL)
        return NULL;
    e->args[0] = operand;
    e->type = neg ? operand->type : ODATA_V_BOOLEAN;
    return finish(p, e);
}

/* levels 3 (eq ne) to 6 (mul div divby mod), left-associative */
static odata_expr_t *parse_binary(parser_t *p, int level)
{
    odata_expr_t *l = level == 6 ? parse_unary(p) : parse_binary(p, level + 1);
    while (l != NULL) {
        const binop_t *op;
        size_t oppos, after;
        odata_expr_t *r;
        int found = peek_binop(p, &op, &oppos, &after);
        if (found < 0)
            return NULL;
        if (found == 0 || op->level != level)
            break;
        p->i = after;
        if ((r = level == 6 ? parse_unary(p) : parse_binary(p, level + 1)) == NULL)
            return NULL;
        l = make_binary(p, op, oppos, l, r);
    }
    return l;
}

static odata_expr_t *balanced(parser_t *p, odata_expr_kind_t kind, odata_expr_t **ops, size_t lo, size_t hi)
{
    odata_expr_t *l, *r;
    size_t mid;
    if (hi - lo == 1)
        return ops[lo];
    mid = lo + (hi - lo) / 2;
    if ((l = balanced(p, kind, ops, lo, mid)) == NULL || (r = balanced(p, kind, ops, mid, hi)) == NULL)
        return NULL;
    return binary_node(p, kind, ODATA_V_BOOLEAN, l, r);
}

/*
 * Levels 1 (or) and 2 (and). A chain of one of them is left-associative, as written, up to LEFT_DEEP_MAX
 * operands (the HubSpot planner keeps the most of an AND chain in that shape); a longer one becomes a
 * balanced tree, which means the same (both are associative, with null too) and keeps the long chains
 * clients write (a eq 1 or a eq 2 or ...) within the depth limit.
 */
static odata_expr_t *parse_logical(parser_t *p, int level)
{
    odata_expr_kind_t kind = level == 1 ? ODATA_EXPR_OR : ODATA_EXPR_AND;
    odata_expr_t **ops = NULL, *result = NULL;
    size_t n = 0, cap = 0;

    for (;;) {
        const binop_t *op;
        size_t oppos, after;
        odata_expr_t *e = level == 1 ? parse_logical(p, 2) : parse_binary(p, 3);
        int found;
        if (e == NULL)
            goto out;
        if (n == cap) {
            odata_expr_t **t = realloc(ops, (cap = cap ? cap * 2 : 4) * sizeof(*ops));
            if (t == NULL) {
                out_of_memory(p);
                goto out;
            }
            ops = t;
        }
        ops[n++] = e;
        if ((found = peek_binop(p, &op, &oppos, &after)) < 0)
            goto out;
        if (found == 0 || op->level != level)
            break;
        p->i = after;
    }
    if (n > 1) {
        for (size_t k = 0; k < n; ++k) {
            if (!is_bool(ops[k])) {
                odata__parse_error(p, 400, ops[k]->pos, "'%s' needs Boolean operands, not %s", level == 1 ? "or" : "and",
                                   odata__vtype_name(ops[k]->type));
                goto out;
            }
        }
        if (n <= LEFT_DEEP_MAX) {
            result = ops[0];
            for (size_t k = 1; k < n && result != NULL; ++k)
                result = binary_node(p, kind, ODATA_V_BOOLEAN, result, ops[k]);
        } else {
            result = balanced(p, kind, ops, 0, n);
        }
    } else {
        result = ops[0];
    }
out:
    free(ops);
    return result;
}

odata_expr_t *odata__parse_common(parser_t *p)
{
    return parse_common(p);
}

odata_expr_t *odata__parse_filter(parser_t *p)
{
    odata_expr_t *e = parse_common(p);
    char buf[48];

    if (e == NULL)
        return NULL;
    if (p->i < p->len) {
        size_t k = p->i, w;
        while (k < p->len && is_ws(p->s[k]))
            ++k;
        if (k == p->len) {
            odata__parse_error(p, 400, p->i, "unexpected whitespace at the end");
        } else if (k > p->i && (w = ident_len(p, k)) > 0) {
            odata__parse_error(p, 400, k, "unknown operator '%s'", ECHO(buf, p->s + k, w));
        } else {
            if (check_after_operand(p))
                odata__parse_error(p, 400, k, "unexpected '%s'", ECHO(buf, p->s + k, 1));
        }
        return NULL;
    }
    if (!is_bool(e)) {
        odata__parse_error(p, 400, 0, "the expression must be Boolean, not %s", odata__vtype_name(e->type));
        return NULL;
    }
    if (p->subus_pending != 0) {
        odata__parse_error(p, 501, p->subus_pos, "values finer than a microsecond are supported only in comparisons");
        return NULL;
    }
    return e;
}

odata_expr_t *odata__parse_filter_and(parser_t *p, odata_expr_t *other)
{
    odata_expr_t *e = odata__parse_filter(p);

    if (e == NULL || other == NULL)
        return e;
    return binary_node(p, ODATA_EXPR_AND, ODATA_V_BOOLEAN, e, other);
}

/* ---- printing ---- */

static odata_err_t print(odata_buf_t *out, const odata_expr_t *e, int mask)
{
    odata_err_t r = ODATA_OK;

    switch (e->kind) {
    case ODATA_EXPR_LITERAL:
        return mask ? odata_buf_append(out, "?", 1) : odata__value_append(out, &e->u.literal, 1);
    case ODATA_EXPR_PROPERTY:
        return odata_buf_appends(out, e->u.property->name);
    case ODATA_EXPR_NOT:
    case ODATA_EXPR_NEG:
        if (!(r = odata_buf_appends(out, e->kind == ODATA_EXPR_NOT ? "(not " : "(- ")) && !(r = print(out, e->args[0], mask)))
            r = odata_buf_append(out, ")", 1);
        return r;
    case ODATA_EXPR_IN:
        if ((r = odata_buf_append(out, "(", 1)) || (r = print(out, e->args[0], mask)) || (r = odata_buf_appends(out, " in (")))
            return r;
        for (size_t k = 1; k < e->nargs && !r; ++k)
            if (!(r = k > 1 ? odata_buf_append(out, ", ", 2) : ODATA_OK))
                r = print(out, e->args[k], mask);
        return r ? r : odata_buf_append(out, "))", 2);
    case ODATA_EXPR_CALL:
        if ((r = odata_buf_appends(out, func_name(e->u.call.func))) || (r = odata_buf_append(out, "(", 1)))
            return r;
        for (size_t k = 0; k < e->nargs && !r; ++k)
            if (!(r = k > 0 ? odata_buf_append(out, ", ", 2) : ODATA_OK))
                r = print(out, e->args[k], mask);
        return r ? r : odata_buf_append(out, ")", 1);
    case ODATA_EXPR_CAST:
    case ODATA_EXPR_ISOF:
        if (!(r = odata_buf_appends(out, e->kind == ODATA_EXPR_CAST ? "cast(" : "isof(")) && !(r = print(out, e->args[0], mask)))
            r = odata_buf_appendf(out, ", %s)", odata__vtype_name(e->u.cast_type));
        return r;
    default:
        if (e->nargs != 2)
            return ODATA_ERR_INVALID;
        if (!(r = odata_buf_append(out, "(", 1)) && !(r = print(out, e->args[0], mask)) &&
            !(r = odata_buf_appendf(out, " %s ", op_name(e->kind))) && !(r = print(out, e->args[1], mask)))
            r = odata_buf_append(out, ")", 1);
        return r;
    }
}

odata_err_t odata_expr_print(const odata_expr_t *expr, int mask_literals, odata_buf_t *out)
{
    size_t start = out->len;
    odata_err_t r;

    if (expr == NULL)
        return ODATA_ERR_INVALID;
    if ((r = print(out, expr, mask_literals)) != ODATA_OK)
        odata__buf_truncate(out, start);
    return r;
}
