-- The network's register of agencies. A departed agency keeps its row (status 'left') and
-- can rejoin; every change is kept in agency_history.
CREATE TABLE agencies (
    code                text        PRIMARY KEY,
    name                text        NOT NULL,
    kind                text        NOT NULL CHECK (kind IN ('agency', 'court', 'university', 'municipality')),
    role                text        NOT NULL CHECK (role IN ('member', 'associated')),
    status              text        NOT NULL CHECK (status IN ('active', 'left')),
    joined_on           date        NOT NULL,
    left_on             date,
    organisation_number text,
    website             text,
    coordinator_name    text,
    coordinator_email   text,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agency_history (
    id         bigserial   PRIMARY KEY,
    code       text        NOT NULL REFERENCES agencies (code),
    change     text        NOT NULL CHECK (change IN ('registered', 'updated', 'left')),
    state      jsonb       NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX agency_history_by_code ON agency_history (code, id);
