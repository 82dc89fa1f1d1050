/*
 * A split list scan: the objects endpoint read as several id ranges at once, so that a large feed
 * keeps several requests on the wire while HubSpot takes ~150 ms to answer each, and runs at the
 * portal's rate limit instead of at one round trip per page.
 *
 * The first part starts without a cursor. Its first answer tells how HubSpot's `after` cursor relates
 * to record ids: HubSpot's list cursor is the id the next page starts at (`after` = N reads ids >= N),
 * or, should it be the last id read, ids > N. When the cursor is neither (not a number, or behind the
 * page) the scan never splits and reads on with HubSpot's cursors, one page at a time. A probe (one
 * search sorted by id, descending, limit 1) gives the highest id. The range from the first part's
 * position to that id is then cut into parts of equal width; the last part has no end, so records
 * created during the read are not missed. Each part reads with `after` from its start and drops the
 * records at or past its end; when a part finishes, the part with the most left to read is cut in two,
 * while the records it still holds (estimated from the ids seen so far) fill two pages or more.
 *
 * Pages come back in whatever order HubSpot answers: a feed without $orderby promises no order. Every
 * record is read exactly once: parts never overlap, each answer's ids must be ascending and inside its
 * part, and a part ends only at its end or at HubSpot's last page. The position (every unfinished
 * part) is saved as text for a $skiptoken. Pure: the caller performs the requests.
 */
#ifndef hubspot__split_h
#define hubspot__split_h

#include <stdint.h>
#include <jansson.h>
#include "hubspot/scan.h"
#include "odata/odata.h"

#define HS_SPLIT_MAX 8      /* parts at most */
#define HS_SPLIT_PROBE (-1) /* the ticket of the probe */

typedef struct st_hs_split_part_t {
    int live;                   /* the slot holds an unfinished part */
    int busy;                   /* a request for it is out */
    uint64_t from;              /* the next id to read; 0 with `cursor`: HubSpot's own cursor (or none yet) */
    uint64_t to;                /* ids below this one; 0: no end */
    char cursor[HS_CURSOR_MAX]; /* the first part before the split: HubSpot's cursor, "" at the start */
} hs_split_part_t;

typedef struct st_hs_split_t {
    char object[128];
    const char *properties; /* comma-separated, URL-encoded (borrowed) */
    unsigned want;          /* parts to keep reading at once (1: never split) */
    int inclusive;          /* -1 unknown; 1: `after`=N reads ids >= N; 0: ids > N; -2: cursors are not ids */
    int64_t max_id;         /* the highest id when the probe answered; -1 unknown */
    int probe;              /* 0 not sent, 1 out, 2 answered */
    uint64_t rows, span;    /* records read and the id span they came from, for estimates */
    unsigned splits;        /* parts cut in two so far */
    hs_split_part_t parts[HS_SPLIT_MAX];
} hs_split_t;

/** Starts a scan of `object` reading `properties`, `want` parts at once (1..HS_SPLIT_MAX). Returns 0 or -1. */
int hs_split_init(hs_split_t *s, const char *object, const char *properties, unsigned want);
/** Whether every record has been read (a probe may still be out; its answer no longer matters). */
int hs_split_done(const hs_split_t *s);
/** Requests out (parts and the probe). */
unsigned hs_split_busy(const hs_split_t *s);

/**
 * The next request to send, if any: the probe when it is due, else (when `parts_allowed`) a part with
 * no request out, lowest ids first. Fills `path` (NUL-terminated) and `*body` (malloc'ed JSON for the
 * probe, NULL for a GET) and `*ticket` (the part's slot or HS_SPLIT_PROBE). Returns 1 when a request was
 * made, 0 when none is due, -1 when out of memory.
 */
int hs_split_next(hs_split_t *s, int parts_allowed, int *ticket, odata_buf_t *path, char **body);
/**
 * Takes HubSpot's answer for `ticket`: `*rows` gets a new array of the records that belong to the
 * result (NULL for the probe). Returns 0, or -1 with `err` filled when the answer is not what the scan
 * expects (not JSON, ids out of order or outside the part, a bad cursor).
 */
int hs_split_take(hs_split_t *s, int ticket, const char *body, size_t len, json_t **rows, char *err, size_t errlen);
/** Forgets the request out for `ticket` (cancelled): the part reads the same page again. */
void hs_split_abandon(hs_split_t *s, int ticket);

/** Writes the position (no '|', no NUL); starts with 'S'. */
odata_err_t hs_split_save(const hs_split_t *s, odata_buf_t *out);
/** Restores a position written by hs_split_save into a scan initialised the same way. Returns 0 or -1. */
int hs_split_restore(hs_split_t *s, const char *text);

#endif
