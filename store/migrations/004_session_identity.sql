-- Who a session's user is in HubSpot, read from HubSpot's users API when the session starts: a super
-- admin of the portal is an admin of the connector, and the user's teams decide what is shared with
-- them.
ALTER TABLE sessions
    ADD COLUMN hubspot_super_admin boolean NOT NULL DEFAULT false,
    ADD COLUMN team_ids bigint[] NOT NULL DEFAULT '{}';
