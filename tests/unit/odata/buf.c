/* Tests odata/buf.c: the bounded buffer. */
#include <stdlib.h>
#include "odata/odata.h"
#include "tests/unit/test.h"

static void test_init_and_append(void)
{
    odata_buf_t b;

    odata_buf_init(&b, 16);
    ok(b.base == NULL && b.len == 0 && b.cap == 0 && b.max == 16, "init allocates nothing");
    ok(odata_buf_append(&b, "abc", 3) == ODATA_OK && b.len == 3, "append");
    is_str(b.base, "abc", "content is NUL-terminated");
    ok(odata_buf_appends(&b, "def") == ODATA_OK, "appends");
    ok(odata_buf_appendf(&b, "%d-%s", 42, "x") == ODATA_OK, "appendf");
    is_str(b.base, "abcdef42-x", "content after three appends");
    ok(b.len == 10, "len counts the bytes, not the NUL");
    ok(odata_buf_append(&b, NULL, 0) == ODATA_OK && b.len == 10, "an empty append is fine");
    ok(b.cap <= b.max + 1, "never allocates past max + 1 (cap %zu)", b.cap);
    odata_buf_dispose(&b);
    ok(b.base == NULL && b.len == 0 && b.cap == 0, "dispose frees");
}

static void test_caps(void)
{
    odata_buf_t b;
    size_t cap;

    odata_buf_init(&b, 8);
    ok(odata_buf_append(&b, "12345", 5) == ODATA_OK, "append below max");
    ok(odata_buf_append(&b, "6789", 4) == ODATA_ERR_TOO_LARGE, "append past max fails");
    ok(b.len == 5, "failed append leaves len");
    is_str(b.base, "12345", "failed append leaves content");
    ok(odata_buf_appends(&b, "6789") == ODATA_ERR_TOO_LARGE && b.len == 5, "appends past max fails");
    ok(odata_buf_appendf(&b, "%s", "6789") == ODATA_ERR_TOO_LARGE && b.len == 5, "appendf past max fails");
    is_str(b.base, "12345", "failed appendf leaves content");
    ok(odata_buf_append(&b, "678", 3) == ODATA_OK && b.len == 8, "append up to exactly max");
    is_str(b.base, "12345678", "full buffer");
    ok(odata_buf_append(&b, "9", 1) == ODATA_ERR_TOO_LARGE && b.len == 8, "one byte past max fails");
    ok(odata_buf_appendf(&b, "%s", "") == ODATA_OK && b.len == 8, "empty appendf on a full buffer");
    ok(b.cap <= b.max + 1, "cap %zu stays within max + 1", b.cap);

    cap = b.cap;
    odata_buf_reset(&b);
    ok(b.len == 0 && b.cap == cap && b.base != NULL, "reset keeps the memory");
    is_str(b.base, "", "reset empties");
    ok(odata_buf_appendf(&b, "%08d", 7) == ODATA_OK, "appendf exactly to max");
    is_str(b.base, "00000007", "appendf content");
    odata_buf_dispose(&b);

    odata_buf_init(&b, 0);
    ok(odata_buf_append(&b, "", 0) == ODATA_OK, "max 0 takes an empty append");
    ok(odata_buf_append(&b, "x", 1) == ODATA_ERR_TOO_LARGE && b.len == 0, "max 0 refuses a byte");
    odata_buf_dispose(&b);

    odata_buf_init(&b, SIZE_MAX);
    ok(odata_buf_append(&b, "x", 1) == ODATA_OK, "unbounded buffer");
    ok(odata_buf_append(&b, "x", SIZE_MAX) == ODATA_ERR_TOO_LARGE && b.len == 1, "a length that would overflow fails");
    odata_buf_dispose(&b);
}

static void test_growth(void)
{
    odata_buf_t b;
    char chunk[1000];
    int good = 1;

    memset(chunk, 'a', sizeof(chunk));
    odata_buf_init(&b, 100000);
    for (int i = 0; i < 100; ++i)
        if (odata_buf_append(&b, chunk, sizeof(chunk)) != ODATA_OK)
            good = 0;
    ok(good && b.len == 100000, "grows to max in steps");
    ok(b.cap == 100001, "cap clamped to max + 1 (%zu)", b.cap);
    ok(odata_buf_append(&b, "a", 1) == ODATA_ERR_TOO_LARGE, "then refuses");
    good = 1;
    for (size_t i = 0; i < b.len; ++i)
        if (b.base[i] != 'a')
            good = 0;
    ok(good && b.base[b.len] == '\0', "content intact");
    odata_buf_dispose(&b);

    odata_buf_init(&b, 1 << 20);
    ok(odata_buf_appendf(&b, "%5000d", 1) == ODATA_OK && b.len == 5000, "appendf longer than the first allocation");
    ok(b.base[4999] == '1' && b.base[5000] == '\0', "appendf content at the end");
    odata_buf_dispose(&b);
    odata_buf_init(&b, 10);
    ok(odata_buf_append(&b, "abc", 3) == ODATA_OK, "a disposed buffer can be initialised again");
    odata_buf_dispose(&b);
}

int main(void)
{
    test_init_and_append();
    test_caps();
    test_growth();
    return test_done();
}
