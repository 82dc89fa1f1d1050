/*
 * hubspot-sim: small helpers shared by every module (hashing, PRNG, clocks, dates, URL decoding, logging).
 */
#ifndef SIM_UTIL_H
#define SIM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define SIM_LOG_ERROR 0
#define SIM_LOG_WARN 1
#define SIM_LOG_INFO 2
#define SIM_LOG_DEBUG 3

/** current log level; messages above it are skipped before formatting */
extern int sim_log_level;

/** writes one log line "hubspot-sim [tag] message" to stderr; use SIM_LOG instead */
void sim_log_write(int level, const char *tag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define SIM_LOG(level, tag, ...)                                                                                                   \
    do {                                                                                                                           \
        if ((level) <= sim_log_level)                                                                                              \
            sim_log_write((level), (tag), __VA_ARGS__);                                                                            \
    } while (0)

/** logs the message and aborts; used for out-of-memory and broken invariants */
void sim_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/** malloc that never returns NULL (aborts through sim_fatal) */
void *sim_malloc(size_t sz);
/** calloc that never returns NULL */
void *sim_calloc(size_t n, size_t sz);
/** realloc that never returns NULL */
void *sim_realloc(void *p, size_t sz);
/** strndup that never returns NULL; the result is NUL-terminated and owned by the caller */
char *sim_strndup(const char *s, size_t len);

/** splitmix64 finaliser: a strong 64-bit mixing function */
uint64_t sim_mix64(uint64_t x);

/** xoshiro256** state */
typedef struct st_sim_rng_t {
    uint64_t s[4];
} sim_rng_t;

/** seeds the generator deterministically from one 64-bit value */
void sim_rng_seed(sim_rng_t *rng, uint64_t seed);
/** next 64 random bits */
uint64_t sim_rng_next(sim_rng_t *rng);
/** uniform double in [0, 1) */
double sim_rng_uniform(sim_rng_t *rng);

/** fills p with n bytes from the kernel's random source */
void sim_random_bytes(void *p, size_t n);

/** writes a random RFC 4122 version-4 UUID (36 characters plus NUL) */
void sim_uuid(char out[37]);

/** monotonic clock in milliseconds */
int64_t sim_now_mono_ms(void);
/** wall clock (UTC) in milliseconds since the epoch */
int64_t sim_now_real_ms(void);

/** days since 1970-01-01 for a proleptic Gregorian date */
int64_t sim_days_from_civil(int64_t y, unsigned m, unsigned d);
/** writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 bytes, no NUL) and returns 24 */
size_t sim_fmt_datetime(char *dst, int64_t ms);
/** writes "YYYY-MM-DD" (10 bytes, no NUL) and returns 10 */
size_t sim_fmt_date(char *dst, int64_t ms);
/**
 * parses a filter time value: epoch milliseconds ("1672531200000", may be negative), "YYYY-MM-DD", or ISO 8601
 * "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+hh:mm|-hh:mm]"; returns 0 on success, -1 otherwise
 */
int sim_parse_time(const char *s, size_t len, int64_t *ms);

/** writes the decimal form of v (no NUL) and returns its length (at most 20) */
size_t sim_u64toa(char *dst, uint64_t v);
/** writes the decimal form of v (no NUL) and returns its length (at most 20) */
size_t sim_i64toa(char *dst, int64_t v);
/** parses an unsigned decimal integer occupying the whole of [s, s+len); returns 0 on success */
int sim_parse_u64(const char *s, size_t len, uint64_t *out);

/** percent-decodes src into dst (dst may equal src); '+' becomes a space when plus_is_space; returns the decoded length */
size_t sim_url_decode(char *dst, const char *src, size_t len, int plus_is_space);
/** percent-encodes s for use in a URL query component; the result is appended to dst which must hold 3*len bytes */
size_t sim_url_encode(char *dst, const char *s, size_t len);

/** a decoded key/value pair of a query string or a form body */
typedef struct st_sim_param_t {
    char *key;
    char *value;
} sim_param_t;

#define SIM_MAX_PARAMS 64

/** decoded parameters of a query string or an application/x-www-form-urlencoded body */
typedef struct st_sim_params_t {
    sim_param_t items[SIM_MAX_PARAMS];
    size_t count;
    size_t dropped;
} sim_params_t;

/**
 * decodes "a=1&b=2" into params; strings are allocated with alloc(ctx, size) (e.g. from a request pool) and stay owned by
 * that allocator. Pairs beyond SIM_MAX_PARAMS are counted in params->dropped.
 */
void sim_params_parse(sim_params_t *params, const char *s, size_t len, void *(*alloc)(void *ctx, size_t sz), void *ctx);
/** first value for key, or NULL (borrowed) */
const char *sim_params_get(const sim_params_t *params, const char *key);

/** ASCII lower-case of one byte */
static inline unsigned char sim_lc(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/** ASCII case-insensitive comparison of two byte strings; returns <0, 0, >0 */
int sim_casecmp(const char *a, size_t alen, const char *b, size_t blen);

/** true if c belongs to a search token: ASCII letters and digits, and every byte of a multi-byte UTF-8 sequence */
static inline int sim_is_token_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/** case-insensitive glob match where '*' matches any run of bytes */
int sim_glob_match(const char *pat, size_t plen, const char *s, size_t slen);

#endif
