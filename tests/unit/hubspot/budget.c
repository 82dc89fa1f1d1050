/* tests hubspot/budget.c: the rolling windows, their waits, and corrections from HubSpot's headers. */
#include "hubspot/budget.h"
#include "test.h"

int main(void)
{
    hs_budget_t b;
    uint64_t t = 1000000;

    hs_budget_init(&b, 10, 2);
    for (int i = 0; i < 10; ++i) {
        ok(hs_budget_wait(&b, 0, t + i) == 0, "request %d of 10 leaves at once", i + 1);
        hs_budget_take(&b, 0, t + i);
    }
    ok(hs_budget_wait(&b, 0, t + 10) == HS_BUDGET_TEN_WINDOW_MS - 10, "the 11th waits until the first ages out (%llu ms)",
       (unsigned long long)hs_budget_wait(&b, 0, t + 10));
    ok(hs_budget_wait(&b, 1, t + HS_BUDGET_TEN_WINDOW_MS - 1) != 0, "a search waits for the ten-secondly window too");
    ok(hs_budget_wait(&b, 0, t + HS_BUDGET_TEN_WINDOW_MS) == 0, "and leaves then");

    /* the secondly search window */
    hs_budget_init(&b, 100, 2);
    hs_budget_take(&b, 1, t);
    hs_budget_take(&b, 1, t + 1);
    ok(hs_budget_wait(&b, 1, t + 2) == HS_BUDGET_SEC_WINDOW_MS - 2, "a third search in a second waits");
    ok(hs_budget_wait(&b, 0, t + 2) == 0, "a list request does not");

    /* HubSpot's headers */
    hs_budget_init(&b, 100, 5);
    hs_budget_take(&b, 0, t);
    hs_budget_observe(&b, 0, t + 100, 190, 189, -1, -1);
    ok(b.ten.max == 190 && b.ten.count == 1, "a different maximum replaces the configured one; our request is ours");
    hs_budget_observe(&b, 0, t + 200, 190, 150, -1, -1);
    ok(b.ten.count == 40, "requests HubSpot counted that were not ours take room (%u)", b.ten.count);
    hs_budget_observe(&b, 0, t + 300, 190, 0, -1, -1);
    ok(hs_budget_wait(&b, 0, t + 300) != 0, "Remaining 0 (a 429): nothing leaves");
    ok(hs_budget_wait(&b, 0, t + 300 + HS_BUDGET_TEN_WINDOW_MS) == 0, "until the window has passed");
    hs_budget_observe(&b, 0, t + 400, -1, -1, -1, -1);
    ok(b.ten.max == 190, "an answer without headers changes nothing");

    /* no limit configured: none until HubSpot gives one */
    hs_budget_init(&b, 0, 0);
    for (int i = 0; i < 2000; ++i)
        hs_budget_take(&b, 1, t);
    ok(hs_budget_wait(&b, 0, t) == 0 && hs_budget_wait(&b, 1, t) == 0, "no limit: never waits");
    hs_budget_observe(&b, 1, t, 50, 0, 5, 0);
    ok(hs_budget_wait(&b, 0, t) != 0 && hs_budget_wait(&b, 1, t) != 0, "until HubSpot's headers give one");
    return test_done();
}
