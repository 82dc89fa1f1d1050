#!/usr/bin/env bash
# Tokens: every way Power BI can send one, and every way one can be refused.
. "$(dirname "$0")/lib.sh"
it_setup it_auth

feed="$GW_URL/odata/$DS/contacts"
svc="$GW_URL/odata/$DS/"

st=$(http GET "$svc")
t_is "$st" 401 "no token: 401"
grep -qi '^www-authenticate: Basic' "$T_DIR/h"; t_ok $? "no token: WWW-Authenticate: Basic"
jq -e '.error.code and .error.message' "$T_DIR/b" >/dev/null; t_ok $? "no token: an OData error body"
nobody=$(cat "$T_DIR/b")

st=$(http GET "$svc" -H "Authorization: Bearer hsod_this_is_not_a_token")
t_is "$st" 401 "malformed token: 401"
t_is "$(cat "$T_DIR/b")" "$nobody" "malformed token: the same body as no token"

# a well-formed token with a valid checksum that is not (any more) in the database
other=$(ctl token mint --portal "$GW_TEST_SIM_PORTAL" --owner 1 --name other | sed -n 's/^Token: //p')
sql "DELETE FROM access_tokens WHERE name = 'other'" >/dev/null
st=$(http GET "$svc" -H "Authorization: Bearer $other")
t_is "$st" 401 "unknown well-formed token: 401"
t_is "$(cat "$T_DIR/b")" "$nobody" "unknown token: the same body as no token (no hint it existed)"

st=$(http GET "$svc" -u "powerbi:$TOKEN")
t_is "$st" 200 "Basic with the token as password: 200"
t_is "$(grep -ci '^odata-version:' "$T_DIR/h")" 1 "OData-Version sent exactly once"
st=$(http GET "$svc" -H "Authorization: Bearer $TOKEN")
t_is "$st" 200 "Bearer token: 200"
st=$(http GET "$svc?api_key=$TOKEN")
t_is "$st" 200 "token as the api_key query parameter: 200"
t_is "$(sql "SELECT last_used_at IS NOT NULL FROM access_tokens WHERE id = $TOKEN_ID")" t "last use recorded"

# a data source the token's owner may not read: user 3 is a member (user 1, who installed the app, is an
# admin of the portal and reads every data source of it)
tok3=$(ctl token mint --portal "$GW_TEST_SIM_PORTAL" --owner 3 --name member | sed -n 's/^Token: //p')
ds2=$(ctl datasource create --portal "$GW_TEST_SIM_PORTAL" --owner 2 --name "Someone else's" --object deals)
st=$(http GET "$GW_URL/odata/$ds2/" -H "Authorization: Bearer $tok3")
t_is "$st" 404 "data source owned by another user and not shared: 404"
sql "INSERT INTO data_source_shares (portal_id, data_source_id, principal_kind, principal_id) VALUES ($GW_TEST_SIM_PORTAL, $ds2, 'user', 3)"
st=$(http GET "$GW_URL/odata/$ds2/" -H "Authorization: Bearer $tok3")
t_is "$st" 200 "shared with the token's owner: 200"
sql "DELETE FROM data_source_shares WHERE data_source_id = $ds2"
st=$(http GET "$GW_URL/odata/$ds2/" -H "Authorization: Bearer $tok3")
t_is "$st" 404 "unshared: 404 on the next request"
st=$(http GET "$GW_URL/odata/$ds2/" -H "Authorization: Bearer $TOKEN")
t_is "$st" 200 "a portal admin's token reads every data source of the portal"

st=$(http GET "$GW_URL/odata/999999/" -H "Authorization: Bearer $TOKEN")
t_is "$st" 404 "unknown data source: 404"

# expiry and revocation take effect at once
sql "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = $TOKEN_ID"
st=$(http GET "$svc" -H "Authorization: Bearer $TOKEN")
t_is "$st" 401 "expired token: 401"
sql "UPDATE access_tokens SET expires_at = now() + interval '1 day' WHERE id = $TOKEN_ID"
st=$(http GET "$svc" -H "Authorization: Bearer $TOKEN")
t_is "$st" 200 "valid again: 200"
ctl token revoke --id "$TOKEN_ID" >/dev/null
st=$(http GET "$feed" -H "Authorization: Bearer $TOKEN")
t_is "$st" 401 "revoked token: 401 at once"
t_is "$(cat "$T_DIR/b")" "$nobody" "revoked token: the same body as no token"

st=$(http POST "$svc" -H "Authorization: Bearer $TOKEN")
t_is "$st" 405 "POST: 405"

t_done
