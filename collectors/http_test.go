package collectors

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/query"
	"github.com/repmon/repmon/store"
)

// Shared helpers for the collector tests (x, reddit, mastodon, bluesky and
// the HTTP layer).

var socialNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func socialDeps() Deps {
	return Deps{
		Logger:  slog.New(slog.DiscardHandler),
		Now:     func() time.Time { return socialNow },
		Backoff: time.Millisecond,
	}
}

func socialBrand(t testing.TB, q string) Brand {
	t.Helper()
	qq, err := query.Parse(q)
	if err != nil {
		t.Fatalf("parse query %q: %v", q, err)
	}
	return Brand{Name: "northwind", Query: qq}
}

func loadFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// counted serves h and counts the requests it receives.
type counted struct {
	*httptest.Server
	n atomic.Int64
}

func serveCounted(t testing.TB, h http.HandlerFunc) *counted {
	t.Helper()
	c := &counted{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		h(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// waitForCancel stands for an API slower than the caller's deadline: it
// returns only when the client gives up.
func waitForCancel(w http.ResponseWriter, r *http.Request) {
	<-r.Context().Done()
}

// Rate-limit headers as each API sends them on a 429 (reset 15 minutes
// after socialNow).
var (
	resetAt   = socialNow.Add(15 * time.Minute)
	x429      = http.Header{"X-Rate-Limit-Limit": {"450"}, "X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Reset": {strconv.FormatInt(resetAt.Unix(), 10)}}
	reddit429 = http.Header{"X-Ratelimit-Used": {"100"}, "X-Ratelimit-Remaining": {"0.0"}, "X-Ratelimit-Reset": {"900"}}
	masto429  = http.Header{"X-Ratelimit-Limit": {"300"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {resetAt.Format("2006-01-02T15:04:05.000000Z")}}
	bsky429   = http.Header{"Ratelimit-Limit": {"3000"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {strconv.FormatInt(resetAt.Unix(), 10)}, "Ratelimit-Policy": {"3000;w=300"}}
)

func with429(h http.Header) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range h {
			w.Header()[k] = v
		}
		writeJSON(w, http.StatusTooManyRequests, []byte(`{"error":"Too Many Requests"}`))
	}
}

const html503 = "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>"

func status503HTML(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, html503)
}

func status500(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusInternalServerError, []byte(`{"error":"internal"}`))
}

// faultCase is one fault of a source's API and the reason it must yield.
type faultCase struct {
	name    string
	handler http.HandlerFunc
	want    Reason
	slow    bool
}

// commonFaults are the faults every API can show. truncated is a valid
// response body of the source cut in half.
func commonFaults(h429 http.Header, valid []byte) []faultCase {
	return []faultCase{
		{name: "429 with rate-limit headers", handler: with429(h429), want: ReasonRateLimited},
		{name: "500", handler: status500, want: ReasonUnavailable},
		{name: "503 html", handler: status503HTML, want: ReasonUnavailable},
		{name: "malformed json", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, []byte(`{"data": [}`))
		}, want: ReasonBadResponse},
		{name: "truncated json", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, valid[:len(valid)/2])
		}, want: ReasonBadResponse},
		{name: "slow", handler: waitForCancel, want: ReasonUnavailable, slow: true},
	}
}

// checkFault fetches through fetch with the fault case and checks the
// classification. For rate limits it also checks that a second Fetch makes
// no request while the source is paused.
func checkFault(t *testing.T, tc faultCase, srv *counted, fetch func(ctx context.Context) (Page, error), secrets ...string) {
	t.Helper()
	ctx := context.Background()
	if tc.slow {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
	}
	_, err := fetch(ctx)
	if err == nil {
		t.Fatalf("Fetch succeeded, want %s", tc.want)
	}
	if got := ReasonOf(err); got != tc.want {
		t.Fatalf("reason = %q, want %q (err: %v)", got, tc.want, err)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error leaks a credential: %v", err)
		}
	}
	if tc.want == ReasonRateLimited {
		var e *Error
		if !errors.As(err, &e) || !e.Until.Equal(resetAt) {
			t.Fatalf("Until = %v, want %v", e.Until, resetAt)
		}
		before := srv.n.Load()
		_, err := fetch(context.Background())
		if ReasonOf(err) != ReasonRateLimited {
			t.Fatalf("second Fetch during pause: %v", err)
		}
		if after := srv.n.Load(); after != before {
			t.Fatalf("second Fetch during pause made %d requests", after-before)
		}
	}
}

// recorder counts how often each post id is returned by Fetch.
type recorder struct {
	Collector
	mu   sync.Mutex
	seen map[string]int
}

func (r *recorder) Fetch(ctx context.Context, b Brand, cursor string) (Page, error) {
	p, err := r.Collector.Fetch(ctx, b, cursor)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]int{}
	}
	for _, post := range p.Posts {
		r.seen[post.ID]++
	}
	return p, err
}

type neutralScorer struct{}

func (neutralScorer) Score(string, string) repmon.Sentiment {
	return repmon.Sentiment{Label: repmon.LabelNeutral}
}

func openSocialStore(t testing.TB) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "repmon.db"), func() time.Time { return socialNow })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func socialRunner(src config.Source, c Collector, st Store, b Brand) *Runner {
	return &Runner{
		Source: src.Name, SourceType: src.Type, MaxPages: 20, Brands: []Brand{b},
		Collector: c, Store: st, Scorer: neutralScorer{},
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return socialNow },
	}
}

func storedIDs(t testing.TB, st *store.SQLite, source string) map[string]bool {
	t.Helper()
	ms, _, err := st.Mentions(context.Background(), store.Query{Source: source, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range ms {
		out[m.ID] = true
	}
	return out
}

// checkExactlyOnce asserts that every id in want was fetched exactly once
// and stored, and nothing else was.
func checkExactlyOnce(t *testing.T, rec *recorder, st *store.SQLite, source string, want []string) {
	t.Helper()
	for _, id := range want {
		if n := rec.seen[id]; n != 1 {
			t.Errorf("post %s fetched %d times, want once", id, n)
		}
	}
	if len(rec.seen) != len(want) {
		t.Errorf("fetched %d distinct posts, want %d", len(rec.seen), len(want))
	}
	got := storedIDs(t, st, source)
	for _, id := range want {
		if !got[id] {
			t.Errorf("post %s not stored", id)
		}
	}
	if len(got) != len(want) {
		t.Errorf("stored %d posts, want %d", len(got), len(want))
	}
}

// --- tests of the shared HTTP layer ---

func socialClient(t testing.TB) *Client {
	return newClient(config.Source{Name: "test", UserAgent: "repmon-test"}, socialDeps())
}

func TestParseRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name      string
		h         http.Header
		remaining float64
		reset     time.Time
	}{
		{"x", x429, 0, resetAt},
		{"reddit", reddit429, 0, socialNow.Add(900 * time.Second)},
		{"reddit fractional", http.Header{"X-Ratelimit-Remaining": {"598.0"}, "X-Ratelimit-Reset": {"42"}}, 598, socialNow.Add(42 * time.Second)},
		{"mastodon", masto429, 0, resetAt},
		{"bluesky", bsky429, 0, resetAt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rem, reset, ok := parseRateLimit(tc.h, socialNow)
			if !ok || rem != tc.remaining || !reset.Equal(tc.reset) {
				t.Fatalf("parseRateLimit = %v, %v, %v; want %v, %v", rem, reset, ok, tc.remaining, tc.reset)
			}
		})
	}
	if _, _, ok := parseRateLimit(http.Header{}, socialNow); ok {
		t.Fatal("no headers: ok")
	}
	if got, ok := parseRetryAfter("120", socialNow); !ok || !got.Equal(socialNow.Add(2*time.Minute)) {
		t.Fatalf("Retry-After seconds: %v %v", got, ok)
	}
	if got, ok := parseRetryAfter(resetAt.Format(http.TimeFormat), socialNow); !ok || !got.Equal(resetAt) {
		t.Fatalf("Retry-After date: %v %v", got, ok)
	}
}

func TestClientRateLimit(t *testing.T) {
	for name, h := range map[string]http.Header{"x": x429, "reddit": reddit429, "mastodon": masto429, "bluesky": bsky429} {
		t.Run(name, func(t *testing.T) {
			srv := serveCounted(t, with429(h))
			c := socialClient(t)
			fetch := func(ctx context.Context) (Page, error) {
				req, _ := newRequest(ctx, "GET", srv.URL+"/api", nil)
				_, _, err := fetchBody(ctx, c, req)
				return Page{}, err
			}
			checkFault(t, faultCase{want: ReasonRateLimited}, srv, fetch)
		})
	}
	t.Run("retry-after", func(t *testing.T) {
		srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "900")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		c := socialClient(t)
		fetch := func(ctx context.Context) (Page, error) {
			req, _ := newRequest(ctx, "GET", srv.URL, nil)
			_, _, err := fetchBody(ctx, c, req)
			return Page{}, err
		}
		checkFault(t, faultCase{want: ReasonRateLimited}, srv, fetch)
	})
	t.Run("remaining zero on success", func(t *testing.T) {
		srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
			for k, v := range x429 {
				w.Header()[k] = v
			}
			writeJSON(w, 200, []byte(`{}`))
		})
		c := socialClient(t)
		req, _ := newRequest(context.Background(), "GET", srv.URL, nil)
		if _, _, err := fetchBody(context.Background(), c, req); err != nil {
			t.Fatal(err)
		}
		req, _ = newRequest(context.Background(), "GET", srv.URL, nil)
		_, _, err := fetchBody(context.Background(), c, req)
		if ReasonOf(err) != ReasonRateLimited || srv.n.Load() != 1 {
			t.Fatalf("after remaining=0: err %v, %d requests", err, srv.n.Load())
		}
	})
}

// A 5xx that says no requests remain (X, Reddit, Mastodon and Bluesky send
// their rate-limit headers on every answer) must not be retried before the
// reset: the retry would be a request the API said not to send.
func TestClientNoRetryIntoPause(t *testing.T) {
	for name, h := range map[string]http.Header{"x": x429, "reddit": reddit429, "mastodon": masto429, "bluesky": bsky429} {
		t.Run(name, func(t *testing.T) {
			srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range h {
					w.Header()[k] = v
				}
				status503HTML(w, r)
			})
			c := socialClient(t)
			c.sleep = func(context.Context, time.Duration) error { return nil }
			req, _ := newRequest(context.Background(), "GET", srv.URL, nil)
			_, _, err := fetchBody(context.Background(), c, req)
			if ReasonOf(err) != ReasonUnavailable || srv.n.Load() != 1 {
				t.Fatalf("503 with remaining=0: err %v, %d requests, want unavailable after 1", err, srv.n.Load())
			}
			if !c.PausedUntil().Equal(resetAt) {
				t.Fatalf("paused until %v, want %v", c.PausedUntil(), resetAt)
			}
		})
	}
}

func TestClientFaults(t *testing.T) {
	var flaky atomic.Int64
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		want     Reason // "" for success
		requests int64
		slow     bool
	}{
		{"500 then success", func(w http.ResponseWriter, r *http.Request) {
			if flaky.Add(1) <= 2 {
				status500(w, r)
				return
			}
			writeJSON(w, 200, []byte(`{"ok":true}`))
		}, "", 3, false},
		{"500 persistent", status500, ReasonUnavailable, 4, false},
		{"503 html", status503HTML, ReasonUnavailable, 4, false},
		{"503 with retry-after", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			status503HTML(w, r)
		}, ReasonUnavailable, 1, false},
		{"malformed json", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []byte(`{"ok":tru}`)) }, ReasonBadResponse, 1, false},
		{"truncated json", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []byte(`{"ok":[1,2`)) }, ReasonBadResponse, 1, false},
		{"connection cut mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			io.WriteString(w, `{"ok":`)
		}, ReasonUnavailable, 1, false},
		{"slow", waitForCancel, ReasonUnavailable, 1, true},
		{"over MaxBody", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			io.WriteString(w, `{"pad":"`)
			chunk := strings.Repeat("a", 1<<20)
			for i := 0; i <= MaxBody>>20; i++ {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
			io.WriteString(w, `"}`)
		}, ReasonBadResponse, 1, false},
		{"401 revoked", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, []byte(`{"error":"invalid_token"}`))
		}, ReasonAuth, 1, false},
		{"403 html block page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			io.WriteString(w, "<html><body>You've been blocked by network security.</body></html>")
		}, ReasonAuth, 1, false},
		{"404", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 404, []byte(`{"error":"not found"}`)) }, ReasonBadResponse, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveCounted(t, tc.handler)
			c := socialClient(t)
			ctx := context.Background()
			if tc.slow {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
			}
			req, _ := newRequest(ctx, "GET", srv.URL+"/x?access_token=s3cr3t-token", nil)
			var v any
			err := c.getJSON(ctx, req, &v)
			if got := ReasonOf(err); got != tc.want || (tc.want == "" && err != nil) {
				t.Fatalf("reason %q, want %q (err %v)", got, tc.want, err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t-token") {
				t.Fatalf("error leaks the token: %v", err)
			}
			if n := srv.n.Load(); n != tc.requests {
				t.Fatalf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClientNetworkErrorRetries(t *testing.T) {
	var calls atomic.Int64
	d := socialDeps()
	d.Transport = rtFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) <= 2 {
			return nil, errors.New("connection reset by peer")
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
	})
	c := newClient(config.Source{Name: "test"}, d)
	req, _ := newRequest(context.Background(), "GET", "https://api.example/?token=s3cr3t", nil)
	var v any
	if err := c.getJSON(context.Background(), req, &v); err != nil {
		t.Fatalf("after two network errors: %v", err)
	}
	if calls.Load() != 3 {
		t.Fatalf("%d attempts, want 3", calls.Load())
	}

	calls.Store(-100) // always fail from here
	req, _ = newRequest(context.Background(), "GET", "https://api.example/?token=s3cr3t", nil)
	err := c.getJSON(context.Background(), req, &v)
	if ReasonOf(err) != ReasonUnavailable || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("persistent network error: %v", err)
	}
}

// TestJoinErr: a run's errors read as one line and still unwrap, so that
// ReasonOf finds a rate limit among them.
func TestJoinErr(t *testing.T) {
	a := errors.New("feeds[0] (a.example): status 404")
	b := &Error{Source: "news", Reason: ReasonRateLimited, Err: errors.New("429")}
	c := errors.New("feeds[2] (c.example): parse error")
	err := joinErr(joinErr(joinErr(nil, a), b), c)
	if got := err.Error(); strings.Contains(got, "\n") || !strings.Contains(got, "status 404; ") || !strings.Contains(got, "; feeds[2]") {
		t.Errorf("joined error %q", got)
	}
	if ReasonOf(err) != ReasonRateLimited || !errors.Is(err, c) {
		t.Errorf("joined error does not unwrap: reason %q", ReasonOf(err))
	}
	if joinErr(nil, nil) != nil || joinErr(a, nil) != a {
		t.Error("joinErr with nil")
	}
	// a run cut short while backing off: the retried error and the
	// deadline, on one line
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	cl := newClient(config.Source{Name: "hn"}, Deps{Now: time.Now, Backoff: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := cl.Do(ctx, req); err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "; context deadline exceeded") {
		t.Errorf("error of a run cut short while backing off: %q", err)
	}
}
