#!/usr/bin/env bash
# The token lookup cache and its eviction through PostgreSQL LISTEN/NOTIFY, with two gateway processes
# on one database: a lookup cached by gateway B is dropped the moment a change is committed anywhere
# (gateway A's admin API, gatewayctl, plain SQL), the listener comes back after its connection is
# killed, and with --auth-cache-ttl 0 nothing is cached. /healthz reports the cache's counters.
. "$(dirname "$0")/lib.sh"

it_setup it_authcache
PORTAL=$GW_TEST_SIM_PORTAL
GW_A=$GW_URL

# gateway B: the same database and master keys
rm -f "$T_DIR/gateway-b.out" # a restart must not read the last run's address
"$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$GW_TEST_SIM_URL" \
    --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" \
    --hubspot-rate-limit 0 --hubspot-search-rate 0 >"$T_DIR/gateway-b.out" 2>>"$T_DIR/gateway-b.log" &
GW_B_PID=$!
GW_B=$(gw_wait_line "$T_DIR/gateway-b.out" '^odata-gateway listening' | sed 's/.*listening on //')
teardown() {
    local rc=$? b_rc=0
    kill "$GW_B_PID" 2>/dev/null
    wait "$GW_B_PID" 2>/dev/null || b_rc=$?
    if [ "$b_rc" -ne 0 ] || grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_DIR/gateway-b.log"; then
        echo "not ok - gateway B exited with status $b_rc or reported a sanitizer error:"
        grep -E -A25 'Sanitizer|runtime error:' "$T_DIR/gateway-b.log" | head -60 | sed 's/^/# /'
        rc=1
    fi
    cat "$T_DIR/gateway-b.log" >>"$GW_TEST_LOGS/gateway-$T_DB-b.log" 2>/dev/null
    it_teardown "$rc"
}
trap teardown EXIT

health() { curl -s "$1/healthz" | jq -r ".authCache.$2"; }
# wait_listening URL WANT: polls /healthz until the cache's listening state is WANT (10 s at most)
wait_listening() {
    local got i
    for i in $(seq 100); do
        got=$(health "$1" listening)
        [ "$got" = "$2" ] && break
        sleep 0.1
    done
    echo "$got"
}
read_b() { http GET "$GW_B/odata/$DS/contacts?\$top=1&\$select=email" -H "Authorization: Bearer ${1:-$TOKEN}"; }
mint() { # mint OWNER: a token of OWNER in $T_TOKEN
    local out
    out=$(ctl token mint --portal "$PORTAL" --owner "$1" --name "cache test $RANDOM")
    T_TOKEN=$(sed -n 's/^Token: //p' <<<"$out")
    T_TOKEN_ID=$(sed -n 's/^Token id: //p' <<<"$out")
}

t_is "$(wait_listening "$GW_A" true) $(wait_listening "$GW_B" true)" "true true" "both gateways listen for changes"
t_is "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = '$T_DB' AND query = 'LISTEN gateway_auth'")" 2 \
    "each on a connection of its own"

# ---- hits ----
# the first request also asks HubSpot who the token's owner is, and records it
t_is "$(read_b) $(read_b)" "200 200" "gateway B reads a feed with the token"
hits=$(health "$GW_B" hits)
t_is "$(read_b) $(health "$GW_B" hits)" "200 $((hits + 1))" "the next request is answered from the cache"
t_is "$(health "$GW_B" entries)" 1 "one entry: the token and the data source"

# ---- eviction by each kind of change, committed elsewhere ----
mint 1
t_is "$(read_b "$T_TOKEN") $(read_b "$T_TOKEN")" "200 200" "a second token is cached by gateway B"
ctl token revoke --id "$T_TOKEN_ID" >/dev/null
t_is "$(read_b "$T_TOKEN") $(jq -r .error.code "$T_DIR/b")" "401 Unauthorized" \
    "revoked with gatewayctl: gateway B refuses it at the next request"

# revocation through gateway A's admin API
out=$(ctl launch --portal "$PORTAL" --user 1)
http POST "$GW_A/api/v1/session" -H 'Content-Type: application/json' --data-raw "{\"launchCode\":\"${out#*#launch=}\"}" >/dev/null
ADMIN=$(jq -r .token "$T_DIR/b")
mint 1
read_b "$T_TOKEN" >/dev/null
hits=$(health "$GW_B" hits)
t_is "$(read_b "$T_TOKEN") $(health "$GW_B" hits)" "200 $((hits + 1))" "a third token is served from gateway B's cache"
st=$(http DELETE "$GW_A/api/v1/tokens/$T_TOKEN_ID" -H "Authorization: Bearer $ADMIN")
t_is "$st" 200 "gateway A's API revokes it"
t_is "$(read_b "$T_TOKEN")" 401 "gateway B refuses it at the next request"

# sharing: user 3's token reads the data source only while it is shared with them
mint 3
t_is "$(read_b "$T_TOKEN") $(read_b "$T_TOKEN")" "404 404" "a member's token: the data source is not shared with them"
st=$(http PUT "$GW_A/api/v1/datasources/$DS/shares" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    --data-raw '{"shares":[{"kind":"user","id":3}]}')
t_is "$st $(read_b "$T_TOKEN")" "200 200" "shared through gateway A: gateway B serves it at the next request"
read_b "$T_TOKEN" >/dev/null
st=$(http PUT "$GW_A/api/v1/datasources/$DS/shares" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    --data-raw '{"shares":[]}')
t_is "$st $(read_b "$T_TOKEN")" "200 404" "unshared through gateway A: gateway B refuses it at the next request"

# the definition changed in plain SQL
read_b >/dev/null
sql "UPDATE data_sources SET definition = '{\"objects\":[{\"object\":\"companies\"}]}' WHERE id = $DS" >/dev/null
t_is "$(read_b)" 404 "a definition changed in SQL: gateway B no longer has the contacts entity set"
sql "UPDATE data_sources SET definition = '{\"objects\":[{\"object\":\"contacts\"},{\"object\":\"companies\"}]}' WHERE id = $DS" >/dev/null
t_is "$(read_b)" 200 "and has it again once it is back"

# the portal must install again
read_b >/dev/null
sql "UPDATE portals SET needs_reauth = true WHERE id = $PORTAL" >/dev/null
t_is "$(read_b) $(jq -r .error.code "$T_DIR/b")" "503 PortalNeedsReauthorization" "a portal marked for re-install: refused at once"
sql "UPDATE portals SET needs_reauth = false WHERE id = $PORTAL" >/dev/null
t_is "$(read_b)" 200 "served again once it is re-installed"

# expiry needs no notification: the cached entry knows when the token expires
mint 1
sql "UPDATE access_tokens SET expires_at = now() + interval '2 seconds' WHERE id = $T_TOKEN_ID" >/dev/null
hits=$(health "$GW_B" hits)
t_is "$(read_b "$T_TOKEN") $(read_b "$T_TOKEN") $(health "$GW_B" hits)" "200 200 $((hits + 1))" "a token about to expire is cached"
sleep 2.2
t_is "$(read_b "$T_TOKEN")" 401 "once it has expired gateway B refuses it without being told"

# ---- the listener's connection is killed: nothing is cached until it is back, then eviction works again ----
t_is "$(sql "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = '$T_DB' AND query = 'LISTEN gateway_auth' AND pid <> pg_backend_pid()) k")" 2 \
    "the listeners' connections are terminated"
# the loss is seen when the socket closes (until then /healthz still says listening): wait for the log line,
# then for the way back
for i in $(seq 100); do
    grep -q 'the connection listening for changes was lost' "$T_DIR/gateway-b.log" && break
    sleep 0.1
done
grep -q 'the connection listening for changes was lost' "$T_DIR/gateway-b.log"
t_ok $? "gateway B logged the loss"
t_is "$(wait_listening "$GW_B" true)" true "gateway B listens again"
t_is "$(wait_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = '$T_DB' AND query = 'LISTEN gateway_auth'" 2)" 2 \
    "on new connections"
mint 1
read_b "$T_TOKEN" >/dev/null
hits=$(health "$GW_B" hits)
t_is "$(read_b "$T_TOKEN") $(health "$GW_B" hits)" "200 $((hits + 1))" "a token is cached again"
sql "UPDATE access_tokens SET revoked_at = now() WHERE id = $T_TOKEN_ID" >/dev/null
t_is "$(read_b "$T_TOKEN")" 401 "and revoked in SQL, refused at the next request"

# ---- a portal removed (in SQL: gatewayctl would also revoke the simulator's grant, which other tests share) ----
read_b >/dev/null
sql "SELECT count(*) FROM portal_remove($PORTAL)" >/dev/null
t_is "$(read_b)" 401 "a removed portal's tokens are refused at the next request"

# ---- --auth-cache-ttl 0 ----
kill "$GW_B_PID"
wait "$GW_B_PID" 2>/dev/null
rm -f "$T_DIR/gateway-b.out" # a restart must not read the last run's address
"$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$GW_TEST_SIM_URL" \
    --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" --auth-cache-ttl 0 \
    >"$T_DIR/gateway-b.out" 2>>"$T_DIR/gateway-b.log" &
GW_B_PID=$!
GW_B=$(gw_wait_line "$T_DIR/gateway-b.out" '^odata-gateway listening' | sed 's/.*listening on //')
read_b >/dev/null
read_b >/dev/null
t_is "$(health "$GW_B" listening) $(health "$GW_B" hits) $(health "$GW_B" entries)" "false 0 0" \
    "--auth-cache-ttl 0: nothing is cached"
"$GW_BUILD_DIR/odata-gateway" --auth-cache-ttl 301 >/dev/null 2>"$T_DIR/err"
t_is "$? $(grep -c 'auth-cache-ttl' "$T_DIR/err")" "2 1" "--auth-cache-ttl past 300 is refused"

t_done
