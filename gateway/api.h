/*
 * The admin API's shared parts (gateway/api.c): the request, JSON answers and errors, parameters and
 * bodies. Routes live in api.c (launch, sessions, the uninstall) and api_tokens.c (personal access
 * tokens); every route but the launch and the session runs with a session (who, which portal, which
 * role) already read.
 */
#ifndef gateway__api_h
#define gateway__api_h

#include <stdint.h>
#include <jansson.h>
#include <libpq-fe.h>
#include "gateway/gateway.h"
#include "gateway/request.h"
#include "hubspot/oauth.h"

typedef struct st_api_req_t {
    h2o_req_t *req;
    int64_t portal_id, user_id; /* the session's */
    int admin;
    int named_admin;                      /* in portal_admins (an admin whatever HubSpot says) */
    const char *teams;                    /* the user's HubSpot team ids, "1,2" (in the pool) */
    void (*then)(struct st_api_req_t *r); /* what an authenticated request does */
    int64_t target_id;                    /* the id in the path (/api/v1/tokens/{id}), 0 when none */
    char *secret;                         /* a code or token to show once (in the pool) */
    json_t *body;                         /* the request's JSON body, when it has one */
    unsigned char token_hash[32];         /* of the session being made (SHA-256) */
    hs_call_t *call;                      /* asking HubSpot who the user is */
    hs_oauth_revoke_t *revoke;
    int revoked;
    const char *target_name; /* the name in the path (/api/v1/objects/{name}/properties), in the pool */
    /* the portal's HubSpot grant, opened for calls on the user's behalf (gw_api_with_grant) */
    char *grant;
    const char *grant_enc; /* as read (in the pool) */
    void (*grant_then)(struct st_api_req_t *r);
    /* the portal's users and teams (gw_api_load_directory): id text -> HubSpot's object */
    json_t *users, *teams_doc;
    int dir_pages, dir_teams;
    void (*dir_then)(struct st_api_req_t *r);
    /* a data source being written: its definition (normalized) and the properties it needs */
    json_t *definition;
    gw_props_load_t props;
    const char *ds_name;                     /* the new name, NULL when unchanged (in the body) */
    char *ds_text;                           /* the normalized definition's text (free()), NULL when unchanged */
    void (*ds_then)(struct st_api_req_t *r); /* what follows a definition's check against HubSpot */
    const char *share_kinds, *share_ids;     /* the share list as PostgreSQL arrays (in the pool) */
} api_req_t;

/** Whether the request's method is `m`. */
int gw_api_method_is(h2o_req_t *req, const char *m);
/** Answers 405 with Allow: `allow`; returns 0 (the handler's answer). */
int gw_api_not_allowed(h2o_req_t *req, const char *allow);
/** Sends `doc` (stolen; NULL means out of memory) as the JSON answer with `status`; no-store. */
void gw_api_send_json(h2o_req_t *req, int status, json_t *doc);
/** Sends {"error":{"code","message"}} with `status`. */
void gw_api_send_err(h2o_req_t *req, int status, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/** Logs a database failure and answers 503. */
void gw_api_send_db_error(h2o_req_t *req, const char *what, const char *err);
/** A decimal parameter, in the pool. */
const char *gw_api_int_param(h2o_req_t *req, int64_t v);
/** A bytea parameter in text form ("\x<hex>"), in the pool. */
const char *gw_api_bytea_param(h2o_req_t *req, const unsigned char *p, size_t n);
/** A positive decimal id of at most 18 digits in s[0..n); -1 otherwise. */
int64_t gw_api_parse_id(const char *s, size_t n);
/**
 * The request body as a JSON object whose members are all among `names` (NULL-terminated), or NULL
 * after answering 400/413/415. The caller decrefs it.
 */
json_t *gw_api_json_body(h2o_req_t *req, const char *const *names);

/** The session's team ids as a PostgreSQL array literal ("{1,2}"), in the pool. */
const char *gw_api_teams_param(api_req_t *r);
/**
 * Reads and opens the portal's HubSpot grant into r->grant, then runs `then`; or answers 503 when the
 * portal must be installed again.
 */
void gw_api_with_grant(api_req_t *r, void (*then)(api_req_t *r));
/** Answers a failed HubSpot call made with r->grant: `what` says what was asked. */
void gw_api_send_hs_failure(api_req_t *r, const hs_call_t *call, const char *what);
/**
 * Reads the portal's users (every page, when `users`) into r->users and teams (when `teams`) into
 * r->teams_doc, both keyed by the id's text, with r->grant open; then runs `then`, or answers the failure.
 */
void gw_api_load_directory(api_req_t *r, int users, int teams, void (*then)(api_req_t *r));

/**
 * Loads the properties of the objects `names` (borrowed until the load ends) into the HubSpot client's
 * cache with r->grant open: `cb` runs after the calls (with r->props), `cached` at once when nothing
 * had to be asked.
 */
void gw_api_props_load(api_req_t *r, const char **names, size_t n, void (*cb)(gw_props_load_t *l), void (*cached)(api_req_t *r));

/**
 * After a properties load: 0 when every object loaded; else answers the failure (an object HubSpot
 * does not have: `unknown_status` UnknownObject) and returns 1.
 */
int gw_api_props_failed(api_req_t *r, int unknown_status);

/* the portal's objects, properties, users and teams (api_directory.c) */
void gw_api_objects_list(api_req_t *r);
void gw_api_object_properties(api_req_t *r);
void gw_api_users_list(api_req_t *r);
void gw_api_teams_list(api_req_t *r);

/* data sources and their sharing (api_datasources.c) */
void gw_api_datasources_list(api_req_t *r);
void gw_api_datasource_get(api_req_t *r);
void gw_api_datasource_create(api_req_t *r);
void gw_api_datasource_update(api_req_t *r);
void gw_api_datasource_delete(api_req_t *r);
void gw_api_datasource_share(api_req_t *r);
void gw_api_datasource_transfer(api_req_t *r);

/* reading a portal's audit log (api_audit.c), for its admins and for support staff (staff.c) */
typedef struct st_gw_audit_read_t {
    h2o_req_t *req;
    int64_t portal_id;
    const char *from, *to;          /* RFC 3339, checked; NULL: open */
    const char *events;             /* LIKE patterns as a PostgreSQL array literal; NULL: every event */
    const char *events_text;        /* the event filter as given */
    int64_t user_id, ds_id, before; /* 0: any */
    int limit;
    struct st_export_t *export;
} gw_audit_read_t;

/**
 * Reads the filters from the query string (from, to, event, userId, dataSourceId, and with `paged`
 * before and limit) into *rd; answers 400 and returns -1 when one is malformed or unknown.
 */
int gw_audit_read_parse(h2o_req_t *req, int64_t portal_id, int paged, gw_audit_read_t *rd);
/** The filters as a JSON object, for the record of a staff read. */
json_t *gw_audit_read_filters(const gw_audit_read_t *rd);
/** Answers a page: {"value":[...],"nextBefore"}; `rd` must live in the request's pool. */
void gw_audit_read_list(gw_audit_read_t *rd);
/** Streams every matching row as CSV; `rd` must live in the request's pool. */
void gw_audit_read_export(gw_audit_read_t *rd);
void gw_api_audit_list(api_req_t *r);
void gw_api_audit_export(api_req_t *r);

/* personal access tokens (api_tokens.c); each runs with the session read */
void gw_api_tokens_list(api_req_t *r);
void gw_api_tokens_mint(api_req_t *r);
void gw_api_tokens_revoke(api_req_t *r);

#endif
