package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/store"
)

const perMentionRules = `
  rules:
    - {name: negative, type: negative_mention, below: -0.5, channels: [hooks, am, chat]}
`

// TestEveryNegativeMentionReachesEveryChannelOnce: with a per-mention rule
// and no grouping, each negative mention arrives exactly once at each
// channel, counted by idempotency key; others do not arrive at all.
func TestEveryNegativeMentionReachesEveryChannelOnce(t *testing.T) {
	hook, am, slack := newReceiver(t, webhookKey), newReceiver(t, amKey), newReceiver(t, slackKey)
	h := newHarness(t, channelsDoc(hook.URL, am.URL, slack.URL)+perMentionRules)
	var want []string
	for i, c := range []float64{-0.9, 0.3, -0.6, -0.2, -0.7, -0.51} {
		m := mention("acme", "hn", string(rune('a'+i)), c, t0)
		save(t, h.st, h.e, false, m)
		if c <= -0.5 {
			want = append(want, alertID("negative", "acme", "hn", m.ID))
		}
	}
	// Saving the same mentions again (a re-fetch) inserts nothing and alerts nothing.
	save(t, h.st, h.e, false, mention("acme", "hn", "a", -0.9, t0))
	h.drain(t, 5, time.Second)
	for name, rc := range map[string]*receiver{"webhook": hook, "alertmanager": am, "slack": slack} {
		got := rc.counts()
		if len(got) != len(want) {
			t.Errorf("%s: got keys %v, want %d alerts", name, got, len(want))
		}
		for _, id := range want {
			if got[id] != 1 {
				t.Errorf("%s: alert %s delivered %d times, want 1", name, id, got[id])
			}
		}
	}
	if got := value(h.m.AlertsSent.WithLabelValues("hooks", "negative")); got != float64(len(want)) {
		t.Errorf("AlertsSent{hooks,negative} = %v, want %d", got, len(want))
	}
}

// TestReceiversDownThenBack: receivers answer 503 (with and without
// Retry-After) for a while; every alert is delivered once they recover,
// none lost, and no retry comes before the Retry-After.
func TestReceiversDownThenBack(t *testing.T) {
	var mu sync.Mutex
	down := true
	status := func(n int) (int, http.Header) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return 503, http.Header{"Retry-After": {"30"}}
		}
		return 200, nil
	}
	hook, am, slack := newReceiver(t, webhookKey), newReceiver(t, amKey), newReceiver(t, slackKey)
	hook.status, am.status = status, status
	slack.status = func(n int) (int, http.Header) {
		if n < 3 {
			return 429, nil
		}
		return status(n)
	}
	h := newHarness(t, channelsDoc(hook.URL, am.URL, slack.URL)+perMentionRules)
	for i := 0; i < 10; i++ {
		save(t, h.st, h.e, false, mention("acme", "hn", string(rune('a'+i)), -0.8, t0))
	}
	ctx := context.Background()
	h.e.DeliverDue(ctx)
	reqs := hook.requests()
	if reqs == 0 {
		t.Fatal("no attempt made")
	}
	// Retry-After: 30 beats the 5s backoff: nothing is due 29s later.
	h.clock.Advance(29 * time.Second)
	h.e.DeliverDue(ctx)
	if hook.requests() != reqs {
		t.Errorf("retried before Retry-After: %d requests, want %d", hook.requests(), reqs)
	}
	// Down for 20 minutes of simulated time.
	for i := 0; i < 40; i++ {
		h.clock.Advance(30 * time.Second)
		h.e.DeliverDue(ctx)
	}
	if n, _, _ := h.st.Outbox(ctx); n != 30 {
		t.Fatalf("pending = %d while down, want 30", n)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	h.drain(t, 20, time.Minute)
	for name, rc := range map[string]*receiver{"webhook": hook, "alertmanager": am, "slack": slack} {
		got := rc.counts()
		if len(got) != 10 {
			t.Errorf("%s: %d distinct alerts delivered, want 10", name, len(got))
		}
		for k, n := range got {
			if n != 1 {
				t.Errorf("%s: %s accepted %d times", name, k, n)
			}
		}
	}
	// While down, the channel is probed with backoff (30s Retry-After,
	// then 40s, 80s, … 5m), one delivery at a time, not once per delivery.
	if got := value(h.m.AlertsFailed.WithLabelValues("hooks", "server_error")); got < 5 || got > 15 {
		t.Errorf("AlertsFailed{hooks,server_error} = %v over 20 minutes down, want 5 to 15", got)
	}
	if got := value(h.m.AlertsFailed.WithLabelValues("chat", "rate_limited")); got != 3 {
		t.Errorf("AlertsFailed{chat,rate_limited} = %v, want 3", got)
	}
}

// crashStore simulates a process killed between a successful send and its
// recording: the first Delivered blocks until released, then fails.
type crashStore struct {
	store.Store
	once    sync.Once
	crashed chan struct{}
	release chan struct{}
}

func (c *crashStore) Delivered(ctx context.Context, id, ch string, at time.Time) error {
	first := false
	c.once.Do(func() { first = true })
	if first {
		close(c.crashed)
		<-c.release
		return errors.New("crashed")
	}
	return c.Store.Delivered(ctx, id, ch, at)
}

// TestCrashDuringDelivery: the first engine sends an alert and "dies"
// before marking it; a new engine on the same store file delivers
// everything, re-sending at most that one alert, with the same key.
func TestCrashDuringDelivery(t *testing.T) {
	hook := newReceiver(t, webhookKey)
	doc := `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels: [{name: hooks, type: webhook, url: "` + hook.URL + `"}]
  rules: [{name: negative, type: negative_mention, channels: [hooks]}]
`
	h := newHarness(t, doc)
	path := t.TempDir() + "/crash.db"
	st1 := openStore(t, path, h.clock.Now)
	cs := &crashStore{Store: st1, crashed: make(chan struct{}), release: make(chan struct{})}
	e1 := h.engine(t, cs)
	for i := 0; i < 5; i++ {
		save(t, st1, e1, false, mention("acme", "hn", string(rune('a'+i)), -0.8, t0))
	}
	ctx1, kill := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e1.DeliverDue(ctx1) }()
	<-cs.crashed // the first alert was sent; its engine is "dead"
	kill()

	st2 := openStore(t, path, h.clock.Now)
	e2 := h.engine(t, st2)
	e2.DeliverDue(context.Background())
	close(cs.release)
	<-done

	got := hook.counts()
	if len(got) != 5 {
		t.Fatalf("%d distinct alerts delivered, want 5: %v", len(got), got)
	}
	resent := 0
	for _, n := range got {
		if n > 1 {
			resent++
		}
	}
	if resent > 1 {
		t.Errorf("%d alerts re-sent, want at most the one in flight: %v", resent, got)
	}
	if n, _, _ := st2.Outbox(context.Background()); n != 0 {
		t.Errorf("pending = %d after restart, want 0", n)
	}
}

// TestClientErrorIsPermanent: a 400 is recorded as failed with reason
// client_error and never retried.
func TestClientErrorIsPermanent(t *testing.T) {
	hook := newReceiver(t, webhookKey)
	hook.status = func(int) (int, http.Header) { return 400, nil }
	doc := `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels: [{name: hooks, type: webhook, url: "` + hook.URL + `"}]
  rules: [{name: negative, type: negative_mention, channels: [hooks]}]
`
	h := newHarness(t, doc)
	save(t, h.st, h.e, false, mention("acme", "hn", "1", -0.8, t0))
	ctx := context.Background()
	h.e.DeliverDue(ctx)
	for i := 0; i < 10; i++ {
		h.clock.Advance(10 * time.Minute)
		h.e.DeliverDue(ctx)
	}
	if n := hook.requests(); n != 1 {
		t.Errorf("%d requests, want 1 (no retry after 400)", n)
	}
	if n, _, _ := h.st.Outbox(ctx); n != 0 {
		t.Errorf("pending = %d, want 0 (failed)", n)
	}
	if got := value(h.m.AlertsFailed.WithLabelValues("hooks", "client_error")); got != 1 {
		t.Errorf("AlertsFailed{hooks,client_error} = %v, want 1", got)
	}
	if !strings.Contains(h.logs.String(), `"reason":"client_error"`) || !strings.Contains(h.logs.String(), `"alert_id":"negative-acme-`) {
		t.Errorf("failure not logged with reason and alert_id:\n%s", h.logs)
	}
}

// TestBackoff: exponential from base, capped, jittered.
func TestBackoff(t *testing.T) {
	e := &Engine{base: 5 * time.Second, max: 5 * time.Minute, jitter: func(d time.Duration) time.Duration { return d }}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 300, 300, 300}
	for n, w := range want {
		if got := e.backoff(n); got != w*time.Second {
			t.Errorf("backoff(%d) = %v, want %v", n, got, w*time.Second)
		}
	}
	if got := e.backoff(1 << 20); got != 5*time.Minute {
		t.Errorf("backoff(huge) = %v", got)
	}
}

// TestWebhookContract: the body has exactly the contract's fields, the
// signature is the HMAC of the exact body, Idempotency-Key is the id.
func TestWebhookContract(t *testing.T) {
	hook := newReceiver(t, webhookKey)
	h := newHarness(t, channelsDoc(hook.URL, "http://127.0.0.1:1", "http://127.0.0.1:1")+`
  rules: [{name: negative, type: negative_mention, channels: [hooks], severity: critical}]
`)
	m := mention("acme", "hn", "42", -0.9, t0)
	save(t, h.st, h.e, false, m)
	h.e.DeliverDue(context.Background())
	if len(hook.bodies) != 1 {
		t.Fatalf("%d bodies", len(hook.bodies))
	}
	body, hdr := hook.bodies[0], hook.hdrs[0]
	if got, want := hdr.Get("X-Repmon-Signature"), Sign(body, "hmac-key"); got != want {
		t.Errorf("signature %q, want %q", got, want)
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range p {
		keys = append(keys, k)
	}
	if len(p) != 9 {
		t.Errorf("fields %v, want exactly id rule type brand severity status summary created_at mentions", keys)
	}
	var got webhookPayload
	json.Unmarshal(body, &got)
	if got.ID != hdr.Get("Idempotency-Key") || got.Rule != "negative" || got.Type != "negative_mention" || got.Brand != "acme" ||
		got.Severity != "critical" || got.Status != "firing" || got.Summary == "" || len(got.Mentions) != 1 {
		t.Errorf("payload %+v", got)
	}
	var ms []map[string]json.RawMessage
	json.Unmarshal(p["mentions"], &ms)
	for _, k := range []string{"source", "source_type", "id", "brand", "text", "url", "author", "author_followers", "lang",
		"created_at", "collected_at", "likes", "reposts", "replies", "sentiment"} {
		if _, ok := ms[0][k]; !ok {
			t.Errorf("mention lacks %q", k)
		}
	}
}

// TestRunStopsOnCancel: Run delivers, and returns once its context is done.
func TestRunStopsOnCancel(t *testing.T) {
	hook := newReceiver(t, webhookKey)
	delivered := make(chan struct{})
	var once sync.Once
	hook.status = func(int) (int, http.Header) { once.Do(func() { close(delivered) }); return 200, nil }
	doc := `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels: [{name: hooks, type: webhook, url: "` + hook.URL + `"}]
  rules: [{name: negative, type: negative_mention, channels: [hooks]}]
`
	h := newHarness(t, doc, WithIntervals(time.Millisecond, time.Hour))
	save(t, h.st, h.e, false, mention("acme", "hn", "1", -0.8, t0))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.e.Run(ctx); close(done) }()
	select {
	case <-delivered:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing delivered")
	}
	cancel()
	<-done
}

var _ = repmon.LabelNegative

func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// TestResolutionWaitsForItsAlert: a firing alert in backoff is delivered
// before its resolution, which was queued later but is due sooner, so the
// receiver ends on "resolved".
func TestResolutionWaitsForItsAlert(t *testing.T) {
	var mu sync.Mutex
	down := true
	hook := newReceiver(t, webhookKey)
	hook.status = func(int) (int, http.Header) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return 503, nil
		}
		return 200, nil
	}
	h := newHarness(t, `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels: [{name: hooks, type: webhook, url: "`+hook.URL+`"}]
  rules: [{name: spike, type: volume_spike, channels: [hooks]}]
`)
	ctx := context.Background()
	for k := 48; k >= 2; k-- {
		fill(t, h.st, "hn", t0.Add(-time.Duration(k)*time.Hour), 20, 4)
	}
	fill(t, h.st, "hn", t0.Add(-time.Hour), 90, 10)
	h.e.Evaluate(ctx)
	for range 120 { // 10 minutes down: the firing alert backs off to 5 min
		h.e.DeliverDue(ctx)
		h.clock.Advance(5 * time.Second)
	}
	fill(t, h.st, "hn", t0, 20, 4) // the spike is over
	for range 60 {                 // an hour later, still down
		h.e.DeliverDue(ctx)
		h.clock.Advance(time.Minute)
	}
	h.e.Evaluate(ctx) // the resolution is due at once, the alert in minutes
	mu.Lock()
	down = false
	mu.Unlock()
	h.drain(t, 100, 5*time.Second)
	var order []string
	for _, hd := range hook.hdrs {
		order = append(order, hd.Get("Idempotency-Key"))
	}
	if len(order) != 2 || strings.HasSuffix(order[0], "-resolved") || order[1] != order[0]+"-resolved" {
		t.Errorf("receiver saw %v, want the alert, then its resolution", order)
	}
}

// TestHungChannelDoesNotHoldUpOthers: a receiver that does not answer
// costs one timeout per pass, not one per delivery, so the other channels'
// alerts go out in the same pass.
func TestHungChannelDoesNotHoldUpOthers(t *testing.T) {
	hung := newReceiver(t, webhookKey)
	hung.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server notices the client leave
		<-r.Context().Done()
	})
	var mu sync.Mutex
	hungRequests := 0
	inner := hung.Config.Handler
	hung.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hungRequests++
		mu.Unlock()
		inner.ServeHTTP(w, r)
	})
	chat := newReceiver(t, slackKey)
	h := newHarness(t, `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels:
    - {name: hooks, type: webhook, url: "`+hung.URL+`", timeout: 200ms}
    - {name: chat, type: slack, webhook_url: "`+chat.URL+`"}
  rules: [{name: neg, type: negative_mention, channels: [hooks, chat]}]
`)
	for i := range 5 {
		save(t, h.st, h.e, false, mention("acme", "hn", fmt.Sprint(i), -0.8, t0))
	}
	h.e.DeliverDue(context.Background())
	if n := chat.requests(); n != 5 {
		t.Errorf("slack got %d alerts in the pass, want all 5", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if hungRequests != 1 {
		t.Errorf("the hung webhook got %d requests in one pass, want 1", hungRequests)
	}
}

type panicNotifier struct{}

func (panicNotifier) Notify(context.Context, *Alert) (bool, error) { panic("bug on this alert") }

// TestPanicFailsOneDelivery: a panic while sending fails that delivery for
// good, logged, and the process and the other channels carry on.
func TestPanicFailsOneDelivery(t *testing.T) {
	chat := newReceiver(t, slackKey)
	h := newHarness(t, channelsDoc("http://127.0.0.1:1", "http://127.0.0.1:1", chat.URL)+`
  rules: [{name: neg, type: negative_mention, channels: [hooks, chat]}]
`)
	h.e.notifiers["hooks"] = panicNotifier{}
	save(t, h.st, h.e, false, mention("acme", "hn", "1", -0.8, t0))
	h.drain(t, 2, time.Second)
	if n := chat.requests(); n != 1 {
		t.Errorf("slack got %d requests, want 1", n)
	}
	if !strings.Contains(h.logs.String(), "alert delivery panicked") {
		t.Errorf("panic not logged:\n%s", h.logs)
	}
}
