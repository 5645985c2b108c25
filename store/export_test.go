package store

import (
	"context"
	"database/sql"
)

// Tx runs fn as the stores run their writes (with sqlStore.tx's retries),
// for the tests of package store_test.
func (s *sqlStore) Tx(ctx context.Context, fn func(*sql.Tx) error) error { return s.tx(ctx, fn) }
