-- A role for running gateways, apart from the role that owns the schema (and runs the migrations):
-- SELECT grant_runtime_role('gateway_app') (gatewayctl db grant --role gateway_app) lets it read and
-- change what the gateway changes, and only read the audit log. Audit rows are still written through
-- audit_append() and removed through audit_prune(), which run with the owner's rights; so the runtime
-- role can append to the log but never alter or remove a row of it, even with the trigger's setting.
-- Run it again after a migration that adds tables.
CREATE FUNCTION grant_runtime_role(p_role name) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), p_role);
    FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
    LOOP
        IF t LIKE 'audit\_%' OR t = 'schema_migrations' THEN
            EXECUTE format('REVOKE ALL ON %I FROM %I', t, p_role);
            EXECUTE format('GRANT SELECT ON %I TO %I', t, p_role);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t, p_role);
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), p_role);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', current_schema(), p_role);
END
$$;
