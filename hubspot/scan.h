/*
 * A scan: the sequence of HubSpot requests that reads every record of a feed, in order, past the search
 * API's 10,000-result cap. Pure: the caller performs the requests (hs_call_start) and hands each
 * answer back; the scan says which of its records belong to the result, in order, and what comes next.
 *
 * - LIST: the objects endpoint with HubSpot's `after` cursor (no pushed filter, no order).
 * - KEYSET: the search endpoint, sorted by hs_object_id with `hs_object_id GT|LT last` added to
 *   every filter group, so any number of matching records can be read.
 * - ORDERED by one property P (numbers, dates, datetimes) in phases, because HubSpot sorts by one
 *   property only, never pages past 10,000 results, and places unset values where OData does not:
 *     NULLS   records without P, by keyset on the id (first when ascending, last when descending);
 *     WINDOW  records with P beyond a bound (HAS_PROPERTY at first), sorted by P, paged with `after`;
 *             when the window holds more than 10,000 records, the record at position 9,999 is read
 *             first (a probe of one record) and the window ends before the first record whose value
 *             equals the probe's, so a run of equal values is never split between two windows;
 *     TIE     the records whose P equals that value, by keyset on the id (a run of any length);
 *     then a new WINDOW bounded by `P GT|LT value`, and so on.
 *   Records with equal values therefore come in HubSpot's order inside a window and in id order in a
 *   TIE phase; OData leaves that order to the service. Values are compared as HubSpot compares them:
 *   numbers as doubles, dates and datetimes as epoch milliseconds.
 */
#ifndef hubspot__scan_h
#define hubspot__scan_h

#include <stdint.h>
#include <jansson.h>
#include "odata/odata.h"

#define HS_SEARCH_PAGE 200
#define HS_LIST_PAGE 100
#define HS_SEARCH_CAP 10000

/* How HubSpot sorts a property; HS_SORT_NONE: not in OData's order (strings sort case-insensitively). */
typedef enum en_hs_sort_kind_t { HS_SORT_NONE, HS_SORT_ID, HS_SORT_NUMBER, HS_SORT_DATE, HS_SORT_DATETIME } hs_sort_kind_t;

/** How HubSpot sorts `p` given the object's property metadata (`hs_props`, the cached `results` array). */
hs_sort_kind_t hs_sort_kind(const odata_property_t *p, json_t *hs_props);

#define HS_CURSOR_MAX 256 /* a paging cursor is shorter than this */

/** Reads an id as HubSpot writes it: 1 to 18 digits without a leading zero. Returns 0 or -1. */
int hs_id_parse(const char *s, int64_t *id);
/** Whether c[0..n) can be a paging cursor kept in a position: printable ASCII without '|', '~' or spaces. */
int hs_cursor_ok(const char *c, size_t n);
/**
 * The paging cursor of a list page (`doc`, with `nresults` records): NULL on the last page. Returns -1
 * (with a message in err) when the cursor is malformed or a page without records says more follow.
 */
int hs_page_after(json_t *doc, size_t nresults, json_t **after, char *err, size_t errlen);

typedef enum en_hs_scan_mode_t { HS_SCAN_LIST, HS_SCAN_KEYSET, HS_SCAN_ORDERED } hs_scan_mode_t;
typedef enum en_hs_scan_phase_t { HS_PHASE_MAIN, HS_PHASE_NULLS, HS_PHASE_WINDOW, HS_PHASE_TIE, HS_PHASE_DONE } hs_scan_phase_t;

#define HS_SCAN_VALUE_MAX 64

typedef struct st_hs_scan_t {
    /* set by hs_scan_init */
    hs_scan_mode_t mode;
    char object[128];
    const char *properties; /* comma-separated HubSpot property names (borrowed) */
    json_t *groups;         /* the planned filterGroups (arrays of filters), borrowed; NULL: none */
    char sort_prop[128];    /* ORDERED: HubSpot's name of P; KEYSET: "hs_object_id" */
    hs_sort_kind_t sort_kind;
    int descending;
    int limit;    /* page size of search requests; 0: HS_SEARCH_PAGE */
    int64_t cap;  /* results a search pages through at most; 0: HS_SEARCH_CAP */
    int64_t need; /* the reader stops after this many records (-1: unknown), so a first page that holds them is the last */
    /* position */
    hs_scan_phase_t phase;
    char cursor[260];                   /* LIST: `after`; KEYSET/NULLS/TIE: the last id; "" at the start */
    char bound[HS_SCAN_VALUE_MAX];      /* WINDOW: values beyond this one; "" = HAS_PROPERTY. TIE: the value */
    int64_t offset;                     /* WINDOW: records of this window read so far */
    char window_end[HS_SCAN_VALUE_MAX]; /* WINDOW: the window ends before this value; "" = at its end */
    int probing;                        /* WINDOW: the next request is the probe */
    json_t *held;                       /* WINDOW: the first page, kept while the probe is out */
    int64_t total;                      /* `total` of the last search answer, -1 if none */
} hs_scan_t;

/**
 * Starts a scan of `object` reading `properties` with the planned `groups`. `sort_kind` HS_SORT_NUMBER,
 * HS_SORT_DATE or HS_SORT_DATETIME makes it ORDERED by `sort_prop`; HS_SORT_ID makes it KEYSET in the
 * given direction; HS_SORT_NONE makes it KEYSET when `use_search` or `groups` is set, else LIST.
 * Returns 0, or -1 when a name is too long.
 */
int hs_scan_init(hs_scan_t *s, const char *object, const char *properties, json_t *groups, int use_search, const char *sort_prop,
                 hs_sort_kind_t sort_kind, int descending);
/** Releases what the scan holds. */
void hs_scan_dispose(hs_scan_t *s);
/** Whether the scan has read everything. */
int hs_scan_done(const hs_scan_t *s);

/**
 * The next request: `path` (from /crm/..., with its query string, NUL-terminated) and, for a search, the
 * JSON `*body` (malloc'ed; NULL for a GET). Returns 0, or -1 when out of memory or the scan is done.
 */
int hs_scan_request(hs_scan_t *s, odata_buf_t *path, char **body);

/**
 * Takes HubSpot's answer to the last request. On success returns 0 and sets `*rows` to a new array of
 * the records that belong to the result next, in order (possibly empty, e.g. while a probe is out);
 * the scan is then at its next request or done. Returns -1 with `err` filled when the answer is not in
 * the expected form (not JSON, records out of order, a bad cursor), or when out of memory.
 */
int hs_scan_take(hs_scan_t *s, const char *body, size_t len, json_t **rows, char *err, size_t errlen);

/** Writes the position as text (no '|', no NUL) to resume from with hs_scan_restore. */
odata_err_t hs_scan_save(const hs_scan_t *s, odata_buf_t *out);
/** Restores a position written by hs_scan_save for a scan initialised the same way. Returns 0 or -1. */
int hs_scan_restore(hs_scan_t *s, const char *text);

#endif
