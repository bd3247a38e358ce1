-- The retention job finds applied events by age (see retention.py).
CREATE INDEX inbox_received_at ON inbox (received_at);
