/* Tests the parts of store/admin.c that need no database: data source definition checks. */
#include <stdlib.h>
#include <string.h>
#include "store/admin.h"
#include "tests/unit/test.h"

static void accepts(const char *json, const char *want)
{
    char err[256] = "", *normalized = NULL;
    store_err_t ret = store_admin_definition_validate(json, strlen(json), &normalized, err, sizeof(err));

    ok(ret == STORE_OK, "accepted: %s (%s)", json, err);
    if (want != NULL)
        is_str(normalized, want, "normalized");
    free(normalized);
}

static void refuses(const char *json, const char *why)
{
    char err[256] = "", *normalized = NULL;
    store_err_t ret = store_admin_definition_validate(json, strlen(json), &normalized, err, sizeof(err));

    ok(ret == STORE_ERR_INVALID && normalized == NULL && err[0] != '\0', "refused, %s: %s", why, err);
    free(normalized);
}

int main(void)
{
    char *big;
    size_t i, pos;

    accepts("{\"objects\":[{\"object\":\"contacts\",\"properties\":[\"email\",\"firstname\"],\"filter\":null}]}",
            "{\"objects\":[{\"object\":\"contacts\",\"properties\":[\"email\",\"firstname\"],\"filter\":null}]}");
    accepts("{\"objects\":[{\"object\":\"contacts\"}]}",
            "{\"objects\":[{\"object\":\"contacts\",\"properties\":[],\"filter\":null}]}");
    accepts("{ \"objects\": [ {\"properties\": null, \"object\": \"deals\", \"filter\": \"amount gt 5\"},"
            " {\"object\": \"p_custom-object_2\", \"properties\": []} ] }",
            "{\"objects\":[{\"object\":\"deals\",\"properties\":[],\"filter\":\"amount gt 5\"},"
            "{\"object\":\"p_custom-object_2\",\"properties\":[],\"filter\":null}]}");
    accepts(
        "{\"objects\":[{\"object\":\"a\",\"properties\":[\"hs_object_id\"]},{\"object\":\"b\",\"properties\":[\"hs_object_id\"]}]}",
        NULL);

    refuses("", "empty");
    refuses("{\"objects\":[", "not JSON");
    refuses("[]", "not an object");
    refuses("{}", "no objects");
    refuses("{\"objects\":[]}", "no object listed");
    refuses("{\"objects\":{}}", "objects not an array");
    refuses("{\"objects\":[\"contacts\"]}", "an object given as a string");
    refuses("{\"objects\":[{\"object\":\"contacts\"}],\"extra\":1}", "an unknown top-level key");
    refuses("{\"objects\":[{\"object\":\"contacts\",\"fields\":[]}]}", "an unknown key in an object");
    refuses("{\"objects\":[{\"object\":\"Contacts\"}]}", "an upper-case object name");
    refuses("{\"objects\":[{\"object\":\"\"}]}", "an empty object name");
    refuses("{\"objects\":[{\"object\":\"con tacts\"}]}", "a space in an object name");
    refuses("{\"objects\":[{\"object\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}",
            "a 65-character object name");
    refuses("{\"objects\":[{\"object\":\"contacts\"},{\"object\":\"contacts\"}]}", "a duplicate object");
    refuses("{\"objects\":[{\"object\":\"contacts\",\"properties\":[\"email\",\"email\"]}]}", "a duplicate property");
    refuses("{\"objects\":[{\"object\":\"contacts\",\"properties\":[\"e-mail\"]}]}", "a '-' in a property name");
    refuses("{\"objects\":[{\"object\":\"contacts\",\"properties\":[\"Email\"]}]}", "an upper-case property name");
    refuses("{\"objects\":[{\"object\":\"contacts\",\"properties\":[1]}]}", "a property given as a number");
    refuses("{\"objects\":[{\"object\":\"contacts\",\"properties\":\"email\"}]}", "properties given as a string");
    refuses("{\"objects\":[{\"object\":\"contacts\",\"filter\":42}]}", "a filter that is a number");
    refuses("{\"objects\":[{\"object\":\"contacts\",\"filter\":\"\"}]}", "an empty filter");
    refuses("{\"objects\":[{\"object\":\"contacts\"}],\"filter\":null}", "a filter outside the objects");
    refuses("{\"objects\":[{\"object\":\"contacts\"}],\"objects\":[{\"object\":\"deals\"}]}", "a duplicate key");
    refuses("{\"objects\":[{\"object\":\"con\\u0000tacts\"}]}", "a NUL in a name");

    /* 101-character property name */
    big = malloc(400);
    pos = (size_t)sprintf(big, "{\"objects\":[{\"object\":\"contacts\",\"properties\":[\"");
    for (i = 0; i != 101; ++i)
        big[pos++] = 'p';
    strcpy(big + pos, "\"]}]}");
    refuses(big, "a 101-character property name");
    big[pos - 1] = '"';
    big[pos] = '\0';
    strcat(big, "]}]}");
    accepts(big, NULL);
    free(big);

    /* 65 objects */
    big = malloc(65 * 24 + 64);
    pos = (size_t)sprintf(big, "{\"objects\":[");
    for (i = 0; i != 65; ++i)
        pos += (size_t)sprintf(big + pos, "%s{\"object\":\"o%zu\"}", i ? "," : "", i);
    strcpy(big + pos, "]}");
    refuses(big, "65 objects");
    free(big);

    return test_done();
}
