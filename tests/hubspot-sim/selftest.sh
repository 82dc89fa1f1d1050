#!/usr/bin/env bash
# Self-test of hubspot-sim over HTTP (TAP): paging and search against the ground-truth dump, the custom object and
# the schemas API, HubSpot's error answers, OAuth, rate limits, faults, latency and a clean exit on SIGTERM.
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

# --- the custom object and the schemas API ----------------------------------------------------------------------
start custom --portal-id 2000001 --projects 240 --rate-ten-secondly 0 --rate-secondly-search 0
AT=$(token)
crm() { curl -s "$URL/crm/v3/$1" -H "Authorization: Bearer $AT"; }
is "$(curl -s "$URL/oauth/v1/access-tokens/$AT" | jq -c '[.scopes[] | select(. == "crm.objects.custom.read" or . == "crm.schemas.custom.read")]')" \
    '["crm.objects.custom.read","crm.schemas.custom.read"]' "the token carries the custom object scopes"
crm schemas >"$TMP/schemas.json"
is "$(jq -c '[.results[] | [.objectTypeId, .fullyQualifiedName, .name, .labels.singular, .labels.plural, .primaryDisplayProperty]]' \
    "$TMP/schemas.json")" '[["2-7353817","p2000001_projects","projects","Project","Projects","project_name"]]' \
    "the schemas list holds the custom object only"
is "$(jq -c '.results[0] | [.id, .requiredProperties, .searchableProperties, .secondaryDisplayProperties, .associations, .archived]' \
    "$TMP/schemas.json")" '["7353817",["project_name"],["project_name"],[],[],false]' "schema id, required and searchable properties"
is "$(jq -c '[.results[0].properties[] | .name + ":" + .type] | sort' "$TMP/schemas.json")" \
    '["budget:number","due_date:datetime","hs_createdate:datetime","hs_lastmodifieddate:datetime","hs_object_id:number","project_name:string","start_date:date","status:enumeration"]' \
    "the schema's properties and their types"
is "$(crm properties/p2000001_projects | jq -c .results)" "$(jq -c '.results[0].properties' "$TMP/schemas.json")" \
    "the schema's properties are the properties API's"
is "$(crm schemas/2-7353817 | jq -c .)" "$(jq -c '.results[0]' "$TMP/schemas.json")" "schema by objectTypeId"
is "$(crm schemas/p2000001_projects | jq -c .)" "$(jq -c '.results[0]' "$TMP/schemas.json")" "schema by fully qualified name"
is "$(curl -s "$URL/crm-object-schemas/v3/schemas/2-7353817" -H "Authorization: Bearer $AT" | jq -r .name)" projects \
    "the schemas API also answers under /crm-object-schemas/v3"
is "$(code "$URL/crm/v3/schemas/p2000001_widgets" -H "Authorization: Bearer $AT")/$(crm schemas/p2000001_widgets | jq -r .category)" \
    404/OBJECT_NOT_FOUND "unknown schema: 404 OBJECT_NOT_FOUND"
is "$(code "$URL/crm/v3/schemas/contacts" -H "Authorization: Bearer $AT")" 404 "standard objects have no schema here"
is "$(code "$URL/crm/v3/schemas")" 401 "schemas API without a token: 401"
is "$(crm schemas?archived=true | jq -c .)" '{"results":[]}' "no archived schemas"

curl -s "$URL/__sim/records/projects" >"$TMP/projects.jsonl"
is "$(wc -l <"$TMP/projects.jsonl")" 240 "the record count is --projects"
jq -r .id "$TMP/projects.jsonl" >"$TMP/projects.ids"
for type in 2-7353817 p2000001_projects; do
    after=""
    : >"$TMP/list.ids"
    pages=0
    while :; do
        crm "objects/$type?limit=100${after:+&after=$after}" >"$TMP/page"
        jq -r '.results[].id' "$TMP/page" >>"$TMP/list.ids"
        pages=$((pages + 1))
        after=$(jq -r '.paging.next.after // empty' "$TMP/page")
        [ -z "$after" ] && break
        [ "$pages" -gt 10 ] && break
    done
    cmp -s "$TMP/projects.ids" "$TMP/list.ids"
    ok $? "listing $type returns every project once, in order ($pages pages)"
    is "$(jq -r '.results[0].properties | keys | join(",")' "$TMP/page")" "hs_createdate,hs_lastmodifieddate,hs_object_id" \
        "$type: the default properties of a custom object"
    is "$(search "$type" '{"limit":1}' | jq .total)" 240 "$type: search counts every project"
    is "$(crm "properties/$type" | jq '.results | length')" 8 "$type: properties API"
done
id=$(sed -n 5p "$TMP/projects.ids")
is "$(crm "objects/p2000001_projects/$id?properties=project_name,status,budget,start_date,due_date" | jq -c .)" \
    "$(sed -n 5p "$TMP/projects.jsonl" | jq -c '. + {archived: false}')" "one project by id, every property as in the ground truth"
is "$(code "$URL/crm/v3/objects/projects" -H "Authorization: Bearer $AT")" 404 "a custom object is not addressed by its short name"
want=$(jq -r 'select(.properties.status == "on_hold") | .id' "$TMP/projects.jsonl" | paste -sd,)
got=$(search p2000001_projects '{"filterGroups":[{"filters":[{"propertyName":"status","operator":"EQ","value":"ON_HOLD"}]}],"limit":200}' |
    jq -r '[.results[].id] | join(",")')
is "$got" "$want" "search filters an enumeration of the custom object"
want=$(jq -r 'select(.properties.budget != null and (.properties.budget | tonumber) >= 1000000) | .id' "$TMP/projects.jsonl" | wc -l)
got=$(search 2-7353817 '{"filterGroups":[{"filters":[{"propertyName":"budget","operator":"GTE","value":"1000000"}]}]}' | jq .total)
is "$got" "$want" "search compares the budget numerically"
want=$(jq -r 'select(.properties.due_date != null and .properties.due_date >= "2024-01-01") | .id' "$TMP/projects.jsonl" | wc -l)
got=$(search 2-7353817 '{"filterGroups":[{"filters":[{"propertyName":"due_date","operator":"GTE","value":"2024-01-01"}]}]}' | jq .total)
is "$got" "$want" "search compares the due date as a datetime"
got=$(search 2-7353817 '{"sorts":[{"propertyName":"start_date","direction":"ASCENDING"}],"limit":3,"properties":["start_date"]}' |
    jq -r '[.results[].properties.start_date] | join(",")')
want=$(jq -r 'select(.properties.start_date != null) | .properties.start_date' "$TMP/projects.jsonl" | sort | head -3 | paste -sd,)
is "$got" "$want" "search sorts by a date of the custom object"
is "$(jq -r 'select(.properties.project_name == null) | .id' "$TMP/projects.jsonl" | wc -l)" 0 "every project has its required name"
curl -s -X POST "$URL/__sim/reset-stats" >/dev/null
crm schemas >/dev/null
crm schemas/2-7353817 >/dev/null
crm objects/2-7353817 >/dev/null
is "$(curl -s "$URL/__sim/stats" | jq -c '[.requests.crm_schemas, .crm_requests, .by_object.projects.list]')" "[2,3,1]" \
    "stats count schemas requests as CRM requests, and the custom object's reads"
is "$(curl -s "$URL/__sim/config" | jq -c '.objects.projects | [.objectTypeId, .fullyQualifiedName, .custom, .count]')" \
    '["2-7353817","p2000001_projects",true,240]' "the configuration names the custom object"

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
is "$(curl -s "$URL/crm/v3/schemas" -H "Authorization: Bearer $AT" | jq -r .policyName)" TEN_SECONDLY_ROLLING \
    "the schemas API shares the ten-second limit"

# --- users and teams --------------------------------------------------------------------------------------------
start users --users 7 --teams 3 --portal-id 777 --rate-ten-secondly 100
AT=$(token)
settings() { curl -s "$URL/settings/v3/users$1" -H "Authorization: Bearer $AT"; }
installer=$(curl -s "$URL/oauth/v1/access-tokens/$AT" | jq -r .user_id)
is "$(settings "/$installer" | jq -c .)" \
    '{"id":"1","email":"user1@sim-portal-777.example","roleIds":[],"primaryTeamId":"101","secondaryTeamIds":[],"superAdmin":true}' \
    "the installing user of the token metadata is user 1, a super admin"
is "$(settings /2 | jq -c '[.id, .primaryTeamId, .secondaryTeamIds, .superAdmin]')" '["2","102",["101","103"],false]' \
    "user 2: primary team 102, secondary member of the others, not a super admin"
is "$(settings /6?idProperty=USER_ID | jq -c '[.id, .email, .primaryTeamId]')" '["6","user6@sim-portal-777.example","103"]' \
    "idProperty=USER_ID is the default"
is "$(settings /8 | jq -r '.status + " " + .category')" "error OBJECT_NOT_FOUND" "unknown user id: 404 OBJECT_NOT_FOUND"
is "$(code "$URL/settings/v3/users/8" -H "Authorization: Bearer $AT")" 404 "unknown user id: status 404"
is "$(settings "/USER5@Sim-Portal-777.example?idProperty=EMAIL" | jq -r .id)" 5 "lookup by e-mail, case-insensitive"
is "$(settings "/user5@sim-portal-1.example?idProperty=EMAIL" | jq -r .category)" OBJECT_NOT_FOUND "unknown e-mail: 404"
is "$(settings "/5?idProperty=NAME" | jq -r .category)" VALIDATION_ERROR "idProperty other than USER_ID or EMAIL: 400"
is "$(code "$URL/settings/v3/users?limit=101" -H "Authorization: Bearer $AT")" 400 "users limit above 100 is refused"

after=""
: >"$TMP/users.jsonl"
pages=0
while :; do
    settings "?limit=3${after:+&after=$after}" >"$TMP/page"
    jq -c '.results[]' "$TMP/page" >>"$TMP/users.jsonl"
    pages=$((pages + 1))
    after=$(jq -r '.paging.next.after // empty' "$TMP/page")
    [ -z "$after" ] && break
    [ "$pages" -gt 10 ] && break
done
is "$(jq -r .id "$TMP/users.jsonl" | paste -sd,)/$pages" "1,2,3,4,5,6,7/3" "paging through users returns each once, in order (3 pages)"
is "$(settings "" | jq -c '[(.results | length), has("paging")]')" "[7,false]" "the default limit returns every user on one page"
is "$(jq -r 'select(.superAdmin) | .id' "$TMP/users.jsonl" | paste -sd,)" 1 "only user 1 is a super admin by default"

settings /teams >"$TMP/teams.json"
is "$(jq -r '[.results[] | .id + ":" + .name] | join(",")' "$TMP/teams.json")" "101:Team 1,102:Team 2,103:Team 3" "teams with ids and names"
want=$(jq -sc '[group_by(.primaryTeamId)[] | {id: .[0].primaryTeamId, userIds: map(.id)}]' "$TMP/users.jsonl")
is "$(jq -c '[.results[] | {id, userIds}]' "$TMP/teams.json")" "$want" "teams' userIds are the users' primary teams"
want=$(jq -sc '[.[] | .id as $u | .secondaryTeamIds[] | {team: ., user: $u}] | sort' "$TMP/users.jsonl")
is "$(jq -c '[.results[] | .id as $t | .secondaryUserIds[] | {team: $t, user: .}] | sort' "$TMP/teams.json")" "$want" \
    "teams' secondaryUserIds are the users' secondary teams"

is "$(curl -s "$URL/settings/v3/users/1" | jq -r .category)" INVALID_AUTHENTICATION "users API without a token: 401"
is "$(code "$URL/settings/v3/users/teams")" 401 "teams API without a token: 401"
curl -s -D "$TMP/h1" -o /dev/null "$URL/settings/v3/users/1" -H "Authorization: Bearer $AT"
curl -s -D "$TMP/h2" -o /dev/null "$URL/crm/v3/objects/contacts?limit=1" -H "Authorization: Bearer $AT"
r1=$(tr -d '\r' <"$TMP/h1" | sed -n 's/^X-HubSpot-RateLimit-Remaining: //p')
r2=$(tr -d '\r' <"$TMP/h2" | sed -n 's/^X-HubSpot-RateLimit-Remaining: //p')
[ -n "$r1" ] && [ "$r2" = $((r1 - 1)) ]
ok $? "settings requests count against the ten-secondly limit shared with CRM requests ($r1, then $r2)"
curl -s -X POST "$URL/__sim/reset-stats" >/dev/null
settings /1 >/dev/null
settings "?limit=2" >/dev/null
settings /teams >/dev/null
is "$(curl -s "$URL/__sim/stats" | jq -c '[.requests.settings_users, .requests.settings_teams]')" "[2,1]" \
    "stats count settings_users and settings_teams"

start admins --users 3 --teams 0 --user-super-admin 3,2
AT=$(token)
is "$(settings "" | jq -c '[.results[] | [.superAdmin, has("primaryTeamId"), .secondaryTeamIds]]')" \
    '[[false,false,[]],[true,false,[]],[true,false,[]]]' "--user-super-admin replaces the super admins; no teams, no primaryTeamId"
is "$(settings /teams | jq -c .)" '{"results":[]}' "no teams"
timeout 10 "$SIM" --listen 127.0.0.1:0 --users 3 --user-super-admin 4 >/dev/null 2>&1
is "$?" 2 "--user-super-admin naming an unknown user is refused"

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
c=$(code "$URL/crm/v3/schemas" -H "Authorization: Bearer $AT")
[ "$c" -ge 500 ]
ok $? "5xx fault on the schemas API ($c)"
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
