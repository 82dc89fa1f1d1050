/*
 * gatewayctl: option parsing, configuration, input of secrets and output formatting.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "ctl.h"

void *gw_ctl_check_alloc(void *p)
{
    if (p == NULL) {
        fputs("gatewayctl: out of memory\n", stderr);
        exit(GW_CTL_EXIT_FAIL);
    }
    return p;
}

static void print_one_line(FILE *fp, const char *prefix, const char *fmt, va_list ap)
{
    char buf[GW_CTL_ERR_MAX];
    size_t n;

    vsnprintf(buf, sizeof(buf), fmt, ap);
    for (n = strlen(buf); n != 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '); --n)
        buf[n - 1] = '\0';
    for (; n != 0; --n)
        if (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '\t')
            buf[n - 1] = ' ';
    fprintf(fp, "%s%s\n", prefix, buf);
}

int gw_ctl_usage_error(const gw_ctl_t *ctl, const char *fmt, ...)
{
    char prefix[64];
    va_list ap;

    snprintf(prefix, sizeof(prefix), "gatewayctl %s: ", ctl->cmd->name);
    va_start(ap, fmt);
    print_one_line(stderr, prefix, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'gatewayctl %s --help'.\n", ctl->cmd->name);
    return GW_CTL_EXIT_USAGE;
}

int gw_ctl_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print_one_line(stderr, "gatewayctl: ", fmt, ap);
    va_end(ap);
    return GW_CTL_EXIT_FAIL;
}

static gw_ctl_opt_t *find_opt(gw_ctl_opt_t *opts, const char *name, size_t namelen)
{
    for (; opts->name != NULL; ++opts)
        if (strlen(opts->name) == namelen && memcmp(opts->name, name, namelen) == 0)
            return opts;
    return NULL;
}

int gw_ctl_parse(gw_ctl_t *ctl, gw_ctl_opt_t *opts, int argc, char **argv)
{
    int i;

    for (i = 0; i != argc; ++i) {
        const char *arg = argv[i], *eq, *value = NULL;
        size_t namelen;
        gw_ctl_opt_t *opt;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(ctl->cmd->usage, stdout);
            return GW_CTL_EXIT_OK;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
            return gw_ctl_usage_error(ctl, "unexpected argument '%s'", arg);
        eq = strchr(arg, '=');
        namelen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        if (namelen == 10 && memcmp(arg, "--database", 10) == 0) {
            /* global options: the last one given wins */
            if (eq == NULL && i + 1 == argc)
                return gw_ctl_usage_error(ctl, "--database needs a value");
            ctl->database = eq != NULL ? eq + 1 : argv[++i];
            continue;
        }
        if (namelen == 17 && memcmp(arg, "--master-key-file", 17) == 0) {
            if (eq == NULL && i + 1 == argc)
                return gw_ctl_usage_error(ctl, "--master-key-file needs a value");
            ctl->master_key_file = eq != NULL ? eq + 1 : argv[++i];
            continue;
        }
        if ((opt = find_opt(opts, arg, namelen)) == NULL)
            return gw_ctl_usage_error(ctl, "unknown option '%.*s'", (int)namelen, arg);
        if (opt->has_value) {
            if (eq != NULL) {
                value = eq + 1;
            } else {
                if (i + 1 == argc)
                    return gw_ctl_usage_error(ctl, "%s needs a value", opt->name);
                value = argv[++i];
            }
        } else {
            if (eq != NULL)
                return gw_ctl_usage_error(ctl, "%s takes no value", opt->name);
            value = "";
        }
        if (opt->count != 0 && !opt->repeatable)
            return gw_ctl_usage_error(ctl, "%s is given more than once", opt->name);
        if (opt->count == GW_CTL_REPEAT_MAX)
            return gw_ctl_usage_error(ctl, "%s is given more than %d times", opt->name, GW_CTL_REPEAT_MAX);
        opt->values[opt->count++] = value;
    }
    return GW_CTL_CONTINUE;
}

const gw_ctl_opt_t *gw_ctl_opt_entry(const gw_ctl_opt_t *opts, const char *name)
{
    for (; opts->name != NULL; ++opts)
        if (strcmp(opts->name, name) == 0)
            return opts;
    fprintf(stderr, "gatewayctl: internal error: no option %s\n", name);
    abort();
}

const char *gw_ctl_opt(const gw_ctl_opt_t *opts, const char *name)
{
    const gw_ctl_opt_t *opt = gw_ctl_opt_entry(opts, name);

    return opt->count != 0 ? opt->values[opt->count - 1] : NULL;
}

int gw_ctl_str_opt(const gw_ctl_t *ctl, const gw_ctl_opt_t *opts, const char *name, const char **out)
{
    if ((*out = gw_ctl_opt(opts, name)) == NULL)
        return gw_ctl_usage_error(ctl, "%s is required", name);
    return GW_CTL_CONTINUE;
}

int gw_ctl_id_opt(const gw_ctl_t *ctl, const gw_ctl_opt_t *opts, const char *name, int optional, int64_t *out)
{
    const char *text = gw_ctl_opt(opts, name);
    char *end;
    long long v;

    *out = 0;
    if (text == NULL)
        return optional ? GW_CTL_CONTINUE : gw_ctl_usage_error(ctl, "%s is required", name);
    if (text[0] < '0' || text[0] > '9')
        goto bad;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0)
        goto bad;
    *out = (int64_t)v;
    return GW_CTL_CONTINUE;

bad:
    return gw_ctl_usage_error(ctl, "%s must be a positive integer, not '%s'", name, text);
}

PGconn *gw_ctl_connect(const gw_ctl_t *ctl)
{
    /* later entries win: the conninfo's own settings override the encoding and name given here */
    const char *keys[] = {"client_encoding", "fallback_application_name", "dbname", NULL};
    const char *values[] = {"UTF8", "gatewayctl", ctl->database, NULL};
    PGconn *conn;

    if (ctl->database == NULL)
        keys[2] = NULL;
    conn = PQconnectdbParams(keys, values, 1);
    if (conn == NULL) {
        gw_ctl_fail("out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        gw_ctl_fail("cannot connect to the database: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    {
        /* the audit log records what this tool changes as the operator's (store/migrations/008) */
        PGresult *res = PQexec(conn, "SELECT set_config('hsod.actor', 'operator', false)");
        int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
        if (!ok) {
            gw_ctl_fail("cannot set up the database session: %s", PQerrorMessage(conn));
            PQfinish(conn);
            return NULL;
        }
    }
    return conn;
}

store_keyring_t *gw_ctl_keyring(const gw_ctl_t *ctl)
{
    char err[GW_CTL_ERR_MAX];
    store_keyring_t *kr;

    if (ctl->master_key_file == NULL && ctl->master_key == NULL) {
        gw_ctl_fail("no master key: use --master-key-file, GATEWAY_MASTER_KEY_FILE or GATEWAY_MASTER_KEY");
        return NULL;
    }
    if ((kr = store_keyring_load(ctl->master_key_file, ctl->master_key, err, sizeof(err))) == NULL)
        gw_ctl_fail("%s", err);
    return kr;
}

int gw_ctl_read_secret(const char *prompt, char *buf, size_t bufsz, size_t *len)
{
    struct termios saved, quiet;
    int tty = isatty(STDIN_FILENO), echo_off = 0, c, result = -1;
    size_t n = 0;

    *len = 0;
    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &saved) == 0) {
            quiet = saved;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    while ((c = getchar()) != EOF && c != '\n') {
        if (n + 1 >= bufsz) {
            gw_ctl_fail("the value read from standard input is longer than %zu bytes", bufsz - 2);
            goto out;
        }
        buf[n++] = (char)c;
    }
    if (ferror(stdin)) {
        gw_ctl_fail("cannot read standard input: %s", strerror(errno));
        goto out;
    }
    if (n != 0 && buf[n - 1] == '\r')
        --n;
    if (n == 0) {
        gw_ctl_fail("standard input gave an empty value");
        goto out;
    }
    buf[n] = '\0';
    *len = n;
    result = 0;

out:
    if (echo_off) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fputc('\n', stderr);
    }
    if (result != 0)
        OPENSSL_cleanse(buf, bufsz);
    return result;
}

char *gw_ctl_read_stdin(size_t max)
{
    char *buf = gw_ctl_check_alloc(malloc(max + 2));
    size_t n = fread(buf, 1, max + 1, stdin);

    if (ferror(stdin)) {
        gw_ctl_fail("cannot read standard input: %s", strerror(errno));
        free(buf);
        return NULL;
    }
    if (n > max) {
        gw_ctl_fail("standard input is longer than %zu bytes", max);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* ---- output ---- */

void gw_ctl_table_init(gw_ctl_table_t *t, const char *const *headers)
{
    memset(t, 0, sizeof(*t));
    while (headers[t->ncols] != NULL)
        ++t->ncols;
    gw_ctl_table_add(t, headers);
}

void gw_ctl_table_add(gw_ctl_table_t *t, const char *const *cells)
{
    size_t i;

    if (t->nrows == t->cap) {
        t->cap = t->cap != 0 ? t->cap * 2 : 16;
        t->cells = gw_ctl_check_alloc(realloc(t->cells, t->cap * t->ncols * sizeof(*t->cells)));
    }
    for (i = 0; i != t->ncols; ++i) {
        char *cell = gw_ctl_check_alloc(strdup(cells[i] != NULL ? cells[i] : "-")), *p;
        /* a cell is one line: control characters would break the layout (or the terminal) */
        for (p = cell; *p != '\0'; ++p)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        t->cells[t->nrows * t->ncols + i] = cell;
    }
    ++t->nrows;
}

/* the width of UTF-8 text in characters */
static size_t text_width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; ++s)
        if (((unsigned char)*s & 0xc0) != 0x80)
            ++w;
    return w;
}

void gw_ctl_table_print(const gw_ctl_table_t *t, FILE *fp)
{
    size_t *widths = gw_ctl_check_alloc(calloc(t->ncols, sizeof(*widths))), r, c;

    for (r = 0; r != t->nrows; ++r)
        for (c = 0; c != t->ncols; ++c) {
            size_t w = text_width(t->cells[r * t->ncols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
    for (r = 0; r != t->nrows; ++r) {
        for (c = 0; c != t->ncols; ++c) {
            const char *cell = t->cells[r * t->ncols + c];
            fputs(cell, fp);
            if (c + 1 != t->ncols)
                fprintf(fp, "%*s", (int)(widths[c] - text_width(cell) + 2), "");
        }
        fputc('\n', fp);
    }
    free(widths);
}

void gw_ctl_table_dispose(gw_ctl_table_t *t)
{
    size_t i;

    for (i = 0; i != t->nrows * t->ncols; ++i)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

int gw_ctl_print_json(json_t *value)
{
    int ret;

    if (value == NULL)
        return gw_ctl_fail("out of memory");
    ret = json_dumpf(value, stdout, JSON_INDENT(2));
    json_decref(value);
    if (ret != 0)
        return gw_ctl_fail("cannot write the output");
    fputc('\n', stdout);
    return GW_CTL_EXIT_OK;
}

void gw_ctl_json_append(json_t *arr, json_t *value)
{
    if (value == NULL || json_array_append_new(arr, value) != 0) {
        fputs("gatewayctl: cannot build the JSON output\n", stderr);
        exit(GW_CTL_EXIT_FAIL);
    }
}

json_t *gw_ctl_json_str(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

json_t *gw_ctl_json_id(int64_t v)
{
    return v != 0 ? json_integer((json_int_t)v) : json_null();
}
