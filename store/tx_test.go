package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/repmon/repmon/store"
)

// A write that the database aborts as a deadlock or a serialization
// failure runs again, up to four times in all, and what an aborted
// attempt wrote is gone; any other error ends it at once. (SQLite never
// reports either: the errors are PostgreSQL's, as pgx wraps them.)
func TestTxRetriesOnlyAbortedTransactions(t *testing.T) {
	ctx := context.Background()
	s := openSQLite(t).(*store.SQLite)
	if err := s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE writes (attempt INTEGER)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	deadlock := &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
	serialization := &pgconn.PgError{Code: "40001", Message: "could not serialize access"}
	other := errors.New("disk full")
	count := func() (n, last int) {
		t.Helper()
		if err := s.Tx(ctx, func(tx *sql.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(attempt), 0) FROM writes`).Scan(&n, &last)
		}); err != nil {
			t.Fatal(err)
		}
		return n, last
	}
	for _, tc := range []struct {
		name  string
		fails []error // what attempt k returns after writing; nil from then on
		calls int     // attempts that Tx makes
	}{
		{"deadlock then success", []error{deadlock, deadlock}, 3},
		{"serialization failure then success", []error{serialization}, 2},
		{"deadlock every time", []error{deadlock, deadlock, serialization, deadlock, deadlock}, 4},
		{"other error", []error{other}, 1},
		{"other error after a deadlock", []error{deadlock, other}, 2},
		{"unique violation", []error{&pgconn.PgError{Code: "23505"}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `DELETE FROM writes`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			calls := 0
			err := s.Tx(ctx, func(tx *sql.Tx) error {
				calls++
				if _, err := tx.ExecContext(ctx, `INSERT INTO writes VALUES (?)`, calls); err != nil {
					return err
				}
				if calls <= len(tc.fails) {
					return fmt.Errorf("insert mention: %w", tc.fails[calls-1])
				}
				return nil
			})
			if calls != tc.calls {
				t.Fatalf("fn ran %d times, want %d", calls, tc.calls)
			}
			n, last := count()
			if calls > len(tc.fails) {
				// the last attempt succeeded: its write alone is kept
				if err != nil || n != 1 || last != calls {
					t.Errorf("Tx = %v with %d rows written (last by attempt %d); want success and attempt %d's row alone", err, n, last, calls)
				}
				return
			}
			if !errors.Is(err, tc.fails[calls-1]) {
				t.Errorf("Tx = %v, want the last attempt's error %v", err, tc.fails[calls-1])
			}
			if n != 0 {
				t.Errorf("%d rows written by failed attempts, want none", n)
			}
		})
	}
}

// A write whose context ends while it waits to run again returns the
// error that stopped it, without another attempt.
func TestTxStopsRetryingWhenCancelled(t *testing.T) {
	s := openSQLite(t).(*store.SQLite)
	ctx, cancel := context.WithCancel(context.Background())
	deadlock := &pgconn.PgError{Code: "40P01"}
	calls := 0
	err := s.Tx(ctx, func(*sql.Tx) error {
		calls++
		cancel()
		return deadlock
	})
	if calls != 1 || !errors.Is(err, deadlock) {
		t.Fatalf("Tx ran fn %d times and returned %v; want 1 and the deadlock", calls, err)
	}
}
