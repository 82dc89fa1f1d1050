/*
 * Helpers shared by the files of odata/; not part of the public API.
 */
#ifndef odata__internal_h
#define odata__internal_h

#include <stdint.h>
#include "odata/odata.h"

/** The replacement character U+FFFD in UTF-8. */
#define ODATA__REPLACEMENT "\xEF\xBF\xBD"

/**
 * Makes room for n more bytes (plus the NUL that follows the content) without changing the content.
 * Returns ODATA_ERR_TOO_LARGE when len + n would pass the maximum, ODATA_ERR_NOMEM when out of memory.
 */
odata_err_t odata__buf_reserve(odata_buf_t *b, size_t n);

/** Cuts the buffer back to `len` bytes (len <= b->len); used to undo a partial append. */
void odata__buf_truncate(odata_buf_t *b, size_t len);

/**
 * Decodes one UTF-8 character at s[0..len) (len > 0). Returns the number of bytes used (>= 1) and sets
 * *cp to the code point, or to -1 when those bytes are an ill-formed sequence (overlong forms, surrogates,
 * values past U+10FFFF, truncated or stray bytes). An ill-formed sequence uses its maximal well-formed
 * prefix, or one byte, so that each one is replaced by exactly one U+FFFD (Unicode's recommended practice).
 */
size_t odata__utf8_next(const char *s, size_t len, int32_t *cp);

/* A point in time read from its upstream text: milliseconds since the epoch in UTC, and how it was written. */
typedef struct st_odata__instant_t {
    int64_t utc_ms;
    int64_t local_ms; /* utc_ms shifted by the offset */
    int date_only;
    int has_offset;
    int offset_min; /* 0 for Z or no offset */
    char offset[7]; /* "+HH:MM" as given, when has_offset */
} odata__instant_t;

/**
 * Reads the upstream text form of a Date or DateTimeOffset: epoch milliseconds, or
 * YYYY-MM-DD[Thh:mm[:ss[.f+]][Z|(+|-)hh:mm]] in years 1..9999. Returns 1 when it is one. Both the JSON
 * writer and the $filter evaluator read values through it, so they never disagree.
 */
int odata__instant_parse(const char *s, size_t len, odata__instant_t *t);

/** Case-insensitive (ASCII) comparison of s[0..n) with the lower-case word w. */
int odata__word_is(const char *s, size_t n, const char *w);

/* A decimal number taken apart: the digits of its integer and fraction parts read as one digit string,
 * with the decimal point `point` digits from its start (may be negative or past its end). */
typedef struct st_odata__num_t {
    int negative;
    const char *int_digits, *frac_digits;
    size_t nint, nfrac;
    long long point;
} odata__num_t;

/**
 * [+-]? (digits ('.' digits?)? | '.' digits) ([eE] [+-]? digits)?, |exponent| <= 400: the numbers the JSON
 * writer accepts and the $filter evaluator reads, through this one parser.
 */
odata_err_t odata__num_parse(const char *s, size_t len, odata__num_t *n);
/** The k-th digit of the digit string. */
char odata__num_digit(const odata__num_t *n, size_t k);
/** The significant digits [*first, *end) of n; *first == *end when n is zero. */
void odata__num_span(const odata__num_t *n, size_t *first, size_t *end);
/** Whether n (significant digits [first, end)) rounds past DBL_MAX: a double that large would reach a client as infinity. */
int odata__num_exceeds_double(const odata__num_t *n, size_t first, size_t end);

#endif
