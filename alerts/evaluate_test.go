package alerts

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/metrics"
	"github.com/repmon/repmon/store"
)

const aggDoc = `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}, {name: news, type: rss, feeds: ["https://example.com/f"]}]
alerts:
  channels: [{name: hooks, type: webhook, url: "http://127.0.0.1:1"}]
  rules:
    - {name: spike, type: volume_spike, channels: [hooks]}
    - {name: share, type: negative_share, channels: [hooks], level: 0.6}
    - {name: silent, type: source_silent, channels: [hooks], for: 2h, min_count: 1}
`

// fill stores n mentions of source in the hour starting at start, the first
// neg of them negative.
func fill(t *testing.T, st store.Store, source string, start time.Time, n, neg int) {
	t.Helper()
	var ms []repmon.Mention
	for i := 0; i < n; i++ {
		c := 0.5
		if i < neg {
			c = -0.7
		}
		ms = append(ms, mention("acme", source, fmt.Sprintf("%s-%d-%d", source, start.Unix(), i), c, start.Add(time.Duration(i)*time.Hour/time.Duration(n))))
	}
	if _, err := st.Save(context.Background(), store.Batch{Source: source, Brand: "acme", Mentions: ms}); err != nil {
		t.Fatal(err)
	}
}

// queued returns the alerts the harness's rules have enqueued, by id.
func queued(t *testing.T, h *harness) map[string]*Alert {
	t.Helper()
	out := map[string]*Alert{}
	for _, r := range h.cfg.Alerts.Rules {
		stored, err := h.st.RuleAlerts(context.Background(), r.Name, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, sa := range stored {
			a, err := decodeAlert(sa.Payload)
			if err != nil {
				t.Fatal(err)
			}
			out[sa.ID] = a
		}
	}
	return out
}

func TestAggregateRulesEndToEnd(t *testing.T) {
	h := newHarness(t, aggDoc)
	ctx := context.Background()
	for k := 48; k >= 2; k-- {
		fill(t, h.st, "hn", t0.Add(-time.Duration(k)*time.Hour), 20, 4)
	}
	fill(t, h.st, "hn", t0.Add(-time.Hour), 90, 70) // spike, mostly negative
	// news yielded every hour for a week, but nothing for the last 3 hours
	for k := 7 * 24; k >= 4; k-- {
		fill(t, h.st, "news", t0.Add(-time.Duration(k)*time.Hour), 1, 0)
	}
	h.clock.Advance(time.Minute)
	h.e.Evaluate(ctx)
	got := queued(t, h)
	rules := map[string]*Alert{}
	for _, a := range got {
		rules[a.Rule] = a
	}
	if len(got) != 3 || rules["spike"] == nil || rules["share"] == nil || rules["silent"] == nil {
		t.Fatalf("alerts %v, want spike, share and silent", keys(got))
	}
	if s := rules["silent"]; s.Source != "news" || !strings.Contains(s.Summary, "no mentions") {
		t.Errorf("silent alert %+v", s)
	}
	if a := rules["spike"]; a.ID != alertID("spike", "acme", windowKey(t0.Add(-time.Hour))) || !strings.Contains(a.Summary, "90 mentions") {
		t.Errorf("spike alert %s %q", a.ID, a.Summary)
	}

	// A restart re-evaluating at the same time produces the same ids, and
	// the cooldown (from the store) keeps later windows quiet.
	e2 := h.engine(t, h.st)
	e2.Evaluate(ctx)
	h.clock.Advance(10 * time.Minute)
	e2.Evaluate(ctx)
	if n := len(queued(t, h)); n != 3 {
		t.Errorf("%d alerts after restart, want still 3", n)
	}

	// Back to normal: the first engine resolves what it fired.
	fill(t, h.st, "hn", t0, 20, 4)
	fill(t, h.st, "news", t0, 1, 0)
	h.clock.Advance(time.Hour)
	h.e.Evaluate(ctx)
	var resolved []string
	for id, a := range queued(t, h) {
		if a.Status == StatusResolved {
			resolved = append(resolved, a.Rule)
			if !strings.HasSuffix(id, "-resolved") || a.EndsAt.IsZero() {
				t.Errorf("resolved alert %s %+v", id, a)
			}
		}
	}
	if len(resolved) != 3 {
		t.Errorf("resolved %v, want spike, share and silent", resolved)
	}
}

func TestSourceSilentFailingRuns(t *testing.T) {
	h := newHarness(t, aggDoc)
	ctx := context.Background()
	h.e.ObserveRun("hn", metrics.ResultSuccess, 3, t0.Add(-4*time.Hour))
	h.e.ObserveRun("hn", metrics.ResultAuthError, 0, t0.Add(-3*time.Hour))
	h.e.ObserveRun("hn", metrics.ResultError, 0, t0.Add(-time.Hour))
	h.e.ObserveRun("news", metrics.ResultRateLimited, 0, t0.Add(-time.Hour))
	h.e.Evaluate(ctx)
	got := queued(t, h)
	if len(got) != 1 {
		t.Fatalf("alerts %v, want one for hn", keys(got))
	}
	for _, a := range got {
		if a.Source != "hn" || !strings.Contains(a.Summary, "failing since") {
			t.Errorf("alert %+v", a)
		}
	}
	h.e.ObserveRun("hn", metrics.ResultSuccess, 0, t0)
	h.e.Evaluate(ctx)
	if n := len(queued(t, h)); n != 2 {
		t.Errorf("%d alerts, want firing + resolved", n)
	}
}

// TestSourceSilentWithBrands: a brands filter narrows the mentions a
// source_silent rule counts; the rule still watches every source.
func TestSourceSilentWithBrands(t *testing.T) {
	h := newHarness(t, strings.Replace(aggDoc, "{name: silent, type: source_silent,", "{name: silent, type: source_silent, brands: [acme],", 1))
	for k := 7 * 24; k >= 4; k-- {
		fill(t, h.st, "news", t0.Add(-time.Duration(k)*time.Hour), 1, 0)
	}
	h.e.Evaluate(context.Background())
	got := queued(t, h)
	if len(got) != 1 {
		t.Fatalf("alerts %v, want the silence of news", keys(got))
	}
	for _, a := range got {
		if a.Rule != "silent" || a.Source != "news" || a.Brand != "acme" {
			t.Errorf("alert %+v", a)
		}
	}
}

// TestFailingSourceSurvivesRestart: a restart while a source is failing
// neither resolves its alert nor fires a second one; the first successful
// run resolves it.
func TestFailingSourceSurvivesRestart(t *testing.T) {
	h := newHarness(t, aggDoc)
	ctx := context.Background()
	h.e.ObserveRun("hn", metrics.ResultSuccess, 3, t0.Add(-4*time.Hour))
	h.e.ObserveRun("hn", metrics.ResultAuthError, 0, t0.Add(-3*time.Hour))
	h.e.Evaluate(ctx)
	if n := len(queued(t, h)); n != 1 {
		t.Fatalf("alerts %v, want the failing one", keys(queued(t, h)))
	}
	for _, step := range []time.Duration{time.Minute, 2 * time.Hour} {
		h.clock.Advance(step)
		h.e = h.engine(t, h.st) // a restart
		h.e.ObserveRun("hn", metrics.ResultAuthError, 0, h.clock.Now())
		h.e.Evaluate(ctx)
		if got := queued(t, h); len(got) != 1 {
			t.Fatalf("after a restart while failing: %v, want still the one alert", keys(got))
		}
	}
	h.e.ObserveRun("hn", metrics.ResultSuccess, 1, h.clock.Now())
	h.e.Evaluate(ctx)
	if got := queued(t, h); len(got) != 2 {
		t.Errorf("after a successful run: %v, want the alert and its resolution", keys(got))
	}
}

func TestBacktest(t *testing.T) {
	h := newHarness(t, aggDoc+`    - {name: neg, type: negative_mention, channels: [hooks], below: -0.5}
    - {name: neg-grouped, type: negative_mention, channels: [hooks], below: -0.5, group_window: 1h}
`)
	for k := 30; k >= 2; k-- {
		fill(t, h.st, "hn", t0.Add(-time.Duration(k)*time.Hour), 20, 0)
	}
	fill(t, h.st, "hn", t0.Add(-time.Hour), 90, 5)
	var out bytes.Buffer
	if err := Backtest(context.Background(), h.cfg, h.st, t0.Add(-40*time.Hour), &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"replayed 670 mentions", "neg          negative_mention  acme   5", "neg-grouped  negative_mention  acme   1",
		"spike        volume_spike      acme   1", "share        negative_share    -      0"} {
		if !strings.Contains(text, want) {
			t.Errorf("backtest output lacks %q:\n%s", want, text)
		}
	}
	if n := len(queued(t, h)); n != 0 {
		t.Errorf("backtest enqueued %d alerts", n)
	}
}

func keys(m map[string]*Alert) []string {
	var out []string
	for k, a := range m {
		out = append(out, k+"("+a.Status+")")
	}
	return out
}
