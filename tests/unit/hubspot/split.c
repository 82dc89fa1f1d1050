/*
 * tests hubspot/split.c against a small list endpoint of its own: ids with gaps and dense clusters,
 * pages of 100, and the three kinds of cursor a list endpoint can have (the next id, the last id, an
 * opaque token). Answers come back in a shuffled order; records are added past the highest id while
 * the read runs; positions are saved and restored between answers. Every record must come back
 * exactly once.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hubspot/scan.h"
#include "hubspot/split.h"
#include "test.h"

#define MAXREC 20000

enum { CUR_NEXT_ID, CUR_LAST_ID, CUR_OPAQUE };

static uint64_t ids[MAXREC];
static size_t nids;
static int cursor_kind;
static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void make_ids(size_t n)
{
    uint64_t id = 1000;
    nids = 0;
    while (nids < n) {
        /* clusters of consecutive ids (imports) and wide gaps */
        size_t run = 1 + rnd() % 300;
        for (size_t i = 0; i < run && nids < n; ++i)
            ids[nids++] = id++;
        id += rnd() % 5 == 0 ? 100000 + rnd() % 1000000 : rnd() % 50;
    }
}

static void add_id(void)
{
    ids[nids] = ids[nids - 1] + 1 + rnd() % 10;
    ++nids;
}

/* The engine: GET /crm/v3/objects/x?limit=100&...&after=A, or the probe. */
static char *answer(const char *path, const char *body)
{
    json_t *doc = json_object(), *results = json_array();
    size_t i = 0;
    char *out;

    if (body != NULL) {
        if (nids != 0) {
            char id[32];
            snprintf(id, sizeof(id), "%" PRIu64, ids[nids - 1]);
            json_array_append_new(results, json_pack("{ss}", "id", id));
        }
        json_object_set_new(doc, "total", json_integer((json_int_t)nids));
        json_object_set_new(doc, "results", results);
        goto done;
    }
    const char *a = strstr(path, "&after=");
    if (a != NULL) {
        a += 7;
        if (cursor_kind == CUR_OPAQUE) {
            i = strtoull(a + 1, NULL, 36);
        } else {
            uint64_t after = strtoull(a, NULL, 10);
            while (i < nids && (cursor_kind == CUR_NEXT_ID ? ids[i] < after : ids[i] <= after))
                ++i;
        }
    }
    size_t end = i + HS_LIST_PAGE < nids ? i + HS_LIST_PAGE : nids;
    for (size_t k = i; k < end; ++k) {
        char id[32];
        snprintf(id, sizeof(id), "%" PRIu64, ids[k]);
        json_array_append_new(results, json_pack("{ss}", "id", id));
    }
    json_object_set_new(doc, "results", results);
    if (end < nids) {
        char next[40];
        if (cursor_kind == CUR_NEXT_ID)
            snprintf(next, sizeof(next), "%" PRIu64, ids[end]);
        else if (cursor_kind == CUR_LAST_ID)
            snprintf(next, sizeof(next), "%" PRIu64, ids[end - 1]);
        else {
            /* an opaque token: "x" and the index in base 36 */
            char b36[20], *p = b36 + sizeof(b36) - 1;
            size_t v = end;
            *p = '\0';
            do {
                *--p = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
                v /= 36;
            } while (v != 0);
            snprintf(next, sizeof(next), "x%s", p);
        }
        json_object_set_new(doc, "paging", json_pack("{s{ss}}", "next", "after", next));
    }
done:
    out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return out;
}

typedef struct {
    int ticket;
    char *path;
    char *body;
} req_t;

/*
 * Reads everything with `want` parts, answering the requests out in a shuffled order; `grow` records
 * are added after the probe's answer; with `resume` the position is saved and restored whenever no
 * request is out. Returns the requests made, or -1 when a record came back twice, was missed, or an
 * answer was refused.
 */
static long run(unsigned want, size_t grow, int resume, int *split_seen)
{
    static unsigned char seen[MAXREC];
    hs_split_t s;
    req_t out[HS_SPLIT_MAX + 1];
    size_t nout = 0, got = 0;
    long requests = 0;
    char err[256];

    memset(seen, 0, sizeof(seen));
    *split_seen = 0;
    hs_split_init(&s, "x", "a", want);
    while (!hs_split_done(&s) || nout != 0) {
        /* ask for everything allowed */
        for (;;) {
            odata_buf_t path;
            char *body = NULL;
            int ticket;
            unsigned parts_out = hs_split_busy(&s) - (s.probe == 1);
            odata_buf_init(&path, 4096);
            int made = hs_split_done(&s) ? 0 : hs_split_next(&s, parts_out < want, &ticket, &path, &body);
            if (made <= 0) {
                odata_buf_dispose(&path);
                break;
            }
            out[nout].ticket = ticket;
            out[nout].path = strdup(path.base);
            out[nout].body = body;
            ++nout;
            ++requests;
            odata_buf_dispose(&path);
        }
        if (nout == 0)
            break;
        unsigned live = 0;
        for (unsigned i = 0; i != HS_SPLIT_MAX; ++i)
            live += s.parts[i].live;
        if (live > 1)
            *split_seen = 1;
        /* answer one of them, picked at random */
        size_t k = rnd() % nout;
        req_t r = out[k];
        out[k] = out[--nout];
        char *ans = answer(r.path, r.body);
        json_t *rows = NULL;
        int rc = hs_split_take(&s, r.ticket, ans, strlen(ans), &rows, err, sizeof(err));
        free(ans);
        if (r.ticket == HS_SPLIT_PROBE)
            for (size_t g = 0; g < grow; ++g)
                add_id();
        free(r.path);
        free(r.body);
        if (rc != 0) {
            printf("# refused: %s\n", err);
            return -1;
        }
        json_t *rec;
        size_t i;
        json_array_foreach(rows, i, rec)
        {
            uint64_t id = strtoull(json_string_value(json_object_get(rec, "id")), NULL, 10);
            size_t lo = 0, hi = nids;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (ids[mid] < id)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo == nids || ids[lo] != id || seen[lo]) {
                printf("# id %" PRIu64 " %s\n", id, lo == nids || ids[lo] != id ? "does not exist" : "came twice");
                json_decref(rows);
                return -1;
            }
            seen[lo] = 1;
            ++got;
        }
        json_decref(rows);
        if (resume && nout == 0 && !hs_split_done(&s)) {
            odata_buf_t saved;
            odata_buf_init(&saved, 4096);
            if (hs_split_save(&s, &saved) != ODATA_OK || odata_buf_append(&saved, "", 1) != ODATA_OK ||
                strchr(saved.base, '|') != NULL || hs_split_init(&s, "x", "a", want) != 0 ||
                hs_split_restore(&s, saved.base) != 0) {
                printf("# could not resume from %s\n", saved.base);
                odata_buf_dispose(&saved);
                return -1;
            }
            odata_buf_dispose(&saved);
        }
    }
    for (size_t i = 0; i < nids; ++i)
        if (!seen[i]) {
            printf("# id %" PRIu64 " missed (%zu of %zu read)\n", ids[i], got, nids);
            return -1;
        }
    return requests;
}

int main(void)
{
    static const char *const kinds[] = {"the next id", "the last id", "opaque"};
    int split_seen;
    long n;

    for (int kind = CUR_NEXT_ID; kind <= CUR_OPAQUE; ++kind) {
        cursor_kind = kind;
        make_ids(12345);
        n = run(4, 0, 0, &split_seen);
        ok(n > 0, "cursor %s, 4 parts: every record once (%ld requests for %zu records)", kinds[kind], n, nids);
        ok(kind == CUR_OPAQUE ? !split_seen : split_seen, "cursor %s: %s", kinds[kind],
           kind == CUR_OPAQUE ? "never split" : "split into parts");
        if (kind != CUR_OPAQUE)
            ok(n <= (long)(nids / HS_LIST_PAGE) + 2 * HS_SPLIT_MAX + 4, "few requests beyond the pages");
        make_ids(12345);
        n = run(4, 777, 1, &split_seen);
        ok(n > 0, "cursor %s: records added during the read come too, resumed after every answer", kinds[kind]);
        make_ids(5000);
        n = run(HS_SPLIT_MAX, 0, 0, &split_seen);
        ok(n > 0, "cursor %s, %d parts: every record once", kinds[kind], HS_SPLIT_MAX);
        make_ids(50);
        n = run(4, 0, 0, &split_seen);
        ok(n == 1, "cursor %s: one page, one request (no probe)", kinds[kind]);
        nids = 0;
        n = run(4, 0, 0, &split_seen);
        ok(n == 1, "cursor %s: nothing to read, one request", kinds[kind]);
    }
    cursor_kind = CUR_NEXT_ID;
    make_ids(3000);
    n = run(1, 0, 1, &split_seen);
    ok(n == 30 && !split_seen, "one part: HubSpot's pages one after another (%ld requests)", n);

    /* answers the scan must refuse */
    {
        hs_split_t s;
        odata_buf_t path;
        char *body, err[256];
        int ticket;
        json_t *rows;
        odata_buf_init(&path, 4096);
        hs_split_init(&s, "x", "a", 4);
        hs_split_next(&s, 1, &ticket, &path, &body);
        const char *bad = "{\"results\":[{\"id\":\"5\"},{\"id\":\"4\"}],\"paging\":{\"next\":{\"after\":\"6\"}}}";
        ok(hs_split_take(&s, ticket, bad, strlen(bad), &rows, err, sizeof(err)) != 0, "ids out of order: refused (%s)", err);
        hs_split_init(&s, "x", "a", 4);
        odata_buf_reset(&path);
        hs_split_next(&s, 1, &ticket, &path, &body);
        const char *back = "{\"results\":[{\"id\":\"5\"},{\"id\":\"9\"}],\"paging\":{\"next\":{\"after\":\"7\"}}}";
        ok(hs_split_take(&s, ticket, back, strlen(back), &rows, err, sizeof(err)) == 0 && s.inclusive == -2,
           "a cursor behind the page: read on with HubSpot's cursors");
        json_decref(rows);
        ok(hs_split_restore(&s, "S1~100~50-40") != 0, "a part that ends before it starts: refused");
        ok(hs_split_restore(&s, "S1~100~50-60~70-0") == 0, "two parts: restored");
        ok(hs_split_restore(&s, "K5") != 0, "another scan's position: refused");
        odata_buf_dispose(&path);
    }
    return test_done();
}
