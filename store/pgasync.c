/*
 * The asynchronous PostgreSQL pool: PQconnectStart/PQconnectPoll to connect, PQsendQueryParams,
 * PQflush and PQconsumeInput/PQgetResult to query, all driven by readiness of PQsocket().
 * One connection runs one query at a time; queries wait in one FIFO shared by the pool.
 */
#include <stdlib.h>
#include <string.h>
#include "store/pgasync.h"

#define MAX_PARAMS 32
#define MAX_QUERY_BYTES (1024 * 1024)

enum { CONN_DOWN, CONN_CONNECTING, CONN_IDLE, CONN_BUSY };

typedef struct st_store_pg_query_t store_pg_query_t;

struct st_store_pg_query_t {
    store_pg_query_t *next;
    char *sql;
    int nparams;
    char **values;
    int binary;
    store_pg_cb cb;
    void *data;
};

struct st_store_pg_conn_t {
    store_pg_t *pg;
    PGconn *conn;
    void *handle;
    int fd;
    int state;
    store_pg_query_t *cur;
    PGresult *result;
};

struct st_store_pg_t {
    char *conninfo;
    store_pg_loop_t loop;
    store_pg_conn_t *conns;
    int size;
    store_pg_query_t *head, **tail;
    store_pg_notify_cb notify;
    store_pg_lost_cb lost;
    void *listener_data;
};

static void dispatch(store_pg_t *pg);

static void query_free(store_pg_query_t *q)
{
    for (int i = 0; i < q->nparams; ++i)
        free(q->values[i]);
    free(q->values);
    free(q->sql);
    free(q);
}

static void query_finish(store_pg_query_t *q, PGresult *res, const char *err)
{
    if (q->cb != NULL)
        q->cb(q->data, res, err);
    query_free(q);
}

static void conn_unwatch(store_pg_conn_t *c)
{
    if (c->handle != NULL) {
        c->pg->loop.unwatch(c->handle);
        c->handle = NULL;
    }
    c->fd = -1;
}

/* Tears the connection down; the running query (if any) is answered with `err`. */
static void conn_reset(store_pg_conn_t *c, const char *err)
{
    store_pg_query_t *q = c->cur;
    int was_open = c->state == CONN_IDLE || c->state == CONN_BUSY;
    conn_unwatch(c);
    if (c->result != NULL) {
        PQclear(c->result);
        c->result = NULL;
    }
    if (c->conn != NULL) {
        PQfinish(c->conn);
        c->conn = NULL;
    }
    c->state = CONN_DOWN;
    c->cur = NULL;
    if (q != NULL)
        query_finish(q, NULL, err);
    if (was_open && c->pg->lost != NULL)
        c->pg->lost(c->pg->listener_data);
}

/* Hands the notifications libpq has read to the pool's listener (or drops them). */
static void conn_notifies(store_pg_conn_t *c)
{
    PGnotify *n;
    while (c->conn != NULL && (n = PQnotifies(c->conn)) != NULL) {
        if (c->pg->notify != NULL)
            c->pg->notify(c->pg->listener_data, n->relname, n->extra);
        PQfreemem(n);
    }
}

/* Answers every queued query with an error: used when the database cannot be reached at all. */
static void fail_queue(store_pg_t *pg, const char *err)
{
    store_pg_query_t *q;
    while ((q = pg->head) != NULL) {
        if ((pg->head = q->next) == NULL)
            pg->tail = &pg->head;
        query_finish(q, NULL, err);
    }
}

static void conn_rewatch(store_pg_conn_t *c)
{
    int fd = PQsocket(c->conn);
    if (fd != c->fd) {
        conn_unwatch(c);
        if (fd >= 0) {
            c->fd = fd;
            c->handle = c->pg->loop.watch(c->pg->loop.loop, fd, c);
        }
    }
}

static void conn_start(store_pg_conn_t *c)
{
    c->conn = PQconnectStart(c->pg->conninfo);
    if (c->conn == NULL || PQstatus(c->conn) == CONNECTION_BAD) {
        conn_reset(c, "could not start a database connection");
        fail_queue(c->pg, "the database is unreachable");
        return;
    }
    c->state = CONN_CONNECTING;
    conn_rewatch(c);
    if (c->handle != NULL)
        c->pg->loop.want_write(c->handle);
}

static void conn_poll(store_pg_conn_t *c)
{
    switch (PQconnectPoll(c->conn)) {
    case PGRES_POLLING_OK:
        PQsetnonblocking(c->conn, 1);
        conn_rewatch(c);
        c->state = CONN_IDLE;
        dispatch(c->pg);
        break;
    case PGRES_POLLING_WRITING:
        conn_rewatch(c);
        if (c->handle != NULL)
            c->pg->loop.want_write(c->handle);
        break;
    case PGRES_POLLING_READING:
        conn_rewatch(c);
        break;
    default: {
        store_pg_t *pg = c->pg;
        conn_reset(c, "the database is unreachable");
        fail_queue(pg, "the database is unreachable");
    } break;
    }
}

static void conn_send(store_pg_conn_t *c, store_pg_query_t *q)
{
    c->cur = q;
    c->state = CONN_BUSY;
    if (!PQsendQueryParams(c->conn, q->sql, q->nparams, NULL, (const char *const *)q->values, NULL, NULL, q->binary)) {
        conn_reset(c, "the database connection failed");
        return;
    }
    int r = PQflush(c->conn);
    if (r < 0)
        conn_reset(c, "the database connection failed");
    else if (r == 1 && c->handle != NULL)
        c->pg->loop.want_write(c->handle);
}

static void conn_complete(store_pg_conn_t *c)
{
    store_pg_query_t *q = c->cur;
    PGresult *res = c->result;
    c->cur = NULL;
    c->result = NULL;
    c->state = CONN_IDLE;

    ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        query_finish(q, res, NULL);
    } else {
        const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        query_finish(q, NULL, msg != NULL ? msg : "the database query failed");
    }
    if (res != NULL)
        PQclear(res);
}

static void conn_read(store_pg_conn_t *c)
{
    if (!PQconsumeInput(c->conn)) {
        conn_reset(c, "the database connection was lost");
        return;
    }
    while (c->state == CONN_BUSY && !PQisBusy(c->conn)) {
        PGresult *res = PQgetResult(c->conn);
        if (res == NULL) {
            conn_complete(c);
            break;
        }
        /* keep the first error, else the last result */
        if (c->result != NULL && PQresultStatus(c->result) == PGRES_FATAL_ERROR) {
            PQclear(res);
        } else {
            if (c->result != NULL)
                PQclear(c->result);
            c->result = res;
        }
    }
    conn_notifies(c);
}

void store_pg_io(store_pg_conn_t *c, int readable, int writable)
{
    switch (c->state) {
    case CONN_CONNECTING:
        conn_poll(c);
        break;
    case CONN_BUSY:
        if (writable) {
            int r = PQflush(c->conn);
            if (r < 0) {
                conn_reset(c, "the database connection failed");
                break;
            }
            if (r == 1 && c->handle != NULL)
                c->pg->loop.want_write(c->handle);
        }
        if (readable)
            conn_read(c);
        break;
    case CONN_IDLE:
        if (readable) {
            if (!PQconsumeInput(c->conn)) {
                conn_reset(c, "the database connection was lost");
                break;
            }
            conn_notifies(c);
        }
        break;
    default:
        break;
    }
    dispatch(c->pg);
}

static void dispatch(store_pg_t *pg)
{
    while (pg->head != NULL) {
        store_pg_conn_t *idle = NULL, *down = NULL;
        int connecting = 0;
        for (int i = 0; i < pg->size; ++i) {
            store_pg_conn_t *c = &pg->conns[i];
            if (c->state == CONN_IDLE && PQstatus(c->conn) != CONNECTION_OK) {
                conn_reset(c, NULL);
            }
            if (c->state == CONN_IDLE && idle == NULL)
                idle = c;
            else if (c->state == CONN_DOWN && down == NULL)
                down = c;
            else if (c->state == CONN_CONNECTING)
                ++connecting;
        }
        if (idle != NULL) {
            store_pg_query_t *q = pg->head;
            if ((pg->head = q->next) == NULL)
                pg->tail = &pg->head;
            q->next = NULL;
            conn_send(idle, q);
            continue;
        }
        if (down != NULL && connecting == 0)
            conn_start(down);
        break;
    }
}

store_pg_t *store_pg_create(const char *conninfo, const store_pg_loop_t *loop, int size)
{
    store_pg_t *pg = calloc(1, sizeof(*pg));
    if (pg == NULL)
        return NULL;
    if ((pg->conninfo = strdup(conninfo != NULL ? conninfo : "")) == NULL ||
        (pg->conns = calloc(size, sizeof(*pg->conns))) == NULL) {
        free(pg->conninfo);
        free(pg);
        return NULL;
    }
    pg->loop = *loop;
    pg->size = size;
    pg->tail = &pg->head;
    for (int i = 0; i < size; ++i) {
        pg->conns[i].pg = pg;
        pg->conns[i].fd = -1;
    }
    return pg;
}

void store_pg_destroy(store_pg_t *pg)
{
    if (pg == NULL)
        return;
    pg->notify = NULL;
    pg->lost = NULL;
    fail_queue(pg, "the gateway is shutting down");
    for (int i = 0; i < pg->size; ++i)
        conn_reset(&pg->conns[i], "the gateway is shutting down");
    free(pg->conns);
    free(pg->conninfo);
    free(pg);
}

int store_pg_query(store_pg_t *pg, const char *sql, int nparams, const char *const *values, int binary_result, store_pg_cb cb,
                   void *data)
{
    store_pg_query_t *q;
    size_t total = strlen(sql);

    if (nparams < 0 || nparams > MAX_PARAMS)
        return -1;
    if ((q = calloc(1, sizeof(*q))) == NULL)
        return -1;
    q->binary = binary_result;
    q->cb = cb;
    q->data = data;
    if ((q->sql = strdup(sql)) == NULL || (nparams > 0 && (q->values = calloc(nparams, sizeof(char *))) == NULL))
        goto fail;
    for (q->nparams = 0; q->nparams < nparams; ++q->nparams) {
        const char *v = values[q->nparams];
        if (v == NULL)
            continue;
        total += strlen(v);
        if (total > MAX_QUERY_BYTES || (q->values[q->nparams] = strdup(v)) == NULL)
            goto fail;
    }
    *pg->tail = q;
    pg->tail = &q->next;
    dispatch(pg);
    return 0;

fail:
    query_free(q);
    return -1;
}

void store_pg_set_listener(store_pg_t *pg, store_pg_notify_cb notify, store_pg_lost_cb lost, void *data)
{
    pg->notify = notify;
    pg->lost = lost;
    pg->listener_data = data;
}
