package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/metrics"
	"github.com/repmon/repmon/query"
	"github.com/repmon/repmon/store"
)

func TestJitterFor(t *testing.T) {
	now := time.Date(2025, 3, 10, 11, 0, 30, 0, time.UTC)
	for _, tc := range []struct {
		spec string
		want time.Duration
	}{
		{"@every 2s", 500 * time.Millisecond},
		{"@every 20s", 5 * time.Second},
		{"*/5 * * * *", 10 * time.Second},
		{"@hourly", 10 * time.Second},
		{"not a spec", 10 * time.Second},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			if got := jitterFor(tc.spec, 10*time.Second, now); got != tc.want {
				t.Errorf("jitterFor(%q) = %v, want %v", tc.spec, got, tc.want)
			}
		})
	}
}

// TestNoRunAfterStop: a tick still waiting out its start delay when Stop
// comes, and a tick after it, start no run, and Stop does not wait for the
// delay.
func TestNoRunAfterStop(t *testing.T) {
	s := NewScheduler(slog.New(slog.DiscardHandler), time.Hour)
	var started atomic.Int32
	if err := s.Add(Job{Name: "hn", Schedule: "@every 1h", Timeout: time.Minute, Run: func(context.Context) { started.Add(1) }}); err != nil {
		t.Fatal(err)
	}
	jb := s.jobs[0]
	waiting := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		close(waiting)
		s.exec(jb, time.Hour) // a tick in its start delay
	}()
	<-waiting
	s.Stop(time.Hour) // returns once the waiting tick gives up
	s.exec(jb, 0)     // a tick after Stop
	if n := started.Load(); n != 0 {
		t.Errorf("%d runs started after Stop", n)
	}
}

type panicCollector struct{}

func (panicCollector) Fetch(context.Context, Brand, string) (Page, error) {
	var m map[string]int
	m["x"] = 1 // a bug on an unexpected answer
	return Page{}, nil
}

type emptyStore struct{}

func (emptyStore) Save(context.Context, store.Batch) ([]repmon.Mention, error) { return nil, nil }
func (emptyStore) Cursor(context.Context, string, string) (string, error)      { return "", nil }

// TestPanickingRunIsCounted: a collector that panics makes an error run
// that metrics and the alert hook see, and the other brands still run.
func TestPanickingRunIsCounted(t *testing.T) {
	var got []Result
	r := &Runner{Source: "hn", MaxPages: 1, Brands: []Brand{{Name: "acme"}, {Name: "globex"}}, Collector: panicCollector{},
		Store: emptyStore{}, Logger: slog.New(slog.DiscardHandler), Now: time.Now,
		Observe: func(_ string, res Result, _ time.Time) { got = append(got, res) }}
	res := r.Run(context.Background())
	if res.Outcome != metrics.ResultError || len(got) != 1 || !strings.Contains(fmt.Sprint(res.Err), "collector panicked") ||
		strings.Count(fmt.Sprint(res.Err), "panicked") != 2 {
		t.Errorf("Run = %+v, observed %d runs; want one error run with both brands' panics", res, len(got))
	}
}

// blockingCollector answers the first brand (with an error when fail
// is set), then waits on the second until its context ends.
type blockingCollector struct {
	started chan struct{}
	fail    bool
}

func (c blockingCollector) Fetch(ctx context.Context, b Brand, _ string) (Page, error) {
	if b.Name == "acme" {
		if c.fail {
			return Page{}, &Error{Source: "hn", Reason: ReasonBadResponse, Err: errors.New("malformed JSON")}
		}
		return Page{}, nil
	}
	close(c.started)
	<-ctx.Done()
	return Page{}, fmt.Errorf("fetch: %w", ctx.Err())
}

// TestInterruptedRunIsNotAFailure: a run cancelled by shutdown is logged
// as interrupted and neither counted as an error nor observed; a run in
// which a brand failed before the cancellation, and a run that outlasts
// its timeout, still are both.
func TestInterruptedRunIsNotAFailure(t *testing.T) {
	cancelled := func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }
	for _, tc := range []struct {
		name        string
		ctx         func() (context.Context, context.CancelFunc)
		fail        bool // the first brand fails
		interrupted bool
	}{
		{"cancelled", cancelled, false, true},
		{"failed, then cancelled", cancelled, true, false},
		{"timed out", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New(&config.Config{}, "test", nil, time.Now)
			var logs strings.Builder
			var observed []Result
			c := blockingCollector{started: make(chan struct{}), fail: tc.fail}
			r := &Runner{Source: "hn", MaxPages: 1, Brands: []Brand{{Name: "acme"}, {Name: "globex"}}, Collector: c,
				Store: emptyStore{}, Metrics: m, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: time.Now,
				Observe: func(_ string, res Result, _ time.Time) { observed = append(observed, res) }}
			ctx, cancel := tc.ctx()
			defer cancel()
			if _, timed := ctx.Deadline(); !timed {
				go func() { <-c.started; cancel() }() // shutdown, while the second brand runs
			}
			res := r.Run(ctx)
			var d dto.Metric
			if err := m.CollectorRuns.WithLabelValues("hn", metrics.ResultError).Write(&d); err != nil {
				t.Fatal(err)
			}
			errs := d.GetCounter().GetValue()
			if tc.interrupted {
				if !res.Interrupted || len(observed) != 0 || errs != 0 || !strings.Contains(logs.String(), "interrupted by shutdown") || strings.Contains(logs.String(), "level=ERROR") {
					t.Errorf("Run = %+v, observed %d, error runs %v, log:\n%s\nwant an interrupted run, not observed or counted, logged at INFO", res, len(observed), errs, logs.String())
				}
				return
			}
			if res.Interrupted || res.Outcome != metrics.ResultError || len(observed) != 1 || errs != 1 {
				t.Errorf("Run = %+v, observed %d, error runs %v; want a counted and observed error run", res, len(observed), errs)
			}
		})
	}
}

// ctxStore is a Store whose Save fails on a done context, as the SQLite
// store's transactions do.
type ctxStore struct {
	emptyStore
	saved []store.Batch
}

func (s *ctxStore) Save(ctx context.Context, b store.Batch) ([]repmon.Mention, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.saved = append(s.saved, b)
	return nil, nil
}

// TestPauseStoredAtShutdown: a rate-limit pause is stored also when the
// run's context was cancelled, as at shutdown, when a restart needs it.
func TestPauseStoredAtShutdown(t *testing.T) {
	st := &ctxStore{}
	r := &Runner{Source: "hn", Store: st, Logger: slog.New(slog.DiscardHandler), Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.storePause(ctx, time.Now().Add(time.Hour))
	if len(st.saved) != 1 || st.saved[0].Brand != pauseKey {
		t.Errorf("saved %+v, want the pause", st.saved)
	}
}

// onePost answers every brand with one post that names it.
type onePost struct{}

func (onePost) Fetch(_ context.Context, b Brand, _ string) (Page, error) {
	return Page{Posts: []repmon.Post{{ID: "1", Text: b.Name + " sold me a stale cake", CreatedAt: time.Now()}}}, nil
}

// brandScorer records the brand each text was scored for.
type brandScorer struct{ brands []string }

func (s *brandScorer) Score(brand, _ string) repmon.Sentiment {
	s.brands = append(s.brands, brand)
	return repmon.Sentiment{Label: "neutral"}
}

// TestScoredForItsBrand: the runner scores a post for the brand whose
// query it matched, so that the brand's name carries no sentiment in it.
func TestScoredForItsBrand(t *testing.T) {
	sc := &brandScorer{}
	r := &Runner{Source: "hn", MaxPages: 1, Collector: onePost{}, Store: emptyStore{}, Scorer: sc,
		Brands: []Brand{{Name: "Delight Bakery", Query: query.MustParse(`"delight bakery"`)}, {Name: "northwind", Query: query.MustParse("northwind")}},
		Logger: slog.New(slog.DiscardHandler), Now: time.Now}
	r.Run(context.Background())
	if got := fmt.Sprint(sc.brands); got != "[Delight Bakery northwind]" {
		t.Errorf("scored for %s, want [Delight Bakery northwind]", got)
	}
}
