-- The schema of the SQLite store's migrations 0001-0005 in one step, in
-- PostgreSQL's types. Times are unix nanoseconds (bucket starts unix
-- seconds), as in SQLite, so that paging cursors mean the same in both.
CREATE TABLE mentions (
	seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	brand            TEXT    NOT NULL,
	source           TEXT    NOT NULL,
	source_type      TEXT    NOT NULL,
	ext_id           TEXT    NOT NULL,
	url              TEXT    NOT NULL DEFAULT '',
	text             TEXT    NOT NULL,
	author           TEXT    NOT NULL DEFAULT '',
	author_followers BIGINT  NOT NULL DEFAULT 0,
	lang             TEXT    NOT NULL DEFAULT '',
	created_at       BIGINT  NOT NULL,
	collected_at     BIGINT  NOT NULL,
	likes            BIGINT  NOT NULL DEFAULT 0,
	reposts          BIGINT  NOT NULL DEFAULT 0,
	replies          BIGINT  NOT NULL DEFAULT 0,
	compound         DOUBLE PRECISION NOT NULL,
	pos              DOUBLE PRECISION NOT NULL,
	neu              DOUBLE PRECISION NOT NULL,
	neg              DOUBLE PRECISION NOT NULL,
	label            TEXT    NOT NULL,
	-- a post its source gave no date, stored with the time it was first
	-- collected; storage.retention keeps it (see the SQLite migration 0005)
	undated          BOOLEAN NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX mentions_ext ON mentions (brand, source, ext_id);
CREATE UNIQUE INDEX mentions_url ON mentions (brand, url) WHERE url <> '';
CREATE INDEX mentions_created ON mentions (created_at, seq);
CREATE INDEX mentions_brand_created ON mentions (brand, created_at, seq);
CREATE INDEX mentions_source_created ON mentions (source, created_at, seq);

CREATE TABLE cursors (
	source     TEXT   NOT NULL,
	brand      TEXT   NOT NULL,
	value      TEXT   NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (source, brand)
);

-- Aggregates maintained in the same transaction as the mentions, so that
-- trend gauges are cheap to compute at scrape time.
CREATE TABLE buckets (
	brand        TEXT   NOT NULL,
	source       TEXT   NOT NULL,
	start        BIGINT NOT NULL,
	total        BIGINT NOT NULL,
	positive     BIGINT NOT NULL,
	neutral      BIGINT NOT NULL,
	negative     BIGINT NOT NULL,
	compound_sum DOUBLE PRECISION NOT NULL,
	PRIMARY KEY (brand, source, start)
);
CREATE INDEX buckets_start_cover ON buckets (start) INCLUDE (brand, total, positive, neutral, negative, compound_sum);
CREATE INDEX buckets_brand_start ON buckets (brand, start) INCLUDE (total, negative);

CREATE TABLE alerts (
	id         TEXT   PRIMARY KEY,
	rule       TEXT   NOT NULL,
	brand      TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	payload    BYTEA  NOT NULL
);
CREATE INDEX alerts_rule_brand ON alerts (rule, brand, created_at);
CREATE INDEX alerts_created ON alerts (created_at);

CREATE TABLE deliveries (
	alert_id     TEXT   NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	channel      TEXT   NOT NULL,
	state        TEXT   NOT NULL, -- pending | sent | failed
	attempts     BIGINT NOT NULL DEFAULT 0,
	next_attempt BIGINT NOT NULL,
	-- when the delivery became due: its alert's creation, or the end of a
	-- Defer; retries do not move it
	due_at       BIGINT NOT NULL,
	last_error   TEXT   NOT NULL DEFAULT '',
	updated_at   BIGINT NOT NULL,
	PRIMARY KEY (alert_id, channel)
);
CREATE INDEX deliveries_channel_due ON deliveries (state, channel, next_attempt, due_at, alert_id);
CREATE INDEX deliveries_pending_due ON deliveries (state, due_at);
