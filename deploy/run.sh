#!/usr/bin/env bash
# Runs the gateway. On a fresh machine it installs what is missing, builds, starts a private
# PostgreSQL under var/ (unix socket only), applies the migrations and runs the gateway in the
# foreground. Without a HubSpot app configured (GATEWAY_HUBSPOT_CLIENT_ID), it also runs the bundled
# HubSpot simulator as a sandbox portal and, on first run, creates a data source and a token.
# Ctrl-C stops everything it started.
#
#   deploy/run.sh               run (prints the OData URL; the token only when it is new)
#   deploy/run.sh --new-token   also mint and print a new sandbox token
#
# Settings (environment): GATEWAY_LISTEN (127.0.0.1:8080), GATEWAY_DATA_DIR (var/),
# GATEWAY_HUBSPOT_CLIENT_ID / _SECRET / GATEWAY_HUBSPOT_BASE_URL for a real HubSpot app,
# SANDBOX_PORT (8099), SANDBOX_CONTACTS (5000) and the other sizes.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/deploy/lib.sh"

new_token=0
for arg in "$@"; do
    case "$arg" in
    --new-token) new_token=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done

WITH_FUZZ=0 WITH_BROWSER=0 "$ROOT/deploy/install-deps.sh"
gw_build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo

VAR=${GATEWAY_DATA_DIR:-$ROOT/var}
mkdir -p "$VAR"
PGDIR="$VAR/pg"
LISTEN=${GATEWAY_LISTEN:-127.0.0.1:8080}
pids=()
cleanup() {
    trap - INT TERM EXIT
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    gw_pg_stop "$PGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gw_pg_start "$PGDIR"
gw_pg_createdb "$PGDIR" gateway
export GATEWAY_DATABASE_URL="host=$PGDIR/run user=gateway dbname=gateway"
# audit events wait here when PostgreSQL cannot take them and the memory spool is full
export GATEWAY_AUDIT_SPOOL_FILE=${GATEWAY_AUDIT_SPOOL_FILE:-$VAR/audit-spool.jsonl}
if [ -z "${GATEWAY_MASTER_KEY:-}" ] && [ -z "${GATEWAY_MASTER_KEY_FILE:-}" ]; then
    export GATEWAY_MASTER_KEY_FILE="$VAR/master.key"
    [ -s "$GATEWAY_MASTER_KEY_FILE" ] || (umask 077 && "$ROOT/build/gatewayctl" keys generate --out "$GATEWAY_MASTER_KEY_FILE" >/dev/null)
fi
"$ROOT/build/gatewayctl" migrate

ctl() { "$ROOT/build/gatewayctl" "$@"; }
token=""
if [ -z "${GATEWAY_HUBSPOT_CLIENT_ID:-}" ]; then
    SANDBOX_PORTAL=${SANDBOX_PORTAL:-1000001}
    SANDBOX_PORT=${SANDBOX_PORT:-8099}
    export GATEWAY_HUBSPOT_CLIENT_ID=sandbox-client GATEWAY_HUBSPOT_CLIENT_SECRET=sandbox-secret
    export GATEWAY_HUBSPOT_BASE_URL="http://127.0.0.1:$SANDBOX_PORT"
    export GATEWAY_HUBSPOT_AUTH_URL="http://127.0.0.1:$SANDBOX_PORT" # /oauth/install shows the sandbox's approval page
    "$ROOT/build/hubspot-sim" --listen "127.0.0.1:$SANDBOX_PORT" --seed 1 --portal-id "$SANDBOX_PORTAL" \
        --client-id sandbox-client --client-secret sandbox-secret \
        --contacts "${SANDBOX_CONTACTS:-5000}" --companies "${SANDBOX_COMPANIES:-1000}" \
        --deals "${SANDBOX_DEALS:-2000}" --tickets "${SANDBOX_TICKETS:-800}" \
        --rate-ten-secondly 0 --rate-secondly-search 0 >"$VAR/sandbox.log" 2>&1 &
    pids+=($!)
    line=$(gw_wait_line "$VAR/sandbox.log" '^hubspot-sim listening')
    refresh=$(sed -n 's/.*refresh_token=\([^ ]*\).*/\1/p' <<<"$line")
    if [ ! -s "$VAR/sandbox.datasource" ]; then
        printf '%s' "$refresh" | ctl portal add --hub-id "$SANDBOX_PORTAL" --refresh-token - --hub-domain sandbox.hubspot.test \
            --scopes crm.objects.contacts.read,crm.objects.companies.read,crm.objects.deals.read,tickets --installed-by 1 >/dev/null
        ds=$(ctl datasource create --portal "$SANDBOX_PORTAL" --owner 1 --name "Sandbox CRM" \
            --object contacts --object companies --object deals --object tickets)
        echo "$ds" >"$VAR/sandbox.datasource"
        new_token=1
    fi
    if [ "$new_token" = 1 ]; then
        token=$(ctl token mint --portal "$SANDBOX_PORTAL" --owner 1 --name "Power BI (sandbox)" | sed -n 's/^Token: //p')
    fi
    ds=$(cat "$VAR/sandbox.datasource")
fi

"$ROOT/build/odata-gateway" --listen "$LISTEN" >"$VAR/gateway.out" 2> >(tee -a "$VAR/gateway.log" >&2) &
pids+=($!)
bound=$(gw_wait_line "$VAR/gateway.out" '^odata-gateway listening' | sed 's/.*listening on //')

if [ -n "${ds:-}" ]; then
    cat <<MSG

The gateway is running on the sandbox HubSpot portal $SANDBOX_PORTAL.

OData URL: $bound/odata/$ds/
MSG
    if [ -n "$token" ]; then
        echo "Token: $token"
        echo
        echo "The token is shown only now; run 'deploy/run.sh --new-token' for another."
    else
        echo "(the sandbox token was printed on the first run; 'deploy/run.sh --new-token' mints another)"
    fi
    cat <<MSG

In Power BI Desktop: Get data > OData feed > paste the OData URL > OK. When asked for
credentials choose "Basic", type any user name (e.g. powerbi) and paste the token as the
password, then Connect and pick the tables (contacts, companies, deals, tickets).

The connector's UI (data sources, sharing, tokens) as the sandbox's admin, a link that works
once within 10 minutes ('build/gatewayctl launch --portal $SANDBOX_PORTAL --user 1' makes another):
$(ctl launch --portal "$SANDBOX_PORTAL" --user 1 --ttl 600 --public-url "$bound")

Press Ctrl-C to stop.
MSG
else
    echo "The gateway is running at $bound (HubSpot app ${GATEWAY_HUBSPOT_CLIENT_ID}). Press Ctrl-C to stop."
fi
wait "${pids[-1]}"
