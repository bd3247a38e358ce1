-- The membership follower's local copy of `membership.agencies`: the latest state per agency.
CREATE TABLE network_agencies (
    code         text        PRIMARY KEY,
    state        jsonb       NOT NULL,
    participates boolean     NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
