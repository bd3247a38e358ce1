-- Swedish job titles are mostly compounds (Systemutvecklare, Bolagsjurist), which the Swedish
-- snowball stemmer does not split: a title is also found by a query word inside it, through
-- trigrams of the lower-cased title.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX vacancies_title_trigrams ON vacancies USING gin (lower(title) gin_trgm_ops);
