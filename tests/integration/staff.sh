#!/usr/bin/env bash
# Support staff accounts through gatewayctl: staff add prints the TOTP secret once (base32 and an otpauth
# URI) and stores neither it nor the password in clear (a dump of the tables holds neither); the stored
# hash is scrypt of the password (checked with openssl kdf) and the stored secret opens with the master
# key, bound to its login; staff totp gives RFC 6238 codes equal to an independent computation (openssl
# dgst); a login that exists is refused and --reset replaces the credentials, clears the lock and ends
# the sessions; staff list and staff disable; bad logins and passwords out of bounds are refused. No
# gateway is started.
. "$(dirname "$0")/lib.sh"

it_fresh_db it_staff
trap 'rm -rf "$T_DIR"' EXIT
PW='correct horse battery staple'
ISSUER='HubSpot%20OData%20gateway'

# add LOGIN [ARGS]: staff add with $PW on standard input; stdout in $out, stderr in $err, status in $rc
add() {
    out=$(printf '%s\n' "${ADD_PW-$PW}" | ctl staff add --login "$@" 2>"$T_DIR/err")
    rc=$?
    err=$(cat "$T_DIR/err")
}
hex() { od -An -tx1 | tr -d ' \n'; }
# totp_ref HEXKEY TIME: the RFC 6238 code computed with openssl's HMAC-SHA1, not the gateway's code
totp_ref() {
    local mac off bin
    mac=$(printf "$(printf '%016x' $(($2 / 30)) | sed 's/../\\x&/g')" | openssl dgst -sha1 -mac HMAC -macopt "hexkey:$1" -r | cut -c1-40)
    off=$((16#${mac:39:1}))
    bin=$((16#${mac:$((off * 2)):8} & 0x7fffffff))
    printf '%06d' $((bin % 1000000))
}
# the bytes before the first NUL of a hex string (the test helper unseal prints a C string)
cut_at_nul() {
    local h=$1 i
    for ((i = 0; i < ${#h}; i += 2)); do [ "${h:i:2}" = 00 ] && break; done
    echo "${h:0:i}"
}
dump() { pg_dump -h "$GW_TEST_PGDIR/run" -U gateway --data-only -t staff_accounts -t staff_sessions "$T_DB"; }

# ---- staff add ----
add support.anne
SECRET=$(sed -n 's/^TOTP secret: //p' <<<"$out")
t_is "$rc" 0 "staff add: exit status 0"
t_ok "$([[ $SECRET =~ ^[A-Z2-7]{32}$ ]]; echo $?)" "the secret: 20 bytes in base32, 32 characters A-Z 2-7"
t_is "$out" "Staff account support.anne created.
TOTP secret: $SECRET
TOTP URI: otpauth://totp/$ISSUER:support.anne?secret=$SECRET&issuer=$ISSUER&algorithm=SHA1&digits=6&period=30" \
    "it prints the account, the secret and the otpauth URI"
t_is "$err" "The TOTP secret is shown once: add it to the staff member's authenticator app now, it cannot be shown again." \
    "and says that the secret is shown once"
SECRET_HEX=$(base32 -d <<<"$SECRET" | hex)
t_is "${#SECRET_HEX}" 40 "the secret decodes to 20 bytes"

t_is "$(sql "SELECT login, password_hash ~ '^scrypt[\$]15[\$]8[\$]1[\$][A-Za-z0-9+/]{22}==[\$][A-Za-z0-9+/]{43}=\$',
                    octet_length(totp_secret_enc), totp_last_step, failed_logins, locked_until IS NULL, disabled_at IS NULL,
                    created_at > now() - interval '1 minute'
               FROM staff_accounts")" "support.anne|t|66|0|0|t|t|t" \
    "one row: an scrypt hash (N 2^15, r 8, p 1), a sealed secret of 66 bytes (17 + 'support.anne\\n' + 20 + 16), no failures"
dump >"$T_DIR/dump.sql"
t_ok "$(grep -q 'support.anne' "$T_DIR/dump.sql"; echo $?)" "the dump of the staff tables holds the row"
PW_HEX=$(printf '%s' "$PW" | hex)
for needle in "$PW" "$SECRET" "${SECRET,,}" "$SECRET_HEX" "$PW_HEX" "$(printf '%s' "$PW" | base64)"; do
    t_ok "$(grep -qiF -- "$needle" "$T_DIR/dump.sql"; [ $? -eq 1 ]; echo $?)" "the dump does not hold '${needle:0:12}...'"
done

# the hash is scrypt of the password with the stored salt, as OpenSSL's own kdf command computes it
IFS='$' read -r _ logn r p salt hash <<<"$(sql "SELECT password_hash FROM staff_accounts WHERE login = 'support.anne'")"
want=$(openssl kdf -keylen 32 -kdfopt "pass:$PW" -kdfopt "hexsalt:$(base64 -d <<<"$salt" | hex)" -kdfopt "n:$((1 << logn))" \
    -kdfopt "r:$r" -kdfopt "p:$p" -kdfopt maxmem_bytes:67108864 SCRYPT | tr -d ':\n' | tr 'A-F' 'a-f')
t_is "$(base64 -d <<<"$hash" | hex)" "$want" "the stored hash is scrypt(password, salt, 2^$logn, $r, $p)"
t_is "$(base64 -d <<<"$salt" | wc -c) $(base64 -d <<<"$hash" | wc -c)" "16 32" "a 16-byte salt, a 32-byte hash"

# the sealed secret: store_seal with portal id 0 over "support.anne\n<secret>", with the master key
got=$(sql "SELECT totp_secret_enc FROM staff_accounts WHERE login = 'support.anne'" |
    "$GW_BUILD_DIR/tests/unseal" "$GATEWAY_MASTER_KEY_FILE" 0 | hex)
t_is "$got" "$(printf 'support.anne\n' | hex)$(cut_at_nul "$SECRET_HEX")0a" "the stored secret opens with the master key to the login and the secret"
# (unseal leaves its keyring to the exit when it fails: no leak report under ASan)
sql "SELECT totp_secret_enc FROM staff_accounts WHERE login = 'support.anne'" |
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$GW_BUILD_DIR/tests/unseal" "$GATEWAY_MASTER_KEY_FILE" 1 >/dev/null 2>&1
t_is "$?" 1 "it does not open as a portal's secret"

# ---- staff totp ----
for at in 59 1111111109 1234567890 1700000000 1700000029 1700000030 2000000000 20000000000; do
    t_is "$(ctl staff totp --secret "$SECRET" --at $at)" "$(totp_ref "$SECRET_HEX" $at)" "staff totp at $at: the code openssl computes"
done
RFC=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ # "12345678901234567890"
t_is "$(for at in 59 1111111109 1111111111 1234567890 2000000000 20000000000; do ctl staff totp --secret $RFC --at $at; done | tr '\n' ' ')" \
    "287082 081804 050471 005924 279037 353130 " "staff totp gives RFC 6238's SHA1 codes (their last 6 digits)"
before=$(totp_ref "$SECRET_HEX" "$(date +%s)")
now=$(ctl staff totp --secret "$SECRET")
after=$(totp_ref "$SECRET_HEX" "$(date +%s)")
t_ok "$([ "$now" = "$before" ] || [ "$now" = "$after" ]; echo $?)" "without --at: the current code"
t_is "$(ctl staff totp --secret "${SECRET,,}" --at 1700000000)" "$(totp_ref "$SECRET_HEX" 1700000000)" "a lower-case secret gives the same code"
t_is "$(printf '%s\n' "$SECRET" | ctl staff totp --secret - --at 1700000000)" "$(totp_ref "$SECRET_HEX" 1700000000)" \
    "so does the secret on standard input"
ctl staff totp --secret 'GEZ1GNBV' --at 59 >/dev/null 2>&1
t_is "$?" 2 "a secret that is not base32 is a usage error"
ctl staff totp --at 59 >/dev/null 2>&1
t_is "$?" 2 "--secret is required"

# ---- a login that exists ----
row=$(sql "SELECT password_hash, totp_secret_enc FROM staff_accounts")
ADD_PW='another long password' add support.anne
t_is "$rc $out" "1 " "staff add of an existing login: exit status 1, nothing printed"
t_is "$err" "gatewayctl: there is already a staff account 'support.anne' (--reset replaces its password and TOTP secret)" \
    "a clear message"
t_is "$(sql "SELECT password_hash, totp_secret_enc FROM staff_accounts")" "$row" "the account is unchanged"

# ---- --reset ----
old_hash=$(sql "SELECT password_hash FROM staff_accounts WHERE login = 'support.anne'")
old_blob=$(sql "SELECT encode(totp_secret_enc, 'hex') FROM staff_accounts WHERE login = 'support.anne'")
add support.bob
BOB_SECRET=$(sed -n 's/^TOTP secret: //p' <<<"$out")
sql "INSERT INTO staff_sessions (token_hash, login, created_at, expires_at) VALUES
       (sha256('a1'), 'support.anne', now(), now() + interval '1 hour'),
       (sha256('a2'), 'support.anne', now() - interval '2 hours', now() - interval '1 hour'),
       (sha256('b1'), 'support.bob', now(), now() + interval '1 hour');
     UPDATE staff_accounts SET failed_logins = 10, locked_until = now() + interval '15 minutes', totp_last_step = 56666666
      WHERE login = 'support.anne'"
ADD_PW='another long password' add support.anne --reset
NEW_SECRET=$(sed -n 's/^TOTP secret: //p' <<<"$out")
t_is "$rc" 0 "staff add --reset: exit status 0"
t_is "$out" "Staff account support.anne reset: new password and TOTP secret; 2 sessions removed.
TOTP secret: $NEW_SECRET
TOTP URI: otpauth://totp/$ISSUER:support.anne?secret=$NEW_SECRET&issuer=$ISSUER&algorithm=SHA1&digits=6&period=30" \
    "it prints the new secret and the sessions removed"
t_ok "$([[ $NEW_SECRET =~ ^[A-Z2-7]{32}$ ]] && [ "$NEW_SECRET" != "$SECRET" ]; echo $?)" "a new secret"
t_is "$(sql "SELECT password_hash <> '$old_hash', encode(totp_secret_enc, 'hex') <> '$old_blob', failed_logins,
                    locked_until IS NULL, totp_last_step, disabled_at IS NULL
               FROM staff_accounts WHERE login = 'support.anne'")" "t|t|0|t|0|t" \
    "new hash and sealed secret; failures, lock and last TOTP step cleared"
t_is "$(sql "SELECT login FROM staff_sessions ORDER BY 1")" "support.bob" "its sessions are gone, not the other account's"
IFS='$' read -r _ logn r p salt hash <<<"$(sql "SELECT password_hash FROM staff_accounts WHERE login = 'support.anne'")"
t_is "$(base64 -d <<<"$hash" | hex)" "$(openssl kdf -keylen 32 -kdfopt 'pass:another long password' \
    -kdfopt "hexsalt:$(base64 -d <<<"$salt" | hex)" -kdfopt "n:$((1 << logn))" -kdfopt "r:$r" -kdfopt "p:$p" \
    -kdfopt maxmem_bytes:67108864 SCRYPT | tr -d ':\n' | tr 'A-F' 'a-f')" "the new hash is of the new password"
got=$(sql "SELECT totp_secret_enc FROM staff_accounts WHERE login = 'support.anne'" |
    "$GW_BUILD_DIR/tests/unseal" "$GATEWAY_MASTER_KEY_FILE" 0 | hex)
t_is "$got" "$(printf 'support.anne\n' | hex)$(cut_at_nul "$(base32 -d <<<"$NEW_SECRET" | hex)")0a" "the stored secret is the new one"
dump >"$T_DIR/dump.sql"
for needle in 'another long password' "$NEW_SECRET" "$(base32 -d <<<"$NEW_SECRET" | hex)" "$BOB_SECRET"; do
    t_ok "$(grep -qiF -- "$needle" "$T_DIR/dump.sql"; [ $? -eq 1 ]; echo $?)" "the dump does not hold '${needle:0:12}...'"
done
add support.carol --reset
t_is "$rc $err" "1 gatewayctl: there is no staff account 'support.carol'" "--reset of a login that does not exist: exit status 1"
t_is "$(sql "SELECT count(*) FROM staff_accounts WHERE login = 'support.carol'")" 0 "and no account is made"

# ---- staff list ----
sql "UPDATE staff_accounts SET failed_logins = 3, locked_until = now() - interval '1 minute' WHERE login = 'support.bob'"
list=$(ctl staff list)
t_is "$?" 0 "staff list: exit status 0"
t_is "$(awk 'NR == 1' <<<"$list" | tr -s ' ')" "LOGIN STATUS CREATED DISABLED LOCKED UNTIL FAILED LOGINS SESSIONS" "the header"
t_is "$(awk 'NR > 1 { print $1, $2, $4, $5, $6, $7 }' <<<"$list")" "support.anne active - - 0 0
support.bob active - - 3 1" "a row per account: status, no lock (bob's is over), failed logins, live sessions"
t_is "$(awk 'NR > 1 { print $3 }' <<<"$list" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$')" 2 \
    "creation times in UTC"
t_is "$(ctl staff list --json | jq -c '[.[] | [.login, .status, .disabled_at, .locked_until, .failed_logins, .sessions, (keys | join(","))]]')" \
    '[["support.anne","active",null,null,0,0,"created_at,disabled_at,failed_logins,locked_until,login,sessions,status"],["support.bob","active",null,null,3,1,"created_at,disabled_at,failed_logins,locked_until,login,sessions,status"]]' \
    "staff list --json: the same fields, no others"
sql "UPDATE staff_accounts SET locked_until = now() + interval '10 minutes' WHERE login = 'support.bob'"
t_is "$(ctl staff list | awk '$1 == "support.bob" { print $5 }' | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$')" 1 \
    "a lock not yet over shows its end"
t_ok "$({ ctl staff list; ctl staff list --json; } | grep -qiE "scrypt|$SECRET|$NEW_SECRET|$BOB_SECRET"; [ $? -eq 1 ]; echo $?)" \
    "the list shows no hash and no secret"

# ---- staff disable ----
out=$(ctl staff disable --login support.bob 2>&1)
t_is "$? $out" "0 Staff account support.bob disabled; 1 session removed." "staff disable: exit status 0, the sessions removed"
t_is "$(sql "SELECT login, disabled_at IS NOT NULL FROM staff_accounts ORDER BY 1" | tr '\n' ' ')" "support.anne|f support.bob|t " \
    "disabled_at is set, on that account only"
t_is "$(sql "SELECT count(*) FROM staff_sessions WHERE login = 'support.bob'")" 0 "its sessions are gone"
first=$(sql "SELECT disabled_at FROM staff_accounts WHERE login = 'support.bob'")
sql "INSERT INTO staff_sessions (token_hash, login, expires_at) VALUES (sha256('b2'), 'support.bob', now() + interval '1 hour')"
out=$(ctl staff disable --login support.bob 2>&1)
t_is "$? $out" "0 Staff account support.bob was already disabled; 1 session removed." "disabling it again: still status 0"
t_is "$(sql "SELECT disabled_at FROM staff_accounts WHERE login = 'support.bob'")" "$first" "the first disabling time is kept"
t_is "$(ctl staff list --json | jq -r '.[] | "\(.login) \(.status) \(.disabled_at != null) \(.sessions)"' | tr '\n' ' ')" \
    "support.anne active false 0 support.bob disabled true 0 " "staff list shows it disabled"
out=$(ctl staff disable --login support.nobody 2>&1)
t_is "$? $out" "1 gatewayctl: there is no staff account 'support.nobody'" "disabling a login that does not exist: exit status 1"
ADD_PW='a third long password' add support.bob --reset
t_is "$rc $(sed -n 2p <<<"$err")" "0 Staff account support.bob is disabled: it cannot sign in." "--reset of a disabled account says it stays disabled"
t_is "$(sql "SELECT disabled_at FROM staff_accounts WHERE login = 'support.bob'")" "$first" "and it does"

# ---- bad logins ----
long=$(printf 'a%.0s' {1..65})
for login in Anne .anne -anne _anne 'an ne' 'anne@example.com' 'ann/e' "$long" ''; do
    add "$login"
    t_is "$rc $out" "2 " "login '${login:0:20}' is refused with a usage error"
done
t_ok "$(grep -q -- '--login must be 1 to 64 characters' <<<"$err"; echo $?)" "the message says what a login may be"
ctl staff add </dev/null >/dev/null 2>&1
t_is "$?" 2 "--login is required"
ctl staff disable --login 'Support.Bob' >/dev/null 2>&1
t_is "$?" 2 "staff disable refuses a bad login too"
add "a${long:0:63}"
t_is "$rc" 0 "a login of 64 characters is accepted"
sql "INSERT INTO staff_accounts (login, password_hash, totp_secret_enc) VALUES ('Bad', 'scrypt\$x', decode(repeat('00', 40), 'hex'))" \
    2>"$T_DIR/err"
t_is "$? $(grep -c staff_accounts_login_check "$T_DIR/err")" "1 1" "the schema refuses a bad login too"

# ---- passwords out of bounds ----
n=$(sql "SELECT count(*) FROM staff_accounts")
ADD_PW='12345678901' add support.dave
t_is "$rc $out $err" "1  gatewayctl: the password must be 12 to 1024 bytes" "a password of 11 bytes is refused"
ADD_PW='' add support.dave
t_is "$rc $out $err" "1  gatewayctl: standard input gave an empty value" "an empty password is refused"
ADD_PW=$(printf 'x%.0s' {1..1025}) add support.dave
t_is "$rc $out" "1 " "a password of 1025 bytes is refused"
ctl staff add --login support.dave </dev/null >/dev/null 2>&1
t_is "$?" 1 "no password at all is refused"
t_is "$(sql "SELECT count(*) FROM staff_accounts")" "$n" "none of them made an account"
ADD_PW='123456789012' add support.dave
t_is "$rc" 0 "a password of 12 bytes is accepted"
ADD_PW=$(printf 'x%.0s' {1..1024}) add support.erin
t_is "$rc" 0 "a password of 1024 bytes is accepted"
GATEWAY_MASTER_KEY_FILE=$T_DIR/missing.key add support.frank
t_is "$rc $(grep -c 'cannot open master key file' <<<"$err")" "1 1" "without the master key nothing is made"

t_done
