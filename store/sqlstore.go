package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/repmon/repmon"
)

// sqlStore is what the SQLite and PostgreSQL stores share: the methods
// whose SQL is the same in both but for placeholders. Statements are
// written with '?' and bound to $1, $2... for PostgreSQL.
type sqlStore struct {
	db       *sql.DB
	now      func() time.Time
	name     string // "sqlite" or "postgres": the prefix of errors
	numbered bool   // placeholders are $1, $2... rather than ?
	// text is outside text (a post, an author) as the database can hold it
	text func(string) string
}

// bind returns stmt with the store's placeholders.
func (s *sqlStore) bind(stmt string) string {
	if !s.numbered || !strings.Contains(stmt, "?") {
		return stmt
	}
	var b strings.Builder
	n := 0
	for _, c := range stmt {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// tx runs fn in a transaction, again (up to four times in all) when the
// database aborts it as a deadlock or a serialization failure, which
// PostgreSQL replicas saving overlapping batches cause and which leave
// nothing applied. (SQLite serialises writers and reports neither.)
func (s *sqlStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
			}
		}
		err = s.tx1(ctx, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func (s *sqlStore) tx1(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// retryable reports PostgreSQL's deadlock (40P01) or serialization
// failure (40001).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// Save implements Store.
func (s *sqlStore) Save(ctx context.Context, b Batch) ([]repmon.Mention, error) {
	var inserted []repmon.Mention
	err := s.tx(ctx, func(tx *sql.Tx) error {
		inserted = inserted[:0]
		ins, err := tx.PrepareContext(ctx, s.bind(`INSERT INTO mentions
			(brand, source, source_type, ext_id, url, text, author, author_followers, lang, created_at, collected_at,
			 likes, reposts, replies, compound, pos, neu, neg, label, undated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`))
		if err != nil {
			return err
		}
		defer ins.Close()
		agg, err := tx.PrepareContext(ctx, s.bind(`INSERT INTO buckets AS b (brand, source, start, total, positive, neutral, negative, compound_sum)
			VALUES (?, ?, ?, 1, ?, ?, ?, ?)
			ON CONFLICT (brand, source, start) DO UPDATE SET
				total = b.total + 1, positive = b.positive + excluded.positive, neutral = b.neutral + excluded.neutral,
				negative = b.negative + excluded.negative, compound_sum = b.compound_sum + excluded.compound_sum`))
		if err != nil {
			return err
		}
		defer agg.Close()
		// in the order of their ids, so that two transactions saving
		// overlapping batches take the rows' locks in one order and wait
		// for each other rather than deadlock; inserted keeps the batch's
		// order
		order := make([]int, len(b.Mentions))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(i, j int) int { return strings.Compare(b.Mentions[i].ID, b.Mentions[j].ID) })
		isNew := make([]bool, len(b.Mentions))
		for _, i := range order {
			m := b.Mentions[i]
			st := m.Sentiment
			res, err := ins.ExecContext(ctx, m.Brand, m.Source, m.SourceType, s.text(m.ID), s.text(m.URL), s.text(m.Text), s.text(m.Author),
				m.AuthorFollowers, s.text(m.Lang), m.CreatedAt.UnixNano(), m.CollectedAt.UnixNano(), m.Likes, m.Reposts, m.Replies,
				st.Compound, st.Pos, st.Neu, st.Neg, st.Label, m.Undated)
			if err != nil {
				return fmt.Errorf("insert mention: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			isNew[i] = true
			if _, err := agg.ExecContext(ctx, m.Brand, m.Source, bucketStart(m.CreatedAt), b2i(st.Label == repmon.LabelPositive),
				b2i(st.Label == repmon.LabelNeutral), b2i(st.Label == repmon.LabelNegative), st.Compound); err != nil {
				return fmt.Errorf("update buckets: %w", err)
			}
		}
		for i, m := range b.Mentions {
			if isNew[i] {
				inserted = append(inserted, m)
			}
		}
		if b.Cursor != "" {
			if _, err := tx.ExecContext(ctx, s.bind(`INSERT INTO cursors (source, brand, value, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (source, brand) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
				b.Source, b.Brand, b.Cursor, s.now().UnixNano()); err != nil {
				return fmt.Errorf("save cursor: %w", err)
			}
		}
		if b.Alerts != nil && len(inserted) > 0 {
			return s.enqueue(ctx, tx, b.Alerts(inserted))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: save %s/%s: %w", s.name, b.Source, b.Brand, err)
	}
	return inserted, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Enqueue implements Store.
func (s *sqlStore) Enqueue(ctx context.Context, alerts []Alert) error {
	if err := s.tx(ctx, func(tx *sql.Tx) error { return s.enqueue(ctx, tx, alerts) }); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	return nil
}

func (s *sqlStore) enqueue(ctx context.Context, tx *sql.Tx, alerts []Alert) error {
	now := s.now()
	for _, a := range alerts {
		res, err := tx.ExecContext(ctx, s.bind(`INSERT INTO alerts (id, rule, brand, created_at, payload) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`), a.ID, a.Rule, a.Brand, a.CreatedAt.UnixNano(), a.Payload)
		if err != nil {
			return fmt.Errorf("enqueue alert: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // already queued: the id is the idempotency key
		}
		for _, ch := range a.Channels {
			if _, err := tx.ExecContext(ctx, s.bind(`INSERT INTO deliveries (alert_id, channel, state, next_attempt, due_at, updated_at)
				VALUES (?, ?, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING`), a.ID, ch, a.CreatedAt.UnixNano(), a.CreatedAt.UnixNano(), now.UnixNano()); err != nil {
				return fmt.Errorf("enqueue delivery: %w", err)
			}
		}
	}
	return nil
}

// Cursor implements Store.
func (s *sqlStore) Cursor(ctx context.Context, source, brand string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.bind(`SELECT value FROM cursors WHERE source = ? AND brand = ?`), source, brand).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("%s: cursor: %w", s.name, err)
	}
	return v, nil
}

// Mentions implements Store.
func (s *sqlStore) Mentions(ctx context.Context, q Query) ([]repmon.Mention, string, error) {
	stmt, args, limit, err := mentionsQuery(q)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.db.QueryContext(ctx, s.bind(stmt), args...)
	if err != nil {
		return nil, "", fmt.Errorf("%s: mentions: %w", s.name, err)
	}
	out, next, err := scanMentions(rows, limit)
	if err != nil {
		return nil, "", fmt.Errorf("%s: mentions: %w", s.name, err)
	}
	return out, next, nil
}

func (s *sqlStore) setDelivery(ctx context.Context, op, stmt string, args ...any) error {
	if _, err := s.db.ExecContext(ctx, s.bind(stmt), args...); err != nil {
		return fmt.Errorf("%s: %s: %w", s.name, op, err)
	}
	return nil
}

// Delivered implements Store.
func (s *sqlStore) Delivered(ctx context.Context, alertID, channel string, at time.Time) error {
	return s.setDelivery(ctx, "delivered", `UPDATE deliveries SET state = 'sent', attempts = attempts + 1, last_error = '', updated_at = ?
		WHERE alert_id = ? AND channel = ?`, at.UnixNano(), alertID, channel)
}

// Retry implements Store.
func (s *sqlStore) Retry(ctx context.Context, alertID, channel string, next time.Time, reason string) error {
	return s.setDelivery(ctx, "retry", `UPDATE deliveries SET attempts = attempts + 1, next_attempt = ?, last_error = ?, updated_at = ?
		WHERE alert_id = ? AND channel = ? AND state = 'pending'`, next.UnixNano(), s.text(reason), s.now().UnixNano(), alertID, channel)
}

// Defer implements Store.
func (s *sqlStore) Defer(ctx context.Context, alertID, channel string, until time.Time, reason string) error {
	return s.setDelivery(ctx, "defer", `UPDATE deliveries SET next_attempt = ?, due_at = ?, last_error = ?, updated_at = ?
		WHERE alert_id = ? AND channel = ? AND state = 'pending'`, until.UnixNano(), until.UnixNano(), s.text(reason), s.now().UnixNano(), alertID, channel)
}

// Fail implements Store.
func (s *sqlStore) Fail(ctx context.Context, alertID, channel, reason string) error {
	return s.setDelivery(ctx, "fail", `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ?
		WHERE alert_id = ? AND channel = ?`, s.text(reason), s.now().UnixNano(), alertID, channel)
}

// Outbox implements Store.
func (s *sqlStore) Outbox(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.bind(`SELECT count(*), min(CASE WHEN due_at <= ? THEN due_at END) FROM deliveries
		WHERE state = 'pending'`), s.now().UnixNano()).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("%s: outbox: %w", s.name, err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, time.Unix(0, oldest.Int64).UTC(), nil
}

// LastAlert implements Store.
func (s *sqlStore) LastAlert(ctx context.Context, rule, brand string) (time.Time, error) {
	var last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.bind(`SELECT max(created_at) FROM alerts WHERE rule = ? AND brand = ?`), rule, brand).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("%s: last alert: %w", s.name, err)
	}
	if !last.Valid {
		return time.Time{}, nil
	}
	return time.Unix(0, last.Int64).UTC(), nil
}

// RuleAlerts implements Store.
func (s *sqlStore) RuleAlerts(ctx context.Context, rule string, since time.Time) ([]Alert, error) {
	from := int64(math.MinInt64) // the zero time has no UnixNano
	if !since.IsZero() {
		from = since.UnixNano()
	}
	rows, err := s.db.QueryContext(ctx, s.bind(`SELECT id, rule, brand, created_at, payload FROM alerts
		WHERE rule = ? AND created_at >= ? ORDER BY created_at, id`), rule, from)
	if err != nil {
		return nil, fmt.Errorf("%s: rule alerts: %w", s.name, err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var created int64
		if err := rows.Scan(&a.ID, &a.Rule, &a.Brand, &created, &a.Payload); err != nil {
			return nil, fmt.Errorf("%s: rule alerts: %w", s.name, err)
		}
		a.CreatedAt = time.Unix(0, created).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: rule alerts: %w", s.name, err)
	}
	return out, nil
}

// Ping implements Store.
func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close implements Store.
func (s *sqlStore) Close() error { return s.db.Close() }
