/*
 * A portal's request budget: HubSpot's rolling limits (requests per ten seconds for the app in the
 * portal, and per second for search), kept as the send times of the requests in each window. A
 * request is sent only when both of its windows have room, so HubSpot is never asked for more than it
 * allows and a 429 stays the exception. The limits start from the configured tier and follow the
 * X-HubSpot-RateLimit-* headers of every answer: a different maximum replaces the configured one, and
 * requests HubSpot counted that this process did not send (another process or app) take room in the
 * window until they age out. Pure: time is passed in, in milliseconds.
 */
#ifndef hubspot__budget_h
#define hubspot__budget_h

#include <stdint.h>

#define HS_BUDGET_TEN_CAP 1000 /* the largest ten-secondly maximum followed */
#define HS_BUDGET_SEC_CAP 100  /* the largest secondly maximum followed */
/* a request HubSpot counts when it arrives; the window here starts when it leaves, so it is held a
 * little longer than HubSpot's to cover the time on the wire */
#define HS_BUDGET_TEN_WINDOW_MS 10250
#define HS_BUDGET_SEC_WINDOW_MS 1100

typedef struct st_hs_budget_window_t {
    unsigned max;   /* requests allowed per window; 0: no limit until HubSpot's headers give one */
    uint64_t span;  /* the window's length in ms */
    unsigned head;  /* index of the oldest entry */
    unsigned count; /* entries in the window */
    uint64_t *at;   /* ring of send times, `cap` entries */
    unsigned cap;
} hs_budget_window_t;

typedef struct st_hs_budget_t {
    hs_budget_window_t ten;
    hs_budget_window_t sec;
    uint64_t ten_at[HS_BUDGET_TEN_CAP];
    uint64_t sec_at[HS_BUDGET_SEC_CAP];
    unsigned corrections; /* times HubSpot's headers changed the picture */
} hs_budget_t;

/** Starts a budget with the configured maxima (per ten seconds; per second for search; 0: none until HubSpot says). */
void hs_budget_init(hs_budget_t *b, unsigned ten_max, unsigned sec_max);
/** 0 when a request (`search`: a search request) may leave at `now`, else the milliseconds to wait. */
uint64_t hs_budget_wait(hs_budget_t *b, int search, uint64_t now);
/** Records a request leaving at `now`. */
void hs_budget_take(hs_budget_t *b, int search, uint64_t now);
/**
 * Corrects the budget from an answer's headers received at `now` (-1: the header was absent):
 * X-HubSpot-RateLimit-Max and -Remaining, and for search -Secondly and -Secondly-Remaining.
 */
void hs_budget_observe(hs_budget_t *b, int search, uint64_t now, long ten_max, long ten_remaining, long sec_max,
                       long sec_remaining);

#endif
