/*
 * An asynchronous PostgreSQL connection pool driven by the program's event loop. store/ does not know
 * the loop: the program supplies three functions that watch a socket (the hiredis adapter pattern) and
 * calls store_pg_io() when the socket is ready.
 */
#ifndef store__pgasync_h
#define store__pgasync_h

#include <libpq-fe.h>

typedef struct st_store_pg_t store_pg_t;
typedef struct st_store_pg_conn_t store_pg_conn_t;

typedef struct st_store_pg_loop_t {
    /** starts watching fd for readability; returns the program's handle for it */
    void *(*watch)(void *loop, int fd, store_pg_conn_t *conn);
    /** asks for one store_pg_io(conn, 0, 1) call once the socket is writable */
    void (*want_write)(void *handle);
    /** stops watching; must not close the fd (libpq owns it) */
    void (*unwatch)(void *handle);
    void *loop;
} store_pg_loop_t;

/**
 * Called with the result of a query: `res` is borrowed (freed after the callback returns) and NULL when
 * the query failed, in which case `err` says why (never containing parameter values).
 */
typedef void (*store_pg_cb)(void *data, PGresult *res, const char *err);

/**
 * Creates a pool of `size` connections to `conninfo` (connections open lazily, non-blocking). The loop
 * adapter is copied. Returns NULL when out of memory.
 */
store_pg_t *store_pg_create(const char *conninfo, const store_pg_loop_t *loop, int size);
/** Closes every connection; pending queries are answered with an error first. */
void store_pg_destroy(store_pg_t *pg);
/** The program's adapter calls this when a watched socket is readable and/or writable. */
void store_pg_io(store_pg_conn_t *conn, int readable, int writable);

/**
 * Queues a parameterised query (text parameters; `values` are copied, NULL means SQL NULL). Results
 * come in text format unless `binary_result`. Returns 0 when queued: the callback is then called exactly
 * once, possibly before this function returns (when the database cannot be reached). Returns -1 when
 * out of memory or the query is too large; the callback is then never called.
 */
int store_pg_query(store_pg_t *pg, const char *sql, int nparams, const char *const *values, int binary_result, store_pg_cb cb,
                   void *data);

/** Called with each notification a connection of the pool receives (LISTEN); both strings are borrowed. */
typedef void (*store_pg_notify_cb)(void *data, const char *channel, const char *payload);
/**
 * Called when a connection that was open is lost or closed (not when one fails to open: its query's
 * callback says so). A listener must LISTEN again on a new connection: what it missed meanwhile is gone.
 */
typedef void (*store_pg_lost_cb)(void *data);

/** Sets (or with NULLs clears) the pool's notification and lost-connection callbacks. */
void store_pg_set_listener(store_pg_t *pg, store_pg_notify_cb notify, store_pg_lost_cb lost, void *data);

#endif
