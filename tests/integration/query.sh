#!/usr/bin/env bash
# Query options end to end: $select, $top, $skip, $filter (pushed to HubSpot's search or evaluated on
# the stream), $count and /$count, filtered feeds past HubSpot's 10,000-result search cap, and the
# errors Power BI gets for what is malformed or not served.
. "$(dirname "$0")/lib.sh"
it_setup it_query
auth=(-H "Authorization: Bearer $TOKEN")
feed="$GW_URL/odata/$DS/contacts"
curl -s "$GW_TEST_SIM_URL/__sim/records/contacts" >"$T_DIR/truth"
# get URL-QUERY: GET the feed with an already-encoded query; body in $T_DIR/b
get() { http GET "$feed?$1" "${auth[@]}"; }
# all rows of a feed, following nextLinks, as JSON lines in $T_DIR/rows
get_all() { it_follow "$feed?$1"; }

# $select
st=$(get '$select=email,firstname&$top=3')
t_is "$st" 200 "\$select: 200"
t_is "$(jq -r '.["@odata.context"]' "$T_DIR/b")" "$GW_URL/odata/$DS/\$metadata#contacts(email,firstname)" "\$select: @odata.context names the selection"
t_is "$(jq -c '[.value[] | keys] | unique' "$T_DIR/b")" '[["email","firstname","id"]]' "\$select: only the key and the selected properties"

# $top and $skip against the ground truth order (ascending id)
st=$(get '$top=5')
t_is "$(jq -c '[.value[].id]' "$T_DIR/b")" "$(head -n 5 "$T_DIR/truth" | jq -sc '[.[].id]')" "\$top=5: the first five rows"
t_is "$(jq -r '.["@odata.nextLink"] // "none"' "$T_DIR/b")" none "\$top: no nextLink"
# the gateway's own account of the request (the simulator is shared with other tests running at once)
last_feed() { grep 'info \[feed\]' "$T_DIR/gateway.log" | tail -n 1; }
t_is "$(last_feed | grep -o 'hubspot_calls=[0-9]*')" hubspot_calls=1 "\$top=5: one HubSpot page, the upstream stops once enough rows are out"
st=$(get '$skip=250&$top=3')
t_is "$(jq -c '[.value[].id]' "$T_DIR/b")" "$(sed -n '251,253p' "$T_DIR/truth" | jq -sc '[.[].id]')" "\$skip=250&\$top=3"
st=$(get '$top=0')
t_is "$(jq -c '.value' "$T_DIR/b")" '[]' "\$top=0: empty"

# a filter HubSpot evaluates exactly: pushed down to the search endpoint
want=$(jq -sc '[.[] | select((.properties.num_employees // "") != "" and (.properties.num_employees | tonumber) > 5000) | .id]' "$T_DIR/truth")
get_all '$filter=num_employees%20gt%205000&$select=num_employees'
t_is "$(jq -sc '[.[].id]' "$T_DIR/rows")" "$want" "\$filter=num_employees gt 5000: the same rows as the ground truth ($(jq length <<<"$want"))"
last_feed | grep -q 'search=1 residual=1'; t_ok $? "and it went to HubSpot's search (a superset: HubSpot compares numbers as doubles), checked exactly on the stream"

# a filter evaluated on the stream (string functions are not pushed)
want=$(jq -sc '[.[] | select((.properties.email // "") | contains("example.org")) | .id]' "$T_DIR/truth")
get_all "\$filter=contains(email,'example.org')&\$select=email"
# a whole list read comes in parts read at once: without $orderby the order is the service's
t_is "$(jq -sc '[.[].id] | sort_by(tonumber)' "$T_DIR/rows")" "$want" "\$filter=contains(email,'example.org'): the same rows ($(jq length <<<"$want"))"
last_feed | grep -q 'search=0 residual=1'; t_ok $? "evaluated on the stream over the list endpoint"
last_feed | grep -Eq 'parts=([2-9]|[1-9][0-9]+) '; t_ok $? "read in parts at once: $(last_feed | grep -o 'parts=[0-9]*')"

# case: HubSpot's EQ ignores case, OData's does not
one=$(head -n 1 "$T_DIR/truth" | jq -r '.properties.email')
upper=$(tr '[:lower:]' '[:upper:]' <<<"$one")
st=$(get "\$filter=email%20eq%20'$upper'")
t_is "$(jq '.value | length' "$T_DIR/b")" 0 "email eq an upper-cased address matches nothing (case-sensitive)"
st=$(get "\$filter=email%20eq%20'$one'")
t_is "$(jq -r '.value[0].email' "$T_DIR/b")" "$one" "email eq the exact address matches it"

# more than 10,000 matching rows come back complete (keyset paging past the search cap)
want=$(jq -s '[.[] | select((.properties.createdate // "") != "" and .properties.createdate > "2000-01-01")] | length' "$T_DIR/truth")
get_all '$filter=createdate%20gt%202000-01-01T00:00:00Z&$select=createdate'
got=$(wc -l <"$T_DIR/rows")
[ "$want" -gt 10000 ]; t_ok $? "the filter matches more than 10,000 records ($want)"
t_is "$got" "$want" "every one of them comes back"
t_is "$(jq -s '[.[].id] | unique | length' "$T_DIR/rows")" "$want" "each once"

# counts
want=$(jq -s '[.[] | select((.properties.num_employees // "") != "" and (.properties.num_employees | tonumber) > 5000)] | length' "$T_DIR/truth")
st=$(http GET "$feed/\$count?\$filter=num_employees%20gt%205000" "${auth[@]}")
t_is "$st:$(cat "$T_DIR/b")" "200:$want" "/\$count with a pushed filter"
want2=$(jq -s '[.[] | select((.properties.email // "") | contains("example.org"))] | length' "$T_DIR/truth")
st=$(http GET "$feed/\$count?\$filter=contains(email,'example.org')" "${auth[@]}")
t_is "$st:$(cat "$T_DIR/b")" "200:$want2" "/\$count with a filter counted on the stream"
st=$(http GET "$feed/\$count" "${auth[@]}")
t_is "$st:$(cat "$T_DIR/b")" "200:$(wc -l <"$T_DIR/truth")" "/\$count of the whole set"
want3=$(jq -s '[.[] | select(.properties.hs_email_optout == "true")] | length' "$T_DIR/truth")
st=$(get '$count=true&$top=2&$filter=hs_email_optout%20eq%20true')
t_is "$(jq '.["@odata.count"]' "$T_DIR/b"):$(jq '.value | length' "$T_DIR/b")" "$want3:2" "\$count=true counts every match (HubSpot's total), \$top limits the rows"
st=$(get '$count=true&$filter=hs_email_optout%20eq%20true&$select=hs_email_optout')
next=$(jq -r '.["@odata.nextLink"]' "$T_DIR/b")
st=$(http GET "$next" "${auth[@]}")
t_is "$(jq '.["@odata.count"]' "$T_DIR/b")" "$want3" "the same @odata.count on the next page"

# nextLinks keep the query options
st=$(get '$filter=num_employees%20ge%200&$select=num_employees')
next=$(jq -r '.["@odata.nextLink"]' "$T_DIR/b")
case "$next" in *'$filter=num_employees%20ge%200'*'$skiptoken='*) t_ok 0 "nextLink carries the filter and a \$skiptoken" ;; *) t_ok 1 "nextLink: $next" ;; esac
st=$(http GET "${next/ge%200/ge%201}" "${auth[@]}")
t_is "$st" 400 "a \$skiptoken replayed with another filter: 400"

# errors
st=$(get '$filter=num_employees%20gt')
t_is "$st" 400 "an incomplete \$filter: 400"
jq -r .error.message "$T_DIR/b" | grep -q '[0-9]'; t_ok $? "the message gives a position: $(jq -r .error.message "$T_DIR/b")"
st=$(get '$filter=nosuch%20eq%201')
t_is "$st" 404 "an unknown property: 404"
st=$(get "\$filter=num_employees%20eq%20'x'")
t_is "$st" 400 "a number compared with a string: 400"
st=$(get '$top=-1')
t_is "$st" 400 "\$top=-1: 400"
st=$(get '$top=1&$top=2')
t_is "$st" 400 "\$top twice: 400"
st=$(get '$expand=companies')
t_is "$st" 501 "\$expand: 501"
st=$(http GET "$GW_URL/odata/$DS/\$metadata" "${auth[@]}")
grep -q 'Capabilities.SortRestrictions' "$T_DIR/b"; t_ok $? "\$metadata carries SortRestrictions"

t_done
