/*
 * tests hubspot/loop.c's ticks on a real h2o evloop: the order of a turn, a callback that cancels or
 * frees ticks still to run in the same turn, and delayed ticks that are cancelled, replaced or made due.
 */
#include <stdlib.h>
#include <string.h>
#include "hubspot/hubspot.h"
#include "test.h"

typedef struct {
    hs_tick_t tick;
    hs_loop_t *loop;
    char name;
    hs_tick_t *victim; /* cancelled by this tick's callback */
    int free_victim;
    hs_tick_t *again; /* scheduled again by this tick's callback */
} probe_t;

static char trace[64];

static void on_probe(hs_tick_t *tick)
{
    probe_t *p = H2O_STRUCT_FROM_MEMBER(probe_t, tick, tick);
    size_t n = strlen(trace);
    if (n + 1 < sizeof(trace)) {
        trace[n] = p->name;
        trace[n + 1] = '\0';
    }
    if (p->victim != NULL) {
        hs_tick_cancel(p->loop, p->victim);
        if (p->free_victim)
            free(H2O_STRUCT_FROM_MEMBER(probe_t, tick, p->victim));
        p->victim = NULL;
        p->free_victim = 0;
    }
    if (p->again != NULL) {
        hs_tick_schedule(p->loop, p->again);
        p->again = NULL;
    }
}

static probe_t *probe_new(hs_loop_t *loop, char name)
{
    probe_t *p = calloc(1, sizeof(*p));
    p->tick.cb = on_probe;
    p->loop = loop;
    p->name = name;
    return p;
}

/* Runs the loop until `want` ticks ran or `ms` milliseconds passed. */
static void run_until(h2o_evloop_t *ev, size_t want, uint64_t ms)
{
    uint64_t end = h2o_now(ev) + ms;
    while (strlen(trace) < want && h2o_now(ev) < end)
        h2o_evloop_run(ev, 10);
}

int main(void)
{
    h2o_evloop_t *ev = h2o_evloop_create();
    setvbuf(stdout, NULL, _IONBF, 0);
    hs_loop_t *loop = hs_loop_create(ev);
    probe_t *a, *b, *c, *d, *e;

    ok(loop != NULL, "the loop starts");

    /* one turn runs in order */
    a = probe_new(loop, 'a'), b = probe_new(loop, 'b'), c = probe_new(loop, 'c');
    hs_tick_schedule(loop, &a->tick);
    hs_tick_schedule(loop, &b->tick);
    hs_tick_schedule(loop, &a->tick);
    hs_tick_schedule(loop, &c->tick);
    run_until(ev, 3, 1000);
    ok(strcmp(trace, "abc") == 0, "queued ticks run once each, in order (%s)", trace);

    /* a callback cancels and frees the tick after it in the same turn: the rest of the turn still runs */
    trace[0] = '\0';
    d = probe_new(loop, 'd');
    a->victim = &b->tick;
    a->free_victim = 1;
    hs_tick_schedule(loop, &a->tick);
    hs_tick_schedule(loop, &b->tick);
    hs_tick_schedule(loop, &c->tick);
    hs_tick_schedule(loop, &d->tick);
    run_until(ev, 3, 1000);
    ok(strcmp(trace, "acd") == 0, "a tick cancelled and freed by an earlier one does not run; the others do (%s)", trace);
    b = NULL;

    /* a cancelled tick of the turn can be scheduled again: it runs on the next turn, and nothing is lost */
    trace[0] = '\0';
    b = probe_new(loop, 'b');
    a->victim = &c->tick;
    a->again = &c->tick;
    hs_tick_schedule(loop, &a->tick);
    hs_tick_schedule(loop, &b->tick);
    hs_tick_schedule(loop, &c->tick);
    hs_tick_schedule(loop, &d->tick);
    run_until(ev, 4, 1000);
    ok(strcmp(trace, "abdc") == 0, "a tick cancelled then scheduled again runs after the rest of the turn (%s)", trace);

    /* cancelling the last tick of the turn keeps the queue usable */
    trace[0] = '\0';
    a->victim = &d->tick;
    hs_tick_schedule(loop, &a->tick);
    hs_tick_schedule(loop, &d->tick);
    run_until(ev, 1, 1000);
    hs_tick_schedule(loop, &b->tick);
    run_until(ev, 2, 1000);
    ok(strcmp(trace, "ab") == 0, "after the last tick of a turn was cancelled, new ticks still run (%s)", trace);

    /* delayed ticks */
    trace[0] = '\0';
    e = probe_new(loop, 'e');
    hs_tick_schedule_in(loop, &a->tick, 60);
    hs_tick_schedule_in(loop, &b->tick, 20);
    hs_tick_schedule_in(loop, &c->tick, 40);
    hs_tick_cancel(loop, &c->tick);
    hs_tick_schedule_in(loop, &d->tick, 5000);
    hs_tick_schedule(loop, &d->tick); /* due now instead */
    hs_tick_schedule_in(loop, &e->tick, 5000);
    hs_tick_schedule_in(loop, &e->tick, 10); /* replaces the first */
    run_until(ev, 4, 2000);
    ok(strcmp(trace, "deba") == 0, "delayed ticks run by due time, a cancelled one never, a re-scheduled one once (%s)", trace);
    run_until(ev, 5, 150);
    ok(strcmp(trace, "deba") == 0, "and nothing runs twice (%s)", trace);

    hs_loop_destroy(loop);
    h2o_evloop_run(ev, 0); /* releases the sockets closed above */
    h2o_evloop_destroy(ev);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    return test_done();
}
