-- Delivery records are kept 13 months: finished ones (sent, failed, cancelled) older than that
-- are deleted by the retention job, found through this index in age order.
CREATE INDEX deliveries_finished_by_age ON deliveries (created_at) WHERE status <> 'queued';
