/*
 * hubspot-sim: next-tick queue.
 */
#include "tick.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static void on_readable(h2o_socket_t *sock, const char *err)
{
    sim_tick_t *tick = sock->data;
    uint64_t v;
    h2o_linklist_t local;

    if (err != NULL) {
        SIM_LOG(SIM_LOG_ERROR, "tick", "eventfd error: %s", err);
        return;
    }
    while (read(tick->_fd, &v, sizeof(v)) < 0 && errno == EINTR)
        ;
    h2o_linklist_init_anchor(&local);
    h2o_linklist_insert_list(&local, &tick->_pending);
    while (!h2o_linklist_is_empty(&local)) {
        sim_tick_entry_t *e = H2O_STRUCT_FROM_MEMBER(sim_tick_entry_t, _link, local.next);
        h2o_linklist_unlink(&e->_link);
        e->cb(e);
    }
}

int sim_tick_init(sim_tick_t *tick, h2o_loop_t *loop)
{
    memset(tick, 0, sizeof(*tick));
    h2o_linklist_init_anchor(&tick->_pending);
    if ((tick->_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        return -1;
    tick->_sock = h2o_evloop_socket_create(loop, tick->_fd, H2O_SOCKET_FLAG_DONT_READ);
    tick->_sock->data = tick;
    h2o_socket_read_start(tick->_sock, on_readable);
    return 0;
}

void sim_tick_dispose(sim_tick_t *tick)
{
    while (!h2o_linklist_is_empty(&tick->_pending))
        h2o_linklist_unlink(tick->_pending.next);
    if (tick->_sock != NULL) {
        h2o_socket_read_stop(tick->_sock);
        h2o_socket_close(tick->_sock);
        tick->_sock = NULL;
    }
}

void sim_tick_schedule(sim_tick_t *tick, sim_tick_entry_t *entry, sim_tick_cb cb)
{
    if (h2o_linklist_is_linked(&entry->_link))
        return;
    entry->cb = cb;
    if (h2o_linklist_is_empty(&tick->_pending)) {
        uint64_t one = 1;
        while (write(tick->_fd, &one, sizeof(one)) < 0 && errno == EINTR)
            ;
    }
    h2o_linklist_insert(&tick->_pending, &entry->_link);
}

void sim_tick_cancel(sim_tick_entry_t *entry)
{
    if (h2o_linklist_is_linked(&entry->_link))
        h2o_linklist_unlink(&entry->_link);
}
