/*
 * Schema migrations: the SQL files of store/migrations, compiled in (see store/CMakeLists.txt), are
 * applied in version order, each once, each in its own transaction.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "store/internal.h"

/* defined in the generated migrations_embedded.c, in ascending version order */
extern const size_t store__migration_count;
extern const int store__migration_versions[];
extern const char *const store__migration_names[];
extern const char *const store__migration_sql[];

/* the key of the advisory lock held while migrating: the bytes of "hsod_mig" */
#define MIGRATE_LOCK_KEY "7526481879154649447"

static void quiet_notice(void *arg, const char *message)
{
}

/* Runs a statement without parameters; returns non-zero on success. */
static int exec_ok(PGconn *conn, const char *sql, const char *what, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

    if (!ok) {
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        store__set_err(err, errlen, "%s: %s", what, msg != NULL ? msg : PQerrorMessage(conn));
    }
    PQclear(res);
    return ok;
}

static int is_applied(const PGresult *applied, int version)
{
    int i, n = PQntuples(applied);

    for (i = 0; i != n; ++i)
        if (atoi(PQgetvalue(applied, i, 0)) == version)
            return 1;
    return 0;
}

store_err_t store_migrate(PGconn *conn, char *err, size_t errlen)
{
    static const char *lock_params[1] = {MIGRATE_LOCK_KEY};
    store_err_t result = STORE_ERR_DB;
    PGresult *res = NULL, *applied = NULL;
    PQnoticeProcessor saved;
    int locked = 0, ok;
    size_t i;

    if (PQstatus(conn) != CONNECTION_OK) {
        store__set_err(err, errlen, "not connected to the database: %s", PQerrorMessage(conn));
        goto out;
    }

    res = PQexecParams(conn, "SELECT pg_advisory_lock($1::bigint)", 1, NULL, lock_params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        store__set_err(err, errlen, "cannot take the migration lock: %s", PQerrorMessage(conn));
        goto out;
    }
    locked = 1;
    PQclear(res);
    res = NULL;

    /* created on the first run only: a runtime role without CREATE (see grant_runtime_role) gets this far
     * on an up-to-date schema and finds nothing to do */
    res = PQexec(conn, "SELECT to_regclass('schema_migrations') IS NULL");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        store__set_err(err, errlen, "cannot read the schema: %s", PQerrorMessage(conn));
        goto out;
    }
    ok = strcmp(PQgetvalue(res, 0, 0), "t") != 0;
    PQclear(res);
    res = NULL;
    if (!ok) {
        /* "already exists, skipping" when another process was first */
        saved = PQsetNoticeProcessor(conn, quiet_notice, NULL);
        ok = exec_ok(conn,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text, "
                     "applied_at timestamptz DEFAULT now())",
                     "cannot create schema_migrations", err, errlen);
        PQsetNoticeProcessor(conn, saved, NULL);
        if (!ok)
            goto out;
    }

    applied = PQexec(conn, "SELECT version FROM schema_migrations");
    if (PQresultStatus(applied) != PGRES_TUPLES_OK) {
        store__set_err(err, errlen, "cannot read schema_migrations: %s", PQerrorMessage(conn));
        goto out;
    }

    for (i = 0; i != store__migration_count; ++i) {
        char version[16];
        const char *params[2] = {version, store__migration_names[i]};

        if (is_applied(applied, store__migration_versions[i]))
            continue;
        snprintf(version, sizeof(version), "%d", store__migration_versions[i]);
        if (!exec_ok(conn, "BEGIN", "cannot start a transaction", err, errlen))
            goto out;
        /* a migration file holds several statements: the simple query protocol runs them all */
        if (!exec_ok(conn, store__migration_sql[i], store__migration_names[i], err, errlen))
            goto rollback;
        res = PQexecParams(conn, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2::text)", 2, NULL, params, NULL,
                           NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            store__set_err(err, errlen, "cannot record migration %s: %s", store__migration_names[i], PQerrorMessage(conn));
            goto rollback;
        }
        PQclear(res);
        res = NULL;
        if (!exec_ok(conn, "COMMIT", store__migration_names[i], err, errlen))
            goto out;
    }
    result = STORE_OK;
    goto out;

rollback:
    PQclear(PQexec(conn, "ROLLBACK"));
out:
    PQclear(res);
    PQclear(applied);
    if (locked) {
        res = PQexecParams(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, lock_params, NULL, NULL, 0);
        PQclear(res);
    }
    return result;
}
