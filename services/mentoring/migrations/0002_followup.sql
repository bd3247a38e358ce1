-- People answer their proposals themselves, the programme is followed up with check-ins, and
-- personal data is erased while the figures stay.
ALTER TABLE matches ADD COLUMN reminded_on date;
ALTER TABLE matches ADD COLUMN checkins_announced integer[] NOT NULL DEFAULT '{}';

CREATE TABLE checkins (
    match_id     text        NOT NULL REFERENCES matches (match_id),
    role         text        NOT NULL CHECK (role IN ('manager', 'mentor')),
    month        integer     NOT NULL,
    met          boolean     NOT NULL,
    meetings     integer     NOT NULL CHECK (meetings >= 0),
    satisfaction integer     NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
    comment      text,       -- for the coordinator only; never in an event
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (match_id, role, month)
);

-- Answer and check-in links are signed, not stored; one that was used is kept as a hash.
CREATE TABLE used_links (
    link_hash bytea       PRIMARY KEY,
    used_at   timestamptz NOT NULL DEFAULT now()
);

-- Erasure replaces a person's id too (an HR system's id names the person), so matches follow.
ALTER TABLE managers ADD COLUMN erased_at timestamptz;
ALTER TABLE mentors ADD COLUMN erased_at timestamptz;
ALTER TABLE matches DROP CONSTRAINT matches_manager_agency_manager_id_fkey;
ALTER TABLE matches DROP CONSTRAINT matches_mentor_agency_mentor_id_fkey;
ALTER TABLE matches ADD FOREIGN KEY (manager_agency, manager_id)
    REFERENCES managers (agency, person_id) ON UPDATE CASCADE;
ALTER TABLE matches ADD FOREIGN KEY (mentor_agency, mentor_id)
    REFERENCES mentors (agency, person_id) ON UPDATE CASCADE;
