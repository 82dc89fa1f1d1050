#!/usr/bin/env bash
# Personal access tokens through the admin API: mint (shown once, hashed, capped, bounded lifetime),
# use on a real OData feed, list (own tokens; an admin sees all of the portal), revoke (owner or admin,
# effective at the next request), and portals kept apart. Sessions come from gatewayctl launch; who a
# user is comes from the simulator's users API (user 1 is a HubSpot super admin).
. "$(dirname "$0")/lib.sh"

it_setup it_tokens --token-cap 3 --token-max-days 30
PORTAL=$GW_TEST_SIM_PORTAL
sql "INSERT INTO data_source_shares (portal_id, data_source_id, principal_kind, principal_id) VALUES ($PORTAL, $DS, 'user', 2)"

session() { # session USER: a session token for USER of the sandbox portal
    local out
    out=$(ctl launch --portal "$PORTAL" --user "$1")
    http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw "{\"launchCode\":\"${out#*#launch=}\"}" >/dev/null
    jq -r .token "$T_DIR/b"
}
api() { # api METHOD PATH SESSION [curl args...]
    local method=$1 path=$2 tok=$3
    shift 3
    http "$method" "$GW_URL/api/v1$path" -H "Authorization: Bearer $tok" "$@"
}
mint() { api POST /tokens "$1" -H 'Content-Type: application/json' --data-raw "$2"; }
feed() { http GET "$GW_URL/odata/$DS/contacts?\$top=3" -H "Authorization: Bearer $1"; }
err_code() { jq -r .error.code "$T_DIR/b"; }

ADMIN=$(session 1)
U2=$(session 2)
U3=$(session 3)
t_ok "$([[ $ADMIN == hsods_* && $U2 == hsods_* && $U3 == hsods_* ]] && echo 0 || echo 1)" "sessions for users 1, 2 and 3"

# ---- mint and use ----
st=$(mint "$U2" '{"name":"Power BI laptop"}')
t_is "$st $(jq -r '[.name, .ownerUserId, .state, (.lastUsedAt == null)] | map(tostring) | join(" ")' "$T_DIR/b")" \
    "201 Power BI laptop 2 active true" "user 2 mints a token: 201"
tok=$(jq -r .token "$T_DIR/b")
id=$(jq -r .id "$T_DIR/b")
grep -qi '^cache-control: no-store' "$T_DIR/h"; t_ok $? "the answer is not cached"
[[ $tok =~ ^hsod_[0-9A-Za-z]{38}$ ]]; t_ok $? "the token has its recognisable form"
t_is "$(jq -r .prefix "$T_DIR/b")" "${tok:0:12}" "its prefix is shown for lists"
t_is "$(sql "SELECT count(*) FROM access_tokens WHERE id = $id AND token_hash = sha256(convert_to('$tok', 'UTF8'))")" 1 \
    "only its SHA-256 is stored"
t_is "$(sql "SELECT count(*) FROM access_tokens WHERE position(convert_to('$tok', 'UTF8') in token_hash) > 0")" 0 "not its text"
t_is "$(sql "SELECT expires_at BETWEEN now() + interval '29 days 23 hours' AND now() + interval '30 days 1 hour' FROM access_tokens WHERE id = $id")" \
    t "the default 90 days is held to --token-max-days (30)"
st=$(feed "$tok")
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 3" "the token reads a feed of a data source shared with its owner"
t_is "$(wait_sql "SELECT last_used_at IS NOT NULL FROM access_tokens WHERE id = $id" t)" t "its use is recorded"
st=$(api GET /tokens "$U2")
t_is "$st $(jq -c '[.value[] | [.id, .state, (.lastUsedAt != null)]]' "$T_DIR/b")" "200 [[$id,\"active\",true]]" \
    "user 2 lists their token, with its last use"
st=$(api GET /tokens "$U3")
t_is "$st $(jq -c '.value | length' "$T_DIR/b")" "200 0" "user 3 sees none of it"
st=$(api GET /tokens "$ADMIN")
t_is "$st $(jq -c '[.value[].ownerUserId]' "$T_DIR/b")" "200 [1,2]" "the portal admin sees every token of the portal"

# ---- revoke ----
st=$(api DELETE "/tokens/$id" "$U3")
t_is "$st $(err_code)" "404 NotFound" "another member cannot revoke it: 404"
st=$(api DELETE /tokens/999999 "$U2")
t_is "$st $(err_code)" "404 NotFound" "an unknown token: 404"
st=$(api DELETE /tokens/abc "$U2")
t_is "$st $(err_code)" "404 NotFound" "a malformed id: 404"
st=$(api GET "/tokens/$id" "$U2")
t_is "$st" 405 "GET of one token: 405"
st=$(feed "$tok")
t_is "$st" 200 "the token still works"
st=$(api DELETE "/tokens/$id" "$U2")
t_is "$st $(jq -r '[.state, (.revokedAt != null)] | map(tostring) | join(" ")' "$T_DIR/b")" "200 revoked true" \
    "its owner revokes it: 200"
st=$(feed "$tok")
t_is "$st" 401 "the next OData request with it gets 401"
st=$(api DELETE "/tokens/$id" "$U2")
t_is "$st $(jq -r .state "$T_DIR/b")" "200 revoked" "revoking it again changes nothing"
t_is "$(sql "SELECT revoked_by FROM access_tokens WHERE id = $id")" 2 "who revoked it is recorded"
mint "$U2" '{"name":"second","expiresInDays":7}' >/dev/null
tok2=$(jq -r .token "$T_DIR/b")
id2=$(jq -r .id "$T_DIR/b")
t_is "$(sql "SELECT expires_at BETWEEN now() + interval '6 days 23 hours' AND now() + interval '7 days 1 hour' FROM access_tokens WHERE id = $id2")" \
    t "a token for 7 days"
st=$(api DELETE "/tokens/$id2" "$ADMIN")
t_is "$st $(jq -r .state "$T_DIR/b")" "200 revoked" "the portal admin revokes another user's token"
st=$(feed "$tok2")
t_is "$st" 401 "and it stops working"

# ---- what is refused ----
st=$(mint "$U2" '{"name":""}')
t_is "$st $(err_code)" "400 InvalidName" "an empty name: 400"
st=$(mint "$U2" "{\"name\":\"$(printf 'x%.0s' $(seq 201))\"}")
t_is "$st $(err_code)" "400 InvalidName" "a name of 201 characters: 400"
st=$(mint "$U2" '{"name":"bell\u0007"}')
t_is "$st $(err_code)" "400 InvalidName" "a control character: 400"
st=$(mint "$U2" '{"name":"nul\u0000x"}')
t_is "$st $(err_code)" "400 InvalidJson" "a NUL in the name is not taken as JSON: 400"
st=$(mint "$U2" '{}')
t_is "$st $(err_code)" "400 InvalidName" "no name: 400"
for d in 0 31 '"5"' 1.5 -1 null; do
    st=$(mint "$U2" "{\"name\":\"n\",\"expiresInDays\":$d}")
    t_is "$st $(err_code)" "400 InvalidExpiry" "expiresInDays $d: 400"
done
st=$(mint "$U2" '{"name":"n","owner":1}')
t_is "$st $(err_code)" "400 UnknownMember" "an unknown member (an owner): 400"
st=$(http POST "$GW_URL/api/v1/tokens" -H 'Content-Type: application/json' --data-raw '{"name":"n"}')
t_is "$st $(err_code)" "401 SessionRequired" "no session: 401"
t_is "$(sql "SELECT count(*) FROM access_tokens WHERE owner_user_id = 2")" 2 "none of these stored a token"

# ---- the cap of active tokens ----
for n in 1 2 3; do mint "$U3" "{\"name\":\"t$n\"}" >/dev/null; done
t_is "$(sql "SELECT count(*) FROM access_tokens WHERE owner_user_id = 3")" 3 "user 3 holds three tokens"
st=$(mint "$U3" '{"name":"t4"}')
t_is "$st $(err_code)" "409 TokenLimitReached" "a fourth is refused at --token-cap 3: 409"
jq -r .error.message "$T_DIR/b" | grep -q "revoke one"; t_ok $? "the message says what to do"
first=$(sql "SELECT min(id) FROM access_tokens WHERE owner_user_id = 3")
api DELETE "/tokens/$first" "$U3" >/dev/null
st=$(mint "$U3" '{"name":"t4"}')
t_is "$st" 201 "after revoking one, a new one is minted"
exp=$(jq -r .token "$T_DIR/b")
sql "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE owner_user_id = 3 AND name = 't4'"
st=$(feed "$exp")
t_is "$st" 401 "an expired token gets 401"
st=$(api GET /tokens "$U3")
t_is "$(jq -r '[.value[] | select(.name == "t4") | .state] | join(" ")' "$T_DIR/b")" "expired" "and is listed as expired"
st=$(mint "$U3" '{"name":"t5"}')
t_is "$st" 201 "expired tokens do not count against the cap"

# ---- portals apart ----
printf 'other-portal-token' | ctl portal add --hub-id 7770001 --refresh-token - >/dev/null
other="hsods_$(openssl rand -hex 20)"
sql "INSERT INTO sessions (portal_id, token_hash, user_id, expires_at, hubspot_super_admin) VALUES (7770001, sha256(convert_to('$other', 'UTF8')), 2, now() + interval '1 hour', true)"
st=$(api GET /tokens "$other")
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 0" "an admin of another portal sees none of this portal's tokens"
live=$(sql "SELECT min(id) FROM access_tokens WHERE owner_user_id = 3 AND revoked_at IS NULL AND expires_at > now()")
st=$(api DELETE "/tokens/$live" "$other")
t_is "$st $(err_code)" "404 NotFound" "nor revoke one: 404"
t_is "$(sql "SELECT revoked_at IS NULL FROM access_tokens WHERE id = $live")" t "and it is untouched"
sql "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = 3"
st=$(api GET /tokens "$U3")
t_is "$st $(err_code)" "401 SessionInvalid" "an expired session: 401"

leaks=0
for s in "$tok" "$tok2" "$exp" "$ADMIN" "$U2" "$U3"; do
    grep -qF -- "$s" "$T_DIR/gateway.log" && leaks=$((leaks + 1))
done
t_is "$leaks" 0 "no token or session text in the gateway's log"

# ---- a session's user as HubSpot says now (checked again after 5 minutes) ----
fake_session() { # fake_session USER SUPER_ADMIN: a session as one started a while ago would be; prints its token
    local tok
    tok="hsods_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43)"
    sql "INSERT INTO sessions (portal_id, token_hash, user_id, expires_at, hubspot_super_admin, team_ids)
         VALUES ($PORTAL, sha256(convert_to('$tok', 'UTF8')), $1, now() + interval '1 hour', $2, '{}')" >/dev/null
    echo "$tok"
}
sql "UPDATE portal_users SET seen_at = now() - interval '10 minutes' WHERE portal_id = $PORTAL AND user_id = 2" >/dev/null
S2=$(fake_session 2 true)
st=$(api GET /me "$S2")
t_is "$st $(jq -r .role "$T_DIR/b")" "200 member" \
    "a session whose user HubSpot was not asked about lately: HubSpot is asked, and its answer decides (no longer a super admin)"
t_is "$(sql "SELECT hubspot_super_admin, seen_at > now() - interval '1 minute' FROM portal_users WHERE portal_id = $PORTAL AND user_id = 2")" \
    "f|t" "and is recorded"
S9=$(fake_session 9 false)
st=$(api GET /tokens "$S9")
t_is "$st $(err_code)" "401 SessionInvalid" "a user HubSpot no longer has in the portal: 401"
t_is "$(sql "SELECT count(*) FROM sessions WHERE portal_id = $PORTAL AND user_id = 9")" 0 "and every session of theirs ends"

t_done
