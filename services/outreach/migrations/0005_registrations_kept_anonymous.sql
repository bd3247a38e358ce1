-- A registration's name and address are erased, not its row: the counts of seats taken stay
-- for the console's report once the people are forgotten.
ALTER TABLE registrations ADD COLUMN erased_at timestamptz;
ALTER TABLE registrations DROP CONSTRAINT registrations_check;
ALTER TABLE registrations ADD CONSTRAINT registrations_personal_check
    CHECK (status = 'cancelled' OR erased_at IS NOT NULL OR (name IS NOT NULL AND email IS NOT NULL));
