-- An inverted structure for matching: every combination of a subscription's filter values
-- over agency, occupation field, municipality, employment type and target group ('*' where it
-- names none) is one key. A vacancy looks up its own few combinations; keywords are checked
-- on those candidates only. Only confirmed subscriptions have keys, and a key row carries what
-- matching needs, so a match reads nothing else.
DROP INDEX subscriptions_agencies;
DROP INDEX subscriptions_fields;
DROP INDEX subscriptions_municipalities;
DROP INDEX subscriptions_employment;
DROP INDEX subscriptions_target_groups;
DROP INDEX subscriptions_keywords;

CREATE TABLE subscription_keys (
    key             text   NOT NULL,
    subscription_id text   NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    frequency       text   NOT NULL,
    keywords        text[] NOT NULL,  -- Swedish stems, '*' for any
    PRIMARY KEY (key, subscription_id)
);

CREATE INDEX subscription_keys_by_subscription ON subscription_keys (subscription_id);
