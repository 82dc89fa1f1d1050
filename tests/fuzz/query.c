/*
 * libFuzzer target for the query options and $filter (odata/query.c, filter.c, eval.c, value.c, regex.c).
 * The input is a raw query string. When it parses, its filter is evaluated over a few fixed rows, printed,
 * and printed again after parsing the printed form (which must give the same text); the input is also read
 * as a value of every type, where odata_value_parse must accept exactly what odata_json_value accepts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odata/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static odata_model_t *model;
static odata_entity_set_t *set;
static odata_buf_t scratch, printed, again, encoded;

typedef struct st_row_t {
    const char *values[10]; /* by property index; NULL: missing */
} row_t;

static char long_text[2000];

static row_t rows[6] = {
    {{"101", "Milk", "a@example.com", "42", "2.50", "0.1", "true", "2024-01-02", "2024-01-02T03:04:05.123+02:00", "HubSpot"}},
    {{"102", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}},
    {{"",
      "\xFF\xC3"
      "caf\xC3\xA9 \xCE\xA3\xF0\x9F\x98\x80",
      "", "-9223372036854775808", "-1e-30", "NaN", "FALSE", "1704067200000", "1704067200000", "9999-12-31"}},
    {{"104", long_text, "A.B@X.TEST", "9223372036854775807", "99999999999999999999.99999999999999999999", "-INF", "maybe",
      "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999-14:00", "x"}},
    /* strings that are literals of other types, for casts */
    {{"105", "-12", "2024-01-02T03:04:05+01:00", "0", "0", "-0", "true", "2024-02-29", "2024-02-29T23:59:59.999Z", "P1DT2H"}},
    {{"106", "1.5e3", "01234567-89ab-cdef-0123-456789ABCDEF", "-1", "1e-6", "1e300", "false", "1970-01-01", "-1", "13:45:00.5"}},
};

static const char *row_get(void *row, const odata_property_t *prop, size_t *len)
{
    const row_t *r = row;
    size_t k = (size_t)(prop - set->props);
    const char *v = k < 10 ? r->values[k] : NULL;
    if (v != NULL)
        *len = strlen(v);
    return v;
}

static void init(void)
{
    model = odata_model_create("HubSpot", "Default");
    set = odata_model_add_set(model, "contacts", "contact", NULL, "id", "hs_object_id");
    odata_set_add_property(set, "name", NULL, ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "email", NULL, ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "age", NULL, ODATA_TYPE_INT64, NULL);
    odata_set_add_property(set, "amount", NULL, ODATA_TYPE_DECIMAL, NULL);
    odata_set_add_property(set, "ratio", NULL, ODATA_TYPE_DOUBLE, NULL);
    odata_set_add_property(set, "active", NULL, ODATA_TYPE_BOOLEAN, NULL);
    odata_set_add_property(set, "birthday", NULL, ODATA_TYPE_DATE, NULL);
    odata_set_add_property(set, "created", NULL, ODATA_TYPE_DATETIMEOFFSET, NULL);
    odata_set_add_property(set, "not", NULL, ODATA_TYPE_STRING, NULL);
    /* letters of every script the case mappings know, and a few spaces */
    static const char letters[] = "aB \xC3\xA9\xC7\x85\xCE\x86\xD0\x80\xD4\xB1\xE1\xB8\x80\xEF\xBC\xA1\xC5\xBF\xC4\xB1\xC4\xB0"
                                  "\xC6\x81\xC9\x93\xCF\x82\xE3\x80\x80\t";
    for (size_t i = 0; i < sizeof(long_text) - 1; ++i)
        long_text[i] = letters[i % (sizeof(letters) - 1)];
    odata_buf_init(&scratch, 64 * 1024);
    odata_buf_init(&printed, 1 << 20);
    odata_buf_init(&again, 1 << 20);
    odata_buf_init(&encoded, 3 << 20);
}

/* odata_value_parse accepts exactly the texts odata_json_value accepts (a decimal of too many digits aside) */
static void check_values(const char *s, size_t len)
{
    static const odata_type_t types[] = {ODATA_TYPE_STRING, ODATA_TYPE_BOOLEAN, ODATA_TYPE_INT64,         ODATA_TYPE_DECIMAL,
                                         ODATA_TYPE_DOUBLE, ODATA_TYPE_DATE,    ODATA_TYPE_DATETIMEOFFSET};
    odata_buf_t b;
    odata_buf_init(&b, 1 << 16);
    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); ++k) {
        odata_value_t v;
        odata_err_t rp = odata_value_parse(types[k], s, len, &v), rj;
        odata_buf_reset(&b);
        rj = odata_json_value(&b, types[k], s, len);
        if ((rp == ODATA_OK) != (rj == ODATA_OK) &&
            !(rp == ODATA_ERR_TOO_LARGE && types[k] == ODATA_TYPE_DECIMAL && rj == ODATA_OK)) {
            fprintf(stderr, "odata_value_parse and odata_json_value disagree on %s '%.*s': %d %d\n", odata_type_name(types[k]),
                    (int)len, s, rp, rj);
            abort();
        }
        if (rp == ODATA_OK && types[k] == ODATA_TYPE_INT64 && v.type == ODATA_V_INT64 && strtoll(b.base, NULL, 10) != v.u.i64)
            abort();
    }
    odata_buf_dispose(&b);
}

static void encode(const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    odata_buf_reset(&encoded);
    odata_buf_appends(&encoded, "$filter=");
    for (size_t i = 0; i < len; ++i) {
        unsigned char c = (unsigned char)s[i];
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            odata_buf_append(&encoded, s + i, 1);
        else
            odata_buf_append(&encoded, e, 3);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    odata_query_limits_t limits;
    odata_query_t *q = NULL, *q2 = NULL;
    odata_query_error_t err;

    if (model == NULL)
        init();
    check_values((const char *)data, size < 512 ? size : 512);
    odata_query_limits_default(&limits);
    if (odata_query_parse(set, (const char *)data, size, &limits, &q, &err) != ODATA_OK) {
        if (q != NULL || err.status == 0 || err.message[0] == '\0' || strlen(err.message) >= sizeof(err.message))
            abort();
        return 0;
    }
    if (q->filter != NULL) {
        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); ++r) {
            odata_tribool_t t = odata_eval(q->filter, row_get, &rows[r], INT64_C(1718452800000000), &scratch);
            if (t != ODATA_TRUE && t != ODATA_FALSE && t != ODATA_UNKNOWN)
                abort();
        }
        odata_buf_reset(&printed);
        odata_expr_print(q->filter, 1, &printed);
        odata_buf_reset(&printed);
        if (odata_expr_print(q->filter, 0, &printed) == ODATA_OK) {
            /* the printed form means the same: it parses to the same printed form */
            odata_query_limits_t loose = limits;
            loose.max_query_len = SIZE_MAX;
            loose.max_depth = limits.max_depth * 4;
            loose.max_nodes = limits.max_nodes * 4;
            encode(printed.base, printed.len);
            if (odata_query_parse(set, encoded.base, encoded.len, &loose, &q2, &err) != ODATA_OK) {
                fprintf(stderr, "the printed form does not parse: %s\n%s\n", err.message, printed.base);
                abort();
            }
            odata_buf_reset(&again);
            odata_expr_print(q2->filter, 0, &again);
            if (again.len != printed.len || memcmp(again.base, printed.base, printed.len) != 0) {
                fprintf(stderr, "printed twice differently:\n%s\n%s\n", printed.base, again.base);
                abort();
            }
            odata_query_destroy(q2);
        }
    }
    odata_query_destroy(q);
    return 0;
}
