-- The network's joint trainings: courses, their sessions with seats per agency, and the
-- registrations of staff. A session's row is locked while its seats are decided, so two
-- cancellations at once promote one person each, in turn.
CREATE TABLE courses (
    code        text        PRIMARY KEY,
    title       text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    kind        text        NOT NULL CHECK (kind IN ('it', 'leadership', 'other')),
    host_agency text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    session_id            text        PRIMARY KEY,
    course_code           text        NOT NULL REFERENCES courses (code),
    starts_at             timestamptz NOT NULL,
    ends_at               timestamptz NOT NULL CHECK (ends_at > starts_at),
    place                 text,
    online                boolean     NOT NULL DEFAULT false,
    language              text        NOT NULL DEFAULT 'sv',
    total_seats           integer     NOT NULL CHECK (total_seats > 0),
    registration_deadline date        NOT NULL,
    status                text        NOT NULL DEFAULT 'scheduled'
                                      CHECK (status IN ('scheduled', 'cancelled')),
    deadline_passed       boolean     NOT NULL DEFAULT false,
    reminded              boolean     NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sessions_upcoming ON sessions (starts_at) WHERE status = 'scheduled';

CREATE TABLE session_seats (
    session_id text    NOT NULL REFERENCES sessions (session_id),
    agency     text    NOT NULL,
    seats      integer NOT NULL CHECK (seats >= 0),
    PRIMARY KEY (session_id, agency)
);

-- Registration order: the order in which people confirmed their address.
CREATE SEQUENCE registration_order;

CREATE TABLE registrations (
    registration_id text        PRIMARY KEY,
    session_id      text        NOT NULL REFERENCES sessions (session_id),
    agency          text        NOT NULL,
    name            text        NOT NULL,
    email           text        NOT NULL,
    language        text        NOT NULL CHECK (language IN ('sv', 'en')),
    status          text        NOT NULL
                                CHECK (status IN ('unconfirmed', 'registered', 'waitlisted', 'cancelled')),
    registration_order bigint,
    attended        boolean,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    confirmed_at    timestamptz,
    cancelled_at    timestamptz,
    cancelled_because text
);

-- One live registration per person and session.
CREATE UNIQUE INDEX registrations_one_live_per_person
    ON registrations (session_id, lower(email)) WHERE status <> 'cancelled';
CREATE INDEX registrations_of_agency ON registrations (agency) WHERE status <> 'cancelled';
