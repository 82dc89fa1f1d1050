-- Who is using the connector's UI. HubSpot's app card asks for a launch (a request signed with the
-- app's secret, naming the portal and the user); the gateway answers with a one-time launch code that
-- the UI page exchanges for a short-lived session token. Only SHA-256 hashes of codes and tokens are
-- kept.

CREATE TABLE launch_codes (
    portal_id  bigint NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    code_hash  bytea PRIMARY KEY CHECK (length(code_hash) = 32),
    user_id    bigint NOT NULL CHECK (user_id > 0),  -- HubSpot user id
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX launch_codes_expires ON launch_codes (expires_at);

CREATE TABLE sessions (
    portal_id  bigint NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    bigint NOT NULL CHECK (user_id > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Signed requests seen while their timestamp is still accepted: the same signature twice is a replay.
CREATE TABLE signed_requests (
    signature_hash bytea PRIMARY KEY CHECK (length(signature_hash) = 32),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX signed_requests_expires ON signed_requests (expires_at);

-- Removes a portal and every row of it, in every table of this schema with a portal_id column (found
-- through the catalogue, so a table added later is covered), in the caller's transaction. The portal
-- row is locked first, so nothing can be added for it meanwhile. Returns each table with the rows it
-- had, counted before any delete (cascades would hide the rows of dependent tables), and 'portals';
-- no row at all when there is no such portal. Revocations of the portal's access tokens are announced
-- on the channel token_revoked.
CREATE FUNCTION portal_remove(p_portal bigint) RETURNS TABLE (table_name text, removed bigint)
LANGUAGE plpgsql AS $$
DECLARE
    t text;
    n bigint;
    tables text[];
BEGIN
    PERFORM 1 FROM portals WHERE id = p_portal FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT coalesce(array_agg(c.table_name::text ORDER BY c.table_name), '{}') INTO tables
      FROM information_schema.columns c
      JOIN information_schema.tables it ON it.table_schema = c.table_schema AND it.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND c.column_name = 'portal_id' AND it.table_type = 'BASE TABLE'
       AND c.table_name <> 'portals'
       AND NOT EXISTS (SELECT 1 FROM pg_inherits i
                        WHERE i.inhrelid = format('%I.%I', c.table_schema, c.table_name)::regclass);
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('SELECT count(*) FROM %I WHERE portal_id = $1', t) INTO n USING p_portal;
        table_name := t;
        removed := n;
        RETURN NEXT;
    END LOOP;
    PERFORM pg_notify('token_revoked', id::text) FROM access_tokens WHERE portal_id = p_portal;
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('DELETE FROM %I WHERE portal_id = $1', t) USING p_portal;
    END LOOP;
    DELETE FROM portals WHERE id = p_portal;
    table_name := 'portals';
    removed := 1;
    RETURN NEXT;
END
$$;
