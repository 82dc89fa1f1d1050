/*
 * The support staff's API under /staff/api/: a login with a password and a TOTP code, a session token
 * held in the staff page's memory (sent as a Bearer header), the list of portals, and each portal's
 * audit log with the admins' filters, paging and CSV export. Staff read nothing else. Every read of a
 * portal's log is first recorded in that log (audit.read_by_staff), and the read fails if it cannot be.
 *
 *   POST /staff/api/login                      {"login","password","code"} -> {"token","expiresIn","login"}
 *   POST /staff/api/logout
 *   GET  /staff/api/portals
 *   GET  /staff/api/portals/{id}/audit[/export]
 *
 * The password check (scrypt: tens of milliseconds of CPU and 32 MiB) runs on a thread of its own, never
 * on the event loop; at most MAX_CHECKS run at once, further logins get 503. A wrong login, password or
 * code, a disabled or locked account all get the same 401; ten failures in a row lock an account for 15
 * minutes; a code is accepted once.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <h2o/multithread.h>
#include "gateway/api.h"
#include "store/staff.h"

#define MAX_CHECKS 4
#define TOKEN_PREFIX "hsst_"

typedef struct st_check_t {
    h2o_multithread_message_t message; /* first: the thread hands the check back with it */
    h2o_req_t *req;
    char login[STORE_STAFF_LOGIN_MAX + 1];
    char *password;
    size_t password_len;
    char hash[STORE_STAFF_HASH_MAX];
    unsigned char *secret; /* NULL when the account cannot log in: the password is still checked */
    size_t secret_len;
    char code[7];
    int64_t last_step;
    /* the thread's answer */
    int password_ok;
    int64_t step;
} check_t;

static struct {
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t receiver;
    int checks; /* running */
    /* checked when the login is unknown, so that an answer takes as long either way */
    char dummy_hash[STORE_STAFF_HASH_MAX];
} staff;

static void check_free(check_t *c)
{
    if (c->password != NULL) {
        OPENSSL_cleanse(c->password, c->password_len);
        free(c->password);
    }
    if (c->secret != NULL) {
        OPENSSL_cleanse(c->secret, c->secret_len);
        free(c->secret);
    }
    OPENSSL_cleanse(c->code, sizeof(c->code));
    free(c);
}

static void login_failed(h2o_req_t *req)
{
    gw_api_send_err(req, 401, "LoginFailed",
                    "the login, password or code is wrong, or the account is disabled or locked after too many failures");
}

/* ---- sessions ---- */

static const char session_sql[] = "SELECT s.login FROM staff_sessions s JOIN staff_accounts a ON a.login = s.login "
                                  "WHERE s.token_hash = $1::bytea AND s.expires_at > now() AND a.disabled_at IS NULL";

typedef struct st_staff_req_t {
    h2o_req_t *req;
    unsigned char token_hash[32];
    const char *login; /* the session's, in the pool */
    int64_t portal_id;
    int export;
    gw_audit_read_t rd;
    void (*then)(struct st_staff_req_t *s);
} staff_req_t;

static void on_session(void *data, PGresult *res, const char *err)
{
    staff_req_t *s = data;

    if (res == NULL) {
        gw_api_send_db_error(s->req, "the session could not be read", err);
        return;
    }
    if (PQntuples(res) != 1) {
        gw_api_send_err(s->req, 401, "Unauthorized", "sign in again: the session is missing or has expired");
        return;
    }
    s->login = h2o_strdup(&s->req->pool, PQgetvalue(res, 0, 0), SIZE_MAX).base;
    s->then(s);
}

/* Reads the Bearer session, then runs `then`; or answers 401. */
static int with_staff_session(staff_req_t *s, void (*then)(staff_req_t *s))
{
    ssize_t i = h2o_find_header(&s->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    const h2o_iovec_t *v = i >= 0 ? &s->req->headers.entries[i].value : NULL;
    const char *params[1];

    if (v == NULL || v->len < 7 + sizeof(TOKEN_PREFIX) - 1 || strncasecmp(v->base, "Bearer ", 7) != 0 ||
        memcmp(v->base + 7, TOKEN_PREFIX, sizeof(TOKEN_PREFIX) - 1) != 0 || v->len > 200) {
        gw_api_send_err(s->req, 401, "Unauthorized", "a staff session is required: sign in at /staff/");
        return 0;
    }
    store_token_hash(v->base + 7, v->len - 7, s->token_hash);
    s->then = then;
    params[0] = gw_api_bytea_param(s->req, s->token_hash, 32);
    if (store_pg_query(gw.db, session_sql, 1, params, 0, on_session, s) != 0)
        gw_api_send_err(s->req, 500, "InternalError", "out of memory");
    return 0;
}

/* ---- login ---- */

static const char account_sql[] = "SELECT password_hash, totp_secret_enc, totp_last_step, disabled_at IS NOT NULL, "
                                  "coalesce(locked_until > now(), false) FROM staff_accounts WHERE login = $1::text";

/*
 * The code's step is newer than any accepted before, and the account is as it was checked (not reset,
 * disabled or locked meanwhile): the session is made in the same statement.
 */
static const char success_sql[] =
    "WITH u AS (UPDATE staff_accounts SET totp_last_step = $2::bigint, failed_logins = 0, locked_until = NULL "
    "WHERE login = $1::text AND totp_last_step < $2::bigint AND disabled_at IS NULL "
    "AND (locked_until IS NULL OR locked_until <= now()) AND password_hash = $5::text RETURNING login), "
    "gc AS (DELETE FROM staff_sessions WHERE expires_at < now() - interval '1 day') "
    "INSERT INTO staff_sessions (token_hash, login, expires_at) SELECT $3::bytea, login, now() + make_interval(secs => $4::int) "
    "FROM u RETURNING login";

static const char failure_sql[] =
    "UPDATE staff_accounts SET failed_logins = failed_logins + 1, locked_until = CASE WHEN failed_logins + 1 >= 10 "
    "THEN now() + interval '15 minutes' ELSE locked_until END WHERE login = $1::text RETURNING failed_logins";

static void on_failure_recorded(void *data, PGresult *res, const char *err)
{
    h2o_req_t *req = data;
    if (res == NULL)
        gw_log(GW_LOG_WARN, "staff", "could not record a failed login: %s", err);
    else if (PQntuples(res) == 1 && atoi(PQgetvalue(res, 0, 0)) == 10)
        gw_log(GW_LOG_WARN, "staff", "a staff account is locked for 15 minutes after 10 failed logins");
    login_failed(req);
}

typedef struct st_login_done_t {
    h2o_req_t *req;
    char token[64];
    char login[STORE_STAFF_LOGIN_MAX + 1];
} login_done_t;

static void on_session_made(void *data, PGresult *res, const char *err)
{
    login_done_t *d = data;

    if (res == NULL) {
        OPENSSL_cleanse(d->token, sizeof(d->token));
        gw_api_send_db_error(d->req, "the session could not be stored", err);
        return;
    }
    if (PQntuples(res) != 1) {
        /* the code was used meanwhile (or the account changed): a code counts once */
        OPENSSL_cleanse(d->token, sizeof(d->token));
        gw_log(GW_LOG_WARN, "staff", "login=%s refused: its code was already used", d->login);
        login_failed(d->req);
        return;
    }
    gw_log(GW_LOG_INFO, "staff", "login=%s signed in", d->login);
    gw_api_send_json(d->req, 200,
                     json_pack("{sssiss}", "token", d->token, "expiresIn", (int)gw.config.session_ttl, "login", d->login));
    OPENSSL_cleanse(d->token, sizeof(d->token));
}

/* On the loop: the thread's verdict. */
static void check_done(check_t *c)
{
    h2o_req_t *req = c->req;

    --staff.checks;
    if (c->secret != NULL && c->password_ok == 1 && c->step > c->last_step) {
        unsigned char raw[32], hash[32];
        char stale[24], step[24];
        login_done_t *d = h2o_mem_alloc_pool(&req->pool, sizeof(*d));
        const char *params[5];

        RAND_bytes(raw, sizeof(raw));
        memcpy(d->token, TOKEN_PREFIX, sizeof(TOKEN_PREFIX) - 1);
        store_base32_encode(raw, sizeof(raw), d->token + sizeof(TOKEN_PREFIX) - 1, sizeof(d->token) - sizeof(TOKEN_PREFIX) + 1);
        OPENSSL_cleanse(raw, sizeof(raw));
        store_token_hash(d->token, strlen(d->token), hash);
        d->req = req;
        memcpy(d->login, c->login, sizeof(d->login));
        snprintf(stale, sizeof(stale), "%ld", gw.config.session_ttl);
        snprintf(step, sizeof(step), "%" PRId64, c->step);
        params[0] = c->login;
        params[1] = step;
        params[2] = gw_api_bytea_param(req, hash, 32);
        params[3] = stale;
        params[4] = c->hash;
        if (store_pg_query(gw.db, success_sql, 5, params, 0, on_session_made, d) != 0)
            gw_api_send_err(req, 500, "InternalError", "out of memory");
    } else if (c->secret != NULL || c->last_step >= 0) {
        /* a known account: the failure counts towards its lock */
        const char *params[1] = {c->login};
        gw_log(GW_LOG_WARN, "staff", "login=%s refused: %s", c->login,
               c->secret == NULL     ? "the account is disabled or locked"
               : c->password_ok != 1 ? "wrong password"
               : c->step < 0         ? "wrong code"
                                     : "the code was already used");
        if (store_pg_query(gw.db, failure_sql, 1, params, 0, on_failure_recorded, req) != 0)
            gw_api_send_err(req, 500, "InternalError", "out of memory");
    } else {
        gw_log(GW_LOG_WARN, "staff", "a login for an unknown staff account was refused");
        login_failed(req);
    }
    check_free(c);
}

static void on_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
        check_done((check_t *)m);
    }
}

static void *check_thread(void *arg)
{
    check_t *c = arg;

    c->password_ok = store_staff_password_verify(c->hash, c->password, c->password_len);
    c->step = c->secret != NULL ? store_totp_match(c->secret, c->secret_len, c->code, time(NULL)) : -1;
    h2o_multithread_send_message(&staff.receiver, &c->message);
    return NULL;
}

static void on_account(void *data, PGresult *res, const char *err)
{
    check_t *c = data;
    h2o_req_t *req = c->req;
    pthread_t t;
    pthread_attr_t attr;

    if (res == NULL) {
        check_free(c);
        --staff.checks;
        gw_api_send_db_error(req, "the staff account could not be read", err);
        return;
    }
    c->last_step = -1; /* unknown login */
    snprintf(c->hash, sizeof(c->hash), "%s", staff.dummy_hash);
    if (PQntuples(res) == 1) {
        c->last_step = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        if (strlen(PQgetvalue(res, 0, 0)) < sizeof(c->hash))
            memcpy(c->hash, PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)) + 1);
        if (strcmp(PQgetvalue(res, 0, 3), "f") == 0 && strcmp(PQgetvalue(res, 0, 4), "f") == 0) {
            size_t bloblen;
            unsigned char *blob = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 1), &bloblen);
            store_err_t se = blob != NULL ? store_staff_totp_open(gw.keyring, c->login, blob, bloblen, &c->secret, &c->secret_len)
                                          : STORE_ERR_NOMEM;
            PQfreemem(blob);
            if (se != STORE_OK) {
                c->secret = NULL;
                gw_log(GW_LOG_ERROR, "staff", "login=%s: the TOTP secret cannot be opened (%d): is a master key missing?", c->login,
                       (int)se);
            }
        }
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, check_thread, c) != 0) {
        pthread_attr_destroy(&attr);
        check_free(c);
        --staff.checks;
        gw_api_send_err(req, 503, "Busy", "the gateway cannot check a login now; try again shortly");
        return;
    }
    pthread_attr_destroy(&attr);
}

static void login(h2o_req_t *req)
{
    static const char *const names[] = {"login", "password", "code", NULL};
    json_t *body = gw_api_json_body(req, names);
    const char *login, *password, *code;
    check_t *c;

    if (body == NULL)
        return;
    login = json_string_value(json_object_get(body, "login"));
    password = json_string_value(json_object_get(body, "password"));
    code = json_string_value(json_object_get(body, "code"));
    if (login == NULL || password == NULL || code == NULL) {
        json_decref(body);
        gw_api_send_err(req, 400, "InvalidRequest", "login, password and code are required strings");
        return;
    }
    if (!store_staff_login_valid(login) || strlen(code) != 6 || strspn(code, "0123456789") != 6 ||
        json_string_length(json_object_get(body, "password")) > STORE_STAFF_PASSWORD_MAX) {
        json_decref(body);
        login_failed(req);
        return;
    }
    if (staff.checks >= MAX_CHECKS) {
        json_decref(body);
        gw_add_header(req, H2O_TOKEN_RETRY_AFTER, "1");
        gw_api_send_err(req, 503, "Busy", "too many logins are being checked; try again in a moment");
        return;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL ||
        (c->password = malloc((c->password_len = json_string_length(json_object_get(body, "password"))) + 1)) == NULL) {
        free(c);
        json_decref(body);
        gw_api_send_err(req, 500, "InternalError", "out of memory");
        return;
    }
    c->req = req;
    memcpy(c->password, password, c->password_len + 1);
    memcpy(c->code, code, 7);
    snprintf(c->login, sizeof(c->login), "%s", login);
    /* the request's copy of the password is wiped at once */
    OPENSSL_cleanse((char *)password, c->password_len);
    json_decref(body);
    ++staff.checks;
    {
        const char *params[1] = {c->login};
        if (store_pg_query(gw.db, account_sql, 1, params, 0, on_account, c) != 0) {
            --staff.checks;
            check_free(c);
            gw_api_send_err(req, 500, "InternalError", "out of memory");
        }
    }
}

/* ---- logout ---- */

static void on_logged_out(void *data, PGresult *res, const char *err)
{
    h2o_req_t *req = data;
    if (res == NULL) {
        gw_api_send_db_error(req, "the session could not be ended", err);
        return;
    }
    req->res.status = 204;
    req->res.reason = "No Content";
    h2o_send_inline(req, NULL, 0);
}

static void logout(staff_req_t *s)
{
    const char *params[1] = {gw_api_bytea_param(s->req, s->token_hash, 32)};
    gw_log(GW_LOG_INFO, "staff", "login=%s signed out", s->login);
    if (store_pg_query(gw.db, "DELETE FROM staff_sessions WHERE token_hash = $1::bytea", 1, params, 0, on_logged_out, s->req) != 0)
        gw_api_send_err(s->req, 500, "InternalError", "out of memory");
}

/* ---- portals ---- */

static const char portals_sql[] =
    "SELECT coalesce(p.id, c.portal_id), p.hub_domain, p.id IS NOT NULL, coalesce(c.last_seq - c.pruned_seq, 0), "
    "to_char((SELECT max(at) FROM audit_log l WHERE l.portal_id = c.portal_id) AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM portals p FULL JOIN audit_chains c ON c.portal_id = p.id ORDER BY 1";

static void on_portals(void *data, PGresult *res, const char *err)
{
    staff_req_t *s = data;
    json_t *value;

    if (res == NULL) {
        gw_api_send_db_error(s->req, "the portals could not be read", err);
        return;
    }
    value = json_array();
    for (int i = 0; i < PQntuples(res); ++i)
        json_array_append_new(value,
                              json_pack("{sIsosbsIso}", "portalId", (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10),
                                        "hubDomain", PQgetisnull(res, i, 1) ? json_null() : json_string(PQgetvalue(res, i, 1)),
                                        "installed", strcmp(PQgetvalue(res, i, 2), "t") == 0, "events",
                                        (json_int_t)strtoll(PQgetvalue(res, i, 3), NULL, 10), "lastEventAt",
                                        PQgetisnull(res, i, 4) ? json_null() : json_string(PQgetvalue(res, i, 4))));
    gw_api_send_json(s->req, 200, json_pack("{so}", "value", value));
}

static void portals(staff_req_t *s)
{
    if (store_pg_query(gw.db, portals_sql, 0, NULL, 0, on_portals, s) != 0)
        gw_api_send_err(s->req, 500, "InternalError", "out of memory");
}

/* ---- a portal's audit log: the read is recorded first ---- */

static const char record_read_sql[] = "SELECT audit_append($2::jsonb) WHERE EXISTS (SELECT 1 FROM portals WHERE id = $1::bigint) "
                                      "OR EXISTS (SELECT 1 FROM audit_chains WHERE portal_id = $1::bigint)";

static void on_read_recorded(void *data, PGresult *res, const char *err)
{
    staff_req_t *s = data;

    if (res == NULL) {
        gw_api_send_db_error(s->req, "the read could not be recorded in the portal's audit log, so it was not made", err);
        return;
    }
    if (PQntuples(res) != 1) {
        gw_api_send_err(s->req, 404, "NotFound", "no portal %" PRId64 " is installed or has an audit log", s->portal_id);
        return;
    }
    gw_log(GW_LOG_INFO, "staff", "login=%s read the audit log of portal=%" PRId64 "%s", s->login, s->portal_id,
           s->export ? " (export)" : "");
    if (s->export)
        gw_audit_read_export(&s->rd);
    else
        gw_audit_read_list(&s->rd);
}

static void read_log(staff_req_t *s)
{
    char actor[STORE_STAFF_LOGIN_MAX + 8];
    json_t *filters, *ev;
    char *text;
    const char *params[2];

    if (gw_audit_read_parse(s->req, s->portal_id, !s->export, &s->rd) != 0)
        return;
    snprintf(actor, sizeof(actor), "staff:%s", s->login);
    filters = gw_audit_read_filters(&s->rd);
    if (!s->export && s->rd.before != 0)
        json_object_set_new(filters, "before", json_integer(s->rd.before));
    ev = json_pack("[{sIsssss{sosb}}]", "portal", (json_int_t)s->portal_id, "event", "audit.read_by_staff", "actor", actor,
                   "detail", "filters", filters, "export", s->export);
    text = ev != NULL ? json_dumps(ev, JSON_COMPACT) : NULL;
    json_decref(ev);
    if (text == NULL) {
        gw_api_send_err(s->req, 500, "InternalError", "out of memory");
        return;
    }
    params[0] = gw_api_int_param(s->req, s->portal_id);
    params[1] = h2o_strdup(&s->req->pool, text, SIZE_MAX).base;
    free(text);
    if (store_pg_query(gw.db, record_read_sql, 2, params, 0, on_read_recorded, s) != 0)
        gw_api_send_err(s->req, 500, "InternalError", "out of memory");
}

/* ---- routes ---- */

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    h2o_iovec_t path = req->path_normalized;
    staff_req_t *s = h2o_mem_alloc_pool(&req->pool, sizeof(*s));
    static const char portals_prefix[] = "/staff/api/portals/";

    memset(s, 0, sizeof(*s));
    s->req = req;
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/staff/api/login"))) {
        if (!gw_api_method_is(req, "POST"))
            return gw_api_not_allowed(req, "POST");
        login(req);
        return 0;
    }
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/staff/api/logout")))
        return gw_api_method_is(req, "POST") ? with_staff_session(s, logout) : gw_api_not_allowed(req, "POST");
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/staff/api/portals")))
        return gw_api_method_is(req, "GET") ? with_staff_session(s, portals) : gw_api_not_allowed(req, "GET");
    if (path.len > sizeof(portals_prefix) - 1 && memcmp(path.base, portals_prefix, sizeof(portals_prefix) - 1) == 0) {
        const char *id = path.base + sizeof(portals_prefix) - 1, *slash = memchr(id, '/', path.base + path.len - id);
        h2o_iovec_t rest = slash != NULL ? h2o_iovec_init(slash, path.base + path.len - slash) : h2o_iovec_init("", 0);
        if (slash == NULL || (s->portal_id = gw_api_parse_id(id, slash - id)) < 0 ||
            !(h2o_memis(rest.base, rest.len, H2O_STRLIT("/audit")) ||
              h2o_memis(rest.base, rest.len, H2O_STRLIT("/audit/export")))) {
            gw_api_send_err(req, 404, "NotFound", "no such staff API address");
            return 0;
        }
        s->export = rest.len > sizeof("/audit") - 1;
        return gw_api_method_is(req, "GET") ? with_staff_session(s, read_log) : gw_api_not_allowed(req, "GET");
    }
    gw_api_send_err(req, 404, "NotFound", "no such staff API address");
    return 0;
}

int gw_staff_register(h2o_hostconf_t *hostconf)
{
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/staff/api/", 0);
    h2o_create_handler(pathconf, sizeof(h2o_handler_t))->on_req = on_req;
    /* a well-formed hash of a random password nobody has */
    {
        unsigned char raw[24];
        char pw[64];
        RAND_bytes(raw, sizeof(raw));
        store_base32_encode(raw, sizeof(raw), pw, sizeof(pw));
        if (store_staff_password_hash(pw, strlen(pw), staff.dummy_hash) != STORE_OK)
            return -1;
        OPENSSL_cleanse(pw, sizeof(pw));
    }
    return 0;
}

void gw_staff_start(h2o_evloop_t *loop)
{
    staff.queue = h2o_multithread_create_queue(loop);
    h2o_multithread_register_receiver(staff.queue, &staff.receiver, on_messages);
}

void gw_staff_stop(void)
{
    /* checks still running hand their answer back first */
    for (int i = 0; i < 50 && staff.checks > 0; ++i)
        h2o_evloop_run(gw.evloop, 100);
    if (staff.queue != NULL) {
        h2o_multithread_unregister_receiver(staff.queue, &staff.receiver);
        h2o_multithread_destroy_queue(staff.queue);
        staff.queue = NULL;
    }
}
