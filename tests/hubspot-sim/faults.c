/*
 * hubspot-sim: fault injection.
 */
#include "faults.h"

void sim_faults_init(sim_faults_t *f, double p5xx, double p429, double preset, double ptruncate, double pslow, uint64_t seed)
{
    f->percent[SIM_FAULT_NONE] = 0;
    f->percent[SIM_FAULT_5XX] = p5xx;
    f->percent[SIM_FAULT_429] = p429;
    f->percent[SIM_FAULT_RESET] = preset;
    f->percent[SIM_FAULT_TRUNCATE] = ptruncate;
    f->percent[SIM_FAULT_SLOW] = pslow;
    f->total = p5xx + p429 + preset + ptruncate + pslow;
    sim_rng_seed(&f->rng, seed ^ 0x5eedfa17ULL);
}

sim_fault_t sim_faults_draw(sim_faults_t *f, int *status)
{
    static const int codes[] = {500, 502, 503};
    if (f->total <= 0)
        return SIM_FAULT_NONE;
    double u = sim_rng_uniform(&f->rng) * 100.0, acc = 0;
    for (int k = SIM_FAULT_5XX; k < SIM_FAULT_COUNT; ++k) {
        acc += f->percent[k];
        if (u < acc) {
            if (k == SIM_FAULT_5XX)
                *status = codes[sim_rng_next(&f->rng) % 3];
            return (sim_fault_t)k;
        }
    }
    return SIM_FAULT_NONE;
}

const char *sim_fault_name(sim_fault_t fault)
{
    switch (fault) {
    case SIM_FAULT_5XX:
        return "5xx";
    case SIM_FAULT_429:
        return "429";
    case SIM_FAULT_RESET:
        return "reset";
    case SIM_FAULT_TRUNCATE:
        return "truncate";
    case SIM_FAULT_SLOW:
        return "slow";
    default:
        return "none";
    }
}
