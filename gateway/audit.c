/* The audit writer (see audit.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gateway/gateway.h"
#include "gateway/audit.h"

#define BATCH_EVENTS 500
#define BATCH_BYTES (900 * 1024) /* one query parameter, under store/pgasync's limit */
#define BATCH_DELAY_MS 200       /* how long the first event of a batch waits for others */
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 30000

typedef struct st_event_t event_t;
struct st_event_t {
    event_t *next;
    size_t len;
    char text[];
};

static struct {
    int on;
    size_t cap_bytes;
    event_t *head, **tail;
    size_t queued, queued_bytes;
    size_t nsending; /* the batch out: the first nsending events of the queue */
    hs_tick_t tick;
    int scheduled;
    uint64_t retry_ms;
    uint64_t written, dropped;
    int failing;
    /* upkeep: expired tokens recorded, old rows pruned */
    hs_tick_t upkeep;
    unsigned upkeep_runs;
    int upkeep_busy;
} au;

static void flush(void);

static void on_tick(hs_tick_t *tick)
{
    au.scheduled = 0;
    flush();
}

static void schedule(uint64_t ms)
{
    if (au.scheduled && ms != 0)
        return;
    au.scheduled = 1;
    if (ms == 0)
        hs_tick_schedule(gw.hsloop, &au.tick);
    else
        hs_tick_schedule_in(gw.hsloop, &au.tick, ms);
}

static void on_written(void *data, PGresult *res, const char *err)
{
    size_t n = au.nsending;

    au.nsending = 0;
    if (res == NULL) {
        if (!au.failing)
            gw_log(GW_LOG_ERROR, "audit", "audit events cannot be written (%s): %zu wait in the spool and are retried", err,
                   au.queued);
        au.failing = 1;
        au.scheduled = 1;
        hs_tick_schedule_in(gw.hsloop, &au.tick, au.retry_ms);
        au.retry_ms = au.retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : au.retry_ms * 2;
        return;
    }
    if (au.failing)
        gw_log(GW_LOG_INFO, "audit", "audit events are written again");
    au.failing = 0;
    au.retry_ms = RETRY_MIN_MS;
    while (n-- != 0) {
        event_t *e = au.head;
        if ((au.head = e->next) == NULL)
            au.tail = &au.head;
        --au.queued;
        au.queued_bytes -= e->len;
        ++au.written;
        free(e);
    }
    if (au.queued != 0)
        schedule(au.queued >= BATCH_EVENTS ? 0 : BATCH_DELAY_MS);
}

/* Sends the oldest events as one batch, unless one is out already. */
static void flush(void)
{
    size_t n = 0, bytes = 2;
    event_t *e;
    char *batch, *p;

    if (au.nsending != 0 || au.head == NULL)
        return;
    for (e = au.head; e != NULL && n < BATCH_EVENTS && (n == 0 || bytes + e->len + 1 <= BATCH_BYTES); e = e->next) {
        bytes += e->len + 1;
        ++n;
    }
    if ((batch = malloc(bytes + 1)) == NULL) {
        schedule(RETRY_MIN_MS);
        return;
    }
    p = batch;
    *p++ = '[';
    e = au.head;
    for (size_t i = 0; i < n; ++i, e = e->next) {
        if (i != 0)
            *p++ = ',';
        memcpy(p, e->text, e->len);
        p += e->len;
    }
    *p++ = ']';
    *p = '\0';
    au.nsending = n;
    {
        const char *params[1] = {batch};
        if (store_pg_query(gw.db, "SELECT audit_append($1::jsonb)", 1, params, 0, on_written, NULL) != 0) {
            au.nsending = 0;
            schedule(RETRY_MIN_MS);
        }
    }
    free(batch);
}

/* The time now as RFC 3339 UTC with microseconds. */
static void now_text(char *buf, size_t bufsz)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, bufsz - n, ".%06ldZ", (long)(ts.tv_nsec / 1000) % 1000000);
}

void gw_audit(int64_t portal_id, const char *event, const char *actor, int64_t user_id, int64_t ds_id, int64_t token_id,
              json_t *detail)
{
    char at[40];
    json_t *o;
    char *text = NULL;
    size_t len;
    event_t *e;

    if (!au.on || portal_id <= 0) {
        json_decref(detail);
        return;
    }
    now_text(at, sizeof(at));
    o = json_pack("{sIssssss}", "portal", (json_int_t)portal_id, "at", at, "event", event, "actor", actor);
    if (o != NULL) {
        if (user_id > 0)
            json_object_set_new(o, "user", json_integer(user_id));
        if (ds_id > 0)
            json_object_set_new(o, "ds", json_integer(ds_id));
        if (token_id > 0)
            json_object_set_new(o, "token", json_integer(token_id));
        if (detail != NULL)
            json_object_set(o, "detail", detail);
        text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(o);
    }
    json_decref(detail);
    if (text == NULL) {
        ++au.dropped;
        gw_log(GW_LOG_ERROR, "audit", "portal=%" PRId64 " a %s event could not be recorded: out of memory", portal_id, event);
        return;
    }
    len = strlen(text);
    if (au.queued_bytes + len > au.cap_bytes || len > BATCH_BYTES || (e = malloc(sizeof(*e) + len)) == NULL) {
        /* a log line for the first loss, then one per thousand */
        if (au.dropped++ % 1000 == 0)
            gw_log(GW_LOG_ERROR, "audit",
                   "the audit spool is full (%zu events, %zu bytes): portal=%" PRId64 " %s event dropped (%" PRIu64
                   " dropped so far)",
                   au.queued, au.queued_bytes, portal_id, event, au.dropped);
        free(text);
        return;
    }
    e->next = NULL;
    e->len = len;
    memcpy(e->text, text, len);
    free(text);
    *au.tail = e;
    au.tail = &e->next;
    ++au.queued;
    au.queued_bytes += len;
    if (!au.failing)
        schedule(au.queued - au.nsending >= BATCH_EVENTS ? 0 : BATCH_DELAY_MS);
}

static void on_upkeep_done(void *data, PGresult *res, const char *err)
{
    if (res == NULL)
        gw_log(GW_LOG_WARN, "audit", "%s failed: %s", (const char *)data, err);
    else if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "0") != 0)
        gw_log(GW_LOG_INFO, "audit", "%s: %s", (const char *)data, PQgetvalue(res, 0, 0));
    if (--au.upkeep_busy == 0)
        hs_tick_schedule_in(gw.hsloop, &au.upkeep, (uint64_t)gw.config.audit_upkeep_interval * 1000);
}

/* Records tokens that expired, and once in a while removes rows past their portal's retention. */
static void on_upkeep(hs_tick_t *tick)
{
    au.upkeep_busy = 1;
    if (store_pg_query(gw.db, "SELECT audit_token_expiries()", 0, NULL, 0, on_upkeep_done, "expired tokens recorded") != 0)
        --au.upkeep_busy;
    if (au.upkeep_runs++ % 60 == 0) {
        ++au.upkeep_busy;
        if (store_pg_query(gw.db, "SELECT audit_prune()", 0, NULL, 0, on_upkeep_done, "audit rows past retention removed") != 0)
            --au.upkeep_busy;
    }
    if (au.upkeep_busy == 0)
        hs_tick_schedule_in(gw.hsloop, &au.upkeep, (uint64_t)gw.config.audit_upkeep_interval * 1000);
}

int gw_audit_start(void)
{
    memset(&au, 0, sizeof(au));
    au.tail = &au.head;
    au.tick.cb = on_tick;
    au.retry_ms = RETRY_MIN_MS;
    au.cap_bytes = (size_t)gw.config.audit_spool_mb * 1024 * 1024;
    au.upkeep.cb = on_upkeep;
    hs_tick_schedule_in(gw.hsloop, &au.upkeep, 1000);
    au.on = 1;
    return 0;
}

void gw_audit_stop(uint64_t ms)
{
    uint64_t deadline;

    if (!au.on)
        return;
    /* what is queued goes out now, failing or not */
    deadline = h2o_now(gw.evloop) + ms;
    au.failing = 0;
    while ((au.head != NULL || au.nsending != 0) && h2o_now(gw.evloop) < deadline) {
        if (au.nsending == 0) {
            hs_tick_cancel(gw.hsloop, &au.tick);
            au.scheduled = 0;
            flush();
        }
        h2o_evloop_run(gw.evloop, 100);
    }
    hs_tick_cancel(gw.hsloop, &au.tick);
    hs_tick_cancel(gw.hsloop, &au.upkeep);
    if (au.queued != 0)
        gw_log(GW_LOG_ERROR, "audit", "shutting down with %zu audit events unwritten: they are lost", au.queued);
    while (au.head != NULL) {
        event_t *e = au.head;
        au.head = e->next;
        free(e);
    }
    au.on = 0;
}

void gw_audit_get_stats(gw_audit_stats_t *stats)
{
    stats->queued = au.queued;
    stats->queued_bytes = au.queued_bytes;
    stats->written = au.written;
    stats->dropped = au.dropped;
    stats->failing = au.failing;
}
