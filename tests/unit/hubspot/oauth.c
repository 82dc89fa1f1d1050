/*
 * Tests hubspot/oauth.c: the scope check an install must pass, and the revocation of a refresh token
 * against a small stand-in for HubSpot's OAuth service, served by h2o on the test's own loop.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <curl/curl.h>
#include "hubspot/oauth.h"
#include "tests/unit/test.h"

/* the stand-in: it answers every request with the status and body set here and remembers the request */
static struct {
    h2o_globalconf_t conf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    char base_url[64];
    int status;
    const char *body;
    size_t body_len;
    hs_oauth_revoke_t **destroy_on_request; /* a revocation destroyed once its request has arrived */
    int requests;
    char method[16];
    char path[512];
} srv;

/* what a revocation's callback saw */
typedef struct {
    int calls;
    int returned; /* set when hs_oauth_revoke_start() has returned */
    int early;    /* the callback ran before that */
    hs_err_t err;
    int already;
    long status;
    char message[512];
} seen_t;

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    ++srv.requests;
    snprintf(srv.method, sizeof(srv.method), "%.*s", (int)req->method.len, req->method.base);
    snprintf(srv.path, sizeof(srv.path), "%.*s", (int)req->path.len, req->path.base);
    if (srv.destroy_on_request != NULL) {
        hs_oauth_revoke_destroy(*srv.destroy_on_request);
        *srv.destroy_on_request = NULL;
        srv.destroy_on_request = NULL;
    }
    req->res.status = srv.status;
    req->res.reason = "Answer";
    if (srv.body_len != 0)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
    h2o_send_inline(req, srv.body != NULL ? srv.body : "", srv.body_len);
    return 0;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    h2o_socket_t *sock;
    if (err == NULL && (sock = h2o_evloop_socket_accept(listener)) != NULL)
        h2o_accept(&srv.accept_ctx, sock);
}

/* A listening socket on 127.0.0.1 with a port of the kernel's choice, written to *port. */
static int listen_local(int *port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sin.sin_port);
    return fd;
}

static int serve(h2o_evloop_t *ev)
{
    h2o_hostconf_t *hostconf;
    int fd, port;

    h2o_config_init(&srv.conf);
    hostconf = h2o_config_register_host(&srv.conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_create_handler(h2o_config_register_path(hostconf, "/", 0), sizeof(h2o_handler_t))->on_req = on_req;
    h2o_context_init(&srv.ctx, ev, &srv.conf);
    srv.accept_ctx.ctx = &srv.ctx;
    srv.accept_ctx.hosts = srv.conf.hosts;
    if ((fd = listen_local(&port)) < 0)
        return -1;
    snprintf(srv.base_url, sizeof(srv.base_url), "http://127.0.0.1:%d", port);
    srv.listener = h2o_evloop_socket_create(ev, fd, H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start(srv.listener, on_accept);
    return 0;
}

static void answer(int status, const char *body)
{
    srv.status = status;
    srv.body = body;
    srv.body_len = body != NULL ? strlen(body) : 0;
}

static void on_revoked(hs_oauth_revoke_t *x, void *data)
{
    seen_t *seen = data;
    ++seen->calls;
    seen->early = !seen->returned;
    seen->err = hs_oauth_revoke_error(x);
    seen->already = hs_oauth_revoke_already(x);
    seen->status = hs_oauth_revoke_status(x);
    snprintf(seen->message, sizeof(seen->message), "%s", hs_oauth_revoke_message(x));
    hs_oauth_revoke_destroy(x);
}

/* Runs the loop until the callback ran or `ms` milliseconds passed. */
static void run_until_called(h2o_evloop_t *ev, const seen_t *seen, uint64_t ms)
{
    uint64_t end = h2o_now(ev) + ms;
    while (seen->calls == 0 && h2o_now(ev) < end)
        h2o_evloop_run(ev, 10);
}

static void run_for(h2o_evloop_t *ev, uint64_t ms)
{
    uint64_t end = h2o_now(ev) + ms;
    while (h2o_now(ev) < end)
        h2o_evloop_run(ev, 10);
}

/* Revokes `token` at `base_url` and runs the loop until the callback ran; the revocation is destroyed by it. */
static void revoke_and_wait(h2o_evloop_t *ev, hs_loop_t *loop, const char *base_url, const char *token, seen_t *seen)
{
    hs_oauth_config_t cfg = {.base_url = base_url, .timeout_ms = 5000};
    hs_oauth_revoke_t *x;

    memset(seen, 0, sizeof(*seen));
    x = hs_oauth_revoke_start(loop, &cfg, token, on_revoked, seen);
    seen->returned = 1;
    if (x == NULL) {
        ok(0, "hs_oauth_revoke_start answered NULL");
        return;
    }
    run_until_called(ev, seen, 10000);
}

static void test_scopes(void)
{
    char missing[64];

    ok(hs_oauth_missing_scopes("oauth,tickets,crm.objects.contacts.read", "oauth crm.objects.contacts.read", missing,
                               sizeof(missing)) == 0,
       "every required scope granted");
    is_str(missing, "", "nothing listed as missing");
    ok(hs_oauth_missing_scopes("oauth,tickets", " oauth,, tickets  ", missing, sizeof(missing)) == 0,
       "spaces and commas both separate the required scopes");
    ok(hs_oauth_missing_scopes("oauth,crm.objects.contacts.read", "oauth crm.objects.deals.read tickets", missing,
                               sizeof(missing)) == 2,
       "two missing");
    is_str(missing, "crm.objects.deals.read tickets", "named in order");
    ok(hs_oauth_missing_scopes("oauth,crm.objects.contacts.readx", "crm.objects.contacts.read", missing, sizeof(missing)) == 1,
       "a longer granted name does not count");
    ok(hs_oauth_missing_scopes("oauth,crm.objects.contacts", "crm.objects.contacts.read", missing, sizeof(missing)) == 1,
       "nor does a prefix");
    ok(hs_oauth_missing_scopes("", "oauth", missing, sizeof(missing)) == 1, "nothing granted");
    ok(hs_oauth_missing_scopes("oauth", "", missing, sizeof(missing)) == 0, "nothing required");
    ok(hs_oauth_missing_scopes("", "a.very.long.scope.name.that.fills b.another.long.scope.name.that.fills", missing, 40) == 2,
       "both counted when the list does not fit");
    ok(strlen(missing) < 40, "the list is cut to its buffer: %s", missing);
}

static void test_revoke(h2o_evloop_t *ev, hs_loop_t *loop)
{
    static const char token[] = "rt-1/2 +&?#%=x.y_z~";
    hs_oauth_config_t cfg = {.base_url = srv.base_url, .timeout_ms = 5000};
    seen_t seen;
    hs_oauth_revoke_t *x;
    char *big, *huge_token;
    int requests, fd, port;

    /* revoked */
    answer(204, NULL);
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.calls == 1 && !seen.early, "204: the callback ran once, after start returned");
    ok(seen.err == HS_OK && seen.already == 0 && seen.status == 204, "204: HS_OK, not already revoked (%d, %d, %ld)", seen.err,
       seen.already, seen.status);
    is_str(srv.method, "DELETE", "the request's method is DELETE");
    is_str(srv.path, "/oauth/v1/refresh-tokens/rt-1%2F2%20%2B%26%3F%23%25%3Dx.y_z~", "the path carries the escaped token");
    ok(strstr(seen.message, "rt-1") == NULL, "the message does not name the token: %s", seen.message);

    /* another 2xx */
    answer(200, "{}");
    revoke_and_wait(ev, loop, srv.base_url, "plain-token", &seen);
    ok(seen.err == HS_OK && seen.already == 0 && seen.status == 200, "200: HS_OK too");
    is_str(srv.path, "/oauth/v1/refresh-tokens/plain-token", "a token of unreserved characters is sent as it is");

    /* unknown to HubSpot */
    answer(404, "{\"status\":\"error\",\"message\":\"refresh token not found\"}");
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.calls == 1 && !seen.early, "404: the callback ran once, after start returned");
    ok(seen.err == HS_OK && seen.already == 1 && seen.status == 404, "404: HS_OK, already revoked (%d, %d, %ld)", seen.err,
       seen.already, seen.status);

    /* HubSpot fails */
    answer(500, "{\"status\":\"error\",\"message\":\"Internal error while revoking\",\"correlationId\":\"c0ffee\"}");
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.err == HS_ERR_STATUS && seen.status == 500 && seen.already == 0, "500: HS_ERR_STATUS, status 500");
    ok(strstr(seen.message, "Internal error while revoking") != NULL && strstr(seen.message, "500") != NULL,
       "500: HubSpot's own message and the status: %s", seen.message);

    answer(400, "{\"status\":\"BAD_REFRESH_TOKEN\",\"message\":\"refresh token rt-1/2 +&?#%=x.y_z~ is malformed\"}");
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.err == HS_ERR_STATUS && seen.status == 400, "400: HS_ERR_STATUS");
    ok(strstr(seen.message, "rt-1") == NULL && strstr(seen.message, "BAD_REFRESH_TOKEN") != NULL,
       "a HubSpot message that repeats the token is not repeated: %s", seen.message);

    answer(400, "{\"message\":\"No route for DELETE /oauth/v1/refresh-tokens/rt-1%2F2%20%2B%26%3F%23%25%3Dx.y_z~\"}");
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.err == HS_ERR_STATUS && strstr(seen.message, "rt-1") == NULL, "nor one that repeats the escaped token: %s",
       seen.message);

    answer(502, "<html>Bad gateway</html>");
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.err == HS_ERR_STATUS && seen.status == 502 && strstr(seen.message, "<html>") == NULL,
       "502 with a body that is not JSON: HS_ERR_STATUS without the body: %s", seen.message);

    big = malloc(2000);
    memcpy(big, "{\"message\":\"", 12);
    memset(big + 12, 'm', 1900);
    strcpy(big + 1912, "\"}");
    answer(503, big);
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.err == HS_ERR_STATUS && seen.status == 503 && strstr(seen.message, "mmmmmmmmmm") != NULL && strlen(seen.message) < 400,
       "a long message is truncated (%zu characters)", strlen(seen.message));
    free(big);

    /* an answer over the cap */
    big = malloc(HS_OAUTH_MAX_BODY * 2 + 32);
    memcpy(big, "{\"message\":\"", 12);
    memset(big + 12, 'm', HS_OAUTH_MAX_BODY * 2);
    strcpy(big + 12 + HS_OAUTH_MAX_BODY * 2, "\"}");
    answer(500, big);
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.err == HS_ERR_STATUS && seen.status == 500 && strstr(seen.message, "too large") != NULL,
       "an answer over the cap: HS_ERR_STATUS with its status: %s", seen.message);
    answer(200, big);
    revoke_and_wait(ev, loop, srv.base_url, token, &seen);
    ok(seen.err == HS_OK && seen.status == 200, "a 2xx answer over the cap still means revoked");
    free(big);

    /* nobody listens */
    if ((fd = listen_local(&port)) >= 0) {
        char url[64];
        close(fd);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
        requests = srv.requests;
        revoke_and_wait(ev, loop, url, token, &seen);
        ok(seen.calls == 1 && !seen.early, "connection refused: the callback ran once, after start returned");
        ok(seen.err == HS_ERR_NETWORK && seen.status == 0, "connection refused: HS_ERR_NETWORK, no status (%d)", seen.err);
        ok(strstr(seen.message, "rt-1") == NULL && strstr(seen.message, "refresh-tokens") == NULL,
           "and the message names neither the token nor the URL: %s", seen.message);
    } else {
        ok(0, "no free local port");
    }

    /* destroyed before its first turn */
    answer(204, NULL);
    memset(&seen, 0, sizeof(seen));
    x = hs_oauth_revoke_start(loop, &cfg, token, on_revoked, &seen);
    ok(x != NULL, "started");
    hs_oauth_revoke_destroy(x);
    run_for(ev, 200);
    ok(seen.calls == 0, "destroyed at once: the callback never runs");

    /* destroyed while HubSpot answers */
    memset(&seen, 0, sizeof(seen));
    requests = srv.requests;
    x = hs_oauth_revoke_start(loop, &cfg, token, on_revoked, &seen);
    srv.destroy_on_request = &x;
    run_for(ev, 300);
    ok(srv.requests == requests + 1 && x == NULL, "the request reached HubSpot and the revocation was destroyed there");
    ok(seen.calls == 0, "destroyed in flight: the callback never runs");
    srv.destroy_on_request = NULL;

    hs_oauth_revoke_destroy(NULL);
    ok(1, "destroying NULL is harmless");

    /* a token that is never sent */
    requests = srv.requests;
    revoke_and_wait(ev, loop, srv.base_url, "", &seen);
    ok(seen.calls == 1 && !seen.early && seen.err == HS_ERR_INTERNAL && srv.requests == requests,
       "an empty token: HS_ERR_INTERNAL on a later turn, nothing sent: %s", seen.message);
    huge_token = malloc(HS_OAUTH_REFRESH_TOKEN_MAX + 2);
    memset(huge_token, 'a', HS_OAUTH_REFRESH_TOKEN_MAX + 1);
    huge_token[HS_OAUTH_REFRESH_TOKEN_MAX + 1] = '\0';
    revoke_and_wait(ev, loop, srv.base_url, huge_token, &seen);
    ok(seen.calls == 1 && !seen.early && seen.err == HS_ERR_INTERNAL && srv.requests == requests, "an over-long token: likewise");
    memset(&seen, 0, sizeof(seen));
    x = hs_oauth_revoke_start(loop, &cfg, "", on_revoked, &seen);
    hs_oauth_revoke_destroy(x);
    run_for(ev, 50);
    ok(seen.calls == 0, "destroyed before its refusal was reported: the callback never runs");
    free(huge_token);
}

int main(void)
{
    h2o_evloop_t *ev;
    hs_loop_t *loop;

    setvbuf(stdout, NULL, _IONBF, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_scopes();

    ev = h2o_evloop_create();
    loop = hs_loop_create(ev);
    ok(loop != NULL && serve(ev) == 0, "the loop and HubSpot's stand-in start");
    test_revoke(ev, loop);

    hs_loop_destroy(loop);
    run_for(ev, 100); /* the stand-in sees its connections close */
    h2o_socket_read_stop(srv.listener);
    h2o_socket_close(srv.listener);
    h2o_evloop_run(ev, 0);
    h2o_context_dispose(&srv.ctx);
    h2o_config_dispose(&srv.conf);
    h2o_evloop_destroy(ev);
    curl_global_cleanup();
    return test_done();
}
