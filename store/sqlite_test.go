package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/repmon/repmon/store"
	"github.com/repmon/repmon/store/storetest"
)

func openSQLite(t *testing.T) store.Store {
	s, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "repmon.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) { storetest.Run(t, openSQLite) }

func TestSQLiteReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "repmon.db")
	s, err := store.OpenSQLite(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Cursor: "42"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = store.OpenSQLite(ctx, path, nil) // migrations must not run twice
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, _ := s.Cursor(ctx, "hn", "acme"); c != "42" {
		t.Fatalf("cursor after reopen = %q", c)
	}
}
