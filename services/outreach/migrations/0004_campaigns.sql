-- Campaigns: who they are for (filters, never people), what they say, their window, and how
-- often their link was followed (a count, nothing about who).
CREATE TABLE campaigns (
    campaign_id text        PRIMARY KEY,
    agencies    text[]      NOT NULL,
    audience    jsonb       NOT NULL,
    subject     jsonb       NOT NULL,
    text        jsonb       NOT NULL,
    link        text        NOT NULL,
    "window"    jsonb       NOT NULL,
    state       text        NOT NULL
                CHECK (state IN ('draft', 'scheduled', 'cancelled', 'completed')),
    link_visits integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX campaigns_scheduled ON campaigns (campaign_id) WHERE state = 'scheduled';
