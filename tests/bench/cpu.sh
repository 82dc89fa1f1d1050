#!/usr/bin/env bash
# CPU per row: the gateway's instructions per streamed row, next to the least any reader of HubSpot's pages must
# spend on them (parsing each page with jansson and freeing it).
#
#   tests/bench/cpu.sh                      ROWS=20000 contacts, every property, then a $select of a few
#   ROWS=50000 SELECT='email,city' tests/bench/cpu.sh
#   SELECT= tests/bench/cpu.sh              every property only
#
# Method (instruction counts from valgrind's callgrind; deterministic, unlike timings):
# - The simulator runs natively, without latency (rate limits: see bench-lib.sh; the gateway never waits here).
# - Baseline: the helper hs_pages.c first fetches, natively, the same list pages the gateway asks for (limit=100,
#   archived=false, the data source's properties in the same order: every property of contacts from
#   /crm/v3/properties/contacts, or the $select), with an access token from POST /oauth/v1/token. It then runs under
#   callgrind with instrumentation off, loads the pages into memory, and counts only the loop that parses each page
#   with json_loadb and frees it (CALLGRIND_START_INSTRUMENTATION/ZERO_STATS/STOP_INSTRUMENTATION, or
#   --toggle-collect=parse_pages when valgrind/callgrind.h is missing).
# - Gateway: the whole process runs under callgrind. Each phase is cut out with `callgrind_control --dump`, which
#   writes the counters and zeroes them: start-up plus a warm-up request ($top=100 of the same query: access token,
#   property metadata, model, upstream connection) are dumped and discarded; then a request with $top=0 (the same
#   authentication, token lookup in PostgreSQL, query parsing and response, but no row) is dumped as the fixed cost
#   of a request; then the full feed (one response, --page-size 1000000). Instructions per row =
#   (feed - fixed) / rows, so start-up and the token lookup are excluded. The simulator is asked how many HubSpot
#   requests the feed made: a split list read (hubspot/split.h) makes a probe and reads a little past some of its
#   id ranges, so it parses a few pages more than the baseline; that is part of its cost.
#   callgrind_control reaches the gateway through vgdb, which needs permission to ptrace it.
# - The ratio is gateway/baseline per row; the target is at most 2.0. Below the table: the feed's self cost per
#   object file, the inclusive cost of its main steps and its top functions.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
ROWS=${ROWS:-20000}
SELECT=${SELECT-email,firstname,lastname,city,lifecyclestage}
TOPN=${TOPN:-15}

command -v valgrind >/dev/null && command -v callgrind_control >/dev/null && command -v callgrind_annotate >/dev/null ||
    { echo "valgrind (callgrind, callgrind_control, callgrind_annotate) is needed" >&2; exit 1; }

bench_start_pg
bench_start_sim --contacts "$ROWS"
bench_datasource
bench_build_helper
if printf '#include <valgrind/callgrind.h>\n' | cc -E -x c - >/dev/null 2>&1; then
    BASE_VG=(--instr-atstart=no)
else
    BASE_VG=(--collect-atstart=no --toggle-collect=parse_pages)
fi

# cg_total FILE: the instructions a callgrind output file counted
cg_total() { awk '/^totals:/ {print $2; exit}' "$1"; }

# ---- baseline ----
access=$("$HS_PAGES" token "$SIM_URL" b b bench-rt)
all_props=$("$HS_PAGES" props "$SIM_URL" "$access" contacts)
labels=("(every property)")
queries=("")
props=("$all_props")
if [ -n "$SELECT" ]; then
    labels+=("\$select=$SELECT")
    queries+=("\$select=$SELECT")
    props+=("$SELECT")
fi
declare -A base_ir base_pages
for i in "${!labels[@]}"; do
    mkdir -p "$TMP/pages$i"
    read -r pages rows _ < <("$HS_PAGES" fetch "$SIM_URL" "$access" contacts "${props[$i]}" "$TMP/pages$i")
    [ "$rows" -eq "$ROWS" ] || { echo "the baseline fetched $rows rows, not $ROWS" >&2; exit 1; }
    valgrind --tool=callgrind "${BASE_VG[@]}" --callgrind-out-file="$TMP/base$i.cg" "$HS_PAGES" parse "$TMP/pages$i" \
        >"$TMP/base$i.out" 2>"$TMP/base$i.log" || { cat "$TMP/base$i.log" >&2; exit 1; }
    base_ir[$i]=$(cg_total "$TMP/base$i.cg")
    base_pages[$i]=$pages
    rm -rf "$TMP/pages$i"
done

# ---- gateway ----
bench_start_gateway valgrind --tool=callgrind --vgdb=yes --callgrind-out-file="$TMP/gw.cg"

# dump NAME: writes and zeroes the gateway's counters; prints the file written
dump() {
    local name=$1 f i
    sleep 0.3 # the last bytes of a response reach curl before h2o has disposed of the request
    callgrind_control --dump="$name" "$GW_PID" >"$TMP/control.log" 2>&1 || { cat "$TMP/control.log" >&2; return 1; }
    for ((i = 0; i < 100; i++)); do
        f=$(grep -l -x "desc: Trigger: dump $name" "$TMP"/gw.cg.* 2>/dev/null | head -n 1 || true)
        if [ -n "$f" ] && grep -q '^totals:' "$f"; then
            echo "$f"
            return 0
        fi
        sleep 0.1
    done
    echo "callgrind_control could not dump the gateway's counters" >&2
    return 1
}

# the HubSpot requests since the last reset (list pages and searches)
hs_requests() {
    curl -s "$SIM_URL/__sim/stats" | sed 's/.*"crm_objects_list":\([0-9]*\).*"crm_objects_search":\([0-9]*\).*/\1 \2/' |
        awk '{print $1 + $2}'
}

declare -A gw_feed gw_fixed gw_pages gw_file gw_secs
for i in "${!labels[@]}"; do
    q=${queries[$i]}
    read -r status _ < <(bench_get "${q:+$q&}\$top=100" "$TMP/warm.json")
    [ "$status" = 200 ] || { echo "warm-up answered $status: $(cat "$TMP/warm.json")" >&2; exit 1; }
    dump "warm$i" >/dev/null
    read -r status _ < <(bench_get "${q:+$q&}\$top=0" "$TMP/zero.json")
    [ "$status" = 200 ] || { echo "\$top=0 answered $status" >&2; exit 1; }
    gw_fixed[$i]=$(cg_total "$(dump "zero$i")")
    curl -s -X POST "$SIM_URL/__sim/reset-stats" >/dev/null
    read -r status _ total < <(bench_get "$q" "$TMP/feed.json")
    [ "$status" = 200 ] || { echo "the feed answered $status" >&2; exit 1; }
    gw_pages[$i]=$(hs_requests)
    gw_file[$i]=$(dump "feed$i")
    gw_feed[$i]=$(cg_total "${gw_file[$i]}")
    gw_secs[$i]=$total
    got=$("$HS_PAGES" rows "$TMP/feed.json")
    [ "$got" -eq "$ROWS" ] || { echo "the feed ($q) returned $got rows, not $ROWS" >&2; exit 1; }
done

echo "CPU per row: $ROWS contacts, simulator without latency; instructions (Ir) counted by callgrind"
printf '%-52s %8s %16s %14s %15s %6s %12s\n' query rows "requests gw/base" "gateway Ir/row" "baseline Ir/row" ratio "fixed Ir/req"
for i in "${!labels[@]}"; do
    awk -v l="${labels[$i]}" -v n="$ROWS" -v p="${gw_pages[$i]}/${base_pages[$i]}" -v f="${gw_feed[$i]}" -v z="${gw_fixed[$i]}" -v b="${base_ir[$i]}" \
        'BEGIN { g = (f - z) / n; printf "%-52s %8d %16s %14.0f %15.0f %6.2f %12d\n", l, n, p, g, b / n, g / (b / n), z }'
done
echo "target: ratio <= 2.0 (baseline: json_loadb + json_decref of the same HubSpot pages)"
# functions still on the stack when a dump is taken show 100%: they are left out
# annotate FILE [MAX]: the self-cost lines, at most MAX (pipes end at awk, so that set -o pipefail sees no SIGPIPE)
annotate() {
    callgrind_annotate --auto=no --threshold=100 "$1" 2>/dev/null |
        awk -v max="${2:-0}" '/file:function/ {on = 1; getline; next} on && /^---/ {on = 0}
            on && NF && !/\(100\.0%\)/ && (max == 0 || n < max) {print; n++}'
}
for i in "${!labels[@]}"; do
    echo
    echo "gateway, ${labels[$i]} (the feed took ${gw_secs[$i]} s under callgrind): self Ir per row by object file"
    annotate "${gw_file[$i]}" | awk -v n="$ROWS" '{
            ir = $1; gsub(",", "", ir); obj = $NF ~ /^\[/ ? $NF : "(inlined, object not named)"
            sub(/^\[/, "", obj); sub(/\]$/, "", obj); sub(/.*\//, "", obj); t[obj] += ir
        } END { for (o in t) if (t[o] / n >= 0.5) printf "  %10.0f  %s\n", t[o] / n, o }' | sort -k1,1nr
    echo "inclusive Ir per row: parsing (json_loadb), freeing pages (json_delete), writing rows, receiving"
    callgrind_annotate --auto=no --inclusive=yes --threshold=100 "${gw_file[$i]}" 2>/dev/null | awk -v n="$ROWS" '
        BEGIN { split("json_loadb json_delete hs_record_write_select odata_buf_appendf curl_multi_socket_action", want, " ")
                for (k in want) w[want[k]] = 1 }
        { f = $0; sub(/ \[.*$/, "", f); sub(/^.*:/, "", f); sub(/'"'"'.*$/, "", f) }
        (f in w) && !(f in seen) { seen[f] = 1; ir = $1; gsub(",", "", ir); printf "  %10.0f  %s\n", ir / n, f }'
    echo "top $TOPN functions (self Ir; ??? are static functions of a library without debug symbols)"
    annotate "${gw_file[$i]}" "$TOPN"
done
