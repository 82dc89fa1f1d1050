/*
 * store: everything the gateway keeps, in PostgreSQL through libpq, and the crypto that protects it.
 * Nothing here knows about h2o: the asynchronous connection (store/pgasync.h) is driven by the
 * program's event loop through a small adapter.
 */
#ifndef store__store_h
#define store__store_h

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <libpq-fe.h>

typedef enum en_store_err_t {
    STORE_OK = 0,
    STORE_ERR_NOMEM = -1,
    STORE_ERR_INVALID = -2, /* malformed input (key file, token text, blob) */
    STORE_ERR_CRYPTO = -3,  /* authentication failed: tampered, wrong key, wrong associated data */
    STORE_ERR_NOKEY = -4,   /* the key id of a blob is not in the keyring */
    STORE_ERR_DB = -5,      /* PostgreSQL reported an error */
    STORE_ERR_NOTFOUND = -6,
    STORE_ERR_CONFLICT = -7, /* unique violation and the like */
} store_err_t;

/* ---- master keys (AES-256), never stored in the database ---- */

typedef struct st_store_keyring_t store_keyring_t;

/**
 * Loads the master keys. Text format, in a file or in the value of an environment variable: one key
 * per line or per ',' : `<key id>:<64 hex digits>`, key ids positive integers; the highest id is the
 * newest and is used for new encryptions. `path` is read when not NULL, else `env_value` is parsed.
 * Returns a new keyring, or NULL with a message in err (never containing key material).
 */
store_keyring_t *store_keyring_load(const char *path, const char *env_value, char *err, size_t errlen);
/** Frees the keyring, wiping key material. */
void store_keyring_destroy(store_keyring_t *kr);
/** The id of the newest key. */
uint32_t store_keyring_newest_id(const store_keyring_t *kr);
/**
 * A 32-byte key for `label` (e.g. signing links), derived from the keyring's oldest key: adding a key
 * for a rotation does not change it, so processes that share any keyring state agree on it.
 */
void store_keyring_derive(const store_keyring_t *kr, const char *label, unsigned char out[32]);
/** Writes a fresh random key line `<id>:<hex>` with id = newest + 1 (or 1) into out (>= 80 bytes). */
store_err_t store_keyring_generate_line(const store_keyring_t *kr_or_null, char *out, size_t outsz);

/**
 * Encrypts with AES-256-GCM under the newest key: random 96-bit nonce, the portal id (decimal text) as
 * associated data. The blob is: 1 byte version (1) | 4 bytes key id (big endian) | 12 bytes nonce |
 * ciphertext | 16 bytes tag. *blob is new (free()); *key_id receives the key id used.
 */
store_err_t store_seal(const store_keyring_t *kr, int64_t portal_id, const void *pt, size_t ptlen, unsigned char **blob,
                       size_t *bloblen, uint32_t *key_id);
/**
 * Decrypts a blob made by store_seal for the same portal id. *pt is new (free(), NUL-terminated for
 * convenience, wipe after use). STORE_ERR_CRYPTO on any tampering or wrong portal; STORE_ERR_NOKEY
 * when the key id is not in the keyring.
 */
store_err_t store_open(const store_keyring_t *kr, int64_t portal_id, const unsigned char *blob, size_t bloblen, unsigned char **pt,
                       size_t *ptlen);
/**
 * The id of the key a blob made by store_seal was sealed with (read from its header; nothing is
 * decrypted). STORE_ERR_INVALID when the blob does not have store_seal's form.
 */
store_err_t store_sealed_key_id(const unsigned char *blob, size_t bloblen, uint32_t *key_id);
/** Non-zero when the keyring holds a key with this id. */
int store_keyring_has(const store_keyring_t *kr, uint32_t key_id);

/* ---- personal access tokens ---- */

#define STORE_TOKEN_PREFIX "hsod_"
#define STORE_TOKEN_LEN 43         /* "hsod_" + 32 random base62 + 6 base62 CRC32 checksum */
#define STORE_TOKEN_DISPLAY_LEN 12 /* the display prefix: "hsod_" + 7 characters */

/** Writes a new random token (NUL-terminated) into out (>= STORE_TOKEN_LEN + 1 bytes). */
store_err_t store_token_generate(char *out, size_t outsz);
/** Non-zero when s[0..len) has the token's form and a valid checksum (no database needed). */
int store_token_well_formed(const char *s, size_t len);
/** SHA-256 of the token text. */
void store_token_hash(const char *s, size_t len, unsigned char out[32]);

/* ---- schema ---- */

/**
 * Applies the migrations not yet applied (store/migrations/NNN_name.sql, embedded in the binary at
 * build time), each in its own transaction, recorded in schema_migrations, under an advisory lock so
 * two processes starting at once do not race. Blocking: for start-up and the CLI only.
 * Returns STORE_OK or STORE_ERR_DB with a message in err.
 */
store_err_t store_migrate(PGconn *conn, char *err, size_t errlen);

#endif
