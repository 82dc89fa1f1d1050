/*
 * The query string as the audit log records it. Masking is decided by what the text is, not by what a
 * parse found in it: a literal is masked wherever it stands, and whatever is written verbatim is built
 * only from ASCII letters, digits, space and a few punctuation characters, so that neither personal
 * data nor bytes that could forge or garble a log line reach the log.
 */
#include <stdlib.h>
#include <string.h>
#include "odata/internal.h"
#include "odata/query.h"

#define MASK "***"
#define MAX_NAME 64

typedef enum en_value_kind_t {
    VALUE_MASKED,
    VALUE_EXPR,   /* literals masked, structure kept */
    VALUE_BOOL,   /* kept when true or false */
    VALUE_DIGITS, /* kept when digits only */
} value_kind_t;

/* The options whose values may show, by name without '$' (lower case); the rest are masked. */
static const struct {
    const char *name;
    value_kind_t kind;
} shown[] = {
    {"filter", VALUE_EXPR}, {"select", VALUE_EXPR}, {"orderby", VALUE_EXPR},
    {"count", VALUE_BOOL},  {"top", VALUE_DIGITS},  {"skip", VALUE_DIGITS},
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_ident_start(char c)
{
    return is_alpha(c) || c == '_';
}

static int is_ident_char(char c)
{
    return is_ident_start(c) || is_digit(c);
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* What may follow the first character of a number, date, time, DateTimeOffset or GUID (e.g. 1.5e-3,
 * 2026-01-02T03:04:05.678+02:00, 12:30:00, 0f1e...-...) and of the number suffixes M, D, L. */
static int is_number_char(char c)
{
    return is_ident_char(c) || c == '.' || c == ':' || c == '+' || c == '-';
}

/* Punctuation of expressions and paths that carries no value of its own, and the space (a tab is a control
 * character, which the log does not take). */
static int is_punct(char c)
{
    return c != '\0' && strchr("(),/:.*-$@ ", c) != NULL;
}

/* Percent-decodes s[0..n) into out (n bytes at least); '+' stays a plus. 0 when an escape is malformed. */
static int decode(const char *s, size_t n, char *out, size_t *outlen)
{
    size_t k = 0;

    for (size_t i = 0; i < n; ++i) {
        if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= n || (hi = hex_value(s[i + 1])) < 0 || (lo = hex_value(s[i + 2])) < 0)
                return 0;
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    *outlen = k;
    return 1;
}

static int name_is_shown(const char *s, size_t n)
{
    if (n == 0 || n > MAX_NAME)
        return 0;
    for (size_t k = 0; k < n; ++k)
        if (!is_ident_char(s[k]) && s[k] != '$' && s[k] != '.' && s[k] != '-')
            return 0;
    return 1;
}

/* The length of the 8-4-4-4-12 hex digits of a GUID at s, or 0. */
static size_t guid_len(const char *s, size_t n)
{
    static const size_t groups[] = {8, 4, 4, 4, 12};
    size_t k = 0;

    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); ++g) {
        if (g > 0 && (k >= n || s[k++] != '-'))
            return 0;
        for (size_t d = 0; d < groups[g]; ++d, ++k)
            if (k >= n || !is_hex(s[k]))
                return 0;
    }
    return k;
}

/* The end of the quoted string that starts at s[i] == '\'' ('' is a quote inside it); n when unterminated. */
static size_t string_end(const char *s, size_t n, size_t i)
{
    for (size_t j = i + 1; j < n; ++j) {
        if (s[j] == '\'') {
            if (j + 1 < n && s[j + 1] == '\'')
                ++j;
            else
                return j + 1;
        }
    }
    return n;
}

/*
 * An expression ($filter, $select, $orderby) with every literal masked: strings (also after a type
 * prefix such as duration) become '***', numbers, dates, times, DateTimeOffsets and GUIDs ***. Names
 * (properties, functions, operators, true/false/null), spaces and the punctuation of is_punct() are kept;
 * any other character (one per UTF-8 character or ill-formed subsequence) becomes '?'.
 */
static odata_err_t mask_expr(const char *s, size_t n, odata_buf_t *out)
{
    odata_err_t result = ODATA_OK;
    size_t i = 0;

    while (i < n && result == ODATA_OK) {
        char c = s[i];
        size_t j = i + 1, g;

        if (c == '\'') {
            result = odata_buf_appends(out, "'" MASK "'");
            i = string_end(s, n, i);
        } else if (is_digit(c) || ((c == '-' || c == '+') && j < n && is_digit(s[j]))) {
            while (j < n && is_number_char(s[j]))
                ++j;
            result = odata_buf_appends(out, MASK);
            i = j;
        } else if (is_hex(c) && (g = guid_len(s + i, n - i)) > 0) {
            result = odata_buf_appends(out, MASK);
            i += g;
        } else if (is_ident_start(c)) {
            while (j < n && is_ident_char(s[j]))
                ++j;
            result = odata_buf_append(out, s + i, j - i);
            i = j;
        } else if (is_punct(c)) {
            result = odata_buf_append(out, &c, 1);
            ++i;
        } else {
            int32_t cp;
            result = odata_buf_appends(out, "?");
            i += odata__utf8_next(s + i, n - i, &cp);
        }
    }
    return result;
}

static odata_err_t mask_value(value_kind_t kind, const char *v, size_t n, odata_buf_t *out)
{
    size_t k = 0;

    switch (kind) {
    case VALUE_EXPR:
        return mask_expr(v, n, out);
    case VALUE_BOOL:
        if (odata__word_is(v, n, "true") || odata__word_is(v, n, "false"))
            return odata_buf_append(out, v, n);
        break;
    case VALUE_DIGITS:
        while (k < n && is_digit(v[k]))
            ++k;
        if (n > 0 && k == n)
            return odata_buf_append(out, v, n);
        break;
    case VALUE_MASKED:
        break;
    }
    return odata_buf_appends(out, MASK);
}

/* One option, raw s[0..n) (n > 0); `tmp` has room for n bytes. */
static odata_err_t mask_option(const char *s, size_t n, int parsed, char *tmp, odata_buf_t *out)
{
    const char *eq = memchr(s, '=', n);
    size_t nlen = eq != NULL ? (size_t)(eq - s) : n, name_len, vlen = 0;
    char *name = tmp, *value = NULL;
    value_kind_t kind = VALUE_MASKED;
    odata_err_t result;

    if (eq != NULL)
        value = tmp + nlen;
    if (!decode(s, nlen, name, &name_len) || (value != NULL && !decode(eq + 1, n - nlen - 1, value, &vlen)))
        return odata_buf_appends(out, MASK);
    if (!name_is_shown(name, name_len))
        result = odata_buf_appends(out, MASK);
    else
        result = odata_buf_append(out, name, name_len);
    if (result != ODATA_OK || value == NULL)
        return result;
    if (parsed && name_len > 0 && name[0] == '$')
        for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); ++k)
            if (odata__word_is(name + 1, name_len - 1, shown[k].name))
                kind = shown[k].kind;
    if ((result = odata_buf_appends(out, "=")) != ODATA_OK)
        return result;
    return mask_value(kind, value, vlen, out);
}

odata_err_t odata_query_mask(const char *raw, size_t len, int parsed, odata_buf_t *out)
{
    size_t start_len = out->len, written = 0;
    char *tmp = NULL;
    odata_err_t result;

    if (raw == NULL)
        len = 0;
    /* an empty result is still a C string */
    if ((result = odata_buf_append(out, "", 0)) != ODATA_OK)
        goto out;
    if (len > 0 && (tmp = malloc(len)) == NULL) {
        result = ODATA_ERR_NOMEM;
        goto out;
    }
    for (size_t start = 0; start < len;) {
        const char *seg = raw + start, *amp = memchr(seg, '&', len - start);
        size_t seglen = amp != NULL ? (size_t)(amp - seg) : len - start;

        start += seglen + 1;
        if (seglen == 0)
            continue;
        if (written++ > 0 && (result = odata_buf_appends(out, "&")) != ODATA_OK)
            goto out;
        if ((result = mask_option(seg, seglen, parsed, tmp, out)) != ODATA_OK)
            goto out;
    }

out:
    free(tmp);
    if (result != ODATA_OK && out->base != NULL)
        odata__buf_truncate(out, start_len);
    return result;
}
