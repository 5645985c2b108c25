package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryPlans: the queries that run every scrape, every minute and every
// second read through an index bounded by their window, not the whole
// history (a full scan of the buckets took seconds on a year of data).
func TestQueryPlans(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "repmon.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		name, sql string
		args      []any
		want      string
	}{
		{"Windows", windowsSQL, []any{0}, "USING COVERING INDEX buckets_start_cover (start>?)"},
		{"Buckets", bucketsSQL + " GROUP BY start ORDER BY start", []any{"acme", 0}, "USING COVERING INDEX buckets_brand_start (brand=? AND start>?)"},
		{"Buckets of a source", bucketsSQL + " AND source = ? GROUP BY start ORDER BY start", []any{"acme", 0, "hn"}, "(brand=? AND source=? AND start>?)"},
		{"Due on a channel", dueOnSQL, []any{"hook", 0, 100}, "USING INDEX deliveries_channel_due (state=? AND channel=? AND next_attempt<?)"},
		{"Prune mentions", pruneMentionsSQL, []any{0, 10}, "USING INDEX mentions_created (created_at<?)"},
		{"Prune buckets", pruneBucketsSQL, []any{0, 10}, "USING COVERING INDEX buckets_start_cover (start<?)"},
		{"Prune alerts", pruneAlertsSQL, []any{0, 10}, "USING INDEX alerts_created (created_at<?); CORRELATED SCALAR SUBQUERY 1; SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 (alert_id=?)"},
		{"Mentions of a source", "SELECT seq, text FROM mentions WHERE source = ? AND (created_at, seq) < (?, ?) ORDER BY created_at DESC, seq DESC LIMIT 101",
			[]any{"hn", 0, 0}, "USING INDEX mentions_source_created (source=? AND created_at<?)"},
	} {
		rows, err := s.db.Query("EXPLAIN QUERY PLAN "+tc.sql, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, tc.want) {
			t.Errorf("%s: plan %q, want %q", tc.name, p, tc.want)
		}
	}
}
