/*
 * hubspot-sim: reproducible fault injection for CRM requests.
 */
#ifndef SIM_FAULTS_H
#define SIM_FAULTS_H

#include "util.h"

typedef enum en_sim_fault_t {
    SIM_FAULT_NONE,
    SIM_FAULT_5XX,      /* HubSpot-shaped 500/502/503 */
    SIM_FAULT_429,      /* an injected ten-secondly rate-limit answer */
    SIM_FAULT_RESET,    /* connection closed without a response */
    SIM_FAULT_TRUNCATE, /* headers and part of the body, then the connection drops */
    SIM_FAULT_SLOW,     /* body delivered in small pieces over about 1.5 s */
    SIM_FAULT_COUNT
} sim_fault_t;

typedef struct st_sim_faults_t {
    double percent[SIM_FAULT_COUNT]; /* index by sim_fault_t; [SIM_FAULT_NONE] unused */
    double total;
    sim_rng_t rng;
} sim_faults_t;

/** initialises the injector; percentages are 0..100 and their sum must not exceed 100 */
void sim_faults_init(sim_faults_t *f, double p5xx, double p429, double preset, double ptruncate, double pslow, uint64_t seed);
/**
 * draws the fault for the next CRM request from the seeded PRNG; for SIM_FAULT_5XX *status is set to 500, 502 or 503
 */
sim_fault_t sim_faults_draw(sim_faults_t *f, int *status);
/** short name of a fault ("5xx", "429", "reset", "truncate", "slow") */
const char *sim_fault_name(sim_fault_t fault);

#endif
