package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestMigrateDueAt: a database from before deliveries had due_at keeps its
// pending deliveries, due from their alerts' creation.
func TestMigrateDueAt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "repmon.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := migrations.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, stmt := range []string{
		string(v1),
		`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		`INSERT INTO schema_migrations VALUES ('0001_init', 0)`,
		`INSERT INTO alerts VALUES ('a1', 'neg', 'acme', ` + strconv.FormatInt(created.UnixNano(), 10) + `, '{}')`,
		`INSERT INTO deliveries (alert_id, channel, state, next_attempt, updated_at) VALUES ('a1', 'hook', 'pending', 0, 0)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := OpenSQLite(ctx, path, func() time.Time { return created.Add(time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, oldest, err := s.Outbox(ctx)
	if err != nil || n != 1 || !oldest.Equal(created) {
		t.Fatalf("Outbox after migrating = %d, %v, %v; want 1 due since %v", n, oldest, err, created)
	}
	if due, err := s.Due(ctx, created, 10); err != nil || len(due) != 1 {
		t.Fatalf("Due after migrating = %+v, %v", due, err)
	}
}
