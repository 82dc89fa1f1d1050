/*
 * A small TAP producer for unit tests: each check prints "ok N - ..." or "not ok N - ...", and
 * test_done() prints the plan and returns the exit status for main().
 */
#ifndef tests__unit__test_h
#define tests__unit__test_h

#include <stdio.h>
#include <string.h>

static int test_count_, test_failed_;

#define ok(cond, ...)                                                                                                              \
    do {                                                                                                                           \
        int ok_ = !!(cond);                                                                                                        \
        ++test_count_;                                                                                                             \
        if (!ok_)                                                                                                                  \
            ++test_failed_;                                                                                                        \
        printf("%sok %d - ", ok_ ? "" : "not ", test_count_);                                                                      \
        printf(__VA_ARGS__);                                                                                                       \
        printf("\n");                                                                                                              \
        if (!ok_)                                                                                                                  \
            printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                                                        \
    } while (0)

/* compares two NUL-terminated strings and shows both when they differ */
#define is_str(got, want, ...)                                                                                                     \
    do {                                                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                                                      \
        int same_ = g_ != NULL && w_ != NULL ? strcmp(g_, w_) == 0 : g_ == w_;                                                     \
        ok(same_, __VA_ARGS__);                                                                                                    \
        if (!same_)                                                                                                                \
            printf("#   got:  %s\n#   want: %s\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                        \
    } while (0)

static inline int test_done(void)
{
    printf("1..%d\n", test_count_);
    if (test_failed_)
        printf("# %d of %d checks failed\n", test_failed_, test_count_);
    return test_failed_ ? 1 : 0;
}

#endif
