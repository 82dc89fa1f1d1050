/*
 * The cache of token lookups and its LISTEN connection (see authcache.h).
 *
 * Correctness rests on two rules. An answer is cached only while the listener is up, and only when no
 * notification arrived between reading the generation (before the query was sent) and the answer: a
 * change committed while the query ran either is seen by the query or bumps the generation first. And
 * every (re)connection of the listener empties the cache, since notifications sent while it was down are
 * lost. The TTL bounds what a notification lost in some other way could leave behind.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "gateway/gateway.h"
#include "gateway/authcache.h"

#define NBUCKETS 1024 /* a power of two */
#define MAX_ENTRIES 8192
#define MAX_ENTRY_TEXT (64 * 1024) /* larger definitions are read from the database each time */
#define TOUCH_INTERVAL_MS 60000
#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 30000

typedef struct st_entry_t entry_t;

struct st_entry_t {
    entry_t *bucket_next;
    entry_t *older, *newer; /* the age list: all entries live equally long, so the oldest expires first */
    unsigned char hash[32];
    int64_t ds;
    int64_t token_id, portal_id, user_id;
    int ds_ok, needs_reauth;
    uint64_t until_ms;            /* the TTL */
    uint64_t expires_ms;          /* the token's expiry */
    uint64_t owner_fresh_ms;      /* who the owner is turns stale */
    uint64_t touched_ms;          /* the last use recorded */
    char *definition, *grant_enc; /* in the same allocation */
};

static struct {
    uint64_t ttl_ms;
    store_pg_t *pg; /* one connection that only LISTENs */
    hs_tick_t retry;
    uint64_t retry_ms;
    int listening, connecting;
    uint64_t generation;
    entry_t *buckets[NBUCKETS];
    entry_t *oldest, *newest;
    size_t count;
    uint64_t hits, misses, evictions;
} cache;

static size_t bucket_of(const unsigned char *hash, int64_t ds)
{
    uint64_t h;
    memcpy(&h, hash, sizeof(h)); /* a SHA-256 output: its bytes are already uniform */
    h ^= (uint64_t)ds * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32 ^ h) & (NBUCKETS - 1);
}

static void entry_remove(entry_t *e)
{
    entry_t **p = &cache.buckets[bucket_of(e->hash, e->ds)];
    while (*p != e)
        p = &(*p)->bucket_next;
    *p = e->bucket_next;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        cache.oldest = e->newer;
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        cache.newest = e->older;
    --cache.count;
    free(e);
}

static void flush_portal(int64_t portal_id)
{
    entry_t *e = cache.oldest, *next;
    for (; e != NULL; e = next) {
        next = e->newer;
        if (portal_id < 0 || e->portal_id == portal_id) {
            entry_remove(e);
            ++cache.evictions;
        }
    }
}

static void drop_expired(uint64_t now)
{
    while (cache.oldest != NULL && cache.oldest->until_ms <= now)
        entry_remove(cache.oldest);
}

static entry_t *find(const unsigned char *hash, int64_t ds)
{
    entry_t *e;
    for (e = cache.buckets[bucket_of(hash, ds)]; e != NULL; e = e->bucket_next)
        if (e->ds == ds && memcmp(e->hash, hash, 32) == 0)
            return e;
    return NULL;
}

/* ---- the listener ---- */

static void listen_start(void);

static void retry_later(void)
{
    hs_tick_schedule_in(gw.hsloop, &cache.retry, cache.retry_ms);
    cache.retry_ms = cache.retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : cache.retry_ms * 2;
}

static void on_listening(void *data, PGresult *res, const char *err)
{
    cache.connecting = 0;
    if (res == NULL) {
        gw_log(GW_LOG_WARN, "authcache", "cannot listen for changes (%s): token lookups are not cached until it can", err);
        retry_later();
        return;
    }
    /* what was cached before may have changed unannounced */
    ++cache.generation;
    flush_portal(-1);
    cache.listening = 1;
    cache.retry_ms = RETRY_MIN_MS;
    gw_log(GW_LOG_INFO, "authcache", "listening for changes: token lookups are cached for %" PRIu64 " s", cache.ttl_ms / 1000);
}

static void on_notify(void *data, const char *channel, const char *payload)
{
    char *end;
    long long portal;

    ++cache.generation;
    portal = strtoll(payload, &end, 10);
    if (end == payload || *end != '\0' || portal <= 0)
        portal = -1; /* '*' or anything unexpected: everything goes */
    flush_portal(portal);
}

static void on_lost(void *data)
{
    ++cache.generation;
    flush_portal(-1);
    if (cache.listening)
        gw_log(GW_LOG_WARN, "authcache",
               "the connection listening for changes was lost: token lookups are not cached until it is back");
    cache.listening = 0;
    /* on_listening of a LISTEN that was running retries itself */
    if (!cache.connecting)
        retry_later();
}

static void on_retry(hs_tick_t *tick)
{
    listen_start();
}

static void listen_start(void)
{
    if (cache.connecting)
        return;
    cache.connecting = 1;
    if (store_pg_query(cache.pg, "LISTEN gateway_auth", 0, NULL, 0, on_listening, NULL) != 0) {
        cache.connecting = 0;
        retry_later();
    }
}

int gw_auth_cache_start(void)
{
    store_pg_loop_t pl;

    memset(&cache, 0, sizeof(cache));
    if (gw.config.auth_cache_ttl == 0)
        return 0;
    cache.ttl_ms = (uint64_t)gw.config.auth_cache_ttl * 1000;
    pl = gw_pg_loop(gw.evloop);
    if ((cache.pg = store_pg_create(gw.config.database, &pl, 1)) == NULL)
        return -1;
    store_pg_set_listener(cache.pg, on_notify, on_lost, NULL);
    cache.retry.cb = on_retry;
    cache.retry_ms = RETRY_MIN_MS;
    listen_start();
    return 0;
}

void gw_auth_cache_stop(void)
{
    if (cache.pg == NULL) /* never started, or the cache is off */
        return;
    hs_tick_cancel(gw.hsloop, &cache.retry);
    cache.listening = 0;
    store_pg_destroy(cache.pg);
    cache.pg = NULL;
    flush_portal(-1);
}

/* ---- lookups ---- */

uint64_t gw_auth_cache_generation(void)
{
    return cache.generation;
}

int gw_auth_cache_get(const unsigned char token_hash[32], int64_t ds, gw_auth_t *out, int *touch)
{
    uint64_t now;
    entry_t *e;

    if (!cache.listening)
        return 0;
    now = h2o_now(gw.evloop);
    drop_expired(now);
    if ((e = find(token_hash, ds)) == NULL || now >= e->expires_ms || now >= e->owner_fresh_ms) {
        ++cache.misses;
        return 0;
    }
    ++cache.hits;
    memset(out, 0, sizeof(*out));
    out->token_id = e->token_id;
    out->portal_id = e->portal_id;
    out->user_id = e->user_id;
    out->valid = 1;
    out->ds_ok = e->ds_ok;
    out->needs_reauth = e->needs_reauth;
    out->definition = e->definition;
    out->grant_enc = e->grant_enc;
    out->expires_in = (double)(e->expires_ms - now) / 1000;
    out->owner_fresh_for = (double)(e->owner_fresh_ms - now) / 1000;
    if ((*touch = now - e->touched_ms >= TOUCH_INTERVAL_MS))
        e->touched_ms = now;
    return 1;
}

/* now plus `s` seconds, in the loop's milliseconds; 0 when s is not positive */
static uint64_t deadline(uint64_t now, double s)
{
    if (!(s > 0))
        return 0;
    if (s > 1e9)
        s = 1e9;
    return now + (uint64_t)(s * 1000);
}

void gw_auth_cache_put(const unsigned char token_hash[32], int64_t ds, uint64_t generation, const gw_auth_t *a)
{
    size_t dlen, glen;
    uint64_t now;
    entry_t *e;

    if (!cache.listening || generation != cache.generation || !a->valid || a->owner_stale || a->grant_enc == NULL)
        return;
    dlen = a->definition != NULL ? strlen(a->definition) + 1 : 0;
    glen = strlen(a->grant_enc) + 1;
    if (dlen + glen > MAX_ENTRY_TEXT)
        return;
    now = h2o_now(gw.evloop);
    drop_expired(now);
    if ((e = find(token_hash, ds)) != NULL)
        entry_remove(e);
    if (cache.count >= MAX_ENTRIES)
        entry_remove(cache.oldest);
    if ((e = malloc(sizeof(*e) + dlen + glen)) == NULL)
        return;
    memset(e, 0, sizeof(*e));
    memcpy(e->hash, token_hash, 32);
    e->ds = ds;
    e->token_id = a->token_id;
    e->portal_id = a->portal_id;
    e->user_id = a->user_id;
    e->ds_ok = a->ds_ok;
    e->needs_reauth = a->needs_reauth;
    e->until_ms = now + cache.ttl_ms;
    e->expires_ms = deadline(now, a->expires_in);
    e->owner_fresh_ms = deadline(now, a->owner_fresh_for);
    e->touched_ms = now; /* the lookup that read this recorded the use */
    e->grant_enc = memcpy((char *)(e + 1), a->grant_enc, glen);
    e->definition = dlen != 0 ? memcpy(e->grant_enc + glen, a->definition, dlen) : NULL;

    e->bucket_next = cache.buckets[bucket_of(token_hash, ds)];
    cache.buckets[bucket_of(token_hash, ds)] = e;
    e->older = cache.newest;
    if (cache.newest != NULL)
        cache.newest->newer = e;
    else
        cache.oldest = e;
    cache.newest = e;
    ++cache.count;
}

void gw_auth_cache_get_stats(gw_auth_cache_stats_t *stats)
{
    stats->listening = cache.listening;
    stats->entries = cache.count;
    stats->hits = cache.hits;
    stats->misses = cache.misses;
    stats->evictions = cache.evictions;
}
