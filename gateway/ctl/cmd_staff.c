/*
 * gatewayctl staff add, list, disable and totp.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "store/staff.h"
#include "ctl.h"

/* the issuer shown by authenticator apps, percent-encoded for the otpauth URI */
#define TOTP_ISSUER "HubSpot%20OData%20gateway"
/* the longest TOTP secret `staff totp` takes, in bytes */
#define TOTP_SECRET_MAX 128

static int check_login(const gw_ctl_t *ctl, const char *login)
{
    if (store_staff_login_valid(login))
        return GW_CTL_CONTINUE;
    return gw_ctl_usage_error(ctl,
                              "--login must be 1 to %d characters: lower-case letters, digits, '.', '_' and '-', starting with a "
                              "letter or a digit",
                              STORE_STAFF_LOGIN_MAX);
}

/* Reads the password (and, on a terminal, the same again). Returns 0, or -1 after printing why. */
static int read_password(char *buf, size_t bufsz, size_t *len)
{
    char again[STORE_STAFF_PASSWORD_MAX + 2];
    size_t againlen = 0;
    int result = -1;

    if (gw_ctl_read_secret("Password: ", buf, bufsz, len) != 0)
        return -1;
    if (*len < STORE_STAFF_PASSWORD_MIN || *len > STORE_STAFF_PASSWORD_MAX) {
        gw_ctl_fail("the password must be %d to %d bytes", STORE_STAFF_PASSWORD_MIN, STORE_STAFF_PASSWORD_MAX);
        goto out;
    }
    if (isatty(STDIN_FILENO)) {
        if (gw_ctl_read_secret("Password again: ", again, sizeof(again), &againlen) != 0)
            goto out;
        if (againlen != *len || CRYPTO_memcmp(again, buf, *len) != 0) {
            gw_ctl_fail("the two passwords differ");
            goto out;
        }
    }
    result = 0;

out:
    OPENSSL_cleanse(again, sizeof(again));
    if (result != 0) {
        OPENSSL_cleanse(buf, bufsz);
        *len = 0;
    }
    return result;
}

int gw_ctl_cmd_staff_add(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--login"), GW_CTL_OPT_FLAG("--reset"), GW_CTL_OPT_END};
    char password[STORE_STAFF_PASSWORD_MAX + 2], secret32[STORE_BASE32_LEN(STORE_STAFF_TOTP_SECRET_LEN) + 1], err[GW_CTL_ERR_MAX];
    store_staff_add_t req = {0};
    store_staff_added_t added;
    store_keyring_t *kr = NULL;
    PGconn *conn = NULL;
    store_err_t se;
    int rc;

    memset(&added, 0, sizeof(added));
    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_str_opt(ctl, opts, "--login", &req.login)) != GW_CTL_CONTINUE ||
        (rc = check_login(ctl, req.login)) != GW_CTL_CONTINUE)
        return rc;
    req.reset = gw_ctl_opt(opts, "--reset") != NULL;

    rc = GW_CTL_EXIT_FAIL;
    password[0] = secret32[0] = '\0';
    /* the keys first: a missing key should not cost the operator a typed password */
    if ((kr = gw_ctl_keyring(ctl)) == NULL)
        goto out;
    if (read_password(password, sizeof(password), &req.password_len) != 0)
        goto out;
    req.password = password;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if ((se = store_staff_add(conn, kr, &req, &added, err, sizeof(err))) != STORE_OK) {
        if (se == STORE_ERR_CONFLICT)
            gw_ctl_fail("%s (--reset replaces its password and TOTP secret)", err);
        else
            gw_ctl_fail("%s", err);
        goto out;
    }
    store_base32_encode(added.totp_secret, sizeof(added.totp_secret), secret32, sizeof(secret32));
    if (req.reset)
        printf("Staff account %s reset: new password and TOTP secret; %" PRId64 " %s removed.\n", req.login, added.sessions_removed,
               added.sessions_removed == 1 ? "session" : "sessions");
    else
        printf("Staff account %s created.\n", req.login);
    printf("TOTP secret: %s\n", secret32);
    printf("TOTP URI: otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30\n", TOTP_ISSUER, req.login,
           secret32, TOTP_ISSUER);
    fflush(stdout);
    fprintf(stderr, "The TOTP secret is shown once: add it to the staff member's authenticator app now, it cannot be shown "
                    "again.\n");
    if (added.disabled)
        fprintf(stderr, "Staff account %s is disabled: it cannot sign in.\n", req.login);
    rc = GW_CTL_EXIT_OK;

out:
    OPENSSL_cleanse(password, sizeof(password));
    OPENSSL_cleanse(secret32, sizeof(secret32));
    OPENSSL_cleanse(&added, sizeof(added));
    PQfinish(conn);
    store_keyring_destroy(kr);
    return rc;
}

int gw_ctl_cmd_staff_list(gw_ctl_t *ctl, int argc, char **argv)
{
    static const char *const headers[] = {"LOGIN",        "STATUS",        "CREATED",  "DISABLED",
                                          "LOCKED UNTIL", "FAILED LOGINS", "SESSIONS", NULL};
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_FLAG("--json"), GW_CTL_OPT_END};
    store_staff_accounts_t *list = NULL;
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    size_t i;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_staff_list(conn, &list, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (gw_ctl_opt(opts, "--json") != NULL) {
        json_t *arr = gw_ctl_check_alloc(json_array());
        for (i = 0; i != list->count; ++i) {
            const store_staff_account_t *a = list->items + i;
            gw_ctl_json_append(arr,
                               json_pack("{sssssssososIsI}", "login", a->login, "status",
                                         a->disabled_at != NULL ? "disabled" : "active", "created_at", a->created_at, "disabled_at",
                                         gw_ctl_json_str(a->disabled_at), "locked_until", gw_ctl_json_str(a->locked_until),
                                         "failed_logins", (json_int_t)a->failed_logins, "sessions", (json_int_t)a->sessions));
        }
        rc = gw_ctl_print_json(arr);
    } else {
        gw_ctl_table_t t;
        gw_ctl_table_init(&t, headers);
        for (i = 0; i != list->count; ++i) {
            const store_staff_account_t *a = list->items + i;
            char failed[24], sessions[24];
            snprintf(failed, sizeof(failed), "%" PRId64, a->failed_logins);
            snprintf(sessions, sizeof(sessions), "%" PRId64, a->sessions);
            const char *row[] = {
                a->login, a->disabled_at != NULL ? "disabled" : "active", a->created_at, a->disabled_at, a->locked_until, failed,
                sessions};
            gw_ctl_table_add(&t, row);
        }
        gw_ctl_table_print(&t, stdout);
        gw_ctl_table_dispose(&t);
        rc = GW_CTL_EXIT_OK;
    }

out:
    store_staff_accounts_destroy(list);
    PQfinish(conn);
    return rc;
}

int gw_ctl_cmd_staff_disable(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--login"), GW_CTL_OPT_END};
    char err[GW_CTL_ERR_MAX];
    const char *login;
    int64_t removed = 0;
    PGconn *conn = NULL;
    int rc, already = 0;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_str_opt(ctl, opts, "--login", &login)) != GW_CTL_CONTINUE || (rc = check_login(ctl, login)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_staff_disable(conn, login, &already, &removed, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    printf("Staff account %s %s; %" PRId64 " %s removed.\n", login, already ? "was already disabled" : "disabled", removed,
           removed == 1 ? "session" : "sessions");
    rc = GW_CTL_EXIT_OK;

out:
    PQfinish(conn);
    return rc;
}

int gw_ctl_cmd_staff_totp(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--secret"), GW_CTL_OPT_VALUE("--at"), GW_CTL_OPT_END};
    char text[STORE_BASE32_LEN(TOTP_SECRET_MAX) + 8], code[7];
    unsigned char secret[TOTP_SECRET_MAX];
    const char *arg, *base32;
    size_t textlen = 0, len;
    int64_t at;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_str_opt(ctl, opts, "--secret", &arg)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--at", 1, &at)) != GW_CTL_CONTINUE)
        return rc;
    if (gw_ctl_opt(opts, "--at") == NULL)
        at = (int64_t)time(NULL);

    rc = GW_CTL_EXIT_FAIL;
    text[0] = '\0';
    if (strcmp(arg, "-") == 0) {
        if (gw_ctl_read_secret("TOTP secret: ", text, sizeof(text), &textlen) != 0)
            goto out;
        base32 = text;
    } else {
        base32 = arg;
        textlen = strlen(arg);
    }
    if ((len = store_base32_decode(base32, textlen, secret, sizeof(secret))) == (size_t)-1 || len == 0) {
        rc = gw_ctl_usage_error(ctl, "the secret must be base32 text (A-Z, 2-7) of 1 to %d bytes", TOTP_SECRET_MAX);
        goto out;
    }
    store_totp_code(secret, len, at / STORE_TOTP_PERIOD, code);
    printf("%s\n", code);
    rc = GW_CTL_EXIT_OK;

out:
    OPENSSL_cleanse(text, sizeof(text));
    OPENSSL_cleanse(secret, sizeof(secret));
    return rc;
}
