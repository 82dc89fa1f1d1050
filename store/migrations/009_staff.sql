-- Support staff, who read portals' audit logs through the staff view. Their accounts are made by the
-- operator (gatewayctl staff add) and are not HubSpot users: they sign in with a password and a TOTP
-- code. Only an scrypt hash of the password is kept, and the TOTP secret is sealed with the master keys
-- (store_staff_totp_seal: AES-256-GCM, bound to the login, so a secret copied to another row does not
-- open).

CREATE TABLE staff_accounts (
    login           text PRIMARY KEY CHECK (login ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    -- store_staff_password_hash's text: scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>
    password_hash   text NOT NULL CHECK (password_hash ~ '^scrypt\$' AND octet_length(password_hash) < 256),
    -- the TOTP secret sealed with the master keyring (version, key id, nonce, ciphertext, tag)
    totp_secret_enc bytea NOT NULL CHECK (octet_length(totp_secret_enc) > 33),
    totp_last_step  bigint NOT NULL DEFAULT 0 CHECK (totp_last_step >= 0),  -- the last time step accepted: a code is never accepted twice
    failed_logins   integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),  -- consecutive failures
    locked_until    timestamptz,                                            -- set after 10 consecutive failures, for 15 minutes
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz                                             -- a disabled account cannot sign in
);

-- Signed-in staff. Only the SHA-256 of a session token is kept.
CREATE TABLE staff_sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    login      text NOT NULL REFERENCES staff_accounts(login) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL CHECK (expires_at > created_at)
);
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);
CREATE INDEX staff_sessions_login ON staff_sessions (login);
