-- A vacancy for the network's staff only (`network`) is never on anything public.
ALTER TABLE vacancies ADD COLUMN visibility text NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'network'));
