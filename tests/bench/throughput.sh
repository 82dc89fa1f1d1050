#!/usr/bin/env bash
# Throughput of a large feed against HubSpot-like limits: rows per second delivered to a client that
# follows every @odata.nextLink (as Power BI does), as a share of the ceiling the rate tier allows
# (requests per second x records per page), with the client-visible 429s (must be 0). The baseline is a
# naive sequential pager that reads the same records straight from the simulator, one page after
# another.
#
#   tests/bench/throughput.sh                  200,000 contacts, 150 ms per request, 190 requests per 10 s
#   ROWS=50000 LATENCY_MS=150 TIER=190 LOOKAHEAD=4 tests/bench/throughput.sh
#   NAIVE=0 tests/bench/throughput.sh          without the baseline (it takes ~5 minutes at 200,000 rows)
#
# Needs a build (deploy/test.sh or cmake; GW_BUILD_DIR picks it); starts its own PostgreSQL, simulator and
# gateway. The gateway runs with its defaults (the lowest tier until HubSpot's X-HubSpot-RateLimit headers
# say otherwise, pages of 10,000 rows per response).
set -euo pipefail
ROWS=${ROWS:-200000} LATENCY_MS=${LATENCY_MS:-150} TIER=${TIER:-190} LOOKAHEAD=${LOOKAHEAD:-4} NAIVE=${NAIVE:-1}
SIM_RATE="--rate-ten-secondly $TIER --rate-secondly-search 5"
. "$(dirname "$0")/bench-lib.sh"

bench_start_pg
bench_start_sim --contacts "$ROWS" --latency-ms "$LATENCY_MS"
bench_datasource
bench_build_helper
"$BUILD/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$SIM_URL" --client-id b --client-secret b \
    --hubspot-lookahead "$LOOKAHEAD" >"$TMP/gw.out" 2>"$TMP/gw.log" &
GW_PID=$!
bench_pids+=("$GW_PID")
GW_URL=$(gw_wait_line "$TMP/gw.out" '^odata-gateway listening' | sed 's/.*listening on //')

# warm-up: the property metadata and the access token, then a fresh rate window
bench_get '$top=1' "$TMP/warm" >/dev/null
sleep 11
curl -s -X POST "$SIM_URL/__sim/reset-stats" >/dev/null

ceiling=$(echo "$TIER / 10 * 100" | bc -l)
url="$GW_URL/odata/$DS/contacts"
pages=0 statuses=""
start=$(date +%s.%N)
while [ -n "$url" ]; do
    pages=$((pages + 1))
    status=$(curl -s -o "$TMP/page-$pages" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$url")
    statuses="$statuses $status"
    [ "$status" = 200 ] || break
    url=$(tail -c 4096 "$TMP/page-$pages" | sed -n 's/.*"@odata.nextLink":"\([^"]*\)".*/\1/p')
done
end=$(date +%s.%N)
rows=$("$HS_PAGES" rows "$TMP"/page-* | awk '$1 < 0 {bad = 1} {n += $1} END {print bad ? -1 : n}')
secs=$(echo "$end - $start" | bc -l)
not200=$(tr ' ' '\n' <<<"$statuses" | grep -cv '^\(200\)\?$' || true)
sim429=$(curl -s "$SIM_URL/__sim/stats" | jq '.http_429 // 0')
calls=$(curl -s "$SIM_URL/__sim/stats" | jq '[.requests[]] | add')
absorbed=$(grep -o 'rate_limited=[0-9]*' "$TMP/gw.log" | awk -F= '{n += $2} END {print n + 0}')

printf '%-34s %9s %8s %10s %9s %s\n' "reader" rows seconds rows/s ceiling "HubSpot calls, 429s (client-visible)"
printf '%-34s %9s %8.1f %10.0f %8.1f%% %s\n' "gateway (lookahead $LOOKAHEAD, $pages responses)" "$rows" "$secs" \
    "$(echo "$rows / $secs" | bc -l)" "$(echo "100 * $rows / $secs / $ceiling" | bc -l)" \
    "$calls calls, $sim429 429s from HubSpot, $absorbed retried, $not200 non-200 to the client"

if [ "$NAIVE" = 1 ]; then
    sleep 11
    token=$("$HS_PAGES" token "$SIM_URL" b b bench-rt)
    props=$("$HS_PAGES" props "$SIM_URL" "$token" contacts)
    sleep 11
    start=$(date +%s.%N)
    mkdir -p "$TMP/naive"
    read -r npages nrows _ < <("$HS_PAGES" fetch "$SIM_URL" "$token" contacts "$props" "$TMP/naive")
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc -l)
    printf '%-34s %9s %8.1f %10.0f %8.1f%% %s\n' "naive sequential pager" "$nrows" "$secs" "$(echo "$nrows / $secs" | bc -l)" \
        "$(echo "100 * $nrows / $secs / $ceiling" | bc -l)" "$npages calls"
fi
echo "ceiling: $TIER requests per 10 s x 100 records per page = $(printf '%.0f' "$ceiling") rows/s; $LATENCY_MS ms per request"
