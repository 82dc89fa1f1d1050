/*
 * Master keys and the sealing of secrets kept in the database (AES-256-GCM).
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "store/store.h"

#define STORE_KEY_LEN 32
#define STORE_KEY_HEX_LEN (2 * STORE_KEY_LEN)
#define STORE_KEYRING_MAX 64
/* key ids are stored in an `integer` column (portals.refresh_token_key_id) */
#define STORE_KEY_ID_MAX 2147483647u
#define STORE_KEYFILE_MAX (64 * 1024)

#define STORE_SEAL_VERSION 1
#define STORE_SEAL_NONCE_LEN 12
#define STORE_SEAL_TAG_LEN 16
#define STORE_SEAL_HEADER_LEN (1 + 4 + STORE_SEAL_NONCE_LEN)
#define STORE_SEAL_PLAINTEXT_MAX (1024 * 1024)

typedef struct st_store_key_t {
    uint32_t id;
    unsigned char bytes[STORE_KEY_LEN];
} store_key_t;

struct st_store_keyring_t {
    size_t count;
    uint32_t newest;
    store_key_t keys[STORE_KEYRING_MAX];
};

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const store_key_t *find_key(const store_keyring_t *kr, uint32_t id)
{
    size_t i;

    for (i = 0; i != kr->count; ++i)
        if (kr->keys[i].id == id)
            return kr->keys + i;
    return NULL;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses one `<id>:<64 hex>` entry into the next slot of kr. The messages name the entry by its
 * position and never quote its text, which would be key material. */
static store_err_t parse_entry(store_keyring_t *kr, const char *s, size_t len, size_t entry, size_t line, char *err, size_t errlen)
{
    store_key_t *key;
    const char *colon = memchr(s, ':', len);
    size_t idlen, keylen, i;
    uint64_t id = 0;

    if (colon == NULL) {
        set_err(err, errlen, "master key entry %zu (line %zu): expected <key id>:<64 hex digits>", entry, line);
        return STORE_ERR_INVALID;
    }
    idlen = (size_t)(colon - s);
    keylen = len - idlen - 1;
    if (idlen == 0 || idlen > 10) {
        set_err(err, errlen, "master key entry %zu (line %zu): the key id must be an integer from 1 to %u", entry, line,
                STORE_KEY_ID_MAX);
        return STORE_ERR_INVALID;
    }
    for (i = 0; i != idlen; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            set_err(err, errlen, "master key entry %zu (line %zu): the key id must be an integer from 1 to %u", entry, line,
                    STORE_KEY_ID_MAX);
            return STORE_ERR_INVALID;
        }
        id = id * 10 + (uint64_t)(s[i] - '0');
    }
    if (id == 0 || id > STORE_KEY_ID_MAX) {
        set_err(err, errlen, "master key entry %zu (line %zu): the key id must be an integer from 1 to %u", entry, line,
                STORE_KEY_ID_MAX);
        return STORE_ERR_INVALID;
    }
    if (keylen != STORE_KEY_HEX_LEN) {
        set_err(err, errlen,
                "master key entry %zu (line %zu), key id %" PRIu64 ": the key must be %d hex digits, found %zu characters", entry,
                line, id, STORE_KEY_HEX_LEN, keylen);
        return STORE_ERR_INVALID;
    }
    if (find_key(kr, (uint32_t)id) != NULL) {
        set_err(err, errlen, "master key entry %zu (line %zu): key id %" PRIu64 " appears more than once", entry, line, id);
        return STORE_ERR_INVALID;
    }
    if (kr->count == STORE_KEYRING_MAX) {
        set_err(err, errlen, "too many master keys (at most %d)", STORE_KEYRING_MAX);
        return STORE_ERR_INVALID;
    }
    key = kr->keys + kr->count;
    for (i = 0; i != STORE_KEY_LEN; ++i) {
        int hi = hex_value(colon[1 + 2 * i]), lo = hex_value(colon[2 + 2 * i]);
        if (hi < 0 || lo < 0) {
            OPENSSL_cleanse(key->bytes, sizeof(key->bytes));
            set_err(err, errlen,
                    "master key entry %zu (line %zu), key id %" PRIu64 ": the key has a character that is not a hex digit", entry,
                    line, id);
            return STORE_ERR_INVALID;
        }
        key->bytes[i] = (unsigned char)(hi << 4 | lo);
    }
    key->id = (uint32_t)id;
    ++kr->count;
    if (key->id > kr->newest)
        kr->newest = key->id;
    return STORE_OK;
}

/* One entry per line or per ','; blank entries and lines starting with '#' are skipped. */
static store_err_t parse_keyring(store_keyring_t *kr, const char *text, size_t len, char *err, size_t errlen)
{
    size_t pos = 0, entry = 0, line = 0;

    while (pos < len) {
        size_t start = pos, line_end;
        ++line;
        while (pos < len && text[pos] != '\n')
            ++pos;
        line_end = pos++;
        while (start < line_end && is_blank(text[start]))
            ++start;
        if (start < line_end && text[start] == '#')
            continue;
        while (start < line_end) {
            size_t end = start, next;
            while (end < line_end && text[end] != ',')
                ++end;
            next = end + 1;
            while (start < end && is_blank(text[start]))
                ++start;
            while (end > start && is_blank(text[end - 1]))
                --end;
            if (start != end) {
                store_err_t ret = parse_entry(kr, text + start, end - start, ++entry, line, err, errlen);
                if (ret != STORE_OK)
                    return ret;
            }
            start = next;
        }
    }
    if (kr->count == 0) {
        set_err(err, errlen, "no master key found (expected lines <key id>:<64 hex digits>)");
        return STORE_ERR_INVALID;
    }
    return STORE_OK;
}

static char *read_key_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *fp = NULL;
    char *buf = NULL;
    size_t n = 0;

    if ((fp = fopen(path, "rb")) == NULL) {
        set_err(err, errlen, "cannot open master key file %s: %s", path, strerror(errno));
        goto out;
    }
    if ((buf = malloc(STORE_KEYFILE_MAX + 1)) == NULL) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    n = fread(buf, 1, STORE_KEYFILE_MAX + 1, fp);
    if (ferror(fp)) {
        set_err(err, errlen, "cannot read master key file %s: %s", path, strerror(errno));
        goto fail;
    }
    if (n > STORE_KEYFILE_MAX) {
        set_err(err, errlen, "master key file %s is larger than %d bytes", path, STORE_KEYFILE_MAX);
        goto fail;
    }
    *len = n;
    goto out;

fail:
    OPENSSL_cleanse(buf, n);
    free(buf);
    buf = NULL;
out:
    if (fp != NULL)
        fclose(fp);
    return buf;
}

store_keyring_t *store_keyring_load(const char *path, const char *env_value, char *err, size_t errlen)
{
    store_keyring_t *kr = NULL;
    char *filebuf = NULL;
    const char *text;
    size_t len = 0;

    if (path != NULL) {
        if ((filebuf = read_key_file(path, &len, err, errlen)) == NULL)
            goto out;
        text = filebuf;
    } else if (env_value != NULL) {
        text = env_value;
        len = strlen(env_value);
        if (len > STORE_KEYFILE_MAX) {
            set_err(err, errlen, "the master key value is longer than %d bytes", STORE_KEYFILE_MAX);
            goto out;
        }
    } else {
        set_err(err, errlen, "no master key configured");
        goto out;
    }
    if ((kr = calloc(1, sizeof(*kr))) == NULL) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (parse_keyring(kr, text, len, err, errlen) != STORE_OK) {
        store_keyring_destroy(kr);
        kr = NULL;
    }

out:
    if (filebuf != NULL) {
        OPENSSL_cleanse(filebuf, len);
        free(filebuf);
    }
    return kr;
}

void store_keyring_destroy(store_keyring_t *kr)
{
    if (kr == NULL)
        return;
    OPENSSL_cleanse(kr, sizeof(*kr));
    free(kr);
}

uint32_t store_keyring_newest_id(const store_keyring_t *kr)
{
    return kr->newest;
}

void store_keyring_derive(const store_keyring_t *kr, const char *label, unsigned char out[32])
{
    const store_key_t *oldest = &kr->keys[0];
    unsigned int outlen = 32;
    for (size_t i = 1; i < kr->count; ++i)
        if (kr->keys[i].id < oldest->id)
            oldest = &kr->keys[i];
    HMAC(EVP_sha256(), oldest->bytes, STORE_KEY_LEN, (const unsigned char *)label, strlen(label), out, &outlen);
}

store_err_t store_keyring_generate_line(const store_keyring_t *kr_or_null, char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    store_err_t result = STORE_ERR_INVALID;
    unsigned char key[STORE_KEY_LEN];
    uint32_t id = 1;
    int n;
    size_t i;

    if (kr_or_null != NULL) {
        if (kr_or_null->newest >= STORE_KEY_ID_MAX)
            goto out;
        id = kr_or_null->newest + 1;
    }
    n = snprintf(out, outsz, "%" PRIu32 ":", id);
    if (n < 0 || (size_t)n + STORE_KEY_HEX_LEN + 1 > outsz)
        goto out;
    result = STORE_ERR_CRYPTO;
    if (RAND_bytes(key, sizeof(key)) != 1)
        goto out;
    for (i = 0; i != STORE_KEY_LEN; ++i) {
        out[n + 2 * i] = hex[key[i] >> 4];
        out[n + 2 * i + 1] = hex[key[i] & 15];
    }
    out[n + STORE_KEY_HEX_LEN] = '\0';
    result = STORE_OK;

out:
    OPENSSL_cleanse(key, sizeof(key));
    if (result != STORE_OK && outsz != 0)
        OPENSSL_cleanse(out, outsz);
    return result;
}

static int format_aad(char *buf, size_t bufsz, int64_t portal_id)
{
    return snprintf(buf, bufsz, "%" PRId64, portal_id);
}

store_err_t store_seal(const store_keyring_t *kr, int64_t portal_id, const void *pt, size_t ptlen, unsigned char **blob,
                       size_t *bloblen, uint32_t *key_id)
{
    store_err_t result = STORE_ERR_INVALID;
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *buf = NULL, *nonce, *ct;
    const store_key_t *key;
    char aad[24];
    int aadlen, n;
    size_t total = 0;

    *blob = NULL;
    *bloblen = 0;
    if (kr == NULL || kr->count == 0 || (pt == NULL && ptlen != 0) || ptlen > STORE_SEAL_PLAINTEXT_MAX)
        goto out;
    key = find_key(kr, kr->newest);
    aadlen = format_aad(aad, sizeof(aad), portal_id);

    result = STORE_ERR_NOMEM;
    total = STORE_SEAL_HEADER_LEN + ptlen + STORE_SEAL_TAG_LEN;
    if ((buf = malloc(total)) == NULL)
        goto out;
    buf[0] = STORE_SEAL_VERSION;
    buf[1] = (unsigned char)(key->id >> 24);
    buf[2] = (unsigned char)(key->id >> 16);
    buf[3] = (unsigned char)(key->id >> 8);
    buf[4] = (unsigned char)key->id;
    nonce = buf + 5;
    ct = buf + STORE_SEAL_HEADER_LEN;
    if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
        goto out;

    result = STORE_ERR_CRYPTO;
    if (RAND_bytes(nonce, STORE_SEAL_NONCE_LEN) != 1)
        goto out;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, STORE_SEAL_NONCE_LEN, NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key->bytes, nonce) != 1 ||
        EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, aadlen) != 1)
        goto out;
    if (ptlen != 0 && (EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptlen) != 1 || (size_t)n != ptlen))
        goto out;
    if (EVP_EncryptFinal_ex(ctx, ct + ptlen, &n) != 1 || n != 0 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, STORE_SEAL_TAG_LEN, ct + ptlen) != 1)
        goto out;

    *blob = buf;
    *bloblen = total;
    if (key_id != NULL)
        *key_id = key->id;
    buf = NULL;
    result = STORE_OK;

out:
    EVP_CIPHER_CTX_free(ctx);
    if (buf != NULL) {
        OPENSSL_cleanse(buf, total);
        free(buf);
    }
    return result;
}

store_err_t store_open(const store_keyring_t *kr, int64_t portal_id, const unsigned char *blob, size_t bloblen, unsigned char **pt,
                       size_t *ptlen)
{
    store_err_t result = STORE_ERR_INVALID;
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *buf = NULL, tag[STORE_SEAL_TAG_LEN];
    const store_key_t *key;
    uint32_t id;
    size_t ctlen = 0;
    char aad[24];
    int aadlen, n;

    *pt = NULL;
    *ptlen = 0;
    if (kr == NULL || blob == NULL || bloblen < STORE_SEAL_HEADER_LEN + STORE_SEAL_TAG_LEN || blob[0] != STORE_SEAL_VERSION)
        goto out;
    ctlen = bloblen - STORE_SEAL_HEADER_LEN - STORE_SEAL_TAG_LEN;
    if (ctlen > STORE_SEAL_PLAINTEXT_MAX)
        goto out;
    id = (uint32_t)blob[1] << 24 | (uint32_t)blob[2] << 16 | (uint32_t)blob[3] << 8 | (uint32_t)blob[4];
    result = STORE_ERR_NOKEY;
    if ((key = find_key(kr, id)) == NULL)
        goto out;
    aadlen = format_aad(aad, sizeof(aad), portal_id);
    memcpy(tag, blob + STORE_SEAL_HEADER_LEN + ctlen, STORE_SEAL_TAG_LEN);

    result = STORE_ERR_NOMEM;
    if ((buf = malloc(ctlen + 1)) == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL)
        goto out;

    result = STORE_ERR_CRYPTO;
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, STORE_SEAL_NONCE_LEN, NULL) != 1 ||
        EVP_DecryptInit_ex(ctx, NULL, NULL, key->bytes, blob + 5) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, aadlen) != 1)
        goto out;
    if (ctlen != 0 && (EVP_DecryptUpdate(ctx, buf, &n, blob + STORE_SEAL_HEADER_LEN, (int)ctlen) != 1 || (size_t)n != ctlen))
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, STORE_SEAL_TAG_LEN, tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, buf + ctlen, &n) != 1)
        goto out;

    buf[ctlen] = '\0';
    *pt = buf;
    *ptlen = ctlen;
    buf = NULL;
    result = STORE_OK;

out:
    EVP_CIPHER_CTX_free(ctx);
    if (buf != NULL) {
        OPENSSL_cleanse(buf, ctlen + 1);
        free(buf);
    }
    return result;
}

store_err_t store_sealed_key_id(const unsigned char *blob, size_t bloblen, uint32_t *key_id)
{
    *key_id = 0;
    if (blob == NULL || bloblen < STORE_SEAL_HEADER_LEN + STORE_SEAL_TAG_LEN || blob[0] != STORE_SEAL_VERSION)
        return STORE_ERR_INVALID;
    *key_id = (uint32_t)blob[1] << 24 | (uint32_t)blob[2] << 16 | (uint32_t)blob[3] << 8 | (uint32_t)blob[4];
    return STORE_OK;
}

int store_keyring_has(const store_keyring_t *kr, uint32_t key_id)
{
    return kr != NULL && find_key(kr, key_id) != NULL;
}
