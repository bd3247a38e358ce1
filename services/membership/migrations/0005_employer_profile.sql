-- The agency as an employer, in Swedish and English (the agency events' `profile`).
ALTER TABLE agencies ADD COLUMN profile jsonb;
