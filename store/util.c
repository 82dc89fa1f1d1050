/* store/ helpers shared by its source files */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

void store__set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* libpq's messages end with a newline and may span lines: keep one line */
    for (n = strlen(err); n != 0 && (err[n - 1] == '\n' || err[n - 1] == ' '); --n)
        err[n - 1] = '\0';
    for (; n != 0; --n)
        if (err[n - 1] == '\n' || err[n - 1] == '\r' || err[n - 1] == '\t')
            err[n - 1] = ' ';
}

store_err_t store__db_error(PGconn *conn, const PGresult *res, const char *what, char *err, size_t errlen)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    store__set_err(err, errlen, "%s: %s", what, msg != NULL ? msg : PQerrorMessage(conn));
    if (state == NULL)
        return STORE_ERR_DB;
    if (strcmp(state, "23505") == 0)
        return STORE_ERR_CONFLICT;
    if (strcmp(state, "23503") == 0)
        return STORE_ERR_NOTFOUND;
    if (strcmp(state, "23514") == 0 || strncmp(state, "22", 2) == 0)
        return STORE_ERR_INVALID;
    return STORE_ERR_DB;
}

int store__exec_command(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

    PQclear(res);
    return ok;
}

const char *store__get_str(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int64_t store__get_int64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}
