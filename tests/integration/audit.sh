#!/usr/bin/env bash
# The audit rows the feed writes: one per request made with a known token however it ends (complete,
# refused, HubSpot failing, the client going away), with the query options' literal values masked;
# a token's first use once; refused uses of revoked and expired tokens; the writer's spool holding
# events while PostgreSQL refuses them and writing them when it takes them again. The chains verify.
. "$(dirname "$0")/lib.sh"

it_setup it_audit --audit-upkeep 1
PORTAL=$GW_TEST_SIM_PORTAL
UA="Microsoft.Data.Mashup (https://go.microsoft.com/fwlink/?LinkID=304225)"
EMAIL=$(curl -s "$GW_TEST_SIM_URL/__sim/records/contacts" | jq -r '.properties.email // empty' | sed -n 8p)

# last_event EVENT: the newest row of EVENT in the portal as JSON, once the writer has written it
last_event() {
    local i got
    for i in $(seq 100); do
        got=$(sql "SELECT json_build_object('seq', seq, 'actor', actor, 'user', user_id, 'ds', data_source_id, 'token', token_id,
                                            'detail', detail)
                     FROM audit_log WHERE portal_id = $PORTAL AND event = '$1' AND seq > ${2:-0} ORDER BY seq DESC LIMIT 1")
        [ -n "$got" ] && break
        sleep 0.1
    done
    echo "$got"
}
max_seq() { sql "SELECT coalesce(max(seq), 0) FROM audit_log WHERE portal_id = $PORTAL"; }
# wait_idle: the writer has nothing queued
wait_idle() {
    local i
    for i in $(seq 100); do
        [ "$(curl -s "$GW_URL/healthz" | jq -r .audit.queued)" = 0 ] && return 0
        sleep 0.1
    done
    return 1
}

# ---- a complete request, with a filter on an e-mail address ----
t_ok "$([ -n "$EMAIL" ] && [ "$EMAIL" != null ] && echo 0 || echo 1)" "a contact's e-mail address to filter on"
st=$(http GET "$GW_URL/odata/$DS/contacts?\$filter=email%20eq%20'$EMAIL'%20and%20createdate%20gt%202020-01-01T00:00:00Z&\$select=email,firstname&\$top=5" \
    -H "Authorization: Bearer $TOKEN" -A "$UA")
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 1" "a filtered feed request"
row=$(last_event feed.request)
t_is "$(jq -c '[.actor, .user, .ds, .token, .detail.route, .detail.entitySet, .detail.status, .detail.outcome, .detail.rows]' <<<"$row")" \
    "[\"token:$TOKEN_ID\",1,$DS,$TOKEN_ID,\"feed\",\"contacts\",200,\"complete\",1]" "its row: who, what, status, outcome and rows"
t_is "$(jq -r '.detail.query' <<<"$row")" "\$filter=email eq '***' and createdate gt ***&\$select=email,firstname&\$top=5" \
    "the query options with their literal values masked"
t_is "$(jq -r '[.detail.bytes > 100, .detail.hubspotCalls >= 1, .detail.ms >= 0, .detail.retries == 0] | all' <<<"$row")" true \
    "bytes, HubSpot calls, retries and duration"
t_is "$(jq -r '[.detail.clientIp, .detail.userAgent] | join(" ")' <<<"$row")" "127.0.0.1 $UA" "the client's address and user agent"
t_is "$(sql "SELECT count(*) FROM audit_log WHERE position(lower('$EMAIL') in lower(detail::text)) > 0")" 0 \
    "the e-mail address is nowhere in the log"

# ---- the token's first use, once ----
t_is "$(sql "SELECT count(*) FROM audit_log WHERE event = 'token.first_used' AND token_id = $TOKEN_ID")" 1 "the token's first use is recorded"
http GET "$GW_URL/odata/$DS/" -H "Authorization: Bearer $TOKEN" >/dev/null
sql "UPDATE access_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $TOKEN_ID" >/dev/null
http GET "$GW_URL/odata/$DS/" -H "Authorization: Bearer $TOKEN" >/dev/null
wait_idle
t_is "$(sql "SELECT count(*) FROM audit_log WHERE event = 'token.first_used' AND token_id = $TOKEN_ID")" 1 "only once"

# ---- refused: a bad $filter leaves a row with the whole option masked ----
seq=$(max_seq)
st=$(http GET "$GW_URL/odata/$DS/contacts?\$filter=email%20eq%20'$EMAIL'%20and" -H "Authorization: Bearer $TOKEN")
t_is "$st" 400 "a filter that does not parse: 400"
row=$(last_event feed.request "$seq")
t_is "$(jq -c '[.detail.status, .detail.outcome, .detail.error, .detail.query]' <<<"$row")" \
    '[400,"refused","BadRequest","$filter=***"]' "its row: refused, and the unparsed option entirely masked"

# ---- the service document and $metadata ----
seq=$(max_seq)
http GET "$GW_URL/odata/$DS/\$metadata" -H "Authorization: Bearer $TOKEN" >/dev/null
t_is "$(jq -c '[.detail.route, .detail.status, .detail.outcome]' <<<"$(last_event feed.request "$seq")")" '["metadata",200,"complete"]' \
    "\$metadata requests are recorded too"

# ---- abandoned: the client goes away in the middle of a large feed ----
seq=$(max_seq)
curl -s -N "$GW_URL/odata/$DS/contacts" -H "Authorization: Bearer $TOKEN" | head -c 20000 >/dev/null
row=$(last_event feed.request "$seq")
t_is "$(jq -c '[.detail.route, .detail.status, .detail.outcome]' <<<"$row")" '["feed",200,"client_gone"]' \
    "a feed the client abandons leaves a row: client_gone"
t_is "$(jq -r '.detail.bytes >= 20000' <<<"$row")" true "with the bytes sent until then"

# ---- HubSpot failing: a gateway whose HubSpot cannot be reached ----
GW_URL_OK=$GW_URL
rm -f "$T_DIR/gateway-down.out" # a restart must not read the last run's address
"$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "http://127.0.0.1:9" \
    --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" --hubspot-max-attempts 1 \
    >"$T_DIR/gateway-down.out" 2>>"$T_DIR/gateway-down.log" &
DOWN_PID=$!
GW_DOWN=$(gw_wait_line "$T_DIR/gateway-down.out" '^odata-gateway listening' | sed 's/.*listening on //')
seq=$(max_seq)
st=$(http GET "$GW_DOWN/odata/$DS/companies?\$top=1" -H "Authorization: Bearer $TOKEN")
t_is "$st" 504 "HubSpot unreachable: 504"
row=$(last_event feed.request "$seq")
t_is "$(jq -c '[.detail.status, .detail.outcome, .detail.error]' <<<"$row")" '[504,"hubspot_failed","HubSpotUnavailable"]' \
    "its row: hubspot_failed"
kill "$DOWN_PID"
wait "$DOWN_PID" 2>/dev/null

# ---- refused uses of revoked and expired tokens ----
out=$(ctl token mint --portal "$PORTAL" --owner 2 --name "to revoke")
T2=$(sed -n 's/^Token: //p' <<<"$out")
T2_ID=$(sed -n 's/^Token id: //p' <<<"$out")
ctl token revoke --id "$T2_ID" >/dev/null
seq=$(max_seq)
st=$(http GET "$GW_URL/odata/$DS/contacts" -H "Authorization: Bearer $T2" -A "$UA")
t_is "$st" 401 "a revoked token: 401"
t_is "$(jq -c '[.actor, .user, .token, .detail.reason, .detail.route, .detail.userAgent]' <<<"$(last_event token.refused "$seq")")" \
    "[\"token:$T2_ID\",2,$T2_ID,\"revoked\",\"feed\",\"$UA\"]" "its refused use is recorded: revoked"
sql "UPDATE access_tokens SET revoked_at = NULL, expires_at = now() - interval '1 second' WHERE id = $T2_ID" >/dev/null
seq=$(max_seq)
http GET "$GW_URL/odata/$DS/" -H "Authorization: Bearer $T2" >/dev/null
t_is "$(jq -r '.detail.reason' <<<"$(last_event token.refused "$seq")")" expired "an expired token's use: expired"
t_is "$(sql "SELECT count(*) FROM audit_log WHERE event = 'feed.request' AND token_id = $T2_ID")" 0 \
    "refused tokens leave no feed.request row"

# ---- PostgreSQL refusing the writes: events wait in the spool, then are written ----
wait_idle
written=$(curl -s "$GW_URL/healthz" | jq .audit.written)
sql "ALTER FUNCTION audit_append(jsonb) RENAME TO audit_append_away" >/dev/null
for i in 1 2 3; do http GET "$GW_URL/odata/$DS/" -H "Authorization: Bearer $TOKEN" >/dev/null; done
for i in $(seq 100); do
    [ "$(curl -s "$GW_URL/healthz" | jq -r .audit.failing)" = true ] && break
    sleep 0.1
done
t_is "$(curl -s "$GW_URL/healthz" | jq -c '[.audit.failing, .audit.queued >= 3, .audit.dropped]')" "[true,true,0]" \
    "writes refused: the events wait in the spool"
grep -q 'audit events cannot be written' "$T_DIR/gateway.log"
t_ok $? "and the gateway says so in its log"
sql "ALTER FUNCTION audit_append_away(jsonb) RENAME TO audit_append" >/dev/null
for i in $(seq 150); do
    [ "$(curl -s "$GW_URL/healthz" | jq -r .audit.queued)" = 0 ] && break
    sleep 0.1
done
t_is "$(curl -s "$GW_URL/healthz" | jq -c "[.audit.failing, .audit.queued, .audit.written - $written >= 3]")" "[false,0,true]" \
    "once PostgreSQL takes them again they are written"

# ---- the spool file: events wait there when memory is full, and outlive a restart ----
start_spool_gateway() {
    rm -f "$T_DIR/gateway-spool.out" # a restart must not read the last run's address
    "$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 --hubspot-base-url "$GW_TEST_SIM_URL" \
        --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" --hubspot-rate-limit 0 \
        --hubspot-search-rate 0 --audit-spool-mb 0 --audit-spool-file "$T_DIR/spool" "$@" \
        >"$T_DIR/gateway-spool.out" 2>>"$T_DIR/gateway-spool.log" &
    SPOOL_PID=$!
    GW_SPOOL=$(gw_wait_line "$T_DIR/gateway-spool.out" '^odata-gateway listening' | sed 's/.*listening on //')
}
spool_health() { curl -s "$GW_SPOOL/healthz" | jq -c "$1"; }
start_spool_gateway
sql "ALTER FUNCTION audit_append(jsonb) RENAME TO audit_append_away" >/dev/null
for i in 1 2 3 4 5; do http GET "$GW_SPOOL/odata/$DS/" -H "Authorization: Bearer $TOKEN" -A "spool-test/$i" >/dev/null; done
for i in $(seq 100); do
    [ "$(spool_health .audit.failing)" = true ] && break
    sleep 0.1
done
t_is "$(spool_health '[.audit.queued, .audit.fileBytes > 0, .audit.dropped]') $(wc -l <"$T_DIR/spool")" "[0,true,0] 5" \
    "with no memory spool, the events wait in the spool file, one line each"
t_is "$(grep -c 'correct\|@' "$T_DIR/spool")" 0 "the file holds metadata only"
kill "$SPOOL_PID"
wait "$SPOOL_PID"
t_is "$? $(wc -l <"$T_DIR/spool")" "0 5" "the gateway stops with the events still in the file"
sql "ALTER FUNCTION audit_append_away(jsonb) RENAME TO audit_append" >/dev/null
start_spool_gateway
for i in $(seq 100); do
    [ "$(spool_health .audit.fileBytes)" = 0 ] && break
    sleep 0.1
done
t_is "$(spool_health '[.audit.fileBytes, .audit.written]') $(wc -c <"$T_DIR/spool") $(tr -d ' ' <"$T_DIR/spool.offset")" "[0,5] 0 0" \
    "started again, it writes them, then empties the file"
t_is "$(sql "SELECT string_agg(detail->>'userAgent', ',' ORDER BY seq) FROM audit_log WHERE portal_id = $PORTAL AND detail->>'userAgent' LIKE 'spool-test/%'")" \
    "spool-test/1,spool-test/2,spool-test/3,spool-test/4,spool-test/5" "each event once, in order"
kill "$SPOOL_PID"
wait "$SPOOL_PID"
t_is "$?" 0 "and stops cleanly"
# the bound: a spool file of 1 MiB fills up, and what does not fit is counted and logged, not lost silently
rm -f "$T_DIR/spool" "$T_DIR/spool.offset"
start_spool_gateway --audit-spool-file-mb 1
sql "ALTER FUNCTION audit_append(jsonb) RENAME TO audit_append_away" >/dev/null
urls=()
for i in $(seq 3000); do urls+=("$GW_SPOOL/odata/$DS/"); done
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -A "bound-test-$(printf '%0200d' 0)" "${urls[@]}"
t_is "$(spool_health '[.audit.dropped > 0, .audit.fileBytes > 1000000, .audit.fileBytes <= 1048576]')" "[true,true,true]" \
    "3,000 events past a 1 MiB spool file: the file is full and the rest are counted as dropped"
grep -q 'the audit spool is full' "$T_DIR/gateway-spool.log"
t_ok $? "and the gateway logs it"
sql "ALTER FUNCTION audit_append_away(jsonb) RENAME TO audit_append" >/dev/null
for i in $(seq 300); do
    [ "$(spool_health .audit.fileBytes)" = 0 ] && break
    sleep 0.1
done
t_is "$(spool_health '.audit.fileBytes') $(spool_health '.audit.written + .audit.dropped >= 3000')" "0 true" \
    "what the file held is written once PostgreSQL takes it again"
kill "$SPOOL_PID"
wait "$SPOOL_PID"
grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_DIR/gateway-spool.log" | head -20 | sed 's/^/# /'
t_is "$(grep -cE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_DIR/gateway-spool.log")" 0 "no sanitizer report from it"

# ---- a gateway running as a role that does not own the schema: it appends to the log, never alters it ----
ROLE="${T_DB}_rt"
sql "DO \$\$ BEGIN CREATE ROLE $ROLE LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
out=$(ctl db grant --role "$ROLE")
t_is "$?" 0 "gatewayctl db grant gives a role what gateways need"
# a portal whose log has rows past a retention of 1 day: the gateway's upkeep prunes them soon after it starts
OLD=4300001
sql "SELECT audit_append(jsonb_build_array(
        jsonb_build_object('portal', $OLD, 'event', 'token.minted', 'actor', 'operator', 'at', now() - interval '3 days'),
        jsonb_build_object('portal', $OLD, 'event', 'token.revoked', 'actor', 'operator', 'at', now() - interval '2 days'),
        jsonb_build_object('portal', $OLD, 'event', 'token.minted', 'actor', 'operator')))" >/dev/null
ctl audit retention --portal $OLD --days 1 >/dev/null
rsql() { psql -h "$GW_TEST_PGDIR/run" -U "$ROLE" -d "$T_DB" -tAqc "$1" 2>&1; }
denied() { rsql "$1" >"$T_DIR/r"; grep -q 'permission denied' "$T_DIR/r"; echo $?; } # 0 when refused
rm -f "$T_DIR/gateway-role.out" # a restart must not read the last run's address
GATEWAY_DATABASE_URL="host=$GW_TEST_PGDIR/run user=$ROLE dbname=$T_DB" "$GW_BUILD_DIR/odata-gateway" --listen 127.0.0.1:0 \
    --hubspot-base-url "$GW_TEST_SIM_URL" --client-id "$GW_TEST_SIM_CLIENT_ID" --client-secret "$GW_TEST_SIM_CLIENT_SECRET" \
    --hubspot-rate-limit 0 --hubspot-search-rate 0 >"$T_DIR/gateway-role.out" 2>>"$T_DIR/gateway-role.log" &
ROLE_PID=$!
GW_ROLE=$(gw_wait_line "$T_DIR/gateway-role.out" '^odata-gateway listening' | sed 's/.*listening on //')
t_is "$(http GET "$GW_ROLE/odata/$DS/contacts?\$top=1" -H "Authorization: Bearer $TOKEN" -A runtime-role)" 200 \
    "it starts on the up-to-date schema and serves feeds"
out=$(ctl launch --portal "$PORTAL" --user 1)
http POST "$GW_ROLE/api/v1/session" -H 'Content-Type: application/json' --data-raw "{\"launchCode\":\"${out#*#launch=}\"}" >/dev/null
st=$(http POST "$GW_ROLE/api/v1/tokens" -H "Authorization: Bearer $(jq -r .token "$T_DIR/b")" -H 'Content-Type: application/json' \
    --data-raw '{"name":"runtime role token"}')
t_is "$st" 201 "and its admin API changes what it may change"
for i in $(seq 100); do
    [ "$(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL AND detail->>'userAgent' = 'runtime-role'")" = 1 ] && break
    sleep 0.1
done
t_is "$(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL AND (detail->>'userAgent' = 'runtime-role' OR detail->>'name' = 'runtime role token')")" \
    2 "its feed request and its token are in the log"
t_ok "$(denied "UPDATE audit_log SET detail = '{}' WHERE portal_id = $PORTAL")" \
    "the role cannot UPDATE the log"
t_ok "$(denied "SET hsod.audit_prune = 'on'; DELETE FROM audit_log WHERE portal_id = $PORTAL")" \
    "nor DELETE from it, even with the pruning setting"
t_ok "$(denied "TRUNCATE audit_log")" "nor TRUNCATE it"
t_ok "$(denied "UPDATE audit_chains SET last_seq = 0")" "nor rewrite a chain"
for i in $(seq 50); do
    [ "$(sql "SELECT pruned_seq FROM audit_chains WHERE portal_id = $OLD")" = 2 ] && break
    sleep 0.1
done
t_is "$(sql "SELECT string_agg(event, ',' ORDER BY seq) FROM audit_log WHERE portal_id = $OLD")|$(sql "SELECT pruned_seq FROM audit_chains WHERE portal_id = $OLD")" \
    "token.minted,audit.retention_changed|2" "its upkeep pruned the rows past the portal's retention, and only those"
t_is "$(ctl audit verify --portal $OLD | tail -n 1)" "Checked 1 chain, 2 rows: all intact." "the rest of that chain verifies"
t_is "$(rsql "SELECT audit_prune()")" 0 "the role can run the pruning itself, which removes only what retention allows"
kill "$ROLE_PID"
wait "$ROLE_PID"
t_is "$?" 0 "it stops cleanly"

# ---- changes, recorded in the transaction that makes them, with who made them ----
session() { # session USER: a session token for USER of the sandbox portal
    local out
    out=$(ctl launch --portal "$PORTAL" --user "$1")
    http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw "{\"launchCode\":\"${out#*#launch=}\"}" >/dev/null
    jq -r .token "$T_DIR/b"
}
api() { # api METHOD PATH SESSION [JSON body]
    if [ $# -ge 4 ]; then
        http "$1" "$GW_URL/api/v1$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' --data-raw "$4"
    else
        http "$1" "$GW_URL/api/v1$2" -H "Authorization: Bearer $3"
    fi
}
ev() { # ev EVENT [SEQ]: the newest row of EVENT after SEQ, as "actor user ds token detail"
    sql "SELECT concat_ws(' ', actor, coalesce(user_id::text, '-'), coalesce(data_source_id::text, '-'), coalesce(token_id::text, '-'),
                          detail::text)
           FROM audit_log WHERE portal_id = $PORTAL AND event = '$1' AND seq > ${2:-0} ORDER BY seq DESC LIMIT 1"
}
U1=$(session 1)
SECRET=quiet.person@example.org
seq=$(max_seq)
st=$(api POST /datasources "$U1" "{\"name\":\"Audited\",\"objects\":[{\"object\":\"contacts\",\"properties\":[\"email\",\"firstname\",\"createdate\"],\"filter\":\"email eq '$SECRET' or createdate gt 2021-03-04T05:06:07Z\"}]}")
ADS=$(jq -r .id "$T_DIR/b")
t_is "$st $(ev datasource.created "$seq" | jq -Rr 'split(" ") | .[0:4] | join(" ")')" "201 user:1 1 $ADS -" \
    "datasource.created: by user 1 through the API"
t_is "$(ev datasource.created "$seq" | cut -d' ' -f5- | jq -c '[.name, .owner, .objects[0].object, .objects[0].properties, .objects[0].filter]')" \
    "[\"Audited\",1,\"contacts\",[\"email\",\"firstname\",\"createdate\"],\"email eq '***' or createdate gt ***\"]" \
    "with its definition, the filter's literals masked"
st=$(api PATCH "/datasources/$ADS" "$U1" "{\"name\":\"Audited 2\",\"objects\":[{\"object\":\"contacts\",\"properties\":[\"email\",\"lastname\"],\"filter\":\"email eq '$SECRET'\"},{\"object\":\"deals\"}]}")
t_is "$st $(ev datasource.edited "$seq" | cut -d' ' -f5- | jq -c '[.name, .nameBefore, .objectsAdded, .objectsChanged]')" \
    "200 [\"Audited 2\",\"Audited\",[\"deals\"],[{\"object\":\"contacts\",\"filterAfter\":\"email eq '***'\",\"filterBefore\":\"email eq '***' or createdate gt ***\",\"propertiesAdded\":[\"lastname\"],\"propertiesRemoved\":[\"createdate\",\"firstname\"]}]]" \
    "datasource.edited: what changed in the definition"
st=$(api PUT "/datasources/$ADS/shares" "$U1" '{"shares":[{"kind":"user","id":3},{"kind":"team","id":102}]}')
t_is "$st $(sql "SELECT string_agg(detail->>'kind' || ':' || (detail->>'id'), ',' ORDER BY seq) FROM audit_log WHERE portal_id = $PORTAL AND event = 'datasource.shared' AND seq > $seq")" \
    "200 user:3,team:102" "datasource.shared: one row per user and team"
st=$(api PUT "/datasources/$ADS/shares" "$U1" '{"shares":[{"kind":"team","id":102}]}')
t_is "$st $(ev datasource.unshared "$seq" | cut -d' ' -f1,3,5-)" "200 user:1 $ADS {\"id\": 3, \"kind\": \"user\"}" "datasource.unshared"
st=$(api PUT "/datasources/$ADS/owner" "$U1" '{"userId":2}')
t_is "$st $(ev datasource.owner_transferred "$seq" | cut -d' ' -f5- | jq -c '[.from, .to]')" "200 [1,2]" "datasource.owner_transferred"
st=$(api DELETE "/datasources/$ADS" "$U1")
t_is "$st $(ev datasource.deleted "$seq" | cut -d' ' -f1,3,5- | sed 's/ {.*//')" "204 user:1 $ADS" "datasource.deleted"
t_is "$(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL AND event = 'datasource.unshared' AND seq > $seq")" 1 \
    "the shares that go with a deleted data source are not unshared one by one"

seq=$(max_seq)
st=$(api POST /tokens "$U1" '{"name":"Audit laptop"}')
TID=$(jq -r .id "$T_DIR/b")
t_is "$st $(ev token.minted "$seq" | cut -d' ' -f1,2,4)" "201 user:1 1 $TID" "token.minted through the API"
t_is "$(ev token.minted "$seq" | cut -d' ' -f5- | jq -r '.name + " " + (.prefix | length | tostring)')" "Audit laptop 12" \
    "its name and prefix, never the token"
st=$(api DELETE "/tokens/$TID" "$U1")
t_is "$st $(ev token.revoked "$seq" | cut -d' ' -f1,4,5- | jq -Rr 'split(" ") | .[0] + " " + .[1]') $(ev token.revoked "$seq" | cut -d' ' -f5- | jq .revokedBy)" \
    "200 user:1 $TID 1" "token.revoked, by whom"
out=$(ctl token mint --portal "$PORTAL" --owner 4 --name "ctl token")
CT=$(sed -n 's/^Token id: //p' <<<"$out")
ctl token revoke --id "$CT" --by 4 >/dev/null
t_is "$(ev token.minted "$seq" | cut -d' ' -f1,4) $(ev token.revoked "$seq" | cut -d' ' -f1,4)" "operator $CT operator $CT" \
    "gatewayctl's changes are the operator's"

# expiry is recorded by the gateway's upkeep, once
sql "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = $T2_ID" >/dev/null
for i in $(seq 100); do
    [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'token.expired' AND token_id = $T2_ID")" = 1 ] && break
    sleep 0.1
done
t_is "$(ev token.expired | cut -d' ' -f1,2,4)" "system 2 $T2_ID" "token.expired, written by the gateway's upkeep"
sleep 1.2
t_is "$(sql "SELECT count(*) FROM audit_log WHERE event = 'token.expired' AND token_id = $T2_ID")" 1 "once"

# the portal: re-install, key rotation, needing re-authorisation, admin roles
seq=$(max_seq)
printf '%s' "$GW_TEST_SIM_REFRESH" | ctl portal add --hub-id "$PORTAL" --refresh-token - --installed-by 1 >/dev/null
t_is "$(ev portal.reinstalled "$seq" | cut -d' ' -f1,2)" "operator 1" "portal.reinstalled (gatewayctl portal add)"
sql "UPDATE portals SET needs_reauth = true WHERE id = $PORTAL; UPDATE portals SET needs_reauth = false WHERE id = $PORTAL" >/dev/null
t_is "$(ev portal.needs_reauth "$seq" | cut -d' ' -f1)" system "portal.needs_reauth"
sql "UPDATE portal_users SET hubspot_super_admin = NOT hubspot_super_admin WHERE portal_id = $PORTAL AND user_id = 1" >/dev/null
t_is "$(ev admin.role_changed "$seq" | cut -d' ' -f2,5- | sed 's/ //g')" '1{"hubspotSuperAdmin":false}' "admin.role_changed"
session 1 >/dev/null
t_is "$(ev admin.role_changed "$seq" | cut -d' ' -f2,5- | sed 's/ //g')" '1{"hubspotSuperAdmin":true}' \
    "and back when HubSpot says so at the next session"
sql "INSERT INTO portal_admins (portal_id, user_id, granted_by) VALUES ($PORTAL, 4, 1)" >/dev/null
t_is "$(ev admin.granted "$seq" | cut -d' ' -f2,5- | sed 's/ //g')" '4{"grantedBy":1}' "admin.granted"
sql "DELETE FROM portal_admins WHERE portal_id = $PORTAL AND user_id = 4" >/dev/null
t_is "$(ev admin.revoked "$seq" | cut -d' ' -f1,2)" "system 4" "admin.revoked"
printf 'another-refresh-token' | ctl portal add --hub-id 4200001 --refresh-token - --installed-by 7 --hub-domain other.example.net >/dev/null
t_is "$(sql "SELECT actor || ' ' || user_id || ' ' || (detail->>'hubDomain') FROM audit_log WHERE portal_id = 4200001 AND event = 'portal.installed'")" \
    "operator 7 other.example.net" "portal.installed, in the new portal's own log"
t_is "$(sql "SELECT count(*) FROM audit_log WHERE position(lower('$SECRET') in lower(detail::text)) > 0")" 0 \
    "the data source filter's e-mail address is nowhere in the log"
# ---- reading the log: portal admins only, filtered, paged, exported ----
U3=$(session 3)
st=$(api GET /audit "$U3")
t_is "$st $(jq -r .error.code "$T_DIR/b")" "403 Forbidden" "a member cannot read the portal's audit log"
st=$(api GET /audit "$U1")
total=$(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL")
t_is "$st $(jq '.value | length' "$T_DIR/b") $(jq '.value[0].seq' "$T_DIR/b") $(jq '.value | map(.seq) | . == (sort | reverse)' "$T_DIR/b")" \
    "200 $([ "$total" -lt 100 ] && echo "$total" || echo 100) $(max_seq) true" "an admin reads it, newest first"
t_is "$(jq -c '[.value[] | select(.event == "datasource.created")][0] | [.actor, .userId, .dataSourceId, .tokenId, .detail.name]' "$T_DIR/b")" \
    "[\"user:1\",1,$ADS,null,\"Audited\"]" "each row with its actor, ids and detail"
st=$(api GET "/audit?event=token.*,datasource.shared&limit=3" "$U1")
t_is "$st $(jq -c '[.value[].event] | all(startswith("token.") or . == "datasource.shared")' "$T_DIR/b") $(jq '.value | length' "$T_DIR/b")" \
    '200 true 3' "filtered by event names and prefixes, 3 at a time"
want=$(sql "SELECT string_agg(seq::text, ',' ORDER BY seq DESC) FROM audit_log WHERE portal_id = $PORTAL
             AND (event LIKE 'token.%' OR event = 'datasource.shared')")
got=$(jq -r '[.value[].seq] | join(",")' "$T_DIR/b")
before=$(jq -r .nextBefore "$T_DIR/b")
while [ "$before" != null ]; do
    api GET "/audit?event=token.*,datasource.shared&limit=3&before=$before" "$U1" >/dev/null
    got="$got,$(jq -r '[.value[].seq] | join(",")' "$T_DIR/b")"
    before=$(jq -r .nextBefore "$T_DIR/b")
done
t_is "${got%,}" "$want" "following nextBefore gives every matching row once, in order"
st=$(api GET "/audit?dataSourceId=$ADS&userId=1" "$U1")
t_is "$st $(jq -c '[.value[] | [.dataSourceId, .userId]] | unique' "$T_DIR/b")" "200 [[$ADS,1]]" "filtered by data source and user"
from=$(sql "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM audit_log WHERE portal_id = $PORTAL AND event = 'datasource.created' AND data_source_id = $ADS")
st=$(api GET "/audit?from=$from&to=2999-01-01T00:00:00%2B01:00&limit=500" "$U1")
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 $(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL AND at >= '$from'")" \
    "filtered by a time range"
for bad in "from=yesterday" "to=2026-13" "event=Token" "event=token." "userId=-1" "limit=501" "before=x" "colour=red"; do
    st=$(api GET "/audit?$bad" "$U1")
    t_is "$st $(jq -r .error.code "$T_DIR/b")" "400 InvalidParameter" "?$bad: 400"
done
st=$(http GET "$GW_URL/api/v1/audit/export?event=datasource.*" -H "Authorization: Bearer $U1")
t_is "$st $(grep -i '^content-type' "$T_DIR/h" | tr -d '\r') $(grep -i '^content-disposition' "$T_DIR/h" | tr -d '\r')" \
    "200 content-type: text/csv; charset=utf-8 content-disposition: attachment; filename=\"audit-$PORTAL.csv\"" "the CSV export"
t_is "$(head -n 1 "$T_DIR/b" | tr -d '\r')" "seq,at,event,actor,user_id,data_source_id,token_id,detail" "its header"
t_is "$(tail -n +2 "$T_DIR/b" | python3 -c 'import csv,sys; print(",".join(r[0] for r in csv.reader(sys.stdin)))')" \
    "$(sql "SELECT string_agg(seq::text, ',' ORDER BY seq DESC) FROM audit_log WHERE portal_id = $PORTAL AND event LIKE 'datasource.%'")" \
    "every matching row, newest first, readable by a CSV parser"
t_is "$(tail -n +2 "$T_DIR/b" | python3 -c 'import csv,sys,json; print(all(json.loads(r[7]) is not None for r in csv.reader(sys.stdin)))')" \
    True "its detail column holds JSON"
st=$(http GET "$GW_URL/api/v1/audit/export" -H "Authorization: Bearer $U3")
t_is "$st" 403 "members cannot export it"

# last: this gateway lacks the new key, so the portal's grant is out of its reach from here on
cp "$GATEWAY_MASTER_KEY_FILE" "$T_DIR/rotated.key"
ctl keys generate --out "$T_DIR/rotated.key" >/dev/null
ctl --master-key-file "$T_DIR/rotated.key" keys rotate >/dev/null
t_is "$(ev portal.key_rotated "$seq" | cut -d' ' -f1,5- | sed 's/ //g')" 'operator{"toKey":2,"fromKey":1}' "portal.key_rotated"
t_is "$(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL AND event = 'portal.reinstalled' AND seq > $seq")" 1 \
    "a rotation is not a re-install"

# ---- the log is append-only and its chains verify ----
sql "UPDATE audit_log SET detail = '{}' WHERE portal_id = $PORTAL AND seq = 1" >/dev/null 2>&1
t_is "$?" 1 "an UPDATE of the audit log is refused"
sql "DELETE FROM audit_log WHERE portal_id = $PORTAL" >/dev/null 2>&1
t_is "$?" 1 "a DELETE too"
ctl audit verify >"$T_DIR/verify" 2>&1
t_is "$? $(tail -n 1 "$T_DIR/verify" | sed 's/[0-9]* rows/N rows/')" "0 Checked 3 chains, N rows: all intact." \
    "gatewayctl audit verify: every chain is intact"

t_done
