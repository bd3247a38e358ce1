-- Revisions are whatever an agency counts with; many use a timestamp in milliseconds (the
-- JobStream connector does), which needs 64 bits.
ALTER TABLE vacancies ALTER COLUMN revision TYPE bigint, ALTER COLUMN fields_revision TYPE bigint;
ALTER TABLE early_withdrawals ALTER COLUMN revision TYPE bigint;
