-- One address, several saved searches. The address now lives once, in `subscribers`; each row
-- of `subscriptions` is one saved search of it, with its own filters, frequency and status.
CREATE TABLE subscribers (
    id                text        PRIMARY KEY,
    email             text        NOT NULL UNIQUE,       -- lower-cased
    language          text        NOT NULL CHECK (language IN ('sv', 'en')),
    -- A permanent SMTP failure: nothing is sent until the address subscribes and confirms again.
    suppressed_at     timestamptz,
    suppressed_reason text,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX subscribers_suppressed ON subscribers (suppressed_at) WHERE suppressed_at IS NOT NULL;

INSERT INTO subscribers (id, email, language, created_at)
SELECT 'p-' || substr(id, 3), email, language, created_at FROM subscriptions;

ALTER TABLE subscriptions ADD COLUMN subscriber_id text REFERENCES subscribers (id) ON DELETE CASCADE;
UPDATE subscriptions SET subscriber_id = 'p-' || substr(id, 3);
ALTER TABLE subscriptions ALTER COLUMN subscriber_id SET NOT NULL;
ALTER TABLE subscriptions DROP COLUMN email;
CREATE INDEX subscriptions_by_subscriber ON subscriptions (subscriber_id);

-- What identifies a saved search within an address: its filters, as stored. Signing up again
-- with the same filters changes that search; other filters add one.
ALTER TABLE subscriptions ADD COLUMN filter_key text;
UPDATE subscriptions SET filter_key = concat_ws('|', array_to_string(agencies, ','),
    array_to_string(occupation_fields, ','), array_to_string(municipalities, ','),
    array_to_string(employment_types, ','), array_to_string(target_groups, ','),
    array_to_string(keywords_given, ','));
ALTER TABLE subscriptions ALTER COLUMN filter_key SET NOT NULL;
CREATE INDEX subscriptions_by_filters ON subscriptions (subscriber_id, filter_key);

-- A paused search keeps its filters and is found by no vacancy until it is resumed.
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('pending', 'confirmed', 'paused', 'unsubscribed'));

-- The preference centre's token belongs to an address, not to one search.
ALTER TABLE tokens ALTER COLUMN subscription_id DROP NOT NULL;
ALTER TABLE tokens ADD COLUMN subscriber_id text REFERENCES subscribers (id) ON DELETE CASCADE;
ALTER TABLE tokens DROP CONSTRAINT tokens_purpose_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_purpose_check
    CHECK (purpose IN ('confirm', 'unsubscribe', 'manage'));
ALTER TABLE tokens ADD CONSTRAINT tokens_owner_check
    CHECK ((purpose = 'manage') = (subscriber_id IS NOT NULL AND subscription_id IS NULL));
CREATE INDEX tokens_by_subscriber ON tokens (subscriber_id);
CREATE INDEX tokens_expired ON tokens (expires_at);
