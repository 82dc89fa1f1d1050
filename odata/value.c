/*
 * Typed values: reading upstream text (the forms odata_json_value accepts), exact decimal arithmetic,
 * calendar arithmetic, the URL literal forms of the ABNF, comparison and text output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odata/query_internal.h"

#define MS_PER_DAY INT64_C(86400000)
/* decimals whose exponent passes this are refused, which keeps exponent arithmetic within int */
#define DEC_MAX_EXPONENT 100000000
/* digits of the intermediate integers of decimal arithmetic */
#define BIG_MAX 200
/* significant digits kept when a long digit string is handed to strtod (enough to decide every rounding) */
#define DOUBLE_MAX_DIGITS 800

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int lower(char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* ---- numbers ---- */

void odata__dec_zero(odata_decimal_t *d)
{
    memset(d, 0, sizeof(*d));
    d->ndigits = 1;
    d->digits[0] = '0';
}

int odata__dec_is_zero(const odata_decimal_t *d)
{
    return d->ndigits == 0 || (d->ndigits == 1 && d->digits[0] == '0');
}

odata_err_t odata__dec_from_num(const odata__num_t *n, odata_decimal_t *d)
{
    size_t first, end;
    long long exponent;

    odata__num_span(n, &first, &end);
    if (first == end) {
        odata__dec_zero(d);
        return ODATA_OK;
    }
    if (end - first > ODATA_DECIMAL_MAX_DIGITS)
        return ODATA_ERR_TOO_LARGE;
    exponent = n->point - (long long)end;
    if (exponent > DEC_MAX_EXPONENT || exponent < -DEC_MAX_EXPONENT)
        return ODATA_ERR_TOO_LARGE;
    memset(d, 0, sizeof(*d));
    d->negative = n->negative;
    d->exponent = (int)exponent;
    d->ndigits = (unsigned char)(end - first);
    for (size_t k = first; k < end; ++k)
        d->digits[k - first] = odata__num_digit(n, k);
    return ODATA_OK;
}

/* strtod of "<digits>e<exp>": no decimal point, so the locale does not matter. */
static double digits_to_double(int negative, const char *digits, size_t ndigits, long long exp10)
{
    char buf[DOUBLE_MAX_DIGITS + 40];
    int n = 0;

    if (negative)
        buf[n++] = '-';
    memcpy(buf + n, digits, ndigits);
    n += (int)ndigits;
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, "e%lld", exp10);
    return strtod(buf, NULL);
}

odata_err_t odata__double_from_num(const odata__num_t *n, double *out)
{
    char digits[DOUBLE_MAX_DIGITS + 1];
    size_t first, end, nd = 0;
    long long exp10;

    odata__num_span(n, &first, &end);
    if (first == end) {
        *out = 0.0;
        return ODATA_OK;
    }
    if (odata__num_exceeds_double(n, first, end))
        return ODATA_ERR_INVALID;
    for (size_t k = first; k < end && nd < DOUBLE_MAX_DIGITS; ++k)
        digits[nd++] = odata__num_digit(n, k);
    if (first + nd < end) {
        /* the digits cut are not all zero (end is the last non-zero digit): a sticky digit keeps the rounding */
        digits[nd++] = '1';
        exp10 = n->point - (long long)(first + nd);
    } else {
        exp10 = n->point - (long long)end;
    }
    *out = digits_to_double(n->negative, digits, nd, exp10);
    return ODATA_OK;
}

/* ---- exact decimal arithmetic on digit strings ---- */

typedef struct st_big_t {
    int n;                    /* digits used; 0 is zero */
    unsigned char d[BIG_MAX]; /* least significant first */
} big_t;

static void big_trim(big_t *b)
{
    while (b->n > 0 && b->d[b->n - 1] == 0)
        --b->n;
}

/* The digits of d followed by `shift` zeros; 0 when that does not fit. */
static int big_from_dec(big_t *b, const odata_decimal_t *d, long long shift)
{
    if (shift < 0 || (long long)d->ndigits + shift > BIG_MAX)
        return 0;
    b->n = (int)(d->ndigits + shift);
    memset(b->d, 0, (size_t)shift);
    for (int k = 0; k < d->ndigits; ++k)
        b->d[shift + k] = (unsigned char)(d->digits[d->ndigits - 1 - k] - '0');
    big_trim(b);
    return 1;
}

static int big_cmp(const big_t *a, const big_t *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int k = a->n - 1; k >= 0; --k)
        if (a->d[k] != b->d[k])
            return a->d[k] < b->d[k] ? -1 : 1;
    return 0;
}

static int big_add(const big_t *a, const big_t *b, big_t *out)
{
    int n = a->n > b->n ? a->n : b->n, carry = 0;
    big_t r;
    for (int k = 0; k < n; ++k) {
        int s = (k < a->n ? a->d[k] : 0) + (k < b->n ? b->d[k] : 0) + carry;
        r.d[k] = (unsigned char)(s % 10);
        carry = s / 10;
    }
    if (carry) {
        if (n == BIG_MAX)
            return 0;
        r.d[n++] = (unsigned char)carry;
    }
    r.n = n;
    *out = r;
    return 1;
}

/* a - b with a >= b */
static void big_sub(const big_t *a, const big_t *b, big_t *out)
{
    int borrow = 0;
    big_t r;
    for (int k = 0; k < a->n; ++k) {
        int s = a->d[k] - (k < b->n ? b->d[k] : 0) - borrow;
        borrow = s < 0;
        r.d[k] = (unsigned char)(s + (borrow ? 10 : 0));
    }
    r.n = a->n;
    big_trim(&r);
    *out = r;
}

static int big_mul(const big_t *a, const big_t *b, big_t *out)
{
    int acc[2 * BIG_MAX] = {0};
    big_t r;
    if (a->n == 0 || b->n == 0) {
        out->n = 0;
        return 1;
    }
    if (a->n + b->n > BIG_MAX)
        return 0;
    for (int i = 0; i < a->n; ++i)
        for (int j = 0; j < b->n; ++j)
            acc[i + j] += a->d[i] * b->d[j];
    for (int k = 0, carry = 0; k < a->n + b->n; ++k) {
        int s = acc[k] + carry;
        r.d[k] = (unsigned char)(s % 10);
        carry = s / 10;
    }
    r.n = a->n + b->n;
    big_trim(&r);
    *out = r;
    return 1;
}

/* q = a / b, r = a % b (b non-zero), by long division */
static void big_divmod(const big_t *a, const big_t *b, big_t *q, big_t *r)
{
    big_t rem = {0, {0}}, quo;
    quo.n = a->n;
    for (int k = a->n - 1; k >= 0; --k) {
        int count = 0;
        /* rem = rem * 10 + a->d[k] */
        if (rem.n > 0 || a->d[k] != 0) {
            memmove(rem.d + 1, rem.d, (size_t)rem.n);
            rem.d[0] = a->d[k];
            ++rem.n;
        }
        while (big_cmp(&rem, b) >= 0) {
            big_sub(&rem, b, &rem);
            ++count;
        }
        quo.d[k] = (unsigned char)count;
    }
    big_trim(&quo);
    *q = quo;
    *r = rem;
}

/* (-1)^negative * b * 10^exponent as a normalised decimal. */
static odata_err_t dec_from_big(int negative, const big_t *b, long long exponent, odata_decimal_t *out)
{
    int lo = 0, hi = b->n;
    while (hi > 0 && b->d[hi - 1] == 0)
        --hi;
    if (hi == 0) {
        odata__dec_zero(out);
        return ODATA_OK;
    }
    while (b->d[lo] == 0)
        ++lo;
    exponent += lo;
    if (hi - lo > ODATA_DECIMAL_MAX_DIGITS || exponent > DEC_MAX_EXPONENT || exponent < -DEC_MAX_EXPONENT)
        return ODATA_ERR_TOO_LARGE;
    memset(out, 0, sizeof(*out));
    out->negative = negative;
    out->exponent = (int)exponent;
    out->ndigits = (unsigned char)(hi - lo);
    for (int k = 0; k < hi - lo; ++k)
        out->digits[k] = (char)('0' + b->d[hi - 1 - k]);
    return ODATA_OK;
}

/* A copy with trailing zeros moved into the exponent (inputs need not be normalised). */
static void dec_norm(const odata_decimal_t *in, odata_decimal_t *out)
{
    *out = *in;
    if (odata__dec_is_zero(in)) {
        odata__dec_zero(out);
        return;
    }
    while (out->ndigits > 1 && out->digits[out->ndigits - 1] == '0') {
        --out->ndigits;
        ++out->exponent;
    }
}

void odata__dec_from_i64(odata_decimal_t *d, int64_t v)
{
    char buf[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = 0;

    memset(d, 0, sizeof(*d));
    do {
        buf[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    d->negative = v < 0;
    for (int k = 0; k < n; ++k)
        d->digits[k] = buf[n - 1 - k];
    d->ndigits = (unsigned char)n;
    {
        odata_decimal_t t;
        dec_norm(d, &t);
        *d = t;
    }
}

odata_err_t odata__dec_to_i64(const odata_decimal_t *in, int64_t *v)
{
    odata_decimal_t d;
    uint64_t u = 0, limit;

    dec_norm(in, &d);
    if (odata__dec_is_zero(&d)) {
        *v = 0;
        return ODATA_OK;
    }
    if (d.exponent < 0 || d.ndigits + d.exponent > 19)
        return ODATA_ERR_INVALID;
    limit = d.negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (int k = 0; k < d.ndigits + d.exponent; ++k) {
        unsigned digit = k < d.ndigits ? (unsigned)(d.digits[k] - '0') : 0;
        if (u > (limit - digit) / 10)
            return ODATA_ERR_INVALID;
        u = u * 10 + digit;
    }
    *v = d.negative ? (int64_t)(0 - u) : (int64_t)u;
    return ODATA_OK;
}

double odata__dec_to_double(const odata_decimal_t *d)
{
    if (odata__dec_is_zero(d))
        return 0.0;
    return digits_to_double(d->negative, d->digits, d->ndigits, d->exponent);
}

/* Reads "[-]d[.ddd]e[+-]x" as printed by "%e": the digits and the exponent of the last one. */
static size_t read_e_format(const char *buf, char *digits, int *exp10)
{
    size_t nd = 0;
    const char *p = buf;
    if (*p == '-')
        ++p;
    for (; *p != '\0' && *p != 'e' && *p != 'E'; ++p)
        if (is_digit(*p))
            digits[nd++] = *p;
    *exp10 = *p != '\0' ? atoi(p + 1) - (int)(nd - 1) : 0;
    return nd;
}

/* The shortest digit string that reads back as |x| (x finite, non-zero): digits and the exponent of the last one. */
static size_t shortest_digits(double x, char *digits, int *exp10)
{
    char buf[64];
    size_t nd = 0;
    for (int prec = 1; prec <= 17; ++prec) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, fabs(x));
        nd = read_e_format(buf, digits, exp10);
        if (digits_to_double(0, digits, nd, *exp10) == fabs(x))
            break;
    }
    while (nd > 1 && digits[nd - 1] == '0') {
        --nd;
        ++*exp10;
    }
    return nd;
}

odata_err_t odata__dec_from_double(double x, odata_decimal_t *d)
{
    char digits[32];
    int exp10;
    size_t nd;

    if (isnan(x) || isinf(x))
        return ODATA_ERR_INVALID;
    if (x == 0) {
        odata__dec_zero(d);
        return ODATA_OK;
    }
    nd = shortest_digits(x, digits, &exp10);
    memset(d, 0, sizeof(*d));
    d->negative = x < 0;
    d->exponent = exp10;
    d->ndigits = (unsigned char)nd;
    memcpy(d->digits, digits, nd);
    return ODATA_OK;
}

int odata__dec_cmp(const odata_decimal_t *a_in, const odata_decimal_t *b_in)
{
    odata_decimal_t a, b;
    int za, zb, sign, r = 0;
    long long ta, tb;

    dec_norm(a_in, &a);
    dec_norm(b_in, &b);
    za = odata__dec_is_zero(&a);
    zb = odata__dec_is_zero(&b);
    if (za || zb) {
        if (za && zb)
            return 0;
        if (za)
            return b.negative ? 1 : -1;
        return a.negative ? -1 : 1;
    }
    if (a.negative != b.negative)
        return a.negative ? -1 : 1;
    sign = a.negative ? -1 : 1;
    ta = (long long)a.ndigits + a.exponent;
    tb = (long long)b.ndigits + b.exponent;
    if (ta != tb)
        return ta < tb ? -sign : sign;
    for (int k = 0; r == 0 && (k < a.ndigits || k < b.ndigits); ++k) {
        char ca = k < a.ndigits ? a.digits[k] : '0', cb = k < b.ndigits ? b.digits[k] : '0';
        if (ca != cb)
            r = ca < cb ? -1 : 1;
    }
    return r * sign;
}

void odata__dec_negate(odata_decimal_t *d)
{
    if (!odata__dec_is_zero(d))
        d->negative = !d->negative;
}

odata_err_t odata__dec_add(const odata_decimal_t *a_in, const odata_decimal_t *b_in, int subtract, odata_decimal_t *out)
{
    odata_decimal_t a, b;
    big_t x, y, r;
    long long e;
    int negative;

    dec_norm(a_in, &a);
    dec_norm(b_in, &b);
    if (subtract)
        odata__dec_negate(&b);
    if (odata__dec_is_zero(&b)) {
        *out = a;
        return ODATA_OK;
    }
    if (odata__dec_is_zero(&a)) {
        *out = b;
        return ODATA_OK;
    }
    e = a.exponent < b.exponent ? a.exponent : b.exponent;
    /* both are non-zero with a non-zero last digit: a result this wide has too many digits */
    if (!big_from_dec(&x, &a, a.exponent - e) || !big_from_dec(&y, &b, b.exponent - e))
        return ODATA_ERR_TOO_LARGE;
    if (a.negative == b.negative) {
        if (!big_add(&x, &y, &r))
            return ODATA_ERR_TOO_LARGE;
        negative = a.negative;
    } else if (big_cmp(&x, &y) >= 0) {
        big_sub(&x, &y, &r);
        negative = a.negative;
    } else {
        big_sub(&y, &x, &r);
        negative = b.negative;
    }
    return dec_from_big(negative, &r, e, out);
}

odata_err_t odata__dec_mul(const odata_decimal_t *a_in, const odata_decimal_t *b_in, odata_decimal_t *out)
{
    odata_decimal_t a, b;
    big_t x, y, r;

    dec_norm(a_in, &a);
    dec_norm(b_in, &b);
    if (odata__dec_is_zero(&a) || odata__dec_is_zero(&b)) {
        odata__dec_zero(out);
        return ODATA_OK;
    }
    big_from_dec(&x, &a, 0);
    big_from_dec(&y, &b, 0);
    if (!big_mul(&x, &y, &r))
        return ODATA_ERR_TOO_LARGE;
    return dec_from_big(a.negative != b.negative, &r, (long long)a.exponent + b.exponent, out);
}

odata_err_t odata__dec_div(const odata_decimal_t *a_in, const odata_decimal_t *b_in, odata_decimal_t *out)
{
    odata_decimal_t a, b;
    big_t x, y, q, r, half, dropped;
    long long s, drop = 0;
    int up = 0;

    dec_norm(a_in, &a);
    dec_norm(b_in, &b);
    if (odata__dec_is_zero(&b))
        return ODATA_ERR_INVALID;
    if (odata__dec_is_zero(&a)) {
        odata__dec_zero(out);
        return ODATA_OK;
    }
    /* scale the dividend so that the integer quotient has more digits than are kept */
    s = (long long)ODATA__DIV_DIGITS + 2 + b.ndigits - a.ndigits;
    if (s < 0)
        s = 0;
    big_from_dec(&x, &a, s);
    big_from_dec(&y, &b, 0);
    big_divmod(&x, &y, &q, &r);
    if (q.n > ODATA__DIV_DIGITS) {
        drop = q.n - ODATA__DIV_DIGITS;
        /* the digits dropped, compared with one half of a unit in the last place kept */
        dropped.n = (int)drop;
        memcpy(dropped.d, q.d, (size_t)drop);
        big_trim(&dropped);
        half.n = (int)drop;
        memset(half.d, 0, (size_t)drop);
        half.d[drop - 1] = 5;
        {
            int c = big_cmp(&dropped, &half);
            if (c > 0 || (c == 0 && r.n > 0))
                up = 1;
            else if (c == 0)
                up = q.d[drop] % 2 == 1; /* a tie: to even */
        }
        memmove(q.d, q.d + drop, (size_t)(q.n - drop));
        q.n -= (int)drop;
        if (up) {
            big_t one = {1, {1}};
            big_add(&q, &one, &q);
        }
    }
    return dec_from_big(a.negative != b.negative, &q, (long long)a.exponent - b.exponent - s + drop, out);
}

odata_err_t odata__dec_mod(const odata_decimal_t *a_in, const odata_decimal_t *b_in, odata_decimal_t *out)
{
    odata_decimal_t a, b;
    big_t x, y, q, r;
    long long e;

    dec_norm(a_in, &a);
    dec_norm(b_in, &b);
    if (odata__dec_is_zero(&b))
        return ODATA_ERR_INVALID;
    if (odata__dec_is_zero(&a)) {
        odata__dec_zero(out);
        return ODATA_OK;
    }
    {
        /* |a| < |b|: the remainder is a */
        odata_decimal_t ma = a, mb = b;
        ma.negative = mb.negative = 0;
        if (odata__dec_cmp(&ma, &mb) < 0) {
            *out = a;
            return ODATA_OK;
        }
    }
    e = a.exponent < b.exponent ? a.exponent : b.exponent;
    if (!big_from_dec(&x, &a, a.exponent - e) || !big_from_dec(&y, &b, b.exponent - e))
        return ODATA_ERR_TOO_LARGE;
    big_divmod(&x, &y, &q, &r);
    return dec_from_big(a.negative, &r, e, out);
}

odata_err_t odata__dec_round(const odata_decimal_t *a_in, int mode, odata_decimal_t *out)
{
    odata_decimal_t a;
    big_t x;
    long long nint;
    int up;

    dec_norm(a_in, &a);
    if (odata__dec_is_zero(&a) || a.exponent >= 0) {
        *out = a;
        return ODATA_OK;
    }
    /* a has a non-zero fraction: its last digit is not zero */
    nint = (long long)a.ndigits + a.exponent;
    if (mode == 0)
        up = nint >= 0 && a.digits[nint] >= '5';
    else
        up = (mode < 0) == (a.negative != 0);
    x.n = 0;
    for (long long k = 0; k < nint; ++k)
        x.d[x.n++] = (unsigned char)(a.digits[nint - 1 - k] - '0');
    big_trim(&x);
    if (up) {
        big_t one = {1, {1}};
        big_add(&x, &one, &x);
    }
    return dec_from_big(x.n > 0 && a.negative, &x, 0, out);
}

/* ---- dates and times ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
int64_t odata__days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void odata__civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int odata__days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return days[m - 1];
}

int64_t odata__floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Reads exactly n digits at s[*i]. */
static int read_digits(const char *s, size_t len, size_t *i, int n, int *v)
{
    *v = 0;
    for (int k = 0; k < n; ++k, ++*i) {
        if (*i >= len || !is_digit(s[*i]))
            return 0;
        *v = *v * 10 + (s[*i] - '0');
    }
    return 1;
}

static int expect(const char *s, size_t len, size_t *i, char c)
{
    if (*i >= len || s[*i] != c)
        return 0;
    ++*i;
    return 1;
}

/* -?digits('.'0+)? within the range of a signed 64-bit integer */
static odata_err_t parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0, first, end;
    int negative = 0;
    uint64_t u = 0;

    if (i < len && s[i] == '-') {
        negative = 1;
        ++i;
    }
    first = i;
    while (i < len && is_digit(s[i]))
        ++i;
    end = i;
    if (end == first)
        return ODATA_ERR_INVALID;
    if (i < len && s[i] == '.') {
        size_t zeros = ++i;
        while (i < len && s[i] == '0')
            ++i;
        if (i == zeros)
            return ODATA_ERR_INVALID;
    }
    if (i != len)
        return ODATA_ERR_INVALID;
    while (first + 1 < end && s[first] == '0')
        ++first;
    if (end - first > 19 ||
        (end - first == 19 && memcmp(s + first, negative ? "9223372036854775808" : "9223372036854775807", 19) > 0))
        return ODATA_ERR_INVALID;
    for (size_t k = first; k < end; ++k)
        u = u * 10 + (uint64_t)(s[k] - '0');
    *out = negative ? (int64_t)(0 - u) : (int64_t)u;
    return ODATA_OK;
}

odata_err_t odata_value_parse(odata_type_t type, const char *s, size_t len, odata_value_t *out)
{
    odata__num_t n;
    odata__instant_t t;
    odata_err_t result;

    memset(out, 0, sizeof(*out));
    out->type = ODATA_V_NULL;
    if (s == NULL || (len == 0 && type != ODATA_TYPE_STRING))
        return ODATA_OK;
    switch (type) {
    case ODATA_TYPE_STRING:
        out->type = ODATA_V_STRING;
        out->u.str.base = s;
        out->u.str.len = len;
        return ODATA_OK;
    case ODATA_TYPE_BOOLEAN:
        if (odata__word_is(s, len, "true") || odata__word_is(s, len, "false")) {
            out->type = ODATA_V_BOOLEAN;
            out->u.boolean = lower(s[0]) == 't';
            return ODATA_OK;
        }
        return ODATA_ERR_INVALID;
    case ODATA_TYPE_INT64:
        if ((result = parse_int64(s, len, &out->u.i64)) == ODATA_OK)
            out->type = ODATA_V_INT64;
        return result;
    case ODATA_TYPE_DECIMAL:
        if ((result = odata__num_parse(s, len, &n)) == ODATA_OK && (result = odata__dec_from_num(&n, &out->u.dec)) == ODATA_OK)
            out->type = ODATA_V_DECIMAL;
        return result;
    case ODATA_TYPE_DOUBLE:
        if (odata__word_is(s, len, "nan")) {
            out->u.dbl = NAN;
        } else if (odata__word_is(s, len, "inf") || odata__word_is(s, len, "infinity") || odata__word_is(s, len, "+inf") ||
                   odata__word_is(s, len, "+infinity")) {
            out->u.dbl = INFINITY;
        } else if (odata__word_is(s, len, "-inf") || odata__word_is(s, len, "-infinity")) {
            out->u.dbl = -INFINITY;
        } else if ((result = odata__num_parse(s, len, &n)) != ODATA_OK ||
                   (result = odata__double_from_num(&n, &out->u.dbl)) != ODATA_OK) {
            return result;
        }
        out->type = ODATA_V_DOUBLE;
        return ODATA_OK;
    case ODATA_TYPE_DATE:
        if (!odata__instant_parse(s, len, &t))
            return ODATA_ERR_INVALID;
        /* a date alone is taken as written; anything with a time of day gives its UTC date */
        out->type = ODATA_V_DATE;
        out->u.date = (int32_t)odata__floor_div(t.date_only ? t.local_ms : t.utc_ms, MS_PER_DAY);
        return ODATA_OK;
    case ODATA_TYPE_DATETIMEOFFSET:
        if (!odata__instant_parse(s, len, &t))
            return ODATA_ERR_INVALID;
        out->type = ODATA_V_DATETIMEOFFSET;
        out->u.dto.us = t.utc_ms * 1000;
        out->u.dto.offset_min = (int16_t)t.offset_min;
        return ODATA_OK;
    }
    return ODATA_ERR_INVALID;
}

/* ---- URL literals ---- */

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
    return is_digit(c) ? c - '0' : lower(c) - 'a' + 10;
}

int odata__scan_date(const char *s, size_t len, size_t *i, int32_t *days)
{
    size_t j = *i, start;
    int negative = 0, month, day;
    long long year = 0;

    if (j < len && s[j] == '-') {
        negative = 1;
        ++j;
    }
    start = j;
    while (j < len && is_digit(s[j])) {
        if (year < 100000)
            year = year * 10 + (s[j] - '0');
        ++j;
    }
    if (j - start < 4 || (j - start > 4 && s[start] == '0'))
        return ODATA__LIT_SYNTAX;
    if (!expect(s, len, &j, '-') || !read_digits(s, len, &j, 2, &month) || !expect(s, len, &j, '-') ||
        !read_digits(s, len, &j, 2, &day))
        return ODATA__LIT_SYNTAX;
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return ODATA__LIT_SYNTAX;
    *i = j;
    if (negative || year < 1 || year > 9999 || day > odata__days_in_month((int)year, month))
        return ODATA__LIT_RANGE;
    *days = (int32_t)odata__days_from_civil(year, month, day);
    return ODATA__LIT_OK;
}

int odata__scan_time(const char *s, size_t len, size_t *i, int64_t *us, int *subus)
{
    size_t j = *i;
    int h, m, sec = 0, leap = 0;
    int64_t frac = 0;

    if (subus != NULL)
        *subus = 0;
    if (!read_digits(s, len, &j, 2, &h) || h > 23 || !expect(s, len, &j, ':') || !read_digits(s, len, &j, 2, &m) || m > 59)
        return ODATA__LIT_SYNTAX;
    if (j < len && s[j] == ':') {
        ++j;
        if (!read_digits(s, len, &j, 2, &sec) || sec > 60)
            return ODATA__LIT_SYNTAX;
        leap = sec == 60;
        if (j < len && s[j] == '.') {
            size_t start = ++j;
            for (; j < len && is_digit(s[j]); ++j) {
                if (j - start < 6)
                    frac = frac * 10 + (s[j] - '0');
                else if (s[j] != '0' && subus != NULL)
                    *subus = 1;
            }
            if (j == start || j - start > 12)
                return ODATA__LIT_SYNTAX;
            for (size_t k = j - start; k < 6; ++k)
                frac *= 10;
        }
    }
    *i = j;
    if (leap)
        return ODATA__LIT_LEAP;
    *us = ((h * INT64_C(60) + m) * 60 + sec) * ODATA__US_PER_SEC + frac;
    return ODATA__LIT_OK;
}

int odata__scan_datetime(const char *s, size_t len, size_t *i, int need_offset, int64_t *us, int16_t *offset_min, int *subus)
{
    size_t j = *i;
    int32_t days;
    int64_t tod, utc;
    int r, offset = 0, range = 0;

    if ((r = odata__scan_date(s, len, &j, &days)) == ODATA__LIT_RANGE)
        range = 1;
    else if (r != ODATA__LIT_OK)
        return r;
    if (j >= len || (s[j] != 'T' && s[j] != 't'))
        return ODATA__LIT_SYNTAX;
    ++j;
    if ((r = odata__scan_time(s, len, &j, &tod, subus)) == ODATA__LIT_SYNTAX)
        return r;
    if (r == ODATA__LIT_LEAP)
        range = ODATA__LIT_LEAP;
    if (j < len && (s[j] == 'Z' || s[j] == 'z')) {
        ++j;
    } else if (j < len && (s[j] == '+' || s[j] == '-')) {
        size_t sign = j++;
        int oh, om;
        if (!read_digits(s, len, &j, 2, &oh) || oh > 23 || !expect(s, len, &j, ':') || !read_digits(s, len, &j, 2, &om) || om > 59)
            return ODATA__LIT_SYNTAX;
        offset = (s[sign] == '-' ? -1 : 1) * (oh * 60 + om);
    } else if (need_offset) {
        return ODATA__LIT_SYNTAX;
    }
    *i = j;
    if (range)
        return range == ODATA__LIT_LEAP ? ODATA__LIT_LEAP : ODATA__LIT_RANGE;
    utc = days * ODATA__US_PER_DAY + tod - offset * INT64_C(60000000);
    if (utc < ODATA__MIN_US || utc > ODATA__MAX_US)
        return ODATA__LIT_RANGE;
    *us = utc;
    *offset_min = (int16_t)offset;
    return ODATA__LIT_OK;
}

/* up to 15 digits at s[*j] (more is out of range); 0 when there is none */
static int scan_count(const char *s, size_t len, size_t *j, int64_t *v, int *range)
{
    size_t start = *j;
    *v = 0;
    for (; *j < len && is_digit(s[*j]); ++*j) {
        if (*j - start >= 15)
            *range = 1;
        else
            *v = *v * 10 + (s[*j] - '0');
    }
    return *j > start;
}

int odata__scan_duration(const char *s, size_t len, size_t *i, int64_t *us, int *subus)
{
    static const int64_t unit[] = {ODATA__US_PER_DAY, INT64_C(3600000000), INT64_C(60000000), ODATA__US_PER_SEC};
    size_t j = *i;
    int negative = 0, range = 0, any = 0, sub = 0, next = 1; /* next: the first unit still allowed (0 days ... 3 seconds) */
    int64_t total = 0;

    if (j < len && s[j] == '-') {
        negative = 1;
        ++j;
    }
    if (j >= len || (s[j] != 'P' && s[j] != 'p'))
        return ODATA__LIT_SYNTAX;
    ++j;
    if (j < len && is_digit(s[j])) {
        int64_t v;
        scan_count(s, len, &j, &v, &range);
        if (j >= len || (s[j] != 'D' && s[j] != 'd'))
            return ODATA__LIT_SYNTAX;
        ++j;
        if (v > INT64_MAX / unit[0])
            range = 1;
        else
            total = v * unit[0];
        any = 1;
    }
    if (j < len && (s[j] == 'T' || s[j] == 't')) {
        int in_t = 0;
        ++j;
        while (j < len && is_digit(s[j])) {
            int64_t v, frac = 0;
            int u;
            scan_count(s, len, &j, &v, &range);
            if (j < len && s[j] == '.') {
                size_t start = ++j;
                for (; j < len && is_digit(s[j]); ++j) {
                    if (j - start < 6)
                        frac = frac * 10 + (s[j] - '0');
                    else if (s[j] != '0')
                        sub = 1;
                }
                if (j == start)
                    return ODATA__LIT_SYNTAX;
                for (size_t k = j - start; k < 6; ++k)
                    frac *= 10;
                if (j >= len || (s[j] != 'S' && s[j] != 's'))
                    return ODATA__LIT_SYNTAX;
            }
            if (j >= len)
                return ODATA__LIT_SYNTAX;
            switch (lower(s[j])) {
            case 'h':
                u = 1;
                break;
            case 'm':
                u = 2;
                break;
            case 's':
                u = 3;
                break;
            default:
                return ODATA__LIT_SYNTAX;
            }
            if (u < next)
                return ODATA__LIT_SYNTAX;
            next = u + 1;
            ++j;
            if (v > (INT64_MAX - frac) / unit[u] || total > INT64_MAX - v * unit[u] - frac)
                range = 1;
            else
                total += v * unit[u] + frac;
            in_t = any = 1;
        }
        if (!in_t)
            return ODATA__LIT_SYNTAX;
    }
    if (!any)
        return ODATA__LIT_SYNTAX;
    *i = j;
    if (range)
        return ODATA__LIT_RANGE;
    if (subus != NULL)
        *subus = sub;
    /* a negative value finer than a microsecond lies between -total - 1 and -total */
    *us = negative ? -total - (sub ? 1 : 0) : total;
    return ODATA__LIT_OK;
}

int odata__scan_guid(const char *s, size_t len, size_t *i, unsigned char guid[16])
{
    static const int groups[] = {8, 4, 4, 4, 12};
    size_t j = *i;
    int nb = 0;

    for (int g = 0; g < 5; ++g) {
        if (g > 0 && !expect(s, len, &j, '-'))
            return ODATA__LIT_SYNTAX;
        for (int k = 0; k < groups[g]; k += 2, j += 2) {
            if (j + 1 >= len || !is_hex(s[j]) || !is_hex(s[j + 1]))
                return ODATA__LIT_SYNTAX;
            guid[nb++] = (unsigned char)(hex_value(s[j]) * 16 + hex_value(s[j + 1]));
        }
    }
    *i = j;
    return ODATA__LIT_OK;
}

/* ---- strings ---- */

int odata__utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        if ((unsigned char)s[i] < 0x80) {
            ++i;
            continue;
        }
        i += odata__utf8_next(s + i, len - i, &cp);
        if (cp < 0)
            return 0;
    }
    return 1;
}

int odata__str_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;
    while (i < alen && j < blen) {
        int32_t ca, cb;
        if (a[i] == b[j] && (unsigned char)a[i] < 0x80) {
            ++i;
            ++j;
            continue;
        }
        i += odata__utf8_next(a + i, alen - i, &ca);
        j += odata__utf8_next(b + j, blen - j, &cb);
        if (ca < 0)
            ca = 0xFFFD;
        if (cb < 0)
            cb = 0xFFFD;
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    if (i < alen)
        return 1;
    return j < blen ? -1 : 0;
}

/* ---- comparison ---- */

int odata__is_numeric(odata_vtype_t t)
{
    return t == ODATA_V_INT64 || t == ODATA_V_DECIMAL || t == ODATA_V_DOUBLE;
}

double odata__value_to_double(const odata_value_t *v)
{
    switch (v->type) {
    case ODATA_V_INT64:
        return (double)v->u.i64;
    case ODATA_V_DECIMAL:
        return odata__dec_to_double(&v->u.dec);
    default:
        return v->u.dbl;
    }
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

odata_err_t odata_value_compare(const odata_value_t *a, const odata_value_t *b, int *cmp)
{
    if (odata__is_numeric(a->type) && odata__is_numeric(b->type)) {
        if (a->type == ODATA_V_DOUBLE || b->type == ODATA_V_DOUBLE) {
            double x = odata__value_to_double(a), y = odata__value_to_double(b);
            /* a total order for sorting: NaN equals NaN and precedes every number */
            if (isnan(x) || isnan(y))
                *cmp = isnan(x) && isnan(y) ? 0 : isnan(x) ? -1 : 1;
            else
                *cmp = x < y ? -1 : x > y;
        } else if (a->type == ODATA_V_DECIMAL || b->type == ODATA_V_DECIMAL) {
            odata_decimal_t x, y;
            if (a->type == ODATA_V_INT64)
                odata__dec_from_i64(&x, a->u.i64);
            else
                x = a->u.dec;
            if (b->type == ODATA_V_INT64)
                odata__dec_from_i64(&y, b->u.i64);
            else
                y = b->u.dec;
            *cmp = odata__dec_cmp(&x, &y);
        } else {
            *cmp = cmp_i64(a->u.i64, b->u.i64);
        }
        return ODATA_OK;
    }
    if (a->type != b->type || a->type == ODATA_V_NULL)
        return ODATA_ERR_INVALID;
    switch (a->type) {
    case ODATA_V_BOOLEAN:
        *cmp = (a->u.boolean != 0) - (b->u.boolean != 0);
        break;
    case ODATA_V_STRING:
        *cmp = odata__str_cmp(a->u.str.base, a->u.str.len, b->u.str.base, b->u.str.len);
        break;
    case ODATA_V_DATE:
        *cmp = cmp_i64(a->u.date, b->u.date);
        break;
    case ODATA_V_DATETIMEOFFSET:
        *cmp = cmp_i64(a->u.dto.us, b->u.dto.us);
        break;
    case ODATA_V_TIMEOFDAY:
        *cmp = cmp_i64(a->u.tod_us, b->u.tod_us);
        break;
    case ODATA_V_DURATION:
        *cmp = cmp_i64(a->u.duration_us, b->u.duration_us);
        break;
    case ODATA_V_GUID: {
        int c = memcmp(a->u.guid, b->u.guid, 16);
        *cmp = c < 0 ? -1 : c > 0;
        break;
    }
    default:
        return ODATA_ERR_INVALID;
    }
    return ODATA_OK;
}

/* ---- text ---- */

const char *odata__vtype_name(odata_vtype_t t)
{
    switch (t) {
    case ODATA_V_NULL:
        return "null";
    case ODATA_V_BOOLEAN:
        return "Edm.Boolean";
    case ODATA_V_INT64:
        return "Edm.Int64";
    case ODATA_V_DECIMAL:
        return "Edm.Decimal";
    case ODATA_V_DOUBLE:
        return "Edm.Double";
    case ODATA_V_STRING:
        return "Edm.String";
    case ODATA_V_DATE:
        return "Edm.Date";
    case ODATA_V_DATETIMEOFFSET:
        return "Edm.DateTimeOffset";
    case ODATA_V_TIMEOFDAY:
        return "Edm.TimeOfDay";
    case ODATA_V_DURATION:
        return "Edm.Duration";
    case ODATA_V_GUID:
        return "Edm.Guid";
    }
    return "?";
}

odata_vtype_t odata__vtype_of(odata_type_t t)
{
    switch (t) {
    case ODATA_TYPE_STRING:
        return ODATA_V_STRING;
    case ODATA_TYPE_BOOLEAN:
        return ODATA_V_BOOLEAN;
    case ODATA_TYPE_INT64:
        return ODATA_V_INT64;
    case ODATA_TYPE_DECIMAL:
        return ODATA_V_DECIMAL;
    case ODATA_TYPE_DOUBLE:
        return ODATA_V_DOUBLE;
    case ODATA_TYPE_DATE:
        return ODATA_V_DATE;
    case ODATA_TYPE_DATETIMEOFFSET:
        return ODATA_V_DATETIMEOFFSET;
    }
    return ODATA_V_NULL;
}

static odata_err_t append_decimal(odata_buf_t *out, const odata_decimal_t *in, int literal)
{
    odata_decimal_t d;
    long long point;
    size_t start = out->len;
    odata_err_t r = ODATA_OK;

    dec_norm(in, &d);
    point = (long long)d.ndigits + d.exponent; /* digits before the decimal point */
    if (d.negative && !odata__dec_is_zero(&d))
        r = odata_buf_append(out, "-", 1);
    if (!r && point <= 0) {
        r = odata_buf_append(out, "0.", 2);
        for (long long k = 0; !r && k < -point; ++k)
            r = odata_buf_append(out, "0", 1);
        if (!r)
            r = odata_buf_append(out, d.digits, d.ndigits);
    } else if (!r && point < d.ndigits) {
        if (!(r = odata_buf_append(out, d.digits, (size_t)point)) && !(r = odata_buf_append(out, ".", 1)))
            r = odata_buf_append(out, d.digits + point, (size_t)(d.ndigits - point));
    } else if (!r) {
        r = odata_buf_append(out, d.digits, d.ndigits);
        for (long long k = d.ndigits; !r && k < point; ++k)
            r = odata_buf_append(out, "0", 1);
        /* an integral decimal literal keeps a fraction, so that it reads back as a decimal */
        if (!r && literal)
            r = odata_buf_append(out, ".0", 2);
    }
    if (r)
        odata__buf_truncate(out, start);
    return r;
}

/* As a URL literal: d[.ddd]e<exp>. As text: the form ECMAScript's Number.prototype.toString gives. */
static odata_err_t append_double(odata_buf_t *out, double x, int literal)
{
    char digits[32], buf[64];
    int exp10, n;
    size_t nd, k = 0;

    if (isnan(x))
        return odata_buf_appends(out, "NaN");
    if (isinf(x))
        return odata_buf_appends(out, x > 0 ? "INF" : "-INF");
    if (x == 0)
        return odata_buf_appends(out, literal ? "0e0" : "0");
    nd = shortest_digits(x, digits, &exp10);
    n = exp10 + (int)nd; /* x = 0.digits * 10^n */
    if (x < 0)
        buf[k++] = '-';
    if (literal || n > 21 || n <= -6) {
        buf[k++] = digits[0];
        if (nd > 1) {
            buf[k++] = '.';
            memcpy(buf + k, digits + 1, nd - 1);
            k += nd - 1;
        }
        snprintf(buf + k, sizeof(buf) - k, literal ? "e%d" : "e%+d", n - 1);
        return odata_buf_appends(out, buf);
    }
    if (n <= 0) {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int z = 0; z < -n; ++z)
            buf[k++] = '0';
        memcpy(buf + k, digits, nd);
        k += nd;
    } else if ((size_t)n >= nd) {
        memcpy(buf + k, digits, nd);
        k += nd;
        for (size_t z = nd; z < (size_t)n; ++z)
            buf[k++] = '0';
    } else {
        memcpy(buf + k, digits, (size_t)n);
        k += (size_t)n;
        buf[k++] = '.';
        memcpy(buf + k, digits + n, nd - (size_t)n);
        k += nd - (size_t)n;
    }
    return odata_buf_append(out, buf, k);
}

/* hh:mm:ss, then the fraction: `ms3` writes exactly three digits when it has no more, otherwise the
 * digits without trailing zeros, none when zero. */
static int put_time(char *p, int64_t tod_us, int ms3)
{
    int64_t frac = tod_us % ODATA__US_PER_SEC, secs = tod_us / ODATA__US_PER_SEC;
    int n = snprintf(p, 32, "%02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    if (ms3 && frac % 1000 == 0) {
        n += snprintf(p + n, 32, ".%03d", (int)(frac / 1000));
    } else if (frac != 0) {
        int digits = 6;
        while (frac % 10 == 0) {
            frac /= 10;
            --digits;
        }
        n += snprintf(p + n, 32, ".%0*d", digits, (int)frac);
    }
    return n;
}

static int put_date(char *p, size_t size, int64_t days)
{
    int y, m, d;
    odata__civil_from_days(days, &y, &m, &d);
    return snprintf(p, size, "%04d-%02d-%02d", y, m, d);
}

static odata_err_t append_duration(odata_buf_t *out, int64_t us, int literal)
{
    char buf[96];
    int n = 0;
    uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us, days, h, m, s, frac;

    frac = u % 1000000;
    s = u / 1000000;
    days = s / 86400;
    h = s / 3600 % 24;
    m = s / 60 % 60;
    s %= 60;
    if (literal)
        n += snprintf(buf + n, sizeof(buf) - n, "duration'");
    if (us < 0)
        buf[n++] = '-';
    buf[n++] = 'P';
    if (days != 0)
        n += snprintf(buf + n, sizeof(buf) - n, "%lluD", (unsigned long long)days);
    if (h != 0 || m != 0 || s != 0 || frac != 0 || days == 0) {
        buf[n++] = 'T';
        if (h != 0)
            n += snprintf(buf + n, sizeof(buf) - n, "%lluH", (unsigned long long)h);
        if (m != 0)
            n += snprintf(buf + n, sizeof(buf) - n, "%lluM", (unsigned long long)m);
        if (s != 0 || frac != 0 || (h == 0 && m == 0)) {
            n += snprintf(buf + n, sizeof(buf) - n, "%llu", (unsigned long long)s);
            if (frac != 0) {
                int digits = 6;
                while (frac % 10 == 0) {
                    frac /= 10;
                    --digits;
                }
                n += snprintf(buf + n, sizeof(buf) - n, ".%0*llu", digits, (unsigned long long)frac);
            }
            buf[n++] = 'S';
        }
    }
    if (literal)
        buf[n++] = '\'';
    return odata_buf_append(out, buf, (size_t)n);
}

static odata_err_t append_quoted(odata_buf_t *out, const char *s, size_t len)
{
    size_t start = out->len, run = 0;
    odata_err_t r = odata_buf_append(out, "'", 1);
    for (size_t i = 0; !r && i < len; ++i) {
        if (s[i] == '\'') {
            if (!(r = odata_buf_append(out, s + run, i + 1 - run)))
                r = odata_buf_append(out, "'", 1);
            run = i + 1;
        }
    }
    if (!r && !(r = odata_buf_append(out, s + run, len - run)))
        r = odata_buf_append(out, "'", 1);
    if (r)
        odata__buf_truncate(out, start);
    return r;
}

odata_err_t odata__value_append(odata_buf_t *out, const odata_value_t *v, int literal)
{
    char buf[80];
    int n = 0;

    switch (v->type) {
    case ODATA_V_NULL:
        return odata_buf_appends(out, "null");
    case ODATA_V_BOOLEAN:
        return odata_buf_appends(out, v->u.boolean ? "true" : "false");
    case ODATA_V_INT64:
        return odata_buf_appendf(out, "%lld", (long long)v->u.i64);
    case ODATA_V_DECIMAL:
        return append_decimal(out, &v->u.dec, literal);
    case ODATA_V_DOUBLE:
        return append_double(out, v->u.dbl, literal);
    case ODATA_V_STRING:
        if (literal)
            return append_quoted(out, v->u.str.base, v->u.str.len);
        return odata_buf_append(out, v->u.str.base, v->u.str.len);
    case ODATA_V_DATE:
        n = put_date(buf, sizeof(buf), v->u.date);
        break;
    case ODATA_V_DATETIMEOFFSET: {
        int64_t local = v->u.dto.us + v->u.dto.offset_min * INT64_C(60000000);
        int64_t days = odata__floor_div(local, ODATA__US_PER_DAY);
        int off = v->u.dto.offset_min;
        n = put_date(buf, sizeof(buf), days);
        buf[n++] = 'T';
        n += put_time(buf + n, local - days * ODATA__US_PER_DAY, !literal);
        if (off == 0)
            buf[n++] = 'Z';
        else
            n += snprintf(buf + n, sizeof(buf) - n, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
        break;
    }
    case ODATA_V_TIMEOFDAY:
        n = put_time(buf, v->u.tod_us, 0);
        break;
    case ODATA_V_DURATION:
        return append_duration(out, v->u.duration_us, literal);
    case ODATA_V_GUID: {
        static const char hex[] = "0123456789abcdef";
        for (int k = 0; k < 16; ++k) {
            if (k == 4 || k == 6 || k == 8 || k == 10)
                buf[n++] = '-';
            buf[n++] = hex[v->u.guid[k] >> 4];
            buf[n++] = hex[v->u.guid[k] & 15];
        }
        break;
    }
    }
    return odata_buf_append(out, buf, (size_t)n);
}
