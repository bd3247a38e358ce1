-- A participant's name and address are erased on request and 24 months after their last
-- session; the registration itself stays, anonymous, for the figures.
ALTER TABLE registrations
    ALTER COLUMN name DROP NOT NULL,
    ALTER COLUMN email DROP NOT NULL,
    ADD COLUMN erased_at timestamptz,
    ADD CONSTRAINT registrations_erased_or_named
        CHECK ((erased_at IS NULL) = (name IS NOT NULL AND email IS NOT NULL));

CREATE INDEX registrations_of_person ON registrations (lower(email)) WHERE erased_at IS NULL;
