/*
 * Support staff accounts (see staff.h): scrypt password hashes, base32, TOTP codes, the sealing of
 * TOTP secrets, and the blocking statements gatewayctl runs on the two staff tables.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "store/internal.h"
#include "store/staff.h"

#define BYTEAOID 17

/* renders a timestamptz column as ISO 8601 text in UTC */
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* the parameters of new hashes, and the bounds of those accepted from the database */
#define SCRYPT_LOG2_N 15
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_LOG2_N_MIN 10
#define SCRYPT_LOG2_N_MAX 20
#define SCRYPT_R_MAX 32
#define SCRYPT_P_MAX 16
#define SCRYPT_SALT_LEN 16
#define SCRYPT_HASH_LEN 32
#define SCRYPT_PREFIX "scrypt$"
#define BASE64_LEN(n) (((n) + 2) / 3 * 4)

int store_staff_login_valid(const char *login)
{
    size_t i;

    if (login == NULL || !((login[0] >= 'a' && login[0] <= 'z') || (login[0] >= '0' && login[0] <= '9')))
        return 0;
    for (i = 1; login[i] != '\0'; ++i) {
        char c = login[i];
        if (i == STORE_STAFF_LOGIN_MAX)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* ---- passwords ---- */

typedef struct st_scrypt_hash_t {
    unsigned log2_n, r, p;
    unsigned char salt[SCRYPT_SALT_LEN];
    unsigned char hash[SCRYPT_HASH_LEN];
} scrypt_hash_t;

/* Decodes exactly `want` bytes from their canonical base64 text s[0..len): decoding and encoding again
 * must give the same text, so no other spelling of the same bytes (spaces, non-zero pad bits) passes. */
static int base64_decode_exact(const char *s, size_t len, unsigned char *out, size_t want)
{
    unsigned char buf[(BASE64_LEN(SCRYPT_HASH_LEN) / 4) * 3];
    char again[BASE64_LEN(SCRYPT_HASH_LEN) + 1];
    int ok;

    if (want > SCRYPT_HASH_LEN || len != BASE64_LEN(want))
        return -1;
    if (EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len) < (int)want)
        return -1;
    EVP_EncodeBlock((unsigned char *)again, buf, (int)want);
    ok = memcmp(again, s, len) == 0;
    if (ok)
        memcpy(out, buf, want);
    OPENSSL_cleanse(buf, sizeof(buf));
    return ok ? 0 : -1;
}

/* Reads a decimal number of 1 to 4 digits without a leading zero, followed by '$'. */
static int parse_param(const char **p, unsigned *value)
{
    const char *s = *p;
    unsigned v = 0;
    size_t n = 0;

    if (s[0] == '0')
        return -1;
    for (; s[n] >= '0' && s[n] <= '9'; ++n) {
        if (n == 4)
            return -1;
        v = v * 10 + (unsigned)(s[n] - '0');
    }
    if (n == 0 || s[n] != '$')
        return -1;
    *value = v;
    *p = s + n + 1;
    return 0;
}

static int parse_hash(const char *encoded, scrypt_hash_t *h)
{
    const char *p = encoded, *dollar;
    size_t len;

    if (encoded == NULL || (len = strnlen(encoded, STORE_STAFF_HASH_MAX)) == STORE_STAFF_HASH_MAX)
        return -1;
    if (strncmp(p, SCRYPT_PREFIX, sizeof(SCRYPT_PREFIX) - 1) != 0)
        return -1;
    p += sizeof(SCRYPT_PREFIX) - 1;
    if (parse_param(&p, &h->log2_n) != 0 || parse_param(&p, &h->r) != 0 || parse_param(&p, &h->p) != 0)
        return -1;
    if (h->log2_n < SCRYPT_LOG2_N_MIN || h->log2_n > SCRYPT_LOG2_N_MAX || h->r < 1 || h->r > SCRYPT_R_MAX || h->p < 1 ||
        h->p > SCRYPT_P_MAX)
        return -1;
    if ((dollar = strchr(p, '$')) == NULL || base64_decode_exact(p, (size_t)(dollar - p), h->salt, SCRYPT_SALT_LEN) != 0)
        return -1;
    p = dollar + 1;
    if (base64_decode_exact(p, (size_t)(encoded + len - p), h->hash, SCRYPT_HASH_LEN) != 0)
        return -1;
    return 0;
}

static store_err_t derive(const char *password, size_t len, const scrypt_hash_t *h, unsigned char out[SCRYPT_HASH_LEN])
{
    uint64_t n = (uint64_t)1 << h->log2_n;
    /* what OpenSSL allocates: 128 * r * (N + 2) for V and 128 * r * p for B; its default cap (32 MiB)
     * is just below what N = 2^15, r = 8 needs */
    uint64_t maxmem = 128 * (uint64_t)h->r * (n + 2 + h->p);

    if (EVP_PBE_scrypt(password, len, h->salt, SCRYPT_SALT_LEN, n, h->r, h->p, maxmem, out, SCRYPT_HASH_LEN) != 1)
        return STORE_ERR_CRYPTO;
    return STORE_OK;
}

store_err_t store_staff_password_hash(const char *password, size_t len, char *out)
{
    scrypt_hash_t h = {.log2_n = SCRYPT_LOG2_N, .r = SCRYPT_R, .p = SCRYPT_P};
    char salt64[BASE64_LEN(SCRYPT_SALT_LEN) + 1], hash64[BASE64_LEN(SCRYPT_HASH_LEN) + 1];
    store_err_t result = STORE_ERR_INVALID;
    int n;

    out[0] = '\0';
    if (password == NULL || len < STORE_STAFF_PASSWORD_MIN || len > STORE_STAFF_PASSWORD_MAX)
        goto out;
    result = STORE_ERR_CRYPTO;
    if (RAND_bytes(h.salt, sizeof(h.salt)) != 1)
        goto out;
    if ((result = derive(password, len, &h, h.hash)) != STORE_OK)
        goto out;
    EVP_EncodeBlock((unsigned char *)salt64, h.salt, sizeof(h.salt));
    EVP_EncodeBlock((unsigned char *)hash64, h.hash, sizeof(h.hash));
    n = snprintf(out, STORE_STAFF_HASH_MAX, SCRYPT_PREFIX "%u$%u$%u$%s$%s", h.log2_n, h.r, h.p, salt64, hash64);
    result = n > 0 && n < STORE_STAFF_HASH_MAX ? STORE_OK : STORE_ERR_INVALID;

out:
    if (result != STORE_OK)
        out[0] = '\0';
    OPENSSL_cleanse(&h, sizeof(h));
    OPENSSL_cleanse(hash64, sizeof(hash64));
    return result;
}

int store_staff_password_verify(const char *encoded, const char *password, size_t len)
{
    unsigned char derived[SCRYPT_HASH_LEN];
    scrypt_hash_t h;
    int result = -1;

    if (parse_hash(encoded, &h) != 0)
        goto out;
    result = 0;
    if (password == NULL || len < STORE_STAFF_PASSWORD_MIN || len > STORE_STAFF_PASSWORD_MAX)
        goto out;
    if (derive(password, len, &h, derived) != STORE_OK) {
        result = -1;
        goto out;
    }
    result = CRYPTO_memcmp(derived, h.hash, SCRYPT_HASH_LEN) == 0;

out:
    OPENSSL_cleanse(&h, sizeof(h));
    OPENSSL_cleanse(derived, sizeof(derived));
    return result;
}

/* ---- base32 ---- */

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t store_base32_encode(const unsigned char *in, size_t len, char *out, size_t outcap)
{
    size_t need, i, o = 0;
    uint32_t acc = 0;
    int bits = 0;

    if (len > (SIZE_MAX - 4) / 8 || (need = STORE_BASE32_LEN(len)) >= outcap)
        return (size_t)-1;
    for (i = 0; i != len; ++i) {
        acc = (acc << 8 | in[i]) & 0xfff;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = base32_alphabet[(acc >> bits) & 31];
        }
    }
    if (bits != 0)
        out[o++] = base32_alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return o;
}

static int base32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

size_t store_base32_decode(const char *in, size_t len, unsigned char *out, size_t outcap)
{
    size_t i, o = 0, chars;
    uint32_t acc = 0;
    int bits = 0;

    if (in == NULL)
        return (size_t)-1;
    for (chars = len; chars != 0 && in[chars - 1] == '='; --chars)
        ;
    /* padding, when present, completes a group of 8 characters */
    if (chars != len && (len % 8 != 0 || len - chars > 6))
        return (size_t)-1;
    /* 1, 3 or 6 characters past a whole group cannot encode whole bytes */
    switch (chars % 8) {
    case 1:
    case 3:
    case 6:
        return (size_t)-1;
    }
    if (chars * 5 / 8 > outcap)
        return (size_t)-1;
    for (i = 0; i != chars; ++i) {
        int v = base32_value(in[i]);
        if (v < 0)
            return (size_t)-1;
        acc = (acc << 5 | (uint32_t)v) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return (size_t)-1;
    return o;
}

/* ---- TOTP ---- */

/* RFC 4226 section 5.3: HMAC-SHA1 over the big-endian counter, dynamic truncation, 6 digits. */
static int totp_code(const unsigned char *secret, size_t secret_len, int64_t step, char out[7])
{
    static const unsigned char empty = 0;
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0, off, bin;
    uint64_t counter = (uint64_t)step;
    int i;

    out[0] = '\0';
    if (secret_len > INT_MAX)
        return -1;
    for (i = 7; i >= 0; --i, counter >>= 8)
        msg[i] = (unsigned char)counter;
    if (HMAC(EVP_sha1(), secret_len != 0 ? secret : &empty, (int)secret_len, msg, sizeof(msg), mac, &maclen) == NULL ||
        maclen != 20) {
        OPENSSL_cleanse(mac, sizeof(mac));
        return -1;
    }
    off = mac[19] & 15;
    bin = (unsigned)(mac[off] & 0x7f) << 24 | (unsigned)mac[off + 1] << 16 | (unsigned)mac[off + 2] << 8 | mac[off + 3];
    snprintf(out, 7, "%06u", bin % 1000000);
    OPENSSL_cleanse(mac, sizeof(mac));
    return 0;
}

void store_totp_code(const unsigned char *secret, size_t secret_len, int64_t step, char out[7])
{
    /* a failed HMAC leaves "", which matches no code */
    totp_code(secret, secret_len, step, out);
}

int64_t store_totp_match(const unsigned char *secret, size_t secret_len, const char *code, time_t now)
{
    int64_t step, found = -1;
    char candidate[7];
    int i;

    if (secret == NULL || secret_len == 0 || code == NULL || now < 0)
        return -1;
    for (i = 0; i != 6; ++i)
        if (code[i] < '0' || code[i] > '9')
            return -1;
    if (code[6] != '\0')
        return -1;
    step = (int64_t)now / STORE_TOTP_PERIOD;
    /* every candidate is computed and compared; ascending, so the latest match wins */
    for (i = -1; i <= 1; ++i) {
        if (step + i < 0 || totp_code(secret, secret_len, step + i, candidate) != 0)
            continue;
        if (CRYPTO_memcmp(candidate, code, 6) == 0)
            found = step + i;
    }
    OPENSSL_cleanse(candidate, sizeof(candidate));
    return found;
}

/* ---- sealed TOTP secrets ---- */

/* the associated data of store_seal: staff secrets are not a portal's (portal ids are positive) */
#define STAFF_SEAL_PORTAL 0

store_err_t store_staff_totp_seal(const store_keyring_t *kr, const char *login, const unsigned char *secret, size_t secret_len,
                                  unsigned char **blob, size_t *bloblen)
{
    store_err_t result = STORE_ERR_INVALID;
    unsigned char *pt = NULL;
    size_t loginlen = 0, ptlen = 0;

    *blob = NULL;
    *bloblen = 0;
    if (!store_staff_login_valid(login) || secret == NULL || secret_len == 0)
        goto out;
    loginlen = strlen(login);
    ptlen = loginlen + 1 + secret_len;
    result = STORE_ERR_NOMEM;
    if ((pt = malloc(ptlen)) == NULL)
        goto out;
    memcpy(pt, login, loginlen);
    pt[loginlen] = '\n';
    memcpy(pt + loginlen + 1, secret, secret_len);
    result = store_seal(kr, STAFF_SEAL_PORTAL, pt, ptlen, blob, bloblen, NULL);

out:
    if (pt != NULL) {
        OPENSSL_cleanse(pt, ptlen);
        free(pt);
    }
    return result;
}

store_err_t store_staff_totp_open(const store_keyring_t *kr, const char *login, const unsigned char *blob, size_t bloblen,
                                  unsigned char **secret, size_t *secret_len)
{
    store_err_t result = STORE_ERR_INVALID;
    unsigned char *pt = NULL, *copy;
    size_t ptlen = 0, loginlen;

    *secret = NULL;
    *secret_len = 0;
    if (!store_staff_login_valid(login))
        goto out;
    if ((result = store_open(kr, STAFF_SEAL_PORTAL, blob, bloblen, &pt, &ptlen)) != STORE_OK)
        goto out;
    loginlen = strlen(login);
    /* authentic, but sealed for another login: someone moved it */
    result = STORE_ERR_CRYPTO;
    if (ptlen <= loginlen + 1 || memcmp(pt, login, loginlen) != 0 || pt[loginlen] != '\n')
        goto out;
    result = STORE_ERR_NOMEM;
    if ((copy = malloc(ptlen - loginlen - 1)) == NULL)
        goto out;
    memcpy(copy, pt + loginlen + 1, ptlen - loginlen - 1);
    *secret = copy;
    *secret_len = ptlen - loginlen - 1;
    result = STORE_OK;

out:
    if (pt != NULL) {
        OPENSSL_cleanse(pt, ptlen);
        free(pt);
    }
    return result;
}

/* ---- blocking administration ---- */

store_err_t store_staff_add(PGconn *conn, const store_keyring_t *kr, const store_staff_add_t *req, store_staff_added_t *out,
                            char *err, size_t errlen)
{
    static const char insert_sql[] = "INSERT INTO staff_accounts (login, password_hash, totp_secret_enc) "
                                     "VALUES ($1::text, $2::text, $3::bytea) ON CONFLICT (login) DO NOTHING "
                                     "RETURNING false, 0";
    /* one statement: the new credentials and the end of the old sessions happen together */
    static const char reset_sql[] =
        "WITH up AS (UPDATE staff_accounts SET password_hash = $2::text, totp_secret_enc = $3::bytea, totp_last_step = 0, "
        "failed_logins = 0, locked_until = NULL WHERE login = $1::text RETURNING login, disabled_at IS NOT NULL AS disabled), "
        "del AS (DELETE FROM staff_sessions s USING up WHERE s.login = up.login RETURNING 1) "
        "SELECT up.disabled, (SELECT count(*) FROM del) FROM up";
    store_err_t result = STORE_ERR_INVALID;
    char hash[STORE_STAFF_HASH_MAX];
    unsigned char *blob = NULL;
    size_t bloblen = 0;
    PGresult *res = NULL;
    const char *values[3];
    int lengths[3] = {0}, formats[3] = {0, 0, 1};
    Oid types[3] = {0, 0, BYTEAOID};

    memset(out, 0, sizeof(*out));
    hash[0] = '\0';
    if (!store_staff_login_valid(req->login)) {
        store__set_err(err, errlen,
                       "a staff login is 1 to %d characters: lower-case letters, digits, '.', '_' and '-', starting with a "
                       "letter or a digit",
                       STORE_STAFF_LOGIN_MAX);
        goto out;
    }
    if (req->password == NULL || req->password_len < STORE_STAFF_PASSWORD_MIN || req->password_len > STORE_STAFF_PASSWORD_MAX) {
        store__set_err(err, errlen, "the password must be %d to %d bytes", STORE_STAFF_PASSWORD_MIN, STORE_STAFF_PASSWORD_MAX);
        goto out;
    }
    if (RAND_bytes(out->totp_secret, sizeof(out->totp_secret)) != 1) {
        store__set_err(err, errlen, "cannot make a random TOTP secret");
        result = STORE_ERR_CRYPTO;
        goto out;
    }
    if ((result = store_staff_password_hash(req->password, req->password_len, hash)) != STORE_OK) {
        store__set_err(err, errlen, "cannot hash the password (error %d)", (int)result);
        goto out;
    }
    if ((result = store_staff_totp_seal(kr, req->login, out->totp_secret, sizeof(out->totp_secret), &blob, &bloblen)) != STORE_OK) {
        store__set_err(err, errlen, "cannot seal the TOTP secret (error %d)", (int)result);
        goto out;
    }
    values[0] = req->login;
    values[1] = hash;
    values[2] = (const char *)blob;
    lengths[2] = (int)bloblen;
    res = PQexecParams(conn, req->reset ? reset_sql : insert_sql, 3, types, values, lengths, formats, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, res, "cannot store the staff account", err, errlen);
        goto out;
    }
    if (PQntuples(res) != 1) {
        if (req->reset) {
            store__set_err(err, errlen, "there is no staff account '%s'", req->login);
            result = STORE_ERR_NOTFOUND;
        } else {
            store__set_err(err, errlen, "there is already a staff account '%s'", req->login);
            result = STORE_ERR_CONFLICT;
        }
        goto out;
    }
    out->disabled = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    out->sessions_removed = store__get_int64(res, 0, 1);
    result = STORE_OK;

out:
    if (result != STORE_OK)
        OPENSSL_cleanse(out->totp_secret, sizeof(out->totp_secret));
    OPENSSL_cleanse(hash, sizeof(hash));
    PQclear(res);
    free(blob);
    return result;
}

/* clang-format off */
static const char staff_list_sql[] =
    "SELECT a.login, " TS("a.created_at") ", " TS("a.disabled_at") ", "
    "CASE WHEN a.locked_until > now() THEN " TS("a.locked_until") " END, a.failed_logins, "
    "(SELECT count(*) FROM staff_sessions s WHERE s.login = a.login AND s.expires_at > now()) "
    "FROM staff_accounts a ORDER BY a.login";
/* clang-format on */

store_err_t store_staff_list(PGconn *conn, store_staff_accounts_t **out, char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_NOMEM;
    store_staff_accounts_t *list = NULL;
    int i, n;

    *out = NULL;
    if ((list = calloc(1, sizeof(*list))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    list->_res = PQexec(conn, staff_list_sql);
    if (PQresultStatus(list->_res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, list->_res, "cannot list staff accounts", err, errlen);
        goto out;
    }
    n = PQntuples(list->_res);
    if (n != 0 && (list->items = calloc((size_t)n, sizeof(*list->items))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    for (i = 0; i != n; ++i) {
        store_staff_account_t *a = list->items + i;
        a->login = PQgetvalue(list->_res, i, 0);
        a->created_at = PQgetvalue(list->_res, i, 1);
        a->disabled_at = store__get_str(list->_res, i, 2);
        a->locked_until = store__get_str(list->_res, i, 3);
        a->failed_logins = store__get_int64(list->_res, i, 4);
        a->sessions = store__get_int64(list->_res, i, 5);
    }
    list->count = (size_t)n;
    *out = list;
    list = NULL;
    result = STORE_OK;

out:
    store_staff_accounts_destroy(list);
    return result;
}

void store_staff_accounts_destroy(store_staff_accounts_t *list)
{
    if (list == NULL)
        return;
    PQclear(list->_res);
    free(list->items);
    free(list);
}

store_err_t store_staff_disable(PGconn *conn, const char *login, int *already_disabled, int64_t *sessions_removed, char *err,
                                size_t errlen)
{
    /* one statement: the account is locked, disabled (its first time kept) and its sessions deleted */
    static const char sql[] =
        "WITH old AS (SELECT login, disabled_at FROM staff_accounts WHERE login = $1::text FOR UPDATE), "
        "up AS (UPDATE staff_accounts a SET disabled_at = now() FROM old WHERE a.login = old.login AND old.disabled_at IS NULL "
        "RETURNING a.login), "
        "del AS (DELETE FROM staff_sessions s USING old WHERE s.login = old.login RETURNING 1) "
        "SELECT old.disabled_at IS NOT NULL, (SELECT count(*) FROM del) FROM old";
    store_err_t result = STORE_ERR_INVALID;
    const char *values[1] = {login};
    PGresult *res = NULL;

    if (already_disabled != NULL)
        *already_disabled = 0;
    if (sessions_removed != NULL)
        *sessions_removed = 0;
    if (!store_staff_login_valid(login)) {
        store__set_err(err, errlen, "there is no staff account '%s'", login != NULL ? login : "");
        result = STORE_ERR_NOTFOUND;
        goto out;
    }
    res = PQexecParams(conn, sql, 1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, res, "cannot disable the staff account", err, errlen);
        goto out;
    }
    if (PQntuples(res) != 1) {
        store__set_err(err, errlen, "there is no staff account '%s'", login);
        result = STORE_ERR_NOTFOUND;
        goto out;
    }
    if (already_disabled != NULL)
        *already_disabled = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    if (sessions_removed != NULL)
        *sessions_removed = store__get_int64(res, 0, 1);
    result = STORE_OK;

out:
    PQclear(res);
    return result;
}
