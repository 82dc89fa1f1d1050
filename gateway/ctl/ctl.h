/*
 * gatewayctl internals: option parsing, configuration, output. Exit codes: 0 success, 1 runtime
 * error (one line on stderr), 2 usage error.
 */
#ifndef gateway__ctl__ctl_h
#define gateway__ctl__ctl_h

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include <libpq-fe.h>
#include "store/store.h"

#define GW_CTL_EXIT_OK 0
#define GW_CTL_EXIT_FAIL 1
#define GW_CTL_EXIT_USAGE 2
/* returned by gw_ctl_parse when the command should go on */
#define GW_CTL_CONTINUE (-1)

#define GW_CTL_REPEAT_MAX 64
#define GW_CTL_ERR_MAX 512

typedef struct st_gw_ctl_t gw_ctl_t;

typedef struct st_gw_ctl_cmd_t {
    const char *name;  /* "token mint" */
    const char *usage; /* the --help text */
    int (*run)(gw_ctl_t *ctl, int argc, char **argv);
} gw_ctl_cmd_t;

/* the configuration shared by all commands, from flags and the environment */
struct st_gw_ctl_t {
    const gw_ctl_cmd_t *cmd;
    const char *database;        /* conninfo or URI; NULL: libpq's defaults (PGHOST, ...) */
    const char *master_key_file; /* NULL: GATEWAY_MASTER_KEY */
    const char *master_key;      /* the keyring text itself, when no file is named */
};

/* one option of a command; the parser fills count and values (borrowed from argv) */
typedef struct st_gw_ctl_opt_t {
    const char *name; /* "--hub-id" */
    int has_value;
    int repeatable;
    size_t count;
    const char *values[GW_CTL_REPEAT_MAX];
} gw_ctl_opt_t;

#define GW_CTL_OPT_VALUE(n)                                                                                                        \
    {                                                                                                                              \
        .name = (n), .has_value = 1                                                                                                \
    }
#define GW_CTL_OPT_REPEATED(n)                                                                                                     \
    {                                                                                                                              \
        .name = (n), .has_value = 1, .repeatable = 1                                                                               \
    }
#define GW_CTL_OPT_FLAG(n)                                                                                                         \
    {                                                                                                                              \
        .name = (n)                                                                                                                \
    }
#define GW_CTL_OPT_END                                                                                                             \
    {                                                                                                                              \
        .name = NULL                                                                                                               \
    }

/**
 * Parses the arguments after the command name against opts (terminated by a NULL name); the global
 * options --database and --master-key-file are accepted too and stored in ctl. Returns
 * GW_CTL_CONTINUE, or an exit code after printing the help (0) or a usage error (2).
 */
int gw_ctl_parse(gw_ctl_t *ctl, gw_ctl_opt_t *opts, int argc, char **argv);
/** The last value (or "" for a flag) of the option called name, NULL when absent. Borrowed. */
const char *gw_ctl_opt(const gw_ctl_opt_t *opts, const char *name);
/** The option entry called name (it must exist). Borrowed. */
const gw_ctl_opt_t *gw_ctl_opt_entry(const gw_ctl_opt_t *opts, const char *name);

/** Prints "gatewayctl <command>: <message>" and a hint to stderr; returns 2. */
int gw_ctl_usage_error(const gw_ctl_t *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Prints "gatewayctl: <message>" on one line to stderr; returns 1. */
int gw_ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Reads a required option as a positive 64-bit integer. Returns GW_CTL_CONTINUE, or 2 after a usage
 * error (missing or not a positive integer). When optional is set a missing option leaves *out at 0.
 */
int gw_ctl_id_opt(const gw_ctl_t *ctl, const gw_ctl_opt_t *opts, const char *name, int optional, int64_t *out);
/** A required string option: GW_CTL_CONTINUE, or 2 after a usage error. */
int gw_ctl_str_opt(const gw_ctl_t *ctl, const gw_ctl_opt_t *opts, const char *name, const char **out);

/** Connects to the configured database. Returns a new connection (PQfinish), or NULL after printing why. */
PGconn *gw_ctl_connect(const gw_ctl_t *ctl);
/** Loads the configured master keys. Returns a new keyring, or NULL after printing why. */
store_keyring_t *gw_ctl_keyring(const gw_ctl_t *ctl);

/**
 * Reads one line from standard input (without echo when it is a terminal, after printing prompt to
 * stderr) into buf, without the line end. Returns 0, or -1 after printing why (too long, empty, read
 * error). The caller wipes buf after use.
 */
int gw_ctl_read_secret(const char *prompt, char *buf, size_t bufsz, size_t *len);
/** Reads standard input to its end, at most max bytes. Returns new NUL-terminated text, or NULL after printing why. */
char *gw_ctl_read_stdin(size_t max);

/* a text table: columns aligned with two spaces, NULL cells shown as "-" */
typedef struct st_gw_ctl_table_t {
    size_t ncols, nrows, cap;
    char **cells; /* row-major, header row first, owned */
} gw_ctl_table_t;

/** Starts a table with a NULL-terminated list of headers. */
void gw_ctl_table_init(gw_ctl_table_t *t, const char *const *headers);
/** Appends a row of t->ncols cells (copied; NULL allowed). */
void gw_ctl_table_add(gw_ctl_table_t *t, const char *const *cells);
/** Prints the table to fp. */
void gw_ctl_table_print(const gw_ctl_table_t *t, FILE *fp);
/** Frees the table's cells. */
void gw_ctl_table_dispose(gw_ctl_table_t *t);

/** Prints a JSON value, indented, to stdout and releases it (steals). Returns 0, or 1 after printing why. */
int gw_ctl_print_json(json_t *value);
/** Appends value to arr (steals value); exits with a message when value is NULL (a failed json_pack). */
void gw_ctl_json_append(json_t *arr, json_t *value);
/** A JSON string, or null for NULL (new). */
json_t *gw_ctl_json_str(const char *s);
/** A JSON integer, or null for 0 (new). */
json_t *gw_ctl_json_id(int64_t v);

/** Aborts with a message when memory runs out; returns p otherwise. */
void *gw_ctl_check_alloc(void *p);

/* the commands */
int gw_ctl_cmd_migrate(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_db_grant(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_keys_generate(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_keys_rotate(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_portal_add(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_portal_list(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_portal_remove(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_launch(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_datasource_create(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_datasource_list(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_datasource_show(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_token_mint(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_token_list(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_token_revoke(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_audit_verify(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_audit_prune(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_audit_retention(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_staff_add(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_staff_list(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_staff_disable(gw_ctl_t *ctl, int argc, char **argv);
int gw_ctl_cmd_staff_totp(gw_ctl_t *ctl, int argc, char **argv);

#endif
