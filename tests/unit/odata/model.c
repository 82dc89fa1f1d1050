/* Tests odata/model.c: the EDM model and identifiers. */
#include <stdlib.h>
#include "odata/odata.h"
#include "tests/unit/test.h"

static void test_type_names(void)
{
    static const struct {
        odata_type_t type;
        const char *name;
    } cases[] = {
        {ODATA_TYPE_STRING, "Edm.String"},
        {ODATA_TYPE_BOOLEAN, "Edm.Boolean"},
        {ODATA_TYPE_INT64, "Edm.Int64"},
        {ODATA_TYPE_DECIMAL, "Edm.Decimal"},
        {ODATA_TYPE_DOUBLE, "Edm.Double"},
        {ODATA_TYPE_DATE, "Edm.Date"},
        {ODATA_TYPE_DATETIMEOFFSET, "Edm.DateTimeOffset"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i)
        is_str(odata_type_name(cases[i].type), cases[i].name, "type name %s", cases[i].name);
    ok(odata_type_name((odata_type_t)99) == NULL, "unknown type has no name");
}

static void test_is_identifier(void)
{
    static const struct {
        const char *s;
        int want;
    } cases[] = {
        {"a", 1},
        {"_", 1},
        {"Z9", 1},
        {"hs_object_id", 1},
        {"_2_", 1},
        {"", 0},
        {"9a", 0},
        {"a-b", 0},
        {"a b", 0},
        {"a.b", 0},
        {"$a", 0},
        {"caf\xC3\xA9", 0},
        {"\xC3\xA9t\xC3\xA9", 0},
        {" a", 0},
        {"a ", 0},
        {"a\tb", 0},
    };
    char longest[130];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i)
        ok(odata_is_identifier(cases[i].s, strlen(cases[i].s)) == cases[i].want, "is_identifier(\"%s\") == %d", cases[i].s,
           cases[i].want);
    memset(longest, 'x', sizeof(longest));
    ok(odata_is_identifier(longest, 128), "128 characters is an identifier");
    ok(!odata_is_identifier(longest, 129), "129 characters is not");
    ok(odata_is_identifier("ab-c", 2), "only the first len bytes count");
    ok(!odata_is_identifier("a\0b", 3), "a NUL inside is not an identifier");
    ok(!odata_is_identifier(NULL, 0), "NULL is not an identifier");
}

static void test_make_identifier(void)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"firstname", "firstname"},
        {"First Name", "First_Name"},
        {"123abc", "_123abc"},
        {"", "_"},
        {"a-b.c", "a_b_c"},
        {"Gr\xC3\xB6\xC3\x9F\x65", "Gr__e"}, /* one '_' per character */
        {"a\xF0\x9F\x98\x80\x62", "a_b"},    /* emoji */
        {"\xFF\xFE", "__"},                  /* invalid bytes */
        {"a\xE2\x82\x62", "a_b"},            /* a truncated sequence is one character */
        {"_x", "_x"},
        {"9", "_9"},
        {"$top", "_top"},
    };
    char out[200], longin[300];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        is_str(odata_make_identifier(cases[i].in, out, sizeof(out)), cases[i].want, "make_identifier(\"%s\")", cases[i].in);
        ok(odata_is_identifier(out, strlen(out)), "result \"%s\" is an identifier", out);
    }
    is_str(odata_make_identifier(NULL, out, sizeof(out)), "_", "NULL becomes _");

    memset(longin, 'q', sizeof(longin) - 1);
    longin[sizeof(longin) - 1] = '\0';
    odata_make_identifier(longin, out, sizeof(out));
    ok(strlen(out) == 128 && odata_is_identifier(out, 128), "long names are cut to 128 characters");
    longin[0] = '1';
    odata_make_identifier(longin, out, sizeof(out));
    ok(strlen(out) == 128 && out[0] == '_' && out[1] == '1', "the '_' prefix counts towards 128");

    is_str(odata_make_identifier("abcdef", out, 4), "abc", "cut to outsz - 1");
    is_str(odata_make_identifier("", out, 2), "_", "outsz 2 fits \"_\"");
    is_str(odata_make_identifier("abc", out, 1), "", "outsz 1 gives the empty string");
    out[0] = 'z';
    ok(odata_make_identifier("abc", out, 0) == out && out[0] == 'z', "outsz 0 writes nothing");
}

static void test_create(void)
{
    static const struct {
        const char *ns, *container;
        int want;
    } cases[] = {
        {"HubSpot", "Default", 1},
        {"HubSpot.CRM.v3", "Default", 1},
        {"_a._b", "_c", 1},
        {"", "Default", 0},
        {"1a", "Default", 0},
        {"a..b", "Default", 0},
        {"a.", "Default", 0},
        {".a", "Default", 0},
        {"a b", "Default", 0},
        {"Edm", "Default", 0},
        {"odata", "Default", 0},
        {"System", "Default", 0},
        {"Transient", "Default", 0},
        {"Core", "Default", 0},
        {"Org.OData.Core.V1", "Default", 0},
        {"HubSpot", "", 0},
        {"HubSpot", "a.b", 0},
        {"HubSpot", "9", 0},
        {"Edm.x", "Default", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        odata_model_t *m = odata_model_create(cases[i].ns, cases[i].container);
        ok((m != NULL) == cases[i].want, "create(\"%s\", \"%s\") %s", cases[i].ns, cases[i].container,
           cases[i].want ? "succeeds" : "is refused");
        if (m != NULL) {
            is_str(m->namespace_, cases[i].ns, "namespace copied");
            is_str(m->container, cases[i].container, "container copied");
            ok(m->nsets == 0, "empty");
        }
        odata_model_destroy(m);
    }
    ok(odata_model_create(NULL, "Default") == NULL && odata_model_create("HubSpot", NULL) == NULL, "NULL names are refused");
    odata_model_destroy(NULL);
    ok(1, "destroy(NULL) is a no-op");
}

static void test_sets(void)
{
    odata_model_t *m = odata_model_create("HubSpot", "Default");
    odata_entity_set_t *set;
    odata_property_t *p;
    const odata_entity_set_t *cset;
    const odata_property_t *cp;
    char name129[130], label[] = "First name";

    memset(name129, 'n', 129);
    name129[129] = '\0';

    set = odata_model_add_set(m, "contacts", "contact", "0-1", "id", "hs_object_id");
    ok(set != NULL, "add a set");
    is_str(set->name, "contacts", "set name");
    is_str(set->type_name, "contact", "type name");
    is_str(set->source, "0-1", "set source");
    ok(set->nprops == 1, "a new set has its key");
    is_str(set->props[0].name, "id", "key name");
    is_str(set->props[0].source, "hs_object_id", "key source");
    ok(set->props[0].type == ODATA_TYPE_STRING && !set->props[0].nullable && set->props[0].label == NULL,
       "key is a non-nullable String without label");

    p = odata_set_add_property(set, "firstname", "firstname", ODATA_TYPE_STRING, label);
    ok(p != NULL && p->nullable && p->type == ODATA_TYPE_STRING, "add a property (nullable)");
    ok(p != NULL && p->label != label && strcmp(p->label, "First name") == 0, "label copied");
    p = odata_set_add_property(set, "amount", NULL, ODATA_TYPE_DECIMAL, NULL);
    ok(p != NULL && strcmp(p->source, "amount") == 0 && p->label == NULL, "source NULL means the OData name");
    ok(odata_set_add_property(set, "firstname", "x", ODATA_TYPE_STRING, NULL) == NULL, "duplicate property refused");
    ok(odata_set_add_property(set, "id", "x", ODATA_TYPE_STRING, NULL) == NULL, "the key name is taken");
    ok(odata_set_add_property(set, "FirstName", "x", ODATA_TYPE_STRING, NULL) != NULL, "names are case-sensitive");
    ok(odata_set_add_property(set, "1st", "x", ODATA_TYPE_STRING, NULL) == NULL, "invalid property name refused");
    ok(odata_set_add_property(set, "", "x", ODATA_TYPE_STRING, NULL) == NULL, "empty property name refused");
    ok(odata_set_add_property(set, "caf\xC3\xA9", "x", ODATA_TYPE_STRING, NULL) == NULL, "non-ASCII property name refused");
    ok(odata_set_add_property(set, name129, "x", ODATA_TYPE_STRING, NULL) == NULL, "129-character name refused");
    name129[128] = '\0';
    ok(odata_set_add_property(set, name129, "x", ODATA_TYPE_STRING, NULL) != NULL, "128-character name accepted");
    name129[128] = 'n';
    ok(odata_set_add_property(set, "t", "x", (odata_type_t)42, NULL) == NULL, "unknown type refused");
    ok(odata_set_add_property(set, NULL, "x", ODATA_TYPE_STRING, NULL) == NULL, "NULL name refused");
    ok(set->nprops == 5, "refused properties were not added (%zu)", set->nprops);

    ok(odata_model_add_set(m, "contacts", "contact2", "x", "id", "id") == NULL, "duplicate set name refused");
    ok(odata_model_add_set(m, "contacts2", "contact", "x", "id", "id") == NULL, "duplicate type name refused");
    ok(odata_model_add_set(m, "defaults", "Default", "x", "id", "id") == NULL, "type named like the container refused");
    ok(odata_model_add_set(m, "bad-name", "t", "x", "id", "id") == NULL, "invalid set name refused");
    ok(odata_model_add_set(m, "s", "bad type", "x", "id", "id") == NULL, "invalid type name refused");
    ok(odata_model_add_set(m, "s", "t", "x", "1d", "id") == NULL, "invalid key name refused");
    ok(odata_model_add_set(m, name129, "t", "x", "id", "id") == NULL, "129-character set name refused");
    ok(odata_model_add_set(m, NULL, "t", "x", "id", "id") == NULL, "NULL set name refused");
    ok(m->nsets == 1, "refused sets were not added");

    set = odata_model_add_set(m, "deals", "deals", NULL, "id", NULL);
    ok(set != NULL, "a set may share its name with its type");
    ok(set != NULL && strcmp(set->source, "deals") == 0 && strcmp(set->props[0].source, "id") == 0,
       "NULL sources mean the OData names");
    ok(odata_model_add_set(m, "Contacts", "Contact", "0-1", "id", "id") != NULL, "set names are case-sensitive");

    cset = odata_model_find_set(m, "contacts", 8);
    ok(cset != NULL && strcmp(cset->name, "contacts") == 0, "find set");
    ok(odata_model_find_set(m, "contactsXYZ", 8) == cset, "find set uses only len bytes");
    ok(odata_model_find_set(m, "contacts", 7) == NULL, "a prefix is not a match");
    ok(odata_model_find_set(m, "contacts2", 9) == NULL, "a longer name is not a match");
    ok(odata_model_find_set(m, "CONTACTS", 8) == NULL, "find set is case-sensitive");
    ok(odata_model_find_set(m, "contact\0", 8) == NULL, "a NUL does not end the name early");
    ok(odata_model_find_set(m, "", 0) == NULL, "empty name");
    ok(odata_model_find_set(m, NULL, 0) == NULL, "NULL name");

    cp = odata_set_find_property(cset, "firstname", 9);
    ok(cp != NULL && cp->type == ODATA_TYPE_STRING && strcmp(cp->label, "First name") == 0, "find property");
    cp = odata_set_find_property(cset, "id", 2);
    ok(cp == &cset->props[0], "find the key");
    ok(odata_set_find_property(cset, "FirstName", 9) != odata_set_find_property(cset, "firstname", 9),
       "find property is case-sensitive");
    ok(odata_set_find_property(cset, "first", 5) == NULL, "a prefix is not a property");
    ok(odata_set_find_property(cset, "amountX", 6) != NULL, "find property uses only len bytes");
    ok(odata_set_find_property(NULL, "id", 2) == NULL, "NULL set");
    odata_model_destroy(m);
}

static void test_many(void)
{
    odata_model_t *m = odata_model_create("HubSpot", "Default");
    int good = 1;

    for (int i = 0; i < 200; ++i) {
        char name[32], type[32];
        odata_entity_set_t *set;
        snprintf(name, sizeof(name), "set%d", i);
        snprintf(type, sizeof(type), "type%d", i);
        if ((set = odata_model_add_set(m, name, type, name, "id", "id")) == NULL) {
            good = 0;
            continue;
        }
        for (int j = 0; j < 50; ++j) {
            char prop[32];
            snprintf(prop, sizeof(prop), "p%d", j);
            if (odata_set_add_property(set, prop, prop, (odata_type_t)(j % 7), prop) == NULL)
                good = 0;
        }
    }
    ok(good && m->nsets == 200, "200 sets of 51 properties");
    for (int i = 0; i < 200; ++i) {
        char name[32];
        const odata_entity_set_t *set;
        snprintf(name, sizeof(name), "set%d", i);
        set = odata_model_find_set(m, name, strlen(name));
        if (set == NULL || set->nprops != 51 || odata_set_find_property(set, "p49", 3) != &set->props[50])
            good = 0;
    }
    ok(good, "every set and property is found after the arrays grew");
    odata_model_destroy(m);
}

int main(void)
{
    test_type_names();
    test_is_identifier();
    test_make_identifier();
    test_create();
    test_sets();
    test_many();
    return test_done();
}
