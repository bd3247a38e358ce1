-- The domains of an agency's work e-mail (trainings accepts registrations from these only).
ALTER TABLE agencies ADD COLUMN email_domains text[] NOT NULL DEFAULT '{}';
