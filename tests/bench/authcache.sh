#!/usr/bin/env bash
# What the token lookup cache saves: many small OData requests with one token (a Power BI refresh fires one per
# entity set and page), with the cache on (--auth-cache-ttl 30, the default) and off (0).
#
#   tests/bench/authcache.sh                    REQUESTS=4000 at PARALLEL=16
#   REQUESTS=10000 PARALLEL=32 tests/bench/authcache.sh
#
# Method: the simulator answers at once (rate limits: bench-lib.sh). Each request is `$top=0` of the contacts feed:
# authentication, the token lookup, query parsing and an empty page, and no HubSpot request once the warm-up has
# loaded the access token and the property metadata. curl runs REQUESTS of them, PARALLEL at a time, over reused
# connections (--parallel); each transfer's time is written by curl. The table gives the rate, the median and p95
# latency, and PostgreSQL's committed transactions per request (pg_stat_database.xact_commit, read before and after;
# besides the lookups it counts the audit writer's batches and the once-a-minute record of the token's last use).
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
REQUESTS=${REQUESTS:-4000}
PARALLEL=${PARALLEL:-16}

bench_start_pg
bench_start_sim --contacts 100
bench_datasource

xacts() { psql -h "$TMP/pg/run" -U gateway -d bench -tAqc "SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'"; }

run() { # run TTL: one row of the table
    local ttl=$1 url before after start end i
    "$BUILD/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$SIM_URL" --client-id b --client-secret b \
        --log-level warn --auth-cache-ttl "$ttl" >"$TMP/gw.out" 2>"$TMP/gw.log" &
    GW_PID=$!
    bench_pids+=("$GW_PID")
    GW_URL=$(gw_wait_line "$TMP/gw.out" '^odata-gateway listening' | sed 's/.*listening on //')
    url="$GW_URL/odata/$DS/contacts?\$top=0"
    for i in $(seq 50); do # the listener up (with the cache on), the access token and the metadata loaded
        curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$url"
        [ "$ttl" = 0 ] || [ "$(curl -s "$GW_URL/healthz" | jq -r .authCache.listening)" = true ] && break
        sleep 0.1
    done
    : >"$TMP/urls"
    for i in $(seq "$REQUESTS"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$TMP/urls"; done
    before=$(xacts)
    start=$(date +%s.%N)
    curl -s --parallel --parallel-max "$PARALLEL" -H "Authorization: Bearer $TOKEN" -w '%{http_code} %{time_total}\n' \
        -K "$TMP/urls" >"$TMP/times" 2>/dev/null
    end=$(date +%s.%N)
    sleep 0.5 # the audit writer's last batch
    after=$(xacts)
    [ "$(grep -vc '^200 ' "$TMP/times")" = 0 ] || { echo "some requests failed:" >&2; grep -v '^200 ' "$TMP/times" | head >&2; }
    awk '{print $2 * 1000}' "$TMP/times" | sort -n | awk \
        -v ttl="$ttl" -v n="$REQUESTS" -v secs="$(echo "$end - $start" | bc)" -v x="$((after - before))" \
        -v hits="$(curl -s "$GW_URL/healthz" | jq .authCache.hits)" '
        { a[NR] = $1 }
        END {
            p = int(0.95 * NR + 0.999999)
            med = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "| %-22s | %6d | %7.2f | %7.0f | %6.2f | %6.2f | %8.3f | %6d |\n", ttl == 0 ? "off (--auth-cache-ttl 0)" : "on (" ttl " s)",
                n, secs, n / secs, med, a[p], x / n, hits
        }'
    kill "$GW_PID"
    wait "$GW_PID" 2>/dev/null || true
}

echo "$REQUESTS requests of \$top=0, $PARALLEL at a time, one token"
echo
echo "| token lookup cache | requests | seconds | req/s | p50 ms | p95 ms | DB transactions per request | cache hits |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
run 30
run 0
