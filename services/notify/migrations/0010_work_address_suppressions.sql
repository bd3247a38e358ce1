-- Work addresses (mentoring's, trainings', sign-in's) that bounced for good: nothing more is
-- sent to them until an operator or the agency's coordinator lifts it. Kept by address, lower
-- case, with the person's reference so that erasing the person removes it too.
CREATE TABLE suppressed_work_addresses (
    email          text        PRIMARY KEY CHECK (email = lower(email)),
    recipient_ref  text        NOT NULL,
    reason         text        NOT NULL,
    suppressed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX suppressed_work_addresses_by_person ON suppressed_work_addresses (recipient_ref);
