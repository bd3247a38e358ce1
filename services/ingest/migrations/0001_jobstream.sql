-- The JobStream connector's memory: how far the stream has been read, and what it published of
-- each member's ad (a removed ad says only its id, so its agency and deadline are kept here).
CREATE TABLE jobstream_position (
    only_row      boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    snapshot_done boolean     NOT NULL DEFAULT false,
    updated_after timestamptz
);

CREATE TABLE jobstream_ads (
    ad_id                text        PRIMARY KEY,
    agency               text        NOT NULL,
    revision             bigint      NOT NULL,
    application_deadline date,
    withdrawn            boolean     NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
