#!/usr/bin/env bash
# $orderby end to end over 30,000 contacts: every row in OData's order (nulls first ascending, last
# descending), past HubSpot's 10,000-result search cap and through runs of equal values, with $filter,
# $top, $skip, $count and nextLinks; what cannot be sorted gets 501 and $metadata says so.
. "$(dirname "$0")/lib.sh"
it_setup it_orderby
auth=(-H "Authorization: Bearer $TOKEN")
feed="$GW_URL/odata/$DS/contacts"
curl -s "$GW_TEST_SIM_URL/__sim/records/contacts" >"$T_DIR/truth"
get() { http GET "$feed?$1" "${auth[@]}"; }
get_all() { it_follow "$feed?$1"; }
last_feed() { grep 'info \[feed\]' "$T_DIR/gateway.log" | tail -n 1; }
# want PROP KIND DESC [jq filter]: the ids of the ground truth in OData's order; equal values by id
# (the simulator's order for equal values, which OData leaves to the service)
want() {
    jq -sc --arg p "$1" --arg k "$2" --argjson d "$3" '
        [.[] | '"${4:-.}"'] |
        map({id: (.id | tonumber), v: (.properties[$p] // "")}) |
        map(.n = (.v == "")) |
        map(.k = (if .n then 0 elif $k == "number" then (.v | tonumber) else .v end)) |
        if $d == 0 then sort_by([(if .n then 0 else 1 end), .k, .id])
        else (map(select(.n | not)) | group_by(.k) | reverse | map(sort_by(.id)) | add // []) +
             (map(select(.n)) | sort_by(.id)) end |
        map(.id | tostring)' "$T_DIR/truth"
}
ids() { jq -sc '[.[].id]' "$T_DIR/rows"; }

# numbers, ascending: about a fifth are null (first), many equal values, 30,000 rows
get_all '$orderby=num_employees&$select=num_employees'
t_is "$(ids)" "$(want num_employees number 0)" "\$orderby=num_employees: every row in order, nulls first ($(wc -l <"$T_DIR/rows") rows)"
last_feed | grep -q 'search=1 residual=0 ordered=1'; t_ok $? "read with HubSpot's sort"

# descending, with runs of about a hundred equal values
get_all '$orderby=hubspotscore%20desc&$select=hubspotscore'
t_is "$(ids)" "$(want hubspotscore number 1)" "\$orderby=hubspotscore desc: every row in order, nulls last"

# datetimes and dates
get_all '$orderby=createdate%20desc&$select=createdate'
t_is "$(ids)" "$(want createdate time 1)" "\$orderby=createdate desc: every row in order"
get_all '$orderby=date_of_birth%20asc&$select=date_of_birth'
t_is "$(ids)" "$(want date_of_birth time 0)" "\$orderby=date_of_birth asc: every row in order"

# the key, both ways
get_all '$orderby=id%20desc&$select=id'
t_is "$(ids)" "$(jq -sc '[.[].id | tonumber] | sort | reverse | map(tostring)' "$T_DIR/truth")" "\$orderby=id desc: every row"

# with a filter HubSpot evaluates only as a superset, $skip, $top and $count
f="contains(email,'example.org')%20and%20num_employees%20gt%20100"
get_all "\$filter=$f&\$orderby=num_employees%20desc&\$select=num_employees,email"
t_is "$(ids)" "$(want num_employees number 1 'select((.properties.email // "") | contains("example.org")) | select((.properties.num_employees // "") != "" and (.properties.num_employees | tonumber) > 100)')" \
    "\$filter (residual) with \$orderby desc: the matching rows in order"
all=$(ids)
st=$(get "\$filter=$f&\$orderby=num_employees%20desc&\$skip=7&\$top=25&\$count=true")
t_is "$(jq -c '[.value[].id]' "$T_DIR/b")" "$(jq -c '.[7:32]' <<<"$all")" "\$skip=7&\$top=25 over that order"
t_is "$(jq '.["@odata.count"]' "$T_DIR/b")" "$(jq length <<<"$all")" "\$count=true counts every match, counted on the stream"
st=$(get '$orderby=num_employees%20desc&$top=3&$count=true')
t_is "$(jq -c '[.value[].id]' "$T_DIR/b")" "$(want num_employees number 1 | jq -c '.[:3]')" "\$top=3 of a descending sort: the three largest"
t_is "$(jq '.["@odata.count"]' "$T_DIR/b")" "$(wc -l <"$T_DIR/truth")" "\$count=true with \$orderby: every row counted"
t_is "$(last_feed | grep -o 'hubspot_calls=[0-9]*')" hubspot_calls=2 "one call to count, one page of the sort"

# $count=true with a residual filter and no order
st=$(get "\$filter=contains(email,'example.org')&\$top=1&\$count=true")
t_is "$(jq '.["@odata.count"]' "$T_DIR/b")" "$(jq -s '[.[] | select((.properties.email // "") | contains("example.org"))] | length' "$T_DIR/truth")" \
    "\$count=true with a filter HubSpot cannot count: exact"

# a nextLink works on another gateway process that shares the master key, and on no other
st=$(get '$orderby=num_employees%20desc&$select=num_employees')
next=$(jq -r '.["@odata.nextLink"]' "$T_DIR/b")
http GET "$next" "${auth[@]}" >/dev/null
cp "$T_DIR/b" "$T_DIR/page2"
start_other() { # start_other KEYFILE: a second gateway on the same database; sets GW2_PID, GW2_URL
    rm -f "$T_DIR/gw2.out" # a restart must not read the last run's address
    GATEWAY_MASTER_KEY_FILE=$1 "$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$GW_TEST_SIM_URL" \
        --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" \
        --hubspot-rate-limit 0 --hubspot-search-rate 0 >"$T_DIR/gw2.out" 2>>"$T_DIR/gateway2.log" &
    GW2_PID=$!
    GW2_URL=$(gw_wait_line "$T_DIR/gw2.out" '^odata-gateway listening' | sed 's/.*listening on //')
}
stop_other() {
    kill "$GW2_PID"
    wait "$GW2_PID"
}
start_other "$GATEWAY_MASTER_KEY_FILE"
st=$(http GET "$GW2_URL${next#"$GW_URL"}" "${auth[@]}")
t_is "$st" 200 "the nextLink of an ordered feed, followed on another gateway process with the same key: 200"
t_is "$(jq -c '[.value[].id]' "$T_DIR/b")" "$(jq -c '[.value[].id]' "$T_DIR/page2")" "the same rows as on the first process"
stop_other; t_ok $? "that process exits cleanly"
# a newer master key added (the first step of a rotation) changes neither the refresh token's key nor the links'
cp "$GATEWAY_MASTER_KEY_FILE" "$T_DIR/rotated.key"
ctl keys generate --out "$T_DIR/rotated.key"
start_other "$T_DIR/rotated.key"
st=$(http GET "$GW2_URL${next#"$GW_URL"}" "${auth[@]}")
t_is "$st $(wc -l <"$T_DIR/rotated.key")" "200 2" "with a newer key added: the nextLink still works"
stop_other; t_ok $? "that process exits cleanly"
# a gateway with other master keys cannot open the portal's refresh token: it says so, and serves nothing
(umask 077 && ctl keys generate --out "$T_DIR/other.key" >/dev/null)
start_other "$T_DIR/other.key"
st=$(http GET "$GW2_URL${next#"$GW_URL"}" "${auth[@]}")
t_is "$st $(jq -r .error.code "$T_DIR/b")" "503 PortalNeedsReauthorization" "on a gateway with other master keys: 503, the portal needs re-authorisation"
for _ in $(seq 100); do [ "$(sql "SELECT needs_reauth FROM portals")" = t ] && break; sleep 0.1; done
t_is "$(sql "SELECT needs_reauth FROM portals")" t "that gateway marks the portal as needing re-authorisation"
stop_other; t_ok $? "that process exits cleanly"
sql "UPDATE portals SET needs_reauth = false" # what a re-install does

# what cannot be sorted
st=$(get '$orderby=email')
t_is "$st" 501 "\$orderby on a string: 501 (HubSpot sorts text case-insensitively)"
jq -r .error.message "$T_DIR/b" | grep -q 'email'; t_ok $? "the message names the property"
st=$(get '$orderby=num_employees,createdate')
t_is "$st" 501 "\$orderby on two properties: 501"
st=$(get '$orderby=id,email')
t_is "$st" 200 "\$orderby on the key then anything: 200 (the key decides)"
st=$(get '$orderby=nosuch')
t_is "$st" 404 "\$orderby on an unknown property: 404"

# $metadata tells Power BI what it may fold
st=$(http GET "$GW_URL/odata/$DS/\$metadata" "${auth[@]}")
sort_of() { xmllint --xpath "string(//*[local-name()='EntitySet'][@Name='contacts']/*[@Term='Capabilities.SortRestrictions']//*[@Property='$1']/@Bool)" "$T_DIR/b"; }
non_sortable() { xmllint --xpath "//*[local-name()='EntitySet'][@Name='contacts']/*[@Term='Capabilities.SortRestrictions']//*[local-name()='PropertyPath']/text()" "$T_DIR/b" | tr '\n' ' '; }
t_is "$(sort_of Sortable)" true "\$metadata: contacts are sortable"
ns=$(non_sortable)
grep -qw email <<<"$ns"; t_ok $? "\$metadata: email is in NonSortableProperties"
! grep -qw -e num_employees -e createdate -e id <<<"$ns"; t_ok $? "\$metadata: numbers, datetimes and the key are not"
xmllint --noout --schema "$(gw_root)/../shared/odata-spec/edmx.xsd" "$T_DIR/b" 2>/dev/null; t_ok $? "\$metadata stays valid against the OASIS schema"

t_done
