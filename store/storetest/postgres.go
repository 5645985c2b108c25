package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/repmon/repmon/store" // registers the "pgx" driver
)

var schemas atomic.Int64

// PostgresDSN returns a DSN of the database in REPMON_TEST_POSTGRES_DSN
// that uses a new empty schema, dropped when t ends. Without that
// variable t is skipped, unless REPMON_REQUIRE_POSTGRES=1 (as .ci/run
// sets) makes its absence a failure.
func PostgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("REPMON_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("REPMON_REQUIRE_POSTGRES") == "1" {
			t.Fatal("REPMON_TEST_POSTGRES_DSN is not set and REPMON_REQUIRE_POSTGRES=1")
		}
		t.Skip("REPMON_TEST_POSTGRES_DSN is not set")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := fmt.Sprintf("repmon_test_%d_%d", os.Getpid(), schemas.Add(1))
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), `DROP SCHEMA `+name+` CASCADE`) })
	sep := " "
	if strings.Contains(dsn, "://") {
		sep = "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
	}
	return dsn + sep + "search_path=" + name
}
