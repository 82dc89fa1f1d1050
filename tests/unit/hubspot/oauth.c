/* Tests the scope check of hubspot/oauth.c: are the scopes an install requires all granted? */
#include "hubspot/oauth.h"
#include "tests/unit/test.h"

int main(void)
{
    char missing[64];

    ok(hs_oauth_missing_scopes("oauth,tickets,crm.objects.contacts.read", "oauth crm.objects.contacts.read", missing,
                               sizeof(missing)) == 0,
       "every required scope granted");
    is_str(missing, "", "nothing listed as missing");
    ok(hs_oauth_missing_scopes("oauth,tickets", " oauth,, tickets  ", missing, sizeof(missing)) == 0,
       "spaces and commas both separate the required scopes");
    ok(hs_oauth_missing_scopes("oauth,crm.objects.contacts.read", "oauth crm.objects.deals.read tickets", missing,
                               sizeof(missing)) == 2,
       "two missing");
    is_str(missing, "crm.objects.deals.read tickets", "named in order");
    ok(hs_oauth_missing_scopes("oauth,crm.objects.contacts.readx", "crm.objects.contacts.read", missing, sizeof(missing)) == 1,
       "a longer granted name does not count");
    ok(hs_oauth_missing_scopes("oauth,crm.objects.contacts", "crm.objects.contacts.read", missing, sizeof(missing)) == 1,
       "nor does a prefix");
    ok(hs_oauth_missing_scopes("", "oauth", missing, sizeof(missing)) == 1, "nothing granted");
    ok(hs_oauth_missing_scopes("oauth", "", missing, sizeof(missing)) == 0, "nothing required");
    ok(hs_oauth_missing_scopes("", "a.very.long.scope.name.that.fills b.another.long.scope.name.that.fills", missing, 40) == 2,
       "both counted when the list does not fit");
    ok(strlen(missing) < 40, "the list is cut to its buffer: %s", missing);
    return test_done();
}
