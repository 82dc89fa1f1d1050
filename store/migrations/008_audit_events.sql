-- The audit events of changes, written by triggers in the transaction that makes the change, whoever
-- makes it (the admin API, gatewayctl, plain SQL): nothing changes without its row. Who acted comes from
-- the transaction-local setting hsod.actor ('user:<id>' from the admin API, 'operator' from gatewayctl),
-- else 'system' (the gateway's own upkeep, or SQL run by hand). While portal_remove() runs, the rows it
-- deletes are not recorded one by one: it records the uninstall itself.

CREATE FUNCTION audit_actor() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('hsod.actor', true), ''), 'system')
$$;

-- The HubSpot user of the actor, when it is one.
CREATE FUNCTION audit_actor_user() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN audit_actor() ~ '^user:[0-9]+$' THEN substr(audit_actor(), 6)::bigint END
$$;

CREATE FUNCTION audit_event(p_portal bigint, p_event text, p_user bigint, p_ds bigint, p_token bigint, p_detail jsonb)
RETURNS void
LANGUAGE sql AS $$
    SELECT audit_append(jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
        'portal', p_portal, 'event', p_event, 'actor', audit_actor(), 'user', p_user, 'ds', p_ds, 'token', p_token,
        'detail', coalesce(p_detail, '{}')))))
$$;

-- A filter as the log may show it: its structure, with literal values masked (quoted strings, anything
-- that starts with a digit, and anything holding an '@').
CREATE FUNCTION audit_mask_filter(p_filter text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_filter IS NULL THEN NULL ELSE
        regexp_replace(regexp_replace(regexp_replace(p_filter,
            '''([^'']|'''')*(''|$)', '''***''', 'g'),
            '[^\s(),'']*@[^\s(),'']*', '***', 'g'),
            '(^|[\s(,=<>-])[0-9][0-9A-Za-z.:+_-]*', '\1***', 'g')
    END
$$;

-- What changed between two definitions: objects added and removed, and per object kept, the properties
-- added and removed and the filter before and after (masked).
CREATE FUNCTION audit_definition_diff(p_old jsonb, p_new jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    WITH o AS (SELECT x->>'object' AS object, x FROM jsonb_array_elements(coalesce(p_old->'objects', '[]')) x),
         n AS (SELECT x->>'object' AS object, x FROM jsonb_array_elements(coalesce(p_new->'objects', '[]')) x),
         props AS (SELECT n.object,
                          (SELECT coalesce(jsonb_agg(p ORDER BY p), '[]') FROM jsonb_array_elements_text(coalesce(n.x->'properties', '[]')) p
                            WHERE NOT coalesce(o.x->'properties', '[]') ? p) AS added,
                          (SELECT coalesce(jsonb_agg(p ORDER BY p), '[]') FROM jsonb_array_elements_text(coalesce(o.x->'properties', '[]')) p
                            WHERE NOT coalesce(n.x->'properties', '[]') ? p) AS removed,
                          o.x->>'filter' AS f_old, n.x->>'filter' AS f_new
                     FROM n JOIN o USING (object))
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'objectsAdded', (SELECT jsonb_agg(object ORDER BY object) FROM n WHERE object NOT IN (SELECT object FROM o)),
        'objectsRemoved', (SELECT jsonb_agg(object ORDER BY object) FROM o WHERE object NOT IN (SELECT object FROM n)),
        'objectsChanged', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                'object', object,
                                'propertiesAdded', CASE WHEN added <> '[]' THEN added END,
                                'propertiesRemoved', CASE WHEN removed <> '[]' THEN removed END,
                                'filterBefore', CASE WHEN f_old IS DISTINCT FROM f_new THEN coalesce(audit_mask_filter(f_old), '') END,
                                'filterAfter', CASE WHEN f_old IS DISTINCT FROM f_new THEN coalesce(audit_mask_filter(f_new), '') END))
                                ORDER BY object)
                             FROM props WHERE added <> '[]' OR removed <> '[]' OR f_old IS DISTINCT FROM f_new)))
$$;

-- A definition as the log shows it: objects, their property counts and masked filters.
CREATE FUNCTION audit_definition_summary(p_def jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'object', x->>'object',
               'properties', coalesce(x->'properties', '[]'),
               'filter', audit_mask_filter(x->>'filter')))), '[]')
      FROM jsonb_array_elements(coalesce(p_def->'objects', '[]')) x
$$;

CREATE FUNCTION audit_removing(p_portal bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('hsod.removing_portal', true) = p_portal::text, false)
$$;

CREATE FUNCTION audit_data_sources() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM audit_event(NEW.portal_id, 'datasource.created', audit_actor_user(), NEW.id, NULL,
                            jsonb_build_object('name', NEW.name, 'owner', NEW.owner_user_id,
                                               'objects', audit_definition_summary(NEW.definition)));
    ELSIF TG_OP = 'DELETE' THEN
        IF NOT audit_removing(OLD.portal_id) THEN
            PERFORM audit_event(OLD.portal_id, 'datasource.deleted', audit_actor_user(), OLD.id, NULL,
                                jsonb_build_object('name', OLD.name, 'owner', OLD.owner_user_id));
        END IF;
    ELSE
        IF NEW.owner_user_id <> OLD.owner_user_id THEN
            PERFORM audit_event(NEW.portal_id, 'datasource.owner_transferred', audit_actor_user(), NEW.id, NULL,
                                jsonb_build_object('name', NEW.name, 'from', OLD.owner_user_id, 'to', NEW.owner_user_id));
        END IF;
        IF NEW.name <> OLD.name OR NEW.definition <> OLD.definition THEN
            d := audit_definition_diff(OLD.definition, NEW.definition);
            IF NEW.name <> OLD.name THEN
                d := d || jsonb_build_object('nameBefore', OLD.name);
            END IF;
            PERFORM audit_event(NEW.portal_id, 'datasource.edited', audit_actor_user(), NEW.id, NULL,
                                d || jsonb_build_object('name', NEW.name));
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER data_sources_audit AFTER INSERT OR UPDATE OR DELETE ON data_sources
    FOR EACH ROW EXECUTE FUNCTION audit_data_sources();

CREATE FUNCTION audit_data_source_shares() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM audit_event(NEW.portal_id, 'datasource.shared', audit_actor_user(), NEW.data_source_id, NULL,
                            jsonb_build_object('kind', NEW.principal_kind, 'id', NEW.principal_id));
    ELSIF NOT audit_removing(OLD.portal_id) AND EXISTS (SELECT 1 FROM data_sources WHERE id = OLD.data_source_id) THEN
        -- (shares that go with their data source are not unshared one by one: the deletion says it)
        PERFORM audit_event(OLD.portal_id, 'datasource.unshared', audit_actor_user(), OLD.data_source_id, NULL,
                            jsonb_build_object('kind', OLD.principal_kind, 'id', OLD.principal_id));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER data_source_shares_audit AFTER INSERT OR DELETE ON data_source_shares
    FOR EACH ROW EXECUTE FUNCTION audit_data_source_shares();

CREATE FUNCTION audit_access_tokens() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM audit_event(NEW.portal_id, 'token.minted', NEW.owner_user_id, NULL, NEW.id,
                            jsonb_build_object('name', NEW.name, 'prefix', NEW.display_prefix, 'expiresAt', NEW.expires_at));
    ELSIF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL AND NOT audit_removing(NEW.portal_id) THEN
        PERFORM audit_event(NEW.portal_id, 'token.revoked', NEW.owner_user_id, NULL, NEW.id,
                            jsonb_strip_nulls(jsonb_build_object('name', NEW.name, 'prefix', NEW.display_prefix,
                                                                 'revokedBy', NEW.revoked_by)));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER access_tokens_audit AFTER INSERT OR UPDATE OF revoked_at ON access_tokens
    FOR EACH ROW EXECUTE FUNCTION audit_access_tokens();

-- Installs and re-installs (a new grant), key rotations (the same grant sealed with another key) and
-- the need to install again.
CREATE FUNCTION audit_portals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM audit_event(NEW.id, 'portal.installed', NEW.installed_by_user_id, NULL, NULL,
                            jsonb_strip_nulls(jsonb_build_object('hubDomain', NEW.hub_domain, 'scopes', to_jsonb(NEW.scopes),
                                                                 'installedBy', NEW.installed_by_user_id)));
    ELSIF current_setting('hsod.key_rotation', true) = 'on' THEN
        IF NEW.refresh_token_key_id <> OLD.refresh_token_key_id THEN
            PERFORM audit_event(NEW.id, 'portal.key_rotated', NULL, NULL, NULL,
                                jsonb_build_object('fromKey', OLD.refresh_token_key_id, 'toKey', NEW.refresh_token_key_id));
        END IF;
    ELSIF NEW.refresh_token_enc <> OLD.refresh_token_enc THEN
        PERFORM audit_event(NEW.id, 'portal.reinstalled', NEW.installed_by_user_id, NULL, NULL,
                            jsonb_strip_nulls(jsonb_build_object('hubDomain', NEW.hub_domain, 'scopes', to_jsonb(NEW.scopes),
                                                                 'installedBy', NEW.installed_by_user_id)));
    ELSIF NEW.needs_reauth AND NOT OLD.needs_reauth THEN
        PERFORM audit_event(NEW.id, 'portal.needs_reauth', NULL, NULL, NULL, '{}');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER portals_audit AFTER INSERT OR UPDATE ON portals FOR EACH ROW EXECUTE FUNCTION audit_portals();

-- Admin roles: named admins of the connector, and HubSpot's super admin flag as it changes.
CREATE FUNCTION audit_portal_admins() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM audit_event(NEW.portal_id, 'admin.granted', NEW.user_id, NULL, NULL,
                            jsonb_strip_nulls(jsonb_build_object('grantedBy', NEW.granted_by)));
    ELSIF NOT audit_removing(OLD.portal_id) THEN
        PERFORM audit_event(OLD.portal_id, 'admin.revoked', OLD.user_id, NULL, NULL, '{}');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER portal_admins_audit AFTER INSERT OR DELETE ON portal_admins FOR EACH ROW EXECUTE FUNCTION audit_portal_admins();

CREATE FUNCTION audit_portal_users() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW.hubspot_super_admin)
       OR (TG_OP = 'UPDATE' AND NEW.hubspot_super_admin <> OLD.hubspot_super_admin) THEN
        PERFORM audit_event(NEW.portal_id, 'admin.role_changed', NEW.user_id, NULL, NULL,
                            jsonb_build_object('hubspotSuperAdmin', NEW.hubspot_super_admin));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER portal_users_audit AFTER INSERT OR UPDATE OF hubspot_super_admin ON portal_users
    FOR EACH ROW EXECUTE FUNCTION audit_portal_users();

-- Expired tokens are recorded once, by whichever gateway finds them first.
ALTER TABLE access_tokens ADD COLUMN expiry_audited boolean NOT NULL DEFAULT false;
CREATE FUNCTION audit_token_expiries() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    t record;
    n integer := 0;
BEGIN
    FOR t IN SELECT * FROM access_tokens WHERE expires_at <= now() AND NOT expiry_audited AND revoked_at IS NULL
              ORDER BY portal_id, id LIMIT 1000 FOR UPDATE SKIP LOCKED
    LOOP
        PERFORM audit_event(t.portal_id, 'token.expired', t.owner_user_id, NULL, t.id,
                            jsonb_build_object('name', t.name, 'prefix', t.display_prefix, 'expiresAt', t.expires_at));
        UPDATE access_tokens SET expiry_audited = true WHERE id = t.id;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- portal_remove() as in 007, recording the uninstall (with the rows removed per table) in the portal's
-- audit log, and not each row it deletes; p_by is the HubSpot user who uninstalls (NULL: the operator or
-- the system, as hsod.actor says).
DROP FUNCTION portal_remove(bigint);
CREATE FUNCTION portal_remove(p_portal bigint, p_by bigint DEFAULT NULL) RETURNS TABLE (table_name text, removed bigint)
LANGUAGE plpgsql AS $$
DECLARE
    t text;
    n bigint;
    tables text[];
    counts jsonb := '{}';
BEGIN
    PERFORM 1 FROM portals WHERE id = p_portal FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_by IS NOT NULL THEN
        PERFORM set_config('hsod.actor', 'user:' || p_by, true);
    END IF;
    PERFORM set_config('hsod.removing_portal', p_portal::text, true);
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
        counts := counts || jsonb_build_object(t, n);
        RETURN NEXT;
    END LOOP;
    PERFORM pg_notify('token_revoked', id::text) FROM access_tokens WHERE portal_id = p_portal;
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('DELETE FROM %I WHERE portal_id = $1', t) USING p_portal;
    END LOOP;
    DELETE FROM portals WHERE id = p_portal;
    PERFORM audit_event(p_portal, 'portal.uninstalled', audit_actor_user(), NULL, NULL, jsonb_build_object('removed', counts));
    PERFORM set_config('hsod.removing_portal', '', true);
    table_name := 'portals';
    removed := 1;
    RETURN NEXT;
END
$$;

-- The append-only guard of 007, tightened: only the table's owner (audit_prune() runs as it) may delete,
-- and only inside audit_prune(). audit_append() runs as the owner too, so a gateway role needs no UPDATE
-- on audit_chains nor DELETE on audit_log: EXECUTE is enough.
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('hsod.audit_prune', true) = 'on'
       AND current_user = (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
ALTER FUNCTION audit_append(jsonb) SECURITY DEFINER SET search_path FROM CURRENT;
ALTER TABLE audit_chains ADD CONSTRAINT audit_chains_hash_length CHECK (length(last_hash) = 32 AND length(pruned_hash) = 32);

-- audit_append() as in 007, with the time of an event never later than the transaction's: a row dated in
-- the future would hold back the pruning of every row after it.
CREATE OR REPLACE FUNCTION audit_append(p_events jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
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
        v_at := least(coalesce((e->>'at')::timestamptz, now()), now());
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

-- audit_prune() as in 007, except that a damaged chain is reported and skipped instead of stopping the
-- pruning of every other portal.
CREATE OR REPLACE FUNCTION audit_prune(p_portal bigint DEFAULT NULL) RETURNS bigint
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
            RAISE WARNING 'audit chain of portal % has no row %: not pruned (gatewayctl audit verify says more)', c.portal_id, v_upto;
            CONTINUE;
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

-- A portal's retention changed (gatewayctl audit retention) is an event of its log.
CREATE FUNCTION audit_chains_retention() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.retention_days <> OLD.retention_days THEN
        PERFORM audit_event(NEW.portal_id, 'audit.retention_changed', NULL, NULL, NULL,
                            jsonb_build_object('from', OLD.retention_days, 'to', NEW.retention_days));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_chains_retention AFTER UPDATE OF retention_days ON audit_chains
    FOR EACH ROW EXECUTE FUNCTION audit_chains_retention();
