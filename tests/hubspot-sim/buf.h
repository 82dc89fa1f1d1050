/*
 * hubspot-sim: bounded growable byte buffer with JSON writing helpers.
 */
#ifndef SIM_BUF_H
#define SIM_BUF_H

#include <stddef.h>
#include <stdint.h>

/**
 * A heap buffer with a hard cap. Appending past `max` sets `overflow` and drops the data; callers check `overflow` once
 * at the end and answer with an error instead of a truncated document.
 */
typedef struct st_sim_buf_t {
    char *base;
    size_t len;
    size_t cap;
    size_t max;
    int overflow;
} sim_buf_t;

/** initialises an empty buffer that may grow up to max bytes */
void sim_buf_init(sim_buf_t *b, size_t max);
/** frees the storage; the buffer may be initialised again */
void sim_buf_dispose(sim_buf_t *b);
/** empties the buffer, keeping its storage */
static inline void sim_buf_reset(sim_buf_t *b)
{
    b->len = 0;
    b->overflow = 0;
}
/** makes room for extra more bytes; returns a pointer to the free space or NULL (and sets overflow) past the cap */
char *sim_buf_reserve(sim_buf_t *b, size_t extra);
/** appends n bytes */
void sim_buf_append(sim_buf_t *b, const void *p, size_t n);
/** appends a NUL-terminated string */
void sim_buf_appends(sim_buf_t *b, const char *s);
/** appends one byte */
void sim_buf_appendc(sim_buf_t *b, char c);
/** appends printf-formatted text */
void sim_buf_appendf(sim_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** appends the decimal form of an unsigned integer */
void sim_buf_append_u64(sim_buf_t *b, uint64_t v);
/**
 * appends s as a JSON string literal (with quotes); control characters, quotes and backslashes are escaped and invalid
 * UTF-8 is replaced with U+FFFD so the output is always valid JSON
 */
void sim_buf_append_json_str(sim_buf_t *b, const char *s, size_t n);
/** appends a NUL-terminated string as a JSON string literal, or `null` when s is NULL */
void sim_buf_append_json_cstr(sim_buf_t *b, const char *s);
/** transfers ownership of the storage to the caller (free() it); the buffer is left empty */
char *sim_buf_steal(sim_buf_t *b, size_t *len);

#endif
