/*
 * tests hubspot/read.c with hubspot/scan.c: an OData query in, the exact first HubSpot request(s) and
 * whether the filter is checked on the stream out. Where a counting pass comes first, both its
 * request and the first request of the rows are given.
 */
#include <stdlib.h>
#include <string.h>
#include "hubspot/read.h"
#include "test.h"

static const char props[] = "[{\"name\":\"email\",\"type\":\"string\",\"fieldType\":\"text\"},"
                            "{\"name\":\"num_employees\",\"type\":\"number\",\"fieldType\":\"number\"},"
                            "{\"name\":\"createdate\",\"type\":\"datetime\",\"fieldType\":\"date\"},"
                            "{\"name\":\"date_of_birth\",\"type\":\"date\",\"fieldType\":\"date\"},"
                            "{\"name\":\"hs_email_optout\",\"type\":\"bool\",\"fieldType\":\"booleancheckbox\"},"
                            "{\"name\":\"lifecyclestage\",\"type\":\"enumeration\",\"fieldType\":\"select\"}]";

#define SEARCH "POST /crm/v3/objects/contacts/search "
#define LIST "GET /crm/v3/objects/contacts?limit=100&archived=false&properties="
#define BY_ID "\"sorts\":[{\"propertyName\":\"hs_object_id\",\"direction\":\"ASCENDING\"}]"

static const struct {
    const char *query;
    int count_route; /* /$count */
    int status;      /* 0, or 501 refused */
    int residual;
    const char *first; /* the first request: "METHOD path body" */
    const char *rows;  /* with a counting pass: the first request of the rows; else NULL */
} cases[] = {
    /* no filter: the list endpoint */
    {"$select=email", 0, 0, 0, LIST "email", NULL},
    {"$select=email,num_employees&$top=5", 0, 0, 0, LIST "email,num_employees", NULL},
    /* a pushed filter: the search endpoint, keyset on the id */
    {"$select=email&$filter=num_employees gt 10", 0, 0, 1,
     SEARCH "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"num_employees\",\"operator\":\"GTE\",\"value\":\"10\"}]}]," BY_ID
            ",\"properties\":[\"email\",\"num_employees\"],\"limit\":200}",
     NULL},
    {"$select=email&$filter=hs_email_optout", 0, 0, 0,
     SEARCH
     "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"hs_email_optout\",\"operator\":\"EQ\",\"value\":\"true\"}]}]," BY_ID
     ",\"properties\":[\"email\",\"hs_email_optout\"],\"limit\":200}",
     NULL},
    {"$select=email&$filter=date_of_birth eq 2000-01-02 or email eq null", 0, 0, 1,
     SEARCH
     "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"date_of_birth\",\"operator\":\"BETWEEN\",\"value\":\"946771200000\","
     "\"highValue\":\"946857599999\"}]},{\"filters\":[{\"propertyName\":\"email\",\"operator\":\"NOT_HAS_PROPERTY\"}]}]," BY_ID
     ",\"properties\":[\"email\",\"date_of_birth\"],\"limit\":200}",
     NULL},
    /* a filter HubSpot cannot help with: the list endpoint, everything checked on the stream */
    {"$select=num_employees&$filter=contains(email,'x')", 0, 0, 1, LIST "num_employees,email", NULL},
    /* $count=true: HubSpot's total of the first search */
    {"$select=email&$count=true", 0, 0, 0, SEARCH "{\"filterGroups\":[]," BY_ID ",\"properties\":[\"email\"],\"limit\":200}", NULL},
    /* $count=true that HubSpot cannot count: a counting pass, then the rows */
    {"$select=email&$filter=contains(email,'x')&$count=true", 0, 0, 1, LIST "email", LIST "email"},
    {"$select=email&$filter=num_employees lt 3&$count=true", 0, 0, 1,
     SEARCH "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"num_employees\",\"operator\":\"LTE\",\"value\":\"3\"}]}]," BY_ID
            ",\"properties\":[\"email\",\"num_employees\"],\"limit\":200}",
     SEARCH "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"num_employees\",\"operator\":\"LTE\",\"value\":\"3\"}]}]," BY_ID
            ",\"properties\":[\"email\",\"num_employees\"],\"limit\":200}"},
    /* /$count: one search of one record when the pushed filter is exact */
    {"$filter=hs_email_optout eq false", 1, 0, 0,
     SEARCH
     "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"hs_email_optout\",\"operator\":\"EQ\",\"value\":\"false\"}]}]," BY_ID
     ",\"properties\":[\"email\",\"num_employees\",\"createdate\",\"date_of_birth\",\"hs_email_optout\",\"lifecyclestage\"],"
     "\"limit\":1}",
     NULL},
    {"$select=email", 1, 0, 0, SEARCH "{\"filterGroups\":[]," BY_ID ",\"properties\":[\"email\"],\"limit\":1}", NULL},
    /* /$count ignores $orderby */
    {"$select=email&$orderby=email", 1, 0, 0, SEARCH "{\"filterGroups\":[]," BY_ID ",\"properties\":[\"email\"],\"limit\":1}",
     NULL},
    /* $orderby on a number, ascending: the records without a value first, by id */
    {"$select=email&$orderby=num_employees", 0, 0, 0,
     SEARCH "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"num_employees\",\"operator\":\"NOT_HAS_PROPERTY\"}]}]," BY_ID
            ",\"properties\":[\"email\",\"num_employees\"],\"limit\":200}",
     NULL},
    /* descending: the values first, with HubSpot's sort */
    {"$select=email&$orderby=createdate desc", 0, 0, 0,
     SEARCH "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"createdate\",\"operator\":\"HAS_PROPERTY\"}]}],"
            "\"sorts\":[{\"propertyName\":\"createdate\",\"direction\":\"DESCENDING\"}],\"properties\":[\"email\",\"createdate\"],"
            "\"limit\":200}",
     NULL},
    /* the sort and the filter: the phase's filter joins every group */
    {"$select=email&$orderby=date_of_birth desc&$filter=num_employees eq 1 or lifecyclestage eq 'lead'", 0, 0, 1,
     SEARCH "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"num_employees\",\"operator\":\"EQ\",\"value\":\"1\"},"
            "{\"propertyName\":\"date_of_birth\",\"operator\":\"HAS_PROPERTY\"}]},"
            "{\"filters\":[{\"propertyName\":\"lifecyclestage\",\"operator\":\"EQ\",\"value\":\"lead\"},"
            "{\"propertyName\":\"date_of_birth\",\"operator\":\"HAS_PROPERTY\"}]}],"
            "\"sorts\":[{\"propertyName\":\"date_of_birth\",\"direction\":\"DESCENDING\"}],"
            "\"properties\":[\"email\",\"num_employees\",\"lifecyclestage\",\"date_of_birth\"],\"limit\":200}",
     NULL},
    /* $count=true with $orderby: HubSpot's total of a one-record search, then the rows */
    {"$select=email&$orderby=num_employees desc&$count=true", 0, 0, 0,
     SEARCH "{\"filterGroups\":[]," BY_ID ",\"properties\":[\"email\",\"num_employees\"],\"limit\":1}",
     SEARCH
     "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"num_employees\",\"operator\":\"HAS_PROPERTY\"}]}],"
     "\"sorts\":[{\"propertyName\":\"num_employees\",\"direction\":\"DESCENDING\"}],\"properties\":[\"email\",\"num_employees\"],"
     "\"limit\":200}"},
    /* the key, both ways, and what follows the key */
    {"$select=email&$orderby=id desc", 0, 0, 0,
     SEARCH
     "{\"filterGroups\":[],\"sorts\":[{\"propertyName\":\"hs_object_id\",\"direction\":\"DESCENDING\"}],\"properties\":[\"email\"],"
     "\"limit\":200}",
     NULL},
    {"$select=email&$orderby=id,email desc", 0, 0, 0,
     SEARCH "{\"filterGroups\":[]," BY_ID ",\"properties\":[\"email\"],\"limit\":200}", NULL},
    /* refused: what HubSpot does not sort in OData's order, and two sort properties */
    {"$orderby=email", 0, 501, 0, NULL, NULL},
    {"$orderby=lifecyclestage desc", 0, 501, 0, NULL, NULL},
    {"$orderby=hs_email_optout", 0, 501, 0, NULL, NULL},
    {"$orderby=num_employees,createdate", 0, 501, 0, NULL, NULL},
};

static char *request_text(hs_scan_t *scan)
{
    odata_buf_t path, out;
    char *body = NULL, *text = NULL;
    odata_buf_init(&path, 1 << 20);
    odata_buf_init(&out, 1 << 20);
    if (hs_scan_request(scan, &path, &body) == 0 &&
        odata_buf_appendf(&out, "%s %s%s%s", body != NULL ? "POST" : "GET", path.base, body != NULL ? " " : "",
                          body != NULL ? body : "") == ODATA_OK)
        text = strndup(out.base, out.len);
    free(body);
    odata_buf_dispose(&path);
    odata_buf_dispose(&out);
    return text;
}

int main(void)
{
    odata_model_t *m = odata_model_create("HubSpot", "Default");
    odata_entity_set_t *set = odata_model_add_set(m, "contacts", "contact", "contacts", "id", "hs_object_id");
    json_t *hs_props = json_loads(props, 0, NULL);
    odata_query_limits_t qlim;

    odata_set_add_property(set, "email", "email", ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "num_employees", "num_employees", ODATA_TYPE_DECIMAL, NULL);
    odata_set_add_property(set, "createdate", "createdate", ODATA_TYPE_DATETIMEOFFSET, NULL);
    odata_set_add_property(set, "date_of_birth", "date_of_birth", ODATA_TYPE_DATE, NULL);
    odata_set_add_property(set, "hs_email_optout", "hs_email_optout", ODATA_TYPE_BOOLEAN, NULL);
    odata_set_add_property(set, "lifecyclestage", "lifecyclestage", ODATA_TYPE_STRING, NULL);
    odata_query_limits_default(&qlim);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        char raw[2048], *p = raw, err[300] = "";
        const char *name = cases[i].query;
        odata_query_t *q = NULL;
        odata_query_error_t qerr;
        hs_read_t rd;

        /* percent-encode what a URL cannot carry */
        for (const char *c = cases[i].query; *c != '\0'; ++c) {
            if (*c == ' ' || *c == '\'' || *c == '(' || *c == ')' || *c == ':')
                p += sprintf(p, "%%%02X", (unsigned char)*c);
            else
                *p++ = *c;
        }
        *p = '\0';
        if (odata_query_parse(set, raw, strlen(raw), &qlim, &q, &qerr) != ODATA_OK) {
            ok(0, "%s: parses (%d %s)", name, qerr.status, qerr.message);
            continue;
        }
        int r = hs_read_prepare(&rd, set, q, hs_props, cases[i].count_route ? HS_READ_COUNT : HS_READ_FEED, 0, err, sizeof(err));
        ok(r == cases[i].status, "%s%s: %s (%d %s)", cases[i].count_route ? "/$count " : "", name,
           cases[i].status != 0 ? "refused with 501" : "prepared", r, err);
        if (r == 0) {
            char *first = request_text(rd.counting ? &rd.count_scan : &rd.scan);
            is_str(first, cases[i].first, "%s: the first request", name);
            free(first);
            if (!cases[i].count_route) {
                ok(rd.counting == (cases[i].rows != NULL), "%s: %s", name,
                   cases[i].rows != NULL ? "a counting pass" : "no counting pass");
                if (cases[i].rows != NULL) {
                    char *rows = request_text(&rd.scan);
                    is_str(rows, cases[i].rows, "%s: the first request of the rows", name);
                    free(rows);
                }
            }
            ok(rd.residual == cases[i].residual, "%s: %s", name,
               cases[i].residual ? "the filter is checked on the stream" : "HubSpot's answer is exact");
        } else if (r == 501) {
            ok(strstr(err, "$orderby") != NULL, "%s: the message names $orderby: %s", name, err);
        }
        hs_read_dispose(&rd);
        odata_query_destroy(q);
    }
    json_decref(hs_props);
    odata_model_destroy(m);
    return test_done();
}
