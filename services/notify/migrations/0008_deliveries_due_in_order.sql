-- Sending claims the queued deliveries in the order they fell due. Indexed in that order, a
-- claim reads the rows it takes; before, it read and sorted the whole queue each round (at
-- 50,000 queued, 60 ms and a 24 MB sort on disk for every 200 letters).
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'queued';
