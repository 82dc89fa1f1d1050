/* Tests odata/csdl.c: $metadata, checked against the OASIS edmx.xsd and read back with XPath. */
#include <stdlib.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include "odata/odata.h"
#include "tests/unit/test.h"

#define LABEL_SPECIAL "<b> & \"q\" 'a' ]]> line1\nline2\ttab\rcr"
#define LABEL_UTF8 "Gr\xC3\xB6\xC3\x9F\x65 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE6\x97\xA5\xE4\xBB\x98"
/* ill-formed UTF-8, a control character, an encoded surrogate and U+FFFF: none can be in XML */
#define LABEL_BAD "bad\xFF\x01\x63tl\xED\xA0\x80\xEF\xBF\xBF\x65nd"
#define LABEL_BAD_CLEAN "bad\xEF\xBF\xBD\xEF\xBF\xBD\x63tl\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\x65nd"

static xmlSchemaPtr schema;

static void load_schema(void)
{
    const char *root = getenv("GW_SOURCE_DIR");
    char path[4096];
    xmlSchemaParserCtxtPtr pctx;

    if (root == NULL) {
        ok(0, "GW_SOURCE_DIR is set (to the repository root)");
        return;
    }
    snprintf(path, sizeof(path), "%s/../shared/odata-spec/edmx.xsd", root);
    if ((pctx = xmlSchemaNewParserCtxt(path)) != NULL) {
        schema = xmlSchemaParse(pctx);
        xmlSchemaFreeParserCtxt(pctx);
    }
    ok(schema != NULL, "schema %s loads", path);
}

/* Parses the document and validates it against edmx.xsd; returns the document (new) or NULL. */
static xmlDocPtr validate(const odata_buf_t *b, const char *what)
{
    xmlDocPtr doc = xmlReadMemory(b->base, (int)b->len, "metadata.xml", NULL, XML_PARSE_NONET);
    xmlSchemaValidCtxtPtr vctx;
    int rc = -1;

    ok(doc != NULL, "%s: well-formed XML", what);
    if (doc == NULL || schema == NULL) {
        ok(0, "%s: valid against edmx.xsd (no %s)", what, doc == NULL ? "document" : "schema");
        return doc;
    }
    if ((vctx = xmlSchemaNewValidCtxt(schema)) != NULL) {
        rc = xmlSchemaValidateDoc(vctx, doc);
        xmlSchemaFreeValidCtxt(vctx);
    }
    ok(rc == 0, "%s: valid against edmx.xsd (%d)", what, rc);
    if (rc != 0)
        printf("# document:\n%s\n", b->base);
    return doc;
}

/* The string value of an XPath expression (new), or NULL when it selects nothing. */
static char *xpath_string(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj;
    char *ret = NULL;

    xmlXPathRegisterNs(ctx, BAD_CAST "edmx", BAD_CAST "http://docs.oasis-open.org/odata/ns/edmx");
    xmlXPathRegisterNs(ctx, BAD_CAST "edm", BAD_CAST "http://docs.oasis-open.org/odata/ns/edm");
    obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    if (obj != NULL && obj->type == XPATH_NODESET && obj->nodesetval != NULL && obj->nodesetval->nodeNr > 0)
        ret = (char *)xmlXPathCastNodeSetToString(obj->nodesetval);
    else if (obj != NULL && obj->type == XPATH_NUMBER)
        ret = (char *)xmlXPathCastNumberToString(obj->floatval);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return ret;
}

static void is_xpath(xmlDocPtr doc, const char *expr, const char *want)
{
    char *got = doc != NULL ? xpath_string(doc, expr) : NULL;
    is_str(got, want, "%s", expr);
    xmlFree(got);
}

static odata_model_t *full_model(void)
{
    odata_model_t *m = odata_model_create("HubSpot", "Default");
    odata_entity_set_t *set = odata_model_add_set(m, "contacts", "contact", "0-1", "id", "hs_object_id");
    odata_property_t *p;

    odata_set_add_property(set, "firstname", "firstname", ODATA_TYPE_STRING, "First name");
    odata_set_add_property(set, "is_active", "is_active", ODATA_TYPE_BOOLEAN, "Active");
    odata_set_add_property(set, "visits", "hs_analytics_num_visits", ODATA_TYPE_INT64, "Number of visits");
    odata_set_add_property(set, "amount", "amount", ODATA_TYPE_DECIMAL, LABEL_SPECIAL);
    odata_set_add_property(set, "score", "score", ODATA_TYPE_DOUBLE, LABEL_UTF8);
    odata_set_add_property(set, "birthday", "birthday", ODATA_TYPE_DATE, LABEL_BAD);
    odata_set_add_property(set, "createdate", "createdate", ODATA_TYPE_DATETIMEOFFSET, "");
    p = odata_set_add_property(set, "lastmodifieddate", "hs_lastmodifieddate", ODATA_TYPE_DATETIMEOFFSET, NULL);
    p->nullable = 0;

    set = odata_model_add_set(m, "deals", "deal", "0-3", "id", "hs_object_id");
    odata_set_add_property(set, "dealname", "dealname", ODATA_TYPE_STRING, "Deal name");
    odata_set_add_property(set, "amount", "amount", ODATA_TYPE_DECIMAL, "Amount");
    set = odata_model_add_set(m, "p_cars", "car", "2-1234", "id", "hs_object_id");
    return m;
}

static void test_full_model(void)
{
    odata_model_t *m = full_model();
    odata_buf_t b;
    xmlDocPtr doc;

    odata_buf_init(&b, 1 << 20);
    ok(odata_csdl_write(m, &b) == ODATA_OK, "write $metadata");
    ok(b.len == strlen(b.base), "no NUL inside");
    ok(strncmp(b.base, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38) == 0, "XML declaration with UTF-8");
    doc = validate(&b, "model with every type");

    is_xpath(doc, "/edmx:Edmx/@Version", "4.0");
    is_xpath(doc, "/edmx:Edmx/edmx:Reference/@Uri",
             "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml");
    is_xpath(doc, "/edmx:Edmx/edmx:Reference/edmx:Include/@Namespace", "Org.OData.Core.V1");
    is_xpath(doc, "/edmx:Edmx/edmx:Reference/edmx:Include/@Alias", "Core");
    is_xpath(doc, "count(/edmx:Edmx/edmx:DataServices/edm:Schema)", "1");
    is_xpath(doc, "/edmx:Edmx/edmx:DataServices/edm:Schema/@Namespace", "HubSpot");
    is_xpath(doc, "count(//edm:EntityType)", "3");
    is_xpath(doc, "//edm:EntityType[@Name='contact']/edm:Key/edm:PropertyRef/@Name", "id");
    is_xpath(doc, "count(//edm:EntityType[@Name='contact']/edm:Property)", "9");
    is_xpath(doc, "//edm:EntityType[@Name='contact']/edm:Property[1]/@Name", "id");
    is_xpath(doc, "//edm:EntityType[@Name='contact']/edm:Property[@Name='id']/@Type", "Edm.String");
    is_xpath(doc, "//edm:EntityType[@Name='contact']/edm:Property[@Name='id']/@Nullable", "false");
    is_xpath(doc, "count(//edm:EntityType[@Name='contact']/edm:Property[@Nullable])", "2");
    is_xpath(doc, "//edm:Property[@Name='is_active']/@Type", "Edm.Boolean");
    is_xpath(doc, "//edm:Property[@Name='visits']/@Type", "Edm.Int64");
    is_xpath(doc, "//edm:EntityType[@Name='contact']/edm:Property[@Name='amount']/@Type", "Edm.Decimal");
    is_xpath(doc, "//edm:EntityType[@Name='contact']/edm:Property[@Name='amount']/@Scale", "variable");
    is_xpath(doc, "count(//edm:Property[@Type='Edm.Decimal'][@Scale='variable'])", "2");
    is_xpath(doc, "count(//edm:Property[@Scale])", "2");
    is_xpath(doc, "//edm:Property[@Name='score']/@Type", "Edm.Double");
    is_xpath(doc, "//edm:Property[@Name='birthday']/@Type", "Edm.Date");
    is_xpath(doc, "//edm:Property[@Name='createdate']/@Type", "Edm.DateTimeOffset");
    is_xpath(doc, "count(//edm:Property[@Type='Edm.DateTimeOffset'][@Precision='3'])", "2");
    is_xpath(doc, "count(//edm:Property[@Precision])", "2");
    is_xpath(doc, "//edm:Property[@Name='lastmodifieddate']/@Nullable", "false");
    is_xpath(doc, "//edm:Property[@Name='firstname']/edm:Annotation/@Term", "Core.Description");
    is_xpath(doc, "//edm:Property[@Name='firstname']/edm:Annotation/@String", "First name");
    is_xpath(doc, "//edm:EntityType[@Name='contact']/edm:Property[@Name='amount']/edm:Annotation/@String", LABEL_SPECIAL);
    is_xpath(doc, "//edm:Property[@Name='score']/edm:Annotation/@String", LABEL_UTF8);
    is_xpath(doc, "//edm:Property[@Name='birthday']/edm:Annotation/@String", LABEL_BAD_CLEAN);
    is_xpath(doc, "count(//edm:Property[@Name='createdate']/edm:Annotation)", "0");
    is_xpath(doc, "count(//edm:Property[@Name='id']/edm:Annotation)", "0");
    is_xpath(doc, "count(//edm:Annotation)", "8");
    is_xpath(doc, "count(//edm:EntityType[@Name='car']/edm:Property)", "1");
    is_xpath(doc, "/edmx:Edmx/edmx:DataServices/edm:Schema/edm:EntityContainer/@Name", "Default");
    is_xpath(doc, "count(//edm:EntityContainer/edm:EntitySet)", "3");
    is_xpath(doc, "//edm:EntitySet[@Name='contacts']/@EntityType", "HubSpot.contact");
    is_xpath(doc, "//edm:EntitySet[@Name='p_cars']/@EntityType", "HubSpot.car");
    xmlFreeDoc(doc);
    odata_buf_dispose(&b);
    odata_model_destroy(m);
}

static void test_small_models(void)
{
    odata_model_t *m = odata_model_create("Acme.CRM.v1", "Container");
    odata_buf_t b;
    xmlDocPtr doc;

    odata_buf_init(&b, 1 << 16);
    ok(odata_csdl_write(m, &b) == ODATA_OK, "write an empty model");
    doc = validate(&b, "empty model");
    is_xpath(doc, "/edmx:Edmx/edmx:DataServices/edm:Schema/@Namespace", "Acme.CRM.v1");
    is_xpath(doc, "count(//edm:EntityContainer)", "0");
    xmlFreeDoc(doc);

    odata_model_add_set(m, "s", "s", NULL, "k", NULL);
    odata_buf_reset(&b);
    ok(odata_csdl_write(m, &b) == ODATA_OK, "write a model with one key-only set");
    doc = validate(&b, "key-only set");
    is_xpath(doc, "//edm:EntitySet[@Name='s']/@EntityType", "Acme.CRM.v1.s");
    xmlFreeDoc(doc);

    ok(odata_csdl_write(NULL, &b) == ODATA_ERR_INVALID, "NULL model is invalid");
    odata_buf_dispose(&b);
    odata_model_destroy(m);
}

/* At every cap below the document's size the write fails cleanly and leaves the buffer as it was. */
static void test_caps(void)
{
    odata_model_t *m = full_model();
    odata_buf_t b;
    size_t full;
    int all_refused = 1;

    odata_buf_init(&b, 1 << 20);
    odata_buf_appends(&b, "prefix");
    odata_csdl_write(m, &b);
    full = b.len;
    odata_buf_dispose(&b);

    for (size_t max = 6; max < full; max += (max < 200 || full - max < 200) ? 1 : 97) {
        odata_err_t result;
        odata_buf_init(&b, max);
        odata_buf_appends(&b, "prefix");
        result = odata_csdl_write(m, &b);
        if (result != ODATA_ERR_TOO_LARGE || b.len != 6 || strcmp(b.base, "prefix") != 0) {
            all_refused = 0;
            printf("# cap %zu: result %d, len %zu\n", max, (int)result, b.len);
        }
        odata_buf_dispose(&b);
    }
    ok(all_refused, "every cap below %zu bytes: TOO_LARGE, buffer unchanged", full);
    odata_buf_init(&b, full);
    odata_buf_appends(&b, "prefix");
    ok(odata_csdl_write(m, &b) == ODATA_OK && b.len == full, "a cap of exactly the size suffices");
    odata_buf_dispose(&b);
    odata_model_destroy(m);
}

int main(void)
{
    load_schema();
    test_full_model();
    test_small_models();
    test_caps();
    xmlSchemaFree(schema);
    xmlCleanupParser();
    return test_done();
}
