#!/usr/bin/env bash
# Data sources and sharing through the admin API: objects, properties, users and teams read from
# HubSpot (the simulator); create, read, change and delete with every field checked against HubSpot
# and the feed's $filter parser; who sees and changes what (owner, shares with users and teams,
# portal admins, other portals); ownership transfer; and the feed obeying the same rules at request
# time, with the data source's filter ANDed with Power BI's.
#
# The simulator's users: 1 is a HubSpot super admin; the primary team of user n is 101 + (n - 1) % 2,
# and user 2 is also in team 101.
. "$(dirname "$0")/lib.sh"

it_setup it_datasources
PORTAL=$GW_TEST_SIM_PORTAL
OTHER=$((PORTAL + 1))

session() { # session USER: a session token for USER of the sandbox portal
    local out
    out=$(ctl launch --portal "$PORTAL" --user "$1")
    http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw "{\"launchCode\":\"${out#*#launch=}\"}" >/dev/null
    jq -r .token "$T_DIR/b"
}
api() { # api METHOD PATH SESSION [JSON body]
    local method=$1 path=$2 tok=$3
    if [ $# -ge 4 ]; then
        http "$method" "$GW_URL/api/v1$path" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-raw "$4"
    else
        http "$method" "$GW_URL/api/v1$path" -H "Authorization: Bearer $tok"
    fi
}
err_code() { jq -r .error.code "$T_DIR/b"; }
count_ds() { sql "SELECT count(*), coalesce(sum(length(definition::text)), 0), (SELECT count(*) FROM data_source_shares) FROM data_sources"; }
feed() { http GET "$GW_URL/odata/$1/$2" -H "Authorization: Bearer $3"; }

ADMIN=$(session 1)
U3=$(session 3)
U4=$(session 4)
U5=$(session 5)
t_ok "$([[ $ADMIN == hsods_* && $U3 == hsods_* && $U4 == hsods_* && $U5 == hsods_* ]] && echo 0 || echo 1)" \
    "sessions for users 1, 3, 4 and 5"

# ---- what HubSpot has ----
st=$(api GET /objects "$U3")
t_is "$st $(jq -c '[.value[] | select(.custom == false) | .name]' "$T_DIR/b")" '200 ["contacts","companies","deals","tickets"]' \
    "the standard objects are offered"
t_is "$(jq -r '.customObjectsReadable' "$T_DIR/b")" true "the portal's custom objects are read from HubSpot's schemas API"
CUSTOM=$(jq -r '[.value[] | select(.custom) | .name][0] // empty' "$T_DIR/b")
st=$(api GET /objects/contacts/properties "$U3")
t_is "$st $(jq -c '.value[] | select(.name == "email") | [.label, .type, (.groupName | length > 0)]' "$T_DIR/b")" \
    '200 ["Email","string",true]' "a property comes with its label, type and group"
t_is "$(jq '[.value[].groupName] | . == sort' "$T_DIR/b")" true "properties come grouped"
st=$(api GET /objects/no_such_object/properties "$U3")
t_is "$st $(err_code)" "404 UnknownObject" "an object HubSpot does not have: 404"
st=$(api GET /objects/Bad%20Name/properties "$U3")
t_is "$st" 404 "a malformed object name: 404"
st=$(api GET /users "$U3")
t_is "$st $(jq -c '[.value[].id] | sort' "$T_DIR/b") $(jq -c '.value[] | select(.id == 2) | .teamIds | sort' "$T_DIR/b")" \
    "200 [1,2,3,4,5] [101,102]" "the portal's users, with their teams"
st=$(api GET /teams "$U3")
t_is "$st $(jq -c '[.value[].id] | sort' "$T_DIR/b")" "200 [101,102]" "the portal's teams"
st=$(api POST /objects "$U3" '{}')
t_is "$st" 405 "objects are read-only: 405"

# ---- create, with every field checked ----
before=$(count_ds)
DEF='{"name":"Contacts A","objects":[{"object":"contacts","properties":["email","firstname","createdate"],"filter":"startswith(email,'"'"'a'"'"')"}]}'
st=$(api POST /datasources "$U3" "$DEF")
t_is "$st $(jq -c '[.name, .ownerUserId, .canEdit, .shares, .objects[0].filter]' "$T_DIR/b")" \
    "201 [\"Contacts A\",3,true,[],\"startswith(email,'a')\"]" "user 3 creates a data source: 201"
A=$(jq -r .id "$T_DIR/b")
t_is "$(jq -r .odataUrl "$T_DIR/b")" "$GW_URL/odata/$A/" "its OData URL is given"
after=$(count_ds)
before=$after

bad() { # bad BODY STATUS CODE MESSAGE: refused, and nothing changes
    local st
    st=$(api POST /datasources "$U3" "$1")
    t_is "$st $(err_code) $(count_ds)" "$2 $3 $before" "$4"
}
bad '{"name":"X","objects":[{"object":"no_such_object"}]}' 400 UnknownObject "an object HubSpot does not have: 400"
bad '{"name":"X","objects":[{"object":"contacts","properties":["email","no_such_prop"]}]}' 400 UnknownProperty \
    "a property HubSpot does not have: 400"
bad '{"name":"X","objects":[{"object":"contacts","filter":"email eq"}]}' 400 InvalidFilter "a malformed filter: 400"
t_ok "$(jq -r .error.message "$T_DIR/b" | grep -q 'objects\[0\].filter' && echo 0 || echo 1)" "the message says which filter and where"
bad '{"name":"X","objects":[{"object":"contacts","properties":["email"],"filter":"firstname eq '"'"'x'"'"'"}]}' 400 InvalidFilter \
    "a filter on a property the data source leaves out: 400"
bad '{"name":"X","objects":[{"object":"contacts","filter":"createdate eq 5"}]}' 400 InvalidFilter "an ill-typed filter: 400"
bad '{"name":"Contacts A","objects":[{"object":"contacts"}]}' 409 NameTaken "a name the portal has already: 409"
bad '{"objects":[{"object":"contacts"}]}' 400 InvalidName "no name: 400"
bad "{\"name\":\"$(printf 'n%.0s' $(seq 201))\",\"objects\":[{\"object\":\"contacts\"}]}" 400 InvalidName "a 201-character name: 400"
bad '{"name":"X","objects":[]}' 400 InvalidDefinition "no objects: 400"
bad '{"name":"X","objects":[{"object":"contacts","properties":["email","email"]}]}' 400 InvalidDefinition "a property twice: 400"
bad '{"name":"X","objects":[{"object":"contacts","columns":[]}]}' 400 InvalidDefinition "an unknown member in an object: 400"
bad '{"name":"X","objects":[{"object":"contacts"}],"owner":7}' 400 UnknownMember "an unknown member: 400"
st=$(http POST "$GW_URL/api/v1/datasources" -H "Authorization: Bearer $U3" -H 'Content-Type: application/json' \
    --data-binary @<(head -c 300000 /dev/zero | tr '\0' ' '))
t_is "$st $(count_ds)" "413 $before" "an oversize body: 413"

if [ -n "$CUSTOM" ]; then
    st=$(api POST /datasources "$U3" "{\"name\":\"Custom\",\"objects\":[{\"object\":\"$CUSTOM\"}]}")
    t_is "$st" 201 "a data source over a custom object ($CUSTOM)"
    C=$(jq -r .id "$T_DIR/b")
    mint_out=$(ctl token mint --portal "$PORTAL" --owner 3 --name "custom")
    ctok=$(sed -n 's/^Token: //p' <<<"$mint_out")
    set_name=$(curl -s "$GW_URL/odata/$C/" -H "Authorization: Bearer $ctok" | jq -r '.value[0].url')
    st=$(feed "$C" "$set_name?\$top=3" "$ctok")
    t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 3" "its feed serves the custom object's records"
    api DELETE "/datasources/$C" "$U3" >/dev/null
    before=$(count_ds)
fi

# ---- who sees and changes what ----
st=$(api GET /datasources "$U4")
t_is "$st $(jq -c "[.value[] | select(.id == $A)] | length" "$T_DIR/b")" "200 0" "user 4 does not see user 3's data source"
st=$(api GET "/datasources/$A" "$U4")
t_is "$st $(err_code)" "404 NotFound" "nor read it: 404"
st=$(api PATCH "/datasources/$A" "$U4" '{"name":"mine"}')
t_is "$st $(err_code)" "404 NotFound" "nor change it: 404"
st=$(api DELETE "/datasources/$A" "$U4")
t_is "$st $(count_ds)" "404 $before" "nor delete it: 404"
st=$(api PUT "/datasources/$A/shares" "$U4" '{"shares":[{"kind":"user","id":4}]}')
t_is "$st $(count_ds)" "404 $before" "nor share it with themselves: 404"
st=$(api GET /datasources "$ADMIN")
t_is "$st $(jq -c "[.value[] | select(.id == $A) | .canEdit]" "$T_DIR/b")" "200 [true]" "a portal admin sees it and may change it"

# ---- sharing ----
st=$(api PUT "/datasources/$A/shares" "$U3" '{"shares":[{"kind":"user","id":4}]}')
t_is "$st $(jq -c .shares "$T_DIR/b")" '200 [{"kind":"user","id":4}]' "user 3 shares it with user 4"
st=$(api GET "/datasources/$A" "$U4")
t_is "$st $(jq -c '[.name, .canEdit]' "$T_DIR/b")" '200 ["Contacts A",false]' "user 4 sees it, without the right to change it"
st=$(api PATCH "/datasources/$A" "$U4" '{"name":"mine"}')
t_is "$st $(err_code)" "403 Forbidden" "user 4 cannot rename it: 403"
st=$(api PUT "/datasources/$A/shares" "$U4" '{"shares":[]}')
t_is "$st $(err_code)" "403 Forbidden" "nor unshare it: 403"
st=$(api DELETE "/datasources/$A" "$U4")
t_is "$st $(err_code)" "403 Forbidden" "nor delete it: 403"
st=$(api PUT "/datasources/$A/owner" "$U4" '{"userId":4}')
t_is "$st $(err_code)" "403 Forbidden" "nor take it over: 403"
before=$(count_ds)

# a token of user 4 reads it, with the data source's filter applied
out=$(ctl token mint --portal "$PORTAL" --owner 4 --name "user 4")
TOK4=$(sed -n 's/^Token: //p' <<<"$out")
st=$(feed "$A" 'contacts?$top=50' "$TOK4")
t_is "$st $(jq '[.value[] | select(.email | startswith("a") | not)] | length' "$T_DIR/b")" "200 0" \
    "user 4's token reads the shared data source, only rows its filter lets through"
t_ok "$(jq -e '.value | length > 0' "$T_DIR/b" >/dev/null && echo 0 || echo 1)" "and there are such rows"
st=$(feed "$A" 'contacts?$filter=startswith(email,%27b%27)' "$TOK4")
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 0" "Power BI's \$filter is ANDed with it"
st=$(feed "$A" 'contacts/$count' "$TOK4")
want=$(feed "$DS" 'contacts/$count?$filter=startswith(email,%27a%27)' "$TOKEN" >/dev/null; cat "$T_DIR/b")
t_is "$st $(cat "$T_DIR/b")" "200 $want" "/\$count counts what the filter lets through"

bad_share() { # bad_share BODY STATUS CODE MESSAGE
    local st
    st=$(api PUT "/datasources/$A/shares" "$U3" "$1")
    t_is "$st $(err_code) $(count_ds)" "$2 $3 $before" "$4"
}
bad_share '{"shares":[{"kind":"user","id":99}]}' 400 UnknownUser "sharing with a user HubSpot does not have: 400"
bad_share '{"shares":[{"kind":"team","id":999}]}' 400 UnknownTeam "sharing with a team HubSpot does not have: 400"
bad_share '{"shares":[{"kind":"group","id":101}]}' 400 InvalidRequest "an unknown kind: 400"
bad_share '{"shares":[{"kind":"user","id":4},{"kind":"user","id":4}]}' 400 InvalidRequest "a principal twice: 400"
bad_share '{"shares":[{"kind":"user","id":"4"}]}' 400 InvalidRequest "an id that is not a number: 400"
bad_share '{"shares":{}}' 400 InvalidRequest "shares that are not a list: 400"

# a team share instead of the user share: user 4 (team 102) keeps it, user 5 (team 101) has none
st=$(api PUT "/datasources/$A/shares" "$U3" '{"shares":[{"kind":"team","id":102}]}')
t_is "$st $(jq -c .shares "$T_DIR/b")" '200 [{"kind":"team","id":102}]' "user 3 shares it with team 102 instead"
st=$(api GET "/datasources/$A" "$U4")
t_is "$st" 200 "user 4 sees it through team 102"
st=$(api GET "/datasources/$A" "$U5")
t_is "$st" 404 "user 5 (team 101) does not"
st=$(feed "$A" 'contacts?$top=1' "$TOK4")
t_is "$st" 200 "user 4's token reads it through the team"
# who a token's owner is comes from HubSpot again once it is older than a session may be
sql "UPDATE portal_users SET team_ids = '{}', seen_at = now() - interval '2 hours' WHERE portal_id = $PORTAL AND user_id = 4" >/dev/null
st=$(feed "$A" 'contacts?$top=1' "$TOK4")
t_is "$st $(sql "SELECT team_ids FROM portal_users WHERE portal_id = $PORTAL AND user_id = 4")" "200 {102}" \
    "when what is known of the owner is stale, HubSpot is asked first: the request sees the team share"
sql "UPDATE portal_users SET team_ids = '{}' WHERE portal_id = $PORTAL AND user_id = 4" >/dev/null
st=$(feed "$A" 'contacts?$top=1' "$TOK4")
t_is "$st" 404 "while it is fresh, the stored teams decide"
sql "UPDATE portal_users SET team_ids = '{102}' WHERE portal_id = $PORTAL AND user_id = 4" >/dev/null
out=$(ctl token mint --portal "$PORTAL" --owner 9 --name "gone")
TOK9=$(sed -n 's/^Token: //p' <<<"$out")
sql "INSERT INTO data_source_shares (portal_id, data_source_id, principal_kind, principal_id) VALUES ($PORTAL, $A, 'user', 9)" >/dev/null
st=$(feed "$A" 'contacts?$top=1' "$TOK9")
t_is "$st $(jq -r .error.message "$T_DIR/b")" "401 the token's owner is no longer a user of the HubSpot portal" \
    "a token whose owner HubSpot no longer has in the portal is refused"

st=$(api PUT "/datasources/$A/shares" "$U3" '{"shares":[]}')
t_is "$st $(jq -c .shares "$T_DIR/b")" '200 []' "user 3 unshares it"
st=$(feed "$A" 'contacts?$top=1' "$TOK4")
t_is "$st" 404 "the next request of user 4's token is refused"
st=$(api GET "/datasources/$A" "$U4")
t_is "$st" 404 "and user 4 no longer sees it"

# ---- changing it ----
before=$(count_ds)
st=$(api PATCH "/datasources/$A" "$U3" '{"objects":[{"object":"contacts","properties":["email"],"filter":"nope eq 1"}]}')
t_is "$st $(err_code) $(count_ds)" "400 InvalidFilter $before" "a change with a bad filter is refused and changes nothing"
st=$(api PATCH "/datasources/$A" "$U3" '{}')
t_is "$st $(err_code)" "400 InvalidRequest" "a change of nothing: 400"
st=$(api PATCH "/datasources/$A" "$U3" '{"name":"All objects"}')
t_is "$st $(err_code)" "409 NameTaken" "a rename to a name taken: 409"
st=$(api PATCH "/datasources/$A" "$U3" \
    '{"name":"Deals","objects":[{"object":"deals","properties":["dealname","amount"],"filter":"amount gt 1000"}]}')
t_is "$st $(jq -c '[.name, .objects[0].object, .objects[0].properties]' "$T_DIR/b")" '200 ["Deals","deals",["dealname","amount"]]' \
    "the owner renames it and changes its objects"
out=$(ctl token mint --portal "$PORTAL" --owner 3 --name "user 3")
TOK3=$(sed -n 's/^Token: //p' <<<"$out")
st=$(feed "$A" 'deals?$top=20' "$TOK3")
t_is "$st $(jq '[.value[] | select(.amount <= 1000)] | length' "$T_DIR/b")" "200 0" "the feed serves the new definition at once"
st=$(feed "$A" 'contacts' "$TOK3")
t_is "$st" 404 "and no longer the old object"

# ---- ownership ----
st=$(api PUT "/datasources/$A/owner" "$U3" '{"userId":99}')
t_is "$st $(err_code)" "400 UnknownUser" "a new owner HubSpot does not have: 400"
st=$(api PUT "/datasources/$A/owner" "$U3" '{"userId":5}')
t_is "$st $(jq -c '[.ownerUserId, .canEdit, .shares]' "$T_DIR/b")" '200 [5,false,[{"kind":"user","id":3}]]' \
    "user 3 gives it to user 5 and keeps a share"
st=$(api PATCH "/datasources/$A" "$U3" '{"name":"Back"}')
t_is "$st" 403 "user 3 can no longer change it"
st=$(api PATCH "/datasources/$A" "$U5" '{"name":"Deals of 5"}')
t_is "$st $(jq -r .name "$T_DIR/b")" "200 Deals of 5" "user 5 can"

# ---- other portals ----
printf 'other-portal-token' | ctl portal add --hub-id "$OTHER" --refresh-token - --installed-by 1 >/dev/null
B=$(ctl datasource create --portal "$OTHER" --owner 1 --name "B" --object contacts)
OB="hsods_otherportalsession0000000000000000"
sql "INSERT INTO sessions (portal_id, token_hash, user_id, expires_at, hubspot_super_admin)
     VALUES ($OTHER, sha256(convert_to('$OB', 'UTF8')), 1, now() + interval '1 hour', true)" >/dev/null
before=$(count_ds)
st=$(api GET /datasources "$OB")
t_is "$st $(jq -c '[.value[].id]' "$T_DIR/b")" "200 [$B]" "an admin of another portal sees only that portal's data sources"
for m in GET DELETE; do
    st=$(api "$m" "/datasources/$A" "$OB")
    t_is "$st $(err_code)" "404 NotFound" "and gets 404 for $m of this portal's"
done
st=$(api PATCH "/datasources/$A" "$OB" '{"name":"taken over"}')
t_is "$st $(err_code)" "404 NotFound" "and for PATCH"
st=$(api PUT "/datasources/$A/owner" "$OB" '{"userId":1}')
t_is "$st $(err_code)" "404 NotFound" "and for a transfer"
st=$(api GET /datasources "$ADMIN")
t_is "$st $(jq -c "[.value[] | select(.id == $B)] | length" "$T_DIR/b")" "200 0" "this portal's admin does not see the other's"
st=$(api DELETE "/datasources/$B" "$ADMIN")
t_is "$st $(count_ds)" "404 $before" "nor delete it"

# ---- delete ----
st=$(api DELETE "/datasources/$A" "$U5")
t_is "$st $(sql "SELECT count(*) FROM data_sources WHERE id = $A") $(sql "SELECT count(*) FROM data_source_shares WHERE data_source_id = $A")" \
    "204 0 0" "the owner deletes it, with its shares"
st=$(feed "$A" 'deals?$top=1' "$TOK3")
t_is "$st" 404 "its feed is gone"
st=$(api GET "/datasources/$A" "$U5")
t_is "$st" 404 "and so is the data source"

t_done
