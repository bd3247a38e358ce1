-- Managers and mentors whose data mentoring erased (by their opaque reference): mail about a
-- match that names one of them is not recorded, even when the erasure arrives first (its
-- event and the match's ending are keyed differently, so either may come first).
CREATE TABLE erased_people (
    ref       text        PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
);
