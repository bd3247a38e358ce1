-- Outbox messages the broker will never take (too large for it, say): moved aside with why, so
-- that everything queued after them is published; operators see them and the metric counts them.
CREATE TABLE outbox_parked (
    id            bigint      PRIMARY KEY,          -- its id in the outbox
    topic         text        NOT NULL,
    key           bytea,
    header_names  text[]      NOT NULL,
    header_values bytea[]     NOT NULL,
    value         bytea,
    created_at    timestamptz NOT NULL,
    error         text        NOT NULL,
    parked_at     timestamptz NOT NULL DEFAULT now()
);
