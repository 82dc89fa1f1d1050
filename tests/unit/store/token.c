/* Tests store/token.c: token format, checksum and hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "tests/unit/test.h"

static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* a token whose checksum was computed independently (zlib.crc32 of the first 37 characters, base62) */
static const char known_token[] = "hsod_0123456789ABCDEFGHIJabcdefghijkl1TEILy";

static void hex(const unsigned char *p, size_t n, char *out)
{
    size_t i;

    for (i = 0; i != n; ++i)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* every substitution of one character, by any base62 character or a few others, must be caught */
static void check_typos(const char *token)
{
    static const char others[] = "-_+/=. \x01\xff";
    char copy[STORE_TOKEN_LEN + 1];
    size_t pos, i, tried = 0, caught = 0;

    for (pos = 0; pos != STORE_TOKEN_LEN; ++pos) {
        for (i = 0; i != sizeof(alphabet) - 1 + sizeof(others) - 1; ++i) {
            char c = i < sizeof(alphabet) - 1 ? alphabet[i] : others[i - (sizeof(alphabet) - 1)];
            if (c == token[pos])
                continue;
            memcpy(copy, token, sizeof(copy));
            copy[pos] = c;
            ++tried;
            if (!store_token_well_formed(copy, STORE_TOKEN_LEN))
                ++caught;
        }
    }
    ok(tried == caught && tried > 0, "every one-character typo of %.12s... is caught (%zu of %zu)", token, caught, tried);

    tried = caught = 0;
    for (pos = 0; pos + 1 != STORE_TOKEN_LEN; ++pos) {
        if (token[pos] == token[pos + 1])
            continue;
        memcpy(copy, token, sizeof(copy));
        copy[pos] = token[pos + 1];
        copy[pos + 1] = token[pos];
        ++tried;
        if (!store_token_well_formed(copy, STORE_TOKEN_LEN))
            ++caught;
    }
    ok(tried == caught, "every swap of two neighbours in %.12s... is caught (%zu of %zu)", token, caught, tried);
}

int main(void)
{
    char token[STORE_TOKEN_LEN + 1], other[STORE_TOKEN_LEN + 1], hexbuf[65];
    unsigned char hash[32];
    size_t i, bad = 0, counts[62] = {0}, first8 = 0, rest = 0;
    int n, all_well_formed = 1;

    ok(store_token_well_formed(known_token, strlen(known_token)), "the known token is well formed");
    check_typos(known_token);

    ok(store_token_generate(token, sizeof(token)) == STORE_OK, "generate");
    ok(strlen(token) == STORE_TOKEN_LEN && strncmp(token, STORE_TOKEN_PREFIX, 5) == 0, "43 characters starting hsod_: %.12s...",
       token);
    for (i = 5; i != STORE_TOKEN_LEN; ++i)
        if (strchr(alphabet, token[i]) == NULL)
            ++bad;
    ok(bad == 0, "only base62 characters after the prefix");
    ok(store_token_well_formed(token, STORE_TOKEN_LEN), "a generated token is well formed");
    check_typos(token);
    ok(store_token_generate(other, sizeof(other)) == STORE_OK && strcmp(token, other) != 0, "two tokens differ");
    ok(store_token_generate(other, STORE_TOKEN_LEN) == STORE_ERR_INVALID, "a buffer without room for the NUL is refused");

    for (n = 0; n != 2000; ++n) {
        if (store_token_generate(other, sizeof(other)) != STORE_OK || !store_token_well_formed(other, STORE_TOKEN_LEN))
            all_well_formed = 0;
        for (i = 5; i != 37; ++i)
            ++counts[strchr(alphabet, other[i]) - alphabet];
        if (n < 5)
            check_typos(other);
    }
    ok(all_well_formed, "2000 generated tokens are well formed");
    /* 64000 draws over 62 characters: about 1032 each. Taking byte % 62 without rejection would give
       each of the first 8 characters 5/4 of the share of the others. */
    bad = 0;
    for (i = 0; i != 62; ++i) {
        if (counts[i] < 850 || counts[i] > 1220)
            ++bad;
        if (i < 8)
            first8 += counts[i];
        else
            rest += counts[i];
    }
    ok(bad == 0, "the random characters are spread evenly");
    ok(first8 * 54 < rest * 8 * 11 / 10, "no bias towards the first characters (%zu vs %zu per 8)", first8, rest * 8 / 54);

    ok(!store_token_well_formed(known_token, STORE_TOKEN_LEN - 1), "one character short is refused");
    memcpy(other, known_token, sizeof(known_token));
    ok(!store_token_well_formed(NULL, 0), "NULL is refused");
    {
        char longer[STORE_TOKEN_LEN + 2];
        memcpy(longer, known_token, STORE_TOKEN_LEN);
        longer[STORE_TOKEN_LEN] = 'a';
        longer[STORE_TOKEN_LEN + 1] = '\0';
        ok(!store_token_well_formed(longer, STORE_TOKEN_LEN + 1), "one character long is refused");
    }
    memcpy(other, "HSOD_", 5);
    ok(!store_token_well_formed(other, STORE_TOKEN_LEN), "the prefix is case-sensitive");

    store_token_hash("abc", 3, hash);
    hex(hash, 32, hexbuf);
    is_str(hexbuf, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256 of \"abc\" (FIPS 180-2)");
    store_token_hash(known_token, STORE_TOKEN_LEN, hash);
    hex(hash, 32, hexbuf);
    is_str(hexbuf, "463ec88d80f9ef8eab75f0819295d89542a6025a1438d227a4c7a1988129f756", "SHA-256 of the known token");
    store_token_hash("", 0, hash);
    hex(hash, 32, hexbuf);
    is_str(hexbuf, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "SHA-256 of the empty string");

    return test_done();
}
