/*
 * OData system query options ($filter, $select, $orderby, $top, $skip, $count, $skiptoken, $format)
 * parsed against an entity set of the EDM model, following the OData 4.01 URL ABNF
 * (odata-abnf-construction-rules.txt), and the evaluator of $filter expressions over one row.
 * Pure code: no I/O.
 */
#ifndef odata__query_h
#define odata__query_h

#include <stddef.h>
#include <stdint.h>
#include "odata/odata.h"

/* ---- typed values ---- */

typedef enum en_odata_vtype_t {
    ODATA_V_NULL,
    ODATA_V_BOOLEAN,
    ODATA_V_INT64,
    ODATA_V_DECIMAL, /* exact decimal: see odata_decimal_t */
    ODATA_V_DOUBLE,
    ODATA_V_STRING,
    ODATA_V_DATE,           /* days since 1970-01-01 */
    ODATA_V_DATETIMEOFFSET, /* microseconds since the epoch (UTC) plus the offset it was written with */
    ODATA_V_TIMEOFDAY,      /* microseconds since midnight */
    ODATA_V_DURATION,       /* microseconds */
    ODATA_V_GUID,           /* 16 bytes */
} odata_vtype_t;

/* An exact decimal: value = (negative ? -1 : 1) * digits * 10^exponent; digits has no leading zeros
 * (zero is "0" with exponent 0 and negative 0). At most ODATA_DECIMAL_MAX_DIGITS digits. */
#define ODATA_DECIMAL_MAX_DIGITS 40
typedef struct st_odata_decimal_t {
    int negative;
    int exponent;
    unsigned char ndigits;
    char digits[ODATA_DECIMAL_MAX_DIGITS]; /* ASCII '0'..'9', not NUL-terminated */
} odata_decimal_t;

typedef struct st_odata_value_t {
    odata_vtype_t type;
    union {
        int boolean;
        int64_t i64;
        double dbl;
        odata_decimal_t dec;
        struct {
            const char *base; /* UTF-8, not NUL-terminated; owned by the query's or the row's memory */
            size_t len;
        } str;
        int32_t date;
        struct {
            int64_t us;         /* UTC */
            int16_t offset_min; /* as written: +hh:mm / -hh:mm / Z = 0 */
        } dto;
        int64_t tod_us;
        int64_t duration_us;
        unsigned char guid[16];
    } u;
} odata_value_t;

/* ---- $filter expressions ---- */

typedef enum en_odata_expr_kind_t {
    ODATA_EXPR_LITERAL,  /* u.literal */
    ODATA_EXPR_PROPERTY, /* u.property */
    ODATA_EXPR_NOT,      /* u.args[0] */
    ODATA_EXPR_NEG,      /* u.args[0] */
    ODATA_EXPR_AND,
    ODATA_EXPR_OR,
    ODATA_EXPR_EQ,
    ODATA_EXPR_NE,
    ODATA_EXPR_GT,
    ODATA_EXPR_GE,
    ODATA_EXPR_LT,
    ODATA_EXPR_LE,
    ODATA_EXPR_HAS, /* not supported: parsing refuses it with 501 */
    ODATA_EXPR_ADD,
    ODATA_EXPR_SUB,
    ODATA_EXPR_MUL,
    ODATA_EXPR_DIV,   /* div */
    ODATA_EXPR_DIVBY, /* divby (4.01: decimal division) */
    ODATA_EXPR_MOD,
    ODATA_EXPR_IN,   /* args[0] in (args[1..nargs)) */
    ODATA_EXPR_CALL, /* u.call.func(args) */
    ODATA_EXPR_CAST, /* cast(args[0], type) / cast(type) : target in u.cast_type */
    ODATA_EXPR_ISOF, /* isof(args[0], type) / isof(type) */
} odata_expr_kind_t;

typedef enum en_odata_func_t {
    ODATA_FN_CONTAINS,
    ODATA_FN_STARTSWITH,
    ODATA_FN_ENDSWITH,
    ODATA_FN_TOLOWER,
    ODATA_FN_TOUPPER,
    ODATA_FN_LENGTH,
    ODATA_FN_INDEXOF,
    ODATA_FN_SUBSTRING,
    ODATA_FN_TRIM,
    ODATA_FN_CONCAT,
    ODATA_FN_MATCHESPATTERN,
    ODATA_FN_YEAR,
    ODATA_FN_MONTH,
    ODATA_FN_DAY,
    ODATA_FN_HOUR,
    ODATA_FN_MINUTE,
    ODATA_FN_SECOND,
    ODATA_FN_FRACTIONALSECONDS,
    ODATA_FN_DATE,
    ODATA_FN_TIME,
    ODATA_FN_NOW,
    ODATA_FN_TOTALOFFSETMINUTES,
    ODATA_FN_MINDATETIME,
    ODATA_FN_MAXDATETIME,
    ODATA_FN_ROUND,
    ODATA_FN_FLOOR,
    ODATA_FN_CEILING,
} odata_func_t;

typedef struct st_odata_expr_t odata_expr_t;
struct st_odata_expr_t {
    odata_expr_kind_t kind;
    odata_vtype_t type; /* the static result type after type checking (ODATA_V_NULL for the null literal) */
    size_t pos;         /* offset of the expression in the decoded $filter text, for messages */
    union {
        odata_value_t literal;
        const odata_property_t *property; /* borrowed from the model */
        struct {
            odata_func_t func;
        } call;
        odata_vtype_t cast_type;
    } u;
    odata_expr_t **args;
    size_t nargs;
};

/* ---- the parsed query ---- */

typedef struct st_odata_orderby_t {
    const odata_property_t *property;
    int descending;
} odata_orderby_t;

typedef struct st_odata_query_t {
    odata_expr_t *filter;            /* NULL when absent */
    const odata_property_t **select; /* NULL when absent or "*": every property */
    size_t nselect;                  /* the key is not added implicitly */
    odata_orderby_t *orderby;
    size_t norderby;
    int64_t top;                         /* -1 when absent */
    int64_t skip;                        /* -1 when absent */
    int count;                           /* $count=true */
    const char *skiptoken;               /* raw (decoded) text or NULL */
    const char *select_text;             /* canonical $select text for @odata.context ("a,b"), NULL when absent */
    struct st_odata_query_pool_t *_pool; /* every allocation of the query */
} odata_query_t;

typedef struct st_odata_query_error_t {
    int status;        /* 400 malformed or ill-typed, 404 unknown property, 501 not implemented */
    char code[48];     /* e.g. "BadRequest", "NotImplemented" */
    char message[256]; /* names the position ("at 12") and the problem; never echoes more than 40 characters of input */
} odata_query_error_t;

typedef struct st_odata_query_limits_t {
    size_t max_query_len; /* of the whole raw query string, default 16384 */
    size_t max_depth;     /* nesting of $filter expressions, default 64 */
    size_t max_nodes;     /* nodes of a $filter expression, default 2000 */
    size_t max_in_items;  /* items in one `in (...)`, default 1000 */
    int64_t max_top;      /* default INT64_MAX */
} odata_query_limits_t;

/** Fills `limits` with the defaults above. */
void odata_query_limits_default(odata_query_limits_t *limits);

/**
 * Parses the raw query string (the part after '?', still percent-encoded, without the '?') against
 * `set`. Parameters whose names do not start with '$' or '@' are ignored (the caller reads its own,
 * e.g. an API key). System query option names are matched case-insensitively and may be written with
 * or without '$' as OData 4.01 allows; a repeated option is an error. `$expand`, `$apply`, `$search`,
 * `$compute`, `$index`, `$levels`, `$schemaversion`, parameter aliases (`@p`) and the `has` operator
 * are refused with 501; unknown `$` options with 400. Returns ODATA_OK with a new query (free with
 * odata_query_destroy) or ODATA_ERR_INVALID with `err` filled.
 */
odata_err_t odata_query_parse(const odata_entity_set_t *set, const char *raw, size_t len, const odata_query_limits_t *limits,
                              odata_query_t **query, odata_query_error_t *err);
/**
 * Parses `text` (plain text, not percent-encoded) as a Boolean $filter expression against `set` and ANDs
 * it into the query's filter (the query's own filter, when it has one, stays on the right). `option`
 * names the text in messages (e.g. "the data source's filter"). Returns ODATA_OK, or ODATA_ERR_INVALID /
 * ODATA_ERR_NOMEM with `err` filled; the query is unchanged then.
 */
odata_err_t odata_query_and_filter(odata_query_t *query, const odata_entity_set_t *set, const char *option, const char *text,
                                   size_t len, const odata_query_limits_t *limits, odata_query_error_t *err);
/** Checks that `text` is a $filter expression valid for `set`, as odata_query_and_filter would. */
odata_err_t odata_filter_check(const odata_entity_set_t *set, const char *option, const char *text, size_t len,
                               const odata_query_limits_t *limits, odata_query_error_t *err);
/** Frees the query and every expression in it. */
void odata_query_destroy(odata_query_t *query);

/**
 * Writes the query options `raw` (as they came in the URL after '?': percent-encoded, '&'-separated;
 * `len` bytes, `raw` may be NULL when `len` is 0) to `out` for the audit log: decoded, '&'-separated,
 * every literal value masked. With `parsed` (the options were parsed and type-checked against the model,
 * so every identifier in them is a property, a function or a keyword), $filter keeps its structure and
 * only its literals are replaced: each string literal by '***' (typed ones such as duration'...' keep
 * their prefix), each number, date, time, datetime, GUID or duration token by *** (a sign included);
 * true, false and null stay, and so do names, spaces and the punctuation ( ) , / : . * - $ @ ; any
 * other character becomes '?'. $select and $orderby go through the same masking, which leaves lists of
 * properties as they are; $count stays when it is true or false, $top and $skip when they are digits
 * only. Without `parsed`, or for any other option ($skiptoken, $search, $apply, unknown $ options and
 * anything not starting with '$'), the value is replaced by *** and the name kept (names longer than 64
 * bytes or with characters other than letters, digits, '$', '_', '.', '-' are themselves replaced by
 * ***); an option without '=' is written as its name alone. '$' option names compare case-insensitively,
 * '+' is a plus sign, empty options (as in "a&&b&") are left out. A malformed percent-escape masks that
 * whole option (***). The output is printable ASCII: control bytes and non-ASCII text that survive are
 * written as '?'. The text is appended to `out` (base is a C string afterwards, also when nothing was
 * written). Returns ODATA_OK, or ODATA_ERR_NOMEM, or ODATA_ERR_TOO_LARGE when `out` would pass its
 * maximum; on failure the buffer is unchanged.
 */
odata_err_t odata_query_mask(const char *raw, size_t len, int parsed, odata_buf_t *out);

/* ---- evaluation over one row ---- */

/**
 * How the evaluator reads a property of the current row: the upstream text form of its value (as
 * odata_json_value() accepts it) or NULL when the value is missing.
 */
typedef const char *(*odata_row_get_cb)(void *row, const odata_property_t *property, size_t *len);

typedef enum en_odata_tribool_t { ODATA_FALSE = 0, ODATA_TRUE = 1, ODATA_UNKNOWN = 2 } odata_tribool_t;

/**
 * Evaluates a boolean expression over one row with OData's semantics (null propagation: comparisons
 * with null are false except eq/ne null; `and`/`or` three-valued; string comparison is ordinal by code
 * point and case-sensitive; DateTimeOffset values compare as instants whatever their offsets).
 * `now_us` is the instant `now()` returns, fixed per request. A row value that cannot be read as its
 * declared type evaluates as null. ODATA_UNKNOWN (null) means the row does not match. `scratch` holds
 * strings made by functions (tolower, concat, ...); it is reset on entry and bounded by its own maximum
 * (a string that would pass it makes the expression null). Nothing else is allocated per row.
 */
odata_tribool_t odata_eval(const odata_expr_t *expr, odata_row_get_cb get, void *row, int64_t now_us, odata_buf_t *scratch);

/**
 * Appends a canonical rendering of the expression for logs and tests: every operation in parentheses,
 * operators and function names in lower case (matchesPattern excepted), literals as URL literals, or each
 * as `?` when `mask_literals` is set (so that a logged filter shows no personal data). On failure the buffer
 * is unchanged.
 */
odata_err_t odata_expr_print(const odata_expr_t *expr, int mask_literals, odata_buf_t *out);

/** Parses the upstream text form of a value of `type` (the forms odata_json_value() accepts). */
odata_err_t odata_value_parse(odata_type_t type, const char *s, size_t len, odata_value_t *out);
/** Compares two non-null values of comparable types: <0, 0, >0; ODATA_ERR_INVALID when not comparable. */
odata_err_t odata_value_compare(const odata_value_t *a, const odata_value_t *b, int *cmp);

#endif
