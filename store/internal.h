/* store/ private declarations shared by its source files */
#ifndef store__internal_h
#define store__internal_h

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>
#include "store/store.h"

/** Formats a one-line message into err (libpq's trailing newlines and line breaks removed). */
void store__set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Describes a failed statement in err and classifies it by SQLSTATE (unique: CONFLICT, foreign key:
 * NOTFOUND, check or data: INVALID, else DB). */
store_err_t store__db_error(PGconn *conn, const PGresult *res, const char *what, char *err, size_t errlen);
/** Runs a statement that returns no rows; non-zero when it succeeded. */
int store__exec_command(PGconn *conn, const char *sql);
/** A column's text, NULL when SQL NULL. */
const char *store__get_str(const PGresult *res, int row, int col);
/** A column as an integer, 0 when SQL NULL. */
int64_t store__get_int64(const PGresult *res, int row, int col);

#endif
