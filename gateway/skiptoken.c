/*
 * $skiptoken values are opaque to clients: the upstream cursor, base64url-encoded, followed by an
 * HMAC-SHA256 (truncated to 128 bits) over the data source, the entity set and the cursor. A tampered
 * token or one minted for another feed fails verification. Every gateway process that shares the
 * master key shares the signing key, so a nextLink works on any of them.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "gateway/gateway.h"

#define MAC_LEN 16
#define MAX_CURSOR 512

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = b64url[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = b64url[v & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c)
{
    const char *p = c != '\0' ? strchr(b64url, c) : NULL;
    return p != NULL ? (int)(p - b64url) : -1;
}

/* returns the decoded length or -1 */
static long b64_decode(const char *in, size_t n, unsigned char *out, size_t outsz)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; ++i) {
        int v = b64_value(in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= outsz)
                return -1;
            out[o++] = (acc >> bits) & 0xff;
        }
    }
    /* non-canonical encodings (left-over bits set) are refused */
    if ((acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)o;
}

static void mac(const char *ds, const char *set, const char *cursor, size_t cursor_len, unsigned char out[32])
{
    unsigned char msg[64 + 2 * 256 + MAX_CURSOR];
    size_t dl = strnlen(ds, 255), sl = strnlen(set, 255), n = 0;
    unsigned int outlen = 32;

    memcpy(msg + n, "skiptoken-v1\n", 13), n += 13;
    memcpy(msg + n, ds, dl), n += dl, msg[n++] = '\0';
    memcpy(msg + n, set, sl), n += sl, msg[n++] = '\0';
    memcpy(msg + n, cursor, cursor_len), n += cursor_len;
    HMAC(EVP_sha256(), gw.link_key, sizeof(gw.link_key), msg, n, out, &outlen);
}

char *gw_skiptoken_sign(const char *ds, const char *set, const char *cursor)
{
    size_t n = strlen(cursor);
    unsigned char m[32];
    char *out;

    if (n > MAX_CURSOR || (out = malloc((n + 2) / 3 * 4 + 1 + (MAC_LEN + 2) / 3 * 4 + 2)) == NULL)
        return NULL;
    mac(ds, set, cursor, n, m);
    size_t o = b64_encode((const unsigned char *)cursor, n, out);
    out[o++] = '.';
    b64_encode(m, MAC_LEN, out + o);
    return out;
}

char *gw_skiptoken_verify(const char *ds, const char *set, const char *token, size_t len)
{
    const char *dot = memchr(token, '.', len);
    unsigned char cursor[MAX_CURSOR + 1], given[MAC_LEN + 2], want[32];
    long clen, mlen;

    if (dot == NULL || len > 2 * MAX_CURSOR)
        return NULL;
    if ((clen = b64_decode(token, dot - token, cursor, MAX_CURSOR)) < 0)
        return NULL;
    if ((mlen = b64_decode(dot + 1, len - (dot + 1 - token), given, sizeof(given))) != MAC_LEN)
        return NULL;
    mac(ds, set, (const char *)cursor, clen, want);
    if (CRYPTO_memcmp(given, want, MAC_LEN) != 0)
        return NULL;
    if (memchr(cursor, '\0', clen) != NULL)
        return NULL;
    cursor[clen] = '\0';
    return strdup((const char *)cursor);
}
