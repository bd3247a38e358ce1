-- A confirmation link confirms the preferences it was sent for, not whatever was submitted for
-- the same address afterwards.
ALTER TABLE tokens ADD COLUMN preferences jsonb;
