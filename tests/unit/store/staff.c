/* Tests store/staff.c: logins, scrypt password hashes, base32, TOTP codes and sealed TOTP secrets. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/staff.h"
#include "tests/unit/test.h"

#define KEY_A "1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "2:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define PASSWORD "correct horse battery staple"

/* made with Python's hashlib.scrypt (salt 00 01 ... 0f, 32 bytes): an implementation other than OpenSSL's */
#define REF_N10_R8_P1 "scrypt$10$8$1$AAECAwQFBgcICQoLDA0ODw==$mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU="
#define REF_N10_R1_P2 "scrypt$10$1$2$AAECAwQFBgcICQoLDA0ODw==$W05t4cQ19aQHtT4A1S0rnnSbTGr1DAw0Pztx5ijpa/U="
#define SALT64 "AAECAwQFBgcICQoLDA0ODw=="
#define HASH64 "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU="

/* a copy of s for a test's description, with control characters shown as '?' */
static const char *printable(const char *s)
{
    static char buf[128];
    size_t i;

    for (i = 0; s[i] != '\0' && i + 1 < sizeof(buf); ++i)
        buf[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

static void test_login(void)
{
    static const struct {
        const char *login;
        int valid;
    } cases[] = {
        {"a", 1},
        {"0", 1},
        {"support.anne", 1},
        {"x_y-z.9", 1},
        {"a123456789012345678901234567890123456789012345678901234567890123", 1}, /* 64 */
        {"a1234567890123456789012345678901234567890123456789012345678901234", 0},
        {"", 0},
        {"Anne", 0},
        {".anne", 0},
        {"-anne", 0},
        {"_anne", 0},
        {"an ne", 0},
        {"anne\n", 0},
        {"ann\xc3\xa9", 0},
        {"anne@example.com", 0},
    };
    size_t i;

    for (i = 0; i != sizeof(cases) / sizeof(cases[0]); ++i)
        ok(store_staff_login_valid(cases[i].login) == cases[i].valid, "login '%s' is %s", printable(cases[i].login),
           cases[i].valid ? "valid" : "refused");
    ok(!store_staff_login_valid(NULL), "a NULL login is refused");
}

static void test_password(void)
{
    char hash[STORE_STAFF_HASH_MAX], hash2[STORE_STAFF_HASH_MAX], tampered[STORE_STAFF_HASH_MAX];
    char long_password[STORE_STAFF_PASSWORD_MAX + 1];
    size_t len;

    ok(store_staff_password_hash(PASSWORD, strlen(PASSWORD), hash) == STORE_OK, "hash a password");
    ok(strncmp(hash, "scrypt$15$8$1$", 14) == 0, "N = 2^15, r = 8, p = 1: %s", hash);
    len = strlen(hash);
    ok(len == 14 + 24 + 1 + 44 && hash[14 + 24] == '$', "16-byte salt and 32-byte hash in base64 (%zu characters)", len);
    ok(store_staff_password_verify(hash, PASSWORD, strlen(PASSWORD)) == 1, "the password matches its hash");
    ok(store_staff_password_verify(hash, "correct horse battery stapler", 29) == 0, "another password does not");
    ok(store_staff_password_verify(hash, PASSWORD, strlen(PASSWORD) - 1) == 0, "nor a prefix of it");
    ok(store_staff_password_hash(PASSWORD, strlen(PASSWORD), hash2) == STORE_OK && strcmp(hash, hash2) != 0,
       "the same password hashed twice: different salts, different texts");
    ok(store_staff_password_verify(hash2, PASSWORD, strlen(PASSWORD)) == 1, "and both match");

    /* a changed character of the hash, and of the salt, still well-formed */
    strcpy(tampered, hash);
    tampered[len - 10] = tampered[len - 10] == 'A' ? 'B' : 'A';
    ok(store_staff_password_verify(tampered, PASSWORD, strlen(PASSWORD)) == 0, "a tampered hash does not match");
    strcpy(tampered, hash);
    tampered[16] = tampered[16] == 'A' ? 'B' : 'A';
    ok(store_staff_password_verify(tampered, PASSWORD, strlen(PASSWORD)) == 0, "a tampered salt does not match");
    strcpy(tampered, hash);
    tampered[7] = '1';
    tampered[8] = '4';
    ok(store_staff_password_verify(tampered, PASSWORD, strlen(PASSWORD)) == 0, "a changed N does not match");

    /* length bounds */
    ok(store_staff_password_hash("12345678901", 11, hash2) == STORE_ERR_INVALID && hash2[0] == '\0', "11 bytes are refused");
    ok(store_staff_password_hash("123456789012", 12, hash2) == STORE_OK, "12 bytes are hashed");
    ok(store_staff_password_verify(hash2, "123456789012", 12) == 1, "and match");
    memset(long_password, 'x', sizeof(long_password));
    ok(store_staff_password_hash(long_password, STORE_STAFF_PASSWORD_MAX + 1, hash2) == STORE_ERR_INVALID,
       "1025 bytes are refused");
    ok(store_staff_password_hash(long_password, STORE_STAFF_PASSWORD_MAX, hash2) == STORE_OK &&
           store_staff_password_verify(hash2, long_password, STORE_STAFF_PASSWORD_MAX) == 1,
       "1024 bytes are hashed and match");
    ok(store_staff_password_verify(hash2, long_password, STORE_STAFF_PASSWORD_MAX + 1) == 0, "a password too long never matches");
    ok(store_staff_password_verify(hash, "", 0) == 0, "an empty password never matches");
    ok(store_staff_password_verify(hash, NULL, 0) == 0, "nor a NULL one");
    ok(store_staff_password_hash(NULL, 20, hash2) == STORE_ERR_INVALID, "no password to hash");

    /* hashes made by another implementation */
    ok(store_staff_password_verify(REF_N10_R8_P1, PASSWORD, strlen(PASSWORD)) == 1, "a reference hash (N 2^10, r 8, p 1) matches");
    ok(store_staff_password_verify(REF_N10_R1_P2, PASSWORD, strlen(PASSWORD)) == 1, "a reference hash (N 2^10, r 1, p 2) matches");
    ok(store_staff_password_verify(REF_N10_R8_P1, "Correct horse battery staple", strlen(PASSWORD)) == 0,
       "and not with another password");
}

static void test_password_malformed(void)
{
    static const char *const cases[] = {
        "",
        "scrypt",
        "scrypt$",
        "scrypt$10$8$1$",
        "scrypt$10$8$1$" SALT64,
        "scrypt$10$8$1$" SALT64 "$",
        "scrypt$10$8$" SALT64 "$" HASH64,
        "bcrypt$10$8$1$" SALT64 "$" HASH64,
        "SCRYPT$10$8$1$" SALT64 "$" HASH64,
        "scrypt$010$8$1$" SALT64 "$" HASH64,
        "scrypt$10$08$1$" SALT64 "$" HASH64,
        "scrypt$+10$8$1$" SALT64 "$" HASH64,
        "scrypt$10$8$1$$" SALT64 "$" HASH64,
        "scrypt$10$8$1$" SALT64 "$" HASH64 "$",
        "scrypt$10$8$1$" SALT64 "$" HASH64 "=",
        "scrypt$10$8$1$" SALT64 "$" HASH64 " ",
        "scrypt$10$8$1$" SALT64 "$ " HASH64,
        "scrypt$10$8$1$AAECAwQFBgcICQoLDA0ODw$" HASH64,                          /* salt without padding */
        "scrypt$10$8$1$AAECAwQFBgcICQoLDA0ODx==$" HASH64,                        /* non-zero pad bits */
        "scrypt$10$8$1$AAECAwQFBgcICQoLDA0O$" HASH64,                            /* 12-byte salt */
        "scrypt$10$8$1$AAECAwQFBgcICQoLDA0ODxAR$" HASH64,                        /* 18-byte salt */
        "scrypt$10$8$1$" SALT64 "$mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlQ==", /* 31-byte hash */
        "scrypt$10$8$1$" SALT64 "$mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRV=", /* non-zero pad bits */
        "scrypt$10$8$1$" SALT64 "$mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S*AXJlRU=", /* not base64 */
        "scrypt$10$8$1$" SALT64 "$mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S_AXJlRU=", /* base64url */
        /* parameters out of bounds */
        "scrypt$9$8$1$" SALT64 "$" HASH64,
        "scrypt$21$8$1$" SALT64 "$" HASH64,
        "scrypt$0$8$1$" SALT64 "$" HASH64,
        "scrypt$64$8$1$" SALT64 "$" HASH64,
        "scrypt$10$0$1$" SALT64 "$" HASH64,
        "scrypt$10$33$1$" SALT64 "$" HASH64,
        "scrypt$10$8$0$" SALT64 "$" HASH64,
        "scrypt$10$8$17$" SALT64 "$" HASH64,
        "scrypt$10$8$99999$" SALT64 "$" HASH64,
        "scrypt$4294967306$8$1$" SALT64 "$" HASH64,
    };
    char huge[STORE_STAFF_HASH_MAX + 10];
    size_t i;

    for (i = 0; i != sizeof(cases) / sizeof(cases[0]); ++i)
        ok(store_staff_password_verify(cases[i], PASSWORD, strlen(PASSWORD)) == -1, "malformed: '%s'", cases[i]);
    ok(store_staff_password_verify(NULL, PASSWORD, strlen(PASSWORD)) == -1, "malformed: NULL");
    /* STORE_STAFF_HASH_MAX characters or more: refused before anything else is read */
    memset(huge, 'A', sizeof(huge));
    memcpy(huge, "scrypt$10$8$1$" SALT64 "$", 14 + 24 + 1);
    huge[sizeof(huge) - 1] = '\0';
    ok(store_staff_password_verify(huge, PASSWORD, strlen(PASSWORD)) == -1, "malformed: a text of %zu characters", strlen(huge));

    /* the bounds themselves are accepted (the password does not match these made-up hashes) */
    ok(store_staff_password_verify("scrypt$10$32$1$" SALT64 "$" HASH64, PASSWORD, strlen(PASSWORD)) == 0, "r = 32 is accepted");
    ok(store_staff_password_verify("scrypt$10$1$16$" SALT64 "$" HASH64, PASSWORD, strlen(PASSWORD)) == 0, "p = 16 is accepted");
    /* scrypt itself needs N < 2^(16 r): N = 2^20 takes r >= 2 (and 256 MiB) */
    ok(store_staff_password_verify("scrypt$20$2$1$" SALT64 "$" HASH64, PASSWORD, strlen(PASSWORD)) == 0, "N = 2^20 is accepted");
    ok(store_staff_password_verify("scrypt$16$1$1$" SALT64 "$" HASH64, PASSWORD, strlen(PASSWORD)) == -1,
       "N = 2^16 with r = 1, which scrypt does not allow, cannot be verified");
    ok(store_staff_password_verify("scrypt$10$8$1$" SALT64 "$" HASH64, "short", 5) == 0,
       "a well-formed hash and a short password: no match, not malformed");
}

static void test_base32(void)
{
    /* RFC 4648 section 10 */
    static const struct {
        const char *in, *out, *padded;
    } vectors[] = {
        {"", "", ""},
        {"f", "MY", "MY======"},
        {"fo", "MZXQ", "MZXQ===="},
        {"foo", "MZXW6", "MZXW6==="},
        {"foob", "MZXW6YQ", "MZXW6YQ="},
        {"fooba", "MZXW6YTB", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
    };
    static const char *const invalid[] = {
        "M",          "MZX",    "MZXW6Y",                                                 /* lengths that cannot end on a byte */
        "MZ",                                                                             /* "f" with a non-zero unused bit */
        "MZXW6YTBOJ",                                                                     /* likewise at the end of "foobar" */
        "MY=",        "MY====", "MY=======", "MZXW6YTB========", "=",        "MY==MY==",  /* padding */
        "MZXW1",      "MZXW0",  "MZXW8",     "MZXW6 YQ",         "MZXW6-YQ", "MZXW6YQ\n", /* not the alphabet */
    };
    unsigned char buf[64];
    char text[64];
    size_t i, n;

    for (i = 0; i != sizeof(vectors) / sizeof(vectors[0]); ++i) {
        size_t len = strlen(vectors[i].in);
        n = store_base32_encode((const unsigned char *)vectors[i].in, len, text, sizeof(text));
        ok(n == strlen(vectors[i].out) && strcmp(text, vectors[i].out) == 0, "base32 of '%s' is '%s' (got '%s')", vectors[i].in,
           vectors[i].out, text);
        n = store_base32_decode(vectors[i].out, strlen(vectors[i].out), buf, sizeof(buf));
        ok(n == len && memcmp(buf, vectors[i].in, len) == 0, "'%s' decodes to '%s'", vectors[i].out, vectors[i].in);
        n = store_base32_decode(vectors[i].padded, strlen(vectors[i].padded), buf, sizeof(buf));
        ok(n == len && memcmp(buf, vectors[i].in, len) == 0, "padded '%s' decodes to '%s'", vectors[i].padded, vectors[i].in);
    }
    n = store_base32_decode("mzxw6ytboi", 10, buf, sizeof(buf));
    ok(n == 6 && memcmp(buf, "foobar", 6) == 0, "lower case decodes too");
    ok(store_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 32, buf, sizeof(buf)) == 20 &&
           memcmp(buf, "12345678901234567890", 20) == 0,
       "the RFC 6238 secret");
    for (i = 0; i != sizeof(invalid) / sizeof(invalid[0]); ++i)
        ok(store_base32_decode(invalid[i], strlen(invalid[i]), buf, sizeof(buf)) == (size_t)-1, "'%s' is not base32",
           printable(invalid[i]));
    ok(store_base32_decode(NULL, 0, buf, sizeof(buf)) == (size_t)-1, "NULL is not base32");
    ok(store_base32_decode("MZXW6YTBOI", 10, buf, 5) == (size_t)-1, "6 bytes do not fit in 5");
    ok(store_base32_decode("MZXW6YTBOI", 10, buf, 6) == 6, "6 bytes fit in 6");
    ok(store_base32_encode((const unsigned char *)"foobar", 6, text, 10) == (size_t)-1, "10 characters and a NUL do not fit in 10");
    ok(store_base32_encode((const unsigned char *)"foobar", 6, text, 11) == 10, "they fit in 11");

    /* every length and byte value round-trips */
    for (n = 0; n != 40; ++n) {
        unsigned char in[40], out[40];
        char enc[STORE_BASE32_LEN(40) + 1];
        size_t k, got;
        int same;
        for (k = 0; k != n; ++k)
            in[k] = (unsigned char)(k * 53 + n * 7 + 255);
        got = store_base32_encode(in, n, enc, sizeof(enc));
        same = got == STORE_BASE32_LEN(n) && store_base32_decode(enc, got, out, sizeof(out)) == n && memcmp(in, out, n) == 0;
        if (!same || n == 39)
            ok(same, "round trips of 0 to %zu bytes", n);
    }
}

/* RFC 6238 appendix B, SHA1: the last 6 digits of the 8-digit codes */
static const unsigned char RFC_SECRET[] = "12345678901234567890";
static const struct {
    int64_t time;
    const char *code;
} totp_vectors[] = {
    {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
    {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
};

static void test_totp(void)
{
    static const char *const bad_codes[] = {"",       "00592",   "0059240", "005 24",   "00592a", "+05924",
                                            "-05924", " 005924", "005924 ", "005924\n", "0x5924", "\xef\xbc\x90\xef\xbc\x90"};
    char code[7];
    size_t i;

    for (i = 0; i != sizeof(totp_vectors) / sizeof(totp_vectors[0]); ++i) {
        int64_t t = totp_vectors[i].time, step = t / 30;
        store_totp_code(RFC_SECRET, 20, step, code);
        is_str(code, totp_vectors[i].code, "RFC 6238 at %lld", (long long)t);
        ok(store_totp_match(RFC_SECRET, 20, totp_vectors[i].code, (time_t)t) == step, "the code at %lld matches step %lld",
           (long long)t, (long long)step);
        ok(store_totp_match(RFC_SECRET, 20, totp_vectors[i].code, (time_t)(t + 30)) == step, "and 30 s later (one step before)");
        ok(store_totp_match(RFC_SECRET, 20, totp_vectors[i].code, (time_t)(t - 30)) == step, "and 30 s earlier (one step after)");
        ok(store_totp_match(RFC_SECRET, 20, totp_vectors[i].code, (time_t)(t + 60)) == -1, "but not two steps later");
        ok(store_totp_match(RFC_SECRET, 20, totp_vectors[i].code, (time_t)(t - 60)) == -1, "nor two steps earlier");
    }
    /* the edges of the window: 005924 is the code of step 41152263 (1234567890 - 1234567919) */
    ok(store_totp_match(RFC_SECRET, 20, "005924", 41152264 * 30 + 29) == 41152263,
       "accepted up to the last second of the step after its own");
    ok(store_totp_match(RFC_SECRET, 20, "005924", 41152265 * 30) == -1, "refused from the first second two steps after");
    ok(store_totp_match(RFC_SECRET, 20, "005924", 41152262 * 30) == 41152263,
       "accepted from the first second of the step before its own");
    ok(store_totp_match(RFC_SECRET, 20, "005924", 41152261 * 30 + 29) == -1, "refused up to the last second two steps before");

    for (i = 0; i != sizeof(bad_codes) / sizeof(bad_codes[0]); ++i)
        ok(store_totp_match(RFC_SECRET, 20, bad_codes[i], 1234567890) == -1, "code '%s' is refused", printable(bad_codes[i]));
    ok(store_totp_match(RFC_SECRET, 20, NULL, 1234567890) == -1, "a NULL code is refused");
    ok(store_totp_match(RFC_SECRET, 0, "005924", 1234567890) == -1, "an empty secret matches nothing");
    ok(store_totp_match(NULL, 20, "005924", 1234567890) == -1, "a NULL secret matches nothing");
    ok(store_totp_match(RFC_SECRET, 20, "005924", -1) == -1, "a negative time matches nothing");
    ok(store_totp_match(RFC_SECRET, 19, "005924", 1234567890) == -1, "another secret does not give the code");
    store_totp_code(RFC_SECRET, 20, 0, code);
    ok(store_totp_match(RFC_SECRET, 20, code, 0) == 0 && store_totp_match(RFC_SECRET, 20, code, 29) == 0, "step 0 at time 0");
}

static int contains(const unsigned char *hay, size_t haylen, const unsigned char *needle, size_t len)
{
    size_t i;

    for (i = 0; i + len <= haylen; ++i)
        if (memcmp(hay + i, needle, len) == 0)
            return 1;
    return 0;
}

static void test_seal(void)
{
    static const unsigned char secret[20] = {0x00, 0x0a, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70,
                                             0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0, 0x0a, 0x00};
    char err[256] = "";
    store_keyring_t *kr = store_keyring_load(NULL, KEY_A, err, sizeof(err));
    store_keyring_t *kr2 = store_keyring_load(NULL, KEY_A "," KEY_B, err, sizeof(err));
    store_keyring_t *krb = store_keyring_load(NULL, KEY_B, err, sizeof(err));
    unsigned char *blob = NULL, *blob2 = NULL, *out = NULL, *pt = NULL;
    size_t bloblen = 0, bloblen2 = 0, outlen = 0, ptlen = 0;

    ok(kr != NULL && kr2 != NULL && krb != NULL, "keyrings (%s)", err);
    ok(store_staff_totp_seal(kr, "support.anne", secret, sizeof(secret), &blob, &bloblen) == STORE_OK, "seal a secret");
    ok(bloblen == 1 + 4 + 12 + 13 + 20 + 16, "the blob holds the login, a newline and the secret (%zu bytes)", bloblen);
    ok(!contains(blob, bloblen, secret + 2, 16), "the secret is not in the blob in clear");
    ok(store_staff_totp_open(kr, "support.anne", blob, bloblen, &out, &outlen) == STORE_OK && outlen == sizeof(secret) &&
           memcmp(out, secret, sizeof(secret)) == 0,
       "open it for the same login");
    free(out);
    out = NULL;
    ok(store_staff_totp_open(kr2, "support.anne", blob, bloblen, &out, &outlen) == STORE_OK && outlen == sizeof(secret),
       "open it with a keyring that has a newer key too");
    free(out);
    out = NULL;

    ok(store_staff_totp_open(kr, "support.bob", blob, bloblen, &out, &outlen) == STORE_ERR_CRYPTO && out == NULL && outlen == 0,
       "moved to another login's row: it does not open");
    ok(store_staff_totp_open(kr, "support.ann", blob, bloblen, &out, &outlen) == STORE_ERR_CRYPTO, "nor for a prefix of the login");
    ok(store_staff_totp_open(kr, "support.annex", blob, bloblen, &out, &outlen) == STORE_ERR_CRYPTO,
       "nor for a login it is a prefix of");
    ok(store_staff_totp_open(krb, "support.anne", blob, bloblen, &out, &outlen) == STORE_ERR_NOKEY, "without its key: NOKEY");
    ok(store_open(kr, 1, blob, bloblen, &pt, &ptlen) == STORE_ERR_CRYPTO, "it is not a portal's secret (portal 1)");
    ok(store_open(kr, 0, blob, bloblen, &pt, &ptlen) == STORE_OK && ptlen == 13 + 20 && memcmp(pt, "support.anne\n", 13) == 0 &&
           memcmp(pt + 13, secret, 20) == 0,
       "it is store_seal with portal id 0 over \"<login>\\n<secret>\"");
    free(pt);
    pt = NULL;

    blob[bloblen - 20] ^= 1;
    ok(store_staff_totp_open(kr, "support.anne", blob, bloblen, &out, &outlen) == STORE_ERR_CRYPTO,
       "a tampered blob does not open");
    blob[bloblen - 20] ^= 1;
    ok(store_staff_totp_open(kr, "support.anne", blob, bloblen - 1, &out, &outlen) == STORE_ERR_CRYPTO, "nor a truncated one");
    ok(store_staff_totp_open(kr, "support.anne", blob, 10, &out, &outlen) == STORE_ERR_INVALID, "nor a few bytes");

    /* sealed with portal id 0 but not in the staff form */
    ok(store_seal(kr, 0, "support.anne", 12, &blob2, &bloblen2, NULL) == STORE_OK, "seal a login without a secret");
    ok(store_staff_totp_open(kr, "support.anne", blob2, bloblen2, &out, &outlen) == STORE_ERR_CRYPTO,
       "it does not open as a secret");
    free(blob2);
    blob2 = NULL;
    ok(store_seal(kr, 0, "support.anne\n", 13, &blob2, &bloblen2, NULL) == STORE_OK &&
           store_staff_totp_open(kr, "support.anne", blob2, bloblen2, &out, &outlen) == STORE_ERR_CRYPTO,
       "nor with an empty secret");
    free(blob2);
    blob2 = NULL;

    ok(store_staff_totp_seal(kr, "Support", secret, sizeof(secret), &blob2, &bloblen2) == STORE_ERR_INVALID && blob2 == NULL,
       "an invalid login is refused");
    ok(store_staff_totp_seal(kr, "a\nb", secret, sizeof(secret), &blob2, &bloblen2) == STORE_ERR_INVALID,
       "a newline in the login too");
    ok(store_staff_totp_seal(kr, "anne", secret, 0, &blob2, &bloblen2) == STORE_ERR_INVALID, "an empty secret is refused");
    ok(store_staff_totp_open(kr, "A", blob, bloblen, &out, &outlen) == STORE_ERR_INVALID,
       "opening for an invalid login is refused");

    /* a secret of any length, from a new sealing each time */
    ok(store_staff_totp_seal(kr2, "0", secret, 1, &blob2, &bloblen2) == STORE_OK &&
           store_staff_totp_open(kr2, "0", blob2, bloblen2, &out, &outlen) == STORE_OK && outlen == 1 && out[0] == secret[0],
       "a one-byte secret for a one-character login");
    free(out);
    free(blob2);
    free(blob);
    store_keyring_destroy(kr);
    store_keyring_destroy(kr2);
    store_keyring_destroy(krb);
}

int main(void)
{
    test_login();
    test_password();
    test_password_malformed();
    test_base32();
    test_totp();
    test_seal();
    return test_done();
}
