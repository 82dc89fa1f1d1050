/*
 * hubspot-sim: request limits.
 */
#include "ratelimit.h"

#include <string.h>

static void window_init(sim_window_t *w, uint32_t *storage, unsigned n)
{
    w->buckets = storage;
    w->nbuckets = n;
    memset(storage, 0, sizeof(uint32_t) * n);
    w->head = 0;
    w->sum = 0;
}

static void window_advance(sim_window_t *w, int64_t now_ms)
{
    int64_t slot = now_ms / SIM_RL_BUCKET_MS;
    if (slot <= w->head)
        return;
    if (slot - w->head >= (int64_t)w->nbuckets) {
        memset(w->buckets, 0, sizeof(uint32_t) * w->nbuckets);
        w->sum = 0;
    } else {
        for (int64_t s = w->head + 1; s <= slot; ++s) {
            uint32_t *b = &w->buckets[s % w->nbuckets];
            w->sum -= *b;
            *b = 0;
        }
    }
    w->head = slot;
}

static void window_add(sim_window_t *w)
{
    w->buckets[w->head % w->nbuckets]++;
    w->sum++;
}

void sim_ratelimit_init(sim_ratelimit_t *rl, unsigned ten_secondly, unsigned secondly_search, unsigned daily)
{
    rl->ten_secondly = ten_secondly;
    rl->secondly_search = secondly_search;
    rl->daily = daily;
    sim_ratelimit_reset(rl);
}

void sim_ratelimit_reset(sim_ratelimit_t *rl)
{
    window_init(&rl->ten, rl->_ten_storage, SIM_RL_TEN_BUCKETS);
    window_init(&rl->search, rl->_sec_storage, SIM_RL_SEC_BUCKETS);
    rl->day = -1;
    rl->day_used = 0;
}

static uint64_t remaining(unsigned max, uint64_t used)
{
    return used >= max ? 0 : max - used;
}

sim_rl_verdict_t sim_ratelimit_take(sim_ratelimit_t *rl, int is_search, int64_t now_ms, int64_t real_ms, sim_rl_state_t *state)
{
    sim_rl_verdict_t verdict = SIM_RL_OK;
    int64_t day = real_ms / 86400000;

    window_advance(&rl->ten, now_ms);
    window_advance(&rl->search, now_ms);
    if (day != rl->day) {
        rl->day = day;
        rl->day_used = 0;
    }

    if (rl->daily != 0 && rl->day_used >= rl->daily)
        verdict = SIM_RL_DAILY;
    else if (rl->ten_secondly != 0 && rl->ten.sum >= rl->ten_secondly)
        verdict = SIM_RL_TEN_SECONDLY;
    else if (is_search && rl->secondly_search != 0 && rl->search.sum >= rl->secondly_search)
        verdict = SIM_RL_SECONDLY;

    if (verdict == SIM_RL_OK) {
        window_add(&rl->ten);
        if (is_search)
            window_add(&rl->search);
        rl->day_used++;
    }

    state->ten_max = rl->ten_secondly;
    state->ten_remaining = remaining(rl->ten_secondly, rl->ten.sum);
    state->sec_max = rl->secondly_search;
    state->sec_remaining = remaining(rl->secondly_search, rl->search.sum);
    state->daily_max = rl->daily;
    state->daily_remaining = remaining(rl->daily, rl->day_used);
    return verdict;
}
