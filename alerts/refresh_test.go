package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// amState records what a fake Alertmanager would hold: per alertname, the
// endsAt of the last alert received.
func amState(t *testing.T, rc *receiver) []map[string]time.Time {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []map[string]time.Time
	for _, b := range rc.bodies {
		var as []amAlert
		if err := json.Unmarshal(b, &as); err != nil {
			t.Fatal(err)
		}
		m := map[string]time.Time{}
		for _, a := range as {
			m[a.Labels["alertname"]] = a.EndsAt
		}
		out = append(out, m)
	}
	return out
}

func refreshDoc(am, slack string) string {
	return `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}, {name: news, type: rss, feeds: ["https://example.com/f"]}]
alerts:
  channels:
    - {name: am, type: alertmanager, url: "` + am + `"}
    - {name: chat, type: slack, webhook_url: "` + slack + `"}
  rules:
    - {name: spike, type: volume_spike, channels: [am, chat]}
    - {name: silent, type: source_silent, brands: [acme], channels: [am], for: 2h, min_count: 1}
`
}

// spikeAndSilence stores a day of steady hn mentions, then a spike, and
// news mentions every hour for a week but none in the last 3 hours.
func spikeAndSilence(t *testing.T, h *harness) {
	t.Helper()
	for k := 48; k >= 2; k-- {
		fill(t, h.st, "hn", t0.Add(-time.Duration(k)*time.Hour), 20, 4)
	}
	fill(t, h.st, "hn", t0.Add(-time.Hour), 90, 10)
	for k := 7 * 24; k >= 4; k-- {
		fill(t, h.st, "news", t0.Add(-time.Duration(k)*time.Hour), 1, 0)
	}
}

// firing returns a harness whose spike and silent rules have fired and
// been delivered to a fake Alertmanager and Slack.
func firing(t *testing.T) (h *harness, am, chat *receiver) {
	t.Helper()
	am = newReceiver(t, func(*http.Request, []byte) []string { return nil })
	chat = newReceiver(t, slackKey)
	h = newHarness(t, refreshDoc(am.URL, chat.URL))
	spikeAndSilence(t, h)
	h.e.Evaluate(context.Background())
	h.drain(t, 3, time.Second)
	return h, am, chat
}

func TestAlertmanagerRefresh(t *testing.T) {
	h, am, chat := firing(t)
	ctx := context.Background()
	h.e.refresh(ctx) // as Run does after Evaluate
	sent := amState(t, am)
	if len(sent) != 3 {
		t.Fatalf("alertmanager got %d requests, want the spike, the silence and one refresh: %v", len(sent), sent)
	}
	// a brands filter narrows what source_silent counts; it still fires
	for _, first := range sent[:2] {
		for name, ends := range first {
			if !ends.IsZero() {
				t.Errorf("first %s carries endsAt %v", name, ends)
			}
		}
	}
	until := h.clock.Now().Add(4 * DefaultEvalInterval)
	if r := sent[2]; len(r) != 2 || !r["spike"].Equal(until) || !r["silent"].Equal(until) {
		t.Errorf("refresh %v, want spike and silent until %v", r, until)
	}
	if n := chat.requests(); n != 1 {
		t.Errorf("slack got %d requests, want only the spike, once", n)
	}

	// Still firing a minute later: refreshed again, and nothing new queued.
	h.clock.Advance(time.Minute)
	h.e.Evaluate(ctx)
	h.e.refresh(ctx)
	if n, _, _ := h.st.Outbox(ctx); n != 0 {
		t.Errorf("%d deliveries queued while still firing", n)
	}
	if sent := amState(t, am); len(sent) != 4 || len(sent[3]) != 2 {
		t.Errorf("second refresh: %v", sent)
	}

	// Back to normal: resolved through the outbox, and no more refreshes.
	fill(t, h.st, "hn", t0, 20, 4)
	fill(t, h.st, "news", t0, 1, 0)
	h.clock.Advance(time.Hour)
	h.e.Evaluate(ctx)
	h.e.refresh(ctx)
	h.drain(t, 3, time.Second)
	sent = amState(t, am)
	if len(sent) != 6 {
		t.Fatalf("alertmanager got %d requests, want 4 and two resolutions: %v", len(sent), sent)
	}
	for _, r := range sent[4:] {
		for name, ends := range r {
			if ends.IsZero() || ends.After(h.clock.Now()) {
				t.Errorf("resolution of %s ends %v", name, ends)
			}
		}
	}
	if n := chat.requests(); n != 2 {
		t.Errorf("slack got %d requests, want the spike and its resolution", n)
	}
}

func TestFiringAlertsSurviveRestart(t *testing.T) {
	h, am, _ := firing(t)
	ctx := context.Background()

	// A new process on the same store refreshes what the old one fired
	// and does not fire it again.
	h.clock.Advance(time.Minute)
	e2 := h.engine(t, h.st)
	h.e = e2
	e2.Evaluate(ctx)
	e2.refresh(ctx)
	if n, _, _ := h.st.Outbox(ctx); n != 0 {
		t.Errorf("%d deliveries queued after the restart", n)
	}
	sent := amState(t, am)
	if len(sent) != 3 || len(sent[2]) != 2 {
		t.Fatalf("after the restart alertmanager got %v, want the two alerts and a refresh of both", sent)
	}

	// It also resolves them.
	fill(t, h.st, "hn", t0, 20, 4)
	fill(t, h.st, "news", t0, 1, 0)
	h.clock.Advance(time.Hour)
	e2.Evaluate(ctx)
	var resolved []string
	for id, a := range queued(t, h) {
		if a.Status == StatusResolved && strings.HasSuffix(id, "-resolved") {
			resolved = append(resolved, a.Rule)
		}
	}
	if len(resolved) != 2 {
		t.Errorf("resolved %v after the restart, want spike and silent", resolved)
	}

	// Once resolved, a third process has nothing to refresh.
	h.drain(t, 3, time.Second)
	before := am.requests()
	e3 := h.engine(t, h.st)
	e3.refresh(ctx)
	if am.requests() != before {
		t.Errorf("a resolved alert was refreshed after another restart")
	}
}

func TestRestoreSkipsTargetsNoLongerWatched(t *testing.T) {
	am := newReceiver(t, func(*http.Request, []byte) []string { return nil })
	h := newHarness(t, refreshDoc(am.URL, "http://127.0.0.1:1"))
	ctx := context.Background()
	spikeAndSilence(t, h)
	h.e.Evaluate(ctx)

	// Without the news source, its silence is not restored (nothing would
	// ever resolve it); the spike is.
	h.cfg = loadConfig(t, strings.Replace(refreshDoc(am.URL, "http://127.0.0.1:1"),
		`, {name: news, type: rss, feeds: ["https://example.com/f"]}`, "", 1))
	e2 := h.engine(t, h.st)
	if len(e2.active) != 1 || e2.active["spike|acme"] == nil {
		t.Errorf("restored %v, want only spike|acme", e2.active)
	}
}

// TestRunRefreshes: Run refreshes firing alerts on its evaluation interval.
func TestRunRefreshes(t *testing.T) {
	refreshed := make(chan struct{})
	var once sync.Once
	am := newReceiver(t, func(_ *http.Request, body []byte) []string {
		if strings.Contains(string(body), `"endsAt"`) {
			once.Do(func() { close(refreshed) })
		}
		return nil
	})
	h := newHarness(t, refreshDoc(am.URL, "http://127.0.0.1:1"), WithIntervals(time.Hour, time.Millisecond))
	spikeAndSilence(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.e.Run(ctx); close(done) }()
	select {
	case <-refreshed:
	case <-time.After(10 * time.Second):
		t.Error("no refresh")
	}
	cancel()
	<-done
}

// TestRefreshNotHeldUpBySlowChannel: while another channel's receiver
// hangs, Run keeps refreshing Alertmanager.
func TestRefreshNotHeldUpBySlowChannel(t *testing.T) {
	var mu sync.Mutex
	refreshes := 0
	twice := make(chan struct{})
	am := newReceiver(t, func(_ *http.Request, body []byte) []string {
		if strings.Contains(string(body), `"endsAt"`) {
			mu.Lock()
			if refreshes++; refreshes == 2 {
				close(twice)
			}
			mu.Unlock()
		}
		return nil
	})
	release := make(chan struct{})
	hung := newReceiver(t, webhookKey)
	hung.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	h := newHarness(t, `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels:
    - {name: am, type: alertmanager, url: "`+am.URL+`"}
    - {name: hooks, type: webhook, url: "`+hung.URL+`", timeout: 1m}
  rules:
    - {name: spike, type: volume_spike, channels: [am]}
    - {name: neg, type: negative_mention, channels: [hooks]}
`, WithIntervals(time.Millisecond, time.Millisecond))
	for k := 48; k >= 2; k-- {
		fill(t, h.st, "hn", t0.Add(-time.Duration(k)*time.Hour), 20, 4)
	}
	fill(t, h.st, "hn", t0.Add(-time.Hour), 90, 10)
	save(t, h.st, h.e, false, mention("acme", "hn", "late", -0.9, t0))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.e.Run(ctx); close(done) }()
	select {
	case <-twice:
	case <-time.After(30 * time.Second):
		t.Error("no second refresh while the webhook hangs")
	}
	close(release)
	cancel()
	<-done
}
