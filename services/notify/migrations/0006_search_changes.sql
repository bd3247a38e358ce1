-- Each notify replica matches vacancies against an index of the saved searches kept in its
-- memory (domain/matching.py), built from subscription_keys. Every change to that table notes
-- the saved search here, with the id of the transaction that made it; a replica reads the
-- notes of every transaction not yet finished when it last looked (xid >= that snapshot's
-- xmin), so a change committed late is never skipped. Notes are kept a day.
CREATE TABLE search_changes (
    subscription_id text        NOT NULL,
    xid             xid8        NOT NULL DEFAULT pg_current_xact_id(),
    at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX search_changes_by_xid ON search_changes (xid);
CREATE INDEX search_changes_by_time ON search_changes (at);

CREATE FUNCTION note_added_search_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_changes (subscription_id) SELECT DISTINCT subscription_id FROM added;
    RETURN NULL;
END
$$;

CREATE FUNCTION note_removed_search_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_changes (subscription_id) SELECT DISTINCT subscription_id FROM removed;
    RETURN NULL;
END
$$;

CREATE TRIGGER subscription_keys_added AFTER INSERT ON subscription_keys
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION note_added_search_keys();
CREATE TRIGGER subscription_keys_removed AFTER DELETE ON subscription_keys
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION note_removed_search_keys();
