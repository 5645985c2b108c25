package collectors

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/query"
	"github.com/repmon/repmon/store"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestRSSConditionalGetAndDedup(t *testing.T) {
	feed, err := os.ReadFile("testdata/rss/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	var full, notModified atomic.Int32
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Query().Get("q"))
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(feed)
	}))
	defer srv.Close()
	// Two feeds serving the same items: each post must be stored once.
	src := config.Source{Name: "news", Type: config.TypeRSS, Feeds: []string{
		"https://news.google.com/rss/search?q={query}&hl=en-US", "https://news.google.com/rss/other?q={query}"}, Endpoint: srv.URL}
	c, err := New(src, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	r := &Runner{Source: "news", SourceType: "rss", MaxPages: PagesPerRun(src), Brands: []Brand{brand(t, "northwind", `northwind -"northwind traders"`)},
		Collector: c, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return now }}
	res := r.Run(context.Background())
	if res.Err != nil || res.Stored != 2 {
		t.Fatalf("run = %+v; want 2 stored (Northwind Traders excluded, duplicates dropped)", res)
	}
	if queries[0] != `northwind -"northwind traders"` {
		t.Errorf("{query} = %q", queries[0])
	}
	res = r.Run(context.Background())
	if res.Err != nil || res.Stored != 0 || notModified.Load() != 2 || full.Load() != 2 {
		t.Fatalf("second run = %+v, full=%d 304=%d; want both feeds answered 304", res, full.Load(), notModified.Load())
	}
	ms, _, _ := st.Mentions(context.Background(), store.Query{Ascending: true})
	if ms[1].URL != "https://news.example.com/articles/northwind-record-quarter" || ms[1].Author != "" && !strings.Contains(ms[1].Author, "Google News") {
		t.Errorf("mention = %+v", ms[1])
	}
	if !strings.HasPrefix(ms[1].Text, "Northwind posts record quarter") || strings.Contains(ms[1].Text, "<a") {
		t.Errorf("text not normalised: %q", ms[1].Text)
	}
}

func TestRSSMalformedFeedIsBadResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<rss><channel><item><title>trunc")
	}))
	defer srv.Close()
	c, _ := New(config.Source{Name: "news", Type: config.TypeRSS, Feeds: []string{srv.URL + "/feed"}}, Deps{})
	_, err := c.Fetch(context.Background(), brand(t, "b", "northwind"), "")
	if ReasonOf(err) != ReasonBadResponse {
		t.Fatalf("err = %v, want bad_response", err)
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain  text\n here", "plain text here"},
		{"<p>Hello&nbsp;<b>world</b></p><p>again &amp; again</p>", "Hello world again & again"},
		{"AT&T is down", "AT&T is down"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"<script>x()</script>visible", "visible"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCanonicalURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HTTPS://Example.COM:443/a?utm_source=x&b=2&a=1#frag", "https://example.com/a?a=1&b=2"},
		{"https://example.com/", "https://example.com"},
		{"not a url", "not a url"},
	} {
		if got := CanonicalURL(tc.in); got != tc.want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzRSSDecode(f *testing.F) {
	b, _ := os.ReadFile("testdata/rss/feed.xml")
	f.Add(b)
	f.Fuzz(func(t *testing.T, body []byte) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
		defer srv.Close()
		c, _ := New(config.Source{Name: "n", Type: config.TypeRSS, Feeds: []string{srv.URL}}, Deps{})
		c.Fetch(context.Background(), Brand{Name: "b", Query: query.MustParse("northwind")}, "")
	})
}
