package store_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/store"
	"github.com/repmon/repmon/store/storetest"
)

func openPostgres(t *testing.T) store.Store {
	s, err := store.OpenPostgres(context.Background(), storetest.PostgresDSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgres(t *testing.T) { storetest.Run(t, openPostgres) }

// Two replicas saving the same posts at once store each once, and between
// them report each as new once, so that its alert is queued once.
func TestPostgresReplicasSaveOnce(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	var replicas []*store.Postgres
	for range 2 {
		s, err := store.OpenPostgres(ctx, dsn, nil) // the second finds the schema migrated
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		replicas = append(replicas, s)
	}
	var inserted atomic.Int64
	done := make(chan error, 8)
	for w := range 8 {
		go func() {
			s := replicas[w%2]
			var ms []repmon.Mention
			for i := range 50 {
				// overlapping batches in opposite orders, which deadlocked
				// when two transactions met before Save took each batch
				// in the order of its ids
				id := i
				if w%2 == 1 {
					id = 49 - i
				}
				ms = append(ms, storetest.Mention("acme", "hn", strconv.Itoa(id), -0.5))
			}
			got, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Mentions: ms, Alerts: func(in []repmon.Mention) []store.Alert {
				var out []store.Alert
				for _, m := range in {
					out = append(out, store.Alert{ID: "neg-" + m.ID, Rule: "neg", Brand: "acme", CreatedAt: m.CreatedAt, Payload: []byte(`{}`), Channels: []string{"slack"}})
				}
				return out
			}})
			inserted.Add(int64(len(got)))
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := inserted.Load(); n != 50 {
		t.Fatalf("Save reported %d new mentions in all, want 50", n)
	}
	page, _, err := replicas[1].Mentions(ctx, store.Query{Limit: 1000})
	if err != nil || len(page) != 50 {
		t.Fatalf("stored %d mentions, %v; want 50", len(page), err)
	}
	if n, _, err := replicas[0].Outbox(ctx); err != nil || n != 50 {
		t.Fatalf("Outbox = %d, %v; want 50 deliveries", n, err)
	}
	w, err := replicas[0].Windows(ctx, time.Time{})
	if err != nil || w["acme"].Total != 50 || w["acme"].Negative != 50 {
		t.Fatalf("Windows = %+v, %v; want 50 negative", w, err)
	}
}

// Text that a UTF8 database cannot hold (NUL, invalid UTF-8) is stored
// with U+FFFD in its place rather than failing the batch.
func TestPostgresStoresAnyText(t *testing.T) {
	s := openPostgres(t)
	ctx := context.Background()
	m := storetest.Mention("acme", "hn", "1", 0)
	m.Text = "nul\x00 and \xff bytes"
	m.Author = "a\x00b"
	if got, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Mentions: []repmon.Mention{m}}); err != nil || len(got) != 1 {
		t.Fatalf("Save = %d, %v", len(got), err)
	}
	page, _, err := s.Mentions(ctx, store.Query{})
	if err != nil || len(page) != 1 {
		t.Fatalf("Mentions = %d, %v", len(page), err)
	}
	if got := page[0].Text; got != "nul\uFFFD and \uFFFD bytes" || page[0].Author != "a\uFFFDb" {
		t.Fatalf("stored %q by %q", got, page[0].Author)
	}
}

// A DSN's password appears in no error.
func TestPostgresErrorsHidePassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"postgres://repmon:s3cr3t-pw@127.0.0.1:1/repmon?sslmode=disable&connect_timeout=2",
		"postgres://repmon:s3cr3t-pw@127.0.0.1:1/repmon?sslmode=bogus",
		"host=127.0.0.1 port=1 user=repmon password=s3cr3t-pw connect_timeout=2 sslmode=disable",
		"host=127.0.0.1 port=notaport password=s3cr3t-pw",
	} {
		s, err := store.OpenPostgres(ctx, dsn, nil)
		if err == nil {
			s.Close()
			t.Fatalf("OpenPostgres(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// One replica at a time holds the leadership; it passes on when the
// leader releases it or loses its session.
func TestPostgresLeadership(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	open := func() *store.Postgres {
		s, err := store.OpenPostgres(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	la, err := a.Lead(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// b waits while a leads
	short, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	if lb, err := b.Lead(short, time.Second); err == nil {
		lb.Release()
		t.Fatal("a second replica took the leadership while the first held it")
	}
	cancel()

	// a releases: b takes over
	la.Release()
	lb, err := b.Lead(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}

	// b's session ends (the database restarted, the network failed): b
	// sees the lease lost, and a can lead
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lb.Lost():
	case <-time.After(30 * time.Second):
		t.Fatal("the lease was not reported lost after its session ended")
	}
	lb.Release()
	la, err = a.Lead(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-la.Lost():
		t.Fatal("a fresh lease reported lost")
	case <-time.After(2500 * time.Millisecond):
	}
	la.Release()
}

// Two transactions that lock the same rows in opposite orders deadlock;
// PostgreSQL aborts one of them (40P01, as pgx reports it through
// database/sql), which runs again once the other has committed. Both
// writes land, each once.
func TestPostgresRetriesDeadlock(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t).(*store.Postgres)
	if err := s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL);
			INSERT INTO counters VALUES (1, 0), (2, 0);
			CREATE TABLE writers (who int NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var firstLocks sync.WaitGroup
	firstLocks.Add(2)
	write := func(first, second int) error {
		attempt := 0
		return s.Tx(ctx, func(tx *sql.Tx) error {
			attempt++
			calls.Add(1)
			_, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE id = $1`, first)
			if attempt == 1 {
				// both hold their first row before either asks for its
				// second (a failed update lets the other go on)
				firstLocks.Done()
				if err == nil {
					firstLocks.Wait()
				}
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE id = $1`, second); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO writers VALUES ($1)`, first)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- write(1, 2) }()
	go func() { errs <- write(2, 1) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a write failed: %v", err)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("the writes took %d attempts, want 3 (one deadlock victim run again)", n)
	}
	var n1, n2, writers int
	if err := s.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT (SELECT n FROM counters WHERE id = 1), (SELECT n FROM counters WHERE id = 2),
			(SELECT COUNT(*) FROM writers)`).Scan(&n1, &n2, &writers)
	}); err != nil {
		t.Fatal(err)
	}
	if n1 != 2 || n2 != 2 || writers != 2 {
		t.Errorf("counters %d, %d and %d writers; want 2, 2 and 2 (each write applied once)", n1, n2, writers)
	}
}
