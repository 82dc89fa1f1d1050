/*
 * Evaluation of a $filter tree over one row, with OData's semantics: comparisons with null are false
 * (but null eq null), and/or/not three-valued, arithmetic and canonical functions null when an operand is
 * null, numeric promotion Int64 -> Decimal -> Double, exact decimals, strings compared by code point.
 *
 * Nothing is allocated but in the caller's scratch buffer. Values made by functions point into it, so it
 * must not move while an evaluation runs: when it is too small, the evaluation notes the size it needs,
 * the buffer grows, and the row is evaluated again (the evaluation is pure), which also keeps the result
 * independent of the rows before it.
 */
#include <math.h>
#include <string.h>
#include "odata/query_internal.h"

typedef struct st_eval_t {
    odata_row_get_cb get;
    void *row;
    int64_t now_us;
    odata_buf_t *scratch;
    size_t need; /* > 0: the scratch must hold this many bytes; evaluate again */
} eval_t;

static void eval(eval_t *x, const odata_expr_t *e, odata_value_t *out);

static void set_null(odata_value_t *v)
{
    v->type = ODATA_V_NULL;
}

static void set_bool(odata_value_t *v, int b)
{
    v->type = ODATA_V_BOOLEAN;
    v->u.boolean = b != 0;
}

static void set_i64(odata_value_t *v, int64_t i)
{
    v->type = ODATA_V_INT64;
    v->u.i64 = i;
}

static void set_double(odata_value_t *v, double d)
{
    v->type = ODATA_V_DOUBLE;
    v->u.dbl = d;
}

static void set_str(odata_value_t *v, const char *s, size_t len)
{
    v->type = ODATA_V_STRING;
    v->u.str.base = s;
    v->u.str.len = len;
}

/* n bytes of scratch aligned to `align` (a power of two); NULL when they do not fit (then the value is null,
 * and x->need asks for a larger buffer when its maximum allows one). */
static char scratch_empty[1]; /* what an allocation of no bytes returns */

static void *scratch_alloc(eval_t *x, size_t n, size_t align)
{
    odata_buf_t *b = x->scratch;
    size_t off;

    if (n == 0)
        return scratch_empty; /* an empty result needs no room, even before the buffer has any */
    if (b == NULL)
        return NULL;
    off = (b->len + align - 1) & ~(align - 1);
    if (off < b->len || off > b->max || n > b->max - off)
        return NULL;
    if (b->base == NULL || off + n >= b->cap) {
        if (off + n > x->need)
            x->need = off + n;
        return NULL;
    }
    b->len = off + n;
    b->base[b->len] = '\0';
    return b->base + off;
}

/* Gives back the end of the last allocation, which used `used` of the bytes it took at p. */
static void scratch_shrink(eval_t *x, char *p, size_t used)
{
    if (used == 0 && p == scratch_empty)
        return; /* the empty allocation is not in the buffer */
    x->scratch->len = (size_t)(p - x->scratch->base) + used;
    x->scratch->base[x->scratch->len] = '\0';
}

/* ---- UTF-8 ---- */

static int is_cont(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

static size_t count_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; ++i)
        n += !is_cont(s[i]);
    return n;
}

/* byte offset of character k of well-formed s (len when past its end) */
static size_t char_offset(const char *s, size_t len, int64_t k)
{
    size_t i = 0;
    for (; i < len && k > 0; --k)
        for (++i; i < len && is_cont(s[i]); ++i)
            ;
    return i;
}

static size_t put_utf8(char *p, int32_t cp)
{
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (char)(0xC0 | (cp >> 6));
        p[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (char)(0xE0 | (cp >> 12));
        p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | (cp >> 18));
    p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    p[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A row's string with each ill-formed subsequence replaced by U+FFFD, as the client receives it. */
static void sanitize(eval_t *x, odata_value_t *v)
{
    const char *s = v->u.str.base;
    size_t len = v->u.str.len, o = 0, need = 0;
    int ill_formed = 0;
    char *out;

    for (size_t i = 0; i < len;) {
        int32_t cp = 0;
        size_t n = (unsigned char)s[i] < 0x80 ? 1 : odata__utf8_next(s + i, len - i, &cp);
        if (cp < 0)
            ill_formed = 1;
        need += cp < 0 ? 3 : n;
        i += n;
    }
    if (!ill_formed)
        return;
    if ((out = scratch_alloc(x, need, 1)) == NULL) {
        set_null(v);
        return;
    }
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = odata__utf8_next(s + i, len - i, &cp);
        if (cp < 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    set_str(v, out, o);
}

/*
 * Simple (one to one) Unicode case mappings (UnicodeData.txt) of the letters of ASCII, Latin-1, Latin
 * Extended-A and -B (and the IPA letters that are their lower case), Latin Extended Additional, Greek
 * (without the archaic and symbol forms), Cyrillic and its supplement, Armenian and fullwidth Latin.
 * Other characters are unchanged, and so are those whose only case mapping is several characters
 * (U+00DF stays as it is; U+0130 becomes 'i' by its simple mapping).
 */
/* pairs of code points n (upper case), n + 1 (lower case), n even or odd through a range */
static int32_t pair(int32_t c, int upper, int upper_is_even)
{
    int is_upper = (c % 2 == 0) == upper_is_even;
    if (upper == is_upper)
        return c;
    return upper ? c - 1 : c + 1;
}

static int32_t case_map(int32_t c, int upper)
{
    if (c < 0x80) {
        if (upper && c >= 'a' && c <= 'z')
            return c - 32;
        if (!upper && c >= 'A' && c <= 'Z')
            return c + 32;
        return c;
    }
    if (c >= 0xC0 && c <= 0xFE && c != 0xD7 && c != 0xF7 && c != 0xDF)
        return upper ? (c >= 0xE0 ? c - 0x20 : c) : (c <= 0xDE ? c + 0x20 : c);
    if (c == 0xFF)
        return upper ? 0x178 : c;
    if (c == 0x178)
        return upper ? c : 0xFF;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130)
            return upper ? c : 'i';
        if (c == 0x131)
            return upper ? 'I' : c;
        if (c == 0x17F)
            return upper ? 'S' : c;
        if (c == 0x138 || c == 0x149)
            return c;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return pair(c, upper, 0);
        return pair(c, upper, 1);
    }
    if (c >= 0x180 && c <= 0x24F) {
        /* the irregular part of Latin Extended-B: upper, lower */
        static const int32_t pairs[][2] = {
            {0x181, 0x253}, {0x182, 0x183}, {0x184, 0x185}, {0x186, 0x254}, {0x187, 0x188}, {0x189, 0x256}, {0x18A, 0x257},
            {0x18B, 0x18C}, {0x18E, 0x1DD}, {0x18F, 0x259}, {0x190, 0x25B}, {0x191, 0x192}, {0x193, 0x260}, {0x194, 0x263},
            {0x196, 0x269}, {0x197, 0x268}, {0x198, 0x199}, {0x19C, 0x26F}, {0x19D, 0x272}, {0x19F, 0x275}, {0x1A0, 0x1A1},
            {0x1A2, 0x1A3}, {0x1A4, 0x1A5}, {0x1A6, 0x280}, {0x1A7, 0x1A8}, {0x1A9, 0x283}, {0x1AC, 0x1AD}, {0x1AE, 0x288},
            {0x1AF, 0x1B0}, {0x1B1, 0x28A}, {0x1B2, 0x28B}, {0x1B3, 0x1B4}, {0x1B5, 0x1B6}, {0x1B7, 0x292}, {0x1B8, 0x1B9},
            {0x1BC, 0x1BD}, {0x1C4, 0x1C6}, {0x1C7, 0x1C9}, {0x1CA, 0x1CC}, {0x1F1, 0x1F3}, {0x1F4, 0x1F5}, {0x1F6, 0x195},
            {0x1F7, 0x1BF}, {0x220, 0x19E}, {0x23B, 0x23C}, {0x23D, 0x19A}, {0x241, 0x242}, {0x243, 0x180}, {0x244, 0x289},
            {0x245, 0x28C}};
        /* the title-case digraphs (Dž, Lj, Nj, Dz) map both ways */
        if (c == 0x1C5 || c == 0x1C8 || c == 0x1CB || c == 0x1F2)
            return upper ? c - 1 : c + 1;
        for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); ++k) {
            if (c == pairs[k][0])
                return upper ? c : pairs[k][1];
            if (c == pairs[k][1])
                return upper ? pairs[k][0] : c;
        }
    }
    if (c >= 0x250 && c <= 0x292) {
        /* IPA letters that are the lower case of Latin Extended-B letters */
        static const int32_t lowers[] = {0x253, 0x254, 0x256, 0x257, 0x259, 0x25B, 0x260, 0x263, 0x268, 0x269, 0x26F,
                                         0x272, 0x275, 0x280, 0x283, 0x288, 0x289, 0x28A, 0x28B, 0x28C, 0x292};
        static const int32_t uppers[] = {0x181, 0x186, 0x189, 0x18A, 0x18F, 0x190, 0x193, 0x194, 0x197, 0x196, 0x19C,
                                         0x19D, 0x19F, 0x1A6, 0x1A9, 0x1AE, 0x244, 0x1B1, 0x1B2, 0x245, 0x1B7};
        for (size_t k = 0; k < sizeof(lowers) / sizeof(lowers[0]); ++k)
            if (c == lowers[k])
                return upper ? uppers[k] : c;
        return c;
    }
    if (c >= 0x1CD && c <= 0x1DC)
        return pair(c, upper, 0);
    if ((c >= 0x1DE && c <= 0x1EF) || (c >= 0x1F8 && c <= 0x21F) || (c >= 0x222 && c <= 0x233) || (c >= 0x246 && c <= 0x24F))
        return pair(c, upper, 1);
    if (c >= 0x370 && c <= 0x3FF) {
        if (c == 0x386)
            return upper ? c : 0x3AC;
        if (c == 0x3AC)
            return upper ? 0x386 : c;
        if (c >= 0x388 && c <= 0x38A)
            return upper ? c : c + 0x25;
        if (c >= 0x3AD && c <= 0x3AF)
            return upper ? c - 0x25 : c;
        if (c == 0x38C)
            return upper ? c : 0x3CC;
        if (c == 0x3CC)
            return upper ? 0x38C : c;
        if (c == 0x38E || c == 0x38F)
            return upper ? c : c + 0x3F;
        if (c == 0x3CD || c == 0x3CE)
            return upper ? c - 0x3F : c;
        if (c == 0x3C2)
            return upper ? 0x3A3 : c;
        if ((c >= 0x370 && c <= 0x373) || c == 0x376 || c == 0x377 || (c >= 0x3D8 && c <= 0x3EF))
            return pair(c, upper, 1);
        if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB))
            return upper ? c : c + 0x20;
        if ((c >= 0x3B1 && c <= 0x3C1) || (c >= 0x3C3 && c <= 0x3CB))
            return upper ? c - 0x20 : c;
        return c;
    }
    if (c >= 0x400 && c <= 0x52F) {
        if (c <= 0x40F)
            return upper ? c : c + 0x50;
        if (c <= 0x42F)
            return upper ? c : c + 0x20;
        if (c <= 0x44F)
            return upper ? c - 0x20 : c;
        if (c <= 0x45F)
            return upper ? c - 0x50 : c;
        if (c <= 0x481 || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0)
            return pair(c, upper, 1);
        if (c == 0x4C0)
            return upper ? c : 0x4CF;
        if (c == 0x4CF)
            return upper ? 0x4C0 : c;
        if (c >= 0x4C1 && c <= 0x4CE)
            return pair(c, upper, 0);
        return c;
    }
    if (c >= 0x531 && c <= 0x556)
        return upper ? c : c + 0x30;
    if (c >= 0x561 && c <= 0x586)
        return upper ? c - 0x30 : c;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF))
        return pair(c, upper, 1);
    if (c >= 0xFF21 && c <= 0xFF3A)
        return upper ? c : c + 0x20;
    if (c >= 0xFF41 && c <= 0xFF5A)
        return upper ? c - 0x20 : c;
    return c;
}

/* the White_Space characters of Unicode */
static int is_space(int32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* ---- values ---- */

static void read_property(eval_t *x, const odata_property_t *prop, odata_value_t *out)
{
    size_t len = 0;
    const char *s = x->get(x->row, prop, &len);
    if (odata_value_parse(prop->type, s, len, out) != ODATA_OK)
        set_null(out);
    else if (out->type == ODATA_V_STRING)
        sanitize(x, out);
}

static void to_decimal(const odata_value_t *v, odata_decimal_t *d)
{
    if (v->type == ODATA_V_INT64)
        odata__dec_from_i64(d, v->u.i64);
    else
        *d = v->u.dec;
}

static void set_decimal(odata_value_t *out, odata_err_t r, const odata_decimal_t *d)
{
    if (r != ODATA_OK) {
        set_null(out);
        return;
    }
    out->type = ODATA_V_DECIMAL;
    out->u.dec = *d;
}

/* eq, ne, gt, ge, lt, le: never null */
static int compare(odata_expr_kind_t op, const odata_value_t *a, const odata_value_t *b)
{
    int cmp;

    if (a->type == ODATA_V_NULL || b->type == ODATA_V_NULL) {
        int both = a->type == b->type;
        return op == ODATA_EXPR_EQ ? both : op == ODATA_EXPR_NE ? !both : 0;
    }
    if (odata__is_numeric(a->type) && odata__is_numeric(b->type) && (a->type == ODATA_V_DOUBLE || b->type == ODATA_V_DOUBLE)) {
        /* IEEE 754: NaN equals nothing and is in no order */
        double p = odata__value_to_double(a), q = odata__value_to_double(b);
        switch (op) {
        case ODATA_EXPR_EQ:
            return p == q;
        case ODATA_EXPR_NE:
            return !(p == q);
        case ODATA_EXPR_GT:
            return p > q;
        case ODATA_EXPR_GE:
            return p >= q;
        case ODATA_EXPR_LT:
            return p < q;
        default:
            return p <= q;
        }
    }
    if (odata_value_compare(a, b, &cmp) != ODATA_OK)
        return op == ODATA_EXPR_NE;
    switch (op) {
    case ODATA_EXPR_EQ:
        return cmp == 0;
    case ODATA_EXPR_NE:
        return cmp != 0;
    case ODATA_EXPR_GT:
        return cmp > 0;
    case ODATA_EXPR_GE:
        return cmp >= 0;
    case ODATA_EXPR_LT:
        return cmp < 0;
    default:
        return cmp <= 0;
    }
}

static void arith_numbers(odata_expr_kind_t op, const odata_value_t *a, const odata_value_t *b, odata_value_t *out)
{
    if (a->type == ODATA_V_DOUBLE || b->type == ODATA_V_DOUBLE) {
        double p = odata__value_to_double(a), q = odata__value_to_double(b);
        switch (op) {
        case ODATA_EXPR_ADD:
            set_double(out, p + q);
            break;
        case ODATA_EXPR_SUB:
            set_double(out, p - q);
            break;
        case ODATA_EXPR_MUL:
            set_double(out, p * q);
            break;
        case ODATA_EXPR_MOD:
            if (q == 0)
                set_null(out);
            else
                set_double(out, fmod(p, q));
            break;
        default: /* div, divby: IEEE 754 */
            set_double(out, p / q);
            break;
        }
        return;
    }
    if (a->type == ODATA_V_DECIMAL || b->type == ODATA_V_DECIMAL || op == ODATA_EXPR_DIVBY) {
        odata_decimal_t p, q, r;
        to_decimal(a, &p);
        to_decimal(b, &q);
        switch (op) {
        case ODATA_EXPR_ADD:
            set_decimal(out, odata__dec_add(&p, &q, 0, &r), &r);
            break;
        case ODATA_EXPR_SUB:
            set_decimal(out, odata__dec_add(&p, &q, 1, &r), &r);
            break;
        case ODATA_EXPR_MUL:
            set_decimal(out, odata__dec_mul(&p, &q, &r), &r);
            break;
        case ODATA_EXPR_MOD:
            set_decimal(out, odata__dec_mod(&p, &q, &r), &r);
            break;
        case ODATA_EXPR_DIVBY:
            /* divby does not fail on zero: -INF, INF or NaN by the sign of the dividend */
            if (odata__dec_is_zero(&q))
                set_double(out, odata__dec_is_zero(&p) ? NAN : p.negative ? -INFINITY : INFINITY);
            else
                set_decimal(out, odata__dec_div(&p, &q, &r), &r);
            break;
        default: /* div by zero fails the request for decimals and integers: null here */
            set_decimal(out, odata__dec_div(&p, &q, &r), &r);
            break;
        }
        return;
    }
    {
        int64_t p = a->u.i64, q = b->u.i64, r;
        switch (op) {
        case ODATA_EXPR_ADD:
            if (__builtin_add_overflow(p, q, &r))
                set_null(out);
            else
                set_i64(out, r);
            break;
        case ODATA_EXPR_SUB:
            if (__builtin_sub_overflow(p, q, &r))
                set_null(out);
            else
                set_i64(out, r);
            break;
        case ODATA_EXPR_MUL:
            if (__builtin_mul_overflow(p, q, &r))
                set_null(out);
            else
                set_i64(out, r);
            break;
        case ODATA_EXPR_MOD:
            if (q == 0)
                set_null(out);
            else
                set_i64(out, q == -1 ? 0 : p % q);
            break;
        default: /* div: truncated toward zero */
            if (q == 0 || (p == INT64_MIN && q == -1))
                set_null(out);
            else
                set_i64(out, p / q);
            break;
        }
    }
}

static int in_instant_range(int64_t us)
{
    return us >= ODATA__MIN_US && us <= ODATA__MAX_US;
}

static void arith(odata_expr_kind_t op, const odata_value_t *a, const odata_value_t *b, odata_value_t *out)
{
    int64_t r;
    int sub = op == ODATA_EXPR_SUB;

    set_null(out);
    if (a->type == ODATA_V_NULL || b->type == ODATA_V_NULL)
        return;
    if (odata__is_numeric(a->type) && odata__is_numeric(b->type)) {
        arith_numbers(op, a, b, out);
        return;
    }
    if (op != ODATA_EXPR_ADD && op != ODATA_EXPR_SUB)
        return;
    if (b->type == ODATA_V_DURATION) {
        int64_t d = b->u.duration_us;
        switch (a->type) {
        case ODATA_V_DATETIMEOFFSET:
            if (!(sub ? __builtin_sub_overflow(a->u.dto.us, d, &r) : __builtin_add_overflow(a->u.dto.us, d, &r)) &&
                in_instant_range(r)) {
                *out = *a;
                out->u.dto.us = r;
            }
            return;
        case ODATA_V_DURATION:
            if (!(sub ? __builtin_sub_overflow(a->u.duration_us, d, &r) : __builtin_add_overflow(a->u.duration_us, d, &r))) {
                out->type = ODATA_V_DURATION;
                out->u.duration_us = r;
            }
            return;
        case ODATA_V_DATE:
            /* midnight of the date plus the duration, then the date of that (XML Schema E.3.3) */
            if (!(sub ? __builtin_sub_overflow(a->u.date * ODATA__US_PER_DAY, d, &r)
                      : __builtin_add_overflow(a->u.date * ODATA__US_PER_DAY, d, &r))) {
                int64_t days = odata__floor_div(r, ODATA__US_PER_DAY);
                if (days >= ODATA__MIN_DAY && days <= ODATA__MAX_DAY) {
                    out->type = ODATA_V_DATE;
                    out->u.date = (int32_t)days;
                }
            }
            return;
        default:
            return;
        }
    }
    if (sub && a->type == ODATA_V_DATETIMEOFFSET && b->type == ODATA_V_DATETIMEOFFSET) {
        /* now() is whatever instant the caller gives */
        if (!__builtin_sub_overflow(a->u.dto.us, b->u.dto.us, &r)) {
            out->type = ODATA_V_DURATION;
            out->u.duration_us = r;
        }
    } else if (sub && a->type == ODATA_V_DATE && b->type == ODATA_V_DATE) {
        out->type = ODATA_V_DURATION;
        out->u.duration_us = ((int64_t)a->u.date - b->u.date) * ODATA__US_PER_DAY;
    }
}

/* ---- casts ---- */

static int is_decimal_text(const char *s, size_t len)
{
    size_t i = 0, d;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        ++i;
    for (d = i; i < len && s[i] >= '0' && s[i] <= '9'; ++i)
        ;
    if (i == d)
        return 0;
    if (i < len && s[i] == '.') {
        for (d = ++i; i < len && s[i] >= '0' && s[i] <= '9'; ++i)
            ;
        if (i == d)
            return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        if (++i < len && (s[i] == '+' || s[i] == '-'))
            ++i;
        for (d = i; i < len && s[i] >= '0' && s[i] <= '9'; ++i)
            ;
        if (i == d)
            return 0;
    }
    return i == len;
}

/* Edm.String to a primitive type: the string must be a literal of that type (the ABNF's payload forms). */
static void cast_from_string(const char *s, size_t len, odata_vtype_t to, odata_value_t *out)
{
    odata__num_t n;
    size_t i = 0;
    int subus = 0, r = ODATA__LIT_SYNTAX;

    set_null(out);
    switch (to) {
    case ODATA_V_BOOLEAN:
        if ((len == 4 && memcmp(s, "true", 4) == 0) || (len == 5 && memcmp(s, "false", 5) == 0))
            set_bool(out, len == 4);
        return;
    case ODATA_V_INT64:
    case ODATA_V_DECIMAL:
    case ODATA_V_DOUBLE:
        if (to == ODATA_V_DOUBLE && ((len == 3 && memcmp(s, "NaN", 3) == 0) || (len == 3 && memcmp(s, "INF", 3) == 0) ||
                                     (len == 4 && memcmp(s, "-INF", 4) == 0))) {
            set_double(out, s[0] == 'N' ? NAN : s[0] == '-' ? -INFINITY : INFINITY);
            return;
        }
        if (!is_decimal_text(s, len) || odata__num_parse(s, len, &n) != ODATA_OK)
            return;
        if (to == ODATA_V_DOUBLE) {
            if (odata__double_from_num(&n, &out->u.dbl) == ODATA_OK)
                out->type = ODATA_V_DOUBLE;
        } else if (odata__dec_from_num(&n, &out->u.dec) == ODATA_OK) {
            out->type = ODATA_V_DECIMAL;
            if (to == ODATA_V_INT64) {
                int64_t v;
                /* int64Value: digits only */
                if (memchr(s, '.', len) != NULL || memchr(s, 'e', len) != NULL || memchr(s, 'E', len) != NULL ||
                    odata__dec_to_i64(&out->u.dec, &v) != ODATA_OK)
                    set_null(out);
                else
                    set_i64(out, v);
            }
        }
        return;
    case ODATA_V_DATE:
        r = odata__scan_date(s, len, &i, &out->u.date);
        break;
    case ODATA_V_DATETIMEOFFSET:
        r = odata__scan_datetime(s, len, &i, 0, &out->u.dto.us, &out->u.dto.offset_min, &subus);
        break;
    case ODATA_V_TIMEOFDAY:
        r = odata__scan_time(s, len, &i, &out->u.tod_us, &subus);
        break;
    case ODATA_V_DURATION:
        r = odata__scan_duration(s, len, &i, &out->u.duration_us, &subus);
        break;
    case ODATA_V_GUID:
        r = odata__scan_guid(s, len, &i, out->u.guid);
        break;
    default:
        return;
    }
    if (r == ODATA__LIT_OK && i == len && !subus)
        out->type = to;
}

static void cast(eval_t *x, const odata_value_t *v, odata_vtype_t to, odata_value_t *out)
{
    set_null(out);
    if (v->type == ODATA_V_NULL)
        return;
    if (v->type == to) {
        *out = *v;
        return;
    }
    if (to == ODATA_V_STRING) {
        /* the payload form; reserve what the longest form needs, so that the buffer cannot move */
        size_t need = 64;
        char *p;
        odata_buf_t view;
        if (v->type == ODATA_V_DECIMAL)
            need =
                (size_t)v->u.dec.ndigits + (size_t)(v->u.dec.exponent < 0 ? -(long long)v->u.dec.exponent : v->u.dec.exponent) + 8;
        if ((p = scratch_alloc(x, need, 1)) == NULL)
            return;
        view.base = p;
        view.len = 0;
        view.cap = need + 1;
        view.max = need;
        if (odata__value_append(&view, v, 0) != ODATA_OK) {
            scratch_shrink(x, p, 0);
            return;
        }
        scratch_shrink(x, p, view.len);
        set_str(out, p, view.len);
        return;
    }
    if (v->type == ODATA_V_STRING) {
        cast_from_string(v->u.str.base, v->u.str.len, to, out);
        return;
    }
    if (!odata__is_numeric(v->type) || !odata__is_numeric(to))
        return;
    /* numbers: "with appropriate rounding", here half away from zero to integers; null when out of range */
    switch (to) {
    case ODATA_V_INT64:
        if (v->type == ODATA_V_DECIMAL) {
            odata_decimal_t r;
            int64_t i;
            if (odata__dec_round(&v->u.dec, 0, &r) == ODATA_OK && odata__dec_to_i64(&r, &i) == ODATA_OK)
                set_i64(out, i);
        } else {
            double r = round(v->u.dbl);
            if (r >= -9223372036854775808.0 && r < 9223372036854775808.0)
                set_i64(out, (int64_t)r);
        }
        return;
    case ODATA_V_DECIMAL:
        if (v->type == ODATA_V_INT64) {
            out->type = ODATA_V_DECIMAL;
            odata__dec_from_i64(&out->u.dec, v->u.i64);
        } else if (odata__dec_from_double(v->u.dbl, &out->u.dec) == ODATA_OK) {
            out->type = ODATA_V_DECIMAL;
        }
        return;
    default:
        set_double(out, odata__value_to_double(v));
        return;
    }
}

/* ---- functions ---- */

static void local_time(const odata_value_t *v, int64_t *days, int64_t *tod_us)
{
    if (v->type == ODATA_V_DATE) {
        *days = v->u.date;
        *tod_us = 0;
    } else if (v->type == ODATA_V_TIMEOFDAY) {
        *days = 0;
        *tod_us = v->u.tod_us;
    } else {
        int64_t local = v->u.dto.us + v->u.dto.offset_min * INT64_C(60000000);
        *days = odata__floor_div(local, ODATA__US_PER_DAY);
        *tod_us = local - *days * ODATA__US_PER_DAY;
    }
}

static void map_case(eval_t *x, const odata_value_t *v, int upper, odata_value_t *out)
{
    const char *s = v->u.str.base;
    size_t len = v->u.str.len, o = 0;
    char *p;

    /* the mappings never make a character longer */
    if ((p = scratch_alloc(x, len, 1)) == NULL) {
        set_null(out);
        return;
    }
    for (size_t i = 0; i < len;) {
        int32_t cp;
        if ((unsigned char)s[i] < 0x80) {
            p[o++] = (char)case_map((unsigned char)s[i++], upper);
            continue;
        }
        i += odata__utf8_next(s + i, len - i, &cp);
        o += put_utf8(p + o, case_map(cp, upper));
    }
    scratch_shrink(x, p, o);
    set_str(out, p, o);
}

static void trim(const odata_value_t *v, odata_value_t *out)
{
    const char *s = v->u.str.base;
    size_t a = 0, b = v->u.str.len;
    while (a < b) {
        int32_t cp;
        size_t n = odata__utf8_next(s + a, b - a, &cp);
        if (!is_space(cp))
            break;
        a += n;
    }
    while (b > a) {
        size_t k = b - 1;
        int32_t cp;
        while (k > a && is_cont(s[k]))
            --k;
        odata__utf8_next(s + k, b - k, &cp);
        if (!is_space(cp))
            break;
        b = k;
    }
    set_str(out, s + a, b - a);
}

static void call(eval_t *x, const odata_expr_t *e, odata_value_t *out)
{
    odata_value_t a[3];
    const char *s, *t;
    size_t sl = 0, tl = 0;
    int64_t days, tod;

    set_null(out);
    for (size_t k = 0; k < e->nargs && k < 3; ++k) {
        eval(x, e->args[k], &a[k]);
        if (a[k].type == ODATA_V_NULL)
            return; /* a canonical function of null is null */
    }
    s = e->nargs > 0 && a[0].type == ODATA_V_STRING ? a[0].u.str.base : NULL;
    sl = s != NULL ? a[0].u.str.len : 0;
    t = e->nargs > 1 && a[1].type == ODATA_V_STRING ? a[1].u.str.base : NULL;
    tl = t != NULL ? a[1].u.str.len : 0;

    switch (e->u.call.func) {
    case ODATA_FN_CONTAINS:
        set_bool(out, tl == 0 || memmem(s, sl, t, tl) != NULL);
        return;
    case ODATA_FN_STARTSWITH:
        set_bool(out, tl <= sl && memcmp(s, t, tl) == 0);
        return;
    case ODATA_FN_ENDSWITH:
        set_bool(out, tl <= sl && memcmp(s + sl - tl, t, tl) == 0);
        return;
    case ODATA_FN_INDEXOF: {
        const char *hit = tl == 0 ? s : memmem(s, sl, t, tl);
        set_i64(out, hit == NULL ? -1 : (int64_t)count_chars(s, (size_t)(hit - s)));
        return;
    }
    case ODATA_FN_LENGTH:
        set_i64(out, (int64_t)count_chars(s, sl));
        return;
    case ODATA_FN_SUBSTRING: {
        int64_t start = a[1].u.i64, n = (int64_t)count_chars(s, sl);
        size_t from, to = sl;
        if (start < 0)
            start = n + start < 0 ? 0 : n + start; /* counted from the end */
        from = char_offset(s, sl, start);
        if (e->nargs == 3) {
            if (a[2].u.i64 < 0)
                return; /* a negative length is a bad request: null here */
            to = from + char_offset(s + from, sl - from, a[2].u.i64);
        }
        set_str(out, s + from, to - from);
        return;
    }
    case ODATA_FN_TOLOWER:
    case ODATA_FN_TOUPPER:
        map_case(x, &a[0], e->u.call.func == ODATA_FN_TOUPPER, out);
        return;
    case ODATA_FN_TRIM:
        trim(&a[0], out);
        return;
    case ODATA_FN_CONCAT: {
        char *p;
        if (sl > SIZE_MAX - tl || (p = scratch_alloc(x, sl + tl, 1)) == NULL)
            return;
        memcpy(p, s, sl);
        memcpy(p + sl, t, tl);
        set_str(out, p, sl + tl);
        return;
    }
    case ODATA_FN_MATCHESPATTERN: {
        const odata__regex_t *re = ODATA__NODE(e)->regex;
        void *ws;
        int m;
        if (re == NULL || (ws = scratch_alloc(x, odata__regex_workspace(re), sizeof(uint32_t))) == NULL)
            return;
        if ((m = odata__regex_match(re, s, sl, ws)) >= 0)
            set_bool(out, m);
        return;
    }
    case ODATA_FN_YEAR:
    case ODATA_FN_MONTH:
    case ODATA_FN_DAY: {
        int y, mo, d;
        local_time(&a[0], &days, &tod);
        odata__civil_from_days(days, &y, &mo, &d);
        set_i64(out, e->u.call.func == ODATA_FN_YEAR ? y : e->u.call.func == ODATA_FN_MONTH ? mo : d);
        return;
    }
    case ODATA_FN_HOUR:
        local_time(&a[0], &days, &tod);
        set_i64(out, tod / INT64_C(3600000000));
        return;
    case ODATA_FN_MINUTE:
        local_time(&a[0], &days, &tod);
        set_i64(out, tod / INT64_C(60000000) % 60);
        return;
    case ODATA_FN_SECOND:
        local_time(&a[0], &days, &tod);
        set_i64(out, tod / ODATA__US_PER_SEC % 60);
        return;
    case ODATA_FN_FRACTIONALSECONDS:
        local_time(&a[0], &days, &tod);
        out->type = ODATA_V_DECIMAL;
        odata__dec_from_i64(&out->u.dec, tod % ODATA__US_PER_SEC);
        if (!odata__dec_is_zero(&out->u.dec))
            out->u.dec.exponent -= 6;
        return;
    case ODATA_FN_DATE:
        local_time(&a[0], &days, &tod);
        out->type = ODATA_V_DATE;
        out->u.date = (int32_t)days;
        return;
    case ODATA_FN_TIME:
        local_time(&a[0], &days, &tod);
        out->type = ODATA_V_TIMEOFDAY;
        out->u.tod_us = tod;
        return;
    case ODATA_FN_TOTALOFFSETMINUTES:
        set_i64(out, a[0].u.dto.offset_min);
        return;
    case ODATA_FN_NOW:
    case ODATA_FN_MINDATETIME:
    case ODATA_FN_MAXDATETIME:
        out->type = ODATA_V_DATETIMEOFFSET;
        out->u.dto.offset_min = 0;
        out->u.dto.us = e->u.call.func == ODATA_FN_NOW           ? x->now_us
                        : e->u.call.func == ODATA_FN_MINDATETIME ? ODATA__MIN_US
                                                                 : ODATA__MAX_US;
        return;
    case ODATA_FN_ROUND:
    case ODATA_FN_FLOOR:
    case ODATA_FN_CEILING: {
        int mode = e->u.call.func == ODATA_FN_ROUND ? 0 : e->u.call.func == ODATA_FN_FLOOR ? -1 : 1;
        if (a[0].type == ODATA_V_DOUBLE) {
            set_double(out, mode == 0 ? round(a[0].u.dbl) : mode < 0 ? floor(a[0].u.dbl) : ceil(a[0].u.dbl));
        } else {
            odata_decimal_t d, r;
            to_decimal(&a[0], &d);
            set_decimal(out, odata__dec_round(&d, mode, &r), &r);
        }
        return;
    }
    }
}

/* ---- the tree ---- */

static void eval(eval_t *x, const odata_expr_t *e, odata_value_t *out)
{
    odata_value_t a, b;

    switch (e->kind) {
    case ODATA_EXPR_LITERAL:
        *out = e->u.literal;
        return;
    case ODATA_EXPR_PROPERTY:
        read_property(x, e->u.property, out);
        return;
    case ODATA_EXPR_NOT:
        eval(x, e->args[0], &a);
        if (a.type == ODATA_V_BOOLEAN)
            set_bool(out, !a.u.boolean);
        else
            set_null(out);
        return;
    case ODATA_EXPR_NEG:
        eval(x, e->args[0], &a);
        *out = a;
        switch (a.type) {
        case ODATA_V_INT64:
            if (a.u.i64 == INT64_MIN)
                set_null(out);
            else
                out->u.i64 = -a.u.i64;
            break;
        case ODATA_V_DECIMAL:
            odata__dec_negate(&out->u.dec);
            break;
        case ODATA_V_DOUBLE:
            out->u.dbl = -a.u.dbl;
            break;
        case ODATA_V_DURATION:
            if (a.u.duration_us == INT64_MIN)
                set_null(out);
            else
                out->u.duration_us = -a.u.duration_us;
            break;
        default:
            set_null(out);
            break;
        }
        return;
    case ODATA_EXPR_AND:
    case ODATA_EXPR_OR: {
        /* false and x = false, true or x = true; otherwise null unless both are known */
        int decisive = e->kind == ODATA_EXPR_OR;
        eval(x, e->args[0], &a);
        if (a.type == ODATA_V_BOOLEAN && a.u.boolean == decisive) {
            set_bool(out, decisive);
            return;
        }
        eval(x, e->args[1], &b);
        if (b.type == ODATA_V_BOOLEAN && b.u.boolean == decisive)
            set_bool(out, decisive);
        else if (a.type == ODATA_V_BOOLEAN && b.type == ODATA_V_BOOLEAN)
            set_bool(out, !decisive);
        else
            set_null(out);
        return;
    }
    case ODATA_EXPR_EQ:
    case ODATA_EXPR_NE:
    case ODATA_EXPR_GT:
    case ODATA_EXPR_GE:
    case ODATA_EXPR_LT:
    case ODATA_EXPR_LE:
        eval(x, e->args[0], &a);
        eval(x, e->args[1], &b);
        set_bool(out, compare(e->kind, &a, &b));
        return;
    case ODATA_EXPR_ADD:
    case ODATA_EXPR_SUB:
    case ODATA_EXPR_MUL:
    case ODATA_EXPR_DIV:
    case ODATA_EXPR_DIVBY:
    case ODATA_EXPR_MOD:
        eval(x, e->args[0], &a);
        eval(x, e->args[1], &b);
        arith(e->kind, &a, &b, out);
        return;
    case ODATA_EXPR_IN:
        eval(x, e->args[0], &a);
        for (size_t k = 1; k < e->nargs; ++k) {
            eval(x, e->args[k], &b);
            if (compare(ODATA_EXPR_EQ, &a, &b)) {
                set_bool(out, 1);
                return;
            }
        }
        set_bool(out, 0);
        return;
    case ODATA_EXPR_CALL:
        call(x, e, out);
        return;
    case ODATA_EXPR_CAST:
        eval(x, e->args[0], &a);
        cast(x, &a, e->u.cast_type, out);
        return;
    case ODATA_EXPR_ISOF:
        eval(x, e->args[0], &a);
        if (a.type == ODATA_V_NULL) {
            set_null(out);
            return;
        }
        cast(x, &a, e->u.cast_type, &b);
        set_bool(out, b.type != ODATA_V_NULL);
        return;
    case ODATA_EXPR_HAS:
        set_null(out);
        return;
    }
    set_null(out);
}

odata_tribool_t odata_eval(const odata_expr_t *expr, odata_row_get_cb get, void *row, int64_t now_us, odata_buf_t *scratch)
{
    eval_t x;
    odata_value_t v;

    if (expr == NULL)
        return ODATA_TRUE;
    x.get = get;
    x.row = row;
    x.now_us = now_us;
    x.scratch = scratch;
    for (;;) {
        if (scratch != NULL)
            odata_buf_reset(scratch);
        x.need = 0;
        eval(&x, expr, &v);
        if (x.need == 0)
            break;
        if (odata__buf_reserve(scratch, x.need) != ODATA_OK)
            return ODATA_UNKNOWN;
    }
    if (v.type != ODATA_V_BOOLEAN)
        return ODATA_UNKNOWN;
    return v.u.boolean ? ODATA_TRUE : ODATA_FALSE;
}
