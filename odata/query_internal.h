/*
 * Helpers shared by the query files of odata/ (query.c, filter.c, eval.c, value.c, regex.c); not part
 * of the public API.
 */
#ifndef odata__query_internal_h
#define odata__query_internal_h

#include <stdarg.h>
#include <stdint.h>
#include "odata/internal.h"
#include "odata/query.h"

#define ODATA__US_PER_SEC INT64_C(1000000)
#define ODATA__US_PER_DAY INT64_C(86400000000)
/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in microseconds since the epoch */
#define ODATA__MIN_US INT64_C(-62135596800000000)
#define ODATA__MAX_US INT64_C(253402300799999999)
/* 0001-01-01 and 9999-12-31 in days since the epoch */
#define ODATA__MIN_DAY (-719162)
#define ODATA__MAX_DAY 2932896

/* significant digits of a quotient that does not terminate (IEEE 754 decimal128 precision) */
#define ODATA__DIV_DIGITS 34

/* ---- memory of a query: an arena freed all at once ---- */

typedef struct st_odata_query_pool_t odata_query_pool_t;

/** Creates an empty pool; NULL when out of memory. */
odata_query_pool_t *odata__pool_create(void);
/** Frees the pool and everything allocated from it. */
void odata__pool_destroy(odata_query_pool_t *pool);
/** Zeroed memory aligned for any object, valid until the pool is destroyed; NULL when out of memory. */
void *odata__pool_alloc(odata_query_pool_t *pool, size_t n);

/* ---- errors ---- */

/** Fills `err` (status, the code that goes with it, the formatted message). */
void odata__query_error(odata_query_error_t *err, int status, const char *fmt, ...) ODATA_PRINTF(3, 4);
/**
 * Writes into out[0..outsz) a NUL-terminated, printable rendering of s[0..len) for messages: at most 40
 * characters, anything but printable ASCII as '?', "..." when cut. Returns `out`.
 */
char *odata__echo(char *out, size_t outsz, const char *s, size_t len);

/* ---- the $filter parser (filter.c) ---- */

typedef struct st_odata__parser_t {
    const char *s; /* decoded text, NUL-free */
    size_t len, i;
    const odata_entity_set_t *set;
    const odata_query_limits_t *limits;
    odata_query_pool_t *pool;
    odata_query_error_t *err;
    const char *option; /* "$filter" or "$orderby", for messages */
    size_t depth;       /* current nesting of the recursive descent */
    size_t nodes;
    size_t subus_pending; /* literals finer than a microsecond not yet taken by a comparison */
    size_t subus_pos;
    int failed;
} odata__parser_t;

/** Prepares a parser over s[0..len) (already percent-decoded). */
void odata__parser_init(odata__parser_t *p, odata_query_pool_t *pool, const odata_entity_set_t *set,
                        const odata_query_limits_t *limits, const char *option, const char *s, size_t len,
                        odata_query_error_t *err);
/** Parses the whole text as a Boolean $filter expression. NULL with p->err filled on failure. */
odata_expr_t *odata__parse_filter(odata__parser_t *p);
/**
 * Parses the whole text as a Boolean $filter expression, as odata__parse_filter, and returns it ANDed
 * with `other` (the parsed text on the left) when `other` is not NULL.
 */
odata_expr_t *odata__parse_filter_and(odata__parser_t *p, odata_expr_t *other);
/** Parses one commonExpr at p->i, stopping before anything that cannot continue it. NULL on failure. */
odata_expr_t *odata__parse_common(odata__parser_t *p);
/** Fills p->err with a message prefixed by the option and the position, and marks the parser failed. */
void odata__parse_error(odata__parser_t *p, int status, size_t pos, const char *fmt, ...) ODATA_PRINTF(4, 5);

/* ---- numbers (value.c) ---- */

/** Whether values of type t are numbers (Int64, Decimal, Double). */
int odata__is_numeric(odata_vtype_t t);
/** A numeric value as the nearest double. */
double odata__value_to_double(const odata_value_t *v);
/** The exact decimal; ODATA_ERR_TOO_LARGE beyond ODATA_DECIMAL_MAX_DIGITS significant digits. */
odata_err_t odata__dec_from_num(const odata__num_t *n, odata_decimal_t *d);
/** The nearest double (ties to even); ODATA_ERR_INVALID when it rounds past DBL_MAX (as odata_json_value refuses). */
odata_err_t odata__double_from_num(const odata__num_t *n, double *out);

void odata__dec_zero(odata_decimal_t *d);
void odata__dec_from_i64(odata_decimal_t *d, int64_t v);
/** The integer value when the decimal is an integer within Int64; ODATA_ERR_INVALID otherwise. */
odata_err_t odata__dec_to_i64(const odata_decimal_t *d, int64_t *v);
double odata__dec_to_double(const odata_decimal_t *d);
/** The shortest decimal that reads back as `x`; ODATA_ERR_INVALID for NaN and infinities. */
odata_err_t odata__dec_from_double(double x, odata_decimal_t *d);
int odata__dec_cmp(const odata_decimal_t *a, const odata_decimal_t *b);
int odata__dec_is_zero(const odata_decimal_t *d);
/* Exact arithmetic: ODATA_ERR_TOO_LARGE when the exact result has more than ODATA_DECIMAL_MAX_DIGITS digits. */
odata_err_t odata__dec_add(const odata_decimal_t *a, const odata_decimal_t *b, int subtract, odata_decimal_t *out);
odata_err_t odata__dec_mul(const odata_decimal_t *a, const odata_decimal_t *b, odata_decimal_t *out);
/** a / b rounded half-to-even to ODATA__DIV_DIGITS significant digits; ODATA_ERR_INVALID when b is zero. */
odata_err_t odata__dec_div(const odata_decimal_t *a, const odata_decimal_t *b, odata_decimal_t *out);
/** a - b * trunc(a / b): the sign of a; ODATA_ERR_INVALID when b is zero. */
odata_err_t odata__dec_mod(const odata_decimal_t *a, const odata_decimal_t *b, odata_decimal_t *out);
/** mode: 0 round half away from zero, -1 floor, +1 ceiling. */
odata_err_t odata__dec_round(const odata_decimal_t *a, int mode, odata_decimal_t *out);
void odata__dec_negate(odata_decimal_t *d);

/* ---- dates and times (value.c) ---- */

int64_t odata__days_from_civil(int64_t y, int m, int d);
void odata__civil_from_days(int64_t z, int *y, int *m, int *d);
int odata__days_in_month(int y, int m);
int64_t odata__floor_div(int64_t a, int64_t b);

/* Results of the scanners of URL literals below. */
#define ODATA__LIT_OK 0
#define ODATA__LIT_SYNTAX 1 /* not of the form */
#define ODATA__LIT_RANGE 2  /* of the form but out of range */
#define ODATA__LIT_LEAP 3   /* a leap second (second 60) */

/*
 * Scanners of the URL literal forms of the ABNF, reading s[*i..len) and advancing *i past what they read.
 * `subus` (when not NULL) is set when non-zero fractional digits were cut beyond the microsecond: the
 * value then lies strictly between the one returned and the next microsecond.
 */
int odata__scan_date(const char *s, size_t len, size_t *i, int32_t *days);
int odata__scan_time(const char *s, size_t len, size_t *i, int64_t *us, int *subus);
/** date "T" time ("Z" / sign hh ":" mm); `need_offset` 0 lets the offset be missing (UTC). */
int odata__scan_datetime(const char *s, size_t len, size_t *i, int need_offset, int64_t *us, int16_t *offset_min, int *subus);
/** The body of a duration: [-] "P" [n "D"] ["T" [n "H"] [n "M"] [n ["." n] "S"]] */
int odata__scan_duration(const char *s, size_t len, size_t *i, int64_t *us, int *subus);
int odata__scan_guid(const char *s, size_t len, size_t *i, unsigned char guid[16]);

/* ---- strings (value.c) ---- */

/** Non-zero when s[0..len) is well-formed UTF-8. */
int odata__utf8_valid(const char *s, size_t len);
/** Compares by code point, each ill-formed subsequence read as U+FFFD. */
int odata__str_cmp(const char *a, size_t alen, const char *b, size_t blen);

/**
 * Appends a value: as a URL literal (`literal`, e.g. 'it''s', duration'P1D', 1.5e0) or as the text a
 * cast to Edm.String gives (its payload form: it's, P1D, 1.5).
 */
odata_err_t odata__value_append(odata_buf_t *out, const odata_value_t *v, int literal);
/** The qualified EDM name of a value type, e.g. "Edm.String"; "null" for ODATA_V_NULL. */
const char *odata__vtype_name(odata_vtype_t t);
/** The value type of a property type. */
odata_vtype_t odata__vtype_of(odata_type_t t);

/* ---- matchesPattern (regex.c): a subset of ECMAScript regular expressions, matched in linear time ---- */

typedef struct st_odata__regex_t odata__regex_t;

#define ODATA__REGEX_MAX_PATTERN 512   /* bytes */
#define ODATA__REGEX_MAX_SUBJECT 16384 /* bytes: a longer subject matches as null */

/**
 * Compiles a pattern (well-formed UTF-8) into the pool. NULL on failure with *status 400 (not a regular
 * expression) or 501 (a feature outside the subset) and a message in msg.
 */
odata__regex_t *odata__regex_compile(odata_query_pool_t *pool, const char *pat, size_t len, int *status, char *msg, size_t msgsz);
/** Bytes of working memory odata__regex_match needs (aligned for uint32_t). */
size_t odata__regex_workspace(const odata__regex_t *re);
/** 1 when s[0..len) holds a match, 0 when not, -1 when the subject is too long. */
int odata__regex_match(const odata__regex_t *re, const char *s, size_t len, void *workspace);

/* ---- internal view of expression nodes ---- */

/* Every node is allocated as this, so that parser-only data travels with it. */
typedef struct st_odata__node_t {
    odata_expr_t e;
    size_t depth;          /* height of the subtree */
    int subus;             /* a literal finer than a microsecond (see odata__scan_time) */
    odata__regex_t *regex; /* matchesPattern: the compiled pattern */
} odata__node_t;

#define ODATA__NODE(expr) ((const odata__node_t *)(expr))

#endif
