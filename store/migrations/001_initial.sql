-- The gateway's tables. Every table is scoped by portal (the HubSpot hub id). No HubSpot record
-- value is stored anywhere: only definitions, hashes, encrypted grants and request metadata.

CREATE TABLE portals (
    id                   bigint PRIMARY KEY CHECK (id > 0),          -- HubSpot hub id
    hub_domain           text,
    scopes               text[] NOT NULL DEFAULT '{}',
    installed_by_user_id bigint,                                      -- HubSpot user id of the installer
    refresh_token_key_id integer NOT NULL,                            -- master key used to seal it
    refresh_token_enc    bytea NOT NULL,                              -- AES-256-GCM blob, portal id as AAD
    needs_reauth         boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_sources (
    portal_id     bigint NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_user_id bigint NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- {"objects":[{"object":"contacts","properties":["email",...]}], "filter": "<$filter text>" | null}
    -- an empty or missing "properties" list means every property of the object
    definition    jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (portal_id, name)
);
CREATE INDEX data_sources_owner ON data_sources (portal_id, owner_user_id);

CREATE TABLE data_source_shares (
    portal_id      bigint NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    data_source_id bigint NOT NULL REFERENCES data_sources(id) ON DELETE CASCADE,
    principal_kind text NOT NULL CHECK (principal_kind IN ('user', 'team')),
    principal_id   bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (data_source_id, principal_kind, principal_id)
);
CREATE INDEX data_source_shares_principal ON data_source_shares (portal_id, principal_kind, principal_id);

CREATE TABLE access_tokens (
    portal_id      bigint NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_user_id  bigint NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_hash     bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),  -- SHA-256 of the token
    display_prefix text NOT NULL CHECK (length(display_prefix) <= 16),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    revoked_by     bigint
);
CREATE INDEX access_tokens_owner ON access_tokens (portal_id, owner_user_id);

-- Filled by the audit issue: append-only, hash-chained per portal, request metadata only.
CREATE TABLE audit_log (
    portal_id  bigint NOT NULL,
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text,
    event      text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}',
    prev_hash  bytea,
    hash       bytea
);
CREATE INDEX audit_log_portal_at ON audit_log (portal_id, at);
