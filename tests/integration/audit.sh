#!/usr/bin/env bash
# The audit rows the feed writes: one per request made with a known token however it ends (complete,
# refused, HubSpot failing, the client going away), with the query options' literal values masked;
# a token's first use once; refused uses of revoked and expired tokens; the writer's spool holding
# events while PostgreSQL refuses them and writing them when it takes them again. The chains verify.
. "$(dirname "$0")/lib.sh"

it_setup it_audit
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

# ---- the log is append-only and its chains verify ----
sql "UPDATE audit_log SET detail = '{}' WHERE portal_id = $PORTAL AND seq = 1" >/dev/null 2>&1
t_is "$?" 1 "an UPDATE of the audit log is refused"
sql "DELETE FROM audit_log WHERE portal_id = $PORTAL" >/dev/null 2>&1
t_is "$?" 1 "a DELETE too"
if "$GW_BUILD_DIR/gatewayctl" audit verify --help >/dev/null 2>&1; then
    ctl audit verify >"$T_DIR/verify" 2>&1
    t_is "$?" 0 "gatewayctl audit verify: every chain intact"
fi

t_done
