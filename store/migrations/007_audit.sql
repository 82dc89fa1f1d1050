-- The audit log: what happened in a portal (data sources, tokens, feed requests, installs, staff reads),
-- never a HubSpot record value, a token or an e-mail address. Rows are appended by audit_append() only,
-- each in its portal's chain: row n carries the SHA-256 of row n-1 (prev_hash) and its own hash over
-- prev_hash and its fields (audit_row_hash), so `gatewayctl audit verify` finds a row altered, removed
-- or moved. Updates are refused by a trigger; deletes too, except by audit_prune(), which removes the
-- oldest rows past the portal's retention and keeps the hash of the last one removed as the chain's
-- new anchor. The log outlives an uninstall (it records it) until retention removes it.
DROP TABLE audit_log; -- the placeholder of 001, never written

CREATE TABLE audit_chains (
    portal_id      bigint PRIMARY KEY,
    last_seq       bigint NOT NULL DEFAULT 0,   -- the newest row's seq
    last_hash      bytea NOT NULL,              -- its hash (the anchor when the chain is empty)
    pruned_seq     bigint NOT NULL DEFAULT 0,   -- rows 1..pruned_seq were pruned
    pruned_hash    bytea NOT NULL,              -- the hash of row pruned_seq: the anchor of the rest
    retention_days integer NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 3650)
);

CREATE TABLE audit_log (
    portal_id      bigint NOT NULL,
    seq            bigint NOT NULL CHECK (seq > 0),
    at             timestamptz NOT NULL,
    event          text NOT NULL CHECK (event ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)*$' AND length(event) <= 64),
    -- who: 'user:<hubspot user id>', 'token:<token id>', 'staff:<login>', 'operator' or 'system'
    actor          text NOT NULL CHECK (actor ~ '^(user:[0-9]+|token:[0-9]+|staff:[a-z0-9._-]+|operator|system)$'),
    user_id        bigint,   -- the HubSpot user concerned (the actor, or a token's owner)
    data_source_id bigint,
    token_id       bigint,
    detail         jsonb NOT NULL CHECK (jsonb_typeof(detail) = 'object'),
    prev_hash      bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash           bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (portal_id, seq)
);
CREATE INDEX audit_log_portal_at ON audit_log (portal_id, at);
CREATE INDEX audit_log_portal_event ON audit_log (portal_id, event, seq);

-- The anchor of an empty chain.
CREATE FUNCTION audit_genesis(p_portal bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to('hsod-audit-v1:' || p_portal, 'UTF8'))
$$;

-- A row's hash: SHA-256 over the previous hash and the fields, one per line, in this order. event and
-- actor hold no line break (their CHECKs), and detail's text form (jsonb's normalised output) has none.
-- The time is in microseconds since the epoch. gatewayctl audit verify computes the same in C.
CREATE FUNCTION audit_row_hash(p_prev bytea, p_portal bigint, p_seq bigint, p_at timestamptz, p_event text, p_actor text,
                               p_user bigint, p_ds bigint, p_token bigint, p_detail jsonb) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT sha256(p_prev || convert_to(concat_ws(E'\n', p_portal, p_seq, (extract(epoch FROM p_at) * 1000000)::bigint,
                                                 p_event, p_actor, coalesce(p_user::text, ''), coalesce(p_ds::text, ''),
                                                 coalesce(p_token::text, ''), p_detail::text), 'UTF8'))
$$;

-- Appends events, a JSON array of {"portal","at"?,"event","actor","user"?,"ds"?,"token"?,"detail"?}, in
-- their order within each portal ("at" defaults to now). Portals are locked in ascending order, so
-- concurrent batches cannot deadlock. Returns the number of rows written.
CREATE FUNCTION audit_append(p_events jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    e jsonb;
    v_portal bigint;
    v_seq bigint;
    v_prev bytea;
    v_at timestamptz;
    v_hash bytea;
    v_detail jsonb;
    n integer := 0;
BEGIN
    IF jsonb_typeof(p_events) <> 'array' THEN
        RAISE EXCEPTION 'audit_append takes a JSON array';
    END IF;
    FOR e IN SELECT x.value FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(value, i)
              ORDER BY (x.value->>'portal')::bigint, x.i
    LOOP
        v_portal := (e->>'portal')::bigint;
        IF v_portal IS NULL OR v_portal <= 0 THEN
            RAISE EXCEPTION 'an audit event names no portal';
        END IF;
        INSERT INTO audit_chains (portal_id, last_hash, pruned_hash)
             VALUES (v_portal, audit_genesis(v_portal), audit_genesis(v_portal))
        ON CONFLICT (portal_id) DO NOTHING;
        SELECT last_seq + 1, last_hash INTO v_seq, v_prev FROM audit_chains WHERE portal_id = v_portal FOR UPDATE;
        v_at := coalesce((e->>'at')::timestamptz, now());
        v_detail := coalesce(e->'detail', '{}');
        v_hash := audit_row_hash(v_prev, v_portal, v_seq, v_at, e->>'event', e->>'actor', (e->>'user')::bigint,
                                 (e->>'ds')::bigint, (e->>'token')::bigint, v_detail);
        INSERT INTO audit_log (portal_id, seq, at, event, actor, user_id, data_source_id, token_id, detail, prev_hash, hash)
             VALUES (v_portal, v_seq, v_at, e->>'event', e->>'actor', (e->>'user')::bigint, (e->>'ds')::bigint,
                     (e->>'token')::bigint, v_detail, v_prev, v_hash);
        UPDATE audit_chains SET last_seq = v_seq, last_hash = v_hash WHERE portal_id = v_portal;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

CREATE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('hsod.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();

CREATE FUNCTION audit_chains_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit chains are never removed: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_chains_keep BEFORE DELETE ON audit_chains FOR EACH ROW EXECUTE FUNCTION audit_chains_guard();
CREATE TRIGGER audit_chains_no_truncate BEFORE TRUNCATE ON audit_chains FOR EACH STATEMENT EXECUTE FUNCTION audit_chains_guard();

-- Removes, for one portal (or all when NULL), the oldest rows older than the portal's retention: the
-- longest run from the start of the chain whose rows are all that old, so that what remains is one
-- unbroken chain from the new anchor. Runs with its owner's rights, so a gateway role without DELETE on
-- audit_log can prune. Returns the number of rows removed.
CREATE FUNCTION audit_prune(p_portal bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    c record;
    v_upto bigint;
    v_hash bytea;
    v_n bigint;
    total bigint := 0;
BEGIN
    FOR c IN SELECT * FROM audit_chains WHERE p_portal IS NULL OR portal_id = p_portal ORDER BY portal_id FOR UPDATE
    LOOP
        SELECT coalesce(min(seq) - 1, c.last_seq) INTO v_upto
          FROM audit_log WHERE portal_id = c.portal_id AND at >= now() - make_interval(days => c.retention_days);
        IF v_upto <= c.pruned_seq THEN
            CONTINUE;
        END IF;
        SELECT hash INTO v_hash FROM audit_log WHERE portal_id = c.portal_id AND seq = v_upto;
        IF v_hash IS NULL THEN
            RAISE EXCEPTION 'audit chain of portal % has no row %', c.portal_id, v_upto;
        END IF;
        PERFORM set_config('hsod.audit_prune', 'on', true);
        DELETE FROM audit_log WHERE portal_id = c.portal_id AND seq <= v_upto;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        PERFORM set_config('hsod.audit_prune', 'off', true);
        UPDATE audit_chains SET pruned_seq = v_upto, pruned_hash = v_hash WHERE portal_id = c.portal_id;
        total := total + v_n;
    END LOOP;
    RETURN total;
END
$$;

-- portal_remove() as in 003, except that the audit tables are kept: the log records the uninstall and
-- stays readable by support until its retention ends.
CREATE OR REPLACE FUNCTION portal_remove(p_portal bigint) RETURNS TABLE (table_name text, removed bigint)
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
       AND c.table_name <> 'portals' AND c.table_name NOT LIKE 'audit\_%'
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
