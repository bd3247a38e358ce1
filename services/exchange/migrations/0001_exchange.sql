-- Assignments an agency offers the network's staff: the latest revision of each.
CREATE TABLE assignments (
    host          text        NOT NULL,
    assignment_id text        NOT NULL,
    revision      integer     NOT NULL,
    title         text        NOT NULL,
    description   text        NOT NULL,
    skills        text[]      NOT NULL,
    percent       integer     NOT NULL CHECK (percent BETWEEN 10 AND 100),
    first_day     date        NOT NULL,
    last_day      date        NOT NULL CHECK (last_day >= first_day),
    municipality  text        NOT NULL,
    remote        text        NOT NULL,
    kind          text        NOT NULL,
    answer_by     date        NOT NULL,
    state         text        NOT NULL CHECK (state IN ('open', 'agreed', 'withdrawn', 'closed')),
    posted_at     timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    agreed_at     timestamptz,
    PRIMARY KEY (host, assignment_id)
);

CREATE INDEX assignments_open ON assignments (answer_by) WHERE state = 'open';

-- A member of staff's interest in one, and how far the three steps have come.
CREATE TABLE interests (
    interest_id   text        PRIMARY KEY,
    host          text        NOT NULL,
    assignment_id text        NOT NULL,
    email         text        NOT NULL,
    home          text        NOT NULL,
    note          text        NOT NULL,
    language      text        NOT NULL,
    state         text        NOT NULL
                  CHECK (state IN ('interested', 'picked', 'approved', 'agreed', 'declined', 'closed')),
    step_since    date        NOT NULL,
    reminded      boolean     NOT NULL DEFAULT false,
    declined_step text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (host, assignment_id) REFERENCES assignments (host, assignment_id),
    UNIQUE (host, assignment_id, email)
);

CREATE INDEX interests_pending ON interests (step_since)
    WHERE state IN ('interested', 'picked', 'approved');
CREATE INDEX interests_by_email ON interests (email);

-- Skills profiles, one per work address.
CREATE TABLE profiles (
    email      text        PRIMARY KEY,
    agency     text        NOT NULL,
    skills     text[]      NOT NULL,
    languages  text[]      NOT NULL,
    open_to    text[]      NOT NULL,
    summary    text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX profiles_skills ON profiles USING gin (skills);

-- What exchange asks of notify, in order (myndnet_kit.notify_requests): letters to staff and
-- coordinators, whose addresses never go on a topic before an agreement.
CREATE TABLE notify_requests (
    id              bigserial   PRIMARY KEY,
    path            text        NOT NULL CHECK (path IN ('/letters', '/letters/forget')),
    body            jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    handed_at       timestamptz,
    last_error      text
);

CREATE INDEX notify_requests_due ON notify_requests (id) WHERE handed_at IS NULL;
