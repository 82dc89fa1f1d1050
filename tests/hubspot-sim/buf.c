/*
 * hubspot-sim: bounded growable byte buffer.
 */
#include "buf.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_buf_init(sim_buf_t *b, size_t max)
{
    b->base = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->overflow = 0;
}

void sim_buf_dispose(sim_buf_t *b)
{
    free(b->base);
    b->base = NULL;
    b->len = b->cap = 0;
    b->overflow = 0;
}

char *sim_buf_reserve(sim_buf_t *b, size_t extra)
{
    if (b->overflow)
        return NULL;
    if (extra > b->max || b->len > b->max - extra) {
        b->overflow = 1;
        return NULL;
    }
    if (b->len + extra > b->cap) {
        size_t ncap = b->cap == 0 ? 1024 : b->cap;
        while (ncap < b->len + extra)
            ncap *= 2;
        if (ncap > b->max)
            ncap = b->max;
        b->base = sim_realloc(b->base, ncap);
        b->cap = ncap;
    }
    return b->base + b->len;
}

void sim_buf_append(sim_buf_t *b, const void *p, size_t n)
{
    char *dst = sim_buf_reserve(b, n);
    if (dst == NULL)
        return;
    memcpy(dst, p, n);
    b->len += n;
}

void sim_buf_appends(sim_buf_t *b, const char *s)
{
    sim_buf_append(b, s, strlen(s));
}

void sim_buf_appendc(sim_buf_t *b, char c)
{
    char *dst = sim_buf_reserve(b, 1);
    if (dst == NULL)
        return;
    *dst = c;
    b->len++;
}

void sim_buf_appendf(sim_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    char tmp[512];
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        sim_buf_append(b, tmp, (size_t)n);
        return;
    }
    char *dst = sim_buf_reserve(b, (size_t)n + 1);
    if (dst == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sim_buf_append_u64(sim_buf_t *b, uint64_t v)
{
    char *dst = sim_buf_reserve(b, 20);
    if (dst == NULL)
        return;
    b->len += sim_u64toa(dst, v);
}

/* length of the valid UTF-8 sequence starting at s[0], or 0 if invalid */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0xc2 && c <= 0xdf)
        return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (c == 0xe0 && s[1] < 0xa0)
            return 0;
        if (c == 0xed && s[1] >= 0xa0)
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if (c == 0xf0 && s[1] < 0x90)
            return 0;
        if (c == 0xf4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

void sim_buf_append_json_str(sim_buf_t *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    /* worst case: every byte becomes \ufffd (6 bytes) */
    if (n > (SIZE_MAX - 2) / 6) {
        b->overflow = 1;
        return;
    }
    char *dst = sim_buf_reserve(b, n * 6 + 2);
    if (dst == NULL)
        return;
    char *o = dst;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            ++i;
            continue;
        }
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"':
                *o++ = '"';
                break;
            case '\\':
                *o++ = '\\';
                break;
            case '\n':
                *o++ = 'n';
                break;
            case '\r':
                *o++ = 'r';
                break;
            case '\t':
                *o++ = 't';
                break;
            case '\b':
                *o++ = 'b';
                break;
            case '\f':
                *o++ = 'f';
                break;
            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
                break;
            }
            ++i;
            continue;
        }
        size_t l = utf8_seq_len(s + i, n - i);
        if (l == 0) {
            memcpy(o, "\\ufffd", 6);
            o += 6;
            ++i;
        } else {
            memcpy(o, s + i, l);
            o += l;
            i += l;
        }
    }
    *o++ = '"';
    b->len += (size_t)(o - dst);
}

void sim_buf_append_json_cstr(sim_buf_t *b, const char *s)
{
    if (s == NULL)
        sim_buf_append(b, "null", 4);
    else
        sim_buf_append_json_str(b, s, strlen(s));
}

char *sim_buf_steal(sim_buf_t *b, size_t *len)
{
    char *p = b->base;
    *len = b->len;
    b->base = NULL;
    b->len = b->cap = 0;
    return p;
}
