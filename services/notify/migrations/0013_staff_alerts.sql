-- Internal alerts: a signed-in member of staff's wish to hear of vacancies for the network's
-- staff only, at their work address (the site vouches for the address: its owner signed in).
CREATE TABLE staff_alerts (
    id                text        PRIMARY KEY,
    email             text        NOT NULL,
    occupation_fields text[]      NOT NULL,
    municipalities    text[]      NOT NULL,
    language          text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX staff_alerts_by_email ON staff_alerts (lower(email));
