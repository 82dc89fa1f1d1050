/*
 * store/audit: blocking checks and upkeep of the audit log (store/migrations/007_audit.sql) for the
 * admin CLI (gatewayctl audit) and for tests. Never call these from the event loop: they wait on libpq.
 *
 * The log is one hash chain per portal: row n holds the hash of row n-1 (prev_hash) and its own hash
 * over prev_hash and its fields (audit_row_hash() in the migration, store_audit_row_hash() here).
 * audit_chains records, per portal, the newest row (last_seq, last_hash) and the anchor left by pruning
 * (pruned_seq, pruned_hash: the hash of the last row removed, or audit_genesis() when none was).
 */
#ifndef store__audit_h
#define store__audit_h

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>
#include "store/store.h"

#define STORE_AUDIT_HASH_LEN 32
#define STORE_AUDIT_RETENTION_DAYS_MAX 3650 /* as audit_chains checks */
#define STORE_AUDIT_VERIFY_BATCH 5000       /* rows read per query by store_audit_verify */

/** The fields of one audit row as the hash covers them: decimal and JSON text, as PostgreSQL prints them. */
typedef struct st_store_audit_row_t {
    const char *portal_id; /* bigint text */
    const char *seq;       /* bigint text */
    const char *at_us;     /* the time in microseconds since the epoch: (extract(epoch FROM at) * 1000000)::bigint */
    const char *event;
    const char *actor;
    const char *user_id; /* NULL or "" when the column is NULL */
    const char *data_source_id;
    const char *token_id;
    const char *detail; /* detail::text, jsonb's normalised form */
} store_audit_row_t;

/**
 * The hash of a row, as audit_row_hash() computes it: SHA-256 over prev (32 bytes) followed by the UTF-8
 * text of the fields of row joined by '\n' (a NULL field counts as ""). Every string is borrowed.
 * Returns STORE_OK, STORE_ERR_NOMEM or STORE_ERR_CRYPTO (OpenSSL failed).
 */
store_err_t store_audit_row_hash(const unsigned char prev[STORE_AUDIT_HASH_LEN], const store_audit_row_t *row,
                                 unsigned char out[STORE_AUDIT_HASH_LEN]);

typedef enum en_store_audit_problem_kind_t {
    STORE_AUDIT_ALTERED,   /* a row's hash does not match its contents: changed, or moved to another seq */
    STORE_AUDIT_UNLINKED,  /* a row's prev_hash is not the previous row's hash: that row was replaced */
    STORE_AUDIT_MISSING,   /* rows first_seq..last_seq are gone from inside the chain */
    STORE_AUDIT_ANCHOR,    /* the oldest row kept does not follow the chain's anchor (pruned_seq, pruned_hash) */
    STORE_AUDIT_TRUNCATED, /* the newest rows first_seq..last_seq (audit_chains.last_seq) are gone */
    STORE_AUDIT_LAST_HASH, /* the newest row is not the one audit_chains records, or its record contradicts itself */
    STORE_AUDIT_EXTRA,     /* rows first_seq..last_seq lie outside the chain: at or below pruned_seq, or past last_seq */
    STORE_AUDIT_NO_CHAIN,  /* rows first_seq..last_seq of a portal that has no audit_chains row */
} store_audit_problem_kind_t;

typedef struct st_store_audit_problem_t {
    int64_t portal_id;
    store_audit_problem_kind_t kind;
    int64_t first_seq, last_seq; /* the rows concerned (one row: equal) */
    int64_t rows;                /* how many rows the problem concerns, when they exist (EXTRA, NO_CHAIN); else 0 */
    const char *message;         /* one line for people, "portal 123: rows 46 to 48 are missing"; borrowed for the call */
} store_audit_problem_t;

typedef struct st_store_audit_chain_t {
    int64_t portal_id;
    int64_t rows;                /* rows read and checked */
    int64_t first_seq, last_seq; /* the oldest and newest of them; 0 when there were none */
    int64_t pruned_seq;          /* rows 1..pruned_seq were pruned (audit_chains.pruned_seq) */
    int64_t recorded_last_seq;   /* audit_chains.last_seq */
    size_t problems;             /* problems reported for this chain */
} store_audit_chain_t;

typedef struct st_store_audit_verify_cb_t {
    /** Called for each problem, in seq order within a chain; may be NULL. */
    void (*problem)(void *ctx, const store_audit_problem_t *problem);
    /** Called when a chain has been walked, after its problems; may be NULL. */
    void (*chain)(void *ctx, const store_audit_chain_t *chain);
    void *ctx;
} store_audit_verify_cb_t;

typedef struct st_store_audit_report_t {
    size_t problems;             /* in all, NO_CHAIN ones included */
    int64_t rows;                /* rows checked in all */
    size_t nchains;              /* the chains walked, by portal id */
    store_audit_chain_t *chains; /* owned by the report */
} store_audit_report_t;

/**
 * Walks the hash chains of one portal, or of every portal when portal_id is 0: the audit_chains rows,
 * then each chain's rows in seq order, STORE_AUDIT_VERIFY_BATCH rows per query (memory does not grow
 * with the log), recomputing every row's hash. Each problem found goes to cb->problem; each chain walked
 * to cb->chain. Everything is read in one REPEATABLE READ READ ONLY transaction, so rows appended or
 * pruned meanwhile are not mistaken for damage; when the connection is already in a transaction, that
 * one is used. The connection's client encoding is set to UTF8 if it is not.
 *
 * *out (new, store_audit_report_destroy; may be NULL when not wanted) counts problems and rows, per
 * chain. Finding problems is not an error: the return value is STORE_OK unless the database could not
 * be read (STORE_ERR_DB, with a message in err) or memory ran out.
 */
store_err_t store_audit_verify(PGconn *conn, int64_t portal_id, const store_audit_verify_cb_t *cb, store_audit_report_t **out,
                               char *err, size_t errlen);
/** Frees a report (NULL is ignored). */
void store_audit_report_destroy(store_audit_report_t *report);

/**
 * Runs audit_prune() for one portal, or for all when portal_id is 0: removes the oldest rows older than
 * their portal's retention and moves the chain's anchor past them. *removed receives the rows removed.
 */
store_err_t store_audit_prune(PGconn *conn, int64_t portal_id, int64_t *removed, char *err, size_t errlen);

/**
 * Sets how many days (1 to STORE_AUDIT_RETENTION_DAYS_MAX) the audit log of a portal is kept, creating
 * its chain (with audit_genesis() anchors, as audit_append() does) when it has none. The portal need not
 * be installed: the log outlives an uninstall. *created (may be NULL) is set to 1 when the chain is new.
 */
store_err_t store_audit_retention_set(PGconn *conn, int64_t portal_id, int days, int *created, char *err, size_t errlen);

#endif
