/*
 * The audit log's checks and upkeep (see audit.h). Row hashes are recomputed here rather than by
 * audit_row_hash(), so a verification does not rely on the function as it stands in the database it checks.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "store/audit.h"
#include "store/internal.h"

#define NFIELDS 9

typedef char int64_text_t[24];

/* a hash read from the database: ok is 0 when the value was not 32 bytes, and then it equals nothing */
typedef struct st_hash_t {
    unsigned char b[STORE_AUDIT_HASH_LEN];
    int ok;
} hash_t;

static const char *int64_param(int64_text_t buf, int64_t v)
{
    snprintf(buf, sizeof(int64_text_t), "%" PRId64, v);
    return buf;
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

/* Reads a bytea column in text form (hex, or the old escape format). Returns 0, or -1 when out of memory. */
static int get_hash(const PGresult *res, int row, int col, hash_t *out)
{
    const char *s = PQgetvalue(res, row, col);
    size_t len = (size_t)PQgetlength(res, row, col), i, n = 0;
    unsigned char *raw;

    memset(out, 0, sizeof(*out));
    if (PQgetisnull(res, row, col))
        return 0;
    if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
        if (len != 2 + 2 * STORE_AUDIT_HASH_LEN)
            return 0;
        for (i = 0; i != STORE_AUDIT_HASH_LEN; ++i) {
            int hi = hex_value(s[2 + 2 * i]), lo = hex_value(s[3 + 2 * i]);
            if (hi < 0 || lo < 0)
                return 0;
            out->b[i] = (unsigned char)(hi << 4 | lo);
        }
        out->ok = 1;
        return 0;
    }
    if ((raw = PQunescapeBytea((const unsigned char *)s, &n)) == NULL)
        return -1;
    if (n == STORE_AUDIT_HASH_LEN) {
        memcpy(out->b, raw, n);
        out->ok = 1;
    }
    PQfreemem(raw);
    return 0;
}

static int hash_eq(const hash_t *a, const hash_t *b)
{
    return a->ok && b->ok && memcmp(a->b, b->b, STORE_AUDIT_HASH_LEN) == 0;
}

/* SHA-256 over prev and the fields joined by '\n'. Returns 0, or -1 when OpenSSL fails. */
static int hash_fields(EVP_MD_CTX *md, const unsigned char *prev, const char *const *fields, const size_t *lens,
                       unsigned char out[STORE_AUDIT_HASH_LEN])
{
    unsigned int n = 0;
    size_t i;

    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(md, prev, STORE_AUDIT_HASH_LEN) != 1)
        return -1;
    for (i = 0; i != NFIELDS; ++i)
        if ((i != 0 && EVP_DigestUpdate(md, "\n", 1) != 1) || EVP_DigestUpdate(md, fields[i], lens[i]) != 1)
            return -1;
    if (EVP_DigestFinal_ex(md, out, &n) != 1 || n != STORE_AUDIT_HASH_LEN)
        return -1;
    return 0;
}

store_err_t store_audit_row_hash(const unsigned char prev[STORE_AUDIT_HASH_LEN], const store_audit_row_t *row,
                                 unsigned char out[STORE_AUDIT_HASH_LEN])
{
    const char *fields[NFIELDS] = {row->portal_id,      row->seq,      row->at_us, row->event, row->actor, row->user_id,
                                   row->data_source_id, row->token_id, row->detail};
    size_t lens[NFIELDS], i;
    EVP_MD_CTX *md;
    store_err_t result = STORE_ERR_NOMEM;

    for (i = 0; i != NFIELDS; ++i) {
        if (fields[i] == NULL)
            fields[i] = "";
        lens[i] = strlen(fields[i]);
    }
    if ((md = EVP_MD_CTX_new()) == NULL)
        goto out;
    result = hash_fields(md, prev, fields, lens, out) == 0 ? STORE_OK : STORE_ERR_CRYPTO;

out:
    EVP_MD_CTX_free(md);
    return result;
}

/* ---- verification ---- */

typedef struct st_walk_t {
    PGconn *conn;
    const store_audit_verify_cb_t *cb;
    store_audit_report_t *report;
    store_audit_chain_t *chain; /* the chain being walked, NULL for rows without one */
    EVP_MD_CTX *md;
    char *err;
    size_t errlen;
} walk_t;

/* a run of rows outside the chain, reported as one problem */
typedef struct st_run_t {
    int64_t rows, first, last;
} run_t;

static void report(walk_t *w, int64_t portal_id, store_audit_problem_kind_t kind, int64_t first, int64_t last, int64_t rows,
                   const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void report(walk_t *w, int64_t portal_id, store_audit_problem_kind_t kind, int64_t first, int64_t last, int64_t rows,
                   const char *fmt, ...)
{
    char msg[400];
    int n = snprintf(msg, sizeof(msg), "portal %" PRId64 ": ", portal_id);
    store_audit_problem_t p = {portal_id, kind, first, last, rows, msg};
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
    ++w->report->problems;
    if (w->chain != NULL)
        ++w->chain->problems;
    if (w->cb != NULL && w->cb->problem != NULL)
        w->cb->problem(w->cb->ctx, &p);
}

/*
 * Describes rows first..last ("row 5", "rows 5 to 9", "3 rows from seq 5 to 9" when some in between
 * are not among them) into buf; returns whether the subject is plural.
 */
static int rows_text(char *buf, size_t bufsz, int64_t first, int64_t last, int64_t rows)
{
    if (first == last)
        snprintf(buf, bufsz, "row %" PRId64, first);
    else if (rows == 0 || rows == last - first + 1)
        snprintf(buf, bufsz, "rows %" PRId64 " to %" PRId64, first, last);
    else
        snprintf(buf, bufsz, "%" PRId64 " rows from seq %" PRId64 " to %" PRId64, rows, first, last);
    return first != last;
}

static void run_add(run_t *run, int64_t seq)
{
    if (run->rows++ == 0)
        run->first = seq;
    run->last = seq;
}

static void flush_below(walk_t *w, run_t *run)
{
    char what[80];
    int plural;

    if (run->rows == 0)
        return;
    plural = rows_text(what, sizeof(what), run->first, run->last, run->rows);
    report(w, w->chain->portal_id, STORE_AUDIT_EXTRA, run->first, run->last, run->rows,
           "%s should not exist: the chain was pruned up to row %" PRId64 " (%s added back outside audit_append)", what,
           w->chain->pruned_seq, plural ? "they were" : "it was");
    memset(run, 0, sizeof(*run));
}

static void flush_beyond(walk_t *w, run_t *run)
{
    char what[80];
    int plural;

    if (run->rows == 0)
        return;
    plural = rows_text(what, sizeof(what), run->first, run->last, run->rows);
    report(w, w->chain->portal_id, STORE_AUDIT_EXTRA, run->first, run->last, run->rows,
           "%s %s past the newest row the chain records (row %" PRId64 "): %s not added by audit_append", what,
           plural ? "are" : "is", w->chain->recorded_last_seq, plural ? "they were" : "it was");
    memset(run, 0, sizeof(*run));
}

static void report_missing(walk_t *w, int64_t first, int64_t last, int newest)
{
    const store_audit_chain_t *c = w->chain;
    char what[80], pruned[80] = "";
    int plural = rows_text(what, sizeof(what), first, last, 0);

    if (newest) {
        report(w, c->portal_id, STORE_AUDIT_TRUNCATED, first, last, 0,
               "%s %s missing: the newest %s removed (the chain records row %" PRId64 " as its newest)", what,
               plural ? "are" : "is", plural ? "rows were" : "row was", last);
    } else if (first == c->pruned_seq + 1) {
        if (c->pruned_seq != 0)
            snprintf(pruned, sizeof(pruned), "; rows 1 to %" PRId64 " were pruned", c->pruned_seq);
        report(w, c->portal_id, STORE_AUDIT_MISSING, first, last, 0, "%s %s missing: the oldest %s removed without audit_prune%s",
               what, plural ? "are" : "is", plural ? "rows were" : "row was", pruned);
    } else {
        report(w, c->portal_id, STORE_AUDIT_MISSING, first, last, 0, "%s %s missing", what, plural ? "are" : "is");
    }
}

/* clang-format off */
static const char chains_sql[] =
    "SELECT portal_id, last_seq, last_hash, pruned_seq, pruned_hash FROM audit_chains "
    "WHERE $1::bigint = 0 OR portal_id = $1::bigint ORDER BY portal_id";
/* the time as audit_row_hash() puts it in the hash, computed by the server so that it is the same number */
static const char rows_sql[] =
    "SELECT seq, (extract(epoch FROM at) * 1000000)::bigint, event, actor, user_id, data_source_id, token_id, detail::text, "
    "prev_hash, hash FROM audit_log WHERE portal_id = $1::bigint AND seq > $2::bigint ORDER BY seq LIMIT $3::integer";
static const char orphans_sql[] =
    "SELECT l.portal_id, count(*), min(l.seq), max(l.seq) FROM audit_log l "
    "WHERE ($1::bigint = 0 OR l.portal_id = $1::bigint) "
    "AND NOT EXISTS (SELECT 1 FROM audit_chains c WHERE c.portal_id = l.portal_id) "
    "GROUP BY l.portal_id ORDER BY l.portal_id";
/* clang-format on */

/* Walks chain i of chains (a chains_sql result) into w->report->chains[i]. */
static store_err_t walk_chain(walk_t *w, const PGresult *chains, int i)
{
    store_audit_chain_t *c = w->report->chains + i;
    store_err_t result = STORE_ERR_NOMEM;
    PGresult *res = NULL;
    hash_t last_hash, pruned_hash, prev, row_prev, stored, newest = {{0}, 0};
    int64_t last_seq, expect, cursor = 0;
    int64_text_t portal_text, cursor_text, batch_text;
    const char *values[3];
    run_t below = {0}, beyond = {0};
    int seen_newest = 0, n, r;

    memset(c, 0, sizeof(*c));
    c->portal_id = store__get_int64(chains, i, 0);
    c->recorded_last_seq = last_seq = store__get_int64(chains, i, 1);
    c->pruned_seq = store__get_int64(chains, i, 3);
    w->chain = c;
    if (get_hash(chains, i, 2, &last_hash) != 0 || get_hash(chains, i, 4, &pruned_hash) != 0) {
        store__set_err(w->err, w->errlen, "out of memory");
        goto out;
    }
    if (last_seq < c->pruned_seq)
        report(w, c->portal_id, STORE_AUDIT_LAST_HASH, last_seq, c->pruned_seq, 0,
               "the chain's record in audit_chains contradicts itself: it was pruned up to row %" PRId64
               " but its newest row is %" PRId64,
               c->pruned_seq, last_seq);
    prev = pruned_hash;
    expect = c->pruned_seq + 1;
    values[0] = int64_param(portal_text, c->portal_id);
    values[2] = int64_param(batch_text, STORE_AUDIT_VERIFY_BATCH);

    do {
        values[1] = int64_param(cursor_text, cursor);
        res = PQexecParams(w->conn, rows_sql, 3, NULL, values, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            result = store__db_error(w->conn, res, "cannot read the audit log", w->err, w->errlen);
            goto out;
        }
        n = PQntuples(res);
        for (r = 0; r != n; ++r) {
            const char *fields[NFIELDS];
            size_t lens[NFIELDS];
            unsigned char computed[STORE_AUDIT_HASH_LEN];
            int64_t seq = store__get_int64(res, r, 0);
            int col, altered;

            fields[0] = portal_text;
            lens[0] = strlen(portal_text);
            for (col = 0; col != NFIELDS - 1; ++col) {
                fields[col + 1] = PQgetvalue(res, r, col); /* "" for NULL, as the hash wants it */
                lens[col + 1] = (size_t)PQgetlength(res, r, col);
            }
            if (get_hash(res, r, 8, &row_prev) != 0 || get_hash(res, r, 9, &stored) != 0) {
                store__set_err(w->err, w->errlen, "out of memory");
                goto out;
            }
            if (hash_fields(w->md, row_prev.b, fields, lens, computed) != 0) {
                store__set_err(w->err, w->errlen, "cannot compute SHA-256");
                result = STORE_ERR_CRYPTO;
                goto out;
            }
            ++c->rows;
            ++w->report->rows;
            if (c->first_seq == 0)
                c->first_seq = seq;
            c->last_seq = seq;
            cursor = seq;

            if (seq <= c->pruned_seq) {
                run_add(&below, seq);
            } else {
                flush_below(w, &below);
                if (seq > expect)
                    report_missing(w, expect, seq - 1, 0);
            }
            altered = !row_prev.ok || !stored.ok || memcmp(computed, stored.b, STORE_AUDIT_HASH_LEN) != 0;
            if (altered)
                report(w, c->portal_id, STORE_AUDIT_ALTERED, seq, seq, 0,
                       "row %" PRId64 " was altered or moved: its hash does not match its contents", seq);
            if (seq <= c->pruned_seq)
                continue;
            /*
             * The link to the previous row is checked only when this row is as it was written (its prev_hash
             * is among what an alteration changes, so a moved row would also blame its new neighbour) and
             * when the previous row is there (a gap is the problem then).
             */
            if (!altered && seq == expect && !hash_eq(&row_prev, &prev)) {
                if (seq == c->pruned_seq + 1 && c->pruned_seq == 0)
                    report(w, c->portal_id, STORE_AUDIT_ANCHOR, seq, seq, 0,
                           "row %" PRId64 ", the first, does not follow the chain's start: its prev_hash is not "
                           "audit_genesis(%" PRId64 ")",
                           seq, c->portal_id);
                else if (seq == c->pruned_seq + 1)
                    report(w, c->portal_id, STORE_AUDIT_ANCHOR, seq, seq, 0,
                           "row %" PRId64 ", the oldest kept, does not follow the chain's anchor: its prev_hash is not "
                           "the hash of pruned row %" PRId64 " that audit_chains records",
                           seq, c->pruned_seq);
                else
                    report(w, c->portal_id, STORE_AUDIT_UNLINKED, seq - 1, seq, 0,
                           "row %" PRId64 " does not follow row %" PRId64 ": its prev_hash is not the hash of row %" PRId64
                           " (row %" PRId64 " was replaced or re-hashed)",
                           seq, seq - 1, seq - 1, seq - 1);
            }
            if (seq > last_seq)
                run_add(&beyond, seq);
            if (seq == last_seq) {
                newest = stored;
                seen_newest = 1;
            }
            prev = stored;
            expect = seq + 1;
        }
        PQclear(res);
        res = NULL;
    } while (n == STORE_AUDIT_VERIFY_BATCH);

    flush_below(w, &below);
    if (expect <= last_seq)
        report_missing(w, expect, last_seq, 1);
    else if (seen_newest && !hash_eq(&newest, &last_hash))
        report(w, c->portal_id, STORE_AUDIT_LAST_HASH, last_seq, last_seq, 0,
               "row %" PRId64 " is not the newest row the chain records: its hash is not audit_chains.last_hash (the row "
               "was replaced and re-hashed, or the record was changed)",
               last_seq);
    else if (last_seq == c->pruned_seq && !hash_eq(&last_hash, &pruned_hash))
        report(w, c->portal_id, STORE_AUDIT_LAST_HASH, last_seq, last_seq, 0,
               "the chain's record in audit_chains contradicts itself: it holds no row after the anchor but its "
               "last_hash is not the anchor's hash");
    flush_beyond(w, &beyond);
    if (w->cb != NULL && w->cb->chain != NULL)
        w->cb->chain(w->cb->ctx, c);
    result = STORE_OK;

out:
    PQclear(res);
    w->chain = NULL;
    return result;
}

static store_err_t report_orphans(walk_t *w, const char *portal_text)
{
    PGresult *res = PQexecParams(w->conn, orphans_sql, 1, NULL, &portal_text, NULL, NULL, 0);
    store_err_t result = STORE_OK;
    int i, n;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result = store__db_error(w->conn, res, "cannot read the audit log", w->err, w->errlen);
        goto out;
    }
    n = PQntuples(res);
    for (i = 0; i != n; ++i) {
        int64_t portal = store__get_int64(res, i, 0), rows = store__get_int64(res, i, 1), first = store__get_int64(res, i, 2),
                last = store__get_int64(res, i, 3);
        char what[80];
        int plural = rows_text(what, sizeof(what), first, last, rows);
        report(w, portal, STORE_AUDIT_NO_CHAIN, first, last, rows,
               "%s %s to no chain: audit_chains has no row for this portal, so %s cannot be checked", what,
               plural ? "belong" : "belongs", plural ? "they" : "it");
    }

out:
    PQclear(res);
    return result;
}

store_err_t store_audit_verify(PGconn *conn, int64_t portal_id, const store_audit_verify_cb_t *cb, store_audit_report_t **out,
                               char *err, size_t errlen)
{
    store_err_t result = STORE_ERR_NOMEM;
    walk_t w = {conn, cb, NULL, NULL, NULL, err, errlen};
    PGresult *chains = NULL;
    PGTransactionStatusType ts = PQtransactionStatus(conn);
    const char *encoding = PQparameterStatus(conn, "client_encoding");
    int64_text_t portal_text;
    const char *values[1] = {int64_param(portal_text, portal_id)};
    int own_transaction = 0, i, n;

    if (out != NULL)
        *out = NULL;
    if (portal_id < 0) {
        store__set_err(err, errlen, "the portal id must be a positive integer (or 0 for all)");
        return STORE_ERR_INVALID;
    }
    if ((w.report = calloc(1, sizeof(*w.report))) == NULL || (w.md = EVP_MD_CTX_new()) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    /* the hash covers the UTF-8 text of the fields */
    if ((encoding == NULL || strcmp(encoding, "UTF8") != 0) && PQsetClientEncoding(conn, "UTF8") != 0) {
        result = store__db_error(conn, NULL, "cannot set the client encoding to UTF8", err, errlen);
        goto out;
    }
    if (ts == PQTRANS_IDLE) {
        if (!store__exec_command(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
            result = store__db_error(conn, NULL, "cannot start a transaction", err, errlen);
            goto out;
        }
        own_transaction = 1;
    } else if (ts != PQTRANS_INTRANS) {
        store__set_err(err, errlen, "the database connection is busy or in a failed transaction");
        result = STORE_ERR_DB;
        goto out;
    }

    chains = PQexecParams(conn, chains_sql, 1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(chains) != PGRES_TUPLES_OK) {
        result = store__db_error(conn, chains, "cannot read the audit chains", err, errlen);
        goto out;
    }
    n = PQntuples(chains);
    if (n != 0 && (w.report->chains = calloc((size_t)n, sizeof(*w.report->chains))) == NULL) {
        store__set_err(err, errlen, "out of memory");
        goto out;
    }
    for (i = 0; i != n; ++i) {
        if ((result = walk_chain(&w, chains, i)) != STORE_OK)
            goto out;
        w.report->nchains = (size_t)i + 1;
    }
    if ((result = report_orphans(&w, portal_text)) != STORE_OK)
        goto out;
    if (own_transaction) {
        own_transaction = 0;
        if (!store__exec_command(conn, "COMMIT")) {
            result = store__db_error(conn, NULL, "cannot end the transaction", err, errlen);
            goto out;
        }
    }
    if (out != NULL) {
        *out = w.report;
        w.report = NULL;
    }
    result = STORE_OK;

out:
    if (own_transaction)
        store__exec_command(conn, "ROLLBACK");
    PQclear(chains);
    EVP_MD_CTX_free(w.md);
    store_audit_report_destroy(w.report);
    return result;
}

void store_audit_report_destroy(store_audit_report_t *report)
{
    if (report == NULL)
        return;
    free(report->chains);
    free(report);
}

/* ---- upkeep ---- */

store_err_t store_audit_prune(PGconn *conn, int64_t portal_id, int64_t *removed, char *err, size_t errlen)
{
    int64_text_t portal_text;
    const char *values[1] = {portal_id != 0 ? int64_param(portal_text, portal_id) : NULL};
    PGresult *res;
    store_err_t result = STORE_OK;

    *removed = 0;
    if (portal_id < 0) {
        store__set_err(err, errlen, "the portal id must be a positive integer (or 0 for all)");
        return STORE_ERR_INVALID;
    }
    res = PQexecParams(conn, "SELECT audit_prune($1::bigint)", 1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        result = store__db_error(conn, res, "cannot prune the audit log", err, errlen);
    else
        *removed = store__get_int64(res, 0, 0);
    PQclear(res);
    return result;
}

store_err_t store_audit_retention_set(PGconn *conn, int64_t portal_id, int days, int *created, char *err, size_t errlen)
{
    static const char sql[] = "INSERT INTO audit_chains AS c (portal_id, last_hash, pruned_hash, retention_days) "
                              "VALUES ($1::bigint, audit_genesis($1::bigint), audit_genesis($1::bigint), $2::integer) "
                              "ON CONFLICT (portal_id) DO UPDATE SET retention_days = EXCLUDED.retention_days RETURNING (xmax = 0)";
    int64_text_t portal_text, days_text;
    const char *values[2] = {int64_param(portal_text, portal_id), int64_param(days_text, days)};
    PGresult *res;
    store_err_t result = STORE_OK;

    if (created != NULL)
        *created = 0;
    if (portal_id <= 0 || days < 1 || days > STORE_AUDIT_RETENTION_DAYS_MAX) {
        store__set_err(err, errlen, "the portal id must be a positive integer and the retention 1 to %d days",
                       STORE_AUDIT_RETENTION_DAYS_MAX);
        return STORE_ERR_INVALID;
    }
    res = PQexecParams(conn, sql, 2, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        result = store__db_error(conn, res, "cannot set the audit retention", err, errlen);
    else if (created != NULL)
        *created = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return result;
}
