-- Gateways cache what a personal access token may read (the token, its owner's rights, the data source's
-- definition and the portal's grant) for a few seconds. Every change to a row such an answer is made of
-- is announced on the channel gateway_auth with the portal's id as payload, so that each gateway drops
-- that portal's cached answers at once; '*' (a TRUNCATE) drops them all. A token's last use is not
-- announced: it changes no answer.
CREATE FUNCTION notify_gateway_auth() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('gateway_auth', '*');
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF TG_TABLE_NAME = 'portals' THEN
        PERFORM pg_notify('gateway_auth', r.id::text);
    ELSE
        PERFORM pg_notify('gateway_auth', r.portal_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER access_tokens_notify AFTER UPDATE OF revoked_at, expires_at, owner_user_id, token_hash, portal_id OR DELETE
    ON access_tokens FOR EACH ROW EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER data_sources_notify AFTER INSERT OR UPDATE OR DELETE
    ON data_sources FOR EACH ROW EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER data_source_shares_notify AFTER INSERT OR UPDATE OR DELETE
    ON data_source_shares FOR EACH ROW EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER portals_notify AFTER UPDATE OR DELETE
    ON portals FOR EACH ROW EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER portal_admins_notify AFTER INSERT OR UPDATE OR DELETE
    ON portal_admins FOR EACH ROW EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER portal_users_notify AFTER INSERT OR UPDATE OR DELETE
    ON portal_users FOR EACH ROW EXECUTE FUNCTION notify_gateway_auth();

CREATE TRIGGER access_tokens_notify_truncate AFTER TRUNCATE ON access_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER data_sources_notify_truncate AFTER TRUNCATE ON data_sources
    FOR EACH STATEMENT EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER data_source_shares_notify_truncate AFTER TRUNCATE ON data_source_shares
    FOR EACH STATEMENT EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER portals_notify_truncate AFTER TRUNCATE ON portals
    FOR EACH STATEMENT EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER portal_admins_notify_truncate AFTER TRUNCATE ON portal_admins
    FOR EACH STATEMENT EXECUTE FUNCTION notify_gateway_auth();
CREATE TRIGGER portal_users_notify_truncate AFTER TRUNCATE ON portal_users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_gateway_auth();
