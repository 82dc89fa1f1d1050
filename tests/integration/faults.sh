#!/usr/bin/env bash
# HubSpot failing: with 5xx answers, 429s, connection resets and truncated bodies injected by the
# simulator, every feed returns exactly the ground truth (the gateway retries with backoff and
# waits out the rate limit); when HubSpot keeps failing, the feed fails visibly with an OData error.
. "$(dirname "$0")/lib.sh"

SIM_DIR=$(mktemp -d)
start_sim() { # start_sim PORT FAULT-FLAGS...: a simulator on PORT (0: any); sets SIM_PID, SIM_URL
    local port=$1
    shift
    "$GW_BUILD_DIR/hubspot-sim" --listen "127.0.0.1:$port" --seed 13 --portal-id "$GW_TEST_SIM_PORTAL" \
        --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" \
        --contacts 4000 --companies 500 --deals 700 --tickets 300 --rate-ten-secondly 0 --rate-secondly-search 0 \
        --fault-seed 5 "$@" >"$SIM_DIR/out" 2>&1 &
    SIM_PID=$!
    line=$(gw_wait_line "$SIM_DIR/out" '^hubspot-sim listening')
    SIM_URL=$(sed 's/.*listening on \([^ ]*\).*/\1/' <<<"$line")
    GW_TEST_SIM_REFRESH=$(sed -n 's/.*refresh_token=\([^ ]*\).*/\1/p' <<<"$line")
}
# about one CRM request in four fails
start_sim 0 --fault-5xx 8 --fault-429 8 --fault-reset 5 --fault-truncate 5
GW_TEST_SIM_URL=$SIM_URL
it_setup it_faults
trap 'rc=$?; kill $SIM_PID 2>/dev/null; rm -rf "$SIM_DIR"; it_teardown $rc' EXIT
auth=(-H "Authorization: Bearer $TOKEN")

# get_all SET QUERY: every row of the feed, following nextLinks, as JSON lines in $T_DIR/rows
get_all() { it_follow "$GW_URL/odata/$DS/$1?$2"; }
ids() { jq -sc '[.[].id]' "$T_DIR/rows"; }
# a whole-table feed is read in parts at once and comes in their order: compared in id order
sorted_ids() { jq -sc '[.[].id] | sort_by(tonumber)' "$T_DIR/rows"; }
for set in contacts companies deals tickets; do
    curl -s "$SIM_URL/__sim/records/$set" >"$T_DIR/truth-$set"
done

for set in contacts companies deals tickets; do
    get_all "$set" ''
    t_is "$(sorted_ids)" "$(jq -sc '[.[].id]' "$T_DIR/truth-$set")" "$set: every row, once, despite the faults"
done
grep 'set=contacts ' "$T_DIR/gateway.log" | grep -Eq 'parts=([2-9]|[1-9][0-9]+) '
t_ok $? "the contacts were read in parts at once: $(grep 'set=contacts ' "$T_DIR/gateway.log" | grep -o 'parts=[0-9]*' | head -1)"
get_all contacts '$select=email,num_employees'
t_is "$(jq -sc 'sort_by(.id | tonumber) | [.[] | [.id, .email, .num_employees]]' "$T_DIR/rows")" \
    "$(jq -sc '[.[] | [.id, .properties.email, (.properties.num_employees | if . == null then null else tonumber end)]]' "$T_DIR/truth-contacts")" \
    "contacts: the values too"
get_all contacts '$filter=num_employees%20gt%20200&$select=num_employees'
t_is "$(ids)" "$(jq -sc '[.[] | select((.properties.num_employees // "") != "" and (.properties.num_employees | tonumber) > 200) | .id]' "$T_DIR/truth-contacts")" \
    "a filtered feed (HubSpot's search): exact"
get_all deals '$orderby=amount%20desc&$select=amount'
t_is "$(ids)" "$(jq -sc '[.[] | {id: (.id | tonumber), v: (.properties.amount // "")}] |
    (map(select(.v != "")) | group_by(.v | tonumber) | reverse | map(sort_by(.id)) | add // []) + (map(select(.v == "")) | sort_by(.id)) |
    map(.id | tostring)' "$T_DIR/truth-deals")" "an ordered feed: exact"
st=$(http GET "$GW_URL/odata/$DS/contacts/\$count" "${auth[@]}")
t_is "$(cat "$T_DIR/b")" "$(wc -l <"$T_DIR/truth-contacts")" "/\$count: exact"

faults=$(curl -s "$SIM_URL/__sim/stats" | jq '[.faults | .. | numbers] | add')
retries=$(grep -o 'retries=[0-9]*' "$T_DIR/gateway.log" | cut -d= -f2 | paste -sd+ | bc)
echo "# $faults faults injected, $retries retries by the gateway"
[ "${faults:-0}" -gt 10 ] && [ "${retries:-0}" -ge 10 ]; t_ok $? "faults were injected ($faults) and retried ($retries)"
! grep -q 'outcome=failed\|outcome=aborted' "$T_DIR/gateway.log"; t_ok $? "no feed failed"

# HubSpot answers nothing but 503 (same port, same portal): the feed fails before its first byte
kill $SIM_PID
wait $SIM_PID 2>/dev/null
port=${SIM_URL##*:}
start_sim "$port" --fault-5xx 100
t0=$(date +%s)
st=$(http GET "$GW_URL/odata/$DS/tickets" "${auth[@]}")
t1=$(date +%s)
t_is "$st" 502 "HubSpot failing every time: 502 before the first byte"
t_is "$(jq -r .error.code "$T_DIR/b")" HubSpotError "an OData error body"
jq -r .error.message "$T_DIR/b" | grep -q '6 tries'; t_ok $? "the message says it was tried 6 times: $(jq -r .error.message "$T_DIR/b")"
echo "# given up after $((t1 - t0)) s"

# the portal's daily limit is used up: a clear 503 at once, not a wait
kill $SIM_PID
wait $SIM_PID 2>/dev/null
start_sim "$port" --rate-daily 1
http GET "$GW_URL/odata/$DS/tickets?\$top=1" "${auth[@]}" >/dev/null
st=$(http GET "$GW_URL/odata/$DS/tickets" "${auth[@]}")
t_is "$st" 503 "the daily limit used up: 503"
jq -r .error.message "$T_DIR/b" | grep -q 'daily'; t_ok $? "the message says so: $(jq -r .error.message "$T_DIR/b")"
last=$(grep 'info \[feed\]' "$T_DIR/gateway.log" | tail -n 1)
t_is "$(grep -o ' retries=[0-9]*' <<<"$last")$(grep -o ' outcome=[a-z]*' <<<"$last")" " retries=0 outcome=failed" \
    "not retried: waiting would take hours"

t_done
