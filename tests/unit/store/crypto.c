/* Tests store/crypto.c: keyring parsing, key lines, and sealing with AES-256-GCM. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"
#include "tests/unit/test.h"

#define KEY_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define KEY_C "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

static store_keyring_t *load(const char *text, char *err, size_t errlen)
{
    return store_keyring_load(NULL, text, err, errlen);
}

static void test_parse_valid(void)
{
    char err[256] = "";
    store_keyring_t *kr;

    kr = load("1:" KEY_A, err, sizeof(err));
    ok(kr != NULL && store_keyring_newest_id(kr) == 1, "one key: newest id 1 (%s)", err);
    store_keyring_destroy(kr);

    kr = load("# master keys\r\n\n  3:" KEY_A "  \r\n1:" KEY_B "\n", err, sizeof(err));
    ok(kr != NULL && store_keyring_newest_id(kr) == 3, "lines, comments, blanks and CRLF: newest is the highest id (%s)", err);
    store_keyring_destroy(kr);

    kr = load("2:" KEY_A ", 7:" KEY_B ",5:" KEY_C ",", err, sizeof(err));
    ok(kr != NULL && store_keyring_newest_id(kr) == 7, "comma-separated with a trailing comma (%s)", err);
    store_keyring_destroy(kr);

    kr = load("2147483647:" KEY_A, err, sizeof(err));
    ok(kr != NULL && store_keyring_newest_id(kr) == 2147483647u, "the largest key id (%s)", err);
    store_keyring_destroy(kr);

    kr = load("1:" KEY_A "\n2:"
              "FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100",
              err, sizeof(err));
    ok(kr != NULL, "upper-case hex (%s)", err);
    store_keyring_destroy(kr);
}

static void test_parse_invalid(void)
{
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"", "empty"},
        {" \n\n # only a comment\n", "no key"},
        {"1", "no colon"},
        {"1:", "no key"},
        {":" KEY_A, "no id"},
        {"0:" KEY_A, "id 0"},
        {"-1:" KEY_A, "negative id"},
        {"+1:" KEY_A, "signed id"},
        {"x:" KEY_A, "id not a number"},
        {"2147483648:" KEY_A, "id over 2^31-1"},
        {"99999999999:" KEY_A, "id over 32 bits"},
        {"1 :" KEY_A, "space inside the entry"},
        {"1:" KEY_A "0", "65 hex digits"},
        {"1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeef", "63 hex digits"},
        {"1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg", "a non-hex digit"},
        {"1:" KEY_A "\n1:" KEY_B, "duplicate id on two lines"},
        {"1:" KEY_A ",01:" KEY_B, "duplicate id written differently"},
        {"1:" KEY_A "\ngarbage", "a bad second line"},
        {"1:" KEY_A ";2:" KEY_B, "a wrong separator"},
    };
    size_t i;

    for (i = 0; i != sizeof(cases) / sizeof(cases[0]); ++i) {
        char err[256] = "";
        store_keyring_t *kr = load(cases[i].text, err, sizeof(err));
        ok(kr == NULL && err[0] != '\0', "rejected: %s (%s)", cases[i].why, err);
        ok(strstr(err, "00112233") == NULL && strstr(err, "ffeeddcc") == NULL && strstr(err, "aabbccdd") == NULL,
           "the message shows no key material: %s", cases[i].why);
        store_keyring_destroy(kr);
    }
}

static void test_file(void)
{
    char path[] = "/tmp/test-store-crypto-XXXXXX", err[256] = "";
    store_keyring_t *kr;
    FILE *fp;
    int fd = mkstemp(path);

    ok(fd >= 0, "temporary key file");
    if (fd < 0)
        return;
    fp = fdopen(fd, "w");
    fprintf(fp, "1:%s\n4:%s\n", KEY_A, KEY_B);
    fclose(fp);
    kr = store_keyring_load(path, "9:" KEY_C, err, sizeof(err));
    ok(kr != NULL && store_keyring_newest_id(kr) == 4, "the file wins over the environment value (%s)", err);
    store_keyring_destroy(kr);
    unlink(path);

    err[0] = '\0';
    kr = store_keyring_load(path, NULL, err, sizeof(err));
    ok(kr == NULL && strstr(err, path) != NULL, "a missing file is reported with its path (%s)", err);
    kr = store_keyring_load(NULL, NULL, err, sizeof(err));
    ok(kr == NULL && err[0] != '\0', "no path and no value is an error (%s)", err);
}

static void test_generate_line(void)
{
    char line[80], err[256] = "";
    store_keyring_t *kr, *kr2;

    ok(store_keyring_generate_line(NULL, line, sizeof(line)) == STORE_OK && strncmp(line, "1:", 2) == 0 && strlen(line) == 66,
       "without a keyring the first line has id 1: %.2s...", line);
    kr = load(line, err, sizeof(err));
    ok(kr != NULL, "a generated line loads (%s)", err);
    ok(store_keyring_generate_line(kr, line, sizeof(line)) == STORE_OK && strncmp(line, "2:", 2) == 0,
       "the next line has id newest + 1");
    store_keyring_destroy(kr);
    kr = load("41:" KEY_A, err, sizeof(err));
    ok(store_keyring_generate_line(kr, line, sizeof(line)) == STORE_OK && strncmp(line, "42:", 3) == 0, "after key 41 comes 42");
    kr2 = load(line, err, sizeof(err));
    ok(kr2 != NULL && store_keyring_newest_id(kr2) == 42, "and it parses");
    store_keyring_destroy(kr2);
    ok(store_keyring_generate_line(kr, line, 60) == STORE_ERR_INVALID, "a too small buffer is refused");
    store_keyring_destroy(kr);
    kr = load("2147483647:" KEY_A, err, sizeof(err));
    ok(store_keyring_generate_line(kr, line, sizeof(line)) == STORE_ERR_INVALID, "no id after the largest");
    store_keyring_destroy(kr);
}

static void test_seal_open(void)
{
    static const char secret[] = "na1-1234-abcd-refresh-token";
    char err[256] = "";
    store_keyring_t *kr1 = load("1:" KEY_A, err, sizeof(err)), *kr2 = load("1:" KEY_A "\n2:" KEY_B, err, sizeof(err)),
                    *kr_other = load("2:" KEY_C, err, sizeof(err)), *kr_wrong = load("1:" KEY_C, err, sizeof(err));
    unsigned char *blob = NULL, *blob2 = NULL, *blob_old = NULL, *pt = NULL;
    size_t bloblen = 0, bloblen2 = 0, bloblen_old = 0, ptlen = 0, i, flips = 0, rejected = 0, truncated_ok = 0;
    uint32_t key_id = 0;
    store_err_t ret;

    ok(kr1 != NULL && kr2 != NULL && kr_other != NULL && kr_wrong != NULL, "test keyrings load");

    ret = store_seal(kr1, 123456, secret, strlen(secret), &blob, &bloblen, &key_id);
    ok(ret == STORE_OK && key_id == 1, "seal under key 1");
    ok(bloblen == 1 + 4 + 12 + strlen(secret) + 16, "blob length is header + ciphertext + tag");
    ok(blob[0] == 1 && blob[1] == 0 && blob[2] == 0 && blob[3] == 0 && blob[4] == 1, "version 1, key id 1 big endian");
    ok(memmem(blob, bloblen, secret, strlen(secret)) == NULL, "the plaintext is not in the blob");
    ret = store_open(kr1, 123456, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_OK && ptlen == strlen(secret) && memcmp(pt, secret, ptlen) == 0 && pt[ptlen] == '\0',
       "open returns the plaintext, NUL-terminated");
    free(pt);
    pt = NULL;

    ret = store_open(kr1, 123457, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_ERR_CRYPTO && pt == NULL, "another portal id as associated data is refused");
    ret = store_open(kr1, -123456, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_ERR_CRYPTO, "a negated portal id is refused");
    ret = store_open(kr_wrong, 123456, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_ERR_CRYPTO, "the same key id with other key material is refused");
    ret = store_open(kr_other, 123456, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_ERR_NOKEY && pt == NULL, "a key id that is not in the keyring gives STORE_ERR_NOKEY");

    for (i = 0; i != bloblen * 8; ++i) {
        blob[i / 8] ^= (unsigned char)(1u << (i % 8));
        ret = store_open(kr1, 123456, blob, bloblen, &pt, &ptlen);
        ++flips;
        if (ret != STORE_OK && pt == NULL)
            ++rejected;
        free(pt);
        pt = NULL;
        blob[i / 8] ^= (unsigned char)(1u << (i % 8));
    }
    ok(flips == rejected, "every single-bit flip is refused (%zu of %zu)", rejected, flips);
    for (i = 0; i != bloblen; ++i) {
        if (store_open(kr1, 123456, blob, i, &pt, &ptlen) == STORE_OK)
            ++truncated_ok;
        free(pt);
        pt = NULL;
    }
    ok(truncated_ok == 0, "every truncation is refused");
    ret = store_open(kr1, 123456, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_OK, "the restored blob opens again");
    free(pt);
    pt = NULL;

    ret = store_seal(kr1, 123456, secret, strlen(secret), &blob2, &bloblen2, &key_id);
    ok(ret == STORE_OK && bloblen2 == bloblen && memcmp(blob + 5, blob2 + 5, 12) != 0, "two seals of one text use two nonces");
    ok(memcmp(blob + 17, blob2 + 17, bloblen - 17) != 0, "and give two ciphertexts");
    free(blob2);
    blob2 = NULL;

    /* rotation: a keyring with keys 1 and 2 seals under 2 and opens blobs of both */
    blob_old = blob;
    bloblen_old = bloblen;
    blob = NULL;
    ret = store_seal(kr2, 99, secret, strlen(secret), &blob, &bloblen, &key_id);
    ok(ret == STORE_OK && key_id == 2 && blob[4] == 2, "with two keys the newest (2) seals");
    ret = store_open(kr2, 99, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_OK && ptlen == strlen(secret) && memcmp(pt, secret, ptlen) == 0, "a blob of key 2 opens");
    free(pt);
    pt = NULL;
    ret = store_open(kr2, 123456, blob_old, bloblen_old, &pt, &ptlen);
    ok(ret == STORE_OK && ptlen == strlen(secret) && memcmp(pt, secret, ptlen) == 0, "a blob of key 1 still opens");
    free(pt);
    pt = NULL;
    ret = store_open(kr1, 99, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_ERR_NOKEY, "the old keyring cannot open a blob of key 2");
    free(blob);
    blob = NULL;

    ret = store_seal(kr1, 5, "", 0, &blob, &bloblen, &key_id);
    ok(ret == STORE_OK && bloblen == 33, "an empty plaintext seals");
    ret = store_open(kr1, 5, blob, bloblen, &pt, &ptlen);
    ok(ret == STORE_OK && ptlen == 0 && pt != NULL && pt[0] == '\0', "and opens to an empty string");
    free(pt);
    pt = NULL;
    blob[0] = 2;
    ok(store_open(kr1, 5, blob, bloblen, &pt, &ptlen) == STORE_ERR_INVALID, "an unknown blob version is refused");
    free(blob);
    blob = NULL;

    {
        size_t big = 1024 * 1024 + 1;
        char *text = calloc(1, big);
        ret = store_seal(kr1, 5, text, big, &blob, &bloblen, &key_id);
        ok(ret == STORE_ERR_INVALID && blob == NULL, "a plaintext over 1 MiB is refused");
        free(text);
    }

    free(blob_old);
    store_keyring_destroy(kr1);
    store_keyring_destroy(kr2);
    store_keyring_destroy(kr_other);
    store_keyring_destroy(kr_wrong);
}

int main(void)
{
    test_parse_valid();
    test_parse_invalid();
    test_file();
    test_generate_line();
    test_seal_open();
    return test_done();
}
