/*
 * hubspot-sim: a "next tick" queue on an eventfd watched by the h2o loop.
 *
 * h2o 2.2 calls a generator's proceed() again inside the same pending-run pass when a fast client's writes complete at
 * once, so a long stream never returns to epoll_wait and starves other clients. Streams yield to this queue every few
 * chunks; the callbacks run on the next loop iteration.
 */
#ifndef SIM_TICK_H
#define SIM_TICK_H

#define H2O_USE_LIBUV 0
#include <h2o.h>

typedef struct st_sim_tick_entry_t sim_tick_entry_t;
typedef void (*sim_tick_cb)(sim_tick_entry_t *entry);

/** an entry embedded in the caller's object; zero-initialise it before first use */
struct st_sim_tick_entry_t {
    h2o_linklist_t _link;
    sim_tick_cb cb;
};

typedef struct st_sim_tick_t {
    int _fd;
    h2o_socket_t *_sock;
    h2o_linklist_t _pending;
} sim_tick_t;

/** creates the eventfd and registers it on the loop; returns 0 or -1 (errno set) */
int sim_tick_init(sim_tick_t *tick, h2o_loop_t *loop);
/** closes the eventfd; pending entries are dropped */
void sim_tick_dispose(sim_tick_t *tick);
/** runs entry->cb on the next loop iteration (no-op if already scheduled) */
void sim_tick_schedule(sim_tick_t *tick, sim_tick_entry_t *entry, sim_tick_cb cb);
/** unschedules an entry (safe if it is not scheduled) */
void sim_tick_cancel(sim_tick_entry_t *entry);

#endif
