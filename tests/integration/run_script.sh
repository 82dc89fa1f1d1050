#!/usr/bin/env bash
# deploy/run.sh as a new user meets it: the first run prints the OData URL and a token that work;
# a second run reuses the data and prints no token; --new-token mints another; stopping it stops
# everything it started.
set -uo pipefail
: "${GW_BUILD_DIR:?run through deploy/test.sh}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/deploy/lib.sh"
t_n=0 t_failed=0
t_ok() { t_n=$((t_n + 1)); if [ "$1" -eq 0 ]; then echo "ok $t_n - $2"; else echo "not ok $t_n - $2"; t_failed=$((t_failed + 1)); fi; }

DIR=$(mktemp -d /tmp/gw-run.XXXXXX)
chmod 0755 "$DIR"
free_port() { # a port nothing listens on
    local p
    while :; do
        p=$(shuf -i 20000-60000 -n 1)
        (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}
export GATEWAY_DATA_DIR="$DIR/var" GATEWAY_LISTEN="127.0.0.1:$(free_port)" SANDBOX_PORT=$(free_port)
export SANDBOX_CONTACTS=300 SANDBOX_COMPANIES=50 SANDBOX_DEALS=80 SANDBOX_TICKETS=40
RUN_PID=
stop_run() {
    [ -n "$RUN_PID" ] || return 0
    kill -TERM "$RUN_PID" 2>/dev/null
    wait "$RUN_PID" 2>/dev/null
    RUN_PID=
}
trap 'stop_run; rm -rf "$DIR"' EXIT

start_run() { # start_run LOG [args]: runs deploy/run.sh until it has printed its instructions
    local log=$1
    shift
    setsid "$ROOT/deploy/run.sh" "$@" >"$log" 2>&1 &
    RUN_PID=$!
    gw_wait_line "$log" 'Ctrl-C to stop' 240 >/dev/null
}

start_run "$DIR/run1.log"
url=$(sed -n 's/^OData URL: //p' "$DIR/run1.log")
token=$(sed -n 's/^Token: //p' "$DIR/run1.log")
[ -n "$url" ] && [ -n "$token" ]; t_ok $? "first run prints 'OData URL:' and 'Token:' lines"
sets=$(curl -s -u "powerbi:$token" "$url" | jq -r '[.value[].name] | sort | join(",")')
[ "$sets" = "companies,contacts,deals,tickets" ]; t_ok $? "the URL and token work with Basic credentials ($sets)"
rows=$(curl -s -u "powerbi:$token" "${url}contacts" | jq '.value | length')
[ "$rows" = 300 ]; t_ok $? "the sandbox serves its contacts ($rows)"
grep -q "OData feed" "$DIR/run1.log"; t_ok $? "the Power BI steps are printed"
stop_run
sleep 1
left=$(ps -eo args | grep -E "$GATEWAY_DATA_DIR|127.0.0.1:$SANDBOX_PORT|$GATEWAY_LISTEN" | grep -v grep | wc -l)
[ "$left" -eq 0 ]; t_ok $? "stopping it stops the gateway, the simulator and PostgreSQL ($left left)"

start_run "$DIR/run2.log"
! grep -q '^Token: ' "$DIR/run2.log"; t_ok $? "a second run prints no token"
[ "$(sed -n 's/^OData URL: //p' "$DIR/run2.log")" = "$url" ]; t_ok $? "and the same OData URL"
st=$(curl -s -o /dev/null -w '%{http_code}' -u "powerbi:$token" "$url")
[ "$st" = 200 ]; t_ok $? "the first token still works after a restart"
stop_run

start_run "$DIR/run3.log" --new-token
token2=$(sed -n 's/^Token: //p' "$DIR/run3.log")
[ -n "$token2" ] && [ "$token2" != "$token" ]; t_ok $? "--new-token prints a new token"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token2" "$url")
[ "$st" = 200 ]; t_ok $? "which works"
stop_run

echo "1..$t_n"
[ "$t_failed" -eq 0 ]
