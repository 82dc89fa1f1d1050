/*
 * The audit writer (see audit.h).
 *
 * Events wait in memory, in order, until a batch takes them. When the memory spool is full (or its size
 * is 0) and a spool file is configured, events are appended to the file instead, one JSON line each, and
 * keep going there while it holds any, so that they are written in the order they happened: memory
 * first, then the file from its read offset. The offset is kept in "<file>.offset" after each batch
 * PostgreSQL takes, so a restart neither loses nor repeats events; the file is emptied once all of it
 * is written. The events hold metadata only (masked query options, ids, counts), never a data value.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>
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
    /* the spool file: fd -1 when none */
    int fd, offset_fd;
    off_t file_read, file_end, file_cap; /* events from file_read to file_end wait */
    off_t file_sending;                  /* the bytes of the file the batch out holds (0: a batch from memory) */
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

/* ---- the spool file ---- */

static void save_offset(void)
{
    char text[32];
    int n = snprintf(text, sizeof(text), "%-20lld\n", (long long)au.file_read);
    if (pwrite(au.offset_fd, text, n, 0) != n)
        gw_log(GW_LOG_ERROR, "audit", "the audit spool's read offset cannot be saved: %s", strerror(errno));
}

/* Appends an event line; 0, or -1 when the file is full or cannot be written. */
static int file_append(const char *text, size_t len)
{
    struct iovec iov[2] = {{(void *)text, len}, {"\n", 1}};
    ssize_t w;

    if (au.file_end + (off_t)len + 1 > au.file_cap)
        return -1;
    if ((w = writev(au.fd, iov, 2)) != (ssize_t)len + 1) {
        gw_log(GW_LOG_ERROR, "audit", "the audit spool file cannot be written: %s", w < 0 ? strerror(errno) : "short write");
        if (w > 0 && ftruncate(au.fd, au.file_end) != 0) /* no half line stays */
            gw_log(GW_LOG_ERROR, "audit", "the audit spool file cannot be repaired: %s", strerror(errno));
        return -1;
    }
    au.file_end += len + 1;
    return 0;
}

/* Opens the spool file and its offset, keeping what an earlier run left to write. */
static int file_open(const char *path)
{
    char opath[4096], text[32] = "";
    ssize_t n;

    if (snprintf(opath, sizeof(opath), "%s.offset", path) >= (int)sizeof(opath)) {
        gw_log(GW_LOG_ERROR, "config", "--audit-spool-file: the path is too long");
        return -1;
    }
    if ((au.fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0 ||
        (au.offset_fd = open(opath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        gw_log(GW_LOG_ERROR, "config", "--audit-spool-file %s: %s", path, strerror(errno));
        return -1;
    }
    au.file_end = lseek(au.fd, 0, SEEK_END);
    if ((n = pread(au.offset_fd, text, sizeof(text) - 1, 0)) > 0) {
        text[n] = '\0';
        au.file_read = strtoll(text, NULL, 10);
    }
    if (au.file_read < 0 || au.file_read > au.file_end) {
        gw_log(GW_LOG_WARN, "audit", "the audit spool's read offset is not valid: the spool file is written from its start");
        au.file_read = 0;
    }
    /* a line cut short by a crash is not an event */
    if (au.file_end > au.file_read) {
        char last;
        off_t end = au.file_end;
        while (end > au.file_read && pread(au.fd, &last, 1, end - 1) == 1 && last != '\n')
            --end;
        if (end != au.file_end) {
            gw_log(GW_LOG_WARN, "audit", "the audit spool file ended in a partial line: %lld bytes dropped",
                   (long long)(au.file_end - end));
            if (ftruncate(au.fd, end) != 0)
                return -1;
            au.file_end = end;
        }
    }
    if (au.file_end > au.file_read)
        gw_log(GW_LOG_INFO, "audit", "%lld bytes of audit events from an earlier run wait in %s",
               (long long)(au.file_end - au.file_read), path);
    return 0;
}

/* ---- batches ---- */

static void on_written(void *data, PGresult *res, const char *err)
{
    size_t n = au.nsending;

    au.nsending = 0;
    if (res == NULL) {
        if (!au.failing)
            gw_log(GW_LOG_ERROR, "audit",
                   "audit events cannot be written (%s): %zu in memory and %lld bytes in the spool file wait and are retried", err,
                   au.queued, (long long)(au.fd >= 0 ? au.file_end - au.file_read : 0));
        au.failing = 1;
        au.file_sending = 0;
        au.scheduled = 1;
        hs_tick_schedule_in(gw.hsloop, &au.tick, au.retry_ms);
        au.retry_ms = au.retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : au.retry_ms * 2;
        return;
    }
    if (au.failing)
        gw_log(GW_LOG_INFO, "audit", "audit events are written again");
    au.failing = 0;
    au.retry_ms = RETRY_MIN_MS;
    au.written += n;
    if (au.file_sending != 0) {
        au.file_read += au.file_sending;
        au.file_sending = 0;
        if (au.file_read == au.file_end) {
            /* all of it is written: the file starts again empty */
            if (ftruncate(au.fd, 0) == 0)
                au.file_read = au.file_end = 0;
            else
                gw_log(GW_LOG_ERROR, "audit", "the audit spool file cannot be emptied: %s", strerror(errno));
        }
        save_offset();
    } else {
        while (n-- != 0) {
            event_t *e = au.head;
            if ((au.head = e->next) == NULL)
                au.tail = &au.head;
            --au.queued;
            au.queued_bytes -= e->len;
            free(e);
        }
    }
    if (au.queued != 0 || (au.fd >= 0 && au.file_end > au.file_read))
        schedule(au.queued >= BATCH_EVENTS || au.queued == 0 ? 0 : BATCH_DELAY_MS);
}

static void send_batch(char *batch, size_t n)
{
    const char *params[1] = {batch};

    au.nsending = n;
    if (store_pg_query(gw.db, "SELECT audit_append($1::jsonb)", 1, params, 0, on_written, NULL) != 0) {
        au.nsending = 0;
        au.file_sending = 0;
        schedule(RETRY_MIN_MS);
    }
    free(batch);
}

/* A batch from the spool file: whole lines from its read offset. */
static void flush_file(void)
{
    size_t want = au.file_end - au.file_read < BATCH_BYTES ? (size_t)(au.file_end - au.file_read) : BATCH_BYTES, n = 0, used = 0;
    char *buf = malloc(want + 2), *p, *q;
    ssize_t got;

    if (buf == NULL || (got = pread(au.fd, buf + 1, want, au.file_read)) <= 0) {
        if (buf != NULL)
            gw_log(GW_LOG_ERROR, "audit", "the audit spool file cannot be read: %s",
                   got < 0 ? strerror(errno) : "it is shorter than expected");
        free(buf);
        schedule(RETRY_MAX_MS);
        return;
    }
    /* the lines become a JSON array: each '\n' between events a ',' */
    buf[0] = '[';
    for (p = buf + 1; n < BATCH_EVENTS && (q = memchr(p, '\n', buf + 1 + got - p)) != NULL; p = q + 1) {
        *q = ',';
        ++n;
        used = q + 1 - (buf + 1);
    }
    if (n == 0) {
        gw_log(GW_LOG_ERROR, "audit", "the audit spool file holds a line longer than a batch: it is skipped");
        au.file_read += got;
        save_offset();
        free(buf);
        schedule(0);
        return;
    }
    buf[used] = ']';
    buf[used + 1] = '\0';
    au.file_sending = used;
    send_batch(buf, n);
}

/* Sends the oldest events as one batch, unless one is out already: memory first, then the file. */
static void flush(void)
{
    size_t n = 0, bytes = 2;
    event_t *e;
    char *batch, *p;

    if (au.nsending != 0)
        return;
    if (au.head == NULL) {
        if (au.fd >= 0 && au.file_end > au.file_read)
            flush_file();
        return;
    }
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
    au.file_sending = 0;
    send_batch(batch, n);
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
    /* the file once memory is full, and while the file holds events (they are older) */
    if (len <= BATCH_BYTES && au.fd >= 0 && (au.file_end > au.file_read || au.queued_bytes + len > au.cap_bytes)) {
        if (file_append(text, len) == 0) {
            free(text);
            if (!au.failing)
                schedule(BATCH_DELAY_MS);
            return;
        }
        e = NULL;
    } else if (au.queued_bytes + len > au.cap_bytes || len > BATCH_BYTES) {
        e = NULL;
    } else {
        e = malloc(sizeof(*e) + len);
    }
    if (e == NULL) {
        /* a log line for the first loss, then one per thousand */
        if (au.dropped++ % 1000 == 0)
            gw_log(GW_LOG_ERROR, "audit",
                   "the audit spool is full (%zu events, %zu bytes in memory, %lld bytes in the file): portal=%" PRId64
                   " %s event dropped (%" PRIu64 " dropped so far)",
                   au.queued, au.queued_bytes, (long long)(au.fd >= 0 ? au.file_end - au.file_read : 0), portal_id, event,
                   au.dropped);
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
    au.fd = au.offset_fd = -1;
    if (gw.config.audit_spool_file != NULL) {
        au.file_cap = (off_t)gw.config.audit_spool_file_mb * 1024 * 1024;
        if (file_open(gw.config.audit_spool_file) != 0)
            return -1;
        if (au.file_end > au.file_read)
            schedule(0);
    }
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
    while ((au.head != NULL || au.nsending != 0 || (au.fd >= 0 && au.file_end > au.file_read)) && h2o_now(gw.evloop) < deadline) {
        if (au.nsending == 0) {
            hs_tick_cancel(gw.hsloop, &au.tick);
            au.scheduled = 0;
            flush();
        }
        h2o_evloop_run(gw.evloop, 100);
    }
    hs_tick_cancel(gw.hsloop, &au.tick);
    hs_tick_cancel(gw.hsloop, &au.upkeep);
    /* what memory still holds goes to the file, ahead of nothing: the file is read after memory, and
     * memory's events are older than the file's only when the file was empty */
    if (au.queued != 0 && au.fd >= 0 && au.file_end == au.file_read) {
        size_t kept = 0;
        for (event_t *e = au.head; e != NULL; e = e->next)
            kept += file_append(e->text, e->len) == 0;
        gw_log(kept == au.queued ? GW_LOG_INFO : GW_LOG_ERROR, "audit",
               "shutting down: %zu unwritten audit events kept in the spool file, %zu lost", kept, au.queued - kept);
    } else if (au.queued != 0) {
        gw_log(GW_LOG_ERROR, "audit", "shutting down with %zu audit events unwritten: they are lost", au.queued);
    }
    while (au.head != NULL) {
        event_t *e = au.head;
        au.head = e->next;
        free(e);
    }
    if (au.fd >= 0) {
        if (au.file_end > au.file_read)
            gw_log(GW_LOG_INFO, "audit", "%lld bytes of audit events wait in the spool file for the next start",
                   (long long)(au.file_end - au.file_read));
        close(au.fd);
        close(au.offset_fd);
        au.fd = au.offset_fd = -1;
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
    stats->file_bytes = au.fd >= 0 ? (size_t)(au.file_end - au.file_read) : 0;
}
