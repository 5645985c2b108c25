package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/repmon/repmon"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// SQLite is the embedded default Store, backed by modernc.org/sqlite (pure
// Go, no cgo) in WAL mode.
type SQLite struct{ sqlStore }

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the database file at path and applies
// pending migrations. now may be nil for time.Now.
func OpenSQLite(ctx context.Context, path string, now func() time.Time) (*SQLite, error) {
	if now == nil {
		now = time.Now
	}
	// BEGIN IMMEDIATE takes the write lock up front, so two writers queue on
	// busy_timeout instead of failing with SQLITE_BUSY on lock upgrade.
	// synchronous=NORMAL in WAL mode survives a process crash (SIGKILL); only
	// an OS crash can lose the last commits.
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	if path == ":memory:" {
		return nil, errors.New("sqlite: :memory: is not supported; use a temporary file")
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.SetMaxOpenConns(4)
	s := &SQLite{sqlStore{db: db, now: now, name: "sqlite", text: func(s string) string { return s }}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		// the first statement opens the file: name it, as the driver
		// says only "unable to open database file"
		return nil, fmt.Errorf("%w (database %s)", err, path)
	}
	return s, nil
}

func (s *SQLite) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, s.now().Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", version, err)
		}
	}
	return nil
}

// mentionsQuery is the statement of Query q and its arguments, with '?'
// placeholders; limit is the page size, one less than the rows the
// statement asks for.
func mentionsQuery(q Query) (stmt string, args []any, limit int, err error) {
	limit = q.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	var where []string
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	if q.Brand != "" {
		add("brand = ?", q.Brand)
	}
	if q.Source != "" {
		add("source = ?", q.Source)
	}
	if q.Sentiment != "" {
		add("label = ?", q.Sentiment)
	}
	if !q.Since.IsZero() {
		add("created_at >= ?", q.Since.UnixNano())
	}
	order, cmp := "DESC", "<"
	if q.Ascending {
		order, cmp = "ASC", ">"
	}
	if q.Cursor != "" {
		ts, seq, err := decodeCursor(q.Cursor)
		if err != nil {
			return "", nil, 0, err
		}
		where = append(where, fmt.Sprintf("(created_at, seq) %s (?, ?)", cmp))
		args = append(args, ts, seq)
	}
	stmt = `SELECT seq, brand, source, source_type, ext_id, url, text, author, author_followers, lang, created_at, collected_at,
		likes, reposts, replies, compound, pos, neu, neg, label FROM mentions`
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += fmt.Sprintf(" ORDER BY created_at %s, seq %s LIMIT %d", order, order, limit+1)
	return stmt, args, limit, nil
}

// scanMentions reads the rows of a mentionsQuery statement: a page of at
// most limit mentions and the cursor of the next page.
func scanMentions(rows *sql.Rows, limit int) ([]repmon.Mention, string, error) {
	defer rows.Close()
	var out []repmon.Mention
	var lastTS, lastSeq int64
	next := ""
	for rows.Next() {
		if len(out) == limit {
			next = encodeCursor(lastTS, lastSeq)
			break
		}
		var m repmon.Mention
		var created, collected, seq int64
		st := &m.Sentiment
		if err := rows.Scan(&seq, &m.Brand, &m.Source, &m.SourceType, &m.ID, &m.URL, &m.Text, &m.Author, &m.AuthorFollowers,
			&m.Lang, &created, &collected, &m.Likes, &m.Reposts, &m.Replies, &st.Compound, &st.Pos, &st.Neu, &st.Neg, &st.Label); err != nil {
			return nil, "", err
		}
		m.CreatedAt = time.Unix(0, created).UTC()
		m.CollectedAt = time.Unix(0, collected).UTC()
		lastTS, lastSeq = created, seq
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

func encodeCursor(ts, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ts, 10) + ":" + strconv.FormatInt(seq, 10)))
}

func decodeCursor(c string) (int64, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, ErrBadCursor
	}
	a, z, ok := strings.Cut(string(b), ":")
	ts, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(z, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, ErrBadCursor
	}
	return ts, seq, nil
}

// Windows implements Store.
// windowsSQL sums each brand's buckets from a start. Without INDEXED BY
// the planner scans every bucket ever stored (to group by brand without a
// sort), not the window's.
const windowsSQL = `SELECT brand, sum(total), sum(positive), sum(neutral), sum(negative), sum(compound_sum)
	FROM buckets INDEXED BY buckets_start_cover WHERE start >= ? GROUP BY brand`

func (s *SQLite) Windows(ctx context.Context, since time.Time) (map[string]Stats, error) {
	rows, err := s.db.QueryContext(ctx, windowsSQL, bucketStart(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: windows: %w", err)
	}
	out, err := scanWindows(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: windows: %w", err)
	}
	return out, nil
}

// scanWindows reads rows of brand and the sums of Stats.
func scanWindows(rows *sql.Rows) (map[string]Stats, error) {
	defer rows.Close()
	out := map[string]Stats{}
	for rows.Next() {
		var brand string
		var st Stats
		if err := rows.Scan(&brand, &st.Total, &st.Positive, &st.Neutral, &st.Negative, &st.CompoundSum); err != nil {
			return nil, err
		}
		out[brand] = st
	}
	return out, rows.Err()
}

func bucketStart(t time.Time) int64 {
	w := int64(BucketWidth / time.Second)
	return t.Unix() / w * w
}

// Buckets implements Store.
const bucketsSQL = `SELECT start, sum(total), sum(negative) FROM buckets WHERE brand = ? AND start >= ?`

func (s *SQLite) Buckets(ctx context.Context, brand, source string, since time.Time) ([]Bucket, error) {
	stmt := bucketsSQL
	args := []any{brand, bucketStart(since)}
	if source != "" {
		stmt += ` AND source = ?`
		args = append(args, source)
	}
	rows, err := s.db.QueryContext(ctx, stmt+` GROUP BY start ORDER BY start`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: buckets: %w", err)
	}
	out, err := scanBuckets(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: buckets: %w", err)
	}
	return out, nil
}

// scanBuckets reads rows of start (unix seconds), total and negative.
func scanBuckets(rows *sql.Rows) ([]Bucket, error) {
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		var b Bucket
		var start int64
		if err := rows.Scan(&start, &b.Total, &b.Negative); err != nil {
			return nil, err
		}
		b.Start = time.Unix(start, 0).UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// Due implements Store.
func (s *SQLite) Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	// One indexed query per channel with pending deliveries (found by one
	// index seek each), so that the limit applies per channel and a
	// backlog on one channel costs no more than its limit: ranking every
	// pending row to apply a per-channel limit took over a second per poll
	// with 291k pending.
	chs, err := s.db.QueryContext(ctx, `WITH RECURSIVE ch(c) AS (
			SELECT min(channel) FROM deliveries WHERE state = 'pending'
			UNION ALL
			SELECT (SELECT min(channel) FROM deliveries WHERE state = 'pending' AND channel > c) FROM ch WHERE c IS NOT NULL)
		SELECT c FROM ch WHERE c IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due: %w", err)
	}
	var channels []string
	for chs.Next() {
		var c string
		if err := chs.Scan(&c); err != nil {
			chs.Close()
			return nil, fmt.Errorf("sqlite: due: %w", err)
		}
		channels = append(channels, c)
	}
	chs.Close()
	if err := chs.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: due: %w", err)
	}
	var out []Delivery
	for _, ch := range channels {
		ds, err := s.dueOn(ctx, ch, now, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

const dueOnSQL = `SELECT d.alert_id, d.channel, a.rule, a.brand, a.created_at, a.payload, d.attempts
	FROM deliveries d INDEXED BY deliveries_channel_due JOIN alerts a ON a.id = d.alert_id
	WHERE d.state = 'pending' AND d.channel = ? AND d.next_attempt <= ?
		AND NOT (d.alert_id LIKE '%-resolved' AND EXISTS (SELECT 1 FROM deliveries f
			WHERE f.alert_id = substr(d.alert_id, 1, length(d.alert_id) - 9) AND f.channel = d.channel AND f.state = 'pending'))
	ORDER BY d.next_attempt, d.due_at, d.alert_id LIMIT ?`

// dueOn is Due for one channel.
func (s *SQLite) dueOn(ctx context.Context, channel string, now time.Time, limit int) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, dueOnSQL, channel, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due: %w", err)
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due: %w", err)
	}
	return out, nil
}

// scanDeliveries reads the rows of dueOnSQL.
func scanDeliveries(rows *sql.Rows) ([]Delivery, error) {
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var created int64
		if err := rows.Scan(&d.AlertID, &d.Channel, &d.Rule, &d.Brand, &created, &d.Payload, &d.Attempts); err != nil {
			return nil, err
		}
		d.CreatedAt = time.Unix(0, created).UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// The statements of Prune, each deleting one batch: a batch (1,000
// mentions with their five index entries each, or 1,000 alerts with their
// deliveries) held the write lock for 5 to 45 ms in a measurement, so a
// collector's Save or the outbox waits that long at most.
const (
	pruneBatch = 1000
	// an undated mention stays: its created_at is when it was first
	// collected, and once deleted, its feed would bring it back as new
	pruneMentionsSQL = `DELETE FROM mentions WHERE seq IN
		(SELECT seq FROM mentions WHERE created_at < ? AND NOT undated ORDER BY created_at LIMIT ?)`
	pruneBucketsSQL = `DELETE FROM buckets WHERE rowid IN
		(SELECT rowid FROM buckets INDEXED BY buckets_start_cover WHERE start < ? LIMIT ?)`
	// +state: the alert's own deliveries by primary key, not every pending
	// delivery by state
	pruneAlertsSQL = `SELECT id FROM alerts WHERE created_at < ? AND NOT EXISTS
		(SELECT 1 FROM deliveries WHERE alert_id = alerts.id AND +state = 'pending') LIMIT ?`
)

// Prune implements Store.
func (s *SQLite) Prune(ctx context.Context, before time.Time) (Pruned, error) {
	var p Pruned
	for _, step := range []struct {
		n   *int64
		sql string
		arg int64
	}{
		{&p.Mentions, pruneMentionsSQL, before.UnixNano()},
		{&p.Buckets, pruneBucketsSQL, bucketStart(before)},
	} {
		for {
			res, err := s.db.ExecContext(ctx, step.sql, step.arg, pruneBatch)
			if err != nil {
				return p, fmt.Errorf("sqlite: prune: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return p, fmt.Errorf("sqlite: prune: %w", err)
			}
			*step.n += n
			if n < pruneBatch {
				break
			}
		}
	}
	for {
		n, err := s.pruneAlerts(ctx, before)
		p.Alerts += int64(n)
		if err != nil {
			return p, fmt.Errorf("sqlite: prune: %w", err)
		}
		if n < pruneBatch {
			return p, nil
		}
	}
}

// pruneAlerts deletes one batch of alerts created before before whose
// deliveries are all done, deliveries first (they reference the alert).
func (s *SQLite) pruneAlerts(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, pruneAlertsSQL, before.UnixNano(), pruneBatch)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		delDeliveries, err := tx.PrepareContext(ctx, `DELETE FROM deliveries WHERE alert_id = ?`)
		if err != nil {
			return err
		}
		defer delDeliveries.Close()
		delAlert, err := tx.PrepareContext(ctx, `DELETE FROM alerts WHERE id = ?`)
		if err != nil {
			return err
		}
		defer delAlert.Close()
		for _, id := range ids {
			if _, err := delDeliveries.ExecContext(ctx, id); err != nil {
				return err
			}
			if _, err := delAlert.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
