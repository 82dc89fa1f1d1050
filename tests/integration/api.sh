#!/usr/bin/env bash
# The admin API's identity and the uninstall: HubSpot's signed launch request (X-HubSpot-Signature-v3),
# launch codes and sessions, gatewayctl launch, and DELETE /api/v1/portal, against a simulator of this
# test's own (the uninstall revokes its grant), with a gateway on an empty database.
. "$(dirname "$0")/lib.sh"

it_fresh_db it_api

HUB=5000003
OTHER=5000004
CID=api-test-client
CSECRET=api-test-secret
RT=api-test-refresh-token
"$GW_BUILD_DIR/hubspot-sim" --listen 127.0.0.1:0 --seed 5 --portal-id "$HUB" --client-id "$CID" --client-secret "$CSECRET" \
    --refresh-token "$RT" --contacts 20 --companies 2 --deals 2 --tickets 2 --users 5 --teams 2 --user-super-admin 4 \
    --rate-ten-secondly 0 --rate-secondly-search 0 >"$T_DIR/sim.out" 2>"$T_DIR/sim.log" &
SIM_PID=$!
SIM_URL=$(gw_wait_line "$T_DIR/sim.out" '^hubspot-sim listening' | sed 's/.*listening on \([^ ]*\).*/\1/')

trap 'rc=$?; kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; it_teardown $rc' EXIT

start_gateway() { # start_gateway HUBSPOT_URL
    rm -f "$T_DIR/gateway.out" # a restart must not read the last run's address
    "$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$1" --client-id "$CID" --client-secret "$CSECRET" \
        --hubspot-rate-limit 0 --hubspot-search-rate 0 >"$T_DIR/gateway.out" 2>>"$T_DIR/gateway.log" &
    GW_PID=$!
    GW_URL=$(gw_wait_line "$T_DIR/gateway.out" '^odata-gateway listening' | sed 's/.*listening on //')
}
stop_gateway() {
    kill "$GW_PID"
    wait "$GW_PID"
    GW_PID=
}

printf '%s' "$RT" | ctl portal add --hub-id "$HUB" --refresh-token - --installed-by 1 >/dev/null
printf 'other-portal-token' | ctl portal add --hub-id "$OTHER" --refresh-token - --installed-by 7 >/dev/null
DS=$(ctl datasource create --portal "$HUB" --owner 1 --name "Contacts" --object contacts)
ods=$(ctl datasource create --portal "$OTHER" --owner 7 --name "Theirs" --object deals)
TOKEN=$(ctl token mint --portal "$HUB" --owner 2 --name "member's" 2>/dev/null | sed -n 's/^Token: //p')
ctl token mint --portal "$OTHER" --owner 7 --name "theirs" >/dev/null 2>&1
sql "INSERT INTO data_source_shares (portal_id, data_source_id, principal_kind, principal_id) VALUES ($HUB, $DS, 'user', 2), ($OTHER, $ods, 'user', 8)"
start_gateway "$SIM_URL"

now_ms() { date +%s%3N; }
# sign METHOD URI BODY TIMESTAMP [SECRET]: X-HubSpot-Signature-v3 as HubSpot computes it
sign() { printf '%s%s%s%s' "$1" "$2" "$3" "$4" | openssl dgst -sha256 -hmac "${5:-$CSECRET}" -binary | base64 -w0; }
# launch_req URL SIGNED_URL BODY TIMESTAMP [SECRET]: a launch request as HubSpot's app card sends it
launch_req() {
    local sig
    sig=$(sign POST "$2" "$3" "$4" "${5:-$CSECRET}")
    http POST "$1" -H "X-HubSpot-Signature-v3: $sig" -H "X-HubSpot-Request-Timestamp: $4" -H 'Content-Type: application/json' \
        --data-raw "$3"
}
launch() { # launch USER [PORTAL]: a signed launch; prints the status
    local url="$GW_URL/api/v1/launch?userId=$1&userEmail=user$1@example.com&appId=42&portalId=${2:-$HUB}"
    launch_req "$url" "$url" '{}' "$(now_ms)"
}
code_of() { jq -r .launchUrl "$T_DIR/b" | sed -n 's/.*#launch=//p'; }
session() { http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw "{\"launchCode\":\"$1\"}"; }
me() { http GET "$GW_URL/api/v1/me" -H "Authorization: Bearer $1"; }
err_code() { jq -r .error.code "$T_DIR/b"; }
header() { grep -i "^$1:" "$T_DIR/h" | tail -n 1 | cut -d' ' -f2- | tr -d '\r'; }

# ---- the signed launch ----
st=$(launch 1)
t_is "$st $(jq -r .expiresIn "$T_DIR/b")" "200 60" "a signed launch for the portal's admin: 200, valid for a minute"
jq -r .launchUrl "$T_DIR/b" | grep -qE "^$GW_URL/app/#launch=[A-Za-z0-9_-]{43}\$"; t_ok $? "the launch URL opens the UI with the code in its fragment"
code=$(code_of)
t_is "$(sql "SELECT count(*), bool_and(user_id = 1), bool_and(expires_at BETWEEN now() + interval '50 seconds' AND now() + interval '61 seconds') FROM launch_codes")" \
    "1|t|t" "one launch code stored, for user 1, expiring in a minute"
t_is "$(sql "SELECT count(*) FROM launch_codes WHERE position(convert_to('$code', 'UTF8') in code_hash) > 0")" 0 "only its hash"

ts=$(now_ms)
url="$GW_URL/api/v1/launch?portalId=$HUB&userId=1"
st=$(launch_req "$url" "$url" '{"card":"x"}' "$ts")
t_is "$st" 200 "a launch with a body: 200"
st=$(launch_req "$url" "$url" '{"card":"x"}' "$ts")
t_is "$st $(err_code)" "401 SignatureReplayed" "the same signed request again: 401 SignatureReplayed"
st=$(launch_req "$url" "$url" '{"card":"x"}' "$(now_ms)" wrong-secret)
t_is "$st $(err_code)" "401 SignatureInvalid" "signed with another secret: 401 SignatureInvalid"
sig=$(sign POST "$url" '{"card":"x"}' "$ts")
st=$(http POST "$url" -H "X-HubSpot-Signature-v3: $sig" -H "X-HubSpot-Request-Timestamp: $ts" --data-raw '{"card":"y"}')
t_is "$st $(err_code)" "401 SignatureInvalid" "a body changed after signing: 401"
st=$(http POST "${url/userId=1/userId=2}" -H "X-HubSpot-Signature-v3: $sig" -H "X-HubSpot-Request-Timestamp: $ts" --data-raw '{"card":"x"}')
t_is "$st $(err_code)" "401 SignatureInvalid" "another user in the signed URL: 401"
st=$(launch_req "$url" "$url" '' "$(($(now_ms) - 6 * 60 * 1000))")
t_is "$st $(err_code)" "401 SignatureExpired" "a timestamp six minutes old: 401 SignatureExpired"
st=$(launch_req "$url" "$url" '' "$(($(now_ms) + 6 * 60 * 1000))")
t_is "$st $(err_code)" "401 SignatureExpired" "a timestamp six minutes ahead: 401"
st=$(launch_req "$url" "$url" '' "12ab")
t_is "$st $(err_code)" "401 SignatureExpired" "a timestamp that is not a number: 401"
st=$(http POST "$url")
t_is "$st $(err_code)" "401 SignatureRequired" "no signature: 401 SignatureRequired"
grep -qi '^www-authenticate: Bearer' "$T_DIR/h"; t_ok $? "with a WWW-Authenticate header"
# HubSpot signs the URI with these characters decoded
enc="$GW_URL/api/v1/launch?portalId=$HUB&userId=3&userEmail=user3%40example.com&x=%28a%29%2C%3Ab"
st=$(launch_req "$enc" "$GW_URL/api/v1/launch?portalId=$HUB&userId=3&userEmail=user3@example.com&x=(a),:b" '' "$(now_ms)")
t_is "$st" 200 "percent-encoded @ ( ) , : are signed decoded, as HubSpot does"
st=$(launch_req "$enc" "$enc" '' "$(now_ms)")
t_is "$st" 401 "and the encoded form does not match"
st=$(launch 1 999999)
t_is "$st $(err_code)" "404 PortalNotInstalled" "a portal without the app: 404 PortalNotInstalled"
jq -r .error.message "$T_DIR/b" | grep -q "/oauth/install"; t_ok $? "the message says where to install it"
url2="$GW_URL/api/v1/launch?portalId=$HUB"
st=$(launch_req "$url2" "$url2" '' "$(now_ms)")
t_is "$st $(err_code)" "400 InvalidRequest" "no userId: 400"
url2="$GW_URL/api/v1/launch?portalId=$HUB&userId=-4"
st=$(launch_req "$url2" "$url2" '' "$(now_ms)")
t_is "$st $(err_code)" "400 InvalidRequest" "a negative userId: 400"
st=$(http GET "$GW_URL/api/v1/launch")
t_is "$st $(header allow)" "405 POST" "GET /api/v1/launch: 405, Allow: POST"
t_is "$(sql "SELECT count(*) FROM launch_codes")" 3 "only the accepted launches made codes"

# ---- the session ----
st=$(session "$code")
t_is "$st $(jq -r '[.tokenType, .expiresIn, .portalId, .userId, .role] | join(" ")' "$T_DIR/b")" \
    "200 Bearer 3600 $HUB 1 admin" "the launch code gives a session: the installer is an admin"
admin=$(jq -r .token "$T_DIR/b")
[[ $admin == hsods_* ]]; t_ok $? "a session token with its prefix"
st=$(session "$code")
t_is "$st $(err_code)" "401 LaunchCodeInvalid" "a launch code works once"
st=$(me "$admin")
t_is "$st $(jq -c -S . "$T_DIR/b")" "200 {\"portalId\":$HUB,\"role\":\"admin\",\"teamIds\":[101],\"userId\":1}" \
    "GET /api/v1/me: the portal, the user, the role, the user's HubSpot teams"
grep -qi '^cache-control: no-store' "$T_DIR/h"; t_ok $? "answers are not cached"
out=$(ctl launch --portal "$HUB" --user 2 --public-url "$GW_URL/")
[[ $out == "$GW_URL/app/#launch="* ]]; t_ok $? "gatewayctl launch prints a launch URL"
users_before=$(curl -s "$SIM_URL/__sim/stats" | jq .requests.settings_users)
st=$(session "${out#*#launch=}")
t_is "$st $(jq -c '[.role, .teamIds]' "$T_DIR/b")" '200 ["member",[101,102]]' \
    "it opens a session; user 2 is a member of HubSpot teams 102 and 101"
member=$(jq -r .token "$T_DIR/b")
t_is "$(curl -s "$SIM_URL/__sim/stats" | jq .requests.settings_users)" "$((users_before + 1))" "who the user is came from HubSpot's users API"
out=$(ctl launch --portal "$HUB" --user 4)
st=$(session "${out#*#launch=}")
t_is "$st $(jq -c '[.role, .teamIds]' "$T_DIR/b")" '200 ["admin",[102]]' "a HubSpot super admin is an admin of the connector"
super=$(jq -r .token "$T_DIR/b")
st=$(me "$super")
t_is "$st $(jq -r .role "$T_DIR/b")" "200 admin" "and stays one for the session"
out=$(ctl launch --portal "$HUB" --user 9)
st=$(session "${out#*#launch=}")
t_is "$st $(err_code)" "403 UnknownUser" "a user HubSpot does not know in the portal: 403"
t_is "$(sql "SELECT count(*) FROM sessions WHERE user_id = 9")" 0 "and no session"
ctl launch --portal 999999 --user 2 >/dev/null 2>"$T_DIR/err"
t_is "$? $(grep -c 'no portal 999999' "$T_DIR/err")" "1 1" "gatewayctl launch for a portal without the app: exit 1"
out=$(ctl launch --portal "$HUB" --user 2)
sql "UPDATE launch_codes SET expires_at = now() - interval '1 second'"
st=$(session "${out#*#launch=}")
t_is "$st $(err_code)" "401 LaunchCodeInvalid" "a launch code past its minute: 401"
st=$(session "no-such-code")
t_is "$st $(err_code)" "401 LaunchCodeInvalid" "an unknown launch code: 401"
st=$(http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw '{"launchCode":')
t_is "$st $(err_code)" "400 InvalidJson" "a body that is not JSON: 400"
st=$(http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw '{"launchCode":"x","admin":true}')
t_is "$st $(err_code)" "400 UnknownMember" "an unknown member: 400"
st=$(http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw '{"launchCode":"a","launchCode":"b"}')
t_is "$st $(err_code)" "400 InvalidJson" "a property given twice: 400"
st=$(http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw '[]')
t_is "$st $(err_code)" "400 InvalidRequest" "not an object: 400"
st=$(http POST "$GW_URL/api/v1/session" -H 'Content-Type: text/plain' --data-raw '{"launchCode":"x"}')
t_is "$st $(err_code)" "415 UnsupportedMediaType" "not JSON by its Content-Type: 415"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T_DIR/big"
st=$(http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-binary @"$T_DIR/big")
t_is "$st $(err_code)" "413 PayloadTooLarge" "a body over 64 KiB: 413"
st=$(http GET "$GW_URL/api/v1/me")
t_is "$st $(err_code)" "401 SessionRequired" "no session: 401"
st=$(me "hsods_nonsense")
t_is "$st $(err_code)" "401 SessionInvalid" "an unknown session: 401"
st=$(me "$TOKEN")
t_is "$st $(err_code)" "401 SessionInvalid" "a personal access token is not a session: 401"
st=$(http GET "$GW_URL/api/v1/nothing")
t_is "$st $(err_code)" "404 NotFound" "an unknown API address: 404"
t_is "$(sql "SELECT count(*) FROM sessions WHERE position(convert_to('$admin', 'UTF8') in token_hash) > 0")" 0 "sessions are stored as hashes"

# ---- the uninstall ----
snapshot() { sql "SELECT (SELECT count(*) FROM portals), (SELECT count(*) FROM data_sources), (SELECT count(*) FROM access_tokens), (SELECT count(*) FROM data_source_shares), (SELECT count(*) FROM sessions)"; }
before=$(snapshot)
st=$(http DELETE "$GW_URL/api/v1/portal" -H "Authorization: Bearer $member" -H 'Content-Type: application/json' --data-raw "{\"confirmPortalId\":$HUB}")
t_is "$st $(err_code)" "403 Forbidden" "a member cannot uninstall: 403"
st=$(http DELETE "$GW_URL/api/v1/portal" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' --data-raw '{}')
t_is "$st $(err_code)" "400 ConfirmationRequired" "an admin must confirm with the hub id: 400"
st=$(http DELETE "$GW_URL/api/v1/portal" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' --data-raw "{\"confirmPortalId\":$OTHER}")
t_is "$st $(err_code)" "400 ConfirmationRequired" "another portal's id does not confirm: 400"
st=$(http DELETE "$GW_URL/api/v1/portal" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' --data-raw "{\"confirmPortalId\":\"$HUB\"}")
t_is "$st $(err_code)" "400 ConfirmationRequired" "the id as a string does not confirm: 400"
t_is "$(snapshot)" "$before" "none of these changed anything"
# a gateway without the grant's master key cannot revoke it: nothing is removed
stop_gateway
echo "2:$(openssl rand -hex 32)" >"$T_DIR/other.key"
GATEWAY_MASTER_KEY_FILE="$T_DIR/other.key" start_gateway "$SIM_URL"
st=$(http DELETE "$GW_URL/api/v1/portal" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' --data-raw "{\"confirmPortalId\":$HUB}")
t_is "$st $(err_code)" "503 MasterKeyMissing" "a gateway lacking the grant's master key: 503"
t_is "$(snapshot)" "$before" "and nothing was removed"
# HubSpot out of reach: nothing is removed
stop_gateway
start_gateway "http://127.0.0.1:9"
st=$(http DELETE "$GW_URL/api/v1/portal" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' --data-raw "{\"confirmPortalId\":$HUB}")
t_is "$st $(err_code)" "504 HubSpotError" "HubSpot cannot be reached to revoke the grant: 504"
jq -r .error.message "$T_DIR/b" | grep -q "nothing was removed"; t_ok $? "the message says nothing was removed"
t_is "$(snapshot)" "$before" "and nothing was"
stop_gateway
start_gateway "$SIM_URL"
st=$(http GET "$GW_URL/odata/$DS/contacts" -H "Authorization: Bearer $TOKEN")
t_is "$st" 200 "the portal's feed works before the uninstall"
# the audit tables outlive an uninstall, which they record (their retention removes them)
tables=$(sql "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'portal_id'
              AND table_name NOT LIKE 'audit\_%' ORDER BY 1")
rows_of() { # rows_of PORTAL: the portal's row count in every table with a portal_id column, and in portals
    local t
    for t in $tables; do echo "$t $(sql "SELECT count(*) FROM \"$t\" WHERE portal_id = $1")"; done
    echo "portals $(sql "SELECT count(*) FROM portals WHERE id = $1")"
}
other_before=$(rows_of "$OTHER")
st=$(http DELETE "$GW_URL/api/v1/portal" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' --data-raw "{\"confirmPortalId\":$HUB}")
t_is "$st $(jq -c '[.portalId, .revokedAtHubSpot, .removed.portals, .removed.data_sources, .removed.access_tokens, .removed.data_source_shares, .removed.portal_admins, .removed.sessions]' "$T_DIR/b")" \
    "200 [$HUB,true,1,1,1,1,1,3]" "an admin uninstalls: 200, the grant revoked, the rows removed per table"
st=$(http GET "$SIM_URL/oauth/v1/refresh-tokens/$RT")
t_is "$st" 404 "HubSpot no longer knows the portal's refresh token"
t_is "$(rows_of "$HUB" | awk '$2 != 0' | wc -l)" 0 "no row of the portal is left in any table with a portal_id column, nor in portals"
t_is "$(sql "SELECT actor || ' ' || (detail->'removed'->>'data_sources') FROM audit_log WHERE portal_id = $HUB AND event = 'portal.uninstalled'")" \
    "user:1 1" "the portal's audit log records the uninstall, by whom, and what was removed"
t_is "$(rows_of "$OTHER")" "$other_before" "the other portal's rows are all still there"
st=$(http GET "$GW_URL/odata/$DS/contacts" -H "Authorization: Bearer $TOKEN")
t_is "$st" 401 "the portal's personal access token no longer works"
st=$(me "$admin")
t_is "$st $(err_code)" "401 SessionInvalid" "nor does the admin's session"
grep -q "portal=$HUB uninstalled by user=1 (grant revoked at HubSpot)" "$T_DIR/gateway.log"; t_ok $? "the uninstall is logged"

# ---- nothing secret in the log ----
leaks=0
for s in "$RT" "$code" "$admin" "$member" "$super" "$TOKEN" "$CSECRET"; do
    grep -qF -- "$s" "$T_DIR/gateway.log" && { echo "# in the log: ${s:0:8}..."; leaks=$((leaks + 1)); }
done
t_is "$leaks" 0 "no refresh token, launch code, session, access token or secret in the gateway's log"

t_done
