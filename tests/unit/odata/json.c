/* Tests odata/json.c: JSON strings, typed values, the feed envelope, the service document and error bodies. */
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>
#include "odata/odata.h"
#include "tests/unit/test.h"

#define FFFD "\xEF\xBF\xBD"

/* ---- strings ---- */

static void test_string_escaping(void)
{
    static const struct {
        const char *in;
        size_t len; /* 0: strlen(in) */
        const char *want;
        const char *what;
    } cases[] = {
        {"", 0, "\"\"", "empty"},
        {"abc", 0, "\"abc\"", "plain"},
        {"a\"b", 0, "\"a\\\"b\"", "quote"},
        {"a\\b", 0, "\"a\\\\b\"", "backslash"},
        {"http://x/y", 0, "\"http://x/y\"", "slash is not escaped"},
        {"\b\f\n\r\t", 0, "\"\\b\\f\\n\\r\\t\"", "short escapes"},
        {"\x01\x1f", 0, "\"\\u0001\\u001f\"", "other control characters"},
        {"a\0b", 3, "\"a\\u0000b\"", "NUL"},
        {"\x7f", 0, "\"\x7f\"", "DEL is kept"},
        {"\xE2\x80\xA8", 0, "\"\\u2028\"", "U+2028"},
        {"a\xE2\x80\xA9z", 0, "\"a\\u2029z\"", "U+2029"},
        {"caf\xC3\xA9", 0, "\"caf\xC3\xA9\"", "2-byte UTF-8 kept"},
        {"\xE2\x82\xAC", 0, "\"\xE2\x82\xAC\"", "3-byte UTF-8 kept"},
        {"\xF0\x9F\x98\x80", 0, "\"\xF0\x9F\x98\x80\"", "emoji kept"},
        {"\xEF\xBF\xBF", 0, "\"\xEF\xBF\xBF\"", "U+FFFF kept"},
        {"\xF4\x8F\xBF\xBF", 0, "\"\xF4\x8F\xBF\xBF\"", "U+10FFFF kept"},
        {"\xEE\x80\x80", 0, "\"\xEE\x80\x80\"", "U+E000 kept"},
        {"\xED\x9F\xBF", 0, "\"\xED\x9F\xBF\"", "U+D7FF kept"},
        {"\xFF", 0, "\"" FFFD "\"", "byte FF"},
        {"\x80", 0, "\"" FFFD "\"", "stray continuation byte"},
        {"a\xFF\x62", 0, "\"a" FFFD "b\"", "invalid byte between ASCII"},
        {"\xC3", 0, "\"" FFFD "\"", "truncated 2-byte sequence at the end"},
        {"\xC3(", 0, "\"" FFFD "(\"", "2-byte lead followed by ASCII"},
        {"\xC0\x80", 0, "\"" FFFD FFFD "\"", "overlong NUL"},
        {"\xC1\xBF", 0, "\"" FFFD FFFD "\"", "overlong 2-byte"},
        {"\xE0\x80\xAF", 0, "\"" FFFD FFFD FFFD "\"", "overlong 3-byte '/'"},
        {"\xF0\x80\x80\xAF", 0, "\"" FFFD FFFD FFFD FFFD "\"", "overlong 4-byte '/'"},
        {"\xED\xA0\x80", 0, "\"" FFFD FFFD FFFD "\"", "high surrogate U+D800 in UTF-8"},
        {"\xED\xBF\xBF", 0, "\"" FFFD FFFD FFFD "\"", "low surrogate U+DFFF in UTF-8"},
        {"\xED\xA0\xBD\xED\xB8\x80", 0, "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"", "surrogate pair (CESU-8)"},
        {"\xF4\x90\x80\x80", 0, "\"" FFFD FFFD FFFD FFFD "\"", "past U+10FFFF"},
        {"\xF5\x80\x80\x80", 0, "\"" FFFD FFFD FFFD FFFD "\"", "lead byte F5"},
        {"\xF0\x9F\x98", 0, "\"" FFFD "\"", "truncated emoji: one replacement"},
        {"\xF0\x9F\x98\x61", 0, "\"" FFFD "a\"", "truncated emoji then ASCII"},
        {"\xE2\x82\xE2\x82\xAC", 0, "\"" FFFD "\xE2\x82\xAC\"", "truncated sequence then a valid one"},
        {"\xF8\x88\x80\x80\x80", 0, "\"" FFFD FFFD FFFD FFFD FFFD "\"", "5-byte form"},
        {"\xFE\xFF", 0, "\"" FFFD FFFD "\"", "UTF-16 BOM bytes"},
    };
    odata_buf_t b;

    odata_buf_init(&b, 1024);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        size_t len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].in);
        odata_buf_reset(&b);
        ok(odata_json_string(&b, cases[i].in, len) == ODATA_OK, "json_string: %s", cases[i].what);
        ok(b.len == strlen(cases[i].want) && memcmp(b.base, cases[i].want, b.len) == 0, "json_string: %s: output", cases[i].what);
    }
    odata_buf_reset(&b);
    ok(odata_json_string(&b, NULL, 0) == ODATA_OK, "NULL with length 0");
    is_str(b.base, "\"\"", "is the empty string");
    odata_buf_dispose(&b);

    odata_buf_init(&b, 8);
    odata_buf_appends(&b, "[");
    ok(odata_json_string(&b, "a\"bcdef", 7) == ODATA_ERR_TOO_LARGE, "too large");
    is_str(b.base, "[", "a failed string leaves the buffer unchanged");
    ok(odata_json_string(&b, "a\xFF", 2) == ODATA_OK, "a string that fits exactly");
    is_str(b.base, "[\"a" FFFD "\"", "exact fit");
    odata_buf_dispose(&b);
}

/* Every output of json_string is valid JSON (checked by jansson); valid UTF-8 comes back unchanged. */
static void test_string_roundtrip(void)
{
    static const char alphabet[][5] = {
        "a",    "\"",           "\\",       "\n",       "\x01", "\x7f", "\xC3\xA9", "\xE2\x80\xA8", "\xF0\x9F\x98\x80", "\xFF",
        "\xC3", "\xED\xA0\x80", "\xE0\x80", "\xF4\x90", "\x80", "/",    "\0"};
    const size_t nalpha = sizeof(alphabet) / sizeof(alphabet[0]);
    uint32_t seed = 12345;
    int all_parse = 1, valid_same = 1;
    odata_buf_t b;

    odata_buf_init(&b, 4096);
    for (int round = 0; round < 3000; ++round) {
        char in[256];
        size_t len = 0;
        int valid = 1;
        json_t *j;
        json_error_t err;

        for (int k = (int)((seed = seed * 1103515245 + 12345) >> 16) % 20; k > 0; --k) {
            size_t pick = ((seed = seed * 1103515245 + 12345) >> 16) % nalpha;
            size_t plen = pick == nalpha - 1 ? 1 : strlen(alphabet[pick]);
            if (pick >= 9 && pick <= 14)
                valid = 0;
            memcpy(in + len, alphabet[pick], plen);
            len += plen;
        }
        odata_buf_reset(&b);
        odata_json_string(&b, in, len);
        j = json_loadb(b.base, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (j == NULL || !json_is_string(j)) {
            all_parse = 0;
            printf("# does not parse: %s (%s)\n", b.base, err.text);
        } else if (valid && (json_string_length(j) != len || memcmp(json_string_value(j), in, len) != 0)) {
            valid_same = 0;
        }
        json_decref(j);
    }
    ok(all_parse, "3000 random strings encode to valid JSON");
    ok(valid_same, "valid UTF-8 decodes back to the input");
    odata_buf_dispose(&b);
}

/* ---- typed values ---- */

typedef struct st_value_case_t {
    const char *in;
    const char *want; /* NULL: ODATA_ERR_INVALID */
} value_case_t;

/* the text of s with bytes outside printable ASCII as \xNN, for test names (static storage) */
static const char *printable(const char *s)
{
    static char out[4][1024];
    static int which;
    char *o = out[which = (which + 1) % 4];
    size_t n = 0;

    for (; *s != '\0' && n + 5 < sizeof(out[0]); ++s) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f)
            o[n++] = (char)c;
        else
            n += (size_t)snprintf(o + n, 5, "\\x%02X", c);
    }
    o[n] = '\0';
    return o;
}

static void check_values(odata_type_t type, const value_case_t *cases, size_t n)
{
    odata_buf_t b;

    for (size_t i = 0; i < n; ++i) {
        const char *in = printable(cases[i].in), *want = cases[i].want;
        odata_err_t result;

        odata_buf_init(&b, 4096);
        odata_buf_appends(&b, "[");
        result = odata_json_value(&b, type, cases[i].in, strlen(cases[i].in));
        if (want == NULL) {
            ok(result == ODATA_ERR_INVALID && strcmp(b.base, "[") == 0, "%s \"%s\" is invalid, buffer unchanged",
               odata_type_name(type), in);
        } else {
            ok(result == ODATA_OK, "%s \"%s\" is valid", odata_type_name(type), in);
            is_str(b.base + 1, want, "%s \"%s\" -> %s", odata_type_name(type), in, printable(want));
            /* one byte short of room: refused, and nothing written */
            odata_buf_dispose(&b);
            odata_buf_init(&b, strlen(want));
            odata_buf_appends(&b, "[");
            ok(odata_json_value(&b, type, cases[i].in, strlen(cases[i].in)) == ODATA_ERR_TOO_LARGE && strcmp(b.base, "[") == 0,
               "%s \"%s\" one byte short: TOO_LARGE, buffer unchanged", odata_type_name(type), in);
        }
        odata_buf_dispose(&b);
    }
}

#define CHECK_VALUES(type, cases) check_values(type, cases, sizeof(cases) / sizeof(cases[0]))

static void test_nulls(void)
{
    odata_buf_t b;

    odata_buf_init(&b, 64);
    for (int t = ODATA_TYPE_STRING; t <= ODATA_TYPE_DATETIMEOFFSET; ++t) {
        odata_buf_reset(&b);
        ok(odata_json_value(&b, (odata_type_t)t, NULL, 0) == ODATA_OK && strcmp(b.base, "null") == 0, "%s: NULL is null",
           odata_type_name((odata_type_t)t));
        odata_buf_reset(&b);
        ok(odata_json_value(&b, (odata_type_t)t, "", 0) == ODATA_OK &&
               strcmp(b.base, t == ODATA_TYPE_STRING ? "\"\"" : "null") == 0,
           "%s: \"\" is %s", odata_type_name((odata_type_t)t), t == ODATA_TYPE_STRING ? "\"\"" : "null");
    }
    odata_buf_reset(&b);
    ok(odata_json_value(&b, ODATA_TYPE_INT64, "123", 2) == ODATA_OK && strcmp(b.base, "12") == 0, "only len bytes are read");
    odata_buf_reset(&b);
    ok(odata_json_value(&b, ODATA_TYPE_INT64, "1\0", 2) == ODATA_ERR_INVALID && b.len == 0, "a NUL inside is invalid");
    ok(odata_json_value(&b, (odata_type_t)99, "1", 1) == ODATA_ERR_INVALID && b.len == 0, "unknown type is invalid");
    odata_buf_dispose(&b);
}

static void test_string_values(void)
{
    static const value_case_t cases[] = {
        {"abc", "\"abc\""},
        {" 1 ", "\" 1 \""},
        {"a\"b\n", "\"a\\\"b\\n\""},
        {"\xFF", "\"" FFFD "\""},
    };
    CHECK_VALUES(ODATA_TYPE_STRING, cases);
}

static void test_booleans(void)
{
    static const value_case_t cases[] = {
        {"true", "true"},   {"TRUE", "true"}, {"True", "true"}, {"false", "false"}, {"FALSE", "false"},
        {"fAlSe", "false"}, {"1", NULL},      {"0", NULL},      {"yes", NULL},      {"t", NULL},
        {"true ", NULL},    {" true", NULL},  {"truee", NULL},  {"tru", NULL},      {"null", NULL},
    };
    CHECK_VALUES(ODATA_TYPE_BOOLEAN, cases);
}

static void test_int64(void)
{
    static const value_case_t cases[] = {
        {"0", "0"},
        {"-0", "0"},
        {"42", "42"},
        {"-42", "-42"},
        {"007", "7"},
        {"-007", "-7"},
        {"000", "0"},
        {"12.0", "12"},
        {"12.000", "12"},
        {"-5.0", "-5"},
        {"9223372036854775807", "9223372036854775807"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"0009223372036854775807", "9223372036854775807"},
        {"9223372036854775808", NULL},
        {"-9223372036854775809", NULL},
        {"10000000000000000000", NULL},
        {"99999999999999999999999", NULL},
        {"12.5", NULL},
        {"12.01", NULL},
        {"12.", NULL},
        {".0", NULL},
        {"+7", NULL},
        {"1e3", NULL},
        {"1.0e0", NULL},
        {"12abc", NULL},
        {" 1", NULL},
        {"1 ", NULL},
        {"--1", NULL},
        {"-", NULL},
        {"0x10", NULL},
        {"1,000", NULL},
        {"true", NULL},
    };
    CHECK_VALUES(ODATA_TYPE_INT64, cases);
}

/* valid and invalid numbers shared by Decimal and Double */
static const value_case_t number_cases[] = {
    {"0", "0"},
    {"-0", "0"},
    {"+0", "0"},
    {"0.000", "0"},
    {"-0.0e-10", "0"},
    {"0e5", "0"},
    {"007", "7"},
    {"+7", "7"},
    {"-7", "-7"},
    {"1.5", "1.5"},
    {"12.50", "12.5"},
    {"12.0", "12"},
    {"100", "100"},
    {"-.5", "-0.5"},
    {".5", "0.5"},
    {"5.", "5"},
    {"000.000100", "0.0001"},
    {"1.5e3", "1500"},
    {"1.5E3", "1500"},
    {"1E-2", "0.01"},
    {"1e+2", "100"},
    {"1e0", "1"},
    {"-1.25e-3", "-0.00125"},
    {"123.456e1", "1234.56"},
    {"123.456e3", "123456"},
    {"123.456e-5", "0.00123456"},
    {"0.0001e4", "1"},
    {"100e-2", "1"},
    {"120e-1", "12"},
    {"1e00000000000000000000002", "100"},
    {"123456789012345678901234567890.123456789012345678901234567890",
     "123456789012345678901234567890.12345678901234567890123456789"},
    {"-99999999999999999999999", "-99999999999999999999999"},
    {"0.1", "0.1"},
    {"3.14159265358979323846264338327950288", "3.14159265358979323846264338327950288"},
    {"12abc", NULL},
    {"1e", NULL},
    {"1e+", NULL},
    {"1e-", NULL},
    {"--1", NULL},
    {"+-1", NULL},
    {" 1", NULL},
    {"1 ", NULL},
    {"\t1", NULL},
    {"0x1A", NULL},
    {"+", NULL},
    {"-", NULL},
    {".", NULL},
    {"-.", NULL},
    {"e5", NULL},
    {".e5", NULL},
    {"1.2.3", NULL},
    {"1e5.5", NULL},
    {"1,5", NULL},
    {"1_000", NULL},
    {"\xD9\xA1", NULL},
    {"1e401", NULL},
    {"1e-401", NULL},
    {"0e999", NULL},
    {"1e99999999999999999999", NULL},
    {"true", NULL},
};

static void test_decimal(void)
{
    static const value_case_t cases[] = {
        {"NaN", NULL},
        {"INF", NULL},
        {"-INF", NULL},
        {"Infinity", NULL},
    };
    odata_buf_t b;
    char want[512];

    CHECK_VALUES(ODATA_TYPE_DECIMAL, number_cases);
    CHECK_VALUES(ODATA_TYPE_DECIMAL, cases);

    /* the exponent limit: 400 zeros, but no more */
    odata_buf_init(&b, 1024);
    want[0] = '1';
    memset(want + 1, '0', 400);
    want[401] = '\0';
    ok(odata_json_value(&b, ODATA_TYPE_DECIMAL, "1e400", 5) == ODATA_OK, "1e400 is valid");
    is_str(b.base, want, "1e400 is 1 and 400 zeros");
    odata_buf_reset(&b);
    memcpy(want, "-0.", 3);
    memset(want + 3, '0', 399);
    memcpy(want + 402, "25", 3);
    ok(odata_json_value(&b, ODATA_TYPE_DECIMAL, "-2.5e-400", 9) == ODATA_OK, "-2.5e-400 is valid");
    is_str(b.base, want, "-2.5e-400 is written in full");
    odata_buf_dispose(&b);
}

static void test_double(void)
{
    static const value_case_t cases[] = {
        {"NaN", "\"NaN\""},
        {"nan", "\"NaN\""},
        {"INF", "\"INF\""},
        {"inf", "\"INF\""},
        {"+INF", "\"INF\""},
        {"Infinity", "\"INF\""},
        {"-INF", "\"-INF\""},
        {"-infinity", "\"-INF\""},
        {"-NaN", NULL},
        {"INFINITE", NULL},
        {"NaN ", NULL},
        {"1e308", "1"
                  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                  "00000000"},
        {"1e309", NULL},
        {"-1e309", NULL},
        {"1.8e308", NULL},
        {"17976931348623159e292", NULL},
        {"1e-320", "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                   "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                   "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                   "00000000000000000001"},
    };
    odata_buf_t b;

    CHECK_VALUES(ODATA_TYPE_DOUBLE, number_cases);
    CHECK_VALUES(ODATA_TYPE_DOUBLE, cases);

    odata_buf_init(&b, 1024);
    ok(odata_json_value(&b, ODATA_TYPE_DOUBLE, "1.7976931348623157e308", 22) == ODATA_OK, "DBL_MAX is valid");
    ok(b.len == 309 && strncmp(b.base, "17976931348623157000", 20) == 0, "DBL_MAX written in full");
    odata_buf_reset(&b);
    ok(odata_json_value(&b, ODATA_TYPE_DOUBLE, "-1.7976931348623157e308", 23) == ODATA_OK, "-DBL_MAX is valid");
    odata_buf_dispose(&b);
}

static const value_case_t date_invalid[] = {
    {"2023-02-29", NULL},
    {"1900-02-29", NULL},
    {"2024-13-01", NULL},
    {"2024-00-10", NULL},
    {"2024-01-00", NULL},
    {"2024-01-32", NULL},
    {"2024-04-31", NULL},
    {"2024-06-31", NULL},
    {"0000-01-01", NULL},
    {"24-01-15", NULL},
    {"2024-1-15", NULL},
    {"2024/01/15", NULL},
    {"+2024-01-15", NULL},
    {"2024-01-15T", NULL},
    {"2024-01-15Z", NULL},
    {"2024-01-15 10:20:30", NULL},
    {"2024-01-15T24:00:00Z", NULL},
    {"2024-01-15T10:60", NULL},
    {"2024-01-15T10:20:60Z", NULL},
    {"2024-01-15T10:20:30.Z", NULL},
    {"2024-01-15T1:20:30Z", NULL},
    {"2024-01-15T10", NULL},
    {"2024-01-15T10:20:3", NULL},
    {"2024-01-15T10:20:30ZZ", NULL},
    {"2024-01-15T10:20:30 Z", NULL},
    {"2024-01-15T10:20:30+25:00", NULL},
    {"2024-01-15T10:20:30+14:01", NULL},
    {"2024-01-15T10:20:30-15:00", NULL},
    {"2024-01-15T10:20:30+05:60", NULL},
    {"2024-01-15T10:20:30+0530", NULL},
    {"2024-01-15T10:20:30+05", NULL},
    {"2024-01-15T10:20:30+05:3", NULL},
    {"2024-01-15T10:20:30+05:300", NULL},
    {"0001-01-01T00:30:00+01:00", NULL},
    {"9999-12-31T23:30:00-01:00", NULL},
    {"253402300800000", NULL},
    {"-62135596800001", NULL},
    {"99999999999999999999999", NULL},
    {"1705314030123.5", NULL},
    {"1e3", NULL},
    {"-", NULL},
    {"--1", NULL},
    {" 0", NULL},
    {"abc", NULL},
    {"12abc", NULL},
    {"T10:20:30", NULL},
    {"2024-01-15T10:20:30\xC3\xA9", NULL},
};

static void test_dates(void)
{
    static const value_case_t cases[] = {
        {"2024-01-15", "\"2024-01-15\""},
        {"2024-02-29", "\"2024-02-29\""},
        {"2000-02-29", "\"2000-02-29\""},
        {"1900-02-28", "\"1900-02-28\""},
        {"2023-12-31", "\"2023-12-31\""},
        {"0001-01-01", "\"0001-01-01\""},
        {"9999-12-31", "\"9999-12-31\""},
        {"2024-01-15T10:20:30Z", "\"2024-01-15\""},
        {"2024-01-15T10:20:30.123456Z", "\"2024-01-15\""},
        {"2024-01-15T10:20", "\"2024-01-15\""},
        {"2024-01-15T23:30:00-02:00", "\"2024-01-16\""},
        {"2024-01-15T01:00:00+02:00", "\"2024-01-14\""},
        {"2024-03-01T00:30:00+01:00", "\"2024-02-29\""},
        {"2023-12-31T23:00:00-01:00", "\"2024-01-01\""},
        {"1705276800000", "\"2024-01-15\""},
        {"1705363199999", "\"2024-01-15\""},
        {"0", "\"1970-01-01\""},
        {"-0", "\"1970-01-01\""},
        {"-1", "\"1969-12-31\""},
        {"-86400000", "\"1969-12-31\""},
        {"-86400001", "\"1969-12-30\""},
        {"951782400000", "\"2000-02-29\""},
        {"253402300799999", "\"9999-12-31\""},
        {"-62135596800000", "\"0001-01-01\""},
        {"000001705276800000", "\"2024-01-15\""},
    };
    CHECK_VALUES(ODATA_TYPE_DATE, cases);
    CHECK_VALUES(ODATA_TYPE_DATE, date_invalid);
}

static void test_datetimes(void)
{
    static const value_case_t cases[] = {
        {"2024-01-15T10:20:30Z", "\"2024-01-15T10:20:30.000Z\""},
        {"2024-01-15T10:20:30.1Z", "\"2024-01-15T10:20:30.100Z\""},
        {"2024-01-15T10:20:30.12Z", "\"2024-01-15T10:20:30.120Z\""},
        {"2024-01-15T10:20:30.123Z", "\"2024-01-15T10:20:30.123Z\""},
        {"2024-01-15T10:20:30.123456789Z", "\"2024-01-15T10:20:30.123Z\""},
        {"2024-01-15T10:20:30.9999999Z", "\"2024-01-15T10:20:30.999Z\""},
        {"2024-01-15T10:20:30.000Z", "\"2024-01-15T10:20:30.000Z\""},
        {"2024-01-15T10:20:30+05:30", "\"2024-01-15T10:20:30.000+05:30\""},
        {"2024-01-15T10:20:30.5-08:00", "\"2024-01-15T10:20:30.500-08:00\""},
        {"2024-01-15T10:20:30+00:00", "\"2024-01-15T10:20:30.000+00:00\""},
        {"2024-01-15T10:20:30-00:00", "\"2024-01-15T10:20:30.000-00:00\""},
        {"2024-01-15T23:59:59.999+14:00", "\"2024-01-15T23:59:59.999+14:00\""},
        {"2024-01-15T00:00:00-14:00", "\"2024-01-15T00:00:00.000-14:00\""},
        {"2024-01-15T10:20:30", "\"2024-01-15T10:20:30.000Z\""},
        {"2024-01-15T10:20", "\"2024-01-15T10:20:00.000Z\""},
        {"2024-01-15T10:20+01:00", "\"2024-01-15T10:20:00.000+01:00\""},
        {"2024-01-15t10:20:30z", "\"2024-01-15T10:20:30.000Z\""},
        {"2024-01-15", "\"2024-01-15T00:00:00.000Z\""},
        {"2024-02-29T23:59:59Z", "\"2024-02-29T23:59:59.000Z\""},
        {"1705314030123", "\"2024-01-15T10:20:30.123Z\""},
        {"1705314030", "\"1970-01-20T17:41:54.030Z\""},
        {"0", "\"1970-01-01T00:00:00.000Z\""},
        {"-1", "\"1969-12-31T23:59:59.999Z\""},
        {"-86400000", "\"1969-12-31T00:00:00.000Z\""},
        {"253402300799999", "\"9999-12-31T23:59:59.999Z\""},
        {"-62135596800000", "\"0001-01-01T00:00:00.000Z\""},
        {"0001-01-01T00:00:00Z", "\"0001-01-01T00:00:00.000Z\""},
        {"0001-01-01T00:30:00-01:00", "\"0001-01-01T00:30:00.000-01:00\""},
        {"9999-12-31T23:59:59.999Z", "\"9999-12-31T23:59:59.999Z\""},
        {"9999-12-31T23:30:00+01:00", "\"9999-12-31T23:30:00.000+01:00\""},
    };
    CHECK_VALUES(ODATA_TYPE_DATETIMEOFFSET, cases);
    CHECK_VALUES(ODATA_TYPE_DATETIMEOFFSET, date_invalid);
}

/*
 * Random strings over the characters of numbers: whatever Decimal accepts, strtod (in the C locale) reads in
 * full as the same value; whatever it refuses, strtod does not read in full, or it has an exponent.
 */
static void test_number_property(void)
{
    static const char alphabet[] = "0123456789000..eE+-";
    uint32_t seed = 777;
    int same = 1, refused_right = 1, count = 0;
    odata_buf_t b;

    odata_buf_init(&b, 4096);
    for (int round = 0; round < 20000; ++round) {
        char in[16];
        size_t len = ((seed = seed * 1103515245 + 12345) >> 16) % 12 + 1;
        char *end;
        double want;

        for (size_t k = 0; k < len; ++k)
            in[k] = alphabet[((seed = seed * 1103515245 + 12345) >> 16) % (sizeof(alphabet) - 1)];
        in[len] = '\0';
        want = strtod(in, &end);
        odata_buf_reset(&b);
        if (odata_json_value(&b, ODATA_TYPE_DECIMAL, in, len) == ODATA_OK) {
            ++count;
            if (end != in + len || strtod(b.base, NULL) != want || strpbrk(b.base, "eE+") != NULL) {
                same = 0;
                printf("# %s -> %s\n", in, b.base);
            }
        } else if (end == in + len && strpbrk(in, "eE") == NULL) {
            refused_right = 0;
            printf("# %s refused\n", in);
        }
    }
    ok(same, "%d accepted random numbers keep their value, without exponent or '+'", count);
    ok(refused_right, "refused random strings are not numbers");
    odata_buf_dispose(&b);
}

/* ---- documents ---- */

static void test_service_document(void)
{
    odata_model_t *m = odata_model_create("HubSpot", "Default");
    odata_buf_t b;
    json_t *j;

    odata_buf_init(&b, 4096);
    ok(odata_service_document(m, "https://gw.example/odata/s1/$metadata", &b) == ODATA_OK, "empty service document");
    is_str(b.base, "{\"@odata.context\":\"https://gw.example/odata/s1/$metadata\",\"value\":[]}", "empty service document text");

    odata_model_add_set(m, "contacts", "contact", "0-1", "id", "hs_object_id");
    odata_model_add_set(m, "deals", "deal", "0-3", "id", "hs_object_id");
    odata_buf_reset(&b);
    ok(odata_service_document(m, "https://gw.example/odata/s1/$metadata", &b) == ODATA_OK, "service document");
    is_str(b.base,
           "{\"@odata.context\":\"https://gw.example/odata/s1/$metadata\",\"value\":["
           "{\"name\":\"contacts\",\"kind\":\"EntitySet\",\"url\":\"contacts\"},"
           "{\"name\":\"deals\",\"kind\":\"EntitySet\",\"url\":\"deals\"}]}",
           "service document text");
    j = json_loadb(b.base, b.len, 0, NULL);
    ok(j != NULL && json_array_size(json_object_get(j, "value")) == 2 &&
           strcmp(json_string_value(json_object_get(json_array_get(json_object_get(j, "value"), 1), "url")), "deals") == 0,
       "service document parses");
    json_decref(j);

    ok(odata_service_document(NULL, "x", &b) == ODATA_ERR_INVALID, "NULL model is invalid");
    odata_buf_dispose(&b);
    odata_buf_init(&b, 60);
    odata_buf_appends(&b, "x");
    ok(odata_service_document(m, "https://gw.example/odata/s1/$metadata", &b) == ODATA_ERR_TOO_LARGE, "too large");
    is_str(b.base, "x", "a failed service document leaves the buffer unchanged");
    odata_buf_dispose(&b);
    odata_model_destroy(m);
}

static void test_error_body(void)
{
    odata_buf_t b;
    json_t *j;

    odata_buf_init(&b, 4096);
    ok(odata_error_json(&b, "BadRequest", "The query option \"$top\" is invalid", "$top") == ODATA_OK, "error with target");
    is_str(b.base,
           "{\"error\":{\"code\":\"BadRequest\",\"message\":\"The query option \\\"$top\\\" is invalid\",\"target\":\"$top\"}}",
           "error with target text");
    j = json_loadb(b.base, b.len, 0, NULL);
    ok(j != NULL && strcmp(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
                           "The query option \"$top\" is invalid") == 0,
       "error parses back");
    json_decref(j);

    odata_buf_reset(&b);
    ok(odata_error_json(&b, "NotFound", "No entity set \xC3\xA9\xFF", NULL) == ODATA_OK, "error without target");
    is_str(b.base, "{\"error\":{\"code\":\"NotFound\",\"message\":\"No entity set \xC3\xA9" FFFD "\"}}",
           "error without target text");

    odata_buf_reset(&b);
    ok(odata_error_json(&b, NULL, NULL, NULL) == ODATA_OK, "NULL code and message");
    is_str(b.base, "{\"error\":{\"code\":\"\",\"message\":\"\"}}", "NULL code and message are empty strings");
    odata_buf_dispose(&b);

    odata_buf_init(&b, 30);
    ok(odata_error_json(&b, "BadRequest", "long enough to pass the cap", NULL) == ODATA_ERR_TOO_LARGE && b.len == 0,
       "too large error leaves the buffer unchanged");
    odata_buf_dispose(&b);
}

static void test_feed(void)
{
    odata_buf_t b;
    json_t *j;

    odata_buf_init(&b, 4096);
    ok(odata_feed_begin(&b, "https://gw.example/odata/s1/$metadata#contacts") == ODATA_OK, "feed begin");
    is_str(b.base, "{\"@odata.context\":\"https://gw.example/odata/s1/$metadata#contacts\",\"value\":[", "feed begin text");
    ok(odata_feed_end(&b, NULL) == ODATA_OK, "feed end");
    is_str(b.base, "{\"@odata.context\":\"https://gw.example/odata/s1/$metadata#contacts\",\"value\":[]}", "empty feed");

    odata_buf_reset(&b);
    odata_feed_begin(&b, "c");
    odata_buf_appends(&b, "{\"id\":");
    odata_json_value(&b, ODATA_TYPE_STRING, "1", 1);
    odata_buf_appends(&b, ",\"amount\":");
    odata_json_value(&b, ODATA_TYPE_DECIMAL, "1.5e3", 5);
    odata_buf_appends(&b, ",\"closedate\":");
    odata_json_value(&b, ODATA_TYPE_DATETIMEOFFSET, "1705314030123", 13);
    odata_buf_appends(&b, "}");
    ok(odata_feed_end(&b, "https://gw.example/odata/s1/contacts?$skiptoken=a\"b") == ODATA_OK, "feed end with next link");
    is_str(b.base,
           "{\"@odata.context\":\"c\",\"value\":[{\"id\":\"1\",\"amount\":1500,\"closedate\":\"2024-01-15T10:20:30.123Z\"}],"
           "\"@odata.nextLink\":\"https://gw.example/odata/s1/contacts?$skiptoken=a\\\"b\"}",
           "feed with one entity and a next link");
    j = json_loadb(b.base, b.len, 0, NULL);
    ok(j != NULL && json_integer_value(json_object_get(json_array_get(json_object_get(j, "value"), 0), "amount")) == 1500,
       "feed parses");
    json_decref(j);
    odata_buf_dispose(&b);

    odata_buf_init(&b, 10);
    odata_buf_appends(&b, "[1");
    ok(odata_feed_end(&b, "https://x") == ODATA_ERR_TOO_LARGE, "feed end too large");
    is_str(b.base, "[1", "a failed feed end leaves the buffer unchanged");
    ok(odata_feed_begin(&b, "c") == ODATA_ERR_TOO_LARGE, "feed begin too large");
    is_str(b.base, "[1", "a failed feed begin leaves the buffer unchanged");
    odata_buf_dispose(&b);
}

int main(void)
{
    test_string_escaping();
    test_string_roundtrip();
    test_nulls();
    test_string_values();
    test_booleans();
    test_int64();
    test_decimal();
    test_double();
    test_dates();
    test_datetimes();
    test_number_property();
    test_service_document();
    test_error_body();
    test_feed();
    return test_done();
}
