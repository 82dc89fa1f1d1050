/* Tests odata/query.c: splitting, percent-decoding, option names, $top/$skip/$count/$format/$skiptoken/$select/$orderby. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odata/query.h"
#include "tests/unit/test.h"

static odata_model_t *model;
static odata_entity_set_t *set;

typedef struct st_case_t {
    const char *raw;
    int status;       /* 0: parses */
    const char *want; /* parses: a summary (see summary()); fails: a part of the message */
} case_t;

/* filter=<printed>;select=<text>|<names>;orderby=<prop +/->;top;skip;count;skiptoken */
static void summary(const odata_query_t *q, char *out, size_t outsz)
{
    odata_buf_t b;
    odata_buf_init(&b, 4096);
    odata_buf_appends(&b, "filter=");
    if (q->filter != NULL)
        odata_expr_print(q->filter, 0, &b);
    odata_buf_appendf(&b, ";select=%s|", q->select_text != NULL ? q->select_text : "(none)");
    for (size_t k = 0; k < q->nselect; ++k)
        odata_buf_appendf(&b, "%s%s", k ? "," : "", q->select[k]->name);
    odata_buf_appends(&b, ";orderby=");
    for (size_t k = 0; k < q->norderby; ++k)
        odata_buf_appendf(&b, "%s%s%c", k ? "," : "", q->orderby[k].property->name, q->orderby[k].descending ? '-' : '+');
    odata_buf_appendf(&b, ";top=%lld;skip=%lld;count=%d;skiptoken=%s", (long long)q->top, (long long)q->skip, q->count,
                      q->skiptoken != NULL ? q->skiptoken : "(none)");
    snprintf(out, outsz, "%s", b.base);
    odata_buf_dispose(&b);
}

#define NOTHING "filter=;select=(none)|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"

static const case_t cases[] = {
    {"", 0, NOTHING},
    {"&&&", 0, NOTHING},
    {"api_key=secret&foo=bar&x", 0, NOTHING},
    {"levels=2", 0, NOTHING},
    /* $top, $skip, $count */
    {"$top=5", 0, "filter=;select=(none)|;orderby=;top=5;skip=-1;count=0;skiptoken=(none)"},
    {"$top=0&$skip=007", 0, "filter=;select=(none)|;orderby=;top=0;skip=7;count=0;skiptoken=(none)"},
    {"$top=9223372036854775807", 0, "filter=;select=(none)|;orderby=;top=9223372036854775807;skip=-1;count=0;skiptoken=(none)"},
    {"$top=9223372036854775808", 400, "$top must be a non-negative integer"},
    {"$top=-1", 400, "$top must be a non-negative integer"},
    {"$top=+5", 400, "$top must be"},
    {"$top=5.0", 400, "$top must be"},
    {"$top=%205", 400, "$top must be"},
    {"$top=", 400, "$top needs a value"},
    {"$top", 400, "$top needs a value"},
    {"$skip=x", 400, "$skip must be a non-negative integer"},
    {"$skip=-0", 400, "$skip must be"},
    {"$count=true", 0, "filter=;select=(none)|;orderby=;top=-1;skip=-1;count=1;skiptoken=(none)"},
    {"$count=TRUE", 0, "filter=;select=(none)|;orderby=;top=-1;skip=-1;count=1;skiptoken=(none)"},
    {"$count=false", 0, NOTHING},
    {"$count=1", 400, "$count must be true or false"},
    /* names: any case, with or without $, once */
    {"$TOP=1", 0, "filter=;select=(none)|;orderby=;top=1;skip=-1;count=0;skiptoken=(none)"},
    {"Top=1", 0, "filter=;select=(none)|;orderby=;top=1;skip=-1;count=0;skiptoken=(none)"},
    {"%24top=1", 0, "filter=;select=(none)|;orderby=;top=1;skip=-1;count=0;skiptoken=(none)"},
    {"%54op=1", 0, "filter=;select=(none)|;orderby=;top=1;skip=-1;count=0;skiptoken=(none)"},
    {"filter=active", 0, "filter=active;select=(none)|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$top=1&top=2", 400, "$top is given more than once"},
    {"$filter=active&$FILTER=active", 400, "$filter is given more than once"},
    {"$skiptoken=a&skiptoken=b", 400, "$skiptoken is given more than once"},
    {"$foo=1", 400, "unknown system query option '$foo'"},
    {"$=1", 400, "unknown system query option '$'"},
    {"$inlinecount=allpages", 400, "unknown system query option"},
    {"@p=1", 501, "parameter aliases ('@p')"},
    {"$expand=x", 501, "$expand is not supported"},
    {"expand=x", 501, "$expand is not supported"},
    {"$apply=groupby((name))", 501, "$apply is not supported"},
    {"$search=blue", 501, "$search is not supported"},
    {"$compute=age add 1 as x", 501, "$compute is not supported"},
    {"$index=1", 501, "$index is not supported"},
    {"$levels=2", 501, "$levels is not supported"},
    {"$schemaversion=1", 501, "$schemaversion is not supported"},
    {"$deltatoken=x", 501, "$deltatoken is not supported"},
    {"$id=x", 501, "$id is not supported"},
    /* percent-decoding; '+' is a plus sign */
    {"$filter=name%20eq%20%27a%2Bb%27", 0,
     "filter=(name eq 'a+b');select=(none)|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$filter=name%20eq%20'a+b'", 0, "filter=(name eq 'a+b');select=(none)|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$filter=name%20eq%20'a%26b=c'", 0,
     "filter=(name eq 'a&b=c');select=(none)|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$filter=name eq 'a=b'", 0, "filter=(name eq 'a=b');select=(none)|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$filter=name eq '%C3%A9'", 0, "filter=(name eq '\xC3\xA9');select=(none)|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$filter=name+eq+'a'", 400, "$filter at 4: unexpected '+': '+' is a plus sign in OData URLs, encode spaces as %20"},
    {"$filter=name%2", 400, "malformed percent-encoding at 12 of the query string"},
    {"$filter=name%zz", 400, "malformed percent-encoding at 12"},
    {"$top=1&$filter=%", 400, "malformed percent-encoding at 15"},
    {"a%g=1", 400, "malformed percent-encoding at 1"},
    {"$filter=name eq '%00'", 400, "NUL character at 17"},
    {"$filter=", 400, "$filter needs a value"},
    {"$filter=age", 400, "$filter at 0: the expression must be Boolean"},
    {"$filter=foo eq 1", 404, "$filter at 0: unknown property 'foo'"},
    /* $skiptoken */
    {"$skiptoken=abc%20def%2B", 0, "filter=;select=(none)|;orderby=;top=-1;skip=-1;count=0;skiptoken=abc def+"},
    {"$skiptoken=", 400, "$skiptoken needs a value"},
    /* $format */
    {"$format=json", 0, NOTHING},
    {"$format=JSON", 0, NOTHING},
    {"$format=application/json", 0, NOTHING},
    {"$format=application%2Fjson%3Bodata.metadata%3Dminimal", 0, NOTHING},
    {"$format=application/json;odata.metadata=minimal;odata.streaming=true;charset=utf-8", 0, NOTHING},
    {"$format=application/json;metadata=none", 0, NOTHING},
    {"$format=application/json;IEEE754Compatible=false", 0, NOTHING},
    {"$format=application/json;odata.metadata=full", 501, "only odata.metadata=minimal"},
    {"$format=application/json;IEEE754Compatible=true", 501, "IEEE754Compatible=true"},
    {"$format=application/json;foo", 400, "malformed parameter 'foo'"},
    {"$format=xml", 400, "$format 'xml' is not served"},
    {"$format=atom", 400, "is not served"},
    {"$format=application/jsonx", 400, "is not served"},
    {"$format=text/csv", 400, "is not served"},
    /* $select */
    {"$select=name,email", 0, "filter=;select=name,email|name,email;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$select=email,name", 0, "filter=;select=email,name|email,name;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$select=name,%20email%20", 0, "filter=;select=name,email|name,email;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$select=name,email,name", 0, "filter=;select=name,email|name,email;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$select=id", 0, "filter=;select=id|id;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$select=*", 0, "filter=;select=*|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$select=name,*", 0, "filter=;select=*|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$select=%2A", 0, "filter=;select=*|;orderby=;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$select=foo", 404, "unknown property 'foo' in $select"},
    {"$select=Email", 404, "unknown property 'Email'"},
    {"$select=", 400, "$select has an empty item"},
    {"$select=name,", 400, "$select has an empty item"},
    {"$select=name,,email", 400, "$select has an empty item"},
    {"$select=1name", 400, "invalid item '1name' in $select"},
    {"$select=name/x", 501, "$select supports only property names and '*'"},
    {"$select=HubSpot.*", 501, "$select supports only property names"},
    {"$select=name($select=x)", 501, "$select supports only property names"},
    /* $orderby */
    {"$orderby=name", 0, "filter=;select=(none)|;orderby=name+;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$orderby=name desc,age", 0, "filter=;select=(none)|;orderby=name-,age+;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$orderby=name%20DESC,%20age%20asc", 0, "filter=;select=(none)|;orderby=name-,age+;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$orderby=name asc", 0, "filter=;select=(none)|;orderby=name+;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$orderby=(name) desc", 0, "filter=;select=(none)|;orderby=name-;top=-1;skip=-1;count=0;skiptoken=(none)"},
    {"$orderby=foo", 404, "$orderby at 0: unknown property 'foo'"},
    {"$orderby=name,foo desc", 404, "$orderby at 5: unknown property 'foo'"},
    {"$orderby=tolower(name)", 501, "$orderby at 0: only property names can be sorted by"},
    {"$orderby=age add 1 desc", 501, "only property names"},
    {"$orderby=concat(name,email)", 501, "only property names"},
    {"$orderby=name sideways", 400, "$orderby at 5: expected ',', 'asc' or 'desc', not 'sideways'"},
    {"$orderby=namedesc", 404, "unknown property 'namedesc'"},
    {"$orderby=name,", 400, "$orderby at 5: expected an expression"},
    {"$orderby=", 400, "$orderby needs a value"},
    {"$orderby=name/x", 501, "paths"},
    /* everything together */
    {"$filter=age%20gt%201&$select=name&$orderby=age%20desc&$top=10&$skip=20&$count=true&$skiptoken=t&api_key=k", 0,
     "filter=(age gt 1);select=name|name;orderby=age-;top=10;skip=20;count=1;skiptoken=t"},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        const case_t *c = &cases[i];
        odata_query_t *q = NULL;
        odata_query_error_t err;
        odata_err_t r = odata_query_parse(set, c->raw, strlen(c->raw), NULL, &q, &err);
        if (c->status == 0) {
            char got[1024];
            if (r != ODATA_OK) {
                ok(0, "%s: parses (%d %s)", c->raw, err.status, err.message);
                continue;
            }
            summary(q, got, sizeof(got));
            is_str(got, c->want, "%s", c->raw);
        } else {
            int good = r == ODATA_ERR_INVALID && q == NULL && err.status == c->status && strstr(err.message, c->want) != NULL;
            ok(good, "%s: %d %s", c->raw, c->status, c->want);
            if (!good)
                printf("#   got: %d %d %s\n", (int)r, err.status, err.message);
        }
        odata_query_destroy(q);
    }
}

static void test_misc(void)
{
    odata_query_t *q = NULL;
    odata_query_error_t err;
    odata_query_limits_t lim;
    char raw[64];

    ok(odata_query_parse(set, "$top=1\0x", 8, NULL, &q, &err) == ODATA_ERR_INVALID && strstr(err.message, "NUL") != NULL,
       "a raw NUL: 400");
    ok(odata_query_parse(set, NULL, 0, NULL, &q, &err) == ODATA_OK && q->top == -1, "NULL query string: nothing");
    odata_query_destroy(q);
    ok(odata_query_parse(set, "$top=1&junk", 6, NULL, &q, &err) == ODATA_OK && q->top == 1, "only len bytes are read");
    odata_query_destroy(q);
    ok(odata_query_parse(NULL, "", 0, NULL, &q, &err) == ODATA_ERR_INVALID && err.status == 500, "no set");
    odata_query_destroy(NULL);

    odata_query_limits_default(&lim);
    lim.max_top = 100;
    ok(odata_query_parse(set, "$top=100", 8, &lim, &q, &err) == ODATA_OK && q->top == 100, "$top at max_top");
    odata_query_destroy(q);
    ok(odata_query_parse(set, "$top=101", 8, &lim, &q, &err) == ODATA_ERR_INVALID && err.status == 400 &&
           strstr(err.message, "at most 100") != NULL,
       "$top past max_top: 400");
    lim.max_top = INT64_MAX;
    lim.max_query_len = 10;
    ok(odata_query_parse(set, "$top=12345", 10, &lim, &q, &err) == ODATA_OK, "query of max_query_len bytes");
    odata_query_destroy(q);
    ok(odata_query_parse(set, "$top=123456", 11, &lim, &q, &err) == ODATA_ERR_INVALID && err.status == 400 &&
           strstr(err.message, "longer than 10 bytes") != NULL,
       "one byte more: 400");

    ok(odata_query_parse(set, "$filter=foo%20eq%201", 20, NULL, &q, &err) == ODATA_ERR_INVALID, "an error");
    is_str(err.code, "NotFound", "404 is NotFound");
    ok(odata_query_parse(set, "$expand=x", 9, NULL, &q, &err) == ODATA_ERR_INVALID, "an error");
    is_str(err.code, "NotImplemented", "501 is NotImplemented");
    ok(odata_query_parse(set, "$top=x", 6, NULL, &q, &err) == ODATA_ERR_INVALID, "an error");
    is_str(err.code, "BadRequest", "400 is BadRequest");

    /* an error echoes at most 40 characters of input */
    snprintf(raw, sizeof(raw), "$select=%s", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
    ok(odata_query_parse(set, raw, strlen(raw), NULL, &q, &err) == ODATA_ERR_INVALID &&
           strstr(err.message, "'abcdefghijklmnopqrstuvwxyzabcdefghijklmn...'") != NULL,
       "long names are cut in messages (%s)", err.message);
    ok(odata_query_parse(set, "$select=\xC3\xA9\x01", 11, NULL, &q, &err) == ODATA_ERR_INVALID &&
           strstr(err.message, "'?\?\?'") != NULL,
       "non-printable bytes are not echoed (%s)", err.message);

    /* the query's memory is its own: the raw string may go */
    {
        char *copy = strdup("$filter=name%20eq%20'x'&$skiptoken=tok&$select=email");
        ok(odata_query_parse(set, copy, strlen(copy), NULL, &q, &err) == ODATA_OK, "parses a copy");
        memset(copy, 'z', strlen(copy));
        free(copy);
        ok(q->filter->args[1]->u.literal.u.str.len == 1 && q->filter->args[1]->u.literal.u.str.base[0] == 'x' &&
               strcmp(q->skiptoken, "tok") == 0 && strcmp(q->select_text, "email") == 0,
           "the query owns what it holds");
        odata_query_destroy(q);
    }
}

int main(void)
{
    model = odata_model_create("HubSpot", "Default");
    set = odata_model_add_set(model, "contacts", "contact", NULL, "id", "hs_object_id");
    odata_set_add_property(set, "name", NULL, ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "email", NULL, ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "age", NULL, ODATA_TYPE_INT64, NULL);
    odata_set_add_property(set, "active", NULL, ODATA_TYPE_BOOLEAN, NULL);
    test_cases();
    test_misc();
    odata_model_destroy(model);
    return test_done();
}
