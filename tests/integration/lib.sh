# Helpers for the integration tests: a TAP producer and the set-up of a gateway on a fresh database
# against the simulator that deploy/test.sh started. Source it from a test script.
set -uo pipefail

: "${GW_BUILD_DIR:?run the integration tests through deploy/test.sh (or ctest in its build directory)}"
: "${GW_TEST_PGDIR:?run the integration tests through deploy/test.sh}"
: "${GW_TEST_SIM_URL:?run the integration tests through deploy/test.sh}"
. "$(dirname "${BASH_SOURCE[0]}")/../../deploy/lib.sh"

t_n=0
t_failed=0
t_ok() { # t_ok STATUS MESSAGE: STATUS 0 passes
    t_n=$((t_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $t_n - $2"; else echo "not ok $t_n - $2"; t_failed=$((t_failed + 1)); fi
}
t_is() { # t_is GOT WANT MESSAGE
    if [ "$1" = "$2" ]; then t_ok 0 "$3"; else t_ok 1 "$3"; echo "#   got:  $1"; echo "#   want: $2"; fi
}
t_done() {
    echo "1..$t_n"
    [ "$t_failed" -eq 0 ]
}

ctl() { "$GW_BUILD_DIR/gatewayctl" "$@"; }
sql() { psql -h "$GW_TEST_PGDIR/run" -U gateway -d "$T_DB" -tAqc "$1"; }
# wait_sql QUERY WANT: polls the database until QUERY answers WANT (10 s at most); prints the last answer
wait_sql() {
    local got i
    for i in $(seq 100); do
        got=$(sql "$1")
        [ "$got" = "$2" ] && break
        sleep 0.1
    done
    echo "$got"
}


# it_fresh_db NAME: an empty database NAME with the gateway's schema, a master key file and a folder for
# the test ($T_DIR); sets T_DB and exports what gatewayctl and the gateway read.
it_fresh_db() {
    T_DB=$1
    T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gw-it-$1.XXXXXX")
    psql -h "$GW_TEST_PGDIR/run" -U gateway -d postgres -qc "DROP DATABASE IF EXISTS \"$T_DB\"" >/dev/null 2>&1
    psql -h "$GW_TEST_PGDIR/run" -U gateway -d postgres -qc "CREATE DATABASE \"$T_DB\"" >/dev/null
    export GATEWAY_DATABASE_URL="host=$GW_TEST_PGDIR/run user=gateway dbname=$T_DB"
    export GATEWAY_MASTER_KEY_FILE="$T_DIR/master.key"
    (umask 077 && ctl keys generate --out "$GATEWAY_MASTER_KEY_FILE" >/dev/null)
    ctl migrate >/dev/null
}

# it_setup NAME: a database NAME with the sandbox portal, a data source over the four objects owned
# by user 1, a token for it ($TOKEN, $TOKEN_ID), and a gateway on a free port ($GW_URL).
it_setup() {
    it_fresh_db "$1"
    printf '%s' "$GW_TEST_SIM_REFRESH" | ctl portal add --hub-id "$GW_TEST_SIM_PORTAL" --refresh-token - --installed-by 1 >/dev/null
    DS=$(ctl datasource create --portal "$GW_TEST_SIM_PORTAL" --owner 1 --name "All objects" \
        --object contacts --object companies --object deals --object tickets)
    local out
    out=$(ctl token mint --portal "$GW_TEST_SIM_PORTAL" --owner 1 --name "test token")
    TOKEN=$(sed -n 's/^Token: //p' <<<"$out")
    TOKEN_ID=$(sed -n 's/^Token id: //p' <<<"$out")
    it_start_gateway "$@"
}

# it_start_gateway [gateway flags...]: starts a gateway on a free port; sets $GW_URL and $GW_PID.
it_start_gateway() {
    shift || true
    # the shared simulator has no rate limits and sends no X-HubSpot-RateLimit headers: no budget
    # until a test's own flags (later ones win) or a simulator's headers give one
    rm -f "$T_DIR/gateway.out" # a restart must not read the last run's address
    "$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$GW_TEST_SIM_URL" \
        --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" \
        --hubspot-rate-limit 0 --hubspot-search-rate 0 "$@" \
        >"$T_DIR/gateway.out" 2>>"$T_DIR/gateway.log" &
    GW_PID=$!
    GW_URL=$(gw_wait_line "$T_DIR/gateway.out" '^odata-gateway listening' | sed 's/.*listening on //')
    trap it_teardown EXIT
}

it_teardown() {
    local rc=${1:-$?} gw_rc=0 # the status to exit with: the argument, else the last command's
    if [ -n "${GW_PID:-}" ]; then
        kill "$GW_PID" 2>/dev/null
        wait "$GW_PID" 2>/dev/null || gw_rc=$?
    fi
    # a clean shutdown exits 0; under ASan/UBSan any report fails the test
    if [ "$gw_rc" -ne 0 ] || grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_DIR/gateway.log" 2>/dev/null; then
        echo "not ok - the gateway exited with status $gw_rc or reported a sanitizer error:"
        grep -E -A25 'Sanitizer|runtime error:' "$T_DIR/gateway.log" | head -60 | sed 's/^/# /'
        rc=1
    fi
    cat "$T_DIR/gateway.log" >>"$GW_TEST_LOGS/gateway-$T_DB.log" 2>/dev/null
    rm -rf "$T_DIR"
    exit $rc
}

# http METHOD URL [curl args...]: prints "STATUS" and leaves headers in $T_DIR/h, body in $T_DIR/b
http() {
    local method=$1 url=$2
    shift 2
    curl -s -o "$T_DIR/b" -D "$T_DIR/h" -X "$method" "$@" -w '%{http_code}' "$url"
}

# it_follow URL: every row of a feed, following nextLinks with the test token, as JSON lines in
# $T_DIR/rows; a failed page leaves a line that matches no row, so the comparison that follows fails
it_follow() {
    local url=$1 st
    : >"$T_DIR/rows"
    while [ -n "$url" ]; do
        st=$(http GET "$url" -H "Authorization: Bearer $TOKEN")
        if [ "$st" != 200 ]; then
            echo "# $url -> $st $(head -c 300 "$T_DIR/b")"
            echo '{"id":"request failed"}' >>"$T_DIR/rows"
            return 1
        fi
        jq -c '.value[]' "$T_DIR/b" >>"$T_DIR/rows" || echo '{"id":"not JSON"}' >>"$T_DIR/rows"
        url=$(jq -r '.["@odata.nextLink"] // empty' "$T_DIR/b")
    done
}
