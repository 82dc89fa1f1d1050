/* The h2o side of store/'s asynchronous PostgreSQL pool: libpq's socket wrapped as an h2o socket. */
#include <stdlib.h>
#include "gateway/gateway.h"

typedef struct st_watch_t {
    h2o_socket_t *sock;
    store_pg_conn_t *conn;
} watch_t;

static void on_readable(h2o_socket_t *sock, const char *err)
{
    watch_t *w = sock->data;
    store_pg_io(w->conn, 1, 0);
}

static void on_writable(h2o_socket_t *sock, const char *err)
{
    watch_t *w = sock->data;
    store_pg_io(w->conn, 0, 1);
}

static void *do_watch(void *loop, int fd, store_pg_conn_t *conn)
{
    watch_t *w = malloc(sizeof(*w));
    if (w == NULL)
        return NULL;
    w->conn = conn;
    w->sock = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    w->sock->data = w;
    h2o_socket_read_start(w->sock, on_readable);
    return w;
}

static void do_want_write(void *handle)
{
    watch_t *w = handle;
    if (!h2o_socket_is_writing(w->sock))
        h2o_socket_notify_write(w->sock, on_writable);
}

static void do_unwatch(void *handle)
{
    watch_t *w = handle;
    h2o_socket_export_t info;
    /* detach without closing: libpq owns the fd. A pending write notification is dropped first, as
     * h2o 2.2 cannot cancel one and refuses to export a socket that has it. */
    h2o_socket_read_stop(w->sock);
    w->sock->_cb.write = NULL;
    if (h2o_socket_export(w->sock, &info) == 0)
        h2o_buffer_dispose(&info.input);
    free(w);
}

store_pg_loop_t gw_pg_loop(h2o_evloop_t *evloop)
{
    store_pg_loop_t l = {do_watch, do_want_write, do_unwatch, evloop};
    return l;
}
