/*
 * hubspot-sim: response delivery.
 */
#include "reply.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SLOW_PIECES 15
#define SLOW_TICK_MS 100
#define STREAM_CHUNK (64 * 1024)
#define STREAM_YIELD_EVERY 4

typedef struct st_sim_reply_t {
    h2o_generator_t super;
    sim_replier_t *owner;
    h2o_req_t *req;
    int status;
    const char *content_type;
    char *location;
    char *body;
    size_t len, off, piece;
    sim_delivery_t mode;
    h2o_timeout_entry_t delay_entry;
    h2o_timeout_entry_t slow_entry;
} sim_reply_t;

void sim_replier_init(sim_replier_t *r, h2o_loop_t *loop, unsigned latency_ms, sim_stats_t *stats, sim_tick_t *tick)
{
    memset(r, 0, sizeof(*r));
    r->loop = loop;
    r->latency_ms = latency_ms;
    r->stats = stats;
    r->tick = tick;
    h2o_timeout_init(loop, &r->latency, latency_ms);
    h2o_timeout_init(loop, &r->slow_tick, SLOW_TICK_MS);
}

static void reply_dispose(void *p)
{
    sim_reply_t *self = p;
    h2o_timeout_unlink(&self->delay_entry);
    h2o_timeout_unlink(&self->slow_entry);
    free(self->body);
    free(self->location);
    self->body = NULL;
    self->location = NULL;
}

static void reply_stop(h2o_generator_t *g, h2o_req_t *req)
{
    sim_reply_t *self = (void *)g;
    h2o_timeout_unlink(&self->delay_entry);
    h2o_timeout_unlink(&self->slow_entry);
}

static void send_piece(sim_reply_t *self)
{
    size_t n = self->len - self->off;
    if (n > self->piece)
        n = self->piece;
    h2o_iovec_t buf = h2o_iovec_init(self->body + self->off, n);
    self->off += n;
    h2o_send(self->req, &buf, 1, self->off == self->len ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void on_slow_tick(h2o_timeout_entry_t *entry)
{
    sim_reply_t *self = H2O_STRUCT_FROM_MEMBER(sim_reply_t, slow_entry, entry);
    send_piece(self);
}

static void reply_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    sim_reply_t *self = (void *)g;
    switch (self->mode) {
    case SIM_DELIVER_TRUNCATE:
        /* the chunked encoder emits a broken chunk and h2o closes the connection */
        h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
        break;
    case SIM_DELIVER_SLOW:
        h2o_timeout_link(self->owner->loop, &self->owner->slow_tick, &self->slow_entry);
        break;
    default:
        break;
    }
}

static void reset_connection(h2o_req_t *req)
{
    h2o_socket_t *sock = req->conn->callbacks->get_socket != NULL ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (sock != NULL) {
        int fd = h2o_socket_get_fd(sock);
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        shutdown(fd, SHUT_RDWR);
    }
    /* h2o's write of this answer fails on the shut socket; h2o then closes the connection (sending RST) */
    h2o_send_error_generic(req, 500, "Internal Server Error", "", H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
}

static void reply_start(sim_reply_t *self)
{
    h2o_req_t *req = self->req;
    sim_stats_t *stats = self->owner->stats;

    if (self->mode == SIM_DELIVER_RESET) {
        reset_connection(req);
        return;
    }
    if (self->status / 100 < 6)
        stats->status_class[self->status / 100]++;
    if (self->status == 401)
        stats->http_401++;
    if (self->status == 429)
        stats->http_429++;

    req->res.status = self->status;
    req->res.reason = sim_reason_phrase(self->status);
    if (self->content_type != NULL && self->len != 0)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, self->content_type, strlen(self->content_type));
    if (self->location != NULL) {
        h2o_iovec_t loc = h2o_strdup(&req->pool, self->location, SIZE_MAX);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL, loc.base, loc.len);
    }
    /* 200 answers are chunked (as HubSpot's are); others carry a content-length so truncation is visible */
    if (self->status != 200 && self->status != 204)
        req->res.content_length = self->len;
    h2o_start_response(req, &self->super);

    if (self->status == 204 || self->len == 0) {
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return;
    }
    switch (self->mode) {
    case SIM_DELIVER_TRUNCATE: {
        size_t part = self->len / 2;
        if (part == 0) {
            h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
            return;
        }
        h2o_iovec_t buf = h2o_iovec_init(self->body, part);
        h2o_send(req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
        return;
    }
    case SIM_DELIVER_SLOW:
        self->piece = (self->len + SLOW_PIECES - 1) / SLOW_PIECES;
        if (self->piece == 0)
            self->piece = 1;
        send_piece(self);
        return;
    default:
        self->piece = self->len;
        send_piece(self);
        return;
    }
}

static void on_delay(h2o_timeout_entry_t *entry)
{
    sim_reply_t *self = H2O_STRUCT_FROM_MEMBER(sim_reply_t, delay_entry, entry);
    reply_start(self);
}

void sim_reply(sim_replier_t *r, h2o_req_t *req, sim_result_t *res, int delayed, sim_delivery_t mode)
{
    sim_reply_t *self = h2o_mem_alloc_shared(&req->pool, sizeof(*self), reply_dispose);
    memset(self, 0, sizeof(*self));
    self->super.proceed = reply_proceed;
    self->super.stop = reply_stop;
    self->owner = r;
    self->req = req;
    self->status = res->status;
    self->content_type = res->content_type;
    self->location = res->location;
    res->location = NULL;
    self->body = sim_buf_steal(&res->body, &self->len);
    self->mode = mode;
    self->delay_entry.cb = on_delay;
    self->slow_entry.cb = on_slow_tick;

    if (delayed && r->latency_ms != 0) {
        h2o_timeout_link(r->loop, &r->latency, &self->delay_entry);
        return;
    }
    reply_start(self);
}

/* ---------------------------------------------------------------------------------------------------------------------
 * ground-truth stream
 */

typedef struct st_sim_stream_t {
    h2o_generator_t super;
    sim_replier_t *owner;
    h2o_req_t *req;
    const sim_object_t *obj;
    uint64_t next, end;
    sim_buf_t buf;
    char *scratch;
    unsigned chunks;
    sim_tick_entry_t tick_entry;
} sim_stream_t;

static void stream_dispose(void *p)
{
    sim_stream_t *self = p;
    sim_tick_cancel(&self->tick_entry);
    sim_buf_dispose(&self->buf);
    free(self->scratch);
    self->scratch = NULL;
}

static void stream_send_next(sim_stream_t *self)
{
    sim_buf_reset(&self->buf);
    uint64_t n = 0;
    while (self->next < self->end && self->buf.len < STREAM_CHUNK) {
        sim_data_write_record(&self->buf, self->obj, self->next, self->obj->all_mask, 0, self->scratch);
        sim_buf_appendc(&self->buf, '\n');
        self->next++;
        n++;
    }
    self->owner->stats->records_streamed += n;
    if (self->buf.overflow) {
        h2o_send(self->req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    h2o_iovec_t iov = h2o_iovec_init(self->buf.base, self->buf.len);
    h2o_send(self->req, &iov, iov.len != 0 ? 1 : 0, self->next == self->end ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void stream_on_tick(sim_tick_entry_t *entry)
{
    sim_stream_t *self = H2O_STRUCT_FROM_MEMBER(sim_stream_t, tick_entry, entry);
    stream_send_next(self);
}

static void stream_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    sim_stream_t *self = (void *)g;
    if (++self->chunks % STREAM_YIELD_EVERY == 0) {
        sim_tick_schedule(self->owner->tick, &self->tick_entry, stream_on_tick);
        return;
    }
    stream_send_next(self);
}

static void stream_stop(h2o_generator_t *g, h2o_req_t *req)
{
    sim_stream_t *self = (void *)g;
    sim_tick_cancel(&self->tick_entry);
}

void sim_reply_stream_records(sim_replier_t *r, h2o_req_t *req, const sim_object_t *obj, uint64_t from, uint64_t to)
{
    sim_stream_t *self = h2o_mem_alloc_shared(&req->pool, sizeof(*self), stream_dispose);
    memset(self, 0, sizeof(*self));
    self->super.proceed = stream_proceed;
    self->super.stop = stream_stop;
    self->owner = r;
    self->req = req;
    self->obj = obj;
    self->next = from;
    self->end = to;
    sim_buf_init(&self->buf, STREAM_CHUNK + 16 * SIM_VALUE_MAX * 6);
    self->scratch = sim_malloc(SIM_VALUE_MAX);
    r->stats->status_class[2]++;

    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/x-ndjson;charset=utf-8"));
    h2o_start_response(req, &self->super);
    stream_send_next(self);
}
