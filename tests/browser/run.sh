#!/usr/bin/env bash
# The connector's UI in headless Chromium (Debian's chromium, driven by playwright-core from npm) against a
# real gateway on a fresh database and the simulator that deploy/test.sh started. The flow: launch links,
# a data source built from objects and properties, sharing, a token minted, read once, used on a feed and
# revoked, a member's view, the end of a session (ui.test.js); the audit log on the admins' Audit page and on
# the support staff's page at /staff/, with a staff account made by gatewayctl (audit.test.js); the uninstall
# from the Portal page, on a second portal with a grant of its own from the simulator (portal.test.js). axe-core
# audits the main screens (WCAG 2.1 A and AA, contrast included) and the main action is reached by
# keyboard. Screenshots of the main screens go to $GW_BUILD_DIR/artifacts/browser/.
. "$(dirname "$0")/../integration/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
CHROMIUM=${GW_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ] || ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "not ok 1 - chromium, node and npm are needed (deploy/install-deps.sh installs them)"
    echo "1..1"
    exit 1
fi
# playwright-core and axe-core, pinned by package-lock.json; installed once into tests/browser/node_modules
if [ ! -f "$HERE/node_modules/playwright-core/package.json" ] || [ ! -f "$HERE/node_modules/axe-core/axe.min.js" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
        echo "not ok 1 - npm ci in tests/browser failed"
        echo "1..1"
        exit 1
    }
fi

it_fresh_db it_browser
printf '%s' "$GW_TEST_SIM_REFRESH" | ctl portal add --hub-id "$GW_TEST_SIM_PORTAL" --refresh-token - --installed-by 1 >/dev/null
it_start_gateway - --frame-ancestors "https://crm.example.com:8443 http://localhost:3000"

ARTIFACTS="$GW_BUILD_DIR/artifacts/browser"
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png

# what the test reads: the gateway, the portal, how to make launch links and reach the database
export BT_GATEWAY_URL="$GW_URL" BT_PORTAL="$GW_TEST_SIM_PORTAL" BT_CHROMIUM="$CHROMIUM" BT_ARTIFACTS="$ARTIFACTS"
export BT_GATEWAYCTL="$GW_BUILD_DIR/gatewayctl" BT_GATEWAY_BIN="$GW_BUILD_DIR/odata-gateway"
export BT_PSQL_HOST="$GW_TEST_PGDIR/run" BT_DB="$T_DB"
# the simulator's OAuth app, for a portal of a test's own with a refresh token of its own
export BT_SIM_URL="$GW_TEST_SIM_URL" BT_SIM_CLIENT_ID="$GW_TEST_SIM_CLIENT_ID" BT_SIM_CLIENT_SECRET="$GW_TEST_SIM_CLIENT_SECRET"

start=$(date +%s)
# one file after the other: they share the gateway and its database, and ui.test.js ends every session
node --test --test-concurrency=1 --test-reporter=tap "$HERE/ui.test.js" "$HERE/audit.test.js" "$HERE/portal.test.js"
rc=$?
echo "# browser test: $(($(date +%s) - start)) s; screenshots in $ARTIFACTS"
it_teardown $rc
