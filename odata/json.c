/*
 * JSON output: strings (UTF-8 checked), typed entity values in the normal forms that $metadata promises,
 * the feed envelope, the service document and error bodies.
 */
#include <stdint.h>
#include <string.h>
#include "odata/internal.h"

#define MAX_EXPONENT 400
#define MIN_YEAR 1
#define MS_PER_DAY INT64_C(86400000)
/* 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in milliseconds since the epoch */
#define MIN_EPOCH_MS INT64_C(-62135596800000)
#define MAX_EPOCH_MS INT64_C(253402300799999)
/* .NET's DateTimeOffset (Power BI) refuses offsets beyond 14 hours */
#define MAX_OFFSET_MINUTES (14 * 60)

/* ---- UTF-8 and strings ---- */

size_t odata__utf8_next(const char *s, size_t len, int32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0], lo = 0x80, hi = 0xBF;
    size_t need;
    int32_t v;

    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    } else {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i <= need; ++i) {
        if (i >= len || u[i] < lo || u[i] > hi) {
            *cp = -1;
            return i;
        }
        v = (v << 6) | (u[i] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return need + 1;
}

odata_err_t odata_json_string(odata_buf_t *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = out->len, run = 0, i = 0;
    odata_err_t result;

    if (s == NULL) {
        s = "";
        len = 0;
    }
    if ((result = odata_buf_append(out, "\"", 1)))
        goto out;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        const char *rep;
        size_t replen, used = 1;

        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            int32_t cp;
            used = odata__utf8_next(s + i, len - i, &cp);
            if (cp >= 0 && cp != 0x2028 && cp != 0x2029) {
                i += used;
                continue;
            }
            if (cp < 0) {
                rep = ODATA__REPLACEMENT;
                replen = 3;
            } else {
                /* valid JSON, but not valid inside JavaScript string literals before ES2019 */
                rep = cp == 0x2028 ? "\\u2028" : "\\u2029";
                replen = 6;
            }
        } else {
            switch (c) {
            case '"':
                rep = "\\\"";
                break;
            case '\\':
                rep = "\\\\";
                break;
            case '\b':
                rep = "\\b";
                break;
            case '\f':
                rep = "\\f";
                break;
            case '\n':
                rep = "\\n";
                break;
            case '\r':
                rep = "\\r";
                break;
            case '\t':
                rep = "\\t";
                break;
            default:
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 0xF];
                esc[6] = '\0';
                rep = esc;
                break;
            }
            replen = strlen(rep);
        }
        if ((result = odata_buf_append(out, s + run, i - run)) || (result = odata_buf_append(out, rep, replen)))
            goto out;
        i += used;
        run = i;
    }
    if ((result = odata_buf_append(out, s + run, i - run)) || (result = odata_buf_append(out, "\"", 1)))
        goto out;

out:
    if (result)
        odata__buf_truncate(out, start);
    return result;
}

/* ---- numbers ---- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int lower(char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int odata__word_is(const char *s, size_t n, const char *w)
{
    if (strlen(w) != n)
        return 0;
    for (size_t k = 0; k < n; ++k)
        if (lower(s[k]) != w[k])
            return 0;
    return 1;
}

odata_err_t odata__num_parse(const char *s, size_t len, odata__num_t *n)
{
    size_t i = 0;
    long long exp = 0;

    memset(n, 0, sizeof(*n));
    if (i < len && (s[i] == '+' || s[i] == '-'))
        n->negative = s[i++] == '-';
    n->int_digits = s + i;
    while (i < len && is_digit(s[i]))
        ++i;
    n->nint = (size_t)(s + i - n->int_digits);
    n->frac_digits = s + i;
    if (i < len && s[i] == '.') {
        n->frac_digits = s + ++i;
        while (i < len && is_digit(s[i]))
            ++i;
        n->nfrac = (size_t)(s + i - n->frac_digits);
    }
    if (n->nint + n->nfrac == 0)
        return ODATA_ERR_INVALID;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        size_t start;
        if (++i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        start = i;
        for (; i < len && is_digit(s[i]); ++i) {
            exp = exp * 10 + (s[i] - '0');
            if (exp > MAX_EXPONENT)
                return ODATA_ERR_INVALID;
        }
        if (i == start)
            return ODATA_ERR_INVALID;
        if (eneg)
            exp = -exp;
    }
    if (i != len)
        return ODATA_ERR_INVALID;
    n->point = (long long)n->nint + exp;
    return ODATA_OK;
}

char odata__num_digit(const odata__num_t *n, size_t k)
{
    return k < n->nint ? n->int_digits[k] : n->frac_digits[k - n->nint];
}

void odata__num_span(const odata__num_t *n, size_t *first, size_t *end)
{
    size_t total = n->nint + n->nfrac;
    *first = 0;
    while (*first < total && odata__num_digit(n, *first) == '0')
        ++*first;
    *end = total;
    while (*end > *first && odata__num_digit(n, *end - 1) == '0')
        --*end;
}

int odata__num_exceeds_double(const odata__num_t *n, size_t first, size_t end)
{
    static const char limit[] = "17976931348623158079"; /* the leading digits of DBL_MAX + ulp/2 */
    long long magnitude = n->point - (long long)first;

    if (magnitude != 309)
        return magnitude > 309;
    for (size_t k = 0; k < sizeof(limit) - 1; ++k) {
        char d = first + k < end ? odata__num_digit(n, first + k) : '0';
        if (d != limit[k])
            return d > limit[k];
    }
    return 1;
}

static odata_err_t write_number(odata_buf_t *out, const char *s, size_t len, int is_double)
{
    size_t first, end, ndig, outlen;
    long long point;
    odata__num_t n;
    char *p;
    odata_err_t result;

    if ((result = odata__num_parse(s, len, &n)))
        return result;
    odata__num_span(&n, &first, &end);
    if (first == end)
        return odata_buf_append(out, "0", 1);
    if (is_double && odata__num_exceeds_double(&n, first, end))
        return ODATA_ERR_INVALID;
    ndig = end - first;
    point = n.point - (long long)first; /* position of the point relative to the first significant digit */

    if (point <= 0)
        outlen = 2 + (size_t)-point + ndig; /* 0.000ddd */
    else if (point < (long long)ndig)
        outlen = ndig + 1; /* dd.ddd */
    else
        outlen = (size_t)point; /* ddd000 */
    outlen += n.negative ? 1 : 0;
    if ((result = odata__buf_reserve(out, outlen)))
        return result;
    p = out->base + out->len;
    if (n.negative)
        *p++ = '-';
    if (point <= 0) {
        *p++ = '0';
        *p++ = '.';
        memset(p, '0', (size_t)-point);
        p += (size_t)-point;
    }
    for (size_t k = 0; k < ndig; ++k) {
        if (point > 0 && (long long)k == point)
            *p++ = '.';
        *p++ = odata__num_digit(&n, first + k);
    }
    if (point > (long long)ndig) {
        memset(p, '0', (size_t)(point - (long long)ndig));
        p += (size_t)(point - (long long)ndig);
    }
    out->len = (size_t)(p - out->base);
    *p = '\0';
    return ODATA_OK;
}

static odata_err_t write_double(odata_buf_t *out, const char *s, size_t len)
{
    if (odata__word_is(s, len, "nan"))
        return odata_buf_appends(out, "\"NaN\"");
    if (odata__word_is(s, len, "inf") || odata__word_is(s, len, "infinity") || odata__word_is(s, len, "+inf") ||
        odata__word_is(s, len, "+infinity"))
        return odata_buf_appends(out, "\"INF\"");
    if (odata__word_is(s, len, "-inf") || odata__word_is(s, len, "-infinity"))
        return odata_buf_appends(out, "\"-INF\"");
    return write_number(out, s, len, 1);
}

/* -?digits('.'0+)? within the range of a signed 64-bit integer */
static odata_err_t write_int64(odata_buf_t *out, const char *s, size_t len)
{
    size_t i = 0, first, end;
    int negative = 0;
    odata_err_t result = ODATA_OK;

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
    if (end - first == 1 && s[first] == '0')
        negative = 0;
    {
        size_t start = out->len;
        if ((negative && (result = odata_buf_append(out, "-", 1))) || (result = odata_buf_append(out, s + first, end - first)))
            odata__buf_truncate(out, start);
    }
    return result;
}

/* ---- dates and times ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
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

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return days[m - 1];
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

/* -?digits, in the range of years 1..9999 */
static int parse_epoch_ms(const char *s, size_t len, odata__instant_t *t)
{
    size_t i = 0;
    int negative = 0;
    int64_t v = 0;

    if (i < len && s[i] == '-') {
        negative = 1;
        ++i;
    }
    if (i == len)
        return 0;
    for (; i < len; ++i) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
        if (v > MAX_EPOCH_MS + 1)
            return 0;
    }
    if (negative)
        v = -v;
    if (v < MIN_EPOCH_MS || v > MAX_EPOCH_MS)
        return 0;
    t->utc_ms = t->local_ms = v;
    return 1;
}

/* YYYY-MM-DD[Thh:mm[:ss[.f+]][Z|(+|-)hh:mm]] */
static int parse_iso(const char *s, size_t len, odata__instant_t *t)
{
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, offset = 0;

    if (!read_digits(s, len, &i, 4, &y) || !expect(s, len, &i, '-') || !read_digits(s, len, &i, 2, &mo) ||
        !expect(s, len, &i, '-') || !read_digits(s, len, &i, 2, &d))
        return 0;
    if (y < MIN_YEAR || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return 0;
    if (i == len) {
        t->date_only = 1;
    } else {
        if (s[i] != 'T' && s[i] != 't')
            return 0;
        ++i;
        if (!read_digits(s, len, &i, 2, &h) || !expect(s, len, &i, ':') || !read_digits(s, len, &i, 2, &mi))
            return 0;
        if (i < len && s[i] == ':') {
            ++i;
            if (!read_digits(s, len, &i, 2, &sec))
                return 0;
            if (i < len && s[i] == '.') {
                size_t start = ++i;
                for (; i < len && is_digit(s[i]); ++i)
                    if (i - start < 3)
                        ms = ms * 10 + (s[i] - '0');
                if (i == start)
                    return 0;
                for (size_t k = i - start; k < 3; ++k)
                    ms *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 59)
            return 0;
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
            ++i;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            size_t start = i++;
            int oh, om;
            if (!read_digits(s, len, &i, 2, &oh) || !expect(s, len, &i, ':') || !read_digits(s, len, &i, 2, &om))
                return 0;
            if (om > 59 || oh * 60 + om > MAX_OFFSET_MINUTES)
                return 0;
            offset = (s[start] == '-' ? -1 : 1) * (oh * 60 + om);
            t->offset_min = offset;
            memcpy(t->offset, s + start, 6);
            t->offset[6] = '\0';
            t->has_offset = 1;
        }
        if (i != len)
            return 0;
    }
    t->local_ms = days_from_civil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + sec) * INT64_C(1000) + ms;
    t->utc_ms = t->local_ms - offset * INT64_C(60000);
    return t->utc_ms >= MIN_EPOCH_MS && t->utc_ms <= MAX_EPOCH_MS;
}

int odata__instant_parse(const char *s, size_t len, odata__instant_t *t)
{
    memset(t, 0, sizeof(*t));
    if (len != 0 && (is_digit(s[0]) || s[0] == '-') && parse_epoch_ms(s, len, t))
        return 1;
    memset(t, 0, sizeof(*t));
    return parse_iso(s, len, t);
}

/* Writes v as exactly n decimal digits (v >= 0, fits in n digits) and returns the end. */
static char *put_digits(char *p, int64_t v, int n)
{
    for (int k = n - 1; k >= 0; --k) {
        p[k] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/* Writes "YYYY-MM-DD" of the day that holds ms and returns the end. */
static char *put_date(char *p, int64_t ms, int64_t *ms_of_day)
{
    int64_t days = ms / MS_PER_DAY;
    int y, m, d;

    *ms_of_day = ms % MS_PER_DAY;
    if (*ms_of_day < 0) {
        *ms_of_day += MS_PER_DAY;
        --days;
    }
    civil_from_days(days, &y, &m, &d);
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    return put_digits(p, d, 2);
}

static odata_err_t write_date(odata_buf_t *out, const char *s, size_t len)
{
    odata__instant_t t;
    char text[sizeof("\"YYYY-MM-DD\"")], *p = text;
    int64_t ms_of_day;

    if (!odata__instant_parse(s, len, &t))
        return ODATA_ERR_INVALID;
    *p++ = '"';
    /* a date alone is taken as written; anything with a time of day gives its UTC date */
    p = put_date(p, t.date_only ? t.local_ms : t.utc_ms, &ms_of_day);
    *p++ = '"';
    return odata_buf_append(out, text, (size_t)(p - text));
}

static odata_err_t write_datetime(odata_buf_t *out, const char *s, size_t len)
{
    odata__instant_t t;
    char text[sizeof("\"YYYY-MM-DDTHH:MM:SS.sss+HH:MM\"")], *p = text;
    int64_t ms_of_day;

    if (!odata__instant_parse(s, len, &t))
        return ODATA_ERR_INVALID;
    /* with an offset the local time is written with that offset; without one, the UTC time with Z */
    *p++ = '"';
    p = put_date(p, t.local_ms, &ms_of_day);
    *p++ = 'T';
    p = put_digits(p, ms_of_day / 3600000, 2);
    *p++ = ':';
    p = put_digits(p, ms_of_day / 60000 % 60, 2);
    *p++ = ':';
    p = put_digits(p, ms_of_day / 1000 % 60, 2);
    *p++ = '.';
    p = put_digits(p, ms_of_day % 1000, 3);
    if (t.has_offset) {
        memcpy(p, t.offset, 6);
        p += 6;
    } else {
        *p++ = 'Z';
    }
    *p++ = '"';
    return odata_buf_append(out, text, (size_t)(p - text));
}

/* ---- typed values ---- */

odata_err_t odata_json_value(odata_buf_t *out, odata_type_t type, const char *s, size_t len)
{
    if (s == NULL || (len == 0 && type != ODATA_TYPE_STRING))
        return odata_buf_append(out, "null", 4);
    switch (type) {
    case ODATA_TYPE_STRING:
        return odata_json_string(out, s, len);
    case ODATA_TYPE_BOOLEAN:
        if (odata__word_is(s, len, "true"))
            return odata_buf_append(out, "true", 4);
        if (odata__word_is(s, len, "false"))
            return odata_buf_append(out, "false", 5);
        return ODATA_ERR_INVALID;
    case ODATA_TYPE_INT64:
        return write_int64(out, s, len);
    case ODATA_TYPE_DECIMAL:
        return write_number(out, s, len, 0);
    case ODATA_TYPE_DOUBLE:
        return write_double(out, s, len);
    case ODATA_TYPE_DATE:
        return write_date(out, s, len);
    case ODATA_TYPE_DATETIMEOFFSET:
        return write_datetime(out, s, len);
    }
    return ODATA_ERR_INVALID;
}

/* ---- documents ---- */

static odata_err_t append_cstring(odata_buf_t *out, const char *s)
{
    return odata_json_string(out, s, s != NULL ? strlen(s) : 0);
}

odata_err_t odata_service_document(const odata_model_t *m, const char *metadata_url, odata_buf_t *out)
{
    size_t start = out->len;
    odata_err_t result;

    if (m == NULL)
        return ODATA_ERR_INVALID;
    if ((result = odata_buf_appends(out, "{\"@odata.context\":")) || (result = append_cstring(out, metadata_url)) ||
        (result = odata_buf_appends(out, ",\"value\":[")))
        goto out;
    for (size_t i = 0; i < m->nsets; ++i) {
        const char *name = m->sets[i].name;
        if ((result = odata_buf_appends(out, i == 0 ? "{\"name\":" : ",{\"name\":")) || (result = append_cstring(out, name)) ||
            (result = odata_buf_appends(out, ",\"kind\":\"EntitySet\",\"url\":")) || (result = append_cstring(out, name)) ||
            (result = odata_buf_append(out, "}", 1)))
            goto out;
    }
    result = odata_buf_append(out, "]}", 2);

out:
    if (result)
        odata__buf_truncate(out, start);
    return result;
}

odata_err_t odata_error_json(odata_buf_t *out, const char *code, const char *message, const char *target)
{
    size_t start = out->len;
    odata_err_t result;

    if ((result = odata_buf_appends(out, "{\"error\":{\"code\":")) || (result = append_cstring(out, code)) ||
        (result = odata_buf_appends(out, ",\"message\":")) || (result = append_cstring(out, message)))
        goto out;
    if (target != NULL && ((result = odata_buf_appends(out, ",\"target\":")) || (result = append_cstring(out, target))))
        goto out;
    result = odata_buf_append(out, "}}", 2);

out:
    if (result)
        odata__buf_truncate(out, start);
    return result;
}

/* ---- feed envelope ---- */

odata_err_t odata_feed_begin(odata_buf_t *out, const char *context_url)
{
    return odata_feed_begin_count(out, context_url, -1);
}

odata_err_t odata_feed_begin_count(odata_buf_t *out, const char *context_url, int64_t count)
{
    size_t start = out->len;
    odata_err_t result;

    if ((result = odata_buf_appends(out, "{\"@odata.context\":")) || (result = append_cstring(out, context_url)) ||
        (count >= 0 && (result = odata_buf_appendf(out, ",\"@odata.count\":%lld", (long long)count))) ||
        (result = odata_buf_appends(out, ",\"value\":[")))
        odata__buf_truncate(out, start);
    return result;
}

odata_err_t odata_feed_end(odata_buf_t *out, const char *next_link)
{
    size_t start = out->len;
    odata_err_t result;

    if ((result = odata_buf_append(out, "]", 1)))
        goto out;
    if (next_link != NULL &&
        ((result = odata_buf_appends(out, ",\"@odata.nextLink\":")) || (result = append_cstring(out, next_link))))
        goto out;
    result = odata_buf_append(out, "}", 1);

out:
    if (result)
        odata__buf_truncate(out, start);
    return result;
}
