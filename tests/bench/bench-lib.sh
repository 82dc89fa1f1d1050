# shellcheck shell=bash
# Shell functions shared by the benches in this folder (cpu.sh, concurrency.sh, ttfb.sh). Source it after
# `set -euo pipefail`; it sets ROOT, BUILD and TMP (a fresh directory under /tmp) and a trap that stops
# everything the bench started and removes TMP.
#
# The simulator always runs as portal 9 with client id/secret "b" and refresh token "bench-rt". Its rate limits are
# SIM_RATE (default "--rate-ten-secondly 1000 --rate-secondly-search 100"): the highest limits the gateway's rate budget
# follows from HubSpot's X-HubSpot-RateLimit-* headers (hubspot/budget.h). With the limits off (0) the simulator sends
# no such header and the gateway keeps its configured tier (100 requests per 10 s), so a bench would mostly measure
# the gateway waiting for its budget.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/deploy/lib.sh"
BUILD=${GW_BUILD_DIR:-$ROOT/build}
for bin in odata-gateway gatewayctl hubspot-sim; do
    [ -x "$BUILD/$bin" ] || { echo "$BUILD/$bin not found: build first (cmake) or set GW_BUILD_DIR" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/gw-bench.XXXXXX)
chmod 0755 "$TMP"
bench_pids=()

bench_cleanup() {
    local p
    trap '' PIPE INT TERM # finish cleaning up even when the reader of our output is gone
    exec >/dev/null 2>&1
    for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${bench_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    gw_pg_stop "$TMP/pg"
    rm -rf "$TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# A private PostgreSQL with the gateway's schema; exports what gatewayctl and the gateway read.
bench_start_pg() {
    GW_PG_FSYNC=off gw_pg_start "$TMP/pg"
    gw_pg_createdb "$TMP/pg" bench
    export GATEWAY_DATABASE_URL="host=$TMP/pg/run user=gateway dbname=bench" GATEWAY_MASTER_KEY_FILE="$TMP/master.key"
    "$BUILD/gatewayctl" keys generate --out "$GATEWAY_MASTER_KEY_FILE" >/dev/null
    "$BUILD/gatewayctl" migrate >/dev/null
}

# bench_start_sim [FLAGS...]: the simulator on a free port; sets SIM_URL and SIM_PID.
bench_start_sim() {
    "$BUILD/hubspot-sim" --listen 127.0.0.1:0 --seed 3 --portal-id 9 --client-id b --client-secret b --refresh-token bench-rt \
        --companies 1 --deals 1 --tickets 1 ${SIM_RATE:---rate-ten-secondly 1000 --rate-secondly-search 100} "$@" \
        >"$TMP/sim.out" 2>&1 &
    SIM_PID=$!
    bench_pids+=("$SIM_PID")
    SIM_URL=$(gw_wait_line "$TMP/sim.out" '^hubspot-sim listening' | sed 's/.*listening on \([^ ]*\).*/\1/')
}

# The portal, a data source over every property of contacts and a token; sets DS and TOKEN.
bench_datasource() {
    printf 'bench-rt' | "$BUILD/gatewayctl" portal add --hub-id 9 --refresh-token - >/dev/null
    DS=$("$BUILD/gatewayctl" datasource create --portal 9 --owner 1 --name bench --object contacts)
    TOKEN=$("$BUILD/gatewayctl" token mint --portal 9 --owner 1 --name bench 2>/dev/null | sed -n 's/^Token: //p')
    [ -n "$DS" ] && [ -n "$TOKEN" ] || { echo "could not create the data source or the token" >&2; return 1; }
}

# bench_start_gateway [WRAPPER...]: the gateway (under WRAPPER, e.g. valgrind, when given) on a free port, one
# response per feed, log level warn; sets GW_URL and GW_PID (the wrapper execs in place, so it is the gateway's).
bench_start_gateway() {
    "$@" "$BUILD/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$SIM_URL" --client-id b --client-secret b \
        --page-size 1000000 --log-level warn >"$TMP/gw.out" 2>"$TMP/gw.log" &
    GW_PID=$!
    bench_pids+=("$GW_PID")
    GW_URL=$(gw_wait_line "$TMP/gw.out" '^odata-gateway listening' 120 | sed 's/.*listening on //') ||
        { tail -n 20 "$TMP/gw.log" >&2; return 1; }
}

# bench_get QUERY OUT: one request of the contacts feed (QUERY as typed after '?', may be empty) into OUT; prints
# "status time_starttransfer time_total".
bench_get() {
    local q=$1 out=$2
    curl -s -o "$out" -H "Authorization: Bearer $TOKEN" -w '%{http_code} %{time_starttransfer} %{time_total}\n' \
        "$GW_URL/odata/$DS/contacts${q:+?$q}"
}

# The helper program (hs_pages.c), built into TMP; sets HS_PAGES.
bench_build_helper() {
    HS_PAGES=$TMP/hs-pages
    # shellcheck disable=SC2046 # pkg-config prints several flags
    cc -O2 -g -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$HS_PAGES" "$ROOT/tests/bench/hs_pages.c" \
        $(pkg-config --cflags --libs jansson libcurl)
}

# bench_rss PID: the resident set in KiB.
bench_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
