-- Who the portal's users are in HubSpot, as HubSpot said when they last opened the app: a super admin is
-- an admin of the connector, and the teams decide what is shared with the user. Requests made with a
-- personal access token carry no session, so the feed reads the token owner's row here. Refreshed at
-- every session start.
CREATE TABLE portal_users (
    portal_id           bigint NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    user_id             bigint NOT NULL CHECK (user_id > 0),  -- HubSpot user id
    hubspot_super_admin boolean NOT NULL DEFAULT false,
    team_ids            bigint[] NOT NULL DEFAULT '{}',
    seen_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal_id, user_id)
);

-- Whether a data source (its id and owner) is visible to a user with the given teams without being an
-- admin: the owner's, or shared with the user or one of the teams. Admins see every data source of
-- their portal; callers check that themselves.
CREATE FUNCTION data_source_visible(p_ds bigint, p_owner bigint, p_user bigint, p_teams bigint[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_owner = p_user OR EXISTS (
        SELECT 1 FROM data_source_shares s
         WHERE s.data_source_id = p_ds
           AND ((s.principal_kind = 'user' AND s.principal_id = p_user)
             OR (s.principal_kind = 'team' AND s.principal_id = ANY (p_teams))))
$$;

-- Whether a user is an admin of the connector for a portal: named in portal_admins, or a HubSpot super
-- admin as last seen.
CREATE FUNCTION portal_user_is_admin(p_portal bigint, p_user bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM portal_admins a WHERE a.portal_id = p_portal AND a.user_id = p_user)
        OR EXISTS (SELECT 1 FROM portal_users u WHERE u.portal_id = p_portal AND u.user_id = p_user AND u.hubspot_super_admin)
$$;
