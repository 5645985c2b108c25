package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/sentiment"
	"github.com/repmon/repmon/store"
	"github.com/repmon/repmon/store/storetest"
)

// TestHTTPServerLimits: no phase of a connection is unbounded, so that
// clients cannot hold connections (and file descriptors) indefinitely.
func TestHTTPServerLimits(t *testing.T) {
	s := newHTTPServer(http.NotFoundHandler())
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": s.ReadHeaderTimeout, "ReadTimeout": s.ReadTimeout,
		"WriteTimeout": s.WriteTimeout, "IdleTimeout": s.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s is unbounded", name)
		}
	}
	if s.MaxHeaderBytes <= 0 {
		t.Error("MaxHeaderBytes is the default 1 MB")
	}
}

// TestPrune: storage.retention is applied at start and again every
// interval until the monitor stops.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "repmon.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	save := func(id string, age time.Duration) {
		t.Helper()
		m := storetest.Mention("acme", "hn", id, -0.5)
		m.CreatedAt, m.CollectedAt = now.Add(-age), now.Add(-age)
		if _, err := st.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Mentions: []repmon.Mention{m}}); err != nil {
			t.Fatal(err)
		}
	}
	// only "recent" is left once the pruner has run since the last save
	waitForRecentOnly := func() {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			ms, _, err := st.Mentions(ctx, store.Query{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 1 && ms[0].ID == "recent" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("mentions %+v; want only the recent one", ms)
			}
		}
	}
	save("old", 31*24*time.Hour)
	save("recent", time.Hour)
	var logs bytes.Buffer
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		prune(pctx, st, 30*24*time.Hour, 5*time.Millisecond, func() time.Time { return now }, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	waitForRecentOnly()
	save("older", 40*24*time.Hour) // gone at a later pass
	waitForRecentOnly()
	cancel()
	<-done
	if !strings.Contains(logs.String(), "msg=pruned") {
		t.Errorf("no pruning logged:\n%s", logs.String())
	}
}

// TestSummary: the alert and UI summary names the words that moved the
// score, and the brand model when it overruled the rules, so that a
// mention flagged by the model alone does not come with an empty reason.
func TestSummary(t *testing.T) {
	a, err := sentiment.New()
	if err != nil {
		t.Fatal(err)
	}
	sc := newScorer(a, nil)
	for text, want := range map[string]string{
		"been on hold with northwind for two hours": `"on hold" -1.6`,
		"northwind finally fixed the app":           `brand model: positive over the rules' neutral, by "finally", "fixed"`,
	} {
		got := sc.Summary(repmon.Mention{Text: text})
		if !strings.Contains(got, want) {
			t.Errorf("Summary(%q) = %q, want it to contain %q", text, got, want)
		}
	}
	// a mention stored under other settings: the reason is today's
	m := repmon.Mention{Text: "been on hold with northwind for two hours", Sentiment: sc.Score("", "been on hold with northwind for two hours")}
	if got := sc.Summary(m); strings.Contains(got, "today") {
		t.Errorf("Summary of a mention scored today = %q", got)
	}
	m.Sentiment.Compound, m.Sentiment.Label = 0.9, "positive"
	if got, want := sc.Summary(m), `scored -0.5423 negative with today's settings: "on hold" -1.6`; !strings.HasPrefix(got, want) {
		t.Errorf("Summary of a mention scored under other settings = %q, want it to start with %q", got, want)
	}
}

// TestScorerNames checks that a brand's name carries no sentiment in the
// brand's own mentions, in their scores, explanations and reasons, and
// still does in another brand's: its config name read with spaces for
// '_' and '-', and the names it lists.
func TestScorerNames(t *testing.T) {
	a, err := sentiment.New()
	if err != nil {
		t.Fatal(err)
	}
	sc := newScorer(a, []config.Brand{{Name: "delight_bakery"}, {Name: "dlb", Names: []string{"Delight Bakery"}}, {Name: "northwind"}})
	text := "Delight Bakery sold me a stale cake"
	for _, brand := range []string{"delight_bakery", "dlb"} {
		if got := sc.Score(brand, text).Label; got != "negative" {
			t.Errorf("Score for %s = %s, want negative", brand, got)
		}
	}
	if got := sc.Score("northwind", text).Label; got != "positive" {
		t.Errorf("Score for another brand = %s, want positive (\"delight\" counts)", got)
	}
	ex, ok := sc.Explain("dlb", text).(sentiment.Explanation)
	if !ok || ex.Label != "negative" {
		t.Errorf("Explain = %+v, want the named explanation, negative", ex)
	}
	m := repmon.Mention{Brand: "dlb", Text: text, Sentiment: sc.Score("dlb", text)}
	if got := sc.Summary(m); strings.Contains(got, "Delight") || strings.Contains(got, "today") {
		t.Errorf("Summary = %q, want the stale cake without the name, scored as stored", got)
	}
	walk := "Walked past Delight Bakery this morning"
	m = repmon.Mention{Brand: "dlb", Text: walk, Sentiment: sc.Score("dlb", walk)}
	if got := sc.Summary(m); got != "(rules: brand_name)" {
		t.Errorf("Summary = %q, want only the rule that muted the name", got)
	}
}
