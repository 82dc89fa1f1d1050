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

#endif
