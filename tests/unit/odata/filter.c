/* Tests odata/filter.c: the $filter grammar, precedence, literals, type checking, limits and the printer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "odata/query.h"
#include "tests/unit/test.h"

static odata_model_t *model;
static odata_entity_set_t *set;

static void make_model(void)
{
    model = odata_model_create("HubSpot", "Default");
    set = odata_model_add_set(model, "contacts", "contact", NULL, "id", "hs_object_id");
    odata_set_add_property(set, "name", NULL, ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "email", NULL, ODATA_TYPE_STRING, NULL);
    odata_set_add_property(set, "age", NULL, ODATA_TYPE_INT64, NULL);
    odata_set_add_property(set, "amount", NULL, ODATA_TYPE_DECIMAL, NULL);
    odata_set_add_property(set, "ratio", NULL, ODATA_TYPE_DOUBLE, NULL);
    odata_set_add_property(set, "active", NULL, ODATA_TYPE_BOOLEAN, NULL);
    odata_set_add_property(set, "birthday", NULL, ODATA_TYPE_DATE, NULL);
    odata_set_add_property(set, "created", NULL, ODATA_TYPE_DATETIMEOFFSET, NULL);
    odata_set_add_property(set, "Name", NULL, ODATA_TYPE_STRING, NULL);
}

/* percent-encodes what a client would (everything but unreserved characters) */
static char *encode(const char *s, size_t len)
{
    char *out = malloc(len * 3 + 16), *p = out;
    for (size_t i = 0; i < len; ++i) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~')
            *p++ = (char)c;
        else
            p += sprintf(p, "%%%02X", c);
    }
    *p = '\0';
    return out;
}

static odata_err_t parse_filter(const char *filter, size_t len, const odata_query_limits_t *limits, odata_query_t **q,
                                odata_query_error_t *err)
{
    char *enc = encode(filter, len), *raw = malloc(strlen(enc) + 16);
    odata_err_t r;
    sprintf(raw, "$filter=%s", enc);
    r = odata_query_parse(set, raw, strlen(raw), limits, q, err);
    free(enc);
    free(raw);
    return r;
}

typedef struct st_case_t {
    const char *filter;
    const char *want; /* the printed tree, or NULL for an error */
    int status;
    const char *message; /* a part of the error message */
} case_t;

static const case_t cases[] = {
    /* comparison operators and literals */
    {"name eq 'Milk'", "(name eq 'Milk')", 0, NULL},
    {"name ne 'Milk'", "(name ne 'Milk')", 0, NULL},
    {"name gt 'Milk'", "(name gt 'Milk')", 0, NULL},
    {"name ge 'Milk'", "(name ge 'Milk')", 0, NULL},
    {"name lt 'Milk'", "(name lt 'Milk')", 0, NULL},
    {"name le 'Milk'", "(name le 'Milk')", 0, NULL},
    {"name eq null", "(name eq null)", 0, NULL},
    {"null eq name", "(null eq name)", 0, NULL},
    {"null eq null", "(null eq null)", 0, NULL},
    {"age eq 42", "(age eq 42)", 0, NULL},
    {"age eq -42", "(age eq -42)", 0, NULL},
    {"age eq +42", "(age eq 42)", 0, NULL},
    {"age eq 007", "(age eq 7)", 0, NULL},
    {"age eq 9223372036854775807", "(age eq 9223372036854775807)", 0, NULL},
    {"age eq -9223372036854775808", "(age eq -9223372036854775808)", 0, NULL},
    {"age eq 9223372036854775808", "(age eq 9223372036854775808.0)", 0, NULL},
    {"age lt 12345678901234567890123456789012345678901", NULL, 501, "at 7: numbers of more than 40"},
    {"amount eq 1.5", "(amount eq 1.5)", 0, NULL},
    {"amount eq 2.50", "(amount eq 2.5)", 0, NULL},
    {"amount eq -0.5", "(amount eq -0.5)", 0, NULL},
    {"amount eq 0.000", "(amount eq 0.0)", 0, NULL},
    {"amount eq 1.5e3", "(amount eq 1.5e3)", 0, NULL},
    {"amount eq 1.5E-3", "(amount eq 1.5e-3)", 0, NULL},
    {"amount eq 1e0", "(amount eq 1e0)", 0, NULL},
    {"amount eq 1.5M", "(amount eq 1.5)", 0, NULL},
    {"amount eq 15m", "(amount eq 15.0)", 0, NULL},
    {"amount eq 1.5d", "(amount eq 1.5e0)", 0, NULL},
    {"age eq 15L", "(age eq 15)", 0, NULL},
    {"age eq 1.5L", NULL, 400, "at 7: invalid Edm.Int64 literal"},
    {"amount eq 1.5x", NULL, 400, "at 10: invalid number"},
    {"amount eq 1.", NULL, 400, "at 10: invalid number"},
    {"amount eq 1e", NULL, 400, "at 10: invalid number"},
    {"amount eq .5", NULL, 400, "at 10: unexpected '.'"},
    {"amount eq 1e999", NULL, 400, "number out of range"},
    {"ratio eq 1e308", "(ratio eq 1e308)", 0, NULL},
    {"ratio eq 1.8e308", NULL, 400, "out of range for Edm.Double"},
    {"ratio eq INF", "(ratio eq INF)", 0, NULL},
    {"ratio eq -INF", "(ratio eq -INF)", 0, NULL},
    {"ratio eq NaN", "(ratio eq NaN)", 0, NULL},
    {"ratio eq inf", NULL, 404, "unknown property 'inf'"},
    {"ratio eq nan", NULL, 404, "unknown property 'nan'"},
    {"active eq true", "(active eq true)", 0, NULL},
    {"active eq false", "(active eq false)", 0, NULL},
    {"active eq TRUE", "(active eq true)", 0, NULL},
    {"active eq False", "(active eq false)", 0, NULL},
    {"active eq NULL", NULL, 404, "unknown property 'NULL'"},
    {"active", "active", 0, NULL},
    {"true", "true", 0, NULL},
    {"null", "null", 0, NULL},
    {"name eq 'it''s'", "(name eq 'it''s')", 0, NULL},
    {"name eq ''", "(name eq '')", 0, NULL},
    {"name eq ''''", "(name eq '''')", 0, NULL},
    {"name eq 'caf\xC3\xA9 \xE2\x82\xAC'", "(name eq 'caf\xC3\xA9 \xE2\x82\xAC')", 0, NULL},
    {"name eq 'a&b=c+d'", "(name eq 'a&b=c+d')", 0, NULL},
    {"name eq 'x", NULL, 400, "at 8: unterminated string literal"},
    {"name eq 'x''", NULL, 400, "at 8: unterminated string literal"},
    {"name eq '\xFF'", NULL, 400, "at 8: the string literal is not well-formed UTF-8"},
    {"name eq 'a'b", NULL, 400, "at 11: unexpected 'b'"},
    {"birthday eq 2024-01-02", "(birthday eq 2024-01-02)", 0, NULL},
    {"birthday eq 2024-02-29", "(birthday eq 2024-02-29)", 0, NULL},
    {"birthday eq 2023-02-29", NULL, 400, "at 12: date out of range or not in the calendar"},
    {"birthday eq 2023-13-01", NULL, 400, "at 12: invalid date literal"},
    {"birthday eq 2023-1-01", NULL, 400, "at 12: invalid date literal"},
    {"birthday eq 0000-01-01", NULL, 400, "out of range"},
    {"birthday eq 10000-01-01", NULL, 400, "out of range"},
    {"birthday eq 02024-01-01", NULL, 400, "invalid date literal"},
    {"created eq 2024-01-02T03:04:05Z", "(created eq 2024-01-02T03:04:05Z)", 0, NULL},
    {"created eq 2024-01-02t03:04:05z", "(created eq 2024-01-02T03:04:05Z)", 0, NULL},
    {"created eq 2024-01-02T03:04Z", "(created eq 2024-01-02T03:04:00Z)", 0, NULL},
    {"created eq 2024-01-02T03:04:05.123+02:00", "(created eq 2024-01-02T03:04:05.123+02:00)", 0, NULL},
    {"created eq 2024-01-02T03:04:05.000500-05:30", "(created eq 2024-01-02T03:04:05.0005-05:30)", 0, NULL},
    {"created eq 2024-01-02T03:04:05.123456000000Z", "(created eq 2024-01-02T03:04:05.123456Z)", 0, NULL},
    {"created eq 2024-01-02T03:04:05.1234560000000Z", NULL, 400, "invalid DateTimeOffset literal"},
    {"created eq 2024-01-02T03:04:05", NULL, 400, "at 11: invalid DateTimeOffset literal"},
    {"created eq 2024-01-02T24:00:00Z", NULL, 400, "invalid DateTimeOffset literal"},
    {"created eq 2024-01-02T23:59:60Z", NULL, 501, "leap seconds"},
    {"created eq 9999-12-31T23:59:59.999999Z", "(created eq 9999-12-31T23:59:59.999999Z)", 0, NULL},
    {"created eq 9999-12-31T23:59:59-01:00", NULL, 400, "out of range"},
    {"created eq 0001-01-01T00:00:00+01:00", NULL, 400, "out of range"},
    {"created lt 2024-01-02T03:04:05.1234567Z", "(created lt 2024-01-02T03:04:05.123457Z)", 0, NULL},
    {"created le 2024-01-02T03:04:05.1234567Z", "(created le 2024-01-02T03:04:05.123456Z)", 0, NULL},
    {"created gt 2024-01-02T03:04:05.1234567Z", "(created gt 2024-01-02T03:04:05.123456Z)", 0, NULL},
    {"created ge 2024-01-02T03:04:05.1234567Z", "(created ge 2024-01-02T03:04:05.123457Z)", 0, NULL},
    {"2024-01-02T03:04:05.1234567Z lt created", "(2024-01-02T03:04:05.123456Z lt created)", 0, NULL},
    {"2024-01-02T03:04:05.1234567Z ge created", "(2024-01-02T03:04:05.123456Z ge created)", 0, NULL},
    {"2024-01-02T03:04:05.1234567Z gt created", "(2024-01-02T03:04:05.123457Z gt created)", 0, NULL},
    {"created eq 2024-01-02T03:04:05.1234567Z", "false", 0, NULL},
    {"created ne 2024-01-02T03:04:05.1234567Z", "true", 0, NULL},
    {"created add duration'PT0.0000001S' gt now()", NULL, 501, "finer than a microsecond"},
    {"created in (2024-01-02T03:04:05.1234567Z)", "false", 0, NULL},
    {"created in (2024-01-02T03:04:05.1234567Z, 2024-01-02T03:04:05.123Z)", "(created in (2024-01-02T03:04:05.123Z))", 0, NULL},
    {"time(created) lt 13:45:00", "(time(created) lt 13:45:00)", 0, NULL},
    {"time(created) lt 13:45", "(time(created) lt 13:45:00)", 0, NULL},
    {"time(created) lt 13:45:00.25", "(time(created) lt 13:45:00.25)", 0, NULL},
    {"time(created) lt 24:00:00", NULL, 400, "invalid TimeOfDay literal"},
    {"time(created) lt 1:00:00", NULL, 400, "unexpected ':'"},
    {"created sub now() gt duration'P1DT2H'", "((created sub now()) gt duration'P1DT2H')", 0, NULL},
    {"created sub now() gt duration'-PT1.5S'", "((created sub now()) gt duration'-PT1.5S')", 0, NULL},
    {"created sub now() gt DURATION'pt90m'", "((created sub now()) gt duration'PT1H30M')", 0, NULL},
    {"created sub now() gt 'P1D'", "((created sub now()) gt duration'P1D')", 0, NULL},
    {"created sub now() gt 'tomorrow'", NULL, 400, "at 21: expected an Edm.Duration"},
    {"created add 'PT1H' gt now()", "((created add duration'PT1H') gt now())", 0, NULL},
    {"created sub now() gt duration'P'", NULL, 400, "invalid duration literal"},
    {"created sub now() gt duration'PT'", NULL, 400, "invalid duration literal"},
    {"created sub now() gt duration'P1H'", NULL, 400, "invalid duration literal"},
    {"created sub now() gt duration'PT1S1M'", NULL, 400, "invalid duration literal"},
    {"created sub now() gt duration'P1Y'", NULL, 400, "invalid duration literal"},
    {"created sub now() gt duration'P99999999999999999D'", NULL, 400, "duration out of range"},
    {"cast(name, Edm.Guid) eq 01234567-89ab-cdef-0123-456789ABCDEF",
     "(cast(name, Edm.Guid) eq 01234567-89ab-cdef-0123-456789abcdef)", 0, NULL},
    {"cast(name, Edm.Guid) eq abcdef01-89ab-cdef-0123-456789abcdef",
     "(cast(name, Edm.Guid) eq abcdef01-89ab-cdef-0123-456789abcdef)", 0, NULL},
    {"cast(name, Edm.Guid) eq 01234567-89ab-cdef-0123-456789abcdeg", NULL, 400, "invalid date literal"},
    /* properties */
    {"Name eq 'x'", "(Name eq 'x')", 0, NULL},
    {"NAME eq 'x'", NULL, 404, "at 0: unknown property 'NAME'"},
    {"nmae eq 'x'", NULL, 404, "unknown property 'nmae'"},
    {"id eq '1'", "(id eq '1')", 0, NULL},
    {"age eq 1 and xx_yy eq 2", NULL, 404, "at 13: unknown property 'xx_yy'"},
    {"aVeryLongPropertyNameThatGoesOnAndOnAndOnForeverAndEver eq 1", NULL, 404,
     "unknown property 'aVeryLongPropertyNameThatGoesOnAndOnAndO...'"},
    {"name/length eq 1", NULL, 501, "paths"},
    {"tags/any(t: t eq 'a')", NULL, 404, "unknown property 'tags'"},
    {"name/any(t: t eq 'a')", NULL, 501, "paths"},
    {"$it/name eq 'a'", NULL, 501, "$it, $root and $this"},
    {"$root/contacts eq null", NULL, 501, "$it, $root and $this"},
    {"$foo eq 1", NULL, 400, "unexpected '$foo'"},
    {"name eq @p", NULL, 501, "parameter aliases"},
    {"HubSpot.contact/name eq 'a'", NULL, 501, "qualified names"},
    {"name eq HubSpot.Color'Red'", NULL, 501, "enumeration literals"},
    {"name eq binary'AAEC'", NULL, 501, "binary and spatial"},
    {"name eq geography'SRID=0;Point(1 2)'", NULL, 501, "binary and spatial"},
    {"name eq [1,2]", NULL, 501, "JSON arrays"},
    {"name eq {\"a\":1}", NULL, 501, "JSON arrays"},
    /* case-insensitive operators and functions */
    {"name EQ 'Milk' AND age LT 3", "((name eq 'Milk') and (age lt 3))", 0, NULL},
    {"name Eq 'Milk' OR age Lt 3", "((name eq 'Milk') or (age lt 3))", 0, NULL},
    {"NOT active", "(not active)", 0, NULL},
    {"CONTAINS(name, 'a')", "contains(name, 'a')", 0, NULL},
    {"MatchesPattern(name, '^a')", "matchesPattern(name, '^a')", 0, NULL},
    {"age ADD 1 Eq 2", "((age add 1) eq 2)", 0, NULL},
    /* precedence */
    {"age add 1 mul 2 eq 7", "((age add (1 mul 2)) eq 7)", 0, NULL},
    {"age mul 2 add 1 eq 7", "(((age mul 2) add 1) eq 7)", 0, NULL},
    {"(age add 1) mul 2 eq 8", "(((age add 1) mul 2) eq 8)", 0, NULL},
    {"age sub 1 sub 2 eq 0", "(((age sub 1) sub 2) eq 0)", 0, NULL},
    {"age div 2 mod 3 eq 1", "(((age div 2) mod 3) eq 1)", 0, NULL},
    {"age divby 2 eq 2.5", "((age divby 2) eq 2.5)", 0, NULL},
    {"age gt 1 eq true", "((age gt 1) eq true)", 0, NULL},
    {"age eq 1 or age eq 2 and age eq 3", "((age eq 1) or ((age eq 2) and (age eq 3)))", 0, NULL},
    {"(age eq 1 or age eq 2) and age eq 3", "(((age eq 1) or (age eq 2)) and (age eq 3))", 0, NULL},
    {"not active and active", "((not active) and active)", 0, NULL},
    {"not (age eq 1)", "(not (age eq 1))", 0, NULL},
    {"not(age eq 1)", "(not (age eq 1))", 0, NULL},
    {"not not active", "(not (not active))", 0, NULL},
    {"not age eq 1", NULL, 400, "at 0: 'not' cannot take Edm.Int64"},
    {"-age eq -1", "((- age) eq -1)", 0, NULL},
    {"- age eq -1", "((- age) eq -1)", 0, NULL},
    {"-(age add 1) eq 0", "((- (age add 1)) eq 0)", 0, NULL},
    {"--age eq 1", "((- (- age)) eq 1)", 0, NULL},
    {"- -1 eq 1", "((- -1) eq 1)", 0, NULL},
    {"-name eq 'a'", NULL, 400, "at 0: '-' cannot take Edm.String"},
    {"age sub -1 eq 0", "((age sub -1) eq 0)", 0, NULL},
    {"age in (1, 2, 3)", "(age in (1, 2, 3))", 0, NULL},
    {"age in (1)", "(age in (1))", 0, NULL},
    {"age in ()", "(age in ())", 0, NULL},
    {"age in ( 1 ,2 )", "(age in (1, 2))", 0, NULL},
    {"name in ('Milk', 'Cheese', null)", "(name in ('Milk', 'Cheese', null))", 0, NULL},
    {"not age in (1, 2)", "(not (age in (1, 2)))", 0, NULL},
    {"age in (1, 2) eq true", "((age in (1, 2)) eq true)", 0, NULL},
    {"age add 1 in (2)", NULL, 400, "'add' cannot take Edm.Int64 and Edm.Boolean"},
    {"(age add 1) in (2)", "((age add 1) in (2))", 0, NULL},
    {"age in (1, name)", NULL, 400, "at 11: the list after 'in' may hold only literals"},
    {"age in (1, 'a')", NULL, 400, "'in' cannot compare Edm.Int64 with Edm.String"},
    {"age in (1,)", NULL, 400, "expected a literal after ','"},
    {"age in (1 2)", NULL, 400, "expected ',' or ')'"},
    {"age in (1", NULL, 400, "expected ',' or ')'"},
    {"age in 1", NULL, 400, "expected a parenthesized list"},
    {"age in [1, 2]", NULL, 501, "JSON arrays are not supported after 'in'"},
    {"age in(1)", NULL, 400, "at 6: expected whitespace and an operand after 'in'"},
    {"age has 1", NULL, 501, "at 4: the 'has' operator is not supported"},
    {"age eq (1, 2)", NULL, 400, "a list is allowed only after 'in'"},
    /* chains of and/or: left-associative */
    {"age eq 1 or age eq 2 or age eq 3 or age eq 4", "((((age eq 1) or (age eq 2)) or (age eq 3)) or (age eq 4))", 0, NULL},
    {"active and active and active", "((active and active) and active)", 0, NULL},
    {"active and active or active and active", "((active and active) or (active and active))", 0, NULL},
    /* whitespace (RWS around binary operators, BWS in parentheses, none around the expression) */
    {"name  eq\t'a'", "(name eq 'a')", 0, NULL},
    {"name eq'a'", NULL, 400, "at 7: expected whitespace and an operand after 'eq'"},
    {"age eq(1)", NULL, 400, "at 6: expected whitespace"},
    {"(age eq 1)and active", NULL, 400, "at 10: unexpected 'a'"},
    {"age eq 1 and", NULL, 400, "at 12: expected whitespace and an operand after 'and'"},
    {"age eq 1 and ", NULL, 400, "at 12: expected whitespace and an operand after 'and'"},
    {" age eq 1", NULL, 400, "at 0: unexpected whitespace"},
    {"age eq 1 ", NULL, 400, "at 8: unexpected whitespace at the end"},
    {"( age eq 1 )", "(age eq 1)", 0, NULL},
    {"contains( name , 'a' )", "contains(name, 'a')", 0, NULL},
    {"contains (name, 'a')", NULL, 400, "at 8: no whitespace may come between a function name and '('"},
    {"name+eq+'a'", NULL, 400, "at 4: unexpected '+': '+' is a plus sign in OData URLs"},
    {"age eq 1 xor active", NULL, 400, "at 9: unknown operator 'xor'"},
    {"age equals 1", NULL, 400, "at 4: unknown operator 'equals'"},
    {"age eq 1)", NULL, 400, "at 8: unexpected ')'"},
    {"(age eq 1", NULL, 400, "at 9: expected ')'"},
    {"", NULL, 400, "$filter needs a value"},
    {"()", NULL, 400, "at 1: unexpected ')'"},
    {"age eq", NULL, 400, "at 6: expected whitespace and an operand after 'eq'"},
    {"eq 1", NULL, 404, "unknown property 'eq'"},
    {"age eq 1,", NULL, 400, "at 8: unexpected ','"},
    {"age\neq 1", NULL, 400, "unexpected '?'"},
    /* type checking */
    {"name eq 1", NULL, 400, "at 5: 'eq' cannot compare Edm.String with Edm.Int64"},
    {"age eq 'a'", NULL, 400, "'eq' cannot compare Edm.Int64 with Edm.String"},
    {"age eq 1.5", "(age eq 1.5)", 0, NULL},
    {"age eq 1.5e0", "(age eq 1.5e0)", 0, NULL},
    {"amount lt ratio", "(amount lt ratio)", 0, NULL},
    {"active gt false", "(active gt false)", 0, NULL},
    {"active eq 1", NULL, 400, "cannot compare Edm.Boolean with Edm.Int64"},
    {"created gt 2024-01-02", NULL, 400, "at 8: 'gt' cannot compare Edm.DateTimeOffset with Edm.Date"},
    {"birthday eq 2024-01-02T00:00:00Z", NULL, 400, "cannot compare Edm.DateTimeOffset with Edm.Date"},
    {"date(created) eq 2024-01-02", "(date(created) eq 2024-01-02)", 0, NULL},
    {"birthday lt created", NULL, 400, "cannot compare"},
    {"age", NULL, 400, "at 0: the expression must be Boolean, not Edm.Int64"},
    {"name", NULL, 400, "must be Boolean"},
    {"age add 1", NULL, 400, "must be Boolean"},
    {"age and active", NULL, 400, "at 0: 'and' needs Boolean operands, not Edm.Int64"},
    {"active or name", NULL, 400, "'or' needs Boolean operands, not Edm.String"},
    {"name add 'a' eq 'b'", NULL, 400, "at 5: 'add' cannot take Edm.String and Edm.String"},
    {"age add amount eq 1", "((age add amount) eq 1)", 0, NULL},
    {"age add ratio eq 1", "((age add ratio) eq 1)", 0, NULL},
    {"null add 1 eq 2", "((null add 1) eq 2)", 0, NULL},
    {"created add created eq now()", NULL, 400, "'add' cannot take Edm.DateTimeOffset and Edm.DateTimeOffset"},
    {"created sub created eq duration'PT0S'", "((created sub created) eq duration'PT0S')", 0, NULL},
    {"birthday sub birthday eq duration'P0D'", "((birthday sub birthday) eq duration'PT0S')", 0, NULL},
    {"birthday add duration'P1D' eq 2024-01-02", "((birthday add duration'P1D') eq 2024-01-02)", 0, NULL},
    {"created mul 2 eq now()", NULL, 400, "'mul' cannot take"},
    {"duration'P1D' mul 2 eq duration'P2D'", NULL, 501, "'mul' with an Edm.Duration operand"},
    {"-duration'P1D' lt duration'P2D'", "((- duration'P1D') lt duration'P2D')", 0, NULL},
    /* functions */
    {"contains(name, 'a')", "contains(name, 'a')", 0, NULL},
    {"startswith(name, 'a')", "startswith(name, 'a')", 0, NULL},
    {"endswith(name, 'a')", "endswith(name, 'a')", 0, NULL},
    {"not endswith(name, 'ilk')", "(not endswith(name, 'ilk'))", 0, NULL},
    {"tolower(name) eq 'a'", "(tolower(name) eq 'a')", 0, NULL},
    {"toupper(name) eq 'A'", "(toupper(name) eq 'A')", 0, NULL},
    {"length(name) eq 3", "(length(name) eq 3)", 0, NULL},
    {"indexof(name, 'b') eq 1", "(indexof(name, 'b') eq 1)", 0, NULL},
    {"substring(name, 1) eq 'b'", "(substring(name, 1) eq 'b')", 0, NULL},
    {"substring(name, 1, 2) eq 'b'", "(substring(name, 1, 2) eq 'b')", 0, NULL},
    {"substring(name, 1, -2) eq 'b'", NULL, 400, "at 19: the length given to substring must not be negative"},
    {"substring(name, 1.5) eq 'b'", NULL, 400, "argument 2 of substring must be an integer, not Edm.Decimal"},
    {"substring(name) eq 'b'", NULL, 400, "substring takes 2 arguments"},
    {"substring(name, 1, 2, 3) eq 'b'", NULL, 400, "substring takes at most 3 arguments"},
    {"trim(name) eq name", "(trim(name) eq name)", 0, NULL},
    {"concat(concat(name, ', '), email) eq 'a, b'", "(concat(concat(name, ', '), email) eq 'a, b')", 0, NULL},
    {"matchesPattern(name, '^A.*e$')", "matchesPattern(name, '^A.*e$')", 0, NULL},
    {"matchesPattern(name, email)", NULL, 501, "matchesPattern takes only a literal pattern"},
    {"matchesPattern(name, '(a')", NULL, 400, "missing ')'"},
    {"matchesPattern(name, '(?=a)')", NULL, 501, "lookaround"},
    {"matchesPattern(name, '(a)\\1')", NULL, 501, "back-references"},
    {"matchesPattern(name, 'a', 'i')", NULL, 400, "matchesPattern takes at most 2 arguments"},
    {"matchesPattern(name, null)", "matchesPattern(name, null)", 0, NULL},
    {"year(created) eq 2024", "(year(created) eq 2024)", 0, NULL},
    {"year(birthday) eq 2024", "(year(birthday) eq 2024)", 0, NULL},
    {"month(created) eq 1", "(month(created) eq 1)", 0, NULL},
    {"day(birthday) eq 1", "(day(birthday) eq 1)", 0, NULL},
    {"hour(created) eq 1", "(hour(created) eq 1)", 0, NULL},
    {"hour(birthday) eq 1", NULL, 400, "argument 1 of hour must be Edm.DateTimeOffset or Edm.TimeOfDay, not Edm.Date"},
    {"minute(created) eq 1", "(minute(created) eq 1)", 0, NULL},
    {"second(created) eq 1", "(second(created) eq 1)", 0, NULL},
    {"fractionalseconds(created) lt 0.1", "(fractionalseconds(created) lt 0.1)", 0, NULL},
    {"date(created) eq birthday", "(date(created) eq birthday)", 0, NULL},
    {"time(created) eq 00:00:00", "(time(created) eq 00:00:00)", 0, NULL},
    {"totaloffsetminutes(created) eq 60", "(totaloffsetminutes(created) eq 60)", 0, NULL},
    {"created lt now()", "(created lt now())", 0, NULL},
    {"created lt now( )", "(created lt now())", 0, NULL},
    {"created lt now(1)", NULL, 400, "now takes at most 0 arguments"},
    {"created gt mindatetime() and created lt maxdatetime()", "((created gt mindatetime()) and (created lt maxdatetime()))", 0,
     NULL},
    {"round(amount) eq 2", "(round(amount) eq 2)", 0, NULL},
    {"floor(ratio) eq 2", "(floor(ratio) eq 2)", 0, NULL},
    {"ceiling(age) eq 2", "(ceiling(age) eq 2)", 0, NULL},
    {"round(name) eq 2", NULL, 400, "argument 1 of round must be a number, not Edm.String"},
    {"contains(age, 'a')", NULL, 400, "at 9: argument 1 of contains must be Edm.String, not Edm.Int64"},
    {"contains(name)", NULL, 400, "contains takes 2 arguments"},
    {"contains(name, 'a'", NULL, 400, "expected ',' or ')' in the arguments of contains"},
    {"contains(null, 'a')", "contains(null, 'a')", 0, NULL},
    {"foo(name)", NULL, 400, "at 0: unknown function 'foo'"},
    {"any()", NULL, 400, "unknown function 'any'"},
    {"totalseconds(duration'P1D') gt 1", NULL, 501, "the function totalseconds is not supported"},
    {"geo.distance(a, b) lt 1", NULL, 501, "the function geo.distance is not supported"},
    {"HubSpot.score(name) gt 1", NULL, 501, "functions of the model"},
    {"case(active:1) eq 1", NULL, 501, "the function case is not supported"},
    {"cast(age, Edm.String) eq '1'", "(cast(age, Edm.String) eq '1')", 0, NULL},
    {"cast(amount, Edm.Int64) eq 1", "(cast(amount, Edm.Int64) eq 1)", 0, NULL},
    {"cast(name, Edm.Decimal) eq 1", "(cast(name, Edm.Decimal) eq 1)", 0, NULL},
    {"cast(name,Edm.Int64) eq 1", "(cast(name, Edm.Int64) eq 1)", 0, NULL},
    {"cast(birthday, Edm.Int64) eq 1", NULL, 501, "cast from Edm.Date to Edm.Int64 is not supported"},
    {"cast(age, Edm.Int32) eq 1", NULL, 501, "cast to 'Edm.Int32' is not supported"},
    {"cast(age, Edm.Foo) eq 1", NULL, 400, "unknown type 'Edm.Foo'"},
    {"cast(age, edm.string) eq '1'", NULL, 501, "cast to 'edm.string' is not supported"},
    {"cast(age, HubSpot.contact) eq null", NULL, 501, "not supported"},
    {"cast(HubSpot.contact) eq null", NULL, 501, "one argument"},
    {"isof(name, Edm.String)", "isof(name, Edm.String)", 0, NULL},
    {"isof(name, Edm.Int64)", "isof(name, Edm.Int64)", 0, NULL},
    {"isof(HubSpot.contact)", NULL, 501, "isof of the current instance"},
    {"isof(Customer)", NULL, 501, "isof of the current instance"},
    {"isof(name, Edm.GeographyPoint)", NULL, 501, "not supported"},
    {"cast(name, Collection(Edm.String)) eq null", NULL, 501, "not supported"},
};

/* the filter for a TAP line: control characters as '?' */
static const char *shown(const char *s)
{
    static char buf[512];
    size_t n = 0;
    for (; *s != '\0' && n < sizeof(buf) - 1; ++s)
        buf[n++] = (unsigned char)*s < 0x20 ? '?' : *s;
    buf[n] = '\0';
    return buf;
}

static void test_cases(void)
{
    odata_buf_t b;
    odata_buf_init(&b, 1 << 16);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        const case_t *c = &cases[i];
        odata_query_t *q = NULL;
        odata_query_error_t err;
        odata_err_t r = parse_filter(c->filter, strlen(c->filter), NULL, &q, &err);
        if (c->want != NULL) {
            if (r != ODATA_OK) {
                ok(0, "%s: parses (%d %s)", shown(c->filter), err.status, err.message);
                continue;
            }
            odata_buf_reset(&b);
            ok(odata_expr_print(q->filter, 0, &b) == ODATA_OK, "%s: prints", shown(c->filter));
            is_str(b.base, c->want, "%s: tree", shown(c->filter));
        } else {
            int good = r == ODATA_ERR_INVALID && err.status == c->status && strstr(err.message, c->message) != NULL;
            ok(good, "%s: %d %s", shown(c->filter), c->status, c->message);
            if (!good)
                printf("#   got: %d %d %s\n", (int)r, err.status, err.message);
        }
        odata_query_destroy(q);
    }
    odata_buf_dispose(&b);
}

static void test_codes(void)
{
    static const struct {
        const char *filter;
        const char *code;
    } codes[] = {{"foo eq 1", "NotFound"}, {"age has 1", "NotImplemented"}, {"age eq", "BadRequest"}};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); ++i) {
        odata_query_t *q = NULL;
        odata_query_error_t err;
        parse_filter(codes[i].filter, strlen(codes[i].filter), NULL, &q, &err);
        is_str(err.code, codes[i].code, "%s: code", codes[i].filter);
        ok(strncmp(err.message, "$filter at ", 11) == 0, "%s: message names the option and the position", codes[i].filter);
    }
}

static void test_mask(void)
{
    odata_query_t *q = NULL;
    odata_query_error_t err;
    odata_buf_t b;
    const char *f = "name eq 'secret@example.com' and age in (1, 2) or contains(email, 'x') and created lt 2024-01-02T00:00:00Z";

    odata_buf_init(&b, 4096);
    ok(parse_filter(f, strlen(f), NULL, &q, &err) == ODATA_OK, "masked: parses");
    ok(odata_expr_print(q->filter, 1, &b) == ODATA_OK, "masked: prints");
    is_str(b.base, "(((name eq ?) and (age in (?, ?))) or (contains(email, ?) and (created lt ?)))", "masked: every literal is ?");
    odata_buf_dispose(&b);
    odata_buf_init(&b, 10);
    ok(odata_expr_print(q->filter, 0, &b) == ODATA_ERR_TOO_LARGE && b.len == 0, "print: too small a buffer is left unchanged");
    odata_buf_dispose(&b);
    odata_query_destroy(q);
    ok(odata_expr_print(NULL, 0, &b) == ODATA_ERR_INVALID, "print: NULL");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_limits(void)
{
    odata_query_limits_t lim;
    odata_query_t *q = NULL;
    odata_query_error_t err;
    size_t n = 100000;
    char *deep = malloc(2 * n + 16), *raw;
    double t0;
    odata_buf_t b;

    odata_query_limits_default(&lim);
    ok(lim.max_query_len == 16384 && lim.max_depth == 64 && lim.max_nodes == 2000 && lim.max_in_items == 1000 &&
           lim.max_top == INT64_MAX,
       "default limits");

    /* 100,000 opening parentheses, raw (the query length limit is raised to let it reach the parser) */
    lim.max_query_len = SIZE_MAX;
    memset(deep, '(', n);
    memcpy(deep + n, "true", 5);
    t0 = now_s();
    ok(parse_filter(deep, n + 4, &lim, &q, &err) == ODATA_ERR_INVALID && err.status == 400 &&
           strstr(err.message, "nested more than 64 levels") != NULL,
       "100,000 parentheses: 400 (%s)", err.message);
    ok(now_s() - t0 < 1, "... quickly");
    memset(deep, '-', n);
    memcpy(deep + n, "1 eq 1", 7);
    ok(parse_filter(deep, n + 6, &lim, &q, &err) == ODATA_ERR_INVALID && strstr(err.message, "nested") != NULL,
       "100,000 minus signs: 400");
    for (size_t i = 0; i < n / 4; ++i)
        memcpy(deep + 4 * i, "not ", 4);
    memcpy(deep + n, "true", 5);
    ok(parse_filter(deep, n + 4, &lim, &q, &err) == ODATA_ERR_INVALID && strstr(err.message, "nested") != NULL, "25,000 nots: 400");
    free(deep);

    /* 1 MB of filter: refused by length before anything else */
    odata_query_limits_default(&lim);
    raw = malloc((1 << 20) + 16);
    strcpy(raw, "$filter=");
    for (size_t i = 8; i < (1 << 20); ++i)
        raw[i] = "(age eq 1) or "[i % 14];
    raw[1 << 20] = '\0';
    t0 = now_s();
    ok(odata_query_parse(set, raw, strlen(raw), &lim, &q, &err) == ODATA_ERR_INVALID && err.status == 400 &&
           strstr(err.message, "longer than 16384") != NULL,
       "1 MB filter: 400 (%s)", err.message);
    ok(now_s() - t0 < 0.1, "... quickly");
    /* the same without the length limit still stops at the node limit */
    lim.max_query_len = SIZE_MAX;
    {
        size_t len = 8;
        for (; len + 30 < (1 << 20); len += 24)
            memcpy(raw + len, "age eq 1 or age eq 2 or ", 24);
        memcpy(raw + len, "age eq 3", 9);
        t0 = now_s();
        ok(odata_query_parse(set, raw, strlen(raw), &lim, &q, &err) == ODATA_ERR_INVALID && err.status == 400 &&
               strstr(err.message, "more than 2000 nodes") != NULL,
           "1 MB of or: 400 (%s)", err.message);
        ok(now_s() - t0 < 1, "... quickly");
    }
    free(raw);

    /* depth: a chain of arithmetic is as deep as it is long; or-chains are balanced */
    odata_query_limits_default(&lim);
    {
        odata_buf_t f;
        odata_buf_init(&f, 1 << 20);
        odata_buf_appends(&f, "age");
        for (int i = 0; i < 70; ++i)
            odata_buf_appends(&f, " add 1");
        odata_buf_appends(&f, " eq 1");
        ok(parse_filter(f.base, f.len, &lim, &q, &err) == ODATA_ERR_INVALID && strstr(err.message, "nested more than 64") != NULL,
           "70 additions: too deep");
        odata_buf_reset(&f);
        odata_buf_appends(&f, "age eq 0");
        for (int i = 1; i < 500; ++i)
            odata_buf_appendf(&f, " or age eq %d", i);
        ok(parse_filter(f.base, f.len, &lim, &q, &err) == ODATA_OK, "500 ors: balanced, within the depth");
        odata_buf_init(&b, 1 << 20);
        odata_expr_print(q->filter, 0, &b);
        ok(strncmp(b.base, "(((((((((age eq 0) or ((age eq 1) or (age eq 2)))", 49) == 0 &&
               strstr(b.base, "((age eq 498) or (age eq 499))))))))))") != NULL,
           "500 ors: a balanced tree");
        odata_buf_dispose(&b);
        odata_query_destroy(q);
        odata_buf_reset(&f);
        odata_buf_appends(&f, "age eq 0");
        for (int i = 1; i < 32; ++i)
            odata_buf_appendf(&f, " and age eq %d", i);
        ok(parse_filter(f.base, f.len, &lim, &q, &err) == ODATA_OK && q->filter->args[1]->args[1]->u.literal.u.i64 == 31 &&
               q->filter->args[0]->args[1]->args[1]->u.literal.u.i64 == 30,
           "32 ands: left-associative");
        odata_query_destroy(q);
        odata_buf_reset(&f);
        odata_buf_appends(&f, "age in (0");
        for (int i = 1; i < 1000; ++i)
            odata_buf_appendf(&f, ",%d", i);
        odata_buf_appends(&f, ")");
        ok(parse_filter(f.base, f.len, &lim, &q, &err) == ODATA_OK && q->filter->nargs == 1001, "in with 1000 items");
        odata_query_destroy(q);
        odata_buf_reset(&f);
        odata_buf_appends(&f, "age in (0");
        for (int i = 1; i < 1001; ++i)
            odata_buf_appendf(&f, ",%d", i);
        odata_buf_appends(&f, ")");
        ok(parse_filter(f.base, f.len, &lim, &q, &err) == ODATA_ERR_INVALID && strstr(err.message, "more than 1000 items") != NULL,
           "in with 1001 items: 400");
        lim.max_nodes = 5;
        ok(parse_filter("age eq 1 and age eq 2", 21, &lim, &q, &err) == ODATA_ERR_INVALID &&
               strstr(err.message, "more than 5 nodes") != NULL,
           "node limit");
        lim.max_nodes = 2000;
        lim.max_depth = 3;
        ok(parse_filter("(((age eq 1)))", 14, &lim, &q, &err) == ODATA_ERR_INVALID, "depth limit counts parentheses");
        ok(parse_filter("age eq 1", 8, &lim, &q, &err) == ODATA_OK, "depth 3 holds a comparison");
        odata_query_destroy(q);
        odata_buf_dispose(&f);
    }
}

/* the node of a literal: what the HubSpot planner reads */
static void test_tree(void)
{
    odata_query_t *q = NULL;
    odata_query_error_t err;
    const odata_expr_t *e;

    ok(parse_filter("amount lt 2.50", 14, NULL, &q, &err) == ODATA_OK, "tree: parses");
    e = q->filter;
    ok(e->kind == ODATA_EXPR_LT && e->type == ODATA_V_BOOLEAN && e->nargs == 2, "tree: lt, Boolean, two arguments");
    ok(e->args[0]->kind == ODATA_EXPR_PROPERTY && e->args[0]->u.property == odata_set_find_property(set, "amount", 6) &&
           e->args[0]->type == ODATA_V_DECIMAL && e->args[0]->pos == 0,
       "tree: property node");
    ok(e->args[1]->kind == ODATA_EXPR_LITERAL && e->args[1]->type == ODATA_V_DECIMAL && e->args[1]->pos == 10 &&
           e->args[1]->u.literal.u.dec.ndigits == 2 && memcmp(e->args[1]->u.literal.u.dec.digits, "25", 2) == 0 &&
           e->args[1]->u.literal.u.dec.exponent == -1 && !e->args[1]->u.literal.u.dec.negative,
       "tree: decimal literal normalised (25e-1)");
    odata_query_destroy(q);

    ok(parse_filter("created le 2024-01-01T02:00:00.0005+02:00", 41, NULL, &q, &err) == ODATA_OK, "tree: dto parses");
    e = q->filter->args[1];
    ok(e->u.literal.type == ODATA_V_DATETIMEOFFSET && e->u.literal.u.dto.us == INT64_C(1704067200000500) &&
           e->u.literal.u.dto.offset_min == 120,
       "tree: dto literal is the UTC instant in microseconds and its offset");
    odata_query_destroy(q);

    ok(parse_filter("birthday eq 1970-01-02", 22, NULL, &q, &err) == ODATA_OK && q->filter->args[1]->u.literal.u.date == 1,
       "tree: date literal in days");
    odata_query_destroy(q);
    ok(parse_filter("name in ('a', 'b')", 18, NULL, &q, &err) == ODATA_OK && q->filter->kind == ODATA_EXPR_IN &&
           q->filter->nargs == 3 && q->filter->args[2]->u.literal.u.str.len == 1 &&
           q->filter->args[2]->u.literal.u.str.base[0] == 'b',
       "tree: in holds its items after the left operand");
    odata_query_destroy(q);
    ok(parse_filter("contains(name, 'a')", 19, NULL, &q, &err) == ODATA_OK && q->filter->kind == ODATA_EXPR_CALL &&
           q->filter->u.call.func == ODATA_FN_CONTAINS && q->filter->type == ODATA_V_BOOLEAN,
       "tree: call");
    odata_query_destroy(q);
    ok(parse_filter("cast(age, Edm.String) eq '1'", 28, NULL, &q, &err) == ODATA_OK &&
           q->filter->args[0]->kind == ODATA_EXPR_CAST && q->filter->args[0]->u.cast_type == ODATA_V_STRING &&
           q->filter->args[0]->type == ODATA_V_STRING,
       "tree: cast");
    odata_query_destroy(q);
}

int main(void)
{
    make_model();
    test_cases();
    test_codes();
    test_mask();
    test_limits();
    test_tree();
    odata_model_destroy(model);
    return test_done();
}
