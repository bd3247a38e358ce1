-- Every application of an event is a row: a doubled application shows as two rows.
CREATE TABLE applied (
    source     text    NOT NULL,
    event_id   text    NOT NULL,
    subject    text    NOT NULL,
    revision   integer NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
