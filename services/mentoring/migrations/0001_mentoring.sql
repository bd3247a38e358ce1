-- The manager introduction programme: new managers, volunteer mentors, and their matches.
CREATE TABLE managers (
    agency           text        NOT NULL,
    person_id        text        NOT NULL,
    name             text        NOT NULL,
    email            text        NOT NULL,
    title            text        NOT NULL,
    unit             text,
    start_date       date        NOT NULL,
    competence_areas text[]      NOT NULL,
    languages        text[]      NOT NULL,
    municipality     text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('waiting', 'proposed', 'matched', 'completed')),
    waiting_since    timestamptz NOT NULL DEFAULT now(),
    unmatched_reason text,       -- why the last round left this manager waiting
    PRIMARY KEY (agency, person_id)
);

CREATE TABLE mentors (
    agency           text        NOT NULL,
    person_id        text        NOT NULL,
    name             text        NOT NULL,
    email            text        NOT NULL,
    title            text        NOT NULL,
    unit             text,
    competence_areas text[]      NOT NULL,
    languages        text[]      NOT NULL,
    municipality     text        NOT NULL,
    years_as_manager integer     NOT NULL,
    capacity         integer     NOT NULL CHECK (capacity BETWEEN 1 AND 5),
    status           text        NOT NULL CHECK (status IN ('active', 'withdrawn')),
    PRIMARY KEY (agency, person_id)
);

CREATE TABLE matches (
    match_id            text        PRIMARY KEY,
    manager_agency      text        NOT NULL,
    manager_id          text        NOT NULL,
    mentor_agency       text        NOT NULL,
    mentor_id           text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'expired', 'ended')),
    score               double precision NOT NULL,
    reasons             text[]      NOT NULL,
    proposed_at         timestamptz NOT NULL,
    respond_by          date        NOT NULL,
    manager_accepted_at timestamptz,
    mentor_accepted_at  timestamptz,
    accepted_at         timestamptz,
    ends_on             date,
    closed_at           timestamptz,
    close_reason        text,
    FOREIGN KEY (manager_agency, manager_id) REFERENCES managers (agency, person_id),
    FOREIGN KEY (mentor_agency, mentor_id) REFERENCES mentors (agency, person_id)
);

-- A manager has at most one live match.
CREATE UNIQUE INDEX matches_one_live_per_manager ON matches (manager_agency, manager_id)
    WHERE status IN ('proposed', 'accepted');
CREATE INDEX matches_live_by_mentor ON matches (mentor_agency, mentor_id)
    WHERE status IN ('proposed', 'accepted');
CREATE INDEX matches_by_status ON matches (status, respond_by);

-- Pairs never to be proposed again: declined, or left unanswered until the proposal expired.
CREATE TABLE excluded_pairs (
    manager_agency text NOT NULL,
    manager_id     text NOT NULL,
    mentor_agency  text NOT NULL,
    mentor_id      text NOT NULL,
    PRIMARY KEY (manager_agency, manager_id, mentor_agency, mentor_id)
);

-- Agency pairs operators keep apart (a district court and the appeal court above it).
CREATE TABLE forbidden_agency_pairs (
    agency_a text NOT NULL,
    agency_b text NOT NULL,
    CHECK (agency_a < agency_b),
    PRIMARY KEY (agency_a, agency_b)
);
