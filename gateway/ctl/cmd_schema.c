/*
 * gatewayctl migrate, gatewayctl db grant, gatewayctl keys generate, gatewayctl keys rotate.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "store/admin.h"
#include "ctl.h"

#define KEY_FILE_MAX (64 * 1024)

int gw_ctl_cmd_migrate(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_END};
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    int rc, before = 0, after = 0;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_schema_version(conn, &before, err, sizeof(err)) != STORE_OK ||
        store_migrate(conn, err, sizeof(err)) != STORE_OK ||
        store_admin_schema_version(conn, &after, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (before == after)
        printf("Schema at version %d: nothing to apply.\n", after);
    else
        printf("Schema migrated from version %d to %d.\n", before, after);
    rc = GW_CTL_EXIT_OK;

out:
    PQfinish(conn);
    return rc;
}

int gw_ctl_cmd_db_grant(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--role"), GW_CTL_OPT_END};
    const char *role;
    PGconn *conn = NULL;
    PGresult *res = NULL;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_str_opt(ctl, opts, "--role", &role)) != GW_CTL_CONTINUE)
        return rc;
    if (strlen(role) == 0 || strlen(role) > 63) {
        return gw_ctl_usage_error(ctl, "--role takes a PostgreSQL role name of 1 to 63 bytes");
    }
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    {
        const char *params[1] = {role};
        res = PQexecParams(conn, "SELECT grant_runtime_role($1::name)", 1, NULL, params, NULL, NULL, 0);
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        gw_ctl_fail("cannot grant to role %s: %s", role, msg != NULL ? msg : PQerrorMessage(conn));
        goto out;
    }
    printf("Role %s may now run gateways: it reads and changes the gateway's tables, and only reads the audit log.\n", role);
    rc = GW_CTL_EXIT_OK;

out:
    PQclear(res);
    PQfinish(conn);
    return rc;
}

/* Appends a new key line to path under an exclusive lock; the id follows the keys already in it. */
static int append_key(const char *path)
{
    char *text = NULL, line[96], err[GW_CTL_ERR_MAX];
    store_keyring_t *kr = NULL;
    struct stat st;
    size_t len = 0, off = 0;
    int fd, rc = GW_CTL_EXIT_FAIL;
    ssize_t n = 0;

    line[0] = '\0';
    if ((fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
        gw_ctl_fail("cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
        gw_ctl_fail("cannot lock %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > KEY_FILE_MAX) {
        gw_ctl_fail("%s is not a regular file of at most %d bytes", path, KEY_FILE_MAX);
        goto out;
    }
    len = (size_t)st.st_size;
    text = gw_ctl_check_alloc(malloc(len + 2));
    while (off < len && (n = pread(fd, text + off, len - off, (off_t)off)) > 0)
        off += (size_t)n;
    if (off != len) {
        gw_ctl_fail("cannot read %s: %s", path, n < 0 ? strerror(errno) : "the file changed while it was read");
        goto out;
    }
    text[len] = '\0';
    if (len != 0 && (kr = store_keyring_load(NULL, text, err, sizeof(err))) == NULL) {
        gw_ctl_fail("%s: %s", path, err);
        goto out;
    }
    if (len != 0 && text[len - 1] != '\n' && write(fd, "\n", 1) != 1) {
        gw_ctl_fail("cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    if (store_keyring_generate_line(kr, line, sizeof(line) - 1) != STORE_OK) {
        gw_ctl_fail("cannot make a key: no randomness available or no key id left");
        goto out;
    }
    memcpy(line + strlen(line), "\n", 2); /* room was kept above */
    if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) != 0) {
        gw_ctl_fail("cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    if ((st.st_mode & 077) != 0)
        fprintf(stderr, "gatewayctl: warning: %s can be read by other users; chmod 600 it\n", path);
    printf("Added key %lu to %s.\n", strtoul(line, NULL, 10), path);
    rc = GW_CTL_EXIT_OK;

out:
    if (fd >= 0)
        close(fd);
    if (text != NULL) {
        OPENSSL_cleanse(text, len);
        free(text);
    }
    OPENSSL_cleanse(line, sizeof(line));
    store_keyring_destroy(kr);
    return rc;
}

int gw_ctl_cmd_keys_generate(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--out"), GW_CTL_OPT_END};
    store_keyring_t *kr = NULL;
    const char *out;
    char line[96];
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE)
        return rc;
    if ((out = gw_ctl_opt(opts, "--out")) != NULL)
        return out[0] != '\0' ? append_key(out) : gw_ctl_usage_error(ctl, "--out needs a file name");

    rc = GW_CTL_EXIT_FAIL;
    if ((ctl->master_key_file != NULL || ctl->master_key != NULL) && (kr = gw_ctl_keyring(ctl)) == NULL)
        goto out;
    if (store_keyring_generate_line(kr, line, sizeof(line)) != STORE_OK) {
        gw_ctl_fail("cannot make a key: no randomness available or no key id left");
        goto out;
    }
    printf("%s\n", line);
    rc = GW_CTL_EXIT_OK;

out:
    OPENSSL_cleanse(line, sizeof(line));
    store_keyring_destroy(kr);
    return rc;
}

/* The portals of a rotation that had a problem, as "1, 2 (key 3)". */
static void print_failures(FILE *fp, const store_admin_rotation_t *rot, store_admin_rotation_problem_t problem)
{
    const char *sep = "";
    for (size_t i = 0; i != rot->nfailures; ++i) {
        const store_admin_rotation_failure_t *f = rot->failures + i;
        if (f->problem != problem)
            continue;
        if (problem == STORE_ADMIN_ROTATION_MISSING_KEY)
            fprintf(fp, "%s%" PRId64 " (key %" PRIu32 ")", sep, f->portal_id, f->key_id);
        else
            fprintf(fp, "%s%" PRId64, sep, f->portal_id);
        sep = ", ";
    }
}

int gw_ctl_cmd_keys_rotate(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_END};
    store_admin_rotation_t *rot = NULL;
    char err[GW_CTL_ERR_MAX];
    store_keyring_t *kr = NULL;
    PGconn *conn = NULL;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((kr = gw_ctl_keyring(ctl)) == NULL || (conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_admin_keys_rotate(conn, kr, &rot, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    printf("Newest master key: %" PRIu32 "\n", rot->key_id);
    printf("Re-sealed: %zu\n", rot->resealed);
    printf("Already current: %zu\n", rot->current);
    printf("Undecryptable: %zu\n", rot->undecryptable);
    if (rot->missing_key != 0)
        printf("Sealed with a key not configured: %zu\n", rot->missing_key);
    fflush(stdout);
    if (rot->undecryptable != 0) {
        fprintf(stderr, "gatewayctl: the refresh tokens of these portals cannot be opened; they are marked as needing "
                        "re-authorisation (an admin installs the app again at /oauth/install): ");
        print_failures(stderr, rot, STORE_ADMIN_ROTATION_UNDECRYPTABLE);
        fputc('\n', stderr);
    }
    if (rot->missing_key != 0) {
        fprintf(stderr, "gatewayctl: these portals are sealed with master keys that are not configured and were left as "
                        "they are (add the keys and rotate again): ");
        print_failures(stderr, rot, STORE_ADMIN_ROTATION_MISSING_KEY);
        fputc('\n', stderr);
    }
    rc = rot->undecryptable != 0 || rot->missing_key != 0 ? GW_CTL_EXIT_FAIL : GW_CTL_EXIT_OK;

out:
    store_admin_rotation_destroy(rot);
    PQfinish(conn);
    store_keyring_destroy(kr);
    return rc;
}
