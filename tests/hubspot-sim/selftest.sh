#!/usr/bin/env bash
# Self-test of hubspot-sim over HTTP (TAP): paging and search against the ground-truth dump, HubSpot's error
# answers, OAuth, rate limits, faults, latency and a clean exit on SIGTERM.
# usage: selftest.sh path/to/hubspot-sim
set -uo pipefail
SIM=${1:?usage: selftest.sh path/to/hubspot-sim}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hubspot-sim-selftest.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

n=0
failed=0
ok() { # ok STATUS MESSAGE
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
is() { # is GOT WANT MESSAGE
    if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  $1"; echo "#   want: $2"; fi
}

# start NAME [flags...]: starts a simulator on a free port; sets URL, RT (refresh token) and PID
start() {
    local name=$1
    shift
    "$SIM" --listen 127.0.0.1:0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PID=$!
    pids+=("$PID")
    local line=""
    for _ in $(seq 1 100); do
        line=$(grep -m1 '^hubspot-sim listening on ' "$TMP/$name.out" 2>/dev/null) && break
        sleep 0.05
    done
    URL=$(sed 's/.*listening on \([^ ]*\).*/\1/' <<<"$line")
    RT=$(sed -n 's/.*refresh_token=\([^ ]*\).*/\1/p' <<<"$line")
}
token() {
    curl -s -X POST "$URL/oauth/v1/token" --data-urlencode grant_type=refresh_token --data-urlencode client_id=sim-client \
        --data-urlencode client_secret=sim-secret --data-urlencode "refresh_token=$RT" | jq -r .access_token
}
search() { # search OBJECT JSON
    curl -s -X POST "$URL/crm/v3/objects/$1/search" -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' -d "$2"
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# --- data, paging and search -----------------------------------------------------------------------------------
start main --contacts 3000 --rate-ten-secondly 0 --rate-secondly-search 0
[ -n "$URL" ] && [ -n "$RT" ]
ok $? "start-up line gives the URL and the refresh token"
AT=$(token)
[ -n "$AT" ] && [ "$AT" != null ]
ok $? "refresh_token grant issues an access token"

curl -s "$URL/__sim/records/contacts" >"$TMP/truth.jsonl"
is "$(wc -l <"$TMP/truth.jsonl")" 3000 "ground truth streams every record"
jq -r .id "$TMP/truth.jsonl" >"$TMP/truth.ids"
is "$(sort -n "$TMP/truth.ids" | uniq | wc -l)" 3000 "ids are unique"
cmp -s "$TMP/truth.ids" <(sort -n "$TMP/truth.ids")
ok $? "records are in id order"

after=""
: >"$TMP/list.ids"
pages=0
while :; do
    curl -s "$URL/crm/v3/objects/contacts?limit=100${after:+&after=$after}&properties=email" -H "Authorization: Bearer $AT" >"$TMP/page"
    jq -r '.results[].id' "$TMP/page" >>"$TMP/list.ids"
    pages=$((pages + 1))
    after=$(jq -r '.paging.next.after // empty' "$TMP/page")
    [ -z "$after" ] && break
    [ "$pages" -gt 100 ] && break
done
cmp -s "$TMP/truth.ids" "$TMP/list.ids"
ok $? "paging the list endpoint returns every record once, in order ($pages pages)"
is "$(jq -r '.results[0].properties | keys | join(",")' "$TMP/page")" "createdate,email,hs_object_id,lastmodifieddate" \
    "requested properties plus HubSpot's always-returned ones"

last=0
: >"$TMP/keyset.ids"
for _ in $(seq 1 30); do
    search contacts "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"hs_object_id\",\"operator\":\"GT\",\"value\":\"$last\"}]}],
        \"sorts\":[{\"propertyName\":\"hs_object_id\",\"direction\":\"ASCENDING\"}],\"limit\":200,\"properties\":[\"email\"]}" >"$TMP/page"
    jq -r '.results[].id' "$TMP/page" >>"$TMP/keyset.ids"
    [ "$(jq '.results | length' "$TMP/page")" -eq 0 ] && break
    last=$(jq -r '.results[-1].id' "$TMP/page")
    jq -e .paging >/dev/null "$TMP/page" || break
done
cmp -s "$TMP/truth.ids" "$TMP/keyset.ids"
ok $? "keyset paging (hs_object_id GT last, sorted by id) returns every record"

want=$(jq -r 'select(.properties.lifecyclestage != null and .properties.lifecyclestage != "lead") | .id' "$TMP/truth.jsonl" | wc -l)
got=$(search contacts '{"filterGroups":[{"filters":[{"propertyName":"lifecyclestage","operator":"NEQ","value":"LEAD"}]}]}' | jq .total)
is "$got" "$want" "NEQ is case-insensitive and skips records without the property"
want=$(jq -r 'select(.properties.interests != null and (.properties.interests | split(";") | index("TRAVEL"))) | .id' \
    "$TMP/truth.jsonl" | wc -l)
got=$(search contacts '{"filterGroups":[{"filters":[{"propertyName":"interests","operator":"IN","values":["travel"]}]}]}' | jq .total)
is "$got" "$want" "IN matches one value of a multi-select property"
want=$(jq -r 'select(.properties.annualrevenue != null and (.properties.annualrevenue | tonumber) > 1000000) | .id' \
    "$TMP/truth.jsonl" | wc -l)
got=$(search contacts '{"filterGroups":[{"filters":[{"propertyName":"annualrevenue","operator":"GT","value":"1000000"}]}]}' | jq .total)
is "$got" "$want" "numbers compare numerically"
want=$(jq -r 'select(.properties.createdate < "2020-01-01") | .id' "$TMP/truth.jsonl" | wc -l)
got=$(search contacts '{"filterGroups":[{"filters":[{"propertyName":"createdate","operator":"LT","value":"1577836800000"}]}]}' | jq .total)
is "$got" "$want" "datetimes compare as epoch milliseconds"
email=$(jq -r 'select(.properties.email != null) | .properties.email' "$TMP/truth.jsonl" | sed -n 7p)
got=$(search contacts "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"email\",\"operator\":\"EQ\",\"value\":\"${email^^}\"}]}]}" |
    jq -r '.results[0].properties.email')
is "$got" "$email" "EQ on a string is case-insensitive"
want=$(jq -r "select(.properties.email != null and (.properties.email | endswith(\"@example.org\"))) | .id" "$TMP/truth.jsonl" | wc -l)
got=$(search contacts '{"filterGroups":[{"filters":[{"propertyName":"email","operator":"CONTAINS_TOKEN","value":"*@example.org"}]}]}' | jq .total)
is "$got" "$want" "CONTAINS_TOKEN with a wildcard"
got=$(search contacts '{"sorts":[{"propertyName":"createdate","direction":"DESCENDING"}],"limit":3,"properties":["createdate"]}' |
    jq -r '[.results[].properties.createdate] | join(",")')
want=$(jq -r .properties.createdate "$TMP/truth.jsonl" | sort -r | head -3 | paste -sd,)
is "$got" "$want" "sorting by a property"

is "$(search contacts '{"limit":100,"after":"9950"}' | jq -r .category)" VALIDATION_ERROR "paging past 10,000 results is refused"
is "$(search contacts '{"limit":201}' | jq -r .category)" VALIDATION_ERROR "search limit above 200 is refused"
is "$(search contacts '{"filterGroups":[{},{},{},{},{},{}]}' | jq -r .category)" VALIDATION_ERROR "too many filter groups"
is "$(search contacts '{"filterGroups":[' | jq -r .category)" VALIDATION_ERROR "malformed JSON"
is "$(code "$URL/crm/v3/objects/contacts?limit=101" -H "Authorization: Bearer $AT")" 400 "list limit above 100 is refused"
is "$(curl -s "$URL/crm/v3/objects/widgets" -H "Authorization: Bearer $AT" | jq -r .category)" OBJECT_NOT_FOUND "unknown object type"
is "$(curl -s "$URL/crm/v3/objects/contacts" | jq -r .category)" INVALID_AUTHENTICATION "missing bearer token"
is "$(jq -r '.results | map(select(.name == "interests"))[0].fieldType' <(curl -s "$URL/crm/v3/properties/0-1" \
    -H "Authorization: Bearer $AT"))" checkbox "properties API describes a multi-select"

# --- OAuth ------------------------------------------------------------------------------------------------------
is "$(curl -s -X POST "$URL/oauth/v1/token" -d "grant_type=refresh_token&client_id=sim-client&client_secret=sim-secret&refresh_token=x" |
    jq -r .status)" BAD_REFRESH_TOKEN "unknown refresh token"
is "$(curl -s "$URL/oauth/v1/access-tokens/$AT" | jq -r .hub_id)" 12345 "access-token metadata"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST "$URL/oauth/authorize" \
    --data-urlencode client_id=sim-client --data-urlencode redirect_uri=http://localhost/cb --data-urlencode state=s1 -d action=approve)
authcode=$(sed -n 's/.*code=\([^&]*\).*/\1/p' <<<"$loc")
new=$(curl -s -X POST "$URL/oauth/v1/token" --data-urlencode grant_type=authorization_code --data-urlencode client_id=sim-client \
    --data-urlencode client_secret=sim-secret --data-urlencode "code=$authcode" --data-urlencode redirect_uri=http://localhost/cb)
nrt=$(jq -r .refresh_token <<<"$new")
[ -n "$nrt" ] && [ "$nrt" != null ] && [ "$nrt" != "$RT" ]
ok $? "authorization_code grant issues a new refresh token"
is "$(code -X DELETE "$URL/oauth/v1/refresh-tokens/$nrt")" 204 "refresh token revoked"
is "$(code "$URL/oauth/v1/refresh-tokens/$nrt")" 404 "revoked refresh token is gone"
curl -s -X POST "$URL/__sim/expire-access-tokens" >/dev/null
is "$(curl -s "$URL/crm/v3/objects/contacts" -H "Authorization: Bearer $AT" | jq -r .category)" EXPIRED_AUTHENTICATION \
    "expired access token"
is "$(curl -s "$URL/__sim/stats" | jq .tokens.access_tokens_issued)" 2 "stats count issued tokens"
kill -TERM "$PID"
wait "$PID"
is "$?" 0 "SIGTERM exits cleanly"

# --- rate limits ------------------------------------------------------------------------------------------------
start rl --rate-ten-secondly 3 --rate-secondly-search 1
AT=$(token)
curl -s -D "$TMP/h1" -o /dev/null "$URL/crm/v3/objects/deals?limit=1" -H "Authorization: Bearer $AT"
is "$(tr -d '\r' <"$TMP/h1" | sed -n 's/^X-HubSpot-RateLimit-Remaining: //p')" 2 "X-HubSpot-RateLimit-Remaining counts down"
is "$(search deals '{}' | jq -r .total)" 500 "first search in the second is served"
is "$(search deals '{}' | jq -r .policyName)" SECONDLY "second search in the same second gets 429 SECONDLY"
code "$URL/crm/v3/objects/deals" -H "Authorization: Bearer $AT" >/dev/null
is "$(curl -s "$URL/crm/v3/objects/deals" -H "Authorization: Bearer $AT" | jq -r .policyName)" TEN_SECONDLY_ROLLING \
    "over the ten-second limit gets 429 TEN_SECONDLY_ROLLING"

# --- faults and latency -----------------------------------------------------------------------------------------
start reset --fault-reset 100
AT=$(token)
curl -s -o /dev/null "$URL/crm/v3/objects/contacts" -H "Authorization: Bearer $AT"
is "$?" 52 "reset fault: the connection closes without a response"
start trunc --fault-truncate 100
AT=$(token)
curl -s -o /dev/null "$URL/crm/v3/objects/contacts?limit=50" -H "Authorization: Bearer $AT"
rc=$?
[ "$rc" -ne 0 ]
ok $? "truncate fault: the client sees an incomplete body (curl exit $rc)"
start f5xx --fault-5xx 100
AT=$(token)
c=$(code "$URL/crm/v3/objects/contacts" -H "Authorization: Bearer $AT")
[ "$c" -ge 500 ]
ok $? "5xx fault ($c)"
start lat --latency-ms 400 --rate-ten-secondly 0
AT=$(token)
t0=$(date +%s%N)
cpids=()
for i in $(seq 1 20); do
    code "$URL/crm/v3/objects/contacts?limit=1" -H "Authorization: Bearer $AT" >"$TMP/par.$i" &
    cpids+=($!)
done
wait "${cpids[@]}"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 400 ] && [ "$ms" -lt 3000 ] && [ "$(cat "$TMP"/par.*)" = "$(printf '200%.0s' $(seq 1 20))" ]
ok $? "latency is applied without blocking the loop (20 parallel requests in $ms ms)"

for f in "$TMP"/*.err; do
    if [ -s "$f" ]; then
        echo "# stderr of $(basename "$f"):"
        sed 's/^/#   /' "$f"
    fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
