-- Candidates' subscriptions (the only place their addresses live), tokens, and deliveries.
CREATE TABLE subscriptions (
    id               text        PRIMARY KEY,            -- the opaque reference used elsewhere
    email            text        NOT NULL UNIQUE,        -- lower-cased
    status           text        NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    language         text        NOT NULL CHECK (language IN ('sv', 'en')),
    frequency        text        NOT NULL CHECK (frequency IN ('immediate', 'daily', 'weekly')),
    -- Filters: AND across fields, OR within one; '*' alone means any.
    agencies         text[]      NOT NULL,
    occupation_fields text[]     NOT NULL,
    municipalities   text[]      NOT NULL,               -- lower-cased
    employment_types text[]      NOT NULL,
    target_groups    text[]      NOT NULL,
    keywords         text[]      NOT NULL,               -- Swedish stems
    keywords_given   text[]      NOT NULL,               -- as the candidate wrote them
    pending          jsonb,                              -- new preferences awaiting confirmation
    created_at       timestamptz NOT NULL DEFAULT now(),
    confirmed_at     timestamptz,
    last_digest_at   timestamptz
);

CREATE INDEX subscriptions_agencies ON subscriptions USING gin (agencies) WHERE status = 'confirmed';
CREATE INDEX subscriptions_fields ON subscriptions USING gin (occupation_fields) WHERE status = 'confirmed';
CREATE INDEX subscriptions_municipalities ON subscriptions USING gin (municipalities) WHERE status = 'confirmed';
CREATE INDEX subscriptions_employment ON subscriptions USING gin (employment_types) WHERE status = 'confirmed';
CREATE INDEX subscriptions_target_groups ON subscriptions USING gin (target_groups) WHERE status = 'confirmed';
CREATE INDEX subscriptions_keywords ON subscriptions USING gin (keywords) WHERE status = 'confirmed';
CREATE INDEX subscriptions_unconfirmed ON subscriptions (created_at) WHERE status = 'pending';

-- Single-purpose, expiring tokens, kept only as hashes.
CREATE TABLE tokens (
    token_hash      bytea       PRIMARY KEY,
    subscription_id text        NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    purpose         text        NOT NULL CHECK (purpose IN ('confirm', 'unsubscribe')),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);

CREATE INDEX tokens_by_subscription ON tokens (subscription_id);

-- Sign-up attempts, for rate limits per address (hashed) and per client.
CREATE TABLE signup_attempts (
    key text        NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX signup_attempts_by_key ON signup_attempts (key, at);

-- Open vacancies as vacancies announces them: what alerts and digests list.
CREATE TABLE open_vacancies (
    vacancy_key          text        PRIMARY KEY,        -- <code>/<vacancy_id>
    agency               text        NOT NULL,
    title                text        NOT NULL,
    municipality         text        NOT NULL,
    application_deadline date        NOT NULL,
    apply_url            text        NOT NULL,
    opened_at            timestamptz NOT NULL
);

-- Vacancies waiting for a daily or weekly digest.
CREATE TABLE digest_items (
    subscription_id text        NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    vacancy_key     text        NOT NULL,
    added_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscription_id, vacancy_key)
);

-- Every e-mail: recorded before it is sent; the dedupe key makes a second one impossible.
CREATE TABLE deliveries (
    id              text        PRIMARY KEY,
    dedupe_key      text        NOT NULL UNIQUE,
    kind            text        NOT NULL,
    subscription_id text,                                -- kept after erasure: opaque
    recipient_ref   text        NOT NULL,
    work_email      text,                                -- only for public employees' match mail
    match_id        text,
    vacancy_keys    text[]      NOT NULL DEFAULT '{}',
    context         jsonb       NOT NULL,
    status          text        NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id);

CREATE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('deliveries', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();
