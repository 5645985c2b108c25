package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/metrics"
	"github.com/repmon/repmon/store"
)

var t0 = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

// clock is a settable clock shared by the engine and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func loadConfig(t *testing.T, doc string) *config.Config {
	t.Helper()
	cfg, err := config.Load([]byte(doc), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, doc)
	}
	return cfg
}

func openStore(t *testing.T, path string, now func() time.Time) *store.SQLite {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "repmon.db")
	}
	st, err := store.OpenSQLite(context.Background(), path, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// receiver is a fake alert receiver that counts deliveries by alert id.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	byKey  map[string]int
	bodies [][]byte
	hdrs   []http.Header
	status func(n int) (int, http.Header) // response for the n-th request (0-based)
	n      int
	keyOf  func(r *http.Request, body []byte) []string
}

func newReceiver(t *testing.T, keyOf func(r *http.Request, body []byte) []string) *receiver {
	rc := &receiver{byKey: map[string]int{}, keyOf: keyOf}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := rc.n
		rc.n++
		code, h := 200, http.Header(nil)
		if rc.status != nil {
			code, h = rc.status(n)
		}
		if code/100 == 2 {
			for _, k := range rc.keyOf(r, body) {
				rc.byKey[k]++
			}
			rc.bodies = append(rc.bodies, body)
			rc.hdrs = append(rc.hdrs, r.Header.Clone())
		}
		rc.mu.Unlock()
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) counts() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]int{}
	for k, v := range rc.byKey {
		out[k] = v
	}
	return out
}

func (rc *receiver) requests() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.n
}

func webhookKey(r *http.Request, _ []byte) []string { return []string{r.Header.Get("Idempotency-Key")} }

func amKey(_ *http.Request, body []byte) []string {
	var as []amAlert
	json.Unmarshal(body, &as)
	var out []string
	for _, a := range as {
		out = append(out, a.Labels["alert_id"])
	}
	return out
}

var slackIDRE = regexp.MustCompile("alert id `([^`]+)`")

func slackKey(_ *http.Request, body []byte) []string {
	var msg struct {
		Blocks []slackBlock `json:"blocks"`
	}
	json.Unmarshal(body, &msg)
	for _, b := range msg.Blocks {
		for _, el := range b.Elements {
			if m := slackIDRE.FindStringSubmatch(el.Text); m != nil {
				return []string{m[1]}
			}
		}
	}
	return []string{"?"}
}

func mention(brand, source, id string, compound float64, at time.Time) repmon.Mention {
	label := repmon.LabelNeutral
	switch {
	case compound <= -0.05:
		label = repmon.LabelNegative
	case compound >= 0.05:
		label = repmon.LabelPositive
	}
	return repmon.Mention{
		Source: source, SourceType: "hackernews", ID: id, Brand: brand, Text: "acme text " + id, Author: "user" + id,
		AuthorFollowers: 100, URL: "https://news.example.com/" + source + "/" + id, CreatedAt: at, CollectedAt: at,
		Sentiment: repmon.Sentiment{Compound: compound, Neg: 0.4, Neu: 0.6, Label: label},
	}
}

// save stores mentions through the engine's hook, as the collector runner does.
func save(t *testing.T, st store.Store, e *Engine, backfill bool, ms ...repmon.Mention) {
	t.Helper()
	_, err := st.Save(context.Background(), store.Batch{Source: ms[0].Source, Brand: ms[0].Brand, Mentions: ms, Cursor: "c",
		Alerts: func(in []repmon.Mention) []store.Alert { return e.Alerts(in, backfill) }})
	if err != nil {
		t.Fatal(err)
	}
}

type harness struct {
	cfg   *config.Config
	clock *clock
	st    *store.SQLite
	m     *metrics.Metrics
	logs  *bytes.Buffer
	e     *Engine
}

func newHarness(t *testing.T, doc string, opts ...Option) *harness {
	t.Helper()
	h := &harness{cfg: loadConfig(t, doc), clock: newClock(), logs: &bytes.Buffer{}}
	h.st = openStore(t, "", h.clock.Now)
	h.m = metrics.New(h.cfg, "test", nil, h.clock.Now)
	h.e = h.engine(t, h.st, opts...)
	return h
}

func (h *harness) engine(t *testing.T, st store.Store, opts ...Option) *Engine {
	t.Helper()
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: h.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []Option{WithNow(h.clock.Now), WithJitter(func(d time.Duration) time.Duration { return d }), WithBackoff(5*time.Second, 5*time.Minute)}
	e, err := New(h.cfg, st, h.m, logger, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// drain polls the outbox, advancing the clock, until nothing is pending or
// the step budget is spent.
func (h *harness) drain(t *testing.T, steps int, step time.Duration) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < steps; i++ {
		h.e.DeliverDue(ctx)
		if n, _, _ := h.st.Outbox(ctx); n == 0 {
			return
		}
		h.clock.Advance(step)
	}
	n, _, _ := h.st.Outbox(ctx)
	t.Fatalf("%d deliveries still pending after %d steps", n, steps)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func channelsDoc(hook, am, slack string) string {
	return fmt.Sprintf(`
brands: [{name: acme, query: acme}, {name: globex, query: globex}]
sources: [{name: hn, type: hackernews}, {name: news, type: rss, feeds: ["https://example.com/feed"]}]
alerts:
  channels:
    - {name: hooks, type: webhook, url: %q, secret: "hmac-key"}
    - {name: am, type: alertmanager, url: %q}
    - {name: chat, type: slack, webhook_url: %q}
`, hook, am, slack)
}
