-- Campaigns as outreach announces them, and who each is for: the audience is taken when the
-- campaign arrives (people who said yes to news and match), and each person's place in it
-- records what became of it: sent, skipped by the cap, or still pending for the window.
CREATE TABLE campaigns (
    id                text        PRIMARY KEY,
    subject_sv        text        NOT NULL,
    subject_en        text,
    text_sv           text        NOT NULL,
    text_en           text,
    link              text        NOT NULL,
    first_day         date        NOT NULL,
    last_day          date        NOT NULL,
    from_hour         integer     NOT NULL,
    to_hour           integer     NOT NULL,
    weekdays_only     boolean     NOT NULL,
    state             text        NOT NULL CHECK (state IN ('sending', 'cancelled', 'done')),
    received_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_recipients (
    campaign_id   text        NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    subscriber_id text        NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    status        text        NOT NULL
                  CHECK (status IN ('pending', 'sent', 'skipped_cap', 'cancelled', 'missed')),
    decided_at    timestamptz,
    PRIMARY KEY (campaign_id, subscriber_id)
);

CREATE INDEX campaign_recipients_pending ON campaign_recipients (campaign_id, subscriber_id)
    WHERE status = 'pending';
-- The cap: campaign mails a person was given in the last 30 days, whichever agencies asked.
CREATE INDEX campaign_recipients_given ON campaign_recipients (subscriber_id, decided_at)
    WHERE status = 'sent';

-- News consents withdrawn from a campaign's mail: a count per campaign, nobody named.
CREATE TABLE news_withdrawals (
    campaign_id text        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX news_withdrawals_by_campaign ON news_withdrawals (campaign_id);

-- A campaign mail's one-click link withdraws the address's yes to news: a token of the address,
-- like the preference centre's, with the campaign it came from in `preferences`.
ALTER TABLE tokens DROP CONSTRAINT tokens_purpose_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_purpose_check
    CHECK (purpose IN ('confirm', 'unsubscribe', 'manage', 'news'));
ALTER TABLE tokens DROP CONSTRAINT tokens_owner_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_owner_check
    CHECK ((purpose IN ('manage', 'news')) = (subscriber_id IS NOT NULL AND subscription_id IS NULL));
