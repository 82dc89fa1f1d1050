/*
 * odata: the OData v4 side of the gateway. Pure code: no I/O, no event loop, no knowledge of
 * HubSpot. It owns the EDM model of a data source, the CSDL ($metadata) and service documents,
 * OData error bodies, and the JSON encoding of entity values.
 */
#ifndef odata__odata_h
#define odata__odata_h

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define ODATA_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ODATA_PRINTF(a, b)
#endif

typedef enum en_odata_err_t {
    ODATA_OK = 0,
    ODATA_ERR_NOMEM = -1,     /* allocation failed */
    ODATA_ERR_TOO_LARGE = -2, /* a bounded buffer would pass its maximum */
    ODATA_ERR_INVALID = -3,   /* the input does not conform (e.g. a value not of its type) */
} odata_err_t;

/* ---- bounded buffer (every buffer fed by a client or by HubSpot has a hard cap) ---- */

typedef struct st_odata_buf_t {
    char *base; /* NULL until the first append; afterwards base[len] is always '\0' (not counted in len) */
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len; appends past it fail with ODATA_ERR_TOO_LARGE */
} odata_buf_t;

/** Initialises an empty buffer that may grow up to `max` bytes. Allocates nothing yet. */
void odata_buf_init(odata_buf_t *b, size_t max);
/** Frees the memory of the buffer; it may be initialised again. */
void odata_buf_dispose(odata_buf_t *b);
/** Empties the buffer, keeping its memory. */
void odata_buf_reset(odata_buf_t *b);
/** Appends n bytes. On failure the buffer is unchanged. */
odata_err_t odata_buf_append(odata_buf_t *b, const void *p, size_t n);
/** Appends a NUL-terminated string. */
odata_err_t odata_buf_appends(odata_buf_t *b, const char *s);
/** Appends formatted text. On failure the buffer is unchanged. */
odata_err_t odata_buf_appendf(odata_buf_t *b, const char *fmt, ...) ODATA_PRINTF(2, 3);

/* ---- EDM model ---- */

typedef enum en_odata_type_t {
    ODATA_TYPE_STRING,
    ODATA_TYPE_BOOLEAN,
    ODATA_TYPE_INT64,
    ODATA_TYPE_DECIMAL,
    ODATA_TYPE_DOUBLE,
    ODATA_TYPE_DATE,
    ODATA_TYPE_DATETIMEOFFSET,
} odata_type_t;

/** The qualified EDM name of a type, e.g. "Edm.String". Static storage; NULL for a value not in the enum. */
const char *odata_type_name(odata_type_t type);

typedef struct st_odata_property_t {
    char *name;   /* OData name: a SimpleIdentifier, unique within its entity type */
    char *source; /* the name of the property in the upstream system */
    char *label;  /* human-readable label (Core.Description), may be NULL */
    odata_type_t type;
    int nullable;
    int sortable; /* $orderby accepts it (when the model's capabilities say sortable); 0 after adding */
} odata_property_t;

typedef struct st_odata_entity_set_t {
    char *name;              /* entity set name, a SimpleIdentifier, e.g. "contacts" */
    char *type_name;         /* entity type name, a SimpleIdentifier, e.g. "contact" */
    char *source;            /* upstream object type, e.g. "contacts" or "2-1234" */
    odata_property_t *props; /* props[0] is the key (String, not nullable) */
    size_t nprops;
    size_t _cap;
} odata_entity_set_t;

/* What the service supports on every entity set, written to $metadata as Org.OData.Capabilities.V1
 * annotations so that clients (Power BI) fold only what is served. */
typedef struct st_odata_capabilities_t {
    int annotate;                                           /* write the annotations at all */
    int filterable, sortable, top, skip, countable, select; /* sortable: by the properties marked sortable */
} odata_capabilities_t;

typedef struct st_odata_model_t {
    char *namespace_; /* schema namespace, e.g. "HubSpot" */
    char *container;  /* entity container name, e.g. "Default" */
    odata_entity_set_t *sets;
    size_t nsets;
    size_t _cap;
    odata_capabilities_t capabilities; /* zero after odata_model_create: no annotations */
} odata_model_t;

/**
 * Creates an empty model (new reference). Returns NULL when out of memory, or when `namespace_` is not a
 * namespace (SimpleIdentifiers separated by dots, at most 511 characters, none of the reserved "Edm", "odata",
 * "System", "Transient", nor "Core" / "Org.OData.Core.V1" which $metadata references) or `container` is not
 * a SimpleIdentifier.
 */
odata_model_t *odata_model_create(const char *namespace_, const char *container);
/** Frees the model and everything in it. */
void odata_model_destroy(odata_model_t *m);
/**
 * Adds an entity set whose key property is `key_name` (Edm.String, not nullable, source `key_source`).
 * Names are copied; a NULL `source` / `key_source` means the same as `name` / `key_name`. Returns the set
 * (borrowed; valid until the next add to this model) or NULL when out of memory or when `name` /
 * `type_name` / `key_name` is not a valid SimpleIdentifier, or `name` is already a set's name, or
 * `type_name` is already a type's name or the container's name.
 */
odata_entity_set_t *odata_model_add_set(odata_model_t *m, const char *name, const char *type_name, const char *source,
                                        const char *key_name, const char *key_source);
/**
 * Adds a property, nullable. Names and label are copied; a NULL `source` means `name`; `label` may be NULL.
 * Returns the property (borrowed; valid until the next add to this set) or NULL when out of memory or
 * when `name` is invalid or already used in the set (case-sensitive), or `type` is not in the enum.
 */
odata_property_t *odata_set_add_property(odata_entity_set_t *set, const char *name, const char *source, odata_type_t type,
                                         const char *label);
/** Finds an entity set by name (exact, case-sensitive). Borrowed or NULL. */
const odata_entity_set_t *odata_model_find_set(const odata_model_t *m, const char *name, size_t len);
/** Finds a property by OData name (exact, case-sensitive). Borrowed or NULL. */
const odata_property_t *odata_set_find_property(const odata_entity_set_t *set, const char *name, size_t len);
/** Non-zero when s[0..len) is an OData SimpleIdentifier (letter or '_' then letters, digits, '_'; at most 128). */
int odata_is_identifier(const char *s, size_t len);
/**
 * Writes into `out` (at most outsz bytes incl. NUL) an identifier derived from an arbitrary name: invalid
 * characters become '_' (one per UTF-8 character or ill-formed subsequence), a leading digit
 * gets a '_' prefix, empty or NULL becomes "_"; the result is cut to 128 characters. With outsz >= 2 the
 * result is always a SimpleIdentifier. Returns `out`.
 */
char *odata_make_identifier(const char *s, char *out, size_t outsz);

/* ---- documents ---- */

/**
 * Appends the CSDL XML ($metadata, OData 4.0, valid against the OASIS edmx.xsd) of the model. Labels become
 * Core.Description annotations (ill-formed UTF-8 and characters XML cannot carry become U+FFFD); a model
 * without entity sets has no EntityContainer (the schema requires one child at least). On failure the buffer
 * is unchanged; ODATA_ERR_INVALID when `m` is NULL.
 */
odata_err_t odata_csdl_write(const odata_model_t *m, odata_buf_t *out);
/**
 * Appends the JSON service document. `metadata_url` is the absolute URL of $metadata, used as the
 * @odata.context ("<metadata_url>"); entity set URLs are relative. On failure the buffer is unchanged;
 * ODATA_ERR_INVALID when `m` is NULL.
 */
odata_err_t odata_service_document(const odata_model_t *m, const char *metadata_url, odata_buf_t *out);
/**
 * Appends an OData JSON error body: {"error":{"code":..,"message":..[,"target":..]}}. `target` may be NULL
 * (no "target" member); a NULL `code` or `message` is written as "". On failure the buffer is unchanged.
 */
odata_err_t odata_error_json(odata_buf_t *out, const char *code, const char *message, const char *target);

/* ---- JSON encoding ---- */

/**
 * Appends s[0..len) as a JSON string with quotes. Invalid UTF-8 sequences become U+FFFD (one per maximal
 * ill-formed subpart: overlong forms, encoded surrogates, values past U+10FFFF, truncated sequences);
 * control characters, quotes and backslashes are escaped, and so are U+2028 and U+2029; "/" is not.
 * s == NULL writes "". On failure the buffer is unchanged.
 */
odata_err_t odata_json_string(odata_buf_t *out, const char *s, size_t len);
/**
 * Appends the JSON value of type `type` given its upstream text form s[0..len). s == NULL means null,
 * and so does an empty string for every type but String. Normal forms written:
 *  - String: a JSON string.
 *  - Boolean: true/false from "true"/"false" (any case).
 *  - Int64: -?digits('.'0+)?, leading zeros allowed ("007" -> 7, "12.0" -> 12), in the int64 range.
 *  - Decimal/Double: [+-]?(digits['.'[digits]] | '.'digits)([eE][+-]?digits)?, |exponent| <= 400, written
 *    exactly (decimal digits moved, never rounded) as a JSON number never in exponent form (e.g. "1.5e3" ->
 *    1500, "-.5" -> -0.5, "+7" -> 7, "1E-2" -> 0.01, "-0" -> 0), without leading zeros or trailing
 *    fractional zeros ("12.50" -> 12.5). Double also refuses magnitudes past DBL_MAX, and takes
 *    "NaN", "INF", "Infinity" (any case, INF with an optional sign), written as "NaN"/"INF"/"-INF" strings.
 *  - Date: "YYYY-MM-DD" from "YYYY-MM-DD" (as written), from an ISO datetime at any time (its UTC date) or
 *    from epoch milliseconds.
 *  - DateTimeOffset: "YYYY-MM-DDThh:mm:ss.sss" then Z or the offset, from ISO text (a missing offset means
 *    UTC and gets Z; an offset is kept as given; fractional seconds are truncated or padded to exactly 3
 *    digits, matching the Precision="3" that $metadata declares; a date alone is its midnight UTC) or from
 *    epoch milliseconds (written with Z).
 *  ISO text is YYYY-MM-DD[Thh:mm[:ss[.f+]][Z|+hh:mm|-hh:mm]] ('t'/'z' also taken) with a real calendar date,
 *  hh < 24, mm < 60, ss < 60 and an offset of at most 14:00; text of digits only, with an optional '-', is
 *  epoch milliseconds. The instant (in UTC) must lie in years 0001-9999.
 * Returns ODATA_ERR_INVALID (buffer unchanged) when the text is not a value of the type, ODATA_ERR_TOO_LARGE
 * (buffer unchanged) when the value does not fit.
 */
odata_err_t odata_json_value(odata_buf_t *out, odata_type_t type, const char *s, size_t len);

/* ---- feed envelope ---- */

/** Appends `{"@odata.context":"<context_url>","value":[` (the URL JSON-escaped). On failure the buffer is unchanged. */
odata_err_t odata_feed_begin(odata_buf_t *out, const char *context_url);
/** Like odata_feed_begin, with `"@odata.count":<count>` before the value when count >= 0. */
odata_err_t odata_feed_begin_count(odata_buf_t *out, const char *context_url, int64_t count);
/**
 * Appends `]` then `,"@odata.nextLink":"<next_link>"` when next_link is not NULL, then `}`. On failure the
 * buffer is unchanged.
 */
odata_err_t odata_feed_end(odata_buf_t *out, const char *next_link);

#endif
