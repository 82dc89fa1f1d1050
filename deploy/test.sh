#!/usr/bin/env bash
# Runs every test. On a fresh machine it installs what is missing, builds with -Werror, starts a
# throwaway PostgreSQL and the HubSpot simulator, runs the whole suite through ctest and stops
# everything. Exits non-zero on any failure.
#
#   deploy/test.sh                 everything
#   deploy/test.sh -R integration  only tests whose name matches (ctest's -R)
#   deploy/test.sh -L differential the randomized differential test of query options (DIFF_SEED=N replays a seed)
#   GW_SANITIZE=1 deploy/test.sh   the same under ASan+UBSan (in build-asan/, or GW_BUILD_DIR)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/deploy/lib.sh"

"$ROOT/deploy/install-deps.sh"
if [ "${GW_SANITIZE:-0}" = 1 ]; then
    BUILD=${GW_BUILD_DIR:-$ROOT/build-asan}
    gw_build "$BUILD" -DGW_WERROR=ON -DGW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
    BUILD=${GW_BUILD_DIR:-$ROOT/build}
    gw_build "$BUILD" -DGW_WERROR=ON
fi

TMP=$(mktemp -d /tmp/gw-test.XXXXXX)
chmod 0755 "$TMP"
SIM_PID=
cleanup() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    gw_pg_stop "$TMP/pg"
    rm -rf "$TMP"
}
trap cleanup EXIT

GW_PG_FSYNC=off gw_pg_start "$TMP/pg"
export GW_TEST_PGDIR="$TMP/pg"
export GW_TEST_LOGS="$TMP/logs"
mkdir -p "$GW_TEST_LOGS"

export GW_TEST_SIM_PORTAL=2000001 GW_TEST_SIM_CLIENT_ID=test-client GW_TEST_SIM_CLIENT_SECRET=test-secret
"$BUILD/hubspot-sim" --listen 127.0.0.1:0 --seed 7 --portal-id "$GW_TEST_SIM_PORTAL" \
    --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" \
    --contacts 30000 --companies 3000 --deals 5000 --tickets 2000 \
    --rate-ten-secondly 0 --rate-secondly-search 0 >"$TMP/sim.out" 2>"$TMP/sim.log" &
SIM_PID=$!
line=$(gw_wait_line "$TMP/sim.out" '^hubspot-sim listening')
export GW_TEST_SIM_URL=$(sed 's/.*listening on \([^ ]*\).*/\1/' <<<"$line")
export GW_TEST_SIM_REFRESH=$(sed -n 's/.*refresh_token=\([^ ]*\).*/\1/p' <<<"$line")

cd "$BUILD"
status=0
[ $# -eq 0 ] && full=1
ctest --output-on-failure -j2 --timeout 900 "$@" || status=$?
# the gateways' logs outlive a failed run, for whoever reads why
if [ "$status" -ne 0 ]; then
    rm -rf "$BUILD/artifacts/logs" && mkdir -p "$BUILD/artifacts" && cp -r "$GW_TEST_LOGS" "$BUILD/artifacts/logs" &&
        echo "The gateways' logs are in $BUILD/artifacts/logs/"
fi

# a short libFuzzer run of the query-option parser: clang builds just the fuzz target
if [ "${full:-0}" = 1 ] && [ "${GW_SKIP_FUZZ:-0}" != 1 ]; then
    cmake -S "$ROOT" -B "$ROOT/build-fuzz" -DCMAKE_C_COMPILER=clang -DGW_FUZZ=ON -DGW_WERROR=ON >"$ROOT/build-fuzz.configure.log" 2>&1 &&
        cmake --build "$ROOT/build-fuzz" --target fuzz-query -j"$(nproc)" >"$ROOT/build-fuzz.build.log" 2>&1 ||
        { tail -n 30 "$ROOT/build-fuzz.build.log" "$ROOT/build-fuzz.configure.log" 2>/dev/null; status=1; }
    (cd "$ROOT/build-fuzz" && ctest --output-on-failure -L fuzz) || status=1
fi
exit $status
