#!/usr/bin/env bash
# Entity sets end to end: every nextLink followed, compared row by row with the simulator's ground
# truth; and what the database and the logs must never hold.
. "$(dirname "$0")/lib.sh"
it_setup it_feed

n_contacts=$(curl -s "$GW_TEST_SIM_URL/__sim/records/contacts" | wc -l)
[ "$n_contacts" -ge 25000 ]; t_ok $? "the simulator holds at least 25,000 contacts ($n_contacts)"

for set in contacts companies deals tickets; do
    "$GW_BUILD_DIR/tests/feed_check" "$GW_URL" "$DS" "$set" "$TOKEN" "$GW_TEST_SIM_URL" >"$T_DIR/check.$set" 2>&1
    rc=$?
    sed 's/^/# /' "$T_DIR/check.$set" | tail -n 25
    t_ok $rc "$set: every row, value and type equals the ground truth ($(tail -n 1 "$T_DIR/check.$set" | sed 's/^ok - //'))"
done

# server-driven paging: the first page stops at the page size and links to the next
st=$(http GET "$GW_URL/odata/$DS/contacts" -H "Authorization: Bearer $TOKEN")
t_is "$st" 200 "contacts: 200"
t_is "$(jq '.value | length' "$T_DIR/b")" 10000 "first page holds 10,000 rows"
next=$(jq -r '.["@odata.nextLink"]' "$T_DIR/b")
case "$next" in "$GW_URL/odata/$DS/contacts?\$skiptoken="*) t_ok 0 "nextLink is absolute and carries a \$skiptoken" ;; *) t_ok 1 "nextLink: $next" ;; esac
grep -qi '^content-type: application/json;odata.metadata=minimal' "$T_DIR/h"; t_ok $? "feed content type"
tok=${next#*\$skiptoken=}
st=$(http GET "$GW_URL/odata/$DS/companies?\$skiptoken=$tok" -H "Authorization: Bearer $TOKEN")
t_is "$st" 400 "a \$skiptoken of another entity set: 400"
last=${tok: -1}
[ "$last" = A ] && flip=B || flip=A
st=$(http GET "$GW_URL/odata/$DS/contacts?\$skiptoken=${tok%?}$flip" -H "Authorization: Bearer $TOKEN")
t_is "$st" 400 "a tampered \$skiptoken: 400"

# requests whose query options hold record values: their audit rows must mask them
email=$(curl -s "$GW_TEST_SIM_URL/__sim/records/contacts" | jq -r '.properties.email // empty' | sed -n 5p)
domain=$(curl -s "$GW_TEST_SIM_URL/__sim/records/companies" | jq -r '.properties.domain // empty' | sed -n 5p)
st=$(http GET "$GW_URL/odata/$DS/contacts?\$filter=email%20eq%20'$email'" -H "Authorization: Bearer $TOKEN")
t_is "$st $(jq '.value | length' "$T_DIR/b")" "200 1" "a filter on a contact's e-mail address"
st=$(http GET "$GW_URL/odata/$DS/companies?\$filter=contains(domain,'$domain')&\$select=domain" -H "Authorization: Bearer $TOKEN")
t_is "$st" 200 "a filter on a company's domain"
st=$(http GET "$GW_URL/odata/$DS/contacts?\$filter=email%20eq%20$email" -H "Authorization: Bearer $TOKEN")
t_is "$st" 501 "an unquoted e-mail address in a filter (read as a parameter alias: 501)"
for i in $(seq 100); do
    [ "$(curl -s "$GW_URL/healthz" | jq .audit.queued)" = 0 ] && break
    sleep 0.1
done

# the database and the gateway's log hold no token and no refresh token
pg_dump -h "$GW_TEST_PGDIR/run" -U gateway "$T_DB" >"$T_DIR/dump.sql"
[ -s "$T_DIR/dump.sql" ]; t_ok $? "database dumped"
! grep -qF "$TOKEN" "$T_DIR/dump.sql"; t_ok $? "the database holds no token plaintext"
! grep -qF "$GW_TEST_SIM_REFRESH" "$T_DIR/dump.sql"; t_ok $? "the database holds no refresh token plaintext"
hash=$(printf '%s' "$TOKEN" | sha256sum | cut -c1-64)
grep -q "$hash" "$T_DIR/dump.sql"; t_ok $? "the database holds the token's SHA-256"
! grep -qF "$TOKEN" "$T_DIR/gateway.log"; t_ok $? "the gateway's log holds no token"
! grep -qF "$GW_TEST_SIM_REFRESH" "$T_DIR/gateway.log"; t_ok $? "the gateway's log holds no refresh token"
t_ok "$([ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'feed.request'")" -ge 8 ] && echo 0 || echo 1)" \
    "the dump holds the feed requests' audit rows"
# a sample of distinctive record values (e-mail addresses, company domains, deal names) appears nowhere
{
    curl -s "$GW_TEST_SIM_URL/__sim/records/contacts" | head -n 2000 | jq -r '.properties.email // empty'
    curl -s "$GW_TEST_SIM_URL/__sim/records/companies" | head -n 1000 | jq -r '.properties.domain // empty'
    curl -s "$GW_TEST_SIM_URL/__sim/records/deals" | head -n 1000 | jq -r '.properties.dealname // empty' | grep -E '#[0-9]+$'
} | awk 'length($0) >= 8' | sort -u >"$T_DIR/values"
[ "$(wc -l <"$T_DIR/values")" -gt 3000 ]; t_ok $? "sampled $(wc -l <"$T_DIR/values") distinctive record values"
grep -qF "$email" "$T_DIR/values" && grep -qF "$domain" "$T_DIR/values"; t_ok $? "among them the ones filtered on"
! grep -qF -f "$T_DIR/values" "$T_DIR/dump.sql" "$T_DIR/gateway.log"; t_ok $? "no sampled record value in the database or the log"

t_done
