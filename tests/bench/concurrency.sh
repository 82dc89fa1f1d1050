#!/usr/bin/env bash
# Memory per concurrent feed: many feeds open on one gateway at the same moment, each reading the whole contacts
# set from a HubSpot that answers after LATENCY_MS, each client slower than the gateway.
#
#   tests/bench/concurrency.sh                          CONCURRENCY=200 feeds of ROWS=1000 contacts
#   CONCURRENCY=50 ROWS=5000 LATENCY_MS=50 RATE=100000 tests/bench/concurrency.sh
#
# Method: the simulator has ROWS contacts and LATENCY_MS (default 150) on every answer; its rate limits are the
# highest the gateway follows (bench-lib.sh), so the feeds share 100 HubSpot requests a second. After one warm-up
# feed (access token, property metadata, model, upstream connections), the gateway's VmRSS is the baseline. Then
# CONCURRENCY slow clients start at once (hs_pages.c slowget: a 32 KiB receive buffer, reading RATE bytes/s,
# default 20000; curl --limit-rate does not hold back transfers of a few hundred KB), each reading the full feed
# (one response, --page-size 1000000), so that every feed stays open for tens of seconds and the gateway holds its
# back-pressure buffers for each of them. Every SAMPLE_MS (default 100) the script samples the gateway's
# VmRSS, the established connections on the gateway's port (ss) and how many feeds have received their first
# bytes. "All open" means every connection is established and every feed has started; the peak is the highest
# VmRSS sampled while all were open (the highest sampled at any time is shown too).
# Per feed = (peak - baseline) / CONCURRENCY; the target is under 256 KiB. What a feed holds depends on its share of
# the portal's rate budget: with fewer feeds each one keeps more pages read ahead of its slow client (compare
# CONCURRENCY=20). At the end every feed must have
# answered 200 with exactly ROWS rows; feeds still open after TIMEOUT seconds (default 300) are stopped and counted
# as stalled.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
CONCURRENCY=${CONCURRENCY:-200}
ROWS=${ROWS:-1000}
LATENCY_MS=${LATENCY_MS:-150}
RATE=${RATE:-20000}
SAMPLE_MS=${SAMPLE_MS:-100}
TIMEOUT=${TIMEOUT:-300}

command -v ss >/dev/null || { echo "ss (iproute2) is needed" >&2; exit 1; }
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -gt $((CONCURRENCY * 3 + 100)) ] || ulimit -n $((CONCURRENCY * 3 + 100)) 2>/dev/null || true

bench_start_pg
bench_start_sim --contacts "$ROWS" --latency-ms "$LATENCY_MS"
bench_datasource
bench_build_helper
bench_start_gateway
port=${GW_URL##*:}

read -r status _ < <(bench_get "" "$TMP/warm.json")
[ "$status" = 200 ] || { echo "the warm-up feed answered $status" >&2; exit 1; }
[ "$("$HS_PAGES" rows "$TMP/warm.json")" -eq "$ROWS" ] || { echo "the warm-up feed is not exact" >&2; exit 1; }
full=$(stat -c %s "$TMP/warm.json")
rm -f "$TMP/warm.json"
sleep 1
baseline=$(bench_rss "$GW_PID")

mkdir "$TMP/feeds"
curls=()
start=$(date +%s.%N)
for ((i = 0; i < CONCURRENCY; i++)); do
    "$HS_PAGES" slowget "$GW_URL/odata/$DS/contacts" "$TOKEN" "$TMP/feeds/$i.json" "$RATE" >"$TMP/feeds/$i.status" 2>&1 &
    curls+=($!)
    bench_pids+=($!)
done

peak=0 max_rss=0 max_open=0 max_started=0 samples_all_open=0 first_all_open='' stalled=0
sleep_s=$(awk -v ms="$SAMPLE_MS" 'BEGIN { printf "%.3f", ms / 1000 }')
while :; do
    alive=0
    for p in "${curls[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
    [ "$alive" -gt 0 ] || break
    if awk -v a="$start" -v b="$(date +%s.%N)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
        stalled=$alive
        # where the bytes stopped: unsent in the gateway's socket (Send-Q), unread in the client's (Recv-Q), or neither
        ss -Htn state established "( sport = :$port )" | awk '{q += ($3 > 0)} END {print "gateway sockets with unsent bytes:", q + 0}' >"$TMP/stall"
        ss -Htn state established "( dport = :$port )" | awk '{q += ($2 > 0)} END {print "client sockets with unread bytes:", q + 0}' >>"$TMP/stall"
        for ((i = 0; i < CONCURRENCY; i++)); do kill -0 "${curls[$i]}" 2>/dev/null && stat -c %s "$TMP/feeds/$i.json"; done |
            sort -n | awk '{a[NR] = $1} END {print "bytes received by the open feeds: min", a[1], "max", a[NR]}' >>"$TMP/stall"
        for p in "${curls[@]}"; do kill "$p" 2>/dev/null || true; done
        break
    fi
    rss=$(bench_rss "$GW_PID")
    [ "$rss" -gt "$max_rss" ] && max_rss=$rss
    open=$(ss -Htn state established "( sport = :$port )" | wc -l)
    started=$(find "$TMP/feeds" -name '*.json' -size +0 | wc -l)
    [ "$open" -gt "$max_open" ] && max_open=$open
    [ "$started" -gt "$max_started" ] && max_started=$started
    if [ "$open" -ge "$CONCURRENCY" ] && [ "$started" -ge "$CONCURRENCY" ]; then
        samples_all_open=$((samples_all_open + 1))
        [ -n "$first_all_open" ] || first_all_open=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        [ "$rss" -gt "$peak" ] && peak=$rss
    fi
    sleep "$sleep_s"
done
wait "${curls[@]}" 2>/dev/null || true
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

exact=0
for ((i = 0; i < CONCURRENCY; i++)); do
    if [ "$(cat "$TMP/feeds/$i.status")" = 200 ] && [ "$("$HS_PAGES" rows "$TMP/feeds/$i.json")" -eq "$ROWS" ]; then
        exact=$((exact + 1))
    fi
    rm -f "$TMP/feeds/$i.json"
done

echo "Memory per concurrent feed: $CONCURRENCY feeds of $ROWS contacts, HubSpot latency ${LATENCY_MS} ms, clients at $RATE bytes/s"
printf '%-6s %-10s %-13s %-20s %-13s %-18s %-8s %-22s %s\n' feeds rows/feed "baseline RSS" "peak RSS (all open)" "max RSS" \
    "per feed (target)" seconds "all open (samples)" "exact feeds"
if [ "$samples_all_open" -eq 0 ]; then
    printf '%-6s %-10s %-13s %-20s %-13s %-18s %-8s %-22s %s\n' "$CONCURRENCY" "$ROWS" "$baseline KiB" "never all open" "$max_rss KiB" \
        "-" "$secs" "no (max $max_open conn, $max_started started)" "$exact/$CONCURRENCY"
    echo "the feeds were never all open at once: raise ROWS or lower RATE" >&2
    exit 1
fi
per=$(awk -v p="$peak" -v b="$baseline" -v n="$CONCURRENCY" 'BEGIN { printf "%.0f", (p - b) / n }')
printf '%-6s %-10s %-13s %-20s %-13s %-18s %-8s %-22s %s\n' "$CONCURRENCY" "$ROWS" "$baseline KiB" "$peak KiB" "$max_rss KiB" \
    "$per KiB (<256)" "$secs" "from ${first_all_open}s ($samples_all_open)" "$exact/$CONCURRENCY"
if [ "$stalled" -gt 0 ]; then
    echo "$stalled feeds were still open after ${TIMEOUT}s and were stopped (a complete feed has $full bytes); simulator: $(
        curl -s "$SIM_URL/__sim/stats" | sed 's/.*"crm_objects_list":\([0-9]*\).*"records_returned":\([0-9]*\).*/\1 list requests, \2 records/')" >&2
    sed 's/^/  /' "$TMP/stall" >&2
fi
[ "$exact" -eq "$CONCURRENCY" ] || { echo "$((CONCURRENCY - exact)) feeds failed or were not exact; gateway log: $(tail -n 3 "$TMP/gw.log")" >&2; exit 1; }
