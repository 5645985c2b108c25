-- storage.retention deletes alerts by creation time.
CREATE INDEX IF NOT EXISTS alerts_created ON alerts (created_at);
