/* tests hubspot/model.c: property metadata to the EDM model, HubSpot records to OData entities */
#include <string.h>
#include "hubspot/hubspot.h"
#include "test.h"

static const char props_contacts[] =
    "{\"results\":["
    "{\"name\":\"email\",\"label\":\"Email\",\"type\":\"string\",\"fieldType\":\"text\"},"
    "{\"name\":\"num_employees\",\"label\":\"Employees\",\"type\":\"number\",\"fieldType\":\"number\"},"
    "{\"name\":\"date_of_birth\",\"label\":\"Birthday\",\"type\":\"date\",\"fieldType\":\"date\"},"
    "{\"name\":\"createdate\",\"label\":\"Created\",\"type\":\"datetime\",\"fieldType\":\"date\"},"
    "{\"name\":\"hs_email_optout\",\"label\":\"Opted out\",\"type\":\"bool\",\"fieldType\":\"booleancheckbox\"},"
    "{\"name\":\"interests\",\"label\":\"Interests\",\"type\":\"enumeration\",\"fieldType\":\"checkbox\"},"
    "{\"name\":\"phone\",\"label\":\"Phone\",\"type\":\"phone_number\",\"fieldType\":\"phonenumber\"},"
    "{\"name\":\"hs_object_id\",\"label\":\"Record ID\",\"type\":\"number\",\"fieldType\":\"number\"}"
    "]}";

static odata_buf_t body_of(const char *s)
{
    odata_buf_t b;
    odata_buf_init(&b, 1 << 20);
    odata_buf_appends(&b, s);
    return b;
}

static const char *write_record(const odata_entity_set_t *set, const char *json, odata_buf_t *out, char *err, size_t errlen)
{
    json_t *rec = json_loads(json, 0, NULL);
    odata_buf_reset(out);
    odata_err_t r = hs_record_write(set, rec, out, err, errlen);
    json_decref(rec);
    if (r != ODATA_OK)
        return NULL;
    odata_buf_append(out, "", 1);
    return out->base;
}

int main(void)
{
    h2o_evloop_t *evloop = h2o_evloop_create();
    hs_loop_t *loop = hs_loop_create(evloop);
    hs_client_config_t cfg = {
        .base_url = "http://127.0.0.1:1", .client_id = "id", .client_secret = "secret", .timeout_ms = 1000, .max_body = 1 << 20};
    hs_client_t *c = hs_client_create(loop, &cfg);
    char err[256];
    odata_buf_t body = body_of(props_contacts), out;
    odata_buf_init(&out, 1 << 20);

    ok(hs_properties_cached(c, 1, "contacts") == NULL, "nothing cached at first");
    ok(hs_properties_store(c, 1, "contacts", &body, err, sizeof(err)) == 0, "properties stored");
    ok(hs_properties_cached(c, 1, "contacts") != NULL, "cached for the portal");
    ok(hs_properties_cached(c, 2, "contacts") == NULL, "not for another portal");
    {
        odata_buf_t bad = body_of("{\"results\":[{\"label\":\"no name\"}]}");
        ok(hs_properties_store(c, 1, "companies", &bad, err, sizeof(err)) != 0, "an entry without name is refused: %s", err);
        odata_buf_dispose(&bad);
        bad = body_of("<html>");
        ok(hs_properties_store(c, 1, "companies", &bad, err, sizeof(err)) != 0, "a body that is not JSON is refused");
        odata_buf_dispose(&bad);
    }

    /* every property */
    json_t *def = json_loads("{\"objects\":[{\"object\":\"contacts\"}]}", 0, NULL);
    odata_model_t *m = hs_model_build(c, 1, def, err, sizeof(err));
    ok(m != NULL, "model built");
    const odata_entity_set_t *set = odata_model_find_set(m, "contacts", 8);
    ok(set != NULL && strcmp(set->type_name, "contact") == 0, "entity set contacts of type contact");
    ok(set->nprops == 9, "key plus every property (%zu)", set->nprops);
    is_str(set->props[0].name, "id", "key is id");
    ok(odata_set_find_property(set, "num_employees", 13)->type == ODATA_TYPE_DECIMAL, "number -> Decimal");
    ok(odata_set_find_property(set, "date_of_birth", 13)->type == ODATA_TYPE_DATE, "date -> Date");
    ok(odata_set_find_property(set, "createdate", 10)->type == ODATA_TYPE_DATETIMEOFFSET, "datetime -> DateTimeOffset");
    ok(odata_set_find_property(set, "hs_email_optout", 15)->type == ODATA_TYPE_BOOLEAN, "bool -> Boolean");
    ok(odata_set_find_property(set, "interests", 9)->type == ODATA_TYPE_STRING, "enumeration -> String");
    ok(odata_set_find_property(set, "phone", 5)->type == ODATA_TYPE_STRING, "phone_number -> String");
    odata_model_destroy(m);
    json_decref(def);

    /* a selection */
    def = json_loads("{\"objects\":[{\"object\":\"contacts\",\"properties\":[\"email\",\"createdate\",\"num_employees\",\"hs_email_"
                     "optout\",\"date_of_birth\"]}]}",
                     0, NULL);
    m = hs_model_build(c, 1, def, err, sizeof(err));
    set = m != NULL ? odata_model_find_set(m, "contacts", 8) : NULL;
    ok(set != NULL && set->nprops == 6, "selected properties only");
    {
        odata_buf_t p;
        odata_buf_init(&p, 1024);
        hs_properties_param(set, &p);
        odata_buf_append(&p, "", 1);
        is_str(p.base, "email,createdate,num_employees,hs_email_optout,date_of_birth", "properties parameter in order");
        odata_buf_dispose(&p);
    }
    is_str(write_record(set,
                        "{\"id\":\"101\",\"properties\":{\"email\":\"a\\\"b@x.test\",\"createdate\":\"2023-01-05T15:22:11.307Z\","
                        "\"num_employees\":\"1.5e3\",\"hs_email_optout\":\"true\",\"date_of_birth\":\"1990-02-03\"},"
                        "\"createdAt\":\"2023-01-05T15:22:11.307Z\",\"archived\":false}",
                        &out, err, sizeof(err)),
           "{\"id\":\"101\",\"email\":\"a\\\"b@x.test\",\"createdate\":\"2023-01-05T15:22:11.307Z\",\"num_employees\":1500,"
           "\"hs_email_optout\":true,\"date_of_birth\":\"1990-02-03\"}",
           "a full record, typed");
    is_str(
        write_record(set, "{\"id\":\"7\",\"properties\":{\"email\":null,\"num_employees\":\"\"}}", &out, err, sizeof(err)),
        "{\"id\":\"7\",\"email\":null,\"createdate\":null,\"num_employees\":null,\"hs_email_optout\":null,\"date_of_birth\":null}",
        "missing and empty values are null");
    ok(write_record(set, "{\"id\":\"7\",\"properties\":{\"num_employees\":\"12abc\"}}", &out, err, sizeof(err)) == NULL &&
           strstr(err, "num_employees") != NULL && strstr(err, "12abc") == NULL,
       "a value not of its type is refused, naming the property and not the value: %s", err);
    ok(out.len == 0, "and nothing of the record is left in the buffer");
    ok(write_record(set, "{\"properties\":{}}", &out, err, sizeof(err)) == NULL, "a record without id is refused");
    ok(write_record(set, "{\"id\":\"1\",\"properties\":{\"email\":5}}", &out, err, sizeof(err)) == NULL,
       "a value that is not a string is refused");
    odata_model_destroy(m);
    json_decref(def);

    def = json_loads("{\"objects\":[{\"object\":\"contacts\",\"properties\":[\"no_such\"]}]}", 0, NULL);
    ok(hs_model_build(c, 1, def, err, sizeof(err)) == NULL && strstr(err, "no_such") != NULL, "an unknown property: %s", err);
    json_decref(def);
    def = json_loads("{\"objects\":[{\"object\":\"deals\"}]}", 0, NULL);
    ok(hs_model_build(c, 1, def, err, sizeof(err)) == NULL, "an object whose properties are not loaded: %s", err);
    json_decref(def);
    def = json_loads("{\"objects\":[{\"object\":\"Bad Name\"}]}", 0, NULL);
    ok(hs_model_build(c, 1, def, err, sizeof(err)) == NULL, "an invalid object name: %s", err);
    json_decref(def);
    ok(hs_object_name_valid("2-1234567") && hs_object_name_valid("line_items") && !hs_object_name_valid("") &&
           !hs_object_name_valid("a/b") && !hs_object_name_valid("Contacts"),
       "object names");

    odata_buf_dispose(&out);
    odata_buf_dispose(&body);
    hs_client_destroy(c);
    hs_loop_destroy(loop);
    h2o_evloop_run(evloop, 0); /* closes the loop's sockets */
    h2o_evloop_destroy(evloop);
    return test_done();
}
