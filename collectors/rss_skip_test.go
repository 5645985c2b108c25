package collectors

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/metrics"
)

// A feed that fails for its own reasons (gone, moved to an HTML page,
// broken XML, a host that is down) is reported and passed over, so the
// feeds after it are still read on every run, and the ones before it too.
// Rate limits and auth failures concern the source and stop the run at the
// feed, which is asked first again next time.
func TestRSSFailingFeedDoesNotBlockOthers(t *testing.T) {
	feed, err := os.ReadFile("testdata/rss/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // connection refused from now on

	for _, tc := range []struct {
		name   string
		bad    http.HandlerFunc // nil: the bad feed's host is down
		reason Reason
		skip   bool // the other feeds are read
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, ReasonBadResponse, true},
		{"410", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }, ReasonBadResponse, true},
		{"html page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<!doctype html><html><body><h1>We moved!</h1></body></html>")
		}, ReasonBadResponse, true},
		{"truncated xml", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<rss><channel><item><title>trunc")
		}, ReasonBadResponse, true},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }, ReasonUnavailable, true},
		{"host down", nil, ReasonUnavailable, true},
		{"403", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }, ReasonAuth, false},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}, ReasonRateLimited, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			hits := map[string]int{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hits[r.URL.Path]++
				mu.Unlock()
				if strings.HasPrefix(r.URL.Path, "/private/") && tc.bad != nil {
					tc.bad(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write(feed)
			}))
			defer srv.Close()
			// The bad feed's path and query carry a token, which must not
			// reach the error or the log.
			bad := srv.URL + "/private/s3cr3t-token.rss?key=s3cr3t-key"
			if tc.bad == nil {
				bad = downURL + "/private/s3cr3t-token.rss?key=s3cr3t-key"
			}
			src := config.Source{Name: "news", Type: config.TypeRSS, Feeds: []string{srv.URL + "/a", bad, srv.URL + "/c"}}
			// one clock for the client and the runner, an hour on at every
			// reading, so a pause ends before the next run
			var clockMu sync.Mutex
			now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time {
				clockMu.Lock()
				defer clockMu.Unlock()
				now = now.Add(time.Hour)
				return now
			}
			c, err := New(src, Deps{Backoff: time.Millisecond, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			r := &Runner{Source: "news", SourceType: "rss", MaxPages: PagesPerRun(src), Brands: []Brand{brand(t, "northwind", `northwind`)},
				Collector: c, Store: openStore(t), Scorer: fixedScorer{},
				Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: clock}

			for run := 1; run <= 3; run++ {
				res := r.Run(context.Background())
				if ReasonOf(res.Err) != tc.reason {
					t.Fatalf("run %d: err = %v, want reason %s", run, res.Err, tc.reason)
				}
				want := metrics.ResultError
				switch tc.reason {
				case ReasonAuth:
					want = metrics.ResultAuthError
				case ReasonRateLimited:
					want = metrics.ResultRateLimited
				}
				if res.Outcome != want {
					t.Fatalf("run %d: outcome = %s, want %s", run, res.Outcome, want)
				}
				if !strings.Contains(res.Err.Error(), "feeds[1]") {
					t.Errorf("run %d: err %q does not name the feed", run, res.Err)
				}
				if run == 1 && tc.skip && res.Stored == 0 {
					t.Errorf("run 1 stored nothing from the good feeds")
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.skip && (hits["/a"] != 3 || hits["/c"] != 3) {
				t.Errorf("requests per feed after 3 runs: %v; want /a and /c read on every run", hits)
			}
			if !tc.skip && (hits["/a"] != 1 || hits["/c"] != 0) {
				t.Errorf("requests per feed after 3 runs: %v; want the run stopped at the failing feed", hits)
			}
			if !strings.Contains(logs.String(), "feeds[1]") {
				t.Errorf("log does not name the failing feed:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "s3cr3t") {
				t.Errorf("log leaks the feed's token:\n%s", logs.String())
			}
		})
	}
}

// TestRSSPresetFeedName: a failing preset feed is named as the preset, not
// as a feeds[i] that the configuration does not have.
func TestRSSPresetFeedName(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/rss/search") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>`)
	}))
	defer srv.Close()
	src := config.Source{Name: "news", Type: config.TypeRSS, Preset: "google_news", Endpoint: srv.URL,
		Feeds: []string{"https://blog.example.com/feed", config.GoogleNewsFeed}}
	c, err := New(src, Deps{Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Source: "news", SourceType: "rss", MaxPages: PagesPerRun(src), Brands: []Brand{brand(t, "northwind", "northwind")},
		Collector: c, Store: openStore(t), Scorer: fixedScorer{}, Logger: discard(), Now: time.Now}
	res := r.Run(context.Background())
	if res.Err == nil || !strings.Contains(res.Err.Error(), "preset google_news (") || strings.Contains(res.Err.Error(), "feeds[1]") {
		t.Errorf("run error %v; want the preset named", res.Err)
	}
}
