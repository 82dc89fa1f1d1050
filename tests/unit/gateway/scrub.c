/* gateway/scrub.c: what log lines may not hold. */
#include <stdlib.h>
#include "test.h"
#include "gateway/scrub.h"

static const char *scrub(const char *in)
{
    static char out[1024];
    gw_scrub(in, "api_key", out, sizeof(out));
    return out;
}

int main(void)
{
    /* e-mail addresses: a stable tag, case-insensitive */
    char a[1024], b[1024];
    snprintf(a, sizeof(a), "%s", scrub("Ann.Lee+x@Example.ORG"));
    snprintf(b, sizeof(b), "%s", scrub("ann.lee+x@example.org"));
    ok(strncmp(a, "email:", 6) == 0 && strlen(a) == 18, "an address becomes email:<12 hex> (%s)", a);
    is_str(a, b, "the same address in another case gives the same tag");
    ok(strcmp(scrub("bob@example.org"), a) != 0, "another address another tag");
    is_str(scrub("HubSpot says: contact ann@example.org already exists (id 5)"),
           "HubSpot says: contact email:"
           "438c4c7afe60 already exists (id 5)",
           "in a sentence, with the rest kept (the tag: SHA-256 of the address)");
    ok(strstr(scrub("<x.y_z-1@mail.sub.example.co.uk>"), "example") == NULL, "sub-domains and odd local parts");
    ok(strstr(scrub("'a@b.io', \"c@d.io\""), "@") == NULL, "quoted, two in a line");
    is_str(scrub("user@localhost and a@b.c and @handle and x@"), "user@localhost and a@b.c and @handle and x@",
           "no address without a real top-level domain");
    is_str(scrub("release 1.2@3 and foo@bar"), "release 1.2@3 and foo@bar", "things that only look a little like one");

    /* tokens */
    is_str(scrub("token hsod_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St used"), "token hsod_*** used", "a personal access token");
    is_str(scrub("session hsods_ABCDEFGHIJ and hsst_QWERTY234567"), "session hsods_*** and hsst_***", "admin and staff sessions");
    is_str(scrub("hsod_ alone"), "hsod_ alone", "a bare prefix stays");
    is_str(scrub("xhsod_abc"), "xhsod_abc", "only at a word's start");

    /* parameters and credentials */
    is_str(scrub("GET /odata/1/contacts?api_key=hsod_x&$top=5"), "GET /odata/1/contacts?api_key=***&$top=5", "the key parameter");
    is_str(scrub("?API_KEY=secret123 next"), "?API_KEY=*** next", "its name in any case");
    is_str(scrub("my_api_key=5"), "my_api_key=5", "not a longer name that ends like it");
    is_str(scrub("grant_type=refresh_token&refresh_token=abc-123&client_secret=s3cr3t"),
           "grant_type=refresh_token&refresh_token=***&client_secret=***", "OAuth form fields");
    is_str(scrub("Authorization: Bearer eyJhbGciOi.x.y, then"), "Authorization: Bearer ***, then", "a Bearer credential");
    is_str(scrub("Basic dXNlcjpwYXNz"), "Basic ***", "a Basic credential");
    is_str(scrub("password=hunter2&code=123456"), "password=***&code=***", "passwords and codes");
    is_str(scrub("errcode=5 zipcode=1"), "errcode=5 zipcode=1", "names that only end in code");

    /* limits */
    {
        char small[8];
        gw_scrub("abcdefghijkl", NULL, small, sizeof(small));
        is_str(small, "abcdefg", "cut to the buffer, NUL-terminated");
        gw_scrub("a@example.org", NULL, small, sizeof(small));
        ok(strlen(small) == 7 && strchr(small, '@') == NULL, "a tag cut short still hides the address");
    }
    is_str(scrub(""), "", "an empty line");
    return test_done();
}
