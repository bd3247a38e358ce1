-- The aggregated register: the latest accepted state of every vacancy of every agency.
CREATE TABLE vacancies (
    agency               text        NOT NULL,
    vacancy_id           text        NOT NULL,
    revision             integer     NOT NULL,
    status               text        NOT NULL CHECK (status IN ('open', 'closed')),
    closed_reason        text,
    closed_at            timestamptz,
    title                text        NOT NULL,
    description          text        NOT NULL,
    occupation_field     text        NOT NULL,
    ssyk                 text,
    employment_type      text        NOT NULL,
    extent               text        NOT NULL,
    municipality         text        NOT NULL,
    municipality_code    text,
    remote               text        NOT NULL,
    target_groups        text[]      NOT NULL,
    published_on         date        NOT NULL,
    application_deadline date        NOT NULL,
    apply_url            text        NOT NULL,
    languages            text[]      NOT NULL,
    security_clearance   boolean     NOT NULL,
    fields_revision      integer     NOT NULL,  -- the revision of the snapshot in the columns
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- Swedish full text: the title weighs more (A) than the description (B).
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', title), 'A') ||
        setweight(to_tsvector('swedish', description), 'B')
    ) STORED,
    PRIMARY KEY (agency, vacancy_id)
);

CREATE INDEX vacancies_search ON vacancies USING gin (search);
CREATE INDEX vacancies_newest ON vacancies (status, published_on DESC, agency, vacancy_id);
CREATE INDEX vacancies_by_field ON vacancies (status, occupation_field);
CREATE INDEX vacancies_by_municipality ON vacancies (status, lower(municipality));
CREATE INDEX vacancies_by_employment ON vacancies (status, employment_type);
CREATE INDEX vacancies_target_groups ON vacancies USING gin (target_groups);
CREATE INDEX vacancies_deadline ON vacancies (application_deadline) WHERE status = 'open';

-- A withdrawal that arrived before the vacancy itself: an older snapshot must not open it.
CREATE TABLE early_withdrawals (
    agency     text    NOT NULL,
    vacancy_id text    NOT NULL,
    revision   integer NOT NULL,
    reason     text    NOT NULL,
    PRIMARY KEY (agency, vacancy_id)
);
