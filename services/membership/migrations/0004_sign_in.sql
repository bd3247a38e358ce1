-- Agencies' coordinators (work addresses), who act for the agency in the console.
ALTER TABLE agencies ADD COLUMN coordinators text[] NOT NULL DEFAULT '{}';

-- Every request for a sign-in link, known address or not: the rate limits count them. Of an
-- address nobody knows only its hash is kept; a link's address is kept while it can be used.
CREATE TABLE sign_in_links (
    link_id        text        PRIMARY KEY,
    address_sha256 bytea       NOT NULL,
    client_sha256  bytea       NOT NULL,
    email          text,
    requested_at   timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);

CREATE INDEX sign_in_links_address ON sign_in_links (address_sha256, requested_at);
CREATE INDEX sign_in_links_client ON sign_in_links (client_sha256, requested_at);
CREATE INDEX sign_in_links_requested ON sign_in_links (requested_at);

-- Signed-in sessions: the cookie's token is kept as its hash.
CREATE TABLE staff_sessions (
    token_sha256 bytea       PRIMARY KEY,
    email        text        NOT NULL,
    started_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);

CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);
