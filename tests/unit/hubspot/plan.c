/* tests hubspot/plan.c: an OData $filter in, HubSpot's filterGroups and whether a residual is needed out */
#include <stdlib.h>
#include <string.h>
#include "hubspot/hubspot.h"
#include "hubspot/plan.h"
#include "test.h"

static const char props[] = "[{\"name\":\"email\",\"type\":\"string\",\"fieldType\":\"text\"},"
                            "{\"name\":\"num_employees\",\"type\":\"number\",\"fieldType\":\"number\"},"
                            "{\"name\":\"createdate\",\"type\":\"datetime\",\"fieldType\":\"date\"},"
                            "{\"name\":\"date_of_birth\",\"type\":\"date\",\"fieldType\":\"date\"},"
                            "{\"name\":\"hs_email_optout\",\"type\":\"bool\",\"fieldType\":\"booleancheckbox\"},"
                            "{\"name\":\"interests\",\"type\":\"enumeration\",\"fieldType\":\"checkbox\"},"
                            "{\"name\":\"lifecyclestage\",\"type\":\"enumeration\",\"fieldType\":\"select\"},"
                            "{\"name\":\"ratio\",\"type\":\"number\",\"fieldType\":\"number\"},"
                            "{\"name\":\"phone\",\"type\":\"phone_number\",\"fieldType\":\"phonenumber\"}]";

static const struct {
    const char *filter;
    const char *groups; /* compact JSON, or NULL: nothing pushed */
    int exact;
} cases[] = {
    {"num_employees gt 10", "[[{\"propertyName\":\"num_employees\",\"operator\":\"GTE\",\"value\":\"10\"}]]", 0},
    {"10 lt num_employees", "[[{\"propertyName\":\"num_employees\",\"operator\":\"GTE\",\"value\":\"10\"}]]", 0},
    {"num_employees ge -3", "[[{\"propertyName\":\"num_employees\",\"operator\":\"GTE\",\"value\":\"-3\"}]]", 0},
    {"num_employees lt 2.50", "[[{\"propertyName\":\"num_employees\",\"operator\":\"LTE\",\"value\":\"2.5\"}]]", 0},
    {"num_employees le 7", "[[{\"propertyName\":\"num_employees\",\"operator\":\"LTE\",\"value\":\"7\"}]]", 0},
    {"num_employees eq 7", "[[{\"propertyName\":\"num_employees\",\"operator\":\"EQ\",\"value\":\"7\"}]]", 0},
    {"num_employees ne 7", NULL, 0},
    {"num_employees eq null", "[[{\"propertyName\":\"num_employees\",\"operator\":\"NOT_HAS_PROPERTY\"}]]", 1},
    {"num_employees ne null", "[[{\"propertyName\":\"num_employees\",\"operator\":\"HAS_PROPERTY\"}]]", 1},
    {"email eq null", "[[{\"propertyName\":\"email\",\"operator\":\"NOT_HAS_PROPERTY\"}]]", 0},
    {"email ne null", NULL, 0},
    {"email eq 'A@x.test'", "[[{\"propertyName\":\"email\",\"operator\":\"EQ\",\"value\":\"A@x.test\"}]]", 0},
    {"email ne 'x'", NULL, 0},
    {"email gt 'x'", NULL, 0},
    {"phone eq '+1 555'", "[[{\"propertyName\":\"phone\",\"operator\":\"EQ\",\"value\":\"+1 555\"}]]", 0},
    {"interests eq 'TRAVEL'", NULL, 0},
    {"lifecyclestage eq 'lead'", "[[{\"propertyName\":\"lifecyclestage\",\"operator\":\"EQ\",\"value\":\"lead\"}]]", 0},
    {"createdate gt 2024-01-01T00:00:00Z", "[[{\"propertyName\":\"createdate\",\"operator\":\"GTE\",\"value\":\"1704067200000\"}]]",
     0},
    {"createdate le 2024-01-01T02:00:00.0005+02:00",
     "[[{\"propertyName\":\"createdate\",\"operator\":\"LTE\",\"value\":\"1704067200001\"}]]", 0},
    {"createdate eq 2024-01-01T00:00:00Z",
     "[[{\"propertyName\":\"createdate\",\"operator\":\"BETWEEN\",\"value\":\"1704067200000\",\"highValue\":\"1704067200000\"}]]",
     0},
    {"date_of_birth eq 2000-01-02",
     "[[{\"propertyName\":\"date_of_birth\",\"operator\":\"BETWEEN\",\"value\":\"946771200000\",\"highValue\":\"946857599999\"}]]",
     0},
    {"date_of_birth lt 2000-01-02", "[[{\"propertyName\":\"date_of_birth\",\"operator\":\"LTE\",\"value\":\"946857599999\"}]]", 0},
    {"hs_email_optout", "[[{\"propertyName\":\"hs_email_optout\",\"operator\":\"EQ\",\"value\":\"true\"}]]", 1},
    {"hs_email_optout eq false", "[[{\"propertyName\":\"hs_email_optout\",\"operator\":\"EQ\",\"value\":\"false\"}]]", 1},
    {"num_employees in (1, 2, 3)", "[[{\"propertyName\":\"num_employees\",\"operator\":\"IN\",\"values\":[\"1\",\"2\",\"3\"]}]]",
     0},
    {"email in ('a', 'B')", "[[{\"propertyName\":\"email\",\"operator\":\"IN\",\"values\":[\"a\",\"B\"]}]]", 0},
    {"id eq '123'", "[[{\"propertyName\":\"hs_object_id\",\"operator\":\"EQ\",\"value\":\"123\"}]]", 1},
    {"id gt '123'", NULL, 0},
    {"id eq '0104'", NULL, 0},
    {"id eq '104x'", NULL, 0},
    {"id in ('104', 'abc', '0105')", "[[{\"propertyName\":\"hs_object_id\",\"operator\":\"IN\",\"values\":[\"104\"]}]]", 0},
    {"num_employees gt 1 and num_employees lt 9",
     "[[{\"propertyName\":\"num_employees\",\"operator\":\"GTE\",\"value\":\"1\"},"
     "{\"propertyName\":\"num_employees\",\"operator\":\"LTE\",\"value\":\"9\"}]]",
     0},
    {"num_employees eq 1 or num_employees eq 2",
     "[[{\"propertyName\":\"num_employees\",\"operator\":\"EQ\",\"value\":\"1\"}],"
     "[{\"propertyName\":\"num_employees\",\"operator\":\"EQ\",\"value\":\"2\"}]]",
     0},
    {"(num_employees eq 1 or num_employees eq 2) and (hs_email_optout or ratio gt 0)",
     "[[{\"propertyName\":\"num_employees\",\"operator\":\"EQ\",\"value\":\"1\"},"
     "{\"propertyName\":\"hs_email_optout\",\"operator\":\"EQ\",\"value\":\"true\"}],"
     "[{\"propertyName\":\"num_employees\",\"operator\":\"EQ\",\"value\":\"1\"},"
     "{\"propertyName\":\"ratio\",\"operator\":\"GTE\",\"value\":\"0\"}],"
     "[{\"propertyName\":\"num_employees\",\"operator\":\"EQ\",\"value\":\"2\"},"
     "{\"propertyName\":\"hs_email_optout\",\"operator\":\"EQ\",\"value\":\"true\"}],"
     "[{\"propertyName\":\"num_employees\",\"operator\":\"EQ\",\"value\":\"2\"},"
     "{\"propertyName\":\"ratio\",\"operator\":\"GTE\",\"value\":\"0\"}]]",
     0},
    {"num_employees gt 1 and contains(email, 'x')", "[[{\"propertyName\":\"num_employees\",\"operator\":\"GTE\",\"value\":\"1\"}]]",
     0},
    {"num_employees gt 1 or contains(email, 'x')", NULL, 0},
    {"not (num_employees gt 5)", NULL, 0},
    {"contains(email, 'x')", NULL, 0},
    {"num_employees add 1 gt 5", NULL, 0},
    /* six groups pass HubSpot's five */
    {"ratio eq 1 or ratio eq 2 or ratio eq 3 or ratio eq 4 or ratio eq 5 or ratio eq 6", NULL, 0},
    /* six filters in one group leave no room for the keyset filter: the larger side is kept */
    {"ratio gt 1 and ratio gt 2 and ratio gt 3 and ratio gt 4 and ratio gt 5 and ratio gt 6",
     "[[{\"propertyName\":\"ratio\",\"operator\":\"GTE\",\"value\":\"1\"},{\"propertyName\":\"ratio\",\"operator\":\"GTE\","
     "\"value\":"
     "\"2\"},"
     "{\"propertyName\":\"ratio\",\"operator\":\"GTE\",\"value\":\"3\"},{\"propertyName\":\"ratio\",\"operator\":\"GTE\",\"value\":"
     "\"4\"},"
     "{\"propertyName\":\"ratio\",\"operator\":\"GTE\",\"value\":\"5\"}]]",
     0},
};

int main(void)
{
    odata_model_t *m = odata_model_create("HubSpot", "Default");
    odata_entity_set_t *set = odata_model_add_set(m, "contacts", "contact", "contacts", "id", "hs_object_id");
    json_t *hs_props = json_loads(props, 0, NULL);
    hs_search_limits_t lim;
    odata_query_limits_t qlim;

    odata_set_add_property(set, "email", "email", ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "num_employees", "num_employees", ODATA_TYPE_DECIMAL, NULL);
    odata_set_add_property(set, "createdate", "createdate", ODATA_TYPE_DATETIMEOFFSET, NULL);
    odata_set_add_property(set, "date_of_birth", "date_of_birth", ODATA_TYPE_DATE, NULL);
    odata_set_add_property(set, "hs_email_optout", "hs_email_optout", ODATA_TYPE_BOOLEAN, NULL);
    odata_set_add_property(set, "interests", "interests", ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "lifecyclestage", "lifecyclestage", ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "ratio", "ratio", ODATA_TYPE_DECIMAL, NULL);
    odata_set_add_property(set, "phone", "phone", ODATA_TYPE_STRING, NULL);
    hs_search_limits_default(&lim);
    odata_query_limits_default(&qlim);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        char raw[1024], *p = raw;
        odata_query_t *q = NULL;
        odata_query_error_t err;
        hs_plan_t plan;

        /* percent-encode what a URL cannot carry */
        p += snprintf(p, sizeof(raw), "$filter=");
        for (const char *c = cases[i].filter; *c != '\0'; ++c) {
            if (*c == ' ' || *c == '+' || *c == '\'' || *c == '(' || *c == ')' || *c == ',' || *c == ':')
                p += sprintf(p, "%%%02X", (unsigned char)*c);
            else
                *p++ = *c;
        }
        *p = '\0';
        if (odata_query_parse(set, raw, strlen(raw), &qlim, &q, &err) != ODATA_OK) {
            ok(0, "%s: parses (%d %s)", cases[i].filter, err.status, err.message);
            continue;
        }
        ok(hs_plan_filter(q->filter, hs_props, &lim, 1, &plan) == 0, "%s: planned", cases[i].filter);
        char *got = plan.groups != NULL ? json_dumps(plan.groups, JSON_COMPACT) : NULL;
        is_str(got, cases[i].groups, "%s: filterGroups", cases[i].filter);
        ok(plan.exact == cases[i].exact, "%s: %s", cases[i].filter, cases[i].exact ? "exact, no residual" : "residual needed");
        free(got);
        hs_plan_dispose(&plan);
        odata_query_destroy(q);
    }
    {
        hs_plan_t plan;
        ok(hs_plan_filter(NULL, hs_props, &lim, 1, &plan) == 0 && plan.groups == NULL && plan.exact,
           "no filter: exact, nothing pushed");
    }
    json_decref(hs_props);
    odata_model_destroy(m);
    return test_done();
}
