package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/metrics"
	"github.com/repmon/repmon/store"
)

// Store is the part of store.Store a runner writes to.
type Store interface {
	Save(ctx context.Context, b store.Batch) ([]repmon.Mention, error)
	Cursor(ctx context.Context, source, brand string) (string, error)
}

// Scorer scores a normalised text about a brand (the name of a
// config.Brand), whose name then carries no sentiment.
type Scorer interface {
	Score(brand, text string) repmon.Sentiment
}

// AlertHook derives alerts from newly stored mentions. It runs inside the
// store transaction, so it must be pure and fast. backfill is true for the
// posts of the first walk of a (source, brand), which predate the monitor,
// however many runs that walk takes.
type AlertHook interface {
	Alerts(inserted []repmon.Mention, backfill bool) []store.Alert
}

// Runner runs one source: for each brand it fetches pages, normalises,
// matches, scores and stores them, page by page, so a failure on page 3
// keeps pages 1 and 2 and the next run resumes after them.
type Runner struct {
	Source     string
	SourceType string
	MaxPages   int
	Brands     []Brand
	Collector  Collector
	Store      Store
	Scorer     Scorer
	Alerts     AlertHook // may be nil
	Metrics    *metrics.Metrics
	Logger     *slog.Logger
	Now        func() time.Time
	// Retention, when set, drops posts created longer ago: the store
	// prunes them (storage.retention), so storing one again would count
	// and alert on it as new.
	Retention time.Duration
	// Observe, when set, hears the result of every run (the source_silent
	// alert rule listens here).
	Observe func(source string, res Result, at time.Time)
}

// Result of one run.
type Result struct {
	Outcome string // a metrics.Result* value
	Stored  int
	Err     error
	// Interrupted is set when the run was cut short by its context's
	// cancellation (shutdown): it is then neither counted nor observed.
	Interrupted bool
}

// Run collects every brand once. Errors are recorded, logged and returned in
// Result; one failing brand does not stop the others, except for rate limits
// and auth failures, which concern the whole source. Parts of a source that
// a collector skipped (Page.Skipped) fail the run in the same way, although
// the rest of the source was collected. A run that ctx's cancellation
// cuts short is only logged (see Result.Interrupted).
func (r *Runner) Run(ctx context.Context) Result {
	start := r.Now()
	res := Result{Outcome: metrics.ResultSuccess}
	if until := r.storedPause(ctx); until.After(start) {
		// told to wait before a restart: the new process's client has
		// forgotten, the store has not
		res.Outcome = metrics.ResultRateLimited
		res.Err = &Error{Source: r.Source, Reason: ReasonRateLimited, Until: until,
			Err: fmt.Errorf("paused until %s", until.UTC().Format(time.RFC3339))}
		return r.finish(start, res)
	}
	failed := false // a brand failed before any cancellation
	for _, b := range r.Brands {
		n, skipped, err := r.runBrandSafe(ctx, b)
		res.Stored += n
		failed = failed || (err != nil || skipped != nil) && ctx.Err() == nil
		if skipped != nil {
			res.Err = joinErr(res.Err, skipped)
			res.Outcome = outcome(skipped, res.Outcome)
		}
		if err == nil {
			continue
		}
		res.Err = joinErr(res.Err, err)
		res.Outcome = outcome(err, res.Outcome)
		if reason := ReasonOf(err); reason == ReasonRateLimited || reason == ReasonAuth || ctx.Err() != nil {
			break
		}
	}
	// also when another brand's error made the run an error rather than
	// rate_limited: the source still said to wait
	if until := pauseIn(res.Err); until.After(start) {
		if limit := start.Add(maxStoredPause); until.After(limit) {
			until = limit
		}
		r.storePause(ctx, until)
	}
	if res.Outcome == metrics.ResultError && !failed && errors.Is(ctx.Err(), context.Canceled) {
		// shut down mid-run (a deploy, Ctrl-C): what was stored is kept and
		// the next start resumes after it, so this is no failure of the
		// source, for the error counter, source_silent or the log's errors.
		// A brand that failed before the cancellation still makes the run
		// an error, and a run that outlasts its timeout ends with
		// DeadlineExceeded and counts.
		r.Logger.Info("collector run interrupted by shutdown", "stored", res.Stored,
			"duration", r.Now().Sub(start).Round(time.Millisecond), "err", res.Err)
		res.Interrupted = true
		return res
	}
	return r.finish(start, res)
}

// pauseIn returns the latest time a rate limit in err (a tree of joined
// and wrapped errors) said to wait until, or zero.
func pauseIn(err error) time.Time {
	var until time.Time
	var walk func(error)
	walk = func(err error) {
		for err != nil {
			if e, ok := err.(*Error); ok && e.Reason == ReasonRateLimited && e.Until.After(until) {
				until = e.Until
			}
			if l, ok := err.(interface{ Unwrap() []error }); ok {
				for _, e := range l.Unwrap() {
					walk(e)
				}
				return
			}
			err = errors.Unwrap(err)
		}
	}
	walk(err)
	return until
}

// maxStoredPause caps the pause a restart keeps: a server's reset time
// far ahead (a bad clock, an HTTP date years away) is not kept for longer.
const maxStoredPause = 24 * time.Hour

// pauseKey is the brand under which a source's rate-limit pause is kept
// among the cursors: no brand name has a '!'.
const pauseKey = "!paused_until"

// storedPause returns until when the source was told to wait, as stored by
// an earlier run (possibly of an earlier process), or zero.
func (r *Runner) storedPause(ctx context.Context) time.Time {
	v, err := r.Store.Cursor(ctx, r.Source, pauseKey)
	if err != nil || v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}
	}
	// Stored pauses end at most maxStoredPause after they were stored: one
	// further ahead was stored under a clock that was ahead and has been
	// put right since, and is ignored (clamping it to now would renew it
	// on every run).
	if t.After(r.Now().Add(maxStoredPause)) {
		return time.Time{}
	}
	return t
}

// storePause keeps a rate-limit pause across restarts, so that a restart
// (a deploy, a crash loop) does not ask a source that said to wait.
func (r *Runner) storePause(ctx context.Context, until time.Time) {
	b := store.Batch{Source: r.Source, Brand: pauseKey, Cursor: until.UTC().Format(time.RFC3339)}
	// also when the run was cancelled at shutdown, which is when a restart
	// most needs it
	if _, err := r.Store.Save(context.WithoutCancel(ctx), b); err != nil {
		r.Logger.Warn("could not store the rate-limit pause", "err", err)
	}
}

// finish records and logs a run's result.
func (r *Runner) finish(start time.Time, res Result) Result {
	end := r.Now()
	took := end.Sub(start)
	if r.Metrics != nil {
		r.Metrics.ObserveRun(r.Source, res.Outcome, took, end)
	}
	if r.Observe != nil {
		r.Observe(r.Source, res, end)
	}
	log := r.Logger.With("result", res.Outcome, "stored", res.Stored, "duration", took.Round(time.Millisecond))
	switch res.Outcome {
	case metrics.ResultSuccess:
		log.Info("collector run finished")
	case metrics.ResultRateLimited:
		var e *Error
		if errors.As(res.Err, &e) && !e.Until.IsZero() {
			log = log.With("paused_until", e.Until.UTC().Format(time.RFC3339))
		}
		log.Warn("collector rate limited", "err", res.Err)
	default:
		log.Error("collector run failed", "err", res.Err)
	}
	return res
}

// outcome maps an error to a run result; the worst seen wins.
func outcome(err error, prev string) string {
	var o string
	switch ReasonOf(err) {
	case ReasonAuth:
		o = metrics.ResultAuthError
	case ReasonRateLimited:
		o = metrics.ResultRateLimited
	default:
		o = metrics.ResultError
	}
	rank := map[string]int{metrics.ResultSuccess: 0, metrics.ResultRateLimited: 1, metrics.ResultError: 2, metrics.ResultAuthError: 3}
	if rank[o] > rank[prev] {
		return o
	}
	return prev
}

// runBrandSafe is runBrand with a panic in the collector turned into an
// error of the run, so that the run is still counted and observed (a source
// that panics on every run must show in metrics and source_silent, not only
// in a log line). What was stored before the panic stays, with its cursor.
func (r *Runner) runBrandSafe(ctx context.Context, b Brand) (stored int, skipped, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.Logger.Error("collector panicked", "brand", b.Name, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("collector panicked: %v", p)
		}
	}()
	return r.runBrand(ctx, b)
}

// runBrand returns how many mentions it stored, the failures of parts the
// collector skipped, and the error that stopped it.
func (r *Runner) runBrand(ctx context.Context, b Brand) (stored int, skipped, err error) {
	saved, err := r.Store.Cursor(ctx, r.Source, b.Name)
	if err != nil {
		return 0, nil, err
	}
	cursor, backfill := splitBackfill(saved)
	maxPages := r.MaxPages
	if maxPages <= 0 {
		maxPages = 1
	}
	for page := 0; page < maxPages; page++ {
		p, err := r.Collector.Fetch(ctx, b, cursor)
		if err != nil {
			return stored, skipped, err
		}
		if p.Skipped != nil {
			skipped = joinErr(skipped, p.Skipped)
		}
		if p.Cursor != "" {
			cursor = p.Cursor
		}
		// The page without More ends the walk: its posts are still backfill
		// when the walk is the first, the next walk's are not.
		batch := store.Batch{Source: r.Source, Brand: b.Name, Cursor: joinBackfill(cursor, backfill && p.More), Mentions: r.mentions(b, p.Posts)}
		if r.Alerts != nil {
			bf := backfill
			batch.Alerts = func(inserted []repmon.Mention) []store.Alert { return r.Alerts.Alerts(inserted, bf) }
		}
		inserted, err := r.Store.Save(ctx, batch)
		if err != nil {
			return stored, skipped, err
		}
		stored += len(inserted)
		if r.Metrics != nil {
			for _, m := range inserted {
				r.Metrics.ObserveMention(m)
			}
		}
		if !p.More {
			break
		}
	}
	return stored, skipped, nil
}

// mentions normalises, matches and scores the posts of one page. Posts the
// brand query does not match are dropped here, whatever the source's own
// search returned. A post's text is plain text (its collector converted any
// HTML), so it gets only Text: parsing it as HTML would cut it at a "<".
func (r *Runner) mentions(b Brand, posts []repmon.Post) []repmon.Mention {
	now := r.Now().UTC()
	out := make([]repmon.Mention, 0, len(posts))
	for _, p := range posts {
		text := Text(p.Text)
		if p.ID == "" || text == "" || !b.Query.Match(text) {
			continue
		}
		created := p.CreatedAt.UTC()
		if created.IsZero() {
			created = now
		}
		if r.Retention > 0 && created.Before(now.Add(-r.Retention)) {
			continue
		}
		out = append(out, repmon.Mention{
			Source: r.Source, SourceType: r.SourceType, ID: p.ID, Brand: b.Name, Text: text,
			URL: CanonicalURL(p.URL), Author: p.Author, AuthorFollowers: p.AuthorFollowers, Lang: p.Lang,
			CreatedAt: created, CollectedAt: now, Undated: p.CreatedAt.IsZero() || p.Revised, Likes: p.Likes, Reposts: p.Reposts, Replies: p.Replies,
			Sentiment: r.Scorer.Score(b.Name, text),
		})
	}
	return out
}

// errList is errors.Join with its errors on one line ("a; b"): a run's
// error goes into one log field, where Join's newlines came out as "\n".
type errList []error

func (l errList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

func (l errList) Unwrap() []error { return l }

// joinErr returns a and b as one error, nil if both are nil.
func joinErr(a, b error) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	var l errList
	if al, ok := a.(errList); ok {
		l = append(l, al...)
	} else {
		l = append(l, a)
	}
	return append(l, b)
}
