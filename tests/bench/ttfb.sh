#!/usr/bin/env bash
# Time to first byte of a feed, against a HubSpot that answers every request after LATENCY_MS.
#
#   tests/bench/ttfb.sh                         LATENCY_MS=150, REQUESTS=20 of each query, CONTACTS=1000
#   LATENCY_MS=50 REQUESTS=50 tests/bench/ttfb.sh
#
# Method: the simulator has CONTACTS contacts and LATENCY_MS on every answer (rate limits: bench-lib.sh). First the
# simulator's own round trip is measured with curl, REQUESTS times each: one list page as the gateway asks for it
# (limit=100, every property) and one search page (limit=200, the filter below, every property). Then the gateway
# starts; each query is requested once to warm up (access token, property metadata, model, upstream connection),
# then REQUESTS times one after another, each a new connection reading the whole response; curl's
# %{time_starttransfer} is the time to first byte (the gateway sends its status line when the first HubSpot page
# is in). The table gives median, p95 (nearest rank), min and max in ms, the median total time, and the HubSpot
# requests per feed counted by the simulator. Target: one HubSpot round trip (LATENCY_MS) + 5 ms. A $top=0 request
# (authentication with the token lookup in PostgreSQL, no HubSpot request) shows the gateway's own share.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
LATENCY_MS=${LATENCY_MS:-150}
REQUESTS=${REQUESTS:-20}
CONTACTS=${CONTACTS:-1000}
FILTER=${FILTER:-num_employees gt 100} # "property op value"; the value unquoted (the direct search sends it as is)

bench_start_pg
bench_start_sim --contacts "$CONTACTS" --latency-ms "$LATENCY_MS"
bench_datasource
bench_build_helper

# stats FILE: "n median p95 min max" in ms of the first column (seconds), then the median of the second
stats() {
    local t
    t=$(awk '{print $2 * 1000}' "$1" | sort -n | awk '{a[NR] = $1} END {printf "%.1f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
    awk '{print $1 * 1000}' "$1" | sort -n | awk -v t="$t" '
        { a[NR] = $1 }
        END {
            p = int(0.95 * NR + 0.999999); if (p < 1) p = 1
            med = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "%4d %8.1f %8.1f %8.1f %8.1f %10s", NR, med, a[p], a[1], a[NR], t
        }'
}
hs_requests() {
    curl -s "$SIM_URL/__sim/stats" | sed 's/.*"crm_objects_list":\([0-9]*\).*"crm_objects_search":\([0-9]*\).*/\1 \2/' |
        awk '{print $1 + $2}'
}
line() { printf '%-58s %s %12s\n' "$1" "$(stats "$2")" "$3"; }

# ---- HubSpot itself ----
access=$("$HS_PAGES" token "$SIM_URL" b b bench-rt)
props=$("$HS_PAGES" props "$SIM_URL" "$access" contacts)
field=${FILTER%% *}
rest=${FILTER#* }
op=${rest%% *}
value=${rest#* }
search_body=$(printf '{"filterGroups":[{"filters":[{"propertyName":"%s","operator":"%s","value":"%s"}]}],"sorts":[{"propertyName":"hs_object_id","direction":"ASCENDING"}],"properties":["%s"],"limit":200}' \
    "$field" "${op^^}" "$value" "${props//,/\",\"}")
for ((i = 0; i < REQUESTS; i++)); do
    curl -s -o /dev/null -H "Authorization: Bearer $access" -w '%{time_starttransfer} %{time_total}\n' \
        "$SIM_URL/crm/v3/objects/contacts?limit=100&archived=false&properties=$props" >>"$TMP/direct-list"
    curl -s -o /dev/null -H "Authorization: Bearer $access" -H 'Content-Type: application/json' -d "$search_body" \
        -w '%{time_starttransfer} %{time_total}\n' "$SIM_URL/crm/v3/objects/contacts/search" >>"$TMP/direct-search"
done

# ---- the gateway ----
bench_start_gateway
enc() { local s=$1; s=${s// /%20}; s=${s//\'/%27}; echo "$s"; }
names=("contacts" "contacts?\$filter=$FILTER" "contacts?\$top=5" "contacts?\$top=0 (no HubSpot request)")
queries=("" "\$filter=$(enc "$FILTER")" "\$top=5" "\$top=0")
declare -A per_feed
for q in "${!queries[@]}"; do
    read -r status _ < <(bench_get "${queries[$q]}" "$TMP/warm.json")
    [ "$status" = 200 ] || { echo "${names[$q]} answered $status: $(head -c 300 "$TMP/warm.json")" >&2; exit 1; }
    curl -s -X POST "$SIM_URL/__sim/reset-stats" >/dev/null
    for ((i = 0; i < REQUESTS; i++)); do
        read -r status ttfb total < <(bench_get "${queries[$q]}" /dev/null)
        [ "$status" = 200 ] || { echo "${names[$q]} answered $status" >&2; exit 1; }
        echo "$ttfb $total" >>"$TMP/gw$q"
    done
    per_feed[$q]=$(awk -v r="$(hs_requests)" -v n="$REQUESTS" 'BEGIN { printf "%.1f", r / n }')
done

echo "Time to first byte, HubSpot latency $LATENCY_MS ms, $CONTACTS contacts (ms; target: $LATENCY_MS + 5 = $((LATENCY_MS + 5)) ms)"
printf '%-58s %4s %8s %8s %8s %8s %10s %12s\n' request n median p95 min max "total med" "HS req/feed"
for q in "${!queries[@]}"; do
    line "gateway GET ${names[$q]}" "$TMP/gw$q" "${per_feed[$q]}"
done
line "HubSpot GET list page (limit=100, every property)" "$TMP/direct-list" 1
line "HubSpot POST search page (limit=200, every property)" "$TMP/direct-search" 1
