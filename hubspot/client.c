/*
 * Calls to HubSpot on behalf of a portal. Each portal's access token lives in memory only; when it is
 * missing or about to expire, one refresh (POST /oauth/v1/token) runs and every call of that portal
 * waits for it. A 401 answer drops the token, refreshes once and retries the call. 5xx answers,
 * network failures (refused, reset, timed out, truncated) and 429s are tried again after a delay:
 * exponential backoff with jitter for failures, at least a second for a 429 (longer each time for the
 * ten-secondly limit), within a bound on attempts and on the time since the first try. A 429 for the
 * daily limit is final: waiting would take hours.
 *
 * Every call of a portal passes its rate budget (hubspot/budget.h) before it leaves: calls wait in the
 * portal's queue while the budget is spent, and the callers with the fewest calls on the wire go first,
 * so concurrent feeds of one portal share HubSpot's limits fairly instead of racing into 429s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <time.h>
#include <openssl/crypto.h>
#include "hubspot/budget.h"
#include "hubspot/internal.h"

#define TOKEN_MARGIN_MS (5 * 60 * 1000) /* refresh this long before HubSpot's expiry */
#define MAX_TOKEN_BODY (64 * 1024)
#define BACKOFF_MAX_MS 8000
#define RATE_WAIT_MAX_MS 10000

typedef struct st_hs_portal_t hs_portal_t;

struct st_hs_client_t {
    hs_loop_t *loop;
    h2o_evloop_t *evloop;
    char *base_url;
    char *client_id;
    char *client_secret;
    long timeout_ms;
    size_t max_body;
    int max_attempts;
    long retry_budget_ms, retry_base_ms;
    unsigned rate_ten_secondly, rate_secondly_search;
    uint64_t rng;
    hs_portal_t *portals;
    struct st_props_entry_t *props;
};

struct st_hs_portal_t {
    hs_portal_t *next;
    hs_client_t *client;
    int64_t id;
    char *access_token;
    uint64_t expires_at; /* h2o_now() milliseconds */
    CURL *refresh;       /* the refresh in flight, if any */
    char *refresh_form;
    odata_buf_t refresh_body;
    hs_call_t *waiters; /* calls waiting for the refresh */
    /* the rate budget: calls wait in `queue` until the budget has room, then fly */
    hs_budget_t budget;
    hs_call_t *queue, **queue_tail;
    hs_call_t *flying;
    hs_tick_t budget_tick;
};

struct st_hs_call_t {
    hs_client_t *client;
    hs_portal_t *portal;
    char *refresh_token;
    char *method;
    char *url;
    char *json_body;
    hs_call_cb cb;
    void *data;
    hs_call_t *next_waiter;
    int waiting;
    int search;                                              /* counts against the secondly search limit too */
    int queued;                                              /* waiting for the rate budget */
    hs_call_t *next_queued;                                  /* in portal->queue */
    hs_call_t *fly_next, **fly_pprev;                        /* in portal->flying while on the wire */
    uint64_t queued_at, queued_ms;                           /* time spent waiting for the budget */
    long rl_max, rl_remaining, rl_sec_max, rl_sec_remaining; /* the last answer's X-HubSpot-RateLimit-* */
    int retried_auth;
    CURL *easy;
    struct curl_slist *headers;
    hs_tick_t done_tick;
    hs_tick_t retry_tick;
    uint64_t first_at; /* h2o_now() of the first try */
    unsigned failures, rate_limited, retries;
    /* result */
    hs_err_t err;
    long status;
    odata_buf_t body;
    char message[400];
    char curl_err[CURL_ERROR_SIZE];
};

static void call_send(hs_call_t *call);
static void on_call_done(CURL *easy, CURLcode result, void *data);
static void fly_remove(hs_call_t *call);
static int retry_later(hs_call_t *call, int rate_limited, int secondly);

static char *xstrdup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

hs_client_t *hs_client_create(hs_loop_t *loop, const hs_client_config_t *config)
{
    hs_client_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->loop = loop;
    c->evloop = hs_loop_evloop(loop);
    c->base_url = xstrdup(config->base_url);
    c->client_id = xstrdup(config->client_id != NULL ? config->client_id : "");
    c->client_secret = xstrdup(config->client_secret != NULL ? config->client_secret : "");
    c->timeout_ms = config->timeout_ms > 0 ? config->timeout_ms : 60000;
    c->max_body = config->max_body > 0 ? config->max_body : 32 * 1024 * 1024;
    c->max_attempts = config->max_attempts > 0 ? config->max_attempts : 6;
    c->retry_budget_ms = config->retry_budget_ms > 0 ? config->retry_budget_ms : 60000;
    c->retry_base_ms = config->retry_base_ms > 0 ? config->retry_base_ms : 250;
    c->rate_ten_secondly = config->rate_ten_secondly;
    c->rate_secondly_search = config->rate_secondly_search;
    c->rng = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)c;
    if (c->base_url == NULL || c->client_id == NULL || c->client_secret == NULL) {
        hs_client_destroy(c);
        return NULL;
    }
    return c;
}

hs_loop_t *hs_client_loop(hs_client_t *client)
{
    return client->loop;
}

void hs_client_destroy(hs_client_t *c)
{
    hs_portal_t *p;
    if (c == NULL)
        return;
    while ((p = c->portals) != NULL) {
        c->portals = p->next;
        if (p->refresh != NULL) {
            hs_loop_remove(c->loop, p->refresh);
            curl_easy_cleanup(p->refresh);
        }
        hs_tick_cancel(c->loop, &p->budget_tick);
        hs__wipe_free(p->access_token);
        hs__wipe_free(p->refresh_form);
        odata_buf_dispose(&p->refresh_body);
        free(p);
    }
    hs__props_clear(c);
    free(c->base_url);
    free(c->client_id);
    hs__wipe_free(c->client_secret);
    free(c);
}

static void on_budget_tick(hs_tick_t *tick);

static hs_portal_t *portal_get(hs_client_t *c, int64_t id)
{
    hs_portal_t *p;
    for (p = c->portals; p != NULL; p = p->next)
        if (p->id == id)
            return p;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return NULL;
    p->id = id;
    p->client = c;
    odata_buf_init(&p->refresh_body, MAX_TOKEN_BODY);
    hs_budget_init(&p->budget, c->rate_ten_secondly, c->rate_secondly_search);
    p->queue_tail = &p->queue;
    p->budget_tick.cb = on_budget_tick;
    p->next = c->portals;
    c->portals = p;
    return p;
}

/* ---- completion of a call ---- */

static void on_done_tick(hs_tick_t *tick)
{
    hs_call_t *call = H2O_STRUCT_FROM_MEMBER(hs_call_t, done_tick, tick);
    call->cb(call, call->data);
}

static void call_finish(hs_call_t *call, hs_err_t err, long status, const char *fmt, const char *arg)
{
    call->err = err;
    call->status = status;
    if (fmt != NULL)
        snprintf(call->message, sizeof(call->message), fmt, arg != NULL ? arg : "");
    hs_tick_schedule(call->client->loop, &call->done_tick);
}

/* ---- token refresh (single flight per portal) ---- */

static void portal_wake(hs_portal_t *p, hs_err_t err, const char *msg)
{
    hs_call_t *list = p->waiters, *call;
    p->waiters = NULL;
    while ((call = list) != NULL) {
        list = call->next_waiter;
        call->next_waiter = NULL;
        call->waiting = 0;
        if (err == HS_OK)
            call_send(call);
        else if ((err == HS_ERR_NETWORK || err == HS_ERR_STATUS) && retry_later(call, 0, 0))
            continue; /* the next try refreshes again */
        else
            call_finish(call, err, 0, "%s", msg);
    }
}

static void on_refresh_done(CURL *easy, CURLcode result, void *data)
{
    hs_portal_t *p = data;
    long status = 0;
    json_t *doc = NULL;
    hs_err_t err = HS_OK;
    const char *msg = NULL;

    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    p->refresh = NULL;
    hs__wipe_free(p->refresh_form);
    p->refresh_form = NULL;

    if (result != CURLE_OK) {
        err = HS_ERR_NETWORK;
        msg = "HubSpot could not be reached to authorise the request";
        goto out;
    }
    doc = json_loadb(p->refresh_body.base, p->refresh_body.len, 0, NULL);
    if (status == 400 || status == 401 || status == 403) {
        /* HubSpot's "status" (v1) or OAuth's "error" says whose credentials were refused */
        const char *what = json_string_value(json_object_get(doc, "status"));
        if (what == NULL)
            what = json_string_value(json_object_get(doc, "error"));
        if (what != NULL && (strcmp(what, "BAD_REFRESH_TOKEN") == 0 || strcmp(what, "invalid_grant") == 0)) {
            err = HS_ERR_GRANT;
            msg = "HubSpot refused the portal's authorisation: it was revoked or the app was uninstalled";
        } else if (what != NULL && (strncmp(what, "BAD_CLIENT_", 11) == 0 || strcmp(what, "invalid_client") == 0)) {
            err = HS_ERR_AUTH;
            msg = "HubSpot refused the gateway's app credentials (client id or secret): the operator checks the gateway's "
                  "configuration";
        } else {
            err = HS_ERR_AUTH;
            msg = "HubSpot refused to renew the portal's access token";
        }
        goto out;
    }
    if (status != 200 || !json_is_string(json_object_get(doc, "access_token"))) {
        err = HS_ERR_STATUS;
        msg = "HubSpot's token service answered with an error";
        goto out;
    }
    hs__wipe_free(p->access_token);
    p->access_token = strdup(json_string_value(json_object_get(doc, "access_token")));
    json_int_t expires_in = json_integer_value(json_object_get(doc, "expires_in"));
    if (expires_in <= 0)
        expires_in = 1800;
    uint64_t life = (uint64_t)expires_in * 1000;
    p->expires_at = h2o_now(p->client->evloop) + (life > 2 * TOKEN_MARGIN_MS ? life - TOKEN_MARGIN_MS : life / 2);
    if (p->access_token == NULL) {
        err = HS_ERR_INTERNAL;
        msg = "out of memory";
    }

out:
    hs__wipe_answer(doc, &p->refresh_body); /* it holds the access and refresh tokens */
    portal_wake(p, err, msg);
}

static int portal_refresh(hs_client_t *c, hs_portal_t *p, const char *refresh_token)
{
    char url[1024];
    char *rt = NULL, *cid = NULL, *cs = NULL;
    int ret = -1;

    snprintf(url, sizeof(url), "%s/oauth/v1/token", c->base_url);
    if ((p->refresh = hs__easy_new(url, &p->refresh_body, c->timeout_ms, NULL)) == NULL)
        goto out;
    rt = curl_easy_escape(p->refresh, refresh_token, 0);
    cid = curl_easy_escape(p->refresh, c->client_id, 0);
    cs = curl_easy_escape(p->refresh, c->client_secret, 0);
    if (rt == NULL || cid == NULL || cs == NULL)
        goto out;
    size_t n = strlen(rt) + strlen(cid) + strlen(cs) + 96;
    if ((p->refresh_form = malloc(n)) == NULL)
        goto out;
    snprintf(p->refresh_form, n, "grant_type=refresh_token&client_id=%s&client_secret=%s&refresh_token=%s", cid, cs, rt);
    curl_easy_setopt(p->refresh, CURLOPT_POSTFIELDS, p->refresh_form);
    if (hs_loop_add(c->loop, p->refresh, on_refresh_done, p) != 0)
        goto out;
    ret = 0;

out:
    if (rt != NULL) {
        OPENSSL_cleanse(rt, strlen(rt));
        curl_free(rt);
    }
    curl_free(cid);
    if (cs != NULL) {
        OPENSSL_cleanse(cs, strlen(cs));
        curl_free(cs);
    }
    if (ret != 0 && p->refresh != NULL) {
        curl_easy_cleanup(p->refresh);
        p->refresh = NULL;
        hs__wipe_free(p->refresh_form);
        p->refresh_form = NULL;
    }
    return ret;
}

/* ---- the call itself ---- */

static void wait_for_token(hs_call_t *call)
{
    hs_client_t *c = call->client;
    hs_portal_t *p = call->portal;

    call->waiting = 1;
    call->next_waiter = p->waiters;
    p->waiters = call;
    if (p->refresh == NULL && portal_refresh(c, p, call->refresh_token) != 0) {
        portal_wake(p, HS_ERR_INTERNAL, "could not start the token refresh");
    }
}

static uint64_t rng_below(hs_client_t *c, uint64_t n)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return n != 0 ? c->rng % n : 0;
}

static void on_retry_tick(hs_tick_t *tick)
{
    hs_call_t *call = H2O_STRUCT_FROM_MEMBER(hs_call_t, retry_tick, tick);
    call_send(call);
}

/* The 429's policy ("DAILY", "SECONDLY", "TEN_SECONDLY_ROLLING", ...) from HubSpot's error body. */
static void policy_of(const odata_buf_t *body, char *out, size_t outsz)
{
    json_t *doc = json_loadb(body->base, body->len, 0, NULL);
    const char *p = json_string_value(json_object_get(doc, "policyName"));
    snprintf(out, outsz, "%s", p != NULL ? p : "");
    json_decref(doc);
}

/*
 * Schedules another try of a call that failed (`rate_limited`: a 429) when the attempts and the time
 * budget allow. Returns 1 when scheduled, 0 when the failure is final.
 */
static int retry_later(hs_call_t *call, int rate_limited, int secondly)
{
    hs_client_t *c = call->client;
    uint64_t delay, now = h2o_now(c->evloop);

    if (rate_limited) {
        /* a rate limit is waited out: a second for the secondly limit, longer each time for the ten-secondly one */
        uint64_t base = secondly ? 1000 : (uint64_t)1000 << (call->rate_limited < 4 ? call->rate_limited : 4);
        if (base > RATE_WAIT_MAX_MS)
            base = RATE_WAIT_MAX_MS;
        delay = base + rng_below(c, base / 4 + 1);
        ++call->rate_limited;
    } else {
        uint64_t base = (uint64_t)c->retry_base_ms << (call->failures < 10 ? call->failures : 10);
        if (base > BACKOFF_MAX_MS)
            base = BACKOFF_MAX_MS;
        if (++call->failures >= (unsigned)c->max_attempts)
            return 0;
        delay = base / 2 + rng_below(c, base / 2 + 1); /* "equal jitter": never less than half the backoff */
    }
    if (now + delay - call->first_at > (uint64_t)c->retry_budget_ms)
        return 0;
    ++call->retries;
    odata_buf_reset(&call->body);
    call->curl_err[0] = '\0';
    hs_tick_schedule_in(c->loop, &call->retry_tick, delay);
    return 1;
}

static void on_call_done(CURL *easy, CURLcode result, void *data)
{
    hs_call_t *call = data;
    long status = 0;

    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    call->easy = NULL;
    curl_slist_free_all(call->headers);
    call->headers = NULL;
    fly_remove(call);
    if (status != 0)
        hs_budget_observe(&call->portal->budget, call->search, h2o_now(call->client->evloop), call->rl_max, call->rl_remaining,
                          call->rl_sec_max, call->rl_sec_remaining);

    if (result == CURLE_WRITE_ERROR) {
        call_finish(call, HS_ERR_TOO_LARGE, status, "HubSpot's answer passed the gateway's size limit%s", NULL);
        return;
    }
    if (result != CURLE_OK) {
        char m[CURL_ERROR_SIZE + 64];
        snprintf(m, sizeof(m), "%s (tried %u times)", call->curl_err[0] != '\0' ? call->curl_err : curl_easy_strerror(result),
                 call->retries + 1);
        if (retry_later(call, 0, 0))
            return;
        call_finish(call, HS_ERR_NETWORK, 0, "HubSpot could not be reached: %s", m);
        return;
    }
    if (status == 429) {
        char policy[64], m[160];
        policy_of(&call->body, policy, sizeof(policy));
        if (strcmp(policy, "DAILY") == 0) {
            call_finish(call, HS_ERR_STATUS, status,
                        "the HubSpot portal has used its daily API limit%s; refresh again after midnight (the portal's time zone)",
                        NULL);
            return;
        }
        if (retry_later(call, 1, strcmp(policy, "SECONDLY") == 0))
            return;
        snprintf(m, sizeof(m), "HubSpot kept answering that its rate limit was reached (%u tries over %llu s)", call->retries + 1,
                 (unsigned long long)((h2o_now(call->client->evloop) - call->first_at) / 1000));
        call_finish(call, HS_ERR_STATUS, status, "%s", m);
        return;
    }
    if (status >= 500 && status <= 599 && retry_later(call, 0, 0))
        return;
    if (status == 401 && !call->retried_auth) {
        hs_portal_t *p = call->portal;
        call->retried_auth = 1;
        hs__wipe_free(p->access_token);
        p->access_token = NULL;
        odata_buf_reset(&call->body);
        wait_for_token(call);
        return;
    }
    if (status < 200 || status > 299) {
        char st[48];
        snprintf(st, sizeof(st), "%ld", status);
        if (status >= 500)
            snprintf(st + strlen(st), sizeof(st) - strlen(st), " (%u tries)", call->retries + 1);
        call_finish(call, status == 401 ? HS_ERR_AUTH : HS_ERR_STATUS, status, "HubSpot answered with status %s", st);
        return;
    }
    call_finish(call, HS_OK, status, NULL, NULL);
}

/* Reads the X-HubSpot-RateLimit-* headers of an answer. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    static const char prefix[] = "x-hubspot-ratelimit-";
    hs_call_t *call = userdata;
    size_t n = size * nmemb, plen = sizeof(prefix) - 1;
    const char *colon, *v, *end = ptr + n;
    long value = 0;

    if (n <= plen || strncasecmp(ptr, prefix, plen) != 0 || (colon = memchr(ptr, ':', n)) == NULL)
        return n;
    for (v = colon + 1; v != end && (*v == ' ' || *v == '\t'); ++v)
        ;
    if (v == end || *v < '0' || *v > '9')
        return n;
    for (; v != end && *v >= '0' && *v <= '9' && value < 100000000; ++v)
        value = value * 10 + (*v - '0');
    const char *name = ptr + plen;
    size_t nlen = colon - name;
#define HEADER_IS(s) (nlen == sizeof(s) - 1 && strncasecmp(name, s, nlen) == 0)
    if (HEADER_IS("Max"))
        call->rl_max = value;
    else if (HEADER_IS("Remaining"))
        call->rl_remaining = value;
    else if (HEADER_IS("Secondly"))
        call->rl_sec_max = value;
    else if (HEADER_IS("Secondly-Remaining"))
        call->rl_sec_remaining = value;
#undef HEADER_IS
    return n;
}

static void fly_remove(hs_call_t *call)
{
    if (call->fly_pprev == NULL)
        return;
    *call->fly_pprev = call->fly_next;
    if (call->fly_next != NULL)
        call->fly_next->fly_pprev = call->fly_pprev;
    call->fly_next = NULL;
    call->fly_pprev = NULL;
}

static void queue_remove(hs_portal_t *p, hs_call_t *call)
{
    hs_call_t **pp;
    for (pp = &p->queue; *pp != NULL; pp = &(*pp)->next_queued) {
        if (*pp == call) {
            *pp = call->next_queued;
            if (p->queue_tail == &call->next_queued)
                p->queue_tail = pp;
            break;
        }
    }
    call->next_queued = NULL;
    call->queued = 0;
}

/* Puts a call on the wire; the budget has been taken. */
static void call_transmit(hs_call_t *call)
{
    hs_client_t *c = call->client;
    hs_portal_t *p = call->portal;
    char auth[4096];

    if (p->access_token == NULL || h2o_now(c->evloop) >= p->expires_at) {
        wait_for_token(call);
        return;
    }
    if ((call->easy = hs__easy_new(call->url, &call->body, c->timeout_ms, call->curl_err)) == NULL)
        goto fail;
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", p->access_token);
    call->headers = curl_slist_append(NULL, auth);
    OPENSSL_cleanse(auth, sizeof(auth));
    if (call->headers == NULL)
        goto fail;
    call->headers = curl_slist_append(call->headers, "Accept: application/json");
    if (call->json_body != NULL) {
        call->headers = curl_slist_append(call->headers, "Content-Type: application/json");
        curl_easy_setopt(call->easy, CURLOPT_POSTFIELDS, call->json_body);
    }
    curl_easy_setopt(call->easy, CURLOPT_HTTPHEADER, call->headers);
    call->rl_max = call->rl_remaining = call->rl_sec_max = call->rl_sec_remaining = -1;
    curl_easy_setopt(call->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(call->easy, CURLOPT_HEADERDATA, call);
    if (hs_loop_add(c->loop, call->easy, on_call_done, call) != 0)
        goto fail;
    call->fly_next = p->flying;
    if (p->flying != NULL)
        p->flying->fly_pprev = &call->fly_next;
    p->flying = call;
    call->fly_pprev = &p->flying;
    return;

fail:
    if (call->easy != NULL) {
        curl_easy_cleanup(call->easy);
        call->easy = NULL;
    }
    curl_slist_free_all(call->headers);
    call->headers = NULL;
    call_finish(call, HS_ERR_INTERNAL, 0, "out of memory%s", NULL);
}

/* Calls of the same `data` (one feed) on the wire: the budget goes first to the callers with the fewest. */
static unsigned group_load(hs_portal_t *p, void *group)
{
    unsigned n = 0;
    for (hs_call_t *f = p->flying; f != NULL; f = f->fly_next)
        n += f->data == group;
    return n;
}

/*
 * Sends the waiting calls the budget has room for, fairly: of the calls that may leave now, the one
 * whose caller has the fewest calls on the wire goes first, the oldest among equals. When the budget is
 * spent, the portal's tick runs again when room comes.
 */
static void portal_pump(hs_portal_t *p)
{
    hs_client_t *c = p->client;
    uint64_t now = h2o_now(c->evloop);

    while (p->queue != NULL) {
        uint64_t wait_plain = hs_budget_wait(&p->budget, 0, now), wait_search = hs_budget_wait(&p->budget, 1, now);
        uint64_t wait_min = UINT64_MAX;
        hs_call_t *best = NULL, *q;
        unsigned best_load = UINT32_MAX;

        for (q = p->queue; q != NULL; q = q->next_queued) {
            uint64_t w = q->search ? wait_search : wait_plain;
            if (w != 0) {
                if (w < wait_min)
                    wait_min = w;
                continue;
            }
            unsigned load = group_load(p, q->data);
            if (load < best_load) {
                best = q;
                best_load = load;
                if (load == 0)
                    break;
            }
        }
        if (best == NULL) {
            hs_tick_schedule_in(c->loop, &p->budget_tick, wait_min);
            return;
        }
        queue_remove(p, best);
        best->queued_ms += now - best->queued_at;
        hs_budget_take(&p->budget, best->search, now);
        call_transmit(best);
    }
}

static void on_budget_tick(hs_tick_t *tick)
{
    portal_pump(H2O_STRUCT_FROM_MEMBER(hs_portal_t, budget_tick, tick));
}

static void call_send(hs_call_t *call)
{
    hs_client_t *c = call->client;
    hs_portal_t *p = call->portal;

    if (p->access_token == NULL || h2o_now(c->evloop) >= p->expires_at) {
        wait_for_token(call);
        return;
    }
    call->queued = 1;
    call->queued_at = h2o_now(c->evloop);
    call->next_queued = NULL;
    *p->queue_tail = call;
    p->queue_tail = &call->next_queued;
    portal_pump(p);
}

hs_call_t *hs_call_start(hs_client_t *c, int64_t portal_id, const char *refresh_token, const char *method,
                         const char *path_and_query, const char *json_body, hs_call_cb cb, void *data)
{
    hs_call_t *call = calloc(1, sizeof(*call));
    size_t urllen;

    if (call == NULL)
        return NULL;
    call->client = c;
    call->cb = cb;
    call->data = data;
    call->done_tick.cb = on_done_tick;
    call->retry_tick.cb = on_retry_tick;
    call->first_at = h2o_now(c->evloop);
    odata_buf_init(&call->body, c->max_body);
    urllen = strlen(c->base_url) + strlen(path_and_query) + 1;
    if ((call->portal = portal_get(c, portal_id)) == NULL || (call->refresh_token = xstrdup(refresh_token)) == NULL ||
        (call->method = xstrdup(method)) == NULL || (call->url = malloc(urllen)) == NULL ||
        (json_body != NULL && (call->json_body = xstrdup(json_body)) == NULL)) {
        hs_call_destroy(call);
        return NULL;
    }
    snprintf(call->url, urllen, "%s%s", c->base_url, path_and_query);
    call->search = json_body != NULL && strstr(path_and_query, "/search") != NULL;
    call_send(call);
    return call;
}

void hs_call_destroy(hs_call_t *call)
{
    if (call == NULL)
        return;
    if (call->waiting) {
        hs_call_t **pp;
        for (pp = &call->portal->waiters; *pp != NULL; pp = &(*pp)->next_waiter) {
            if (*pp == call) {
                *pp = call->next_waiter;
                break;
            }
        }
    }
    if (call->queued)
        queue_remove(call->portal, call);
    fly_remove(call);
    if (call->easy != NULL) {
        hs_loop_remove(call->client->loop, call->easy);
        curl_easy_cleanup(call->easy);
    }
    curl_slist_free_all(call->headers);
    hs_tick_cancel(call->client->loop, &call->done_tick);
    hs_tick_cancel(call->client->loop, &call->retry_tick);
    hs__wipe_free(call->refresh_token);
    free(call->method);
    free(call->url);
    free(call->json_body);
    odata_buf_dispose(&call->body);
    free(call);
}

hs_err_t hs_call_error(const hs_call_t *call)
{
    return call->err;
}

long hs_call_status(const hs_call_t *call)
{
    return call->status;
}

const odata_buf_t *hs_call_body(const hs_call_t *call)
{
    return &call->body;
}

const char *hs_call_message(const hs_call_t *call)
{
    return call->message[0] != '\0' ? call->message : "ok";
}

unsigned hs_call_retries(const hs_call_t *call)
{
    return call->retries;
}

unsigned hs_call_rate_limited(const hs_call_t *call)
{
    return call->rate_limited;
}

uint64_t hs_call_queued_ms(const hs_call_t *call)
{
    return call->queued_ms;
}

struct st_props_entry_t **hs__props_head(hs_client_t *client)
{
    return &client->props;
}

h2o_evloop_t *hs__client_evloop(hs_client_t *client)
{
    return client->evloop;
}
