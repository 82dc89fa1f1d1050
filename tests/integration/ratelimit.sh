#!/usr/bin/env bash
# HubSpot's rate limits: with a low tier (30 requests per 10 s; 5 searches per second), concurrent
# feeds of one portal share the portal's budget and every one is exact, without HubSpot ever answering
# 429: the gateway waits for room instead. It learns the tier from HubSpot's headers (it starts from
# the default, 100 per 10 s). When another client uses part of the same limit, the feeds still complete
# exactly and no 429 reaches Power BI.
. "$(dirname "$0")/lib.sh"

SIM_DIR=$(mktemp -d)
"$GW_BUILD_DIR/hubspot-sim" --listen 127.0.0.1:0 --seed 21 --portal-id "$GW_TEST_SIM_PORTAL" \
    --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" \
    --contacts 1500 --companies 800 --deals 600 --tickets 50 --rate-ten-secondly 30 --rate-secondly-search 5 \
    >"$SIM_DIR/out" 2>&1 &
SIM_PID=$!
line=$(gw_wait_line "$SIM_DIR/out" '^hubspot-sim listening')
SIM_URL=$(sed 's/.*listening on \([^ ]*\).*/\1/' <<<"$line")
GW_TEST_SIM_REFRESH=$(sed -n 's/.*refresh_token=\([^ ]*\).*/\1/p' <<<"$line")
GW_TEST_SIM_URL=$SIM_URL
it_setup it_ratelimit --hubspot-rate-limit 100 --hubspot-search-rate 5
trap 'rc=$?; kill $SIM_PID $EXT_PID 2>/dev/null; rm -rf "$SIM_DIR"; it_teardown $rc' EXIT
EXT_PID=

for set in contacts companies deals; do
    curl -s "$SIM_URL/__sim/records/$set" | jq -sc '[.[].id]' >"$T_DIR/truth-$set"
done
curl -s "$SIM_URL/__sim/records/contacts" |
    jq -sc '[.[] | select((.properties.num_employees // "") != "" and (.properties.num_employees | tonumber) > 100) | .id]' \
        >"$T_DIR/truth-search"
curl -s -X POST "$SIM_URL/__sim/reset-stats" >/dev/null
curl -s -X POST "$SIM_URL/__sim/reset-ratelimits" >/dev/null

# feed NAME SET QUERY: reads a feed through every nextLink into $T_DIR/NAME (ids, sorted) and its statuses
feed() {
    local url="$GW_URL/odata/$DS/$2?$3" n=0 st
    : >"$T_DIR/$1.rows"
    : >"$T_DIR/$1.status"
    while [ -n "$url" ]; do
        n=$((n + 1))
        st=$(curl -s -o "$T_DIR/$1.page" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$url")
        echo "$st" >>"$T_DIR/$1.status"
        [ "$st" = 200 ] || break
        jq -c '.value[] | .id' "$T_DIR/$1.page" >>"$T_DIR/$1.rows"
        url=$(jq -r '.["@odata.nextLink"] // empty' "$T_DIR/$1.page")
    done
    jq -sc 'sort_by(tonumber)' "$T_DIR/$1.rows" >"$T_DIR/$1"
}

# four feeds at once: three whole tables (read in parts) and a search
feed contacts contacts '$select=email' &
p1=$!
feed companies companies '' &
p2=$!
feed deals deals '$select=amount' &
p3=$!
feed search contacts '$filter=num_employees%20gt%20100&$select=num_employees' &
p4=$!
wait $p1 $p2 $p3 $p4
for f in contacts companies deals search; do
    want=$T_DIR/truth-$f
    t_is "$(sort -u "$T_DIR/$f.status" | paste -sd,)" 200 "$f: every response 200"
    t_is "$(cat "$T_DIR/$f")" "$(cat "$want")" "$f: every row once ($(jq length "$want"))"
done
stats=$(curl -s "$SIM_URL/__sim/stats")
t_is "$(jq '.http_429' <<<"$stats")" 0 "HubSpot never answered 429 ($(jq '[.requests[]] | add' <<<"$stats") requests)"
feeds=$(grep -c 'info \[feed\].*outcome=complete' "$T_DIR/gateway.log")
t_is "$feeds" 4 "four feeds complete"
waited=$(grep -o 'throttled_ms=[0-9]*' "$T_DIR/gateway.log" | cut -d= -f2 | paste -sd+ | bc)
[ "${waited:-0}" -gt 1000 ]; t_ok $? "the feeds waited for the budget instead ($waited ms in all)"

# another client of the same portal uses part of the limit; the gateway follows HubSpot's counts
access=$(curl -s -X POST "$SIM_URL/oauth/v1/token" -d grant_type=refresh_token -d "client_id=$GW_TEST_SIM_CLIENT_ID" \
    -d "client_secret=$GW_TEST_SIM_CLIENT_SECRET" -d "refresh_token=$GW_TEST_SIM_REFRESH" | jq -r .access_token)
(while :; do
    curl -s -o /dev/null -H "Authorization: Bearer $access" "$SIM_URL/crm/v3/objects/tickets?limit=10"
    sleep 0.5
done) &
EXT_PID=$!
feed contacts2 contacts '$select=email'
kill $EXT_PID 2>/dev/null
wait $EXT_PID 2>/dev/null
EXT_PID=
t_is "$(sort -u "$T_DIR/contacts2.status" | paste -sd,)" 200 "with another client using the limit: every response 200"
t_is "$(cat "$T_DIR/contacts2")" "$(cat "$T_DIR/truth-contacts")" "and every row once"
echo "# HubSpot answered $(curl -s "$SIM_URL/__sim/stats" | jq .http_429) 429s (to either client); the gateway retried" \
    "$(grep -o 'rate_limited=[0-9]*' "$T_DIR/gateway.log" | cut -d= -f2 | paste -sd+ | bc) of its requests after one"
t_done
