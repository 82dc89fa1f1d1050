/*
 * The bounded buffer. Content is always followed by a NUL (not counted in len) once memory is allocated,
 * so a buffer can be handed to code that wants a C string.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odata/internal.h"

#define MIN_ALLOC 256

void odata_buf_init(odata_buf_t *b, size_t max)
{
    b->base = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void odata_buf_dispose(odata_buf_t *b)
{
    free(b->base);
    b->base = NULL;
    b->len = 0;
    b->cap = 0;
}

void odata_buf_reset(odata_buf_t *b)
{
    b->len = 0;
    if (b->base != NULL)
        b->base[0] = '\0';
}

odata_err_t odata__buf_reserve(odata_buf_t *b, size_t n)
{
    size_t need, newcap;
    char *p;

    if (n > b->max - b->len)
        return ODATA_ERR_TOO_LARGE;
    if (b->len + n == SIZE_MAX)
        return ODATA_ERR_NOMEM;
    need = b->len + n + 1;
    if (need <= b->cap)
        return ODATA_OK;
    /* grow geometrically, but never allocate much past what the maximum allows */
    newcap = b->cap < MIN_ALLOC ? MIN_ALLOC : b->cap;
    while (newcap < need)
        newcap = newcap > SIZE_MAX / 2 ? need : newcap * 2;
    if (b->max < SIZE_MAX && newcap > b->max + 1)
        newcap = b->max + 1;
    if (newcap < need)
        newcap = need;
    p = realloc(b->base, newcap);
    if (p == NULL)
        return ODATA_ERR_NOMEM;
    b->base = p;
    b->cap = newcap;
    return ODATA_OK;
}

void odata__buf_truncate(odata_buf_t *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->base[len] = '\0';
    }
}

odata_err_t odata_buf_append(odata_buf_t *b, const void *p, size_t n)
{
    odata_err_t result = odata__buf_reserve(b, n);
    if (result)
        return result;
    if (n != 0)
        memcpy(b->base + b->len, p, n);
    b->len += n;
    b->base[b->len] = '\0';
    return ODATA_OK;
}

odata_err_t odata_buf_appends(odata_buf_t *b, const char *s)
{
    return odata_buf_append(b, s, strlen(s));
}

odata_err_t odata_buf_appendf(odata_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    odata_err_t result;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ODATA_ERR_INVALID;
    result = odata__buf_reserve(b, (size_t)n);
    if (result)
        return result;
    va_start(ap, fmt);
    vsnprintf(b->base + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ODATA_OK;
}
