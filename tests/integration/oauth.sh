#!/usr/bin/env bash
# The app's install in a HubSpot portal (OAuth authorization code flow), its refusals, the uninstall
# (gatewayctl portal remove) and master key rotation (gatewayctl keys rotate), against a simulator of
# this test's own that approves installs at once, with a gateway on an empty database.
. "$(dirname "$0")/lib.sh"

it_fresh_db it_oauth

HUB=3000007
OTHER=4000001
CID=oauth-test-client
CSECRET=oauth-test-secret
"$GW_BUILD_DIR/hubspot-sim" --listen 127.0.0.1:0 --seed 11 --portal-id "$HUB" --client-id "$CID" --client-secret "$CSECRET" \
    --contacts 150 --companies 20 --deals 30 --tickets 10 --auto-approve \
    --rate-ten-secondly 0 --rate-secondly-search 0 >"$T_DIR/sim.out" 2>"$T_DIR/sim.log" &
SIM_PID=$!
SIM_URL=$(gw_wait_line "$T_DIR/sim.out" '^hubspot-sim listening' | sed 's/.*listening on \([^ ]*\).*/\1/')

trap 'rc=$?; kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; it_teardown $rc' EXIT

# start_gateway KEYFILE [flags...]: a gateway for the simulator's app; sets GW_PID and GW_URL
start_gateway() {
    local keys=$1
    shift
    rm -f "$T_DIR/gateway.out" # a restart must not read the last run's address
    GATEWAY_MASTER_KEY_FILE=$keys "$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$SIM_URL" \
        --hubspot-auth-url "$SIM_URL" "$@" >"$T_DIR/gateway.out" 2>>"$T_DIR/gateway.log" &
    GW_PID=$!
    GW_URL=$(gw_wait_line "$T_DIR/gateway.out" '^odata-gateway listening' | sed 's/.*listening on //')
}
app=(--client-id "$CID" --client-secret "$CSECRET")
stop_gateway() {
    kill "$GW_PID"
    wait "$GW_PID"
    local rc=$?
    GW_PID=
    return $rc
}
header() { grep -i "^$1:" "$2" | tail -n 1 | cut -d' ' -f2- | tr -d '\r'; }
# what may change with an install: the grants and the admins
snapshot() { sql "SELECT id, encode(refresh_token_enc, 'hex'), updated_at, needs_reauth FROM portals ORDER BY id; SELECT count(*) FROM portal_admins"; }
# begin JAR: /oauth/install in a browser with cookie jar JAR, approved by the simulator at once;
# prints the callback URL (with HubSpot's code and the state) that the browser is sent back to
begin() {
    local jar=$1 loc
    http GET "$GW_URL/oauth/install" -c "$jar" -b "$jar" >/dev/null
    loc=$(header location "$T_DIR/h")
    http GET "$loc" >/dev/null
    header location "$T_DIR/h"
}
# install JAR: the whole flow as a browser does it, following redirects; prints the final status
install() {
    curl -s -L -c "$1" -b "$1" -o "$T_DIR/b" -D "$T_DIR/h" -w '%{http_code}' "$GW_URL/oauth/install"
    grep -io 'code=[^&]*' "$T_DIR/h" | head -n 1 >>"$T_DIR/codes"
}
refresh_token() { sql "SELECT refresh_token_enc FROM portals WHERE id = $1" | "$GW_BUILD_DIR/tests/unseal" "$2" "$1"; }
feed_status() { http GET "$GW_URL/odata/$DS/contacts" -H "Authorization: Bearer $TOKEN"; }

# ---- no app configured ----
start_gateway "$GATEWAY_MASTER_KEY_FILE"
st=$(http GET "$GW_URL/oauth/install")
t_is "$st" 503 "no client id and secret: /oauth/install answers 503"
grep -q -- '--client-id' "$T_DIR/b"; t_ok $? "the page says what to configure"
stop_gateway; t_ok $? "that gateway exits cleanly"

start_gateway "$GATEWAY_MASTER_KEY_FILE" "${app[@]}"

# ---- /oauth/install ----
st=$(http GET "$GW_URL/oauth/install")
t_is "$st" 302 "/oauth/install redirects"
loc=$(header location "$T_DIR/h")
port=${GW_URL##*:}
want="$SIM_URL/oauth/authorize?client_id=$CID&redirect_uri=http%3A%2F%2F127.0.0.1%3A$port%2Foauth%2Fcallback&scope=oauth%20crm.objects.contacts.read%20crm.objects.companies.read%20crm.objects.deals.read%20tickets%20crm.schemas.contacts.read%20crm.schemas.companies.read%20crm.schemas.deals.read%20settings.users.read%20settings.users.teams.read&optional_scope=crm.objects.custom.read%20crm.schemas.custom.read%20crm.objects.owners.read&state="
t_is "${loc%%state=*}state=" "$want" "to HubSpot's authorization page: client id, redirect URI, required and optional scopes"
state=${loc##*state=}
t_ok "$([ ${#state} -ge 40 ] && echo 0 || echo 1)" "with a state"
cookie=$(header set-cookie "$T_DIR/h")
grep -q '^hsod_oauth_nonce=[A-Za-z0-9_-]\{22\}; Path=/oauth/; Max-Age=600; HttpOnly; SameSite=Lax$' <<<"$cookie"
t_ok $? "a nonce cookie: HttpOnly, SameSite=Lax, Path=/oauth/, no Secure on http ($cookie)"
st=$(http POST "$GW_URL/oauth/install")
t_is "$st" 405 "POST /oauth/install: 405"
st=$(http GET "$GW_URL/oauth/callback")
t_is "$st" 400 "/oauth/callback without code and state: 400"
st=$(http GET "$GW_URL/oauth/elsewhere")
t_is "$st" 404 "an unknown /oauth/ path: 404"

# ---- the install, end to end ----
st=$(install "$T_DIR/jar")
t_is "$st" 200 "install through HubSpot's approval: 200"
grep -q '<h1>Installed</h1>' "$T_DIR/b"; t_ok $? "the page says it is installed"
cp "$T_DIR/b" "$T_DIR/installed.html"
t_is "$(sql "SELECT refresh_token_key_id, installed_by_user_id, hub_domain, needs_reauth FROM portals WHERE id = $HUB")" \
    "1|1|sim-portal-$HUB.hubspot.com|f" "portal row: sealed with key 1, installed by the simulator's user 1, its domain"
t_is "$(sql "SELECT array_to_string(scopes, ' ') FROM portals WHERE id = $HUB")" \
    "oauth crm.objects.contacts.read crm.objects.companies.read crm.objects.deals.read tickets crm.schemas.contacts.read crm.schemas.companies.read crm.schemas.deals.read settings.users.read settings.users.teams.read crm.objects.custom.read crm.schemas.custom.read" \
    "the granted scopes are stored"
t_is "$(sql "SELECT portal_id, user_id, granted_by IS NULL FROM portal_admins")" "$HUB|1|t" "the installing user is the portal's admin"
rt1=$(refresh_token "$HUB" "$GATEWAY_MASTER_KEY_FILE")
t_ok "$([[ $rt1 == na1-* ]] && echo 0 || echo 1)" "the stored grant opens with the master key to a HubSpot refresh token"
st=$(http GET "$SIM_URL/oauth/v1/refresh-tokens/$rt1")
t_is "$st $(jq -r .hub_id "$T_DIR/b")" "200 $HUB" "HubSpot knows that refresh token, for this portal"
t_is "$(sql "SELECT count(*) FROM portals WHERE position(convert_to('$rt1', 'UTF8') in refresh_token_enc) > 0")" 0 \
    "the refresh token is not stored in plain text"
! grep -qF "$rt1" "$T_DIR/installed.html"; t_ok $? "no token on the page"

DS=$(ctl datasource create --portal "$HUB" --owner 1 --name "Contacts" --object contacts)
out=$(ctl token mint --portal "$HUB" --owner 1 --name "oauth test" 2>/dev/null)
TOKEN=$(sed -n 's/^Token: //p' <<<"$out")
st=$(feed_status)
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 150" "a token minted for the installed portal reads its feed"

# ---- a re-install replaces the grant ----
enc1=$(sql "SELECT encode(refresh_token_enc, 'hex') FROM portals WHERE id = $HUB")
sql "UPDATE portals SET needs_reauth = true WHERE id = $HUB"
st=$(feed_status)
t_is "$st $(jq -r .error.code "$T_DIR/b")" "503 PortalNeedsReauthorization" "a portal marked as needing re-authorisation: 503"
jq -r .error.message "$T_DIR/b" | grep -q "$GW_URL/oauth/install"; t_ok $? "the message points to /oauth/install"
st=$(install "$T_DIR/jar")
t_is "$st" 200 "re-install: 200"
grep -q '<h1>Re-authorised</h1>' "$T_DIR/b"; t_ok $? "the page says it is re-authorised"
t_is "$(sql "SELECT count(*), bool_or(needs_reauth) FROM portals")" "1|f" "still one portal row, no longer needing re-authorisation"
enc2=$(sql "SELECT encode(refresh_token_enc, 'hex') FROM portals WHERE id = $HUB")
t_ok "$([ "$enc1" != "$enc2" ] && echo 0 || echo 1)" "the sealed refresh token changed"
rt2=$(refresh_token "$HUB" "$GATEWAY_MASTER_KEY_FILE")
t_ok "$([ -n "$rt2" ] && [ "$rt2" != "$rt1" ] && echo 0 || echo 1)" "to the new grant's refresh token"
t_is "$(sql "SELECT count(*) FROM portal_admins")" 1 "still one admin"
st=$(feed_status)
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 150" "the feed works after the re-install"

# ---- refusals: nothing changes ----
before=$(snapshot)
cb=$(begin "$T_DIR/jar2")
grep -o 'code=[^&]*' <<<"$cb" >>"$T_DIR/codes"
st=$(http GET "$cb")
t_is "$st" 400 "callback without the install's cookie: 400"
grep -q 'same browser' "$T_DIR/b"; t_ok $? "the page says to use the same browser"
st=$(http GET "$cb" -b "$T_DIR/jar")
t_is "$st" 400 "callback with another install's cookie: 400"
cb=$(begin "$T_DIR/jar3")
grep -o 'code=[^&]*' <<<"$cb" >>"$T_DIR/codes"
s=${cb##*state=}
c=${s:12:1}
[ "$c" = A ] && r=B || r=A
st=$(http GET "${cb%%state=*}state=${s:0:12}$r${s:13}" -b "$T_DIR/jar3")
t_is "$st" 400 "callback with a tampered state: 400"
grep -q 'not valid' "$T_DIR/b"; t_ok $? "the page says the request is not valid"
st=$(http GET "${cb%%state=*}state=garbage" -b "$T_DIR/jar3")
t_is "$st" 400 "callback with a malformed state: 400"
# the user denies access on HubSpot's page
http GET "$GW_URL/oauth/install" -c "$T_DIR/jar4" -b "$T_DIR/jar4" >/dev/null
loc=$(header location "$T_DIR/h")
st=$(http POST "$SIM_URL/oauth/authorize" --data "${loc#*\?}&action=deny")
cb=$(header location "$T_DIR/h")
t_is "$st ${cb%%\?*}" "302 $GW_URL/oauth/callback" "HubSpot sends a denied install back"
st=$(http GET "$cb" -b "$T_DIR/jar4")
t_is "$st" 403 "access_denied: 403"
grep -q 'cancelled' "$T_DIR/b"; t_ok $? "the page says the install was cancelled"
t_is "$(snapshot)" "$before" "none of these changed the database"
# a code is good once
cb=$(begin "$T_DIR/jar5")
grep -o 'code=[^&]*' <<<"$cb" >>"$T_DIR/codes"
cp "$T_DIR/jar5" "$T_DIR/jar5b"
st=$(http GET "$cb" -b "$T_DIR/jar5" -c "$T_DIR/jar5")
t_is "$st" 200 "a callback used once: 200"
before=$(snapshot)
st=$(http GET "$cb" -b "$T_DIR/jar5b")
t_is "$st" 502 "the same callback again (the code is spent): 502"
grep -q 'missing or unknown auth code' "$T_DIR/b"; t_ok $? "the page gives HubSpot's words"
t_is "$(snapshot)" "$before" "and the database is unchanged"
rt3=$(refresh_token "$HUB" "$GATEWAY_MASTER_KEY_FILE")

# ---- HubSpot refuses the grant (the app was uninstalled in HubSpot) ----
st=$(http DELETE "$SIM_URL/oauth/v1/refresh-tokens/$rt3")
t_is "$st" 204 "the grant is revoked at HubSpot"
http POST "$SIM_URL/__sim/expire-access-tokens" >/dev/null
st=$(feed_status)
t_is "$st $(jq -r .error.code "$T_DIR/b")" "503 PortalNeedsReauthorization" "a feed whose grant HubSpot refuses: 503 PortalNeedsReauthorization"
jq -r .error.message "$T_DIR/b" | grep -q "revoked or the app was uninstalled: a portal admin re-installs the app at $GW_URL/oauth/install"
t_ok $? "the message says why and points to /oauth/install"
t_is "$(wait_sql "SELECT needs_reauth FROM portals WHERE id = $HUB" t)" t "the portal is marked as needing re-authorisation"
refreshes=$(curl -s "$SIM_URL/__sim/stats" | jq .requests.oauth_token)
st=$(feed_status)
t_is "$st $(jq -r .error.code "$T_DIR/b") $(curl -s "$SIM_URL/__sim/stats" | jq .requests.oauth_token)" \
    "503 PortalNeedsReauthorization $refreshes" "the next request gets the same answer without asking HubSpot again"
st=$(install "$T_DIR/jar")
t_is "$st $(sql "SELECT needs_reauth FROM portals WHERE id = $HUB")" "200 f" "a re-install clears the mark"
st=$(feed_status)
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 150" "and the feed works again"
rt3r=$rt3
rt3=$(refresh_token "$HUB" "$GATEWAY_MASTER_KEY_FILE")

# the operator's mistake is not the portal's: a wrong client secret does not mark the portal
stop_gateway
start_gateway "$GATEWAY_MASTER_KEY_FILE" --client-id "$CID" --client-secret wrong-secret
http POST "$SIM_URL/__sim/expire-access-tokens" >/dev/null
st=$(feed_status)
t_is "$st $(jq -r .error.code "$T_DIR/b")" "502 HubSpotAuthorizationFailed" "a gateway with a wrong client secret: 502"
jq -r .error.message "$T_DIR/b" | grep -q "app credentials (client id or secret): the operator"; t_ok $? "the message names the app's credentials"
sleep 0.5
t_is "$(sql "SELECT needs_reauth FROM portals WHERE id = $HUB")" f "and the portal is not marked"
stop_gateway
start_gateway "$GATEWAY_MASTER_KEY_FILE" "${app[@]}"

# ---- uninstall ----
printf 'other-portal-refresh-token' | ctl portal add --hub-id "$OTHER" --refresh-token - --installed-by 5 >/dev/null
ods=$(ctl datasource create --portal "$OTHER" --owner 5 --name "Theirs" --object deals)
ctl token mint --portal "$OTHER" --owner 5 --name "theirs" >/dev/null 2>&1
sql "INSERT INTO data_source_shares (portal_id, data_source_id, principal_kind, principal_id) VALUES ($HUB, $DS, 'user', 2), ($OTHER, $ods, 'user', 6)"
sql "SELECT audit_append('[{\"portal\":$HUB,\"event\":\"test\",\"actor\":\"system\"},{\"portal\":$OTHER,\"event\":\"test\",\"actor\":\"system\"}]')" >/dev/null
hub_audit=$(sql "SELECT count(*) FROM audit_log WHERE portal_id = $HUB")
# the audit tables outlive an uninstall (their retention removes them)
tables=$(sql "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'portal_id'
              AND table_name NOT LIKE 'audit\_%' ORDER BY 1")
rows_of() { # rows_of PORTAL: the portal's row count in every table with a portal_id column, and in portals
    local t
    for t in $tables; do echo "$t $(sql "SELECT count(*) FROM \"$t\" WHERE portal_id = $1")"; done
    echo "portals $(sql "SELECT count(*) FROM portals WHERE id = $1")"
}
other_before=$(rows_of "$OTHER")
out=$(ctl portal remove --hub-id "$HUB" --hubspot-base-url "$SIM_URL")
t_is "$?" 0 "portal remove: exit 0"
grep -q "Revoked the refresh token of portal $HUB at HubSpot" <<<"$out"; t_ok $? "it says the grant was revoked"
t_is "$(awk '$1 ~ /^(access_tokens|audit_log|data_source_shares|data_sources|portal_admins|portals)$/ {print $1 "=" $2}' <<<"$out" | sort | tr '\n' ' ')" \
    "access_tokens=1 data_source_shares=1 data_sources=1 portal_admins=1 portals=1 " "it prints the rows removed per table"
t_is "$(sql "SELECT count(*) >= $hub_audit FROM audit_log WHERE portal_id = $HUB")" t "the portal's audit log is kept"
st=$(http GET "$SIM_URL/oauth/v1/refresh-tokens/$rt3")
t_is "$st" 404 "HubSpot no longer knows the portal's refresh token"
t_is "$(rows_of "$HUB" | awk '$2 != 0' | wc -l)" 0 "no row of the portal is left in any table with a portal_id column, nor in portals"
t_is "$(rows_of "$OTHER")" "$other_before" "the other portal's rows are all still there"
st=$(feed_status)
t_is "$st" 401 "the removed portal's personal access token: 401"
ctl portal remove --hub-id "$HUB" --hubspot-base-url "$SIM_URL" >/dev/null 2>"$T_DIR/err"
t_is "$? $(grep -c "there is no portal $HUB" "$T_DIR/err")" "1 1" "removing it again: exit 1, no such portal"
# HubSpot does not know the other portal's token: already revoked, fine; unreachable: stop unless --force
printf 'third-portal-refresh-token' | ctl portal add --hub-id 4000002 --refresh-token - >/dev/null
ctl portal remove --hub-id 4000002 --hubspot-base-url http://127.0.0.1:1 >/dev/null 2>"$T_DIR/err"
t_is "$? $(sql "SELECT count(*) FROM portals WHERE id = 4000002")" "1 1" "HubSpot unreachable: exit 1 and nothing removed"
grep -q -- '--force' "$T_DIR/err"; t_ok $? "the message mentions --force"
ctl portal remove --hub-id 4000002 --hubspot-base-url http://127.0.0.1:1 --force >/dev/null 2>&1
t_is "$? $(sql "SELECT count(*) FROM portals WHERE id = 4000002")" "0 0" "with --force: removed"
out=$(ctl portal remove --hub-id "$OTHER" --hubspot-base-url "$SIM_URL")
t_is "$? $(grep -c 'already revoked' <<<"$out") $(sql "SELECT count(*) FROM portals")" "0 1 0" \
    "a refresh token HubSpot does not know counts as revoked: removed"

# ---- master key rotation ----
st=$(install "$T_DIR/jar6")
t_is "$st $(sql "SELECT refresh_token_key_id FROM portals WHERE id = $HUB")" "200 1" "installed again (key 1)"
rt4=$(refresh_token "$HUB" "$GATEWAY_MASTER_KEY_FILE")
printf 'second-portal-refresh-token' | ctl portal add --hub-id "$OTHER" --refresh-token - >/dev/null
cp "$GATEWAY_MASTER_KEY_FILE" "$T_DIR/rotated.key"
ctl keys generate --out "$T_DIR/rotated.key" >/dev/null
out=$(ctl --master-key-file "$T_DIR/rotated.key" keys rotate)
t_is "$? $(grep -E '^(Re-sealed|Already current|Undecryptable):' <<<"$out" | tr '\n' ' ')" \
    "0 Re-sealed: 2 Already current: 0 Undecryptable: 0 " "keys rotate: both portals re-sealed"
t_is "$(sql "SELECT string_agg(refresh_token_key_id::text, ',' ORDER BY id) FROM portals")" "2,2" "refresh_token_key_id is the new key's"
t_is "$(refresh_token "$HUB" "$T_DIR/rotated.key")" "$rt4" "the re-sealed token opens with the new keys to the same refresh token"
out=$(ctl --master-key-file "$T_DIR/rotated.key" keys rotate)
t_is "$? $(grep -E '^(Re-sealed|Already current):' <<<"$out" | tr '\n' ' ')" "0 Re-sealed: 0 Already current: 2 " \
    "rotating again: nothing to do"
grep '^2:' "$T_DIR/rotated.key" >"$T_DIR/new.key"
stop_gateway; t_ok $? "the gateway exits cleanly"
start_gateway "$T_DIR/new.key" "${app[@]}"
st=$(feed_status)
t_is "$st" 401 "(the old portal's token is gone)"
DS=$(ctl datasource create --portal "$HUB" --owner 1 --name "Contacts" --object contacts)
TOKEN=$(ctl token mint --portal "$HUB" --owner 1 --name "after rotation" 2>/dev/null | sed -n 's/^Token: //p')
st=$(feed_status)
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 150" "a gateway with only the new key serves the feed"
stop_gateway
# keys without the one the token names: the grant may be fine, so the portal is not marked
echo "3:$(openssl rand -hex 32)" >"$T_DIR/third.key"
start_gateway "$T_DIR/third.key" "${app[@]}"
st=$(feed_status)
t_is "$st $(jq -r .error.code "$T_DIR/b")" "503 PortalNeedsReauthorization" "a gateway without the token's key: 503"
jq -r .error.message "$T_DIR/b" | grep -q 'master key 2'; t_ok $? "the message names the missing key"
stop_gateway
t_is "$(sql "SELECT needs_reauth FROM portals WHERE id = $HUB")" f "that does not mark the portal"
ctl --master-key-file "$T_DIR/third.key" keys rotate >"$T_DIR/out" 2>"$T_DIR/err"
t_is "$? $(grep -c 'Sealed with a key not configured: 2' "$T_DIR/out") $(sql "SELECT string_agg(refresh_token_key_id || '/' || needs_reauth, ',' ORDER BY id) FROM portals")" \
    "1 1 2/false,2/false" "rotating without the key: exit 1, both reported and left as they are"
grep -q "$HUB (key 2), $OTHER (key 2)" "$T_DIR/err"; t_ok $? "the message names the portals"
# a key with the token's id that does not open it
echo "2:$(openssl rand -hex 32)" >"$T_DIR/bad.key"
start_gateway "$T_DIR/bad.key" "${app[@]}"
st=$(feed_status)
t_is "$st $(jq -r .error.code "$T_DIR/b")" "503 PortalNeedsReauthorization" "a key that cannot open the token: 503"
jq -r .error.message "$T_DIR/b" | grep -q "$GW_URL/oauth/install"; t_ok $? "telling the admin to re-install at /oauth/install"
t_is "$(wait_sql "SELECT needs_reauth FROM portals WHERE id = $HUB" t)" t "the portal is marked as needing re-authorisation"
gw_wait_line "$T_DIR/gateway.log" "portal=$HUB marked as needing re-authorisation" >/dev/null; t_ok $? "and the gateway logs it"
t_is "$(sql "SELECT needs_reauth FROM portals WHERE id = $OTHER")" f "the other portal is not marked"
ctl --master-key-file "$T_DIR/bad.key" keys rotate >"$T_DIR/out" 2>"$T_DIR/err"
t_is "$? $(grep -c '^Undecryptable: 2$' "$T_DIR/out")" "1 1" "keys rotate with that key: exit 1, two undecryptable"
grep -q "$HUB, $OTHER" "$T_DIR/err"; t_ok $? "the message names the portals"
t_is "$(sql "SELECT string_agg(refresh_token_key_id || '/' || needs_reauth, ',' ORDER BY id) FROM portals")" "2/true,2/true" \
    "both marked needs_reauth, left sealed as they were"
stop_gateway
# re-installing clears the mark, sealed with the newest key of the gateway
start_gateway "$T_DIR/rotated.key" "${app[@]}"
st=$(install "$T_DIR/jar7")
t_is "$st $(sql "SELECT refresh_token_key_id || '/' || needs_reauth FROM portals WHERE id = $HUB")" "200 2/false" \
    "re-installed: sealed with key 2, needs_reauth cleared"
st=$(feed_status)
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 150" "the feed works again"
stop_gateway

# ---- an install that takes too long ----
start_gateway "$T_DIR/rotated.key" "${app[@]}" --oauth-state-ttl 1
cb=$(begin "$T_DIR/jar8")
grep -o 'code=[^&]*' <<<"$cb" >>"$T_DIR/codes"
before=$(snapshot)
sleep 2.5
st=$(http GET "$cb" -b "$T_DIR/jar8")
t_is "$st" 400 "a callback after the state's lifetime: 400"
grep -q 'took too long' "$T_DIR/b"; t_ok $? "the page says the install took too long"
t_is "$(snapshot)" "$before" "nothing changed"

# ---- nothing secret in the logs ----
leaks=0
mapfile -t codes <"$T_DIR/codes"
for s in "$rt1" "$rt2" "$rt3r" "$rt3" "$rt4" "$(refresh_token "$HUB" "$T_DIR/rotated.key")" "${codes[@]#*=}" "$CSECRET" "$TOKEN"; do
    [ -n "$s" ] && grep -qF -- "$s" "$T_DIR/gateway.log" && { echo "# in the log: ${s:0:8}..."; leaks=$((leaks + 1)); }
done
t_is "$leaks" 0 "no refresh token, code, client secret or access token in the gateway's log"
t_ok "$([ "${#codes[@]}" -ge 6 ] && echo 0 || echo 1)" "(the codes were collected: ${#codes[@]})"

t_done
