-- Open events: career fairs, campus visits, open houses, webinars.
CREATE TABLE open_events (
    event_id              text        PRIMARY KEY,
    revision              integer     NOT NULL,
    title_sv              text        NOT NULL,
    title_en              text,
    text_sv               text        NOT NULL,
    text_en               text,
    kind                  text        NOT NULL,
    starts_at             timestamptz NOT NULL,
    ends_at               timestamptz NOT NULL CHECK (ends_at > starts_at),
    place                 text,
    online_url            text,
    hosts                 text[]      NOT NULL,
    target_groups         text[]      NOT NULL,
    seats                 integer     CHECK (seats > 0),
    registration_deadline date        NOT NULL,
    status                text        NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    cancel_reason         text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX open_events_upcoming ON open_events (starts_at) WHERE status = 'scheduled';
