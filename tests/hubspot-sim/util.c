/*
 * hubspot-sim: shared helpers.
 */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int sim_log_level = SIM_LOG_WARN;

void sim_log_write(int level, const char *tag, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    va_list ap;
    fprintf(stderr, "hubspot-sim [%s] %s: ", tag, names[level < 0 ? 0 : level > 3 ? 3 : level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void sim_fatal(const char *fmt, ...)
{
    va_list ap;
    fputs("hubspot-sim [fatal] ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void *sim_malloc(size_t sz)
{
    void *p = malloc(sz == 0 ? 1 : sz);
    if (p == NULL)
        sim_fatal("out of memory (%zu bytes)", sz);
    return p;
}

void *sim_calloc(size_t n, size_t sz)
{
    void *p = calloc(n == 0 ? 1 : n, sz == 0 ? 1 : sz);
    if (p == NULL)
        sim_fatal("out of memory (%zu x %zu bytes)", n, sz);
    return p;
}

void *sim_realloc(void *p, size_t sz)
{
    void *q = realloc(p, sz == 0 ? 1 : sz);
    if (q == NULL)
        sim_fatal("out of memory (%zu bytes)", sz);
    return q;
}

char *sim_strndup(const char *s, size_t len)
{
    char *p = sim_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

uint64_t sim_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void sim_rng_seed(sim_rng_t *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; ++i) {
        x = sim_mix64(x + (uint64_t)i);
        rng->s[i] = x;
    }
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
        rng->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(sim_rng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sim_rng_uniform(sim_rng_t *rng)
{
    return (double)(sim_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

void sim_random_bytes(void *p, size_t n)
{
    unsigned char *dst = p;
    while (n != 0) {
        ssize_t r = getrandom(dst, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            sim_fatal("getrandom failed: %s", strerror(errno));
        }
        dst += r;
        n -= (size_t)r;
    }
}

void sim_uuid(char out[37])
{
    static sim_rng_t rng;
    static int seeded;
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    if (!seeded) {
        uint64_t seed;
        sim_random_bytes(&seed, sizeof(seed));
        sim_rng_seed(&rng, seed);
        seeded = 1;
    }
    uint64_t a = sim_rng_next(&rng), c = sim_rng_next(&rng);
    memcpy(b, &a, 8);
    memcpy(b + 8, &c, 8);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *o = out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
}

int64_t sim_now_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_now_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static inline void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

static void split_ms(int64_t ms, int64_t *days, int64_t *msofday)
{
    *days = ms / 86400000;
    *msofday = ms % 86400000;
    if (*msofday < 0) {
        *msofday += 86400000;
        *days -= 1;
    }
}

static void put_ymd(char *dst, int64_t days)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    put2(dst, (unsigned)(y / 100));
    put2(dst + 2, (unsigned)(y % 100));
    dst[4] = '-';
    put2(dst + 5, m);
    dst[7] = '-';
    put2(dst + 8, d);
}

size_t sim_fmt_datetime(char *dst, int64_t ms)
{
    int64_t days, rem;
    split_ms(ms, &days, &rem);
    put_ymd(dst, days);
    dst[10] = 'T';
    put2(dst + 11, (unsigned)(rem / 3600000));
    dst[13] = ':';
    put2(dst + 14, (unsigned)(rem / 60000 % 60));
    dst[16] = ':';
    put2(dst + 17, (unsigned)(rem / 1000 % 60));
    dst[19] = '.';
    unsigned msec = (unsigned)(rem % 1000);
    dst[20] = (char)('0' + msec / 100);
    put2(dst + 21, msec % 100);
    dst[23] = 'Z';
    return 24;
}

size_t sim_fmt_date(char *dst, int64_t ms)
{
    int64_t days, rem;
    split_ms(ms, &days, &rem);
    put_ymd(dst, days);
    return 10;
}

static int digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int sim_parse_time(const char *s, size_t len, int64_t *ms)
{
    while (len != 0 && (s[0] == ' '))
        ++s, --len;
    while (len != 0 && s[len - 1] == ' ')
        --len;
    if (len == 0)
        return -1;
    /* epoch milliseconds */
    size_t i = (s[0] == '-') ? 1 : 0;
    if (i < len) {
        size_t j = i;
        while (j < len && s[j] >= '0' && s[j] <= '9')
            ++j;
        if (j == len && len - i <= 18) {
            int64_t v = 0;
            for (size_t k = i; k < len; ++k)
                v = v * 10 + (s[k] - '0');
            *ms = i ? -v : v;
            return 0;
        }
    }
    unsigned y, mo, d, hh = 0, mi = 0, ss = 0, frac = 0;
    if (len < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    size_t p = 10;
    int64_t offset_min = 0;
    if (p < len) {
        if (s[p] != 'T' && s[p] != 't' && s[p] != ' ')
            return -1;
        ++p;
        if (p + 5 > len || digits(s + p, 2, &hh) || s[p + 2] != ':' || digits(s + p + 3, 2, &mi))
            return -1;
        p += 5;
        if (p < len && s[p] == ':') {
            if (p + 3 > len || digits(s + p + 1, 2, &ss))
                return -1;
            p += 3;
            if (p < len && s[p] == '.') {
                ++p;
                unsigned scale = 100;
                size_t start = p;
                while (p < len && s[p] >= '0' && s[p] <= '9') {
                    frac += (unsigned)(s[p] - '0') * scale;
                    scale /= 10;
                    ++p;
                }
                if (p == start)
                    return -1;
            }
        }
        if (p < len) {
            if ((s[p] == 'Z' || s[p] == 'z') && p + 1 == len) {
                ++p;
            } else if ((s[p] == '+' || s[p] == '-') && p + 6 == len && s[p + 3] == ':') {
                unsigned oh, om;
                if (digits(s + p + 1, 2, &oh) || digits(s + p + 4, 2, &om))
                    return -1;
                offset_min = (int64_t)(oh * 60 + om) * (s[p] == '+' ? 1 : -1);
                p = len;
            } else {
                return -1;
            }
        }
        if (hh > 23 || mi > 59 || ss > 60)
            return -1;
    }
    *ms = (sim_days_from_civil(y, mo, d) * 86400 + (int64_t)hh * 3600 + (int64_t)mi * 60 + ss - offset_min * 60) * 1000 + frac;
    return 0;
}

size_t sim_u64toa(char *dst, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; ++i)
        dst[i] = tmp[n - 1 - i];
    return n;
}

size_t sim_i64toa(char *dst, int64_t v)
{
    if (v < 0) {
        dst[0] = '-';
        return 1 + sim_u64toa(dst + 1, (uint64_t)0 - (uint64_t)v);
    }
    return sim_u64toa(dst, (uint64_t)v);
}

int sim_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 19)
        return -1;
    for (size_t i = 0; i < len; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t sim_url_decode(char *dst, const char *src, size_t len, int plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; ++i) {
        char c = src[i];
        if (c == '%' && i + 2 < len) {
            int h = hexval((unsigned char)src[i + 1]), l = hexval((unsigned char)src[i + 2]);
            if (h >= 0 && l >= 0) {
                dst[o++] = (char)(h * 16 + l);
                i += 2;
                continue;
            }
        }
        dst[o++] = (plus_is_space && c == '+') ? ' ' : c;
    }
    return o;
}

size_t sim_url_encode(char *dst, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < len; ++i) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            dst[o++] = (char)c;
        } else {
            dst[o++] = '%';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        }
    }
    return o;
}

void sim_params_parse(sim_params_t *params, const char *s, size_t len, void *(*alloc)(void *ctx, size_t sz), void *ctx)
{
    params->count = 0;
    params->dropped = 0;
    const char *end = s + len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *pend = amp != NULL ? amp : end;
        if (pend != s) {
            const char *eq = memchr(s, '=', (size_t)(pend - s));
            const char *kend = eq != NULL ? eq : pend;
            const char *vstart = eq != NULL ? eq + 1 : pend;
            if (params->count == SIM_MAX_PARAMS) {
                params->dropped++;
            } else {
                sim_param_t *p = &params->items[params->count++];
                p->key = alloc(ctx, (size_t)(kend - s) + 1);
                p->key[sim_url_decode(p->key, s, (size_t)(kend - s), 1)] = '\0';
                p->value = alloc(ctx, (size_t)(pend - vstart) + 1);
                p->value[sim_url_decode(p->value, vstart, (size_t)(pend - vstart), 1)] = '\0';
            }
        }
        s = pend + (amp != NULL ? 1 : 0);
    }
}

const char *sim_params_get(const sim_params_t *params, const char *key)
{
    for (size_t i = 0; i < params->count; ++i)
        if (strcmp(params->items[i].key, key) == 0)
            return params->items[i].value;
    return NULL;
}

int sim_casecmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = sim_lc((unsigned char)a[i]), y = sim_lc((unsigned char)b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int sim_glob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
    size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;
    while (i < slen) {
        if (p < plen && pat[p] == '*') {
            star_p = p++;
            star_i = i;
        } else if (p < plen && sim_lc((unsigned char)pat[p]) == sim_lc((unsigned char)s[i])) {
            ++p;
            ++i;
        } else if (star_p != (size_t)-1) {
            p = star_p + 1;
            i = ++star_i;
        } else {
            return 0;
        }
    }
    while (p < plen && pat[p] == '*')
        ++p;
    return p == plen;
}
