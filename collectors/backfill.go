package collectors

import "strings"

// backfillMark prefixes the stored cursor of a (source, brand) whose first
// walk is not complete. That walk reads posts that predate the monitor, and
// max_pages, a rate limit or the run timeout often cut it short; the runs
// that resume it must still count its posts as backfill, after a restart
// too, so the mark is stored with the cursor it belongs to. Collectors
// never see it, and the page that ends the walk stores its cursor without
// it. A cursor stored without the mark (or before the mark existed) is past
// its first walk.
const backfillMark = "backfill:"

// splitBackfill returns the collector's cursor in a stored one, and whether
// the walk it continues is the first: no cursor yet, or a marked one.
func splitBackfill(saved string) (cursor string, backfill bool) {
	if saved == "" {
		return "", true
	}
	if c, ok := strings.CutPrefix(saved, backfillMark); ok {
		return c, true
	}
	return saved, false
}

// joinBackfill is the cursor to store for a collector's cursor; "" (nothing
// to store) stays "".
func joinBackfill(cursor string, backfill bool) string {
	if !backfill || cursor == "" {
		return cursor
	}
	return backfillMark + cursor
}
