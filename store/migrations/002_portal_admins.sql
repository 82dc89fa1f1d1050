-- The admins of a portal in the gateway. The HubSpot user who installs the app through
-- /oauth/install (or is named with `gatewayctl portal add --installed-by`) becomes one.

CREATE TABLE portal_admins (
    portal_id  bigint NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    user_id    bigint NOT NULL CHECK (user_id > 0),  -- HubSpot user id
    granted_by bigint,                               -- HubSpot user id of the granting admin; NULL: the install
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal_id, user_id)
);
