CREATE TABLE mentions (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	brand            TEXT    NOT NULL,
	source           TEXT    NOT NULL,
	source_type      TEXT    NOT NULL,
	ext_id           TEXT    NOT NULL,
	url              TEXT    NOT NULL DEFAULT '',
	text             TEXT    NOT NULL,
	author           TEXT    NOT NULL DEFAULT '',
	author_followers INTEGER NOT NULL DEFAULT 0,
	lang             TEXT    NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL, -- unix nanoseconds
	collected_at     INTEGER NOT NULL,
	likes            INTEGER NOT NULL DEFAULT 0,
	reposts          INTEGER NOT NULL DEFAULT 0,
	replies          INTEGER NOT NULL DEFAULT 0,
	compound         REAL    NOT NULL,
	pos              REAL    NOT NULL,
	neu              REAL    NOT NULL,
	neg              REAL    NOT NULL,
	label            TEXT    NOT NULL
);
CREATE UNIQUE INDEX mentions_ext ON mentions (brand, source, ext_id);
CREATE UNIQUE INDEX mentions_url ON mentions (brand, url) WHERE url <> '';
CREATE INDEX mentions_created ON mentions (created_at, seq);
CREATE INDEX mentions_brand_created ON mentions (brand, created_at, seq);

CREATE TABLE cursors (
	source     TEXT    NOT NULL,
	brand      TEXT    NOT NULL,
	value      TEXT    NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (source, brand)
);

-- Aggregates maintained in the same transaction as the mentions, so that
-- trend gauges are cheap to compute at scrape time.
CREATE TABLE buckets (
	brand        TEXT    NOT NULL,
	source       TEXT    NOT NULL,
	start        INTEGER NOT NULL, -- unix seconds, multiple of the bucket width
	total        INTEGER NOT NULL,
	positive     INTEGER NOT NULL,
	neutral      INTEGER NOT NULL,
	negative     INTEGER NOT NULL,
	compound_sum REAL    NOT NULL,
	PRIMARY KEY (brand, source, start)
);
CREATE INDEX buckets_start ON buckets (start);

CREATE TABLE alerts (
	id         TEXT    PRIMARY KEY,
	rule       TEXT    NOT NULL,
	brand      TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	payload    BLOB    NOT NULL
);
CREATE INDEX alerts_rule_brand ON alerts (rule, brand, created_at);

CREATE TABLE deliveries (
	alert_id     TEXT    NOT NULL REFERENCES alerts (id),
	channel      TEXT    NOT NULL,
	state        TEXT    NOT NULL, -- pending | sent | failed
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL, -- unix nanoseconds
	last_error   TEXT    NOT NULL DEFAULT '',
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (alert_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt);
