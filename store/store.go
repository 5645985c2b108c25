// Package store persists mentions, collector cursors and the alert outbox.
//
// The Store interface is the contract every implementation (SQLite today,
// PostgreSQL later) must meet; storetest holds the suite that checks it.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/repmon/repmon"
)

// ErrBadCursor is returned when a paging cursor cannot be decoded.
var ErrBadCursor = errors.New("store: invalid cursor")

// Store is the monitor's persistent state.
//
// Concurrency: every method is safe for concurrent use. Writes are
// serialised by the implementation; readers never see a half-applied Save.
//
// Atomicity: Save inserts mentions, advances the (source, brand) cursor and
// enqueues the alerts derived from the inserted mentions in one transaction.
// After a crash at any point either all of it is stored or none of it is, so
// the next run resumes from the old cursor and re-fetches the same posts,
// which uniqueness then drops: nothing is lost and nothing is duplicated.
//
// Uniqueness: a mention is identified by (brand, source, id). A second
// mention for the same brand with the same non-empty URL is also dropped, so
// one post reached through two feeds is stored once.
//
// Ownership: slices passed in are not retained; slices returned belong to
// the caller.
//
// Shutdown: Close waits for nothing; callers stop their writers first. Any
// use after Close returns an error.
type Store interface {
	// Save applies a batch atomically and returns the mentions that were new.
	Save(ctx context.Context, b Batch) ([]repmon.Mention, error)
	// Cursor returns the stored cursor for (source, brand), "" if none.
	Cursor(ctx context.Context, source, brand string) (string, error)
	// Mentions returns one page of mentions and the cursor of the next page
	// ("" on the last page).
	Mentions(ctx context.Context, q Query) ([]repmon.Mention, string, error)
	// Windows aggregates mentions created at or after since, per brand.
	Windows(ctx context.Context, since time.Time) (map[string]Stats, error)
	// Buckets returns per-interval mention counts for one brand (all sources
	// when source is ""), oldest first, from since on. Intervals without
	// mentions are absent.
	Buckets(ctx context.Context, brand, source string, since time.Time) ([]Bucket, error)

	// Enqueue adds alerts to the outbox outside of a Save (aggregate rules).
	// Alerts whose ID is already present are ignored.
	Enqueue(ctx context.Context, alerts []Alert) error
	// Due returns the pending deliveries whose next attempt is at or before
	// now, up to limit for each channel: channel by channel (by name), each
	// channel's oldest first. The delivery of an alert whose ID is that of
	// another alert with the suffix "-resolved" is not due while the other
	// alert's delivery on the same channel is pending, so that a resolution
	// never reaches a channel before the alert it resolves.
	Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// Delivered marks one delivery sent.
	Delivered(ctx context.Context, alertID, channel string, at time.Time) error
	// Retry records a failed attempt and when to try again.
	Retry(ctx context.Context, alertID, channel string, next time.Time, reason string) error
	// Defer makes a pending delivery wait until the given time on purpose
	// (a group window, a digest period): no attempt is counted, and it
	// counts as due only from then on.
	Defer(ctx context.Context, alertID, channel string, until time.Time, reason string) error
	// Fail marks a delivery permanently failed with its reason.
	Fail(ctx context.Context, alertID, channel, reason string) error
	// Outbox reports the pending deliveries and, of those that are due (at
	// the store's clock), when the one that has waited longest became due:
	// its alert's creation, or the end of its Defer. oldest is zero when
	// none is due.
	Outbox(ctx context.Context) (pending int, oldest time.Time, err error)
	// LastAlert returns when rule last produced an alert for brand, zero if never.
	LastAlert(ctx context.Context, rule, brand string) (time.Time, error)
	// RuleAlerts returns the alerts of rule created at or after since,
	// oldest first, with their payloads (Channels is not filled in).
	RuleAlerts(ctx context.Context, rule string, since time.Time) ([]Alert, error)

	// Prune deletes what was created before before: mentions (except
	// undated ones, which would come back as new), the aggregates of
	// their intervals, and alerts none of whose deliveries is pending,
	// with those deliveries. Cursors stay. It works in small
	// transactions, so that collectors and the outbox are not held up, and
	// stops early when ctx is done.
	Prune(ctx context.Context, before time.Time) (Pruned, error)

	// Ping checks that the store is usable, for /readyz.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Pruned counts what one Prune deleted.
type Pruned struct {
	Mentions, Buckets, Alerts int64
}

// Batch is what one collector run stores for one (source, brand).
type Batch struct {
	Source   string
	Brand    string
	Mentions []repmon.Mention
	// Cursor, when not empty, replaces the stored cursor of (Source, Brand).
	Cursor string
	// Alerts, when set, is called inside the transaction with the mentions
	// that were actually inserted; the alerts it returns are enqueued in the
	// same transaction. It must not block or do I/O.
	Alerts func(inserted []repmon.Mention) []Alert
}

// Query selects mentions. Zero fields do not filter.
type Query struct {
	Brand     string
	Source    string
	Sentiment string    // positive | neutral | negative
	Since     time.Time // created at or after
	Limit     int       // default 100, at most 1000
	Cursor    string    // from a previous page
	Ascending bool      // oldest first; default newest first
}

// Stats aggregates mentions over a window.
type Stats struct {
	Total, Positive, Neutral, Negative int64
	CompoundSum                        float64
}

// Bucket counts the mentions created in one interval.
type Bucket struct {
	Start    time.Time
	Total    int64
	Negative int64
}

// BucketWidth is the granularity of the aggregates behind Windows and Buckets.
const BucketWidth = 5 * time.Minute

// Alert is an outbox entry: an alert with the channels it must reach.
// Payload is the channel-independent JSON the alerts package renders from.
type Alert struct {
	ID        string // stable idempotency key
	Rule      string
	Brand     string
	CreatedAt time.Time
	Payload   []byte
	Channels  []string
}

// Delivery is one pending (alert, channel) pair.
type Delivery struct {
	AlertID   string
	Channel   string
	Rule      string
	Brand     string
	CreatedAt time.Time
	Payload   []byte
	Attempts  int
}
