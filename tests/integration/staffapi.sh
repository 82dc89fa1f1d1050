#!/usr/bin/env bash
# The support staff's API: a login with a password and a single-use TOTP code (a login without the
# second factor fails), sessions, the lock after ten failures, disabled accounts; staff read any
# portal's audit log (filtered, paged, exported) and nothing else, and every read is recorded in that
# portal's log first. Portal admins read only their own portal's log.
. "$(dirname "$0")/lib.sh"

it_setup it_staffapi
PORTAL=$GW_TEST_SIM_PORTAL
OTHER=4100001
PW='correct horse battery staple'

add_staff() { # add_staff LOGIN: the account's TOTP secret in $SECRET
    SECRET=$(printf '%s\n' "$PW" | ctl staff add --login "$1" 2>/dev/null | sed -n 's/^TOTP secret: //p')
}
code() { ctl staff totp --secret "$SECRET" --at "$(($(date +%s) + ${1:-0}))"; }
login() { # login LOGIN PASSWORD CODE: prints the status; the body is in $T_DIR/b
    http POST "$GW_URL/staff/api/login" -H 'Content-Type: application/json' \
        --data-raw "$(jq -nc --arg l "$1" --arg p "$2" --arg c "$3" '{login: $l, password: $p, code: $c}')"
}
staff() { # staff METHOD PATH TOKEN
    http "$1" "$GW_URL/staff/api$2" -H "Authorization: Bearer $3"
}

add_staff support1
t_ok "$([[ $SECRET =~ ^[A-Z2-7]{32}$ ]] && echo 0 || echo 1)" "gatewayctl staff add prints a TOTP secret"

# ---- the login ----
st=$(login support1 "$PW" "")
t_is "$st $(jq -r .error.code "$T_DIR/b")" "401 LoginFailed" "no second factor: refused"
st=$(http POST "$GW_URL/staff/api/login" -H 'Content-Type: application/json' --data-raw "{\"login\":\"support1\",\"password\":\"$PW\"}")
t_is "$st $(jq -r .error.code "$T_DIR/b")" "400 InvalidRequest" "no code at all: refused"
c=$(code)
wrong=$(printf '%06d' $(((10#$c + 1) % 1000000)))
st=$(login support1 "$PW" "$wrong")
t_is "$st $(jq -r .error.code "$T_DIR/b")" "401 LoginFailed" "a wrong code: refused"
st=$(login support1 "not the password at all" "$c")
t_is "$st $(jq -r .error.code "$T_DIR/b")" "401 LoginFailed" "a wrong password: refused, with the same answer"
st=$(login nobody "$PW" "$c")
t_is "$st $(jq -r .error.code "$T_DIR/b")" "401 LoginFailed" "an unknown login: the same answer"
t_is "$(sql "SELECT failed_logins FROM staff_accounts WHERE login = 'support1'")" 2 "failures are counted"
st=$(login support1 "$PW" "$c")
TOK=$(jq -r .token "$T_DIR/b")
t_is "$st $(jq -r '[.login, .expiresIn] | join(" ")' "$T_DIR/b")" "200 support1 3600" "the password and the code: a session"
t_ok "$([[ $TOK == hsst_* ]] && echo 0 || echo 1)" "a staff session token with its prefix"
t_is "$(sql "SELECT failed_logins FROM staff_accounts WHERE login = 'support1'")" 0 "a success clears the failures"
t_is "$(sql "SELECT count(*) FROM staff_sessions WHERE token_hash = sha256(convert_to('$TOK', 'UTF8'))")" 1 \
    "only the session's SHA-256 is stored"
st=$(login support1 "$PW" "$c")
t_is "$st" 401 "the same code again: refused (a code counts once)"
grep -q 'correct horse' "$T_DIR/gateway.log"
t_ok $((1 - $?)) "the password is nowhere in the gateway's log"

# ---- what staff read ----
sql "SELECT audit_append('[{\"portal\":$OTHER,\"event\":\"token.minted\",\"actor\":\"user:9\",\"user\":9,\"token\":77,\"detail\":{\"name\":\"other\"}}]')" >/dev/null
http GET "$GW_URL/odata/$DS/contacts?\$top=2" -H "Authorization: Bearer $TOKEN" >/dev/null
for i in $(seq 50); do
    [ "$(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL AND event = 'feed.request'")" -ge 1 ] && break
    sleep 0.1
done
st=$(staff GET /portals "$TOK")
t_is "$st $(jq -c "[.value[] | select(.portalId == $PORTAL or .portalId == $OTHER) | [.portalId, .installed]]" "$T_DIR/b")" \
    "200 [[$PORTAL,true],[$OTHER,false]]" "staff list the portals, installed or with a log left"
st=$(staff GET "/portals/$PORTAL/audit" "$TOK")
t_is "$st $(jq -r '.value[0] | [.event, .actor] | join(" ")' "$T_DIR/b")" "200 audit.read_by_staff staff:support1" \
    "staff read a portal's log: their read is its newest row"
t_ok "$(jq -e '[.value[].event] | index("feed.request") != null' "$T_DIR/b" >/dev/null && echo 0 || echo 1)" "with the portal's events"
t_is "$(grep -c -- "$TOKEN" "$T_DIR/b")" 0 "and no token in it (only tokens' display prefixes)"
st=$(staff GET "/portals/$OTHER/audit?event=token.*" "$TOK")
t_is "$st $(jq -c '[.value[] | [.event, .tokenId]]' "$T_DIR/b")" '200 [["token.minted",77]]' \
    "another portal's log, filtered (the read itself is not a token event)"
t_is "$(sql "SELECT detail::text FROM audit_log WHERE portal_id = $OTHER AND event = 'audit.read_by_staff'")" \
    '{"export": false, "filters": {"event": "token.*"}}' "the read is recorded with its filters, as given"
st=$(staff GET "/portals/$PORTAL/audit/export?event=feed.request" "$TOK")
t_is "$st $(head -n 1 "$T_DIR/b" | tr -d '\r') $(tail -n +2 "$T_DIR/b" | grep -c ',feed.request,')" \
    "200 seq,at,event,actor,user_id,data_source_id,token_id,detail $(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL AND event = 'feed.request'")" \
    "staff export a portal's log as CSV"
t_is "$(sql "SELECT count(*) FROM audit_log WHERE portal_id = $PORTAL AND event = 'audit.read_by_staff' AND detail->>'export' = 'true'")" 1 \
    "the export is recorded"
st=$(staff GET "/portals/999999/audit" "$TOK")
t_is "$st $(sql "SELECT count(*) FROM audit_chains WHERE portal_id = 999999")" "404 0" "a portal that never was: 404, and no log made for it"
st=$(staff GET "/portals/$PORTAL/audit?limit=0" "$TOK")
t_is "$st" 400 "a bad filter: 400"
t_is "$(staff GET /portals "")" 401 "without a session: 401"
t_is "$(staff GET /portals "hsst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")" 401 "with an unknown session: 401"

# ---- staff read the audit log and nothing else; admins read their own portal's only ----
for p in /api/v1/datasources /api/v1/tokens /api/v1/audit /api/v1/users; do
    t_is "$(http GET "$GW_URL$p" -H "Authorization: Bearer $TOK")" 401 "a staff session does not open $p"
done
t_is "$(http GET "$GW_URL/odata/$DS/contacts" -H "Authorization: Bearer $TOK")" 401 "nor a feed"
out=$(ctl launch --portal "$PORTAL" --user 1)
http POST "$GW_URL/api/v1/session" -H 'Content-Type: application/json' --data-raw "{\"launchCode\":\"${out#*#launch=}\"}" >/dev/null
ADMIN=$(jq -r .token "$T_DIR/b")
t_is "$(staff GET /portals "$ADMIN")" 401 "an admin's session does not open the staff API"
http GET "$GW_URL/api/v1/audit?limit=500" -H "Authorization: Bearer $ADMIN" >/dev/null
t_is "$(jq -c '[.value[] | select(.event == "token.minted" and .tokenId == 77)] | length' "$T_DIR/b")" 0 \
    "a portal admin never sees another portal's events"

# ---- sign out, disabled accounts, the lock ----
t_is "$(staff POST /logout "$TOK")" 204 "sign out"
t_is "$(staff GET /portals "$TOK")" 401 "the session is gone"
add_staff support2
st=$(login support2 "$PW" "$(code)")
TOK2=$(jq -r .token "$T_DIR/b")
t_is "$st" 200 "a second staff member signs in"
ctl staff disable --login support2 >/dev/null
t_is "$(staff GET /portals "$TOK2")" 401 "disabling the account ends its session"
t_is "$(login support2 "$PW" "$(code 30)")" 401 "and it cannot sign in"
add_staff support3
for i in $(seq 10); do login support3 "wrong password $i" "$(code)" >/dev/null; done
t_is "$(login support3 "$PW" "$(code)") $(sql "SELECT locked_until > now() FROM staff_accounts WHERE login = 'support3'")" "401 t" \
    "ten failures in a row lock the account: even the right password and code are refused"
grep -q 'locked for 15 minutes' "$T_DIR/gateway.log"
t_ok $? "the lock is logged"

t_done
