package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

//go:embed migrations_postgres/*.sql
var pgMigrations embed.FS

// Postgres is the Store for several replicas sharing one database. Its
// schema and semantics are those of SQLite; what differs is concurrency:
// writers of different replicas run at once, and a transaction that
// PostgreSQL aborts as a deadlock or serialization failure (two replicas
// saving overlapping batches) is run again.
type Postgres struct{ sqlStore }

var _ Store = (*Postgres)(nil)

// OpenPostgres connects to the database at dsn (a postgres:// URL or
// key=value string, as libpq takes) and applies pending migrations. Errors
// never include the DSN's password. now may be nil for time.Now.
func OpenPostgres(ctx context.Context, dsn string, now func() time.Time) (*Postgres, error) {
	if now == nil {
		now = time.Now
	}
	if _, err := pgconn.ParseConfig(dsn); err != nil {
		// pgconn's message quotes the DSN with the password masked
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Postgres{sqlStore{db: db, now: now, name: "postgres", numbered: true, text: pgText}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// pgMigrationLock is the advisory lock under which a replica migrates, so
// that replicas started together apply each migration once.
const pgMigrationLock = 0x7265706d6f6e01 // "repmon" 1

func (s *Postgres) migrate(ctx context.Context) error {
	names, err := fs.Glob(pgMigrations, "migrations_postgres/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	// PostgreSQL's DDL is transactional: all pending migrations apply in
	// one transaction, or none does.
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(pgMigrationLock)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		for _, name := range names {
			version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations_postgres/"), ".sql")
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			body, err := pgMigrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", version, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, s.now().Unix()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// pgText is outside text as PostgreSQL can store it: a UTF8 database's
// TEXT holds neither NUL nor invalid UTF-8, which SQLite keeps and a post
// may carry; each becomes U+FFFD.
func pgText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Windows implements Store.
func (s *Postgres) Windows(ctx context.Context, since time.Time) (map[string]Stats, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT brand, sum(total)::bigint, sum(positive)::bigint, sum(neutral)::bigint,
		sum(negative)::bigint, sum(compound_sum) FROM buckets WHERE start >= $1 GROUP BY brand`, bucketStart(since))
	if err != nil {
		return nil, fmt.Errorf("postgres: windows: %w", err)
	}
	out, err := scanWindows(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: windows: %w", err)
	}
	return out, nil
}

// Buckets implements Store.
func (s *Postgres) Buckets(ctx context.Context, brand, source string, since time.Time) ([]Bucket, error) {
	stmt := `SELECT start, sum(total)::bigint, sum(negative)::bigint FROM buckets WHERE brand = $1 AND start >= $2`
	args := []any{brand, bucketStart(since)}
	if source != "" {
		stmt += ` AND source = $3`
		args = append(args, source)
	}
	rows, err := s.db.QueryContext(ctx, stmt+` GROUP BY start ORDER BY start`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: buckets: %w", err)
	}
	out, err := scanBuckets(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: buckets: %w", err)
	}
	return out, nil
}

// pgDueSQL is SQLite's dueOnSQL: each channel with pending deliveries
// (found by one index probe each) and, for each, its oldest due ones, so
// that the limit applies per channel.
const pgDueSQL = `WITH RECURSIVE ch(c) AS (
		SELECT min(channel) FROM deliveries WHERE state = 'pending'
		UNION ALL
		SELECT (SELECT min(channel) FROM deliveries WHERE state = 'pending' AND channel > c) FROM ch WHERE c IS NOT NULL)
	SELECT d.alert_id, d.channel, a.rule, a.brand, a.created_at, a.payload, d.attempts
	FROM ch CROSS JOIN LATERAL (
		SELECT * FROM deliveries d
		WHERE d.state = 'pending' AND d.channel = ch.c AND d.next_attempt <= $1
			AND NOT (d.alert_id LIKE '%-resolved' AND EXISTS (SELECT 1 FROM deliveries f
				WHERE f.alert_id = substr(d.alert_id, 1, length(d.alert_id) - 9) AND f.channel = d.channel AND f.state = 'pending'))
		ORDER BY d.next_attempt, d.due_at, d.alert_id LIMIT $2) d
	JOIN alerts a ON a.id = d.alert_id
	WHERE ch.c IS NOT NULL
	ORDER BY d.channel, d.next_attempt, d.due_at, d.alert_id`

// Due implements Store.
func (s *Postgres) Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, pgDueSQL, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due: %w", err)
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: due: %w", err)
	}
	return out, nil
}

// The statements of Prune, each deleting one batch of pruneBatch rows in
// its own transaction; an alert's deliveries go with it (ON DELETE
// CASCADE).
const (
	pgPruneMentionsSQL = `DELETE FROM mentions WHERE seq IN
		(SELECT seq FROM mentions WHERE created_at < $1 AND NOT undated ORDER BY created_at LIMIT $2)`
	pgPruneBucketsSQL = `DELETE FROM buckets WHERE (brand, source, start) IN
		(SELECT brand, source, start FROM buckets WHERE start < $1 LIMIT $2)`
	pgPruneAlertsSQL = `DELETE FROM alerts WHERE id IN
		(SELECT id FROM alerts WHERE created_at < $1 AND NOT EXISTS
			(SELECT 1 FROM deliveries WHERE alert_id = alerts.id AND state = 'pending') LIMIT $2 FOR UPDATE SKIP LOCKED)`
)

// Prune implements Store.
func (s *Postgres) Prune(ctx context.Context, before time.Time) (Pruned, error) {
	var p Pruned
	for _, step := range []struct {
		n   *int64
		sql string
		arg int64
	}{
		{&p.Mentions, pgPruneMentionsSQL, before.UnixNano()},
		{&p.Buckets, pgPruneBucketsSQL, bucketStart(before)},
		{&p.Alerts, pgPruneAlertsSQL, before.UnixNano()},
	} {
		for {
			res, err := s.db.ExecContext(ctx, step.sql, step.arg, pruneBatch)
			if err != nil {
				return p, fmt.Errorf("postgres: prune: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return p, fmt.Errorf("postgres: prune: %w", err)
			}
			*step.n += n
			if n < pruneBatch {
				break
			}
		}
	}
	return p, nil
}

// pgLeaderLock is the advisory lock that the leading replica holds.
const pgLeaderLock = 0x7265706d6f6e02 // "repmon" 2

// Lease is the leadership of the replicas that share a database: the one
// replica that holds it collects, evaluates and delivers alerts and
// prunes; the others serve the API and metrics from the same database.
type Lease struct {
	conn *sql.Conn
	lost chan struct{}
	stop chan struct{}
	done chan struct{}
}

// Lead blocks until this process holds the leadership of the database or
// ctx is done. The leadership is a session-level advisory lock on one
// connection: PostgreSQL releases it when that session ends, so a replica
// that dies or loses the database hands it over. Every interval (at
// least a second) Lead tries again while another replica leads; once
// held, the lease checks its connection as often and closes Lost when the
// check fails, after which the lock may be another replica's.
func (s *Postgres) Lead(ctx context.Context, interval time.Duration) (*Lease, error) {
	interval = max(interval, time.Second)
	for {
		// a failed attempt (the database unreachable) is retried like a
		// lock that is held
		if l, _ := s.tryLead(ctx); l != nil {
			go l.watch(interval)
			return l, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// tryLead takes the leadership lock if it is free.
func (s *Postgres) tryLead(ctx context.Context) (*Lease, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var held bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, int64(pgLeaderLock)).Scan(&held); err != nil || !held {
		conn.Close()
		return nil, err
	}
	return &Lease{conn: conn, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}, nil
}

func (l *Lease) watch(interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		var held bool
		// the lock is this session's: a row of pg_locks with its pid
		err := l.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
			AND pid = pg_backend_pid() AND granted AND ((classid::bigint << 32) | objid::bigint) = $1)`, int64(pgLeaderLock)).Scan(&held)
		cancel()
		if err != nil || !held {
			close(l.lost)
			return
		}
	}
}

// Lost is closed when the lease may have passed to another replica.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Release gives the leadership up, for another replica to take.
func (l *Lease) Release() {
	close(l.stop)
	<-l.done
	select {
	case <-l.lost:
	default:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, int64(pgLeaderLock))
		cancel()
	}
	// closing returns the connection to the pool, still holding the lock
	// if the unlock failed; Raw closes the session itself
	l.conn.Raw(func(any) error { return driver.ErrBadConn })
	l.conn.Close()
}
