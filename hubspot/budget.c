/* A portal's request budget: see hubspot/budget.h. */
#include "hubspot/budget.h"

static void window_init(hs_budget_window_t *w, uint64_t *storage, unsigned cap, unsigned max, uint64_t span)
{
    w->at = storage;
    w->cap = cap;
    w->max = max > cap ? cap : max;
    w->span = span;
    w->head = 0;
    w->count = 0;
}

/* Drops the entries that have aged out of the window at `now`. */
static void window_prune(hs_budget_window_t *w, uint64_t now)
{
    while (w->count != 0 && w->at[w->head] + w->span <= now) {
        w->head = (w->head + 1) % w->cap;
        --w->count;
    }
}

static void window_add(hs_budget_window_t *w, uint64_t now)
{
    if (w->count == w->cap) { /* full: the oldest entry makes room (only phantoms get here) */
        w->head = (w->head + 1) % w->cap;
        --w->count;
    }
    w->at[(w->head + w->count) % w->cap] = now;
    ++w->count;
}

static uint64_t window_wait(hs_budget_window_t *w, uint64_t now)
{
    if (w->max == 0) /* no limit known */
        return 0;
    window_prune(w, now);
    if (w->count < w->max)
        return 0;
    /* room comes when enough of the oldest entries age out */
    unsigned over = w->count - w->max;
    uint64_t due = w->at[(w->head + over) % w->cap] + w->span;
    return due > now ? due - now : 1;
}

/* HubSpot says `used` requests are in its window; when that is more than this process counts, the
 * difference is someone else's and takes room until it ages out. */
static int window_correct(hs_budget_window_t *w, uint64_t now, long max, long remaining)
{
    int changed = 0;
    if (max > 0 && (unsigned long)max != w->max) {
        w->max = (unsigned long)max > w->cap ? w->cap : (unsigned)max;
        changed = 1;
    }
    if (max > 0 && remaining >= 0 && remaining <= max) {
        unsigned long used = (unsigned long)(max - remaining);
        window_prune(w, now);
        if (used > w->count) {
            for (unsigned long n = used - w->count; n != 0 && w->count < w->cap; --n)
                window_add(w, now);
            changed = 1;
        }
    }
    return changed;
}

void hs_budget_init(hs_budget_t *b, unsigned ten_max, unsigned sec_max)
{
    window_init(&b->ten, b->ten_at, HS_BUDGET_TEN_CAP, ten_max, HS_BUDGET_TEN_WINDOW_MS);
    window_init(&b->sec, b->sec_at, HS_BUDGET_SEC_CAP, sec_max, HS_BUDGET_SEC_WINDOW_MS);
    b->corrections = 0;
}

uint64_t hs_budget_wait(hs_budget_t *b, int search, uint64_t now)
{
    uint64_t wait = window_wait(&b->ten, now);
    if (search) {
        uint64_t w2 = window_wait(&b->sec, now);
        if (w2 > wait)
            wait = w2;
    }
    return wait;
}

void hs_budget_take(hs_budget_t *b, int search, uint64_t now)
{
    window_prune(&b->ten, now);
    window_add(&b->ten, now);
    if (search) {
        window_prune(&b->sec, now);
        window_add(&b->sec, now);
    }
}

void hs_budget_observe(hs_budget_t *b, int search, uint64_t now, long ten_max, long ten_remaining, long sec_max, long sec_remaining)
{
    int changed = window_correct(&b->ten, now, ten_max, ten_remaining);
    if (search)
        changed |= window_correct(&b->sec, now, sec_max, sec_remaining);
    b->corrections += changed;
}
