// Package collectors fetches brand mentions from social networks and news
// feeds.
//
// Each source type lives in one file behind the Collector interface; what
// every source needs (HTTP with timeouts, size caps and retries, rate-limit
// bookkeeping, normalisation, the run loop that stores page by page) is
// written once here.
package collectors

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/query"
)

// Brand is a brand as a collector sees it: its name and compiled query.
type Brand struct {
	Name  string
	Query *query.Query
}

// Page is one step of a run: posts and the cursor that covers them.
type Page struct {
	Posts []repmon.Post
	// Cursor is stored in the same transaction as Posts. It must let the next
	// Fetch resume right after this page: never past a post that is not in
	// Posts or an earlier page. It must not start with "backfill:", which
	// the runner uses to mark a first walk that is not complete.
	Cursor string
	// More asks the runner to call Fetch again with Cursor in the same run.
	// A page without More ends a walk (every feed, alternative or stream
	// read up to the present): the runner counts every page of the first
	// walk of a brand as backfill, over as many runs as it takes.
	More bool
	// Skipped is why a part of the source (a feed, a search alternative, a
	// stream) failed, when Fetch moved Cursor past it instead of returning
	// the error, so that one broken part does not stop the others for good.
	// The runner stores the page and reports Skipped in the run's result.
	// Rate limits, authentication failures and a cancelled context concern
	// the whole source and are returned as errors, never skipped.
	Skipped error
}

// Collector fetches one source's posts for a brand.
//
// Fetch returns the page after cursor ("" on the first run of a brand).
// Errors should be *Error where the caller must tell rate limits and
// authentication failures apart from other failures. Implementations are
// used by one run at a time per source, but must not keep a context.
type Collector interface {
	Fetch(ctx context.Context, b Brand, cursor string) (Page, error)
}

// skippable reports whether Fetch should move past a part of the source
// (one of parts feeds, alternatives or streams) that failed with err, and
// report it in Page.Skipped. Not for rate limits, authentication failures or
// a cancelled run, which concern the whole source; and not for a source of
// one part, where nothing waits behind it and returning the error keeps the
// part's position for the next run.
func skippable(ctx context.Context, err error, parts int) bool {
	reason := ReasonOf(err)
	return parts > 1 && reason != ReasonRateLimited && reason != ReasonAuth && ctx.Err() == nil
}

// Deps are what collectors are built with.
type Deps struct {
	Logger *slog.Logger
	// HTTP is the transport under every collector's client; tests and the
	// v1.1 endpoint override swap it. nil means http.DefaultTransport.
	Transport http.RoundTripper
	Now       func() time.Time
	// Backoff is the base delay of retries on 5xx and network errors.
	Backoff time.Duration
}

// New builds the collector for a configured source.
func New(src config.Source, d Deps) (Collector, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	c := newClient(src, d)
	switch src.Type {
	case config.TypeHackerNews:
		return newHackerNews(src, c), nil
	case config.TypeRSS:
		return newRSS(src, c), nil
	case config.TypeX:
		return newX(src, c, d)
	case config.TypeReddit:
		return newReddit(src, c, d)
	case config.TypeMastodon:
		return newMastodon(src, c, d)
	case config.TypeBluesky:
		return newBluesky(src, c, d)
	}
	return nil, fmt.Errorf("collectors: unknown source type %q", src.Type)
}

// nextPart moves a cursor's part index (a feed, a stream, an alternative of
// the brand query) past the part just read and reports whether another
// part follows in this walk; after the last it goes back to the first.
func nextPart(i *int, n int) bool {
	*i++
	if *i < n {
		return true
	}
	*i = 0
	return false
}
