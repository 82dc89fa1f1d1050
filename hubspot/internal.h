/* hubspot/ private declarations shared by its source files */
#ifndef hubspot__internal_h
#define hubspot__internal_h

#include <curl/curl.h>
#include "hubspot/hubspot.h"

/** A transfer's completion callback; the callee owns the easy handle afterwards. */
typedef void (*hs_done_cb)(CURL *easy, CURLcode result, void *data);

/** The h2o loop (borrowed). */
h2o_evloop_t *hs_loop_evloop(hs_loop_t *loop);
/** Adds an easy handle to the loop's multi handle; `cb` runs when it completes (never synchronously). */
int hs_loop_add(hs_loop_t *loop, CURL *easy, hs_done_cb cb, void *data);
/** Removes an easy handle from the multi handle before completion; its callback never runs. */
void hs_loop_remove(hs_loop_t *loop, CURL *easy);

/** A GET easy handle for `url` whose answer goes to `body`; POST by setting CURLOPT_POSTFIELDS. */
CURL *hs__easy_new(const char *url, odata_buf_t *body, long timeout_ms, char *errbuf);
/** Wipes a string that may hold a secret, then frees it (NULL is fine). */
void hs__wipe_free(char *s);
/** Wipes the token strings of an OAuth answer (`doc`, may be NULL; released) and its raw `body` (reset). */
void hs__wipe_answer(json_t *doc, odata_buf_t *body);

/* the property metadata cache, kept by the client (client.c) and managed by model.c */
struct st_props_entry_t;
struct st_props_entry_t **hs__props_head(hs_client_t *client);
h2o_evloop_t *hs__client_evloop(hs_client_t *client);
void hs__props_clear(hs_client_t *client);

#endif
