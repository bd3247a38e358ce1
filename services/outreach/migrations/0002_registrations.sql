-- Registrations for open events. The name and address are kept only while the registration is
-- live (NULL once cancelled); every registration is deleted 30 days after its event ended.
CREATE TABLE registrations (
    registration_id text        PRIMARY KEY,
    event_id        text        NOT NULL REFERENCES open_events (event_id),
    name            text,
    email           text,
    language        text        NOT NULL CHECK (language IN ('sv', 'en')),
    news            boolean     NOT NULL,
    status          text        NOT NULL
                    CHECK (status IN ('unconfirmed', 'confirmed', 'waiting', 'cancelled')),
    requested_at    timestamptz NOT NULL,
    confirmed_at    timestamptz,
    reminded        boolean     NOT NULL DEFAULT false,
    CHECK (status = 'cancelled' OR (name IS NOT NULL AND email IS NOT NULL))
);

CREATE INDEX registrations_of_event ON registrations (event_id);
CREATE INDEX registrations_by_email ON registrations (lower(email)) WHERE email IS NOT NULL;

-- What outreach asks of notify, in order: a letter to send (its address inside, emptied once
-- notify took it) or a person to forget. Written in the transaction of the change that causes
-- it; the relay hands each to notify, which keeps one delivery per letter key.
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
