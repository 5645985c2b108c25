package collectors

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/metrics"
	"github.com/repmon/repmon/store"
)

// backfillHook records, per mention id, the backfill flag it reached the
// alert hook with.
type backfillHook map[string]bool

func (h backfillHook) Alerts(in []repmon.Mention, backfill bool) []store.Alert {
	for _, m := range in {
		h[m.ID] = backfill
	}
	return nil
}

// walkCollector walks pages pages per walk, one post per page; its cursor
// is "walk/page". fail makes the Fetch calls it names (1-based) fail.
type walkCollector struct {
	pages int
	fail  map[int]bool
	calls int
}

func (c *walkCollector) Fetch(_ context.Context, _ Brand, cursor string) (Page, error) {
	c.calls++
	if c.fail[c.calls] {
		return Page{}, &Error{Source: "s", Reason: ReasonUnavailable, Err: errors.New("outage")}
	}
	walk, page := 1, 0
	if cursor != "" {
		if _, err := fmt.Sscanf(cursor, "%d/%d", &walk, &page); err != nil {
			return Page{}, fmt.Errorf("bad cursor %q", cursor)
		}
	}
	p := Page{Posts: []repmon.Post{{ID: fmt.Sprintf("w%d-p%d", walk, page), Text: "northwind"}}}
	if page+1 < c.pages {
		p.Cursor, p.More = fmt.Sprintf("%d/%d", walk, page+1), true
	} else {
		p.Cursor = fmt.Sprintf("%d/0", walk+1)
	}
	return p, nil
}

// Every page of the first walk is backfill, however many runs it takes
// (max_pages, failures) and across restarts (a new Runner on the same
// store); the next walk's posts are not. A cursor stored before the mark
// existed is past its first walk.
func TestBackfillLastsTheFirstWalk(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pages    int
		maxPages int
		fail     map[int]bool
		runs     int
		legacy   string // cursor stored before the first run
		want     map[string]bool
	}{
		{name: "walk in one run", pages: 3, maxPages: 5, runs: 2,
			want: map[string]bool{"w1-p0": true, "w1-p1": true, "w1-p2": true, "w2-p0": false, "w2-p1": false, "w2-p2": false}},
		{name: "walk cut by max_pages", pages: 3, maxPages: 1, runs: 4,
			want: map[string]bool{"w1-p0": true, "w1-p1": true, "w1-p2": true, "w2-p0": false}},
		{name: "walk cut by failures", pages: 3, maxPages: 5, fail: map[int]bool{1: true, 3: true}, runs: 4,
			want: map[string]bool{"w1-p0": true, "w1-p1": true, "w1-p2": true, "w2-p0": false, "w2-p1": false, "w2-p2": false}},
		{name: "cursor stored before the upgrade", pages: 2, maxPages: 1, runs: 2, legacy: "7/0",
			want: map[string]bool{"w7-p0": false, "w7-p1": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			if tc.legacy != "" {
				if _, err := st.Save(context.Background(), store.Batch{Source: "s", Brand: "northwind", Cursor: tc.legacy}); err != nil {
					t.Fatal(err)
				}
			}
			c := &walkCollector{pages: tc.pages, fail: tc.fail}
			hook := backfillHook{}
			now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
			for run := 0; run < tc.runs; run++ {
				// A new Runner per run: nothing but the store survives.
				r := &Runner{Source: "s", SourceType: "rss", MaxPages: tc.maxPages, Brands: []Brand{brand(t, "northwind", "northwind")},
					Collector: c, Store: st, Scorer: fixedScorer{}, Alerts: hook, Logger: discard(), Now: func() time.Time { return now }}
				r.Run(context.Background())
			}
			if fmt.Sprint(hook) != fmt.Sprint(tc.want) {
				t.Errorf("backfill per mention = %v\nwant %v", hook, tc.want)
			}
			cur, _ := st.Cursor(context.Background(), "s", "northwind")
			if strings.HasPrefix(cur, backfillMark) {
				t.Errorf("cursor after the first walk still marked: %q", cur)
			}
		})
	}
}

// Hacker News walks one alternative of the query after the other; with
// max_pages 1 the second is read on the second run, still as backfill.
func TestHackerNewsBackfillAcrossAlternatives(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"hits":[{"objectID":%q,"created_at_i":%d,"author":"a","title":"%s never again"}],"nbPages":1}`,
			q, now.Add(-2*time.Hour).Unix(), q)
	}))
	defer srv.Close()
	src := config.Source{Name: "hn", Type: config.TypeHackerNews, Endpoint: srv.URL, Backfill: config.Duration(24 * time.Hour)}
	c, err := New(src, Deps{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	hook := backfillHook{}
	r := &Runner{Source: "hn", SourceType: "hackernews", MaxPages: 1, Brands: []Brand{brand(t, "northwind", `northwind OR contoso`)},
		Collector: c, Store: st, Scorer: fixedScorer{}, Alerts: hook, Logger: discard(), Now: func() time.Time { return now }}
	for run := 1; run <= 2; run++ {
		if res := r.Run(context.Background()); res.Err != nil || res.Stored != 1 {
			t.Fatalf("run %d = %+v", run, res)
		}
	}
	if want := (backfillHook{"northwind": true, "contoso": true}); fmt.Sprint(hook) != fmt.Sprint(want) {
		t.Fatalf("backfill per mention = %v, want %v", hook, want)
	}
}

// limitedCollector answers every fetch with a rate limit until until.
type limitedCollector struct {
	until   time.Time
	fetches int
}

func (c *limitedCollector) Fetch(context.Context, Brand, string) (Page, error) {
	c.fetches++
	return Page{}, &Error{Source: "s", Reason: ReasonRateLimited, Until: c.until, Err: errors.New("429")}
}

// TestRateLimitPauseSurvivesRestart: a source that said to wait is not
// asked again before then by a new process either (a deploy, a crash
// loop), and a pause far ahead is kept for a day at most.
func TestRateLimitPauseSurvivesRestart(t *testing.T) {
	st := openStore(t)
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	run := func(c Collector, at time.Time) Result {
		r := &Runner{Source: "s", SourceType: "rss", MaxPages: 1, Brands: []Brand{brand(t, "northwind", "northwind")},
			Collector: c, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return at }}
		return r.Run(context.Background())
	}
	first := &limitedCollector{until: t0.Add(2 * time.Minute)}
	if res := run(first, t0); res.Outcome != metrics.ResultRateLimited || first.fetches != 1 {
		t.Fatalf("first run: %+v, %d fetches", res, first.fetches)
	}
	// a restart a minute later: a new collector, the same store
	again := &limitedCollector{until: t0.Add(time.Hour)}
	if res := run(again, t0.Add(time.Minute)); res.Outcome != metrics.ResultRateLimited || again.fetches != 0 {
		t.Fatalf("run after a restart inside the pause: %+v, %d fetches; want none", res, again.fetches)
	}
	// after the pause it is asked, and a pause of a month is kept for a day
	again.until = t0.Add(30 * 24 * time.Hour)
	if run(again, t0.Add(3*time.Minute)); again.fetches != 1 {
		t.Fatalf("%d fetches after the pause, want 1", again.fetches)
	}
	later := &limitedCollector{}
	if run(later, t0.Add(3*time.Minute+25*time.Hour)); later.fetches != 1 {
		t.Errorf("%d fetches a day after a month-long pause was stored, want 1", later.fetches)
	}

	// a pause stored while the clock was a year ahead, then put right
	skewed := &limitedCollector{until: t0.Add(366*24*time.Hour + time.Minute)}
	run(skewed, t0.Add(366*24*time.Hour))
	fixed := &limitedCollector{}
	if run(fixed, t0.Add(30*time.Hour)); fixed.fetches != 1 {
		t.Errorf("%d fetches once the clock was put right, want 1: a pause beyond a day from now is stale", fixed.fetches)
	}
}

// TestRateLimitPauseBehindAnError: a source that said to wait for one brand
// after another brand's error is paused across a restart too, although the
// run counts as an error.
func TestRateLimitPauseBehindAnError(t *testing.T) {
	st := openStore(t)
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	brands := []Brand{brand(t, "acme", "acme"), brand(t, "northwind", "northwind")}
	first := &mixedCollector{until: t0.Add(time.Hour)}
	r := &Runner{Source: "s", SourceType: "rss", MaxPages: 1, Brands: brands,
		Collector: first, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return t0 }}
	if res := r.Run(context.Background()); res.Outcome != metrics.ResultError {
		t.Fatalf("first run: %+v", res)
	}
	again := &limitedCollector{}
	r.Collector, r.Now = again, func() time.Time { return t0.Add(time.Minute) }
	if r.Run(context.Background()); again.fetches != 0 {
		t.Errorf("%d fetches after a restart inside the pause, want 0", again.fetches)
	}
}

// mixedCollector fails the brand acme with a 502 and rate-limits the rest.
type mixedCollector struct{ until time.Time }

func (c *mixedCollector) Fetch(_ context.Context, b Brand, _ string) (Page, error) {
	if b.Name == "acme" {
		return Page{}, &Error{Source: "s", Reason: ReasonUnavailable, Status: 502, Err: errors.New("bad gateway")}
	}
	return Page{}, &Error{Source: "s", Reason: ReasonRateLimited, Until: c.until, Err: errors.New("429")}
}
