#!/usr/bin/env bash
# The audit log's hash chains and gatewayctl audit: rows appended by audit_append() for several portals
# (NULL user, data source and token; details with unicode and nested JSON; explicit times) verify intact
# with their rows counted; updates, deletes and truncation are refused; with the triggers disabled, as
# the table's owner can, each kind of tampering is found and named: a row altered (one microsecond of
# its time is enough), a row re-hashed after a change, a row removed in the middle, at the start or at
# the end, two rows' seq swapped, a row added past the newest, rows left without a chain record, and
# damage on either side of a batch boundary of a long chain. Each case has its own chain so that none
# hides another. Retention: audit prune removes exactly the old prefix of a chain, the chain still
# verifies from its new anchor, and other portals' chains are untouched. No gateway is started.
. "$(dirname "$0")/lib.sh"

it_fresh_db it_auditchain
trap 'rm -rf "$T_DIR"' EXIT
P1=3000001
P2=3000002

append() { sql "SELECT audit_append(\$j\$$1\$j\$::jsonb)"; } # append JSON: one batch of events
# gen PORTAL N [AGE]: appends N events to PORTAL, AGE old when given (e.g. '10 days'); every field varies
gen() {
    local at="NULL"
    [ $# -ge 3 ] && at="to_char((now() - interval '$3' + i * interval '1.000123 s') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    sql "SELECT audit_append(jsonb_agg(jsonb_build_object(
            'portal', $1, 'at', $at,
            'event', (ARRAY['feed.read', 'token.first_use', 'datasource.update', 'staff.read'])[i % 4 + 1],
            'actor', (ARRAY['token:' || (i % 7 + 1), 'user:' || (i % 5 + 1), 'staff:support.anne', 'operator', 'system'])[i % 5 + 1],
            'user', CASE WHEN i % 3 <> 0 THEN i % 5 + 1 END,
            'ds', CASE WHEN i % 4 <> 0 THEN i % 9 + 1 END,
            'token', CASE WHEN i % 2 = 0 THEN i % 7 + 1 END,
            'detail', jsonb_build_object('object', 'contacts', 'rows', i * 13, 'note', 'Zoë – 日本語 ✓ 🚀',
                                         'query', jsonb_build_object('\$top', i, 'filter', NULL, 'path', jsonb_build_array('a', 1.50, true))))
          ORDER BY i)) FROM generate_series(1, $2) i" >/dev/null
}
tamper() { sql "ALTER TABLE audit_log DISABLE TRIGGER USER; $1; ALTER TABLE audit_log ENABLE TRIGGER USER"; }
# verify [ARGS]: runs gatewayctl audit verify; its output in $out, its exit status in $rc
verify() {
    out=$(ctl audit verify "$@" 2>&1)
    rc=$?
}

# ---- two portals' chains ----
read -r -d '' BATCH <<'JSON'
[{"portal":3000001,"event":"datasource.create","actor":"user:42","user":42,"ds":7,
  "detail":{"name":"Ventes – été 2024 🚀","objects":[{"object":"contacts","properties":["email","firstname"],"filter":"lastname eq 'O\"Brien'"}]}},
 {"portal":3000002,"event":"portal.install","actor":"user:9","user":9,"detail":{"scopes":["crm.objects.contacts.read"],"nested":{"a":{"b":{"c":[1,2,{"d":null}]}}}}},
 {"portal":3000001,"event":"token.mint","actor":"user:42","user":42,"token":3,"detail":{"name":"Power BI\nlaptop\ttab \\ back","days":90}},
 {"portal":3000001,"event":"staff.read","actor":"staff:support.anne","detail":{"reason":"ticket #12 – Ünïcødé","empty":{},"list":[]}},
 {"portal":3000001,"event":"portal.uninstall","actor":"system","detail":{}},
 {"portal":3000002,"event":"feed.read","actor":"operator","at":"2024-02-29T23:59:59.999999+02:00","detail":{"n":1e3,"x":-0.000001}}]
JSON
gen $P1 40 '10 days'   # seq 1-40: the old prefix
gen $P2 20 '10 days'   # seq 1-20
t_is "$(append "$BATCH")" 6 "audit_append writes a batch for two portals"
gen $P1 200            # seq 45-244
gen $P2 128            # seq 23-150
gen $P1 6 '20 days'    # seq 245-250: old, but after recent rows
t_is "$(sql "SELECT portal_id, count(*), max(seq) FROM audit_log GROUP BY 1 ORDER BY 1" | tr '\n' ' ')" \
    "$P1|250|250 $P2|150|150 " "250 and 150 rows, numbered from 1 in each portal"
t_is "$(sql "SELECT count(*) FILTER (WHERE user_id IS NULL) > 0, count(*) FILTER (WHERE data_source_id IS NULL) > 0,
                    count(*) FILTER (WHERE token_id IS NULL) > 0, count(*) FILTER (WHERE detail::text LIKE '%日本語%') > 0
               FROM audit_log")" "t|t|t|t" "some rows have no user, data source or token; details hold unicode"
t_is "$(sql "SELECT count(*) FROM audit_log l WHERE hash <> audit_row_hash(prev_hash, portal_id, seq, at, event, actor, user_id,
                                                                          data_source_id, token_id, detail)
                 OR prev_hash <> coalesce((SELECT hash FROM audit_log p WHERE p.portal_id = l.portal_id AND p.seq = l.seq - 1),
                                          audit_genesis(portal_id))")" 0 "the database's own view: every row chained"

verify
t_is "$rc" 0 "audit verify: exit status 0"
t_is "$out" "portal $P1: 250 rows from seq 1 to 250 intact
portal $P2: 150 rows from seq 1 to 150 intact
Checked 2 chains, 400 rows: all intact." "one line per chain with its rows, and a summary"
verify --database "$GATEWAY_DATABASE_URL client_encoding=LATIN1 options='-c bytea_output=escape'"
t_is "$rc $out" "0 portal $P1: 250 rows from seq 1 to 250 intact
portal $P2: 150 rows from seq 1 to 150 intact
Checked 2 chains, 400 rows: all intact." "the same with another client encoding and bytea's escape format"
verify --portal $P2
t_is "$rc $out" "0 portal $P2: 150 rows from seq 1 to 150 intact
Checked 1 chain, 150 rows: all intact." "--portal checks one chain"
verify --portal 3000888
t_is "$rc $out" "0 portal 3000888: no audit log" "a portal without a log"

# ---- the triggers ----
msg=$(sql "UPDATE audit_log SET detail = '{}' WHERE portal_id = $P1 AND seq = 3" 2>&1)
[[ $msg == *"append-only: UPDATE refused"* ]]; t_ok $? "UPDATE of audit_log is refused"
msg=$(sql "DELETE FROM audit_log WHERE portal_id = $P1 AND seq = 250" 2>&1)
[[ $msg == *"append-only: DELETE refused"* ]]; t_ok $? "DELETE of audit_log is refused"
msg=$(sql "TRUNCATE audit_log" 2>&1)
[[ $msg == *"append-only: TRUNCATE refused"* ]]; t_ok $? "TRUNCATE of audit_log is refused"
msg=$(sql "DELETE FROM audit_chains WHERE portal_id = $P1" 2>&1)
[[ $msg == *"never removed: DELETE refused"* ]]; t_ok $? "DELETE of audit_chains is refused"
t_is "$(sql "SELECT count(*) FROM audit_log")|$(sql "SELECT count(*) FROM audit_chains")" "400|2" "nothing was changed"

# ---- retention and pruning ----
t_is "$(ctl audit prune)" "Pruned 0 audit rows." "at the default retention (90 days) nothing is old enough"
t_is "$(ctl audit retention --portal $P1 --days 1)" "Portal $P1 keeps its audit log for 1 day." "audit retention sets 1 day"
t_is "$(sql "SELECT retention_days FROM audit_chains WHERE portal_id = $P1")" 1 "and stores it"
t_is "$(sql "SELECT seq || ' ' || actor || ' ' || detail::text FROM audit_log WHERE portal_id = $P1 AND event = 'audit.retention_changed'")" \
    '251 operator {"to": 1, "from": 90}' "the change is an event of the portal's log, the operator's"
p2_before=$(sql "SELECT last_seq, last_hash, pruned_seq, pruned_hash, retention_days FROM audit_chains WHERE portal_id = $P2")
p2_rows=$(sql "SELECT md5(string_agg(hash::text, ',' ORDER BY seq)) FROM audit_log WHERE portal_id = $P2")
anchor=$(sql "SELECT hash FROM audit_log WHERE portal_id = $P1 AND seq = 40")
t_is "$(ctl audit prune)" "Pruned 40 audit rows." "audit prune removes the 40 old rows at the start of the chain"
t_is "$(sql "SELECT min(seq), count(*), count(*) FILTER (WHERE at < now() - interval '1 day') FROM audit_log WHERE portal_id = $P1")" \
    "41|211|6" "the old rows after recent ones stay: only the prefix goes"
t_is "$(sql "SELECT pruned_seq, pruned_hash = '$anchor', last_seq FROM audit_chains WHERE portal_id = $P1")" "40|t|251" \
    "the hash of row 40 is the chain's new anchor"
verify --portal $P1
t_is "$rc $out" "0 portal $P1: 211 rows from seq 41 to 251 intact (rows 1 to 40 were pruned)
Checked 1 chain, 211 rows: all intact." "the rest verifies from the anchor"
t_is "$(sql "SELECT last_seq, last_hash, pruned_seq, pruned_hash, retention_days FROM audit_chains WHERE portal_id = $P2")" \
    "$p2_before" "the other portal's chain record is untouched"
t_is "$(sql "SELECT md5(string_agg(hash::text, ',' ORDER BY seq)) FROM audit_log WHERE portal_id = $P2")" "$p2_rows" \
    "and so are its rows, old ones included"
t_is "$(ctl audit prune --portal $P1)" "Pruned 0 audit rows of portal $P1." "pruning again removes nothing"
gen $P1 3
verify --portal $P1
t_is "$rc $out" "0 portal $P1: 214 rows from seq 41 to 254 intact (rows 1 to 40 were pruned)
Checked 1 chain, 214 rows: all intact." "rows appended after pruning continue the chain"
ctl audit retention --portal $P2 --days 1 >/dev/null
t_is "$(ctl audit prune --portal $P2)" "Pruned 20 audit rows of portal $P2." "audit prune --portal prunes one portal"
verify
t_is "$rc $out" "0 portal $P1: 214 rows from seq 41 to 254 intact (rows 1 to 40 were pruned)
portal $P2: 131 rows from seq 21 to 151 intact (rows 1 to 20 were pruned)
Checked 2 chains, 345 rows: all intact." "both chains verify"
P3=3000003
gen $P3 10 '5 days'
ctl audit retention --portal $P3 --days 2 >/dev/null
t_is "$(ctl audit prune --portal $P3)" "Pruned 10 audit rows of portal $P3." "a chain whose rows are all old is pruned whole"
verify --portal $P3
t_is "$rc $out" "0 portal $P3: 1 row, seq 11, intact (rows 1 to 10 were pruned)
Checked 1 chain, 1 row: all intact." "a chain whose old rows were all pruned verifies from its anchor (its one row: the retention change)"
gen $P3 1
verify --portal $P3
t_is "$rc $out" "0 portal $P3: 2 rows from seq 11 to 12 intact (rows 1 to 10 were pruned)
Checked 1 chain, 2 rows: all intact." "and goes on from there"

# ---- audit retention ----
P4=3000999
t_is "$(ctl audit retention --portal $P4 --days 30)" "Portal $P4 keeps its audit log for 30 days (its audit chain was created)." \
    "a portal without a chain gets one"
t_is "$(sql "SELECT last_seq, pruned_seq, last_hash = audit_genesis($P4), pruned_hash = audit_genesis($P4), retention_days
               FROM audit_chains WHERE portal_id = $P4")" "0|0|t|t|30" "anchored at audit_genesis, as audit_append does"
verify --portal $P4
t_is "$rc $out" "0 portal $P4: no rows, intact
Checked 1 chain, 0 rows: all intact." "it verifies empty"
append "[{\"portal\":$P4,\"event\":\"portal.install\",\"actor\":\"system\"}]" >/dev/null
verify --portal $P4
t_is "$rc $out" "0 portal $P4: 1 row, seq 1, intact
Checked 1 chain, 1 row: all intact." "audit_append continues it"
t_is "$(sql "SELECT retention_days FROM audit_chains WHERE portal_id = $P4")" 30 "and keeps its retention"
t_is "$(ctl audit retention --portal $P4 --days 3650)" "Portal $P4 keeps its audit log for 3650 days." "3650 days is the most"
for bad in "--portal $P4 --days 0" "--portal $P4 --days 3651" "--portal $P4 --days x" "--portal $P4" "--days 5" "--portal 0 --days 5"; do
    # shellcheck disable=SC2086
    ctl audit retention $bad >/dev/null 2>&1
    t_is "$?" 2 "audit retention $bad: usage error"
done
t_is "$(sql "SELECT retention_days FROM audit_chains WHERE portal_id = $P4")" 3650 "none of them changed it"

# ---- tampering, each case on its own chain of 30 rows ----
case_chain() { gen "$1" 30; }

T=3000101
case_chain $T
tamper "UPDATE audit_log SET detail = jsonb_set(detail, '{rows}', '0') WHERE portal_id = $T AND seq = 7"
verify --portal $T
t_is "$rc" 1 "an altered detail: exit status 1"
t_is "$out" "portal $T: row 7 was altered or moved: its hash does not match its contents
portal $T: 30 rows from seq 1 to 30 checked: 1 problem
Checked 1 chain, 30 rows: 1 problem found." "the altered row is named, and only it"

T=3000102
case_chain $T
tamper "UPDATE audit_log SET at = at + interval '1 microsecond' WHERE portal_id = $T AND seq = 11"
verify --portal $T
t_is "$rc $(head -n 1 <<<"$out")" "1 portal $T: row 11 was altered or moved: its hash does not match its contents" \
    "a time moved by one microsecond is found"

T=3000103
case_chain $T
tamper "DELETE FROM audit_log WHERE portal_id = $T AND seq = 15"
verify --portal $T
t_is "$rc $out" "1 portal $T: row 15 is missing
portal $T: 29 rows from seq 1 to 30 checked: 1 problem
Checked 1 chain, 29 rows: 1 problem found." "a row deleted in the middle is found"

T=3000104
case_chain $T
tamper "DELETE FROM audit_log WHERE portal_id = $T AND seq BETWEEN 16 AND 18"
verify --portal $T
t_is "$rc $(head -n 1 <<<"$out")" "1 portal $T: rows 16 to 18 are missing" "three rows deleted: one problem naming them"

T=3000105
case_chain $T
tamper "DELETE FROM audit_log WHERE portal_id = $T AND seq = 30"
verify --portal $T
t_is "$rc $out" "1 portal $T: row 30 is missing: the newest row was removed (the chain records row 30 as its newest)
portal $T: 29 rows from seq 1 to 29 checked: 1 problem
Checked 1 chain, 29 rows: 1 problem found." "the newest row deleted is found"

T=3000106
case_chain $T
tamper "DELETE FROM audit_log WHERE portal_id = $T AND seq <= 3"
verify --portal $T
t_is "$rc $(head -n 1 <<<"$out")" "1 portal $T: rows 1 to 3 are missing: the oldest rows were removed without audit_prune" \
    "the oldest rows deleted without audit_prune are found"

T=3000107
case_chain $T
tamper "UPDATE audit_log SET seq = 1000 WHERE portal_id = $T AND seq = 5;
        UPDATE audit_log SET seq = 5 WHERE portal_id = $T AND seq = 12;
        UPDATE audit_log SET seq = 12 WHERE portal_id = $T AND seq = 1000"
t_is "$(sql "SELECT count(*), max(seq) FROM audit_log WHERE portal_id = $T")" "30|30" "two rows' seq swapped: no gap"
verify --portal $T
t_is "$rc $out" "1 portal $T: row 5 was altered or moved: its hash does not match its contents
portal $T: row 6 does not follow row 5: its prev_hash is not the hash of row 5 (row 5 was replaced or re-hashed)
portal $T: row 12 was altered or moved: its hash does not match its contents
portal $T: row 13 does not follow row 12: its prev_hash is not the hash of row 12 (row 12 was replaced or re-hashed)
portal $T: 30 rows from seq 1 to 30 checked: 4 problems
Checked 1 chain, 30 rows: 4 problems found." "the swapped rows are named as moved, and the rows after them as no longer following"

T=3000108
case_chain $T
tamper "UPDATE audit_log SET seq = 1000 WHERE portal_id = $T AND seq = 20;
        UPDATE audit_log SET seq = 20 WHERE portal_id = $T AND seq = 21;
        UPDATE audit_log SET seq = 21 WHERE portal_id = $T AND seq = 1000"
verify --portal $T
t_is "$rc $out" "1 portal $T: row 20 was altered or moved: its hash does not match its contents
portal $T: row 21 was altered or moved: its hash does not match its contents
portal $T: row 22 does not follow row 21: its prev_hash is not the hash of row 21 (row 21 was replaced or re-hashed)
portal $T: 30 rows from seq 1 to 30 checked: 3 problems
Checked 1 chain, 30 rows: 3 problems found." "two neighbours swapped: both named"

T=3000109
case_chain $T
tamper "UPDATE audit_log SET detail = '{\"rows\":0}' WHERE portal_id = $T AND seq = 8;
        UPDATE audit_log SET hash = audit_row_hash(prev_hash, portal_id, seq, at, event, actor, user_id, data_source_id, token_id, detail)
         WHERE portal_id = $T AND seq = 8"
verify --portal $T
t_is "$rc $out" "1 portal $T: row 9 does not follow row 8: its prev_hash is not the hash of row 8 (row 8 was replaced or re-hashed)
portal $T: 30 rows from seq 1 to 30 checked: 1 problem
Checked 1 chain, 30 rows: 1 problem found." "a row changed and re-hashed breaks the link to the next"

T=3000110
case_chain $T
tamper "UPDATE audit_log SET actor = 'system' WHERE portal_id = $T AND seq = 30;
        UPDATE audit_log SET hash = audit_row_hash(prev_hash, portal_id, seq, at, event, actor, user_id, data_source_id, token_id, detail)
         WHERE portal_id = $T AND seq = 30"
verify --portal $T
t_is "$rc $(head -n 1 <<<"$out")" "1 portal $T: row 30 is not the newest row the chain records: its hash is not audit_chains.last_hash (the row was replaced and re-hashed, or the record was changed)" \
    "the newest row changed and re-hashed is found"

T=3000111
case_chain $T
sql "INSERT INTO audit_log SELECT portal_id, 31, now(), 'feed.read', 'system', NULL::bigint, NULL::bigint, NULL::bigint, '{}'::jsonb,
            hash, audit_row_hash(hash, portal_id, 31, now(), 'feed.read', 'system', NULL, NULL, NULL, '{}')
       FROM audit_log WHERE portal_id = $T AND seq = 30"
verify --portal $T
t_is "$rc $(head -n 1 <<<"$out")" "1 portal $T: row 31 is past the newest row the chain records (row 30): it was not added by audit_append" \
    "a row inserted past the newest, well hashed, is found"

T=3000112
case_chain $T
sql "ALTER TABLE audit_chains DISABLE TRIGGER USER; DELETE FROM audit_chains WHERE portal_id = $T;
     ALTER TABLE audit_chains ENABLE TRIGGER USER"
verify --portal $T
t_is "$rc $out" "1 portal $T: rows 1 to 30 belong to no chain: audit_chains has no row for this portal, so they cannot be checked
Checked 0 chains, 0 rows: 1 problem found." "rows without a chain record are found"

T=3000113
case_chain $T
tamper "UPDATE audit_log SET prev_hash = sha256('x') WHERE portal_id = $T AND seq = 1;
        UPDATE audit_log SET hash = audit_row_hash(prev_hash, portal_id, seq, at, event, actor, user_id, data_source_id, token_id, detail)
         WHERE portal_id = $T AND seq = 1"
verify --portal $T
t_is "$rc $(head -n 1 <<<"$out")" "1 portal $T: row 1, the first, does not follow the chain's start: its prev_hash is not audit_genesis($T)" \
    "a first row that does not follow the chain's start is found"

# ---- a long chain: batches of 5,000 rows ----
B=3000200
gen $B 12000
verify --portal $B
t_is "$rc $out" "0 portal $B: 12000 rows from seq 1 to 12000 intact
Checked 1 chain, 12000 rows: all intact." "12,000 rows verify, read in batches"
# the first batch ends at 5000; without row 5001 the second one holds 5002-10001, the third starts at 10002
tamper "DELETE FROM audit_log WHERE portal_id = $B AND seq = 5001;
        UPDATE audit_log SET detail = '{}' WHERE portal_id = $B AND seq = 10001;
        UPDATE audit_log SET hash = audit_row_hash(prev_hash, portal_id, seq, at, event, actor, user_id, data_source_id, token_id, detail)
         WHERE portal_id = $B AND seq = 10001"
verify --portal $B
t_is "$rc $out" "1 portal $B: row 5001 is missing
portal $B: row 10002 does not follow row 10001: its prev_hash is not the hash of row 10001 (row 10001 was replaced or re-hashed)
portal $B: 11999 rows from seq 1 to 12000 checked: 2 problems
Checked 1 chain, 11999 rows: 2 problems found." "damage across batch boundaries is found"

# ---- everything at once ----
verify
t_is "$rc" 1 "audit verify of every chain: exit status 1"
t_is "$(grep -c ': .* intact' <<<"$out")" 4 "the four intact chains say so"
grep -q "^portal $P1: 214 rows from seq 41 to 254 intact (rows 1 to 40 were pruned)$" <<<"$out"; t_ok $? "among them the pruned one"
t_is "$(grep -c 'checked: ' <<<"$out")" 13 "each damaged chain has its line"
t_is "$(tail -n 1 <<<"$out")" "Checked 17 chains, 12701 rows: 21 problems found." "the summary counts chains, rows and problems"
t_is "$(sql "SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('audit_log'::regclass, 'audit_chains'::regclass) AND tgenabled = 'O'")" 5 \
    "the triggers are enabled again"

T=3000114
gen $T 150
tamper "UPDATE audit_log SET detail = '{}' WHERE portal_id = $T"
verify --portal $T
t_is "$rc $(grep -c 'was altered' <<<"$out")" "1 100" "a chain damaged throughout: 100 problems are shown"
t_is "$(tail -n 3 <<<"$out")" "portal $T: 50 more problems not shown
portal $T: 150 rows from seq 1 to 150 checked: 150 problems
Checked 1 chain, 150 rows: 150 problems found." "and the rest counted"

# ---- the command line ----
t_is "$(ctl --help | grep -c '^  audit ')" 3 "the usage lists the three audit commands"
t_is "$(ctl audit --help | grep -c '^  gatewayctl audit ')" 3 "gatewayctl audit --help lists them"
for c in verify prune retention; do
    ctl audit $c --help | head -n 1 | grep -q "^Usage: gatewayctl audit $c"; t_ok $? "gatewayctl audit $c --help"
done
ctl audit verify --portal x >/dev/null 2>&1
t_is "$?" 2 "audit verify --portal x: usage error"
ctl audit prune --days 3 >/dev/null 2>&1
t_is "$?" 2 "audit prune with an unknown option: usage error"
msg=$(ctl --database "host=$GW_TEST_PGDIR/run user=gateway dbname=it_auditchain_none" audit verify 2>&1)
t_is "$?" 1 "audit verify without a database: exit status 1"
[[ $msg == "gatewayctl: cannot connect to the database"* ]]; t_ok $? "with one line saying why"

t_done
