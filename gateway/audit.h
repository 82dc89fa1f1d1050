/*
 * gateway/ private: the audit writer. Events are serialised at once, kept in a bounded in-memory spool
 * and written in batches by one asynchronous query (audit_append, store/migrations/007) at a time, off
 * the request path. While PostgreSQL cannot take them they wait and are retried with back-off; if the
 * spool is full, new events are counted as dropped and a log line says so. Events never carry a HubSpot
 * record value, a token or an unmasked e-mail address: callers pass metadata only.
 */
#ifndef gateway__audit_h
#define gateway__audit_h

#include <stdint.h>
#include <jansson.h>

typedef struct st_gw_audit_stats_t {
    size_t queued;       /* events waiting in the spool */
    size_t queued_bytes; /* their size */
    uint64_t written;    /* events PostgreSQL has taken */
    uint64_t dropped;    /* events lost because the spool was full */
    int failing;         /* the last write failed */
    size_t file_bytes;   /* events waiting in the spool file */
} gw_audit_stats_t;

/** Starts the writer on gw.evloop with gw.config; returns -1 when out of memory. */
int gw_audit_start(void);
/** Writes what is queued, running the loop for up to `ms` milliseconds; then frees the spool. */
void gw_audit_stop(uint64_t ms);
/**
 * Queues an event of a portal. `actor` is "user:<id>", "token:<id>", "staff:<login>", "operator" or
 * "system"; user_id, ds_id and token_id are 0 when not applicable; `detail` (stolen; NULL for none) is
 * a JSON object of metadata.
 */
void gw_audit(int64_t portal_id, const char *event, const char *actor, int64_t user_id, int64_t ds_id, int64_t token_id,
              json_t *detail);
void gw_audit_get_stats(gw_audit_stats_t *stats);

#endif
