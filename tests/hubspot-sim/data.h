/*
 * hubspot-sim: deterministic CRM records and property schemas.
 *
 * Record i of an object is a pure function of (seed, object, i): nothing is stored, so millions of records cost no
 * memory. Record ids grow with i and have gaps: id(i) = base + i * step + jitter(i) with 0 <= jitter < step.
 */
#ifndef SIM_DATA_H
#define SIM_DATA_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

typedef enum en_sim_obj_kind_t {
    SIM_OBJ_CONTACTS,
    SIM_OBJ_COMPANIES,
    SIM_OBJ_DEALS,
    SIM_OBJ_TICKETS,
    SIM_OBJ_PROJECTS, /* the portal's custom object */
    SIM_OBJ_COUNT
} sim_obj_kind_t;

/** HubSpot property types */
typedef enum en_sim_ptype_t {
    SIM_T_STRING,
    SIM_T_NUMBER,
    SIM_T_DATE,
    SIM_T_DATETIME,
    SIM_T_ENUM,
    SIM_T_BOOL,
    SIM_T_PHONE
} sim_ptype_t;

/** an option of an enumeration (or bool) property */
typedef struct st_sim_option_t {
    const char *label;
    const char *value;
    int hidden;
} sim_option_t;

/** a property definition */
typedef struct st_sim_prop_t {
    const char *name;
    const char *label;
    const char *description;
    const char *group;
    sim_ptype_t type;
    const char *field_type;
    const sim_option_t *options;
    unsigned noptions;
    unsigned char calculated;
    unsigned char hubspot_defined;
    unsigned char unique;
    unsigned char is_default; /* returned when no properties are requested */
    unsigned char searchable; /* matched by the search `query` */
    unsigned char required;   /* listed in a custom object schema's requiredProperties */
    int gen;                  /* internal generator key */
    int display_order;
} sim_prop_t;

/** a CRM object type with its configured record count */
typedef struct st_sim_object_t {
    sim_obj_kind_t kind;
    const char *name;    /* "contacts" */
    const char *type_id; /* "0-1"; "2-…" for a custom object */
    const char *singular;
    /* a custom object is addressed by type_id or fq_name and described by the schemas API; the fields after `custom` are set for
     * custom objects only */
    int custom;
    char fq_name[48];            /* fully qualified name "p<portal id>_<name>"; empty for standard objects */
    const char *schema_id;       /* the schema's numeric id */
    const char *label_singular;  /* "Project" */
    const char *label_plural;    /* "Projects" */
    const char *primary_display; /* name of the primary display property */
    char id_tag;                 /* letter used in generated e-mail addresses and references */
    uint64_t id_base;
    uint64_t id_step;
    uint64_t count;
    uint64_t seedmix;
    sim_prop_t *props; /* sorted by name */
    unsigned nprops;
    unsigned id_prop;      /* index of hs_object_id */
    uint64_t default_mask; /* properties returned when none are requested */
    uint64_t always_mask;  /* properties HubSpot always includes */
    uint64_t all_mask;
} sim_object_t;

/** a generated value: `str` points into the caller's scratch buffer or to static storage */
typedef struct st_sim_val_t {
    int present;
    const char *str;
    size_t len;
    double num; /* numbers and bools (1/0) */
    int64_t ms; /* dates and datetimes, epoch milliseconds (UTC midnight for dates) */
} sim_val_t;

/** the whole generated portal */
typedef struct st_sim_dataset_t {
    uint64_t seed;
    sim_object_t objects[SIM_OBJ_COUNT];
} sim_dataset_t;

/** scratch space a caller must provide to sim_data_value */
#define SIM_VALUE_MAX 16384

/**
 * creates the dataset (new; free with sim_dataset_destroy); counts[k] is the number of records of object kind k, portal_id
 * names the custom objects ("p<portal_id>_projects")
 */
sim_dataset_t *sim_dataset_create(uint64_t seed, uint64_t portal_id, const uint64_t counts[SIM_OBJ_COUNT]);
/** frees a dataset */
void sim_dataset_destroy(sim_dataset_t *ds);
/**
 * object as HubSpot's CRM APIs name it: a standard object by name ("contacts") or type id ("0-1"), a custom object by type
 * id ("2-7353817") or fully qualified name ("p12345_projects"); NULL if unknown (borrowed)
 */
const sim_object_t *sim_dataset_lookup(const sim_dataset_t *ds, const char *name, size_t len);
/** like sim_dataset_lookup, and also finds a custom object by its short name ("projects"), as /__sim/ names it (borrowed) */
const sim_object_t *sim_dataset_lookup_any(const sim_dataset_t *ds, const char *name, size_t len);
/** the short name of an object kind ("contacts", "projects"); static storage */
const char *sim_data_kind_name(sim_obj_kind_t kind);

/** index of a property by name, or -1 */
int sim_data_prop_index(const sim_object_t *obj, const char *name, size_t len);
/** id of record idx */
uint64_t sim_data_id(const sim_object_t *obj, uint64_t idx);
/** index of the first record whose id is >= id (obj->count when there is none) */
uint64_t sim_data_lower_bound(const sim_object_t *obj, uint64_t id);
/** finds the record with exactly this id; returns 0 and sets *idx on success, -1 otherwise */
int sim_data_find(const sim_object_t *obj, uint64_t id, uint64_t *idx);
/** creation time of record idx (epoch ms) */
int64_t sim_data_created_ms(const sim_object_t *obj, uint64_t idx);
/** last modification time of record idx (epoch ms) */
int64_t sim_data_updated_ms(const sim_object_t *obj, uint64_t idx);
/** computes property `prop` of record idx; scratch must hold SIM_VALUE_MAX bytes */
void sim_data_value(const sim_object_t *obj, unsigned prop, uint64_t idx, char *scratch, sim_val_t *out);
/**
 * appends record idx as JSON: {"id","properties":{...},"createdAt","updatedAt"[,"archived":false]}. Properties in mask
 * are written in name order; unset ones as null. scratch must hold SIM_VALUE_MAX bytes.
 */
void sim_data_write_record(sim_buf_t *b, const sim_object_t *obj, uint64_t idx, uint64_t mask, int with_archived, char *scratch);
/** name of a property type as HubSpot spells it ("string", "number", "date", "datetime", "enumeration", "bool", "phone_number") */
const char *sim_data_type_name(sim_ptype_t t);
/** appends the property definition as HubSpot's properties API returns it */
void sim_data_write_property(sim_buf_t *b, const sim_object_t *obj, const sim_prop_t *p);
/** appends a custom object's schema as HubSpot's schemas API returns it (obj->custom must be set) */
void sim_data_write_schema(sim_buf_t *b, const sim_object_t *obj);

#endif
