-- When a delivery became due: its alert's creation, or the end of the wait
-- for a group window or a digest period. Retries do not move it, so the age
-- of the oldest pending delivery measures how long deliveries are stuck, not
-- how long grouped or digested alerts wait on purpose.
ALTER TABLE deliveries ADD COLUMN due_at INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET due_at = (SELECT a.created_at FROM alerts a WHERE a.id = deliveries.alert_id);
CREATE INDEX deliveries_pending_due ON deliveries (state, due_at);
