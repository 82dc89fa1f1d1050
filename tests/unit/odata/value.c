/*
 * Tests odata/value.c: odata_value_parse agrees with odata_json_value on every text (hand-picked and
 * random), exact decimal arithmetic (against 128-bit integers), comparison, the URL literal scanners and
 * the text forms.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odata/query_internal.h"
#include "tests/unit/test.h"

/* ---- agreement with odata_json_value ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The decimal as odata_json_value writes numbers: plain, no exponent, no trailing fractional zeros. */
static void decimal_text(const odata_decimal_t *d, char *out)
{
    int point = d->ndigits + d->exponent, n = 0;
    if (d->negative)
        out[n++] = '-';
    if (point <= 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int k = 0; k < -point; ++k)
            out[n++] = '0';
        memcpy(out + n, d->digits, d->ndigits);
        n += d->ndigits;
    } else {
        for (int k = 0; k < point || k < d->ndigits; ++k) {
            if (k == point)
                out[n++] = '.';
            out[n++] = k < d->ndigits ? d->digits[k] : '0';
        }
    }
    out[n] = '\0';
}

/* 1 when the parsed value is what the JSON text says */
static int same_as_json(odata_type_t type, const odata_value_t *v, const char *json)
{
    char buf[4096];
    switch (type) {
    case ODATA_TYPE_STRING:
        return 1;
    case ODATA_TYPE_BOOLEAN:
        return v->type == ODATA_V_BOOLEAN && strcmp(json, v->u.boolean ? "true" : "false") == 0;
    case ODATA_TYPE_INT64:
        snprintf(buf, sizeof(buf), "%lld", (long long)v->u.i64);
        return v->type == ODATA_V_INT64 && strcmp(buf, json) == 0;
    case ODATA_TYPE_DECIMAL:
        if (v->type != ODATA_V_DECIMAL || strlen(json) > 3000)
            return 0;
        decimal_text(&v->u.dec, buf);
        return strcmp(buf, json) == 0;
    case ODATA_TYPE_DOUBLE:
        if (v->type != ODATA_V_DOUBLE)
            return 0;
        if (strcmp(json, "\"NaN\"") == 0)
            return isnan(v->u.dbl);
        if (strcmp(json, "\"INF\"") == 0 || strcmp(json, "\"-INF\"") == 0)
            return isinf(v->u.dbl) && (v->u.dbl < 0) == (json[1] == '-');
        return strtod(json, NULL) == v->u.dbl;
    case ODATA_TYPE_DATE: {
        int y, m, d;
        return v->type == ODATA_V_DATE && sscanf(json, "\"%d-%d-%d\"", &y, &m, &d) == 3 && days_from_civil(y, m, d) == v->u.date;
    }
    case ODATA_TYPE_DATETIMEOFFSET: {
        int y, mo, d, h, mi, s, ms, oh = 0, om = 0;
        char z;
        int64_t local, off;
        if (v->type != ODATA_V_DATETIMEOFFSET || sscanf(json, "\"%d-%d-%dT%d:%d:%d.%d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z) != 8)
            return 0;
        if (z != 'Z' && sscanf(strchr(json + 20, z) + 1, "%d:%d", &oh, &om) != 2)
            return 0;
        off = (z == '-' ? -1 : 1) * (oh * 60 + om);
        local = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * INT64_C(1000) + ms;
        return v->u.dto.offset_min == (z == 'Z' ? 0 : off) && v->u.dto.us == (local - off * 60000) * 1000;
    }
    }
    return 0;
}

/* 1 when odata_value_parse and odata_json_value agree on s (a decimal past 40 digits may only be refused) */
static int agrees(odata_type_t type, const char *s, size_t len)
{
    odata_buf_t b;
    odata_value_t v;
    odata_err_t rp, rj;
    int good;

    odata_buf_init(&b, 1 << 16);
    rp = odata_value_parse(type, s, len, &v);
    rj = odata_json_value(&b, type, s, len);
    if (rj != ODATA_OK)
        good = rp != ODATA_OK;
    else if (b.len == 4 && memcmp(b.base, "null", 4) == 0)
        good = rp == ODATA_OK && v.type == ODATA_V_NULL;
    else if (rp == ODATA_ERR_TOO_LARGE)
        good = type == ODATA_TYPE_DECIMAL;
    else
        good = rp == ODATA_OK && same_as_json(type, &v, b.base);
    odata_buf_dispose(&b);
    return good;
}

static void test_agreement_cases(void)
{
    static const struct {
        odata_type_t type;
        const char *text;
    } cases[] = {
        {ODATA_TYPE_BOOLEAN, "true"},
        {ODATA_TYPE_BOOLEAN, "FALSE"},
        {ODATA_TYPE_BOOLEAN, "tRuE"},
        {ODATA_TYPE_BOOLEAN, "yes"},
        {ODATA_TYPE_BOOLEAN, "1"},
        {ODATA_TYPE_BOOLEAN, ""},
        {ODATA_TYPE_INT64, "0"},
        {ODATA_TYPE_INT64, "-0"},
        {ODATA_TYPE_INT64, "007"},
        {ODATA_TYPE_INT64, "12.0"},
        {ODATA_TYPE_INT64, "12.00"},
        {ODATA_TYPE_INT64, "12."},
        {ODATA_TYPE_INT64, "12.5"},
        {ODATA_TYPE_INT64, "+1"},
        {ODATA_TYPE_INT64, "9223372036854775807"},
        {ODATA_TYPE_INT64, "9223372036854775808"},
        {ODATA_TYPE_INT64, "-9223372036854775808"},
        {ODATA_TYPE_INT64, "-9223372036854775809"},
        {ODATA_TYPE_INT64, "00000000000000000000009223372036854775807"},
        {ODATA_TYPE_INT64, "1e3"},
        {ODATA_TYPE_INT64, " 1"},
        {ODATA_TYPE_DECIMAL, "0"},
        {ODATA_TYPE_DECIMAL, "-0"},
        {ODATA_TYPE_DECIMAL, "-0.000"},
        {ODATA_TYPE_DECIMAL, "12.50"},
        {ODATA_TYPE_DECIMAL, "1.5e3"},
        {ODATA_TYPE_DECIMAL, "-.5"},
        {ODATA_TYPE_DECIMAL, "+7"},
        {ODATA_TYPE_DECIMAL, "1E-2"},
        {ODATA_TYPE_DECIMAL, "5."},
        {ODATA_TYPE_DECIMAL, "."},
        {ODATA_TYPE_DECIMAL, "1e400"},
        {ODATA_TYPE_DECIMAL, "1e401"},
        {ODATA_TYPE_DECIMAL, "1e-400"},
        {ODATA_TYPE_DECIMAL, "0.1234567890123456789012345678901234567890"},
        {ODATA_TYPE_DECIMAL, "0.12345678901234567890123456789012345678901"},
        {ODATA_TYPE_DECIMAL, "1000000000000000000000000000000000000000000000000000000000000"},
        {ODATA_TYPE_DECIMAL, "NaN"},
        {ODATA_TYPE_DECIMAL, "1,5"},
        {ODATA_TYPE_DOUBLE, "0.1"},
        {ODATA_TYPE_DOUBLE, "-0"},
        {ODATA_TYPE_DOUBLE, "NaN"},
        {ODATA_TYPE_DOUBLE, "nan"},
        {ODATA_TYPE_DOUBLE, "INF"},
        {ODATA_TYPE_DOUBLE, "+Infinity"},
        {ODATA_TYPE_DOUBLE, "-inf"},
        {ODATA_TYPE_DOUBLE, "-INFINITY"},
        {ODATA_TYPE_DOUBLE, "infinit"},
        {ODATA_TYPE_DOUBLE, "1.7976931348623157e308"},
        {ODATA_TYPE_DOUBLE, "1.7976931348623158e308"},
        {ODATA_TYPE_DOUBLE, "1.797693134862315807e308"},
        {ODATA_TYPE_DOUBLE, "1.7976931348623158079e308"},
        {ODATA_TYPE_DOUBLE, "1.79769313486231580793e308"},
        {ODATA_TYPE_DOUBLE, "1.8e308"},
        {ODATA_TYPE_DOUBLE, "4.9e-324"},
        {ODATA_TYPE_DOUBLE, "2.4703282292062327e-324"},
        {ODATA_TYPE_DOUBLE, "2.4703282292062328e-324"},
        {ODATA_TYPE_DOUBLE, "9007199254740993"},
        {ODATA_TYPE_DOUBLE, "9007199254740993.0000000000000000000000000000000000000000000000000000000000000000000000001"},
        {ODATA_TYPE_DATE, "2024-01-02"},
        {ODATA_TYPE_DATE, "2024-02-30"},
        {ODATA_TYPE_DATE, "2024-01-02T23:30:00-02:00"},
        {ODATA_TYPE_DATE, "2024-01-02T01:30:00+02:00"},
        {ODATA_TYPE_DATE, "1704067200000"},
        {ODATA_TYPE_DATE, "-1"},
        {ODATA_TYPE_DATE, "0001-01-01"},
        {ODATA_TYPE_DATE, "0000-12-31"},
        {ODATA_TYPE_DATE, "9999-12-31"},
        {ODATA_TYPE_DATE, "-62135596800000"},
        {ODATA_TYPE_DATE, "-62135596800001"},
        {ODATA_TYPE_DATE, "253402300799999"},
        {ODATA_TYPE_DATE, "253402300800000"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04:05Z"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04:05.123456Z"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04:05.1+14:00"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04:05.1+14:01"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04:05-05:30"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02t03:04:05z"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T24:00:00Z"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04:05."},
        {ODATA_TYPE_DATETIMEOFFSET, "0001-01-01T00:30:00+01:00"},
        {ODATA_TYPE_DATETIMEOFFSET, "9999-12-31T23:30:00-01:00"},
        {ODATA_TYPE_DATETIMEOFFSET, "1704067200000"},
        {ODATA_TYPE_DATETIMEOFFSET, "-1"},
        {ODATA_TYPE_DATETIMEOFFSET, "-"},
        {ODATA_TYPE_DATETIMEOFFSET, "99999999999999999999999"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i)
        ok(agrees(cases[i].type, cases[i].text, strlen(cases[i].text)), "agrees with odata_json_value: %s '%s'",
           odata_type_name(cases[i].type), cases[i].text);
    ok(agrees(ODATA_TYPE_INT64, NULL, 0), "NULL is null");
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_agreement_random(void)
{
    static const struct {
        odata_type_t type;
        const char *alphabet;
        const char *seeds[6];
    } kinds[] = {
        {ODATA_TYPE_BOOLEAN, "trueFALS", {"true", "false", "TRUE"}},
        {ODATA_TYPE_INT64, "0123456789-.+e", {"9223372036854775807", "-9223372036854775808", "12.000"}},
        {ODATA_TYPE_DECIMAL, "0123456789-.+eE", {"1.5e3", "-0.001", "123456789012345678901234567890.1234567890"}},
        {ODATA_TYPE_DOUBLE, "0123456789-.+eEinfINFaNty", {"1.7976931348623158e308", "NaN", "-Infinity", "4.9e-324"}},
        {ODATA_TYPE_DATE, "0123456789-:T.Z+", {"2024-02-29", "2024-01-02T03:04:05Z", "1704067200000", "0001-01-01"}},
        {ODATA_TYPE_DATETIMEOFFSET, "0123456789-:T.Z+tz", {"2024-01-02T03:04:05.123+02:00", "9999-12-31T23:59:59Z", "-1000"}},
    };
    char s[64];
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); ++k) {
        size_t bad = 0, n = strlen(kinds[k].alphabet), total = 0;
        char first[64] = "";
        for (int round = 0; round < 60000; ++round) {
            size_t len;
            /* mutate a seed, or make a string of the alphabet */
            const char *seed = kinds[k].seeds[next_rand() % 6];
            if (seed != NULL && round % 2 == 0) {
                len = strlen(seed);
                memcpy(s, seed, len);
                for (int m = (int)(next_rand() % 3); m >= 0; --m) {
                    size_t at = len ? next_rand() % len : 0;
                    switch (next_rand() % 3) {
                    case 0:
                        s[at] = kinds[k].alphabet[next_rand() % n];
                        break;
                    case 1:
                        if (len < sizeof(s) - 1) {
                            memmove(s + at + 1, s + at, len - at);
                            s[at] = kinds[k].alphabet[next_rand() % n];
                            ++len;
                        }
                        break;
                    default:
                        if (len > 0) {
                            memmove(s + at, s + at + 1, len - at - 1);
                            --len;
                        }
                        break;
                    }
                }
            } else {
                len = next_rand() % 30;
                for (size_t i = 0; i < len; ++i)
                    s[i] = kinds[k].alphabet[next_rand() % n];
            }
            ++total;
            if (!agrees(kinds[k].type, s, len)) {
                if (bad++ == 0)
                    snprintf(first, sizeof(first), "%.*s", (int)len, s);
            }
        }
        ok(bad == 0, "agrees with odata_json_value on %zu random %s texts (%zu differ, first '%s')", total,
           odata_type_name(kinds[k].type), bad, first);
    }
}

/* ---- decimals ---- */

static void dec(odata_decimal_t *d, const char *s)
{
    odata__num_t n;
    if (odata__num_parse(s, strlen(s), &n) != ODATA_OK || odata__dec_from_num(&n, d) != ODATA_OK)
        memset(d, 0, sizeof(*d));
}

static const char *dec_text(const odata_decimal_t *d)
{
    static char buf[1024];
    odata_buf_t b;
    odata_value_t v;
    odata_buf_init(&b, sizeof(buf) - 1);
    v.type = ODATA_V_DECIMAL;
    v.u.dec = *d;
    if (odata__value_append(&b, &v, 0) != ODATA_OK)
        snprintf(buf, sizeof(buf), "(error)");
    else
        snprintf(buf, sizeof(buf), "%s", b.base);
    odata_buf_dispose(&b);
    return buf;
}

static void test_decimal_ops(void)
{
    static const struct {
        char op;
        const char *a, *b, *want; /* want NULL: refused */
    } cases[] = {
        {'+', "0.1", "0.2", "0.3"},
        {'+', "1e40", "1", NULL},
        {'+', "1e39", "1", "1000000000000000000000000000000000000001"},
        {'+', "9999999999999999999999999999999999999999", "1", "10000000000000000000000000000000000000000"},
        {'+', "1e100", "-1e100", "0"},
        {'+', "-1.5", "0.25", "-1.25"},
        {'+', "0", "-2", "-2"},
        {'-', "0.3", "0.1", "0.2"},
        {'-', "1", "1", "0"},
        {'-', "1e50", "1", NULL},
        {'-', "0", "0.5", "-0.5"},
        {'*', "1.1", "1.1", "1.21"},
        {'*', "-2", "0.5", "-1"},
        {'*', "0", "-5", "0"},
        {'*', "12345678901234567890", "98765432109876543210", "1219326311370217952237463801111263526900"},
        {'*', "123456789012345678901", "98765432109876543211", NULL},
        {'*', "1e20", "1e20", "10000000000000000000000000000000000000000"},
        {'/', "1", "3", "0.3333333333333333333333333333333333"},
        {'/', "2", "3", "0.6666666666666666666666666666666667"},
        {'/', "-2", "3", "-0.6666666666666666666666666666666667"},
        {'/', "1", "8", "0.125"},
        {'/', "10", "4", "2.5"},
        {'/', "1", "0", NULL},
        {'/', "0", "7", "0"},
        {'/', "5.5", "0.5", "11"},
        {'/', "1e-30", "3", "0.0000000000000000000000000000003333333333333333333333333333333333"},
        /* a tie at the 35th digit: to even */
        {'/', "12345678901234567890123456789012345", "10", "1234567890123456789012345678901234"},
        {'/', "12345678901234567890123456789012355", "10", "1234567890123456789012345678901236"},
        {'%', "7", "3", "1"},
        {'%', "-7", "3", "-1"},
        {'%', "7", "-3", "1"},
        {'%', "7.5", "2", "1.5"},
        {'%', "1", "0", NULL},
        {'%', "0.3", "0.1", "0"},
        {'%', "2", "5", "2"},
        {'r', "2.5", NULL, "3"},
        {'r', "-2.5", NULL, "-3"},
        {'r', "2.49", NULL, "2"},
        {'r', "0.5", NULL, "1"},
        {'r', "-0.4", NULL, "0"},
        {'r', "0.04", NULL, "0"},
        {'r', "99.5", NULL, "100"},
        {'r', "1e5", NULL, "100000"},
        {'f', "2.5", NULL, "2"},
        {'f', "-2.5", NULL, "-3"},
        {'f', "-0.1", NULL, "-1"},
        {'f', "0.9", NULL, "0"},
        {'c', "2.1", NULL, "3"},
        {'c', "-2.9", NULL, "-2"},
        {'c', "-0.9", NULL, "0"},
        {'c', "0.01", NULL, "1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        odata_decimal_t a, b, r;
        odata_err_t e;
        dec(&a, cases[i].a);
        if (cases[i].b)
            dec(&b, cases[i].b);
        switch (cases[i].op) {
        case '+':
            e = odata__dec_add(&a, &b, 0, &r);
            break;
        case '-':
            e = odata__dec_add(&a, &b, 1, &r);
            break;
        case '*':
            e = odata__dec_mul(&a, &b, &r);
            break;
        case '/':
            e = odata__dec_div(&a, &b, &r);
            break;
        case '%':
            e = odata__dec_mod(&a, &b, &r);
            break;
        default:
            e = odata__dec_round(&a, cases[i].op == 'r' ? 0 : cases[i].op == 'f' ? -1 : 1, &r);
            break;
        }
        if (cases[i].want == NULL)
            ok(e != ODATA_OK, "%s %c %s: refused", cases[i].a, cases[i].op, cases[i].b ? cases[i].b : "");
        else if (e != ODATA_OK)
            ok(0, "%s %c %s: computed", cases[i].a, cases[i].op, cases[i].b ? cases[i].b : "");
        else
            is_str(dec_text(&r), cases[i].want, "%s %c %s", cases[i].a, cases[i].op, cases[i].b ? cases[i].b : "");
    }
}

/* random decimals of up to 18 digits against exact 128-bit integer arithmetic on a common scale */
static void test_decimal_random(void)
{
    size_t bad = 0, total = 0;
    for (int round = 0; round < 20000; ++round) {
        char sa[64], sb[64], want[96];
        __int128 x, y, r;
        int64_t ia = (int64_t)(next_rand() % 1000000000000000000ULL) * (next_rand() % 2 ? 1 : -1);
        int64_t ib = (int64_t)(next_rand() % 1000000000ULL) * (next_rand() % 2 ? 1 : -1);
        int ea = (int)(next_rand() % 7), eb = (int)(next_rand() % 7), e = ea > eb ? ea : eb, op = (int)(next_rand() % 4);
        odata_decimal_t a, b, out;
        odata_err_t rc;
        /* a = ia * 10^-ea, b = ib * 10^-eb */
        snprintf(sa, sizeof(sa), "%lldE-%d", (long long)ia, ea);
        snprintf(sb, sizeof(sb), "%lldE-%d", (long long)ib, eb);
        dec(&a, sa);
        dec(&b, sb);
        x = ia;
        y = ib;
        for (int k = ea; k < e; ++k)
            x *= 10;
        for (int k = eb; k < e; ++k)
            y *= 10;
        switch (op) {
        case 0:
            r = x + y;
            rc = odata__dec_add(&a, &b, 0, &out);
            break;
        case 1:
            r = x - y;
            rc = odata__dec_add(&a, &b, 1, &out);
            break;
        case 2:
            r = (__int128)ia * ib;
            e = ea + eb;
            rc = odata__dec_mul(&a, &b, &out);
            break;
        default:
            if (y == 0)
                continue;
            r = x % y;
            rc = odata__dec_mod(&a, &b, &out);
            break;
        }
        {
            /* r * 10^-e as plain text */
            char digits[64];
            int n = 0, neg = r < 0, w = 0;
            unsigned __int128 u = neg ? (unsigned __int128)(-r) : (unsigned __int128)r;
            do {
                digits[n++] = (char)('0' + (int)(u % 10));
                u /= 10;
            } while (u != 0);
            while (n <= e)
                digits[n++] = '0';
            if (neg && !(n == 1 && digits[0] == '0'))
                want[w++] = '-';
            for (int k = n - 1; k >= 0; --k) {
                want[w++] = digits[k];
                if (k == e && e > 0)
                    want[w++] = '.';
            }
            want[w] = '\0';
            if (strchr(want, '.') != NULL) {
                while (want[w - 1] == '0')
                    want[--w] = '\0';
                if (want[w - 1] == '.')
                    want[--w] = '\0';
            }
            if (strcmp(want, "-0") == 0)
                strcpy(want, "0");
        }
        ++total;
        if (rc != ODATA_OK || strcmp(dec_text(&out), want) != 0) {
            if (bad++ < 3)
                printf("# %s %c %s = %s, want %s\n", sa, "+-*%"[op], sb, rc == ODATA_OK ? dec_text(&out) : "(error)", want);
        }
    }
    ok(bad == 0, "%zu random decimal operations exact (%zu differ)", total, bad);
}

static void test_decimal_conversions(void)
{
    odata_decimal_t d;
    int64_t v;
    odata__dec_from_i64(&d, INT64_MIN);
    is_str(dec_text(&d), "-9223372036854775808", "from INT64_MIN");
    ok(odata__dec_to_i64(&d, &v) == ODATA_OK && v == INT64_MIN, "back to INT64_MIN");
    odata__dec_from_i64(&d, 1200);
    ok(d.ndigits == 2 && d.exponent == 2, "1200 is normalised to 12e2");
    dec(&d, "9223372036854775808");
    ok(odata__dec_to_i64(&d, &v) != ODATA_OK, "2^63 is not an Int64");
    dec(&d, "1.5");
    ok(odata__dec_to_i64(&d, &v) != ODATA_OK, "1.5 is not an Int64");
    ok(odata__dec_from_double(0.1, &d) == ODATA_OK, "0.1 from a double");
    is_str(dec_text(&d), "0.1", "... is the shortest decimal, 0.1");
    ok(odata__dec_from_double(1e300, &d) == ODATA_OK && d.ndigits == 1 && d.exponent == 300, "1e300 from a double");
    ok(odata__dec_from_double(NAN, &d) != ODATA_OK && odata__dec_from_double(INFINITY, &d) != ODATA_OK,
       "NaN and INF are no decimals");
    dec(&d, "0.1");
    ok(odata__dec_to_double(&d) == 0.1, "0.1 to a double");
    dec(&d, "123456789012345678901234567890123456789e-338");
    ok(odata__dec_to_double(&d) == 1.23456789012345678901234567890123456789e-300, "tiny decimal to a double");
}

/* ---- comparison ---- */

static odata_value_t val(odata_type_t t, const char *s)
{
    odata_value_t v;
    odata_value_parse(t, s, strlen(s), &v);
    return v;
}

static void test_compare(void)
{
    static const struct {
        odata_type_t ta;
        const char *a;
        odata_type_t tb;
        const char *b;
        int want; /* -1, 0, 1; 9 not comparable */
    } cases[] = {
        {ODATA_TYPE_INT64, "1", ODATA_TYPE_INT64, "2", -1},
        {ODATA_TYPE_INT64, "-9223372036854775808", ODATA_TYPE_INT64, "9223372036854775807", -1},
        {ODATA_TYPE_INT64, "5", ODATA_TYPE_DECIMAL, "5.000", 0},
        {ODATA_TYPE_INT64, "9223372036854775807", ODATA_TYPE_DECIMAL, "9223372036854775806.999", 1},
        {ODATA_TYPE_DECIMAL, "0.30", ODATA_TYPE_DECIMAL, "0.3", 0},
        {ODATA_TYPE_DECIMAL, "-1", ODATA_TYPE_DECIMAL, "0", -1},
        {ODATA_TYPE_DECIMAL, "-0", ODATA_TYPE_DECIMAL, "0", 0},
        {ODATA_TYPE_DECIMAL, "-2", ODATA_TYPE_DECIMAL, "-10", 1},
        {ODATA_TYPE_DECIMAL, "1e5", ODATA_TYPE_DECIMAL, "99999.99", 1},
        {ODATA_TYPE_DECIMAL, "0.1", ODATA_TYPE_DOUBLE, "0.1", 0},
        {ODATA_TYPE_INT64, "9007199254740993", ODATA_TYPE_DOUBLE, "9007199254740992", 0},
        {ODATA_TYPE_DOUBLE, "-INF", ODATA_TYPE_DOUBLE, "-1e308", -1},
        {ODATA_TYPE_DOUBLE, "NaN", ODATA_TYPE_DOUBLE, "NaN", 0},
        {ODATA_TYPE_DOUBLE, "NaN", ODATA_TYPE_DOUBLE, "-INF", -1},
        {ODATA_TYPE_DOUBLE, "-0", ODATA_TYPE_DOUBLE, "0", 0},
        {ODATA_TYPE_STRING, "a", ODATA_TYPE_STRING, "b", -1},
        {ODATA_TYPE_STRING, "B", ODATA_TYPE_STRING, "a", -1},
        {ODATA_TYPE_STRING, "ab", ODATA_TYPE_STRING, "a", 1},
        {ODATA_TYPE_STRING, "", ODATA_TYPE_STRING, "", 0},
        {ODATA_TYPE_STRING, "\xEF\xBD\xA1", ODATA_TYPE_STRING, "\xF0\x9F\x98\x80", -1}, /* U+FF61 < U+1F600 */
        {ODATA_TYPE_STRING, "\xFF", ODATA_TYPE_STRING, "\xEF\xBF\xBD", 0},              /* ill-formed reads as U+FFFD */
        {ODATA_TYPE_STRING, "\xC3", ODATA_TYPE_STRING, "\xFE", 0},
        {ODATA_TYPE_BOOLEAN, "false", ODATA_TYPE_BOOLEAN, "true", -1},
        {ODATA_TYPE_DATE, "2024-01-01", ODATA_TYPE_DATE, "2023-12-31", 1},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-01T02:00:00+02:00", ODATA_TYPE_DATETIMEOFFSET, "2024-01-01T00:00:00Z", 0},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-01T01:00:00+02:00", ODATA_TYPE_DATETIMEOFFSET, "2023-12-31T23:30:00Z", -1},
        {ODATA_TYPE_DATE, "2024-01-01", ODATA_TYPE_DATETIMEOFFSET, "2024-01-01T00:00:00Z", 9},
        {ODATA_TYPE_STRING, "1", ODATA_TYPE_INT64, "1", 9},
        {ODATA_TYPE_BOOLEAN, "true", ODATA_TYPE_INT64, "1", 9},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        odata_value_t a = val(cases[i].ta, cases[i].a), b = val(cases[i].tb, cases[i].b);
        int cmp = 42;
        odata_err_t r = odata_value_compare(&a, &b, &cmp);
        if (cases[i].want == 9)
            ok(r == ODATA_ERR_INVALID, "compare %s with %s: not comparable", cases[i].a, cases[i].b);
        else
            ok(r == ODATA_OK && cmp == cases[i].want, "compare %s with %s: %d (got %d)", cases[i].a, cases[i].b, cases[i].want,
               cmp);
    }
    {
        odata_value_t n, one = val(ODATA_TYPE_INT64, "1");
        int cmp;
        n.type = ODATA_V_NULL;
        ok(odata_value_compare(&n, &n, &cmp) == ODATA_ERR_INVALID, "null is not compared");
        ok(odata_value_compare(&one, &n, &cmp) == ODATA_ERR_INVALID, "nor with null");
    }
}

/* ---- scanners and text ---- */

static void test_scanners(void)
{
    size_t i;
    int64_t us;
    int16_t off;
    int subus;
    int32_t days;
    unsigned char g[16];

    i = 0;
    ok(odata__scan_duration("P1DT2H3M4.5S", 12, &i, &us, &subus) == ODATA__LIT_OK && i == 12 && us == INT64_C(93784500000) &&
           !subus,
       "duration P1DT2H3M4.5S");
    i = 0;
    ok(odata__scan_duration("-PT0.0000001S", 13, &i, &us, &subus) == ODATA__LIT_OK && us == -1 && subus,
       "negative sub-microsecond duration lies in (-1, 0)");
    i = 0;
    ok(odata__scan_duration("P106751991DT4H0M54.775807S", 26, &i, &us, &subus) == ODATA__LIT_OK && us == INT64_MAX,
       "the longest duration");
    i = 0;
    ok(odata__scan_duration("P106751991DT4H0M54.775808S", 26, &i, &us, &subus) == ODATA__LIT_RANGE, "one microsecond more");
    i = 0;
    ok(odata__scan_datetime("2024-01-02T03:04", 16, &i, 0, &us, &off, &subus) == ODATA__LIT_OK && off == 0,
       "datetime without an offset when allowed");
    i = 0;
    ok(odata__scan_datetime("2024-01-02T03:04", 16, &i, 1, &us, &off, &subus) == ODATA__LIT_SYNTAX, "but not when required");
    i = 0;
    ok(odata__scan_date("1970-01-01", 10, &i, &days) == ODATA__LIT_OK && days == 0, "epoch day");
    i = 0;
    ok(odata__scan_date("0001-01-01", 10, &i, &days) == ODATA__LIT_OK && days == ODATA__MIN_DAY, "first day");
    i = 0;
    ok(odata__scan_date("9999-12-31", 10, &i, &days) == ODATA__LIT_OK && days == ODATA__MAX_DAY, "last day");
    i = 0;
    ok(odata__scan_datetime("0001-01-01T00:00:00Z", 20, &i, 1, &us, &off, &subus) == ODATA__LIT_OK && us == ODATA__MIN_US,
       "first instant");
    i = 0;
    ok(odata__scan_datetime("9999-12-31T23:59:59.999999Z", 27, &i, 1, &us, &off, &subus) == ODATA__LIT_OK && us == ODATA__MAX_US,
       "last instant");
    i = 0;
    ok(odata__scan_guid("01234567-89AB-cdef-0123-456789abcdef", 36, &i, g) == ODATA__LIT_OK && g[0] == 0x01 && g[5] == 0xAB &&
           g[15] == 0xef,
       "guid");
}

static void test_text(void)
{
    static const struct {
        odata_type_t type;
        const char *in, *payload, *literal;
    } cases[] = {
        {ODATA_TYPE_STRING, "it's", "it's", "'it''s'"},
        {ODATA_TYPE_INT64, "-42", "-42", "-42"},
        {ODATA_TYPE_DECIMAL, "1.50", "1.5", "1.5"},
        {ODATA_TYPE_DECIMAL, "1e3", "1000", "1000.0"},
        {ODATA_TYPE_DECIMAL, "-1e-3", "-0.001", "-0.001"},
        {ODATA_TYPE_DOUBLE, "0.1", "0.1", "1e-1"},
        {ODATA_TYPE_DOUBLE, "1500", "1500", "1.5e3"},
        {ODATA_TYPE_DOUBLE, "1e21", "1e+21", "1e21"},
        {ODATA_TYPE_DOUBLE, "1e20", "100000000000000000000", "1e20"},
        {ODATA_TYPE_DOUBLE, "1e-7", "1e-7", "1e-7"},
        {ODATA_TYPE_DOUBLE, "0.000001", "0.000001", "1e-6"},
        {ODATA_TYPE_DOUBLE, "-2.5", "-2.5", "-2.5e0"},
        {ODATA_TYPE_DOUBLE, "0", "0", "0e0"},
        {ODATA_TYPE_DOUBLE, "-inf", "-INF", "-INF"},
        {ODATA_TYPE_DOUBLE, "nan", "NaN", "NaN"},
        {ODATA_TYPE_DOUBLE, "5e-324", "5e-324", "5e-324"},
        {ODATA_TYPE_DOUBLE, "1.7976931348623157e308", "1.7976931348623157e+308", "1.7976931348623157e308"},
        {ODATA_TYPE_BOOLEAN, "TRUE", "true", "true"},
        {ODATA_TYPE_DATE, "2024-01-02T23:00:00-02:00", "2024-01-03", "2024-01-03"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z", "2024-01-02T03:04:05Z"},
        {ODATA_TYPE_DATETIMEOFFSET, "2024-01-02T03:04:05.12-05:30", "2024-01-02T03:04:05.120-05:30",
         "2024-01-02T03:04:05.12-05:30"},
        {ODATA_TYPE_DATETIMEOFFSET, "0001-01-01T00:30:00+00:30", "0001-01-01T00:30:00.000+00:30", "0001-01-01T00:30:00+00:30"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        odata_value_t v = val(cases[i].type, cases[i].in);
        odata_buf_t b;
        odata_buf_init(&b, 1024);
        odata__value_append(&b, &v, 0);
        is_str(b.base, cases[i].payload, "text of %s '%s'", odata_type_name(cases[i].type), cases[i].in);
        odata_buf_reset(&b);
        odata__value_append(&b, &v, 1);
        is_str(b.base, cases[i].literal, "literal of %s '%s'", odata_type_name(cases[i].type), cases[i].in);
        odata_buf_dispose(&b);
    }
    {
        odata_value_t v;
        odata_buf_t b;
        odata_buf_init(&b, 1024);
        v.type = ODATA_V_DURATION;
        v.u.duration_us = -INT64_C(93784500001);
        odata__value_append(&b, &v, 0);
        is_str(b.base, "-P1DT2H3M4.500001S", "duration text");
        odata_buf_reset(&b);
        v.u.duration_us = 0;
        odata__value_append(&b, &v, 1);
        is_str(b.base, "duration'PT0S'", "zero duration literal");
        odata_buf_reset(&b);
        v.type = ODATA_V_TIMEOFDAY;
        v.u.tod_us = INT64_C(49500250000);
        odata__value_append(&b, &v, 0);
        is_str(b.base, "13:45:00.25", "time of day text");
        odata_buf_dispose(&b);
    }
    {
        odata_value_t v;
        ok(odata_value_parse(ODATA_TYPE_STRING, "", 0, &v) == ODATA_OK && v.type == ODATA_V_STRING && v.u.str.len == 0,
           "an empty string is a string");
        ok(odata_value_parse(ODATA_TYPE_DECIMAL, "", 0, &v) == ODATA_OK && v.type == ODATA_V_NULL, "an empty decimal is null");
        ok(odata_value_parse(ODATA_TYPE_DATE, NULL, 5, &v) == ODATA_OK && v.type == ODATA_V_NULL, "NULL is null");
        ok(odata_value_parse((odata_type_t)99, "x", 1, &v) == ODATA_ERR_INVALID, "unknown type");
        ok(odata_value_parse(ODATA_TYPE_DECIMAL, "1234567890123456789012345678901234567890.1", 42, &v) == ODATA_ERR_TOO_LARGE,
           "a decimal of 41 digits does not fit");
    }
}

int main(void)
{
    test_agreement_cases();
    test_agreement_random();
    test_decimal_ops();
    test_decimal_random();
    test_decimal_conversions();
    test_compare();
    test_scanners();
    test_text();
    return test_done();
}
