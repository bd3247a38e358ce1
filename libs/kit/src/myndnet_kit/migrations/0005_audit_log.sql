-- What people did, in the service that owns the change: who, when, what, on what. Kept 2 years.
CREATE TABLE audit_log (
    id      bigserial   PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text        NOT NULL,
    action  text        NOT NULL,
    subject text        NOT NULL,
    details jsonb       NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_at ON audit_log (at);
