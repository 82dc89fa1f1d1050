#!/usr/bin/env bash
# Peak memory of the gateway while it streams one large feed, for growing row counts: streaming
# means the peak must not grow with the number of rows.
#
#   tests/bench/memory.sh [ROWS...]        default: 100000 1000000
#   BENCH_QUERY='$orderby=num_employees desc' tests/bench/memory.sh 100000
#                                          the same with query options (as typed; spaces are encoded)
#
# Needs a build (deploy/test.sh or cmake) and starts its own PostgreSQL, simulator and gateway.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/deploy/lib.sh"
BUILD=${GW_BUILD_DIR:-$ROOT/build}
[ $# -gt 0 ] || set -- 100000 1000000

TMP=$(mktemp -d /tmp/gw-bench.XXXXXX)
chmod 0755 "$TMP"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    gw_pg_stop "$TMP/pg"
    rm -rf "$TMP"
}
trap cleanup EXIT
GW_PG_FSYNC=off gw_pg_start "$TMP/pg"
gw_pg_createdb "$TMP/pg" bench
export GATEWAY_DATABASE_URL="host=$TMP/pg/run user=gateway dbname=bench" GATEWAY_MASTER_KEY_FILE="$TMP/master.key"
"$BUILD/gatewayctl" keys generate --out "$GATEWAY_MASTER_KEY_FILE" >/dev/null
"$BUILD/gatewayctl" migrate >/dev/null

printf '%-10s %-12s %-10s %-12s %s\n' rows bytes seconds rows/s "gateway peak RSS"
for rows in "$@"; do
    "$BUILD/hubspot-sim" --listen 127.0.0.1:0 --seed 3 --portal-id 9 --client-id b --client-secret b --refresh-token bench-rt \
        --contacts "$rows" --companies 1 --deals 1 --tickets 1 --rate-ten-secondly 0 --rate-secondly-search 0 >"$TMP/sim.out" 2>&1 &
    sim=$!
    pids+=($sim)
    url=$(gw_wait_line "$TMP/sim.out" '^hubspot-sim listening' | sed 's/.*listening on \([^ ]*\).*/\1/')
    printf 'bench-rt' | "$BUILD/gatewayctl" portal add --hub-id 9 --refresh-token - >/dev/null
    ds=$("$BUILD/gatewayctl" datasource create --portal 9 --owner 1 --name "bench $rows" --object contacts)
    token=$("$BUILD/gatewayctl" token mint --portal 9 --owner 1 --name bench 2>/dev/null | sed -n 's/^Token: //p')
    "$BUILD/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$url" --client-id b --client-secret b \
        --hubspot-rate-limit 0 --hubspot-search-rate 0 --page-size 1000000 --log-level warn >"$TMP/gw.out" 2>"$TMP/gw.log" &
    gw=$!
    pids+=($gw)
    gwurl=$(gw_wait_line "$TMP/gw.out" '^odata-gateway listening' | sed 's/.*listening on //')
    start=$(date +%s.%N)
    query=${BENCH_QUERY:-}
    bytes=$(curl -s -H "Authorization: Bearer $token" -o /dev/null -w '%{size_download}' \
        "$gwurl/odata/$ds/contacts${query:+?${query// /%20}}")
    end=$(date +%s.%N)
    peak=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$gw/status")
    secs=$(echo "$end - $start" | bc)
    printf '%-10s %-12s %-10.2f %-12.0f %s\n' "$rows" "$bytes" "$secs" "$(echo "$rows / $secs" | bc -l)" "$peak"
    kill "$gw" "$sim"
    wait "$gw" "$sim" 2>/dev/null || true
done
