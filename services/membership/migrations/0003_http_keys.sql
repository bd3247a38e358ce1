-- Agencies' keys for ingest's HTTP door: kept as SHA-256 only; a revoked key keeps its row.
CREATE TABLE agency_http_keys (
    key_id     text        PRIMARY KEY,
    code       text        NOT NULL REFERENCES agencies (code),
    key_sha256 text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE INDEX agency_http_keys_live ON agency_http_keys (code) WHERE revoked_at IS NULL;
