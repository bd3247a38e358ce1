-- "News from the network": a consent of its own, apart from job alerts. `news_since` is when
-- the address said yes (NULL: no). An address may have said yes where it registered for an
-- open event, with no saved search: the event's target groups are then what it is interested
-- in (`news_interests`, one row a source).
ALTER TABLE subscribers ADD COLUMN news_since timestamptz;

CREATE INDEX subscribers_with_news ON subscribers (id) WHERE news_since IS NOT NULL;

CREATE TABLE news_interests (
    subscriber_id     text        NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    source            text        NOT NULL,              -- e.g. outreach/<event id>
    target_groups     text[]      NOT NULL,
    occupation_fields text[]      NOT NULL,
    municipalities    text[]      NOT NULL,
    at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscriber_id, source)
);
