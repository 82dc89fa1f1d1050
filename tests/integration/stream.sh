#!/usr/bin/env bash
# Streaming behaviour: a slow client slows HubSpot calls, a client that leaves cancels them, and a
# feed that fails after its first byte is aborted so it can never look complete.
. "$(dirname "$0")/lib.sh"

SIM_DIR=$(mktemp -d)
"$GW_BUILD_DIR/hubspot-sim" --listen 127.0.0.1:0 --seed 11 --portal-id "$GW_TEST_SIM_PORTAL" \
    --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" \
    --contacts 50000 --companies 10 --deals 10 --tickets 10 --rate-ten-secondly 0 --rate-secondly-search 0 >"$SIM_DIR/out" 2>&1 &
SIM_PID=$!
line=$(gw_wait_line "$SIM_DIR/out" '^hubspot-sim listening')
GW_TEST_SIM_URL=$(sed 's/.*listening on \([^ ]*\).*/\1/' <<<"$line")
GW_TEST_SIM_REFRESH=$(sed -n 's/.*refresh_token=\([^ ]*\).*/\1/p' <<<"$line")
it_setup it_stream --page-size 1000000
trap 'rc=$?; kill $SIM_PID 2>/dev/null; rm -rf "$SIM_DIR"; it_teardown $rc' EXIT
list_calls() { curl -s "$GW_TEST_SIM_URL/__sim/stats" | jq '.requests.crm_objects_list'; }

# a slow client: HubSpot calls stay a bounded distance ahead of what the client has taken
curl -s -o "$T_DIR/slow" -H "Authorization: Bearer $TOKEN" --limit-rate 100k "$GW_URL/odata/$DS/contacts" &
cpid=$!
sleep 3
got=$(stat -c %s "$T_DIR/slow")
calls=$(list_calls)
rows_sent=$(grep -o '"id":' "$T_DIR/slow" | wc -l)
echo "# after 3 s at 100 kB/s: $got bytes, $rows_sent rows received, $calls of 500 HubSpot pages fetched"
# the kernel's socket buffers hold a few MB between the gateway and curl; beyond that the upstream waits
[ "$calls" -gt 0 ] && [ "$calls" -lt 250 ]; t_ok $? "a slow client slows the upstream ($calls of 500 pages fetched)"
kill $cpid 2>/dev/null; wait $cpid 2>/dev/null
sleep 1
before=$(list_calls)
sleep 1
after=$(list_calls)
t_is "$after" "$before" "a client that goes away stops the HubSpot calls"
grep -q 'outcome=client_gone' "$T_DIR/gateway.log"; t_ok $? "the gateway logs the client's departure"

# HubSpot fails in the middle of a feed: the response is cut without the terminating chunk
curl -s -o "$T_DIR/cut" -H "Authorization: Bearer $TOKEN" --limit-rate 200k "$GW_URL/odata/$DS/contacts" &
cpid=$!
sleep 1.5
kill $SIM_PID
wait $cpid
rc=$?
case "$rc" in 18 | 56) t_ok 0 "curl reports an incomplete transfer (exit $rc), not a complete response" ;;
*) t_ok 1 "curl exit $rc: expected 18 (partial) or 56 (receive failure)" ;; esac
[ "$(tail -c 2 "$T_DIR/cut")" != "]}" ]; t_ok $? "the body is not a complete JSON document"
grep -q 'outcome=aborted' "$T_DIR/gateway.log"; t_ok $? "the gateway logs the abort"

# before the first byte, the same failure is a clear OData error
st=$(http GET "$GW_URL/odata/$DS/companies" -H "Authorization: Bearer $TOKEN")
case "$st" in 502 | 504) t_ok 0 "HubSpot unreachable before the first byte: $st" ;; *) t_ok 1 "HubSpot unreachable: got $st" ;; esac
jq -e '.error.message' "$T_DIR/b" >/dev/null; t_ok $? "with an OData error body: $(jq -r .error.message "$T_DIR/b")"

t_done
