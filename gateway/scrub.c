/*
 * What the gateway's log lines may not hold, taken out of each line as it is written: e-mail addresses
 * become "email:" and the first 12 hex digits of the SHA-256 of the lower-cased address (the same
 * address always gives the same tag, so support can still follow it), the gateway's tokens (personal
 * access tokens, admin and staff sessions) keep only their prefix, and the values of the token-bearing
 * query parameter, of Bearer and Basic credentials and of refresh_token/code/password parameters are
 * replaced by "***".
 */
#include <ctype.h>
#include <string.h>
#include <openssl/evp.h>
#include "gateway/scrub.h"

static int local_char(int c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
}

static int domain_char(int c)
{
    return isalnum(c) || c == '.' || c == '-';
}

/* appends n bytes to out[*o] within cap (one byte kept for the NUL) */
static void put(char *out, size_t *o, size_t cap, const char *s, size_t n)
{
    if (*o + n >= cap)
        n = *o + 1 < cap ? cap - 1 - *o : 0;
    memcpy(out + *o, s, n);
    *o += n;
}

/* The length of an e-mail address's domain at s ("example.com": labels, a dot, letters), 0 when none. */
static size_t domain_len(const char *s)
{
    size_t n = 0, last_dot = 0;
    while (domain_char((unsigned char)s[n]))
        ++n;
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == '-'))
        --n;
    for (size_t i = 0; i < n; ++i)
        if (s[i] == '.')
            last_dot = i + 1;
    if (last_dot == 0 || n - last_dot < 2)
        return 0;
    for (size_t i = last_dot; i < n; ++i)
        if (!isalpha((unsigned char)s[i]))
            return 0;
    return n;
}

static int name_ends_at(const char *line, size_t at, const char *name)
{
    size_t n = strlen(name);
    return at >= n && strncasecmp(line + at - n, name, n) == 0 &&
           (at == n || !(isalnum((unsigned char)line[at - n - 1]) || line[at - n - 1] == '_'));
}

void gw_scrub(const char *in, const char *key_param, char *out, size_t cap)
{
    static const char *const prefixes[] = {"hsods_", "hsod_", "hsst_", NULL};
    static const char *const secret_params[] = {"refresh_token", "code", "password", "client_secret", "access_token", NULL};
    size_t i = 0, o = 0, len = strlen(in);

    if (cap == 0)
        return;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        /* an e-mail address: the local part ends here at an '@' */
        if (local_char(c) && (i == 0 || !local_char((unsigned char)in[i - 1]))) {
            size_t j = i, d;
            while (j < len && local_char((unsigned char)in[j]))
                ++j;
            if (j < len && in[j] == '@' && j > i && (d = domain_len(in + j + 1)) != 0) {
                unsigned char md[EVP_MAX_MD_SIZE];
                unsigned int mdlen = 0;
                char lower[512], tag[6 + 12 + 1];
                size_t n = j + 1 + d - i;
                if (n < sizeof(lower)) {
                    for (size_t k = 0; k < n; ++k)
                        lower[k] = (char)tolower((unsigned char)in[i + k]);
                    EVP_Digest(lower, n, md, &mdlen, EVP_sha256(), NULL);
                } else {
                    memset(md, 0, sizeof(md));
                }
                memcpy(tag, "email:", 6);
                for (int k = 0; k < 6; ++k) {
                    tag[6 + 2 * k] = "0123456789abcdef"[md[k] >> 4];
                    tag[7 + 2 * k] = "0123456789abcdef"[md[k] & 15];
                }
                put(out, &o, cap, tag, 18);
                i += n;
                continue;
            }
        }
        /* a token of the gateway: the prefix stays */
        if (i == 0 || !isalnum((unsigned char)in[i - 1])) {
            int hit = 0;
            for (const char *const *p = prefixes; *p != NULL && !hit; ++p) {
                size_t pl = strlen(*p), j = i + pl;
                if (strncmp(in + i, *p, pl) == 0 && isalnum((unsigned char)in[j])) {
                    while (j < len && isalnum((unsigned char)in[j]))
                        ++j;
                    put(out, &o, cap, *p, pl);
                    put(out, &o, cap, "***", 3);
                    i = j;
                    hit = 1;
                }
            }
            if (hit)
                continue;
        }
        /* a parameter or header whose value is a secret */
        if (c == '=' || c == ' ') {
            int secret = 0;
            if (c == '=') {
                secret = key_param != NULL && *key_param != '\0' && name_ends_at(in, i, key_param);
                for (const char *const *p = secret_params; *p != NULL && !secret; ++p)
                    secret = name_ends_at(in, i, *p);
            } else {
                secret = name_ends_at(in, i, "Bearer") || name_ends_at(in, i, "Basic");
            }
            if (secret && i + 1 < len && in[i + 1] != ' ' && in[i + 1] != '&') {
                size_t j = i + 1;
                while (j < len && in[j] != '&' && in[j] != ' ' && in[j] != '"' && in[j] != '\'' && in[j] != ',')
                    ++j;
                put(out, &o, cap, in + i, 1);
                put(out, &o, cap, "***", 3);
                i = j;
                continue;
            }
        }
        put(out, &o, cap, in + i, 1);
        ++i;
    }
    out[o] = '\0';
}
