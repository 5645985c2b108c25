-- Indexes for the queries that run every scrape, every minute and every
-- second, so that their cost follows the window they read rather than the
-- whole history (measured on 2.5M mentions and 17.8M buckets: a scrape took
-- 5 s, an evaluation of the aggregate rules 10 s, a poll of 291k pending
-- deliveries 1.3 s).

-- Windows: a range scan over the window, covering the sums.
CREATE INDEX IF NOT EXISTS buckets_start_cover ON buckets (start, brand, total, positive, neutral, negative, compound_sum);
DROP INDEX IF EXISTS buckets_start;

-- Buckets of one brand (all sources) from a start time, in order.
CREATE INDEX IF NOT EXISTS buckets_brand_start ON buckets (brand, start, total, negative);

-- Due, one channel at a time.
CREATE INDEX IF NOT EXISTS deliveries_channel_due ON deliveries (state, channel, next_attempt, due_at, alert_id);

-- Mentions filtered by source without a brand.
CREATE INDEX IF NOT EXISTS mentions_source_created ON mentions (source, created_at, seq);
