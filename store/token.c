/*
 * Personal access tokens: "hsod_" + 32 random base62 characters + 6 base62 characters of the CRC32 of
 * the first 37 characters. The checksum lets a typo or a truncated paste be refused without a
 * database lookup; only the SHA-256 of a token is ever stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "store/store.h"

#define TOKEN_PREFIX_LEN (sizeof(STORE_TOKEN_PREFIX) - 1)
#define TOKEN_RANDOM_LEN 32
#define TOKEN_CHECKSUM_LEN 6
#define TOKEN_BODY_LEN (TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN)

_Static_assert(TOKEN_BODY_LEN + TOKEN_CHECKSUM_LEN == STORE_TOKEN_LEN, "token layout");

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* CRC-32 as zlib computes it (reflected polynomial 0xEDB88320), four bits at a time */
static uint32_t crc32_of(const void *data, size_t len)
{
    static const uint32_t table[16] = {0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
                                       0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
                                       0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C};
    const unsigned char *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;

    for (i = 0; i != len; ++i) {
        crc ^= p[i];
        crc = (crc >> 4) ^ table[crc & 15];
        crc = (crc >> 4) ^ table[crc & 15];
    }
    return crc ^ 0xFFFFFFFFu;
}

/* 62^6 > 2^32, so six digits, most significant first, hold any CRC-32 */
static void encode_checksum(const char *body, char out[TOKEN_CHECKSUM_LEN])
{
    uint32_t crc = crc32_of(body, TOKEN_BODY_LEN);
    int i;

    for (i = TOKEN_CHECKSUM_LEN - 1; i >= 0; --i) {
        out[i] = base62[crc % 62];
        crc /= 62;
    }
}

static int is_base62(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

store_err_t store_token_generate(char *out, size_t outsz)
{
    store_err_t result = STORE_ERR_INVALID;
    unsigned char rnd[64];
    size_t filled = 0, i;

    if (out == NULL || outsz < STORE_TOKEN_LEN + 1)
        goto out;
    memcpy(out, STORE_TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    result = STORE_ERR_CRYPTO;
    /* rejection sampling: only bytes below 248 = 4 * 62 are used, so every character is equally likely */
    while (filled != TOKEN_RANDOM_LEN) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1)
            goto out;
        for (i = 0; i != sizeof(rnd) && filled != TOKEN_RANDOM_LEN; ++i)
            if (rnd[i] < 248)
                out[TOKEN_PREFIX_LEN + filled++] = base62[rnd[i] % 62];
    }
    encode_checksum(out, out + TOKEN_BODY_LEN);
    out[STORE_TOKEN_LEN] = '\0';
    result = STORE_OK;

out:
    OPENSSL_cleanse(rnd, sizeof(rnd));
    if (result != STORE_OK && out != NULL && outsz != 0)
        OPENSSL_cleanse(out, outsz < STORE_TOKEN_LEN + 1 ? outsz : STORE_TOKEN_LEN + 1);
    return result;
}

int store_token_well_formed(const char *s, size_t len)
{
    char checksum[TOKEN_CHECKSUM_LEN];
    size_t i;

    if (s == NULL || len != STORE_TOKEN_LEN || memcmp(s, STORE_TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0)
        return 0;
    for (i = TOKEN_PREFIX_LEN; i != STORE_TOKEN_LEN; ++i)
        if (!is_base62(s[i]))
            return 0;
    encode_checksum(s, checksum);
    return memcmp(checksum, s + TOKEN_BODY_LEN, TOKEN_CHECKSUM_LEN) == 0;
}

void store_token_hash(const char *s, size_t len, unsigned char out[32])
{
    unsigned int outlen = 0;

    if (EVP_Digest(s, len, out, &outlen, EVP_sha256(), NULL) != 1 || outlen != 32) {
        /* no usable SHA-256 means a broken OpenSSL installation: a wrong hash would match wrong rows */
        fprintf(stderr, "store: SHA-256 is not available from OpenSSL\n");
        abort();
    }
}
