/*
 * store/staff: support staff accounts (store/migrations/009_staff.sql). Staff sign in with a password,
 * kept as an scrypt hash, and a TOTP code (RFC 6238) whose secret is sealed with the master keys.
 *
 * The functions above "blocking administration" are pure: no globals, no libpq, usable from any
 * thread. Secrets and passwords they copy are wiped before their memory is released.
 */
#ifndef store__staff_h
#define store__staff_h

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <libpq-fe.h>
#include "store/store.h"

#define STORE_STAFF_LOGIN_MAX 64 /* bytes, as the schema checks */
#define STORE_STAFF_HASH_MAX 256 /* room for store_staff_password_hash's text, with its NUL */
#define STORE_STAFF_PASSWORD_MIN 12
#define STORE_STAFF_PASSWORD_MAX 1024
#define STORE_STAFF_TOTP_SECRET_LEN 20 /* bytes of a new TOTP secret (160 bits, as RFC 4226 recommends) */
/** The length of the base32 text (without padding) of n bytes. */
#define STORE_BASE32_LEN(n) (((n)*8 + 4) / 5)

/** Whether login matches ^[a-z0-9][a-z0-9._-]{0,63}$ (the schema's check). */
int store_staff_login_valid(const char *login);

/* ---- passwords ---- */

/**
 * Hashes a password of STORE_STAFF_PASSWORD_MIN to STORE_STAFF_PASSWORD_MAX bytes with scrypt (N = 2^15,
 * r = 8, p = 1, a 16-byte random salt, 32 bytes of output), as the text
 * "scrypt$15$8$1$<salt base64>$<hash base64>" (RFC 4648 base64 with padding) written into out
 * (STORE_STAFF_HASH_MAX bytes, NUL-terminated). STORE_ERR_INVALID when the length is out of bounds,
 * STORE_ERR_CRYPTO when the salt or the derivation fails. Takes about 32 MiB and tens of
 * milliseconds.
 */
store_err_t store_staff_password_hash(const char *password, size_t len, char *out);
/**
 * Checks a password against store_staff_password_hash's text: 1 when it matches (the derived bytes are
 * compared in constant time), 0 when not (a password outside the length bounds never matches), -1 when
 * `encoded` is malformed, its parameters are outside N 2^10..2^20, r 1..32, p 1..16, or the derivation
 * fails (out of memory). CPU- and memory-heavy (128 * r * N bytes): call it off the event loop.
 */
int store_staff_password_verify(const char *encoded, const char *password, size_t len);

/* ---- base32 (RFC 4648, upper-case alphabet, no padding) ---- */

/**
 * Writes the base32 text of in[0..len) and a NUL into out. Returns the text's length
 * (STORE_BASE32_LEN(len)), or (size_t)-1 when outcap is less than that plus one.
 */
size_t store_base32_encode(const unsigned char *in, size_t len, char *out, size_t outcap);
/**
 * Decodes base32 text of `len` characters into out: either case, optional trailing '=' padding, no
 * spaces; the unused bits of the last character must be zero. Returns the number of bytes written, or
 * (size_t)-1 when the text is not base32 or its bytes do not fit in outcap.
 */
size_t store_base32_decode(const char *in, size_t len, unsigned char *out, size_t outcap);

/* ---- TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) ---- */

#define STORE_TOTP_PERIOD 30

/** Writes the 6-digit code of time step `step` (unix time / 30) and a NUL into out. */
void store_totp_code(const unsigned char *secret, size_t secret_len, int64_t step, char out[7]);
/**
 * Finds the time step within now / 30 +- 1 whose code is `code` (exactly 6 ASCII digits and a NUL),
 * comparing every candidate in constant time. Returns that step (the latest, should two match), or -1
 * when none matches, the code is not 6 digits, the secret is empty or now is negative. The caller
 * accepts the step only when it is above the account's totp_last_step, then stores it there, so that
 * a code is never accepted twice.
 */
int64_t store_totp_match(const unsigned char *secret, size_t secret_len, const char *code, time_t now);

/**
 * Seals a TOTP secret for a staff login: store_seal with portal id 0 over "<login>\n<secret bytes>",
 * so that a secret copied to another login's row does not open. *blob is new (free()).
 * STORE_ERR_INVALID when the login is not valid or the secret is empty.
 */
store_err_t store_staff_totp_seal(const store_keyring_t *kr, const char *login, const unsigned char *secret, size_t secret_len,
                                  unsigned char **blob, size_t *bloblen);
/**
 * Opens a blob made by store_staff_totp_seal for the same login. *secret is new (wipe it with
 * OPENSSL_cleanse, then free()) and *secret_len its length. STORE_ERR_CRYPTO when the blob is tampered
 * with, sealed for another login or with another key of the same id; STORE_ERR_NOKEY when its key is
 * not in the keyring; STORE_ERR_INVALID when the login is not valid or the blob is not store_seal's.
 */
store_err_t store_staff_totp_open(const store_keyring_t *kr, const char *login, const unsigned char *blob, size_t bloblen,
                                  unsigned char **secret, size_t *secret_len);

/* ---- blocking administration, for gatewayctl and tests (libpq; never on the event loop) ----
 *
 * These return STORE_OK or an error with a one-line message in err that never holds a password or a
 * secret. Timestamps are ISO 8601 text in UTC; NULL strings mean the database holds NULL.
 */

typedef struct st_store_staff_add_t {
    const char *login;    /* borrowed; store_staff_login_valid */
    const char *password; /* borrowed; STORE_STAFF_PASSWORD_MIN to STORE_STAFF_PASSWORD_MAX bytes */
    size_t password_len;
    int reset; /* 0: create a new account; 1: replace the password and TOTP secret of an existing one */
} store_staff_add_t;

typedef struct st_store_staff_added_t {
    unsigned char totp_secret[STORE_STAFF_TOTP_SECRET_LEN]; /* the new secret: show it once, then wipe it */
    int64_t sessions_removed;                               /* with reset: the account's sessions deleted */
    int disabled;                                           /* with reset: the account is disabled (and stays so) */
} store_staff_added_t;

/**
 * Creates a staff account, or with req->reset replaces the password and TOTP secret of an existing one
 * (clearing its failed logins, lock and last TOTP step, and deleting its sessions, in one statement).
 * A new random TOTP secret is made (RAND_bytes), sealed with the newest key of kr, and returned in
 * out->totp_secret. STORE_ERR_CONFLICT when the login exists (without reset), STORE_ERR_NOTFOUND when
 * it does not (with reset), STORE_ERR_INVALID for a bad login or password length.
 */
store_err_t store_staff_add(PGconn *conn, const store_keyring_t *kr, const store_staff_add_t *req, store_staff_added_t *out,
                            char *err, size_t errlen);

typedef struct st_store_staff_account_t {
    const char *login;
    const char *created_at;
    const char *disabled_at;  /* NULL when active */
    const char *locked_until; /* NULL unless locked now */
    int64_t failed_logins;    /* consecutive failures */
    int64_t sessions;         /* sessions not yet expired */
} store_staff_account_t;

typedef struct st_store_staff_accounts_t {
    size_t count;
    store_staff_account_t *items;
    PGresult *_res;
} store_staff_accounts_t;

/** Lists the staff accounts by login; no hash or secret is read. *out is new (store_staff_accounts_destroy). */
store_err_t store_staff_list(PGconn *conn, store_staff_accounts_t **out, char *err, size_t errlen);
/** Frees a staff account list (NULL is ignored). */
void store_staff_accounts_destroy(store_staff_accounts_t *list);

/**
 * Disables a staff account (disabled_at = now, kept when already set) and deletes its sessions, in one
 * statement. *already_disabled and *sessions_removed may be NULL. STORE_ERR_NOTFOUND when there is no
 * such account.
 */
store_err_t store_staff_disable(PGconn *conn, const char *login, int *already_disabled, int64_t *sessions_removed, char *err,
                                size_t errlen);

#endif
