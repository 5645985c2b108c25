package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/collectors/collectorstest"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/query"
	"github.com/repmon/repmon/store"
)

type fixedScorer struct{}

func (fixedScorer) Score(_, text string) repmon.Sentiment {
	if strings.Contains(strings.ToLower(text), "never") {
		return repmon.Sentiment{Compound: -0.5, Neg: 1, Label: repmon.LabelNegative}
	}
	return repmon.Sentiment{Neu: 1, Label: repmon.LabelNeutral}
}

func openStore(t *testing.T) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func brand(t *testing.T, name, q string) Brand {
	t.Helper()
	return Brand{Name: name, Query: query.MustParse(q)}
}

func TestHackerNewsFixture(t *testing.T) {
	body, err := os.ReadFile("testdata/hackernews/search_by_date.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/search_by_date" {
			http.NotFound(w, r)
			return
		}
		got = append(got, r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}))
	defer srv.Close()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	src := config.Source{Name: "hn", Type: config.TypeHackerNews, Endpoint: srv.URL, Backfill: config.Duration(24 * time.Hour), MaxPages: 5}
	c, err := New(src, Deps{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	r := &Runner{Source: "hn", SourceType: "hackernews", MaxPages: 5, Brands: []Brand{brand(t, "northwind", `northwind -"northwind traders"`)},
		Collector: c, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return now }}
	res := r.Run(context.Background())
	if res.Err != nil || res.Outcome != "success" {
		t.Fatalf("run: %+v", res)
	}
	if res.Stored != 2 {
		t.Fatalf("stored %d, want 2 (the 'Northwinds' comment is not a whole-word match)", res.Stored)
	}
	if len(got) != 1 || !strings.Contains(got[0], "tags=%28story%2Ccomment%29") || !strings.Contains(got[0], "created_at_i%3E"+strconv.FormatInt(now.Add(-24*time.Hour).Unix(), 10)) {
		t.Fatalf("requests = %q", got)
	}
	ms, _, _ := st.Mentions(context.Background(), store.Query{Ascending: true})
	m := ms[1]
	if m.ID != "41234567" || m.Author != "jdoe" || m.URL != "https://news.ycombinator.com/item?id=41234567" ||
		m.Text != "Northwind's support left me on hold for two hours. Never again." || m.Sentiment.Label != repmon.LabelNegative {
		t.Fatalf("comment mention = %+v", m)
	}
	if ms[0].Likes != 57 || ms[0].Replies != 12 {
		t.Fatalf("story points/comments not kept: %+v", ms[0])
	}
	cur, _ := st.Cursor(context.Background(), "hn", "northwind")
	var hc hnCursor
	json.Unmarshal([]byte(cur), &hc)
	if hc.After != 1795256100 || hc.Alt != 0 || hc.Before != 0 {
		t.Fatalf("cursor = %s", cur)
	}
}

// TestHackerNewsText: a title is plain text; story and comment text are
// HTML.
func TestHackerNewsText(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name                  string
		title, story, comment *string
		want                  string
	}{
		{"title kept as written", str("Why Northwind's <canvas> app & API < 2s"), nil, nil, "Why Northwind's <canvas> app & API < 2s"},
		{"story text converted", str("Ask HN: Northwind?"), str("Has anyone&#x27;s refund arrived?<p>Mine took &lt;a week"), nil,
			"Ask HN: Northwind?\nHas anyone's refund arrived? Mine took <a week"},
		{"comment text converted", nil, nil, str("<p>Northwind&#x27;s support: <i>never</i> again.</p>"), "Northwind's support: never again."},
		{"empty parts skipped", str(""), str("<p></p>"), str("northwind"), "northwind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hnText(tc.title, tc.story, tc.comment); got != tc.want {
				t.Errorf("hnText = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHackerNewsPagingResumesAfterFailure(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	fake := &collectorstest.HackerNews{Fault: func(w http.ResponseWriter, n int32) bool {
		if n != 3 {
			return false
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html><body>503 Service Unavailable</body></html>")
		return true
	}}
	for i := 0; i < 450; i++ {
		fake.Add(collectorstest.Item{ID: strconv.Itoa(i), Created: now.Add(-time.Duration(i) * time.Minute), Text: fmt.Sprintf("northwind post %d", i)})
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	src := config.Source{Name: "hn", Type: config.TypeHackerNews, Endpoint: srv.URL, Backfill: config.Duration(24 * time.Hour), MaxPages: 10}
	c, _ := New(src, Deps{Now: func() time.Time { return now }, Backoff: time.Millisecond})
	c.(*hackerNews).c.retries = 0
	st := openStore(t)
	r := &Runner{Source: "hn", SourceType: "hackernews", MaxPages: 10, Brands: []Brand{brand(t, "northwind", "northwind")},
		Collector: c, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return now }}
	res := r.Run(context.Background())
	// Page 2's window includes page 1's oldest second, so it repeats one post.
	if res.Outcome != "error" || res.Stored != 199 {
		t.Fatalf("first run = %+v; want pages 1-2 stored, then the 503", res)
	}
	res = r.Run(context.Background())
	if res.Err != nil {
		t.Fatalf("second run: %v", res.Err)
	}
	ms, _, _ := st.Mentions(context.Background(), store.Query{Limit: 1000})
	if len(ms) != 450 {
		t.Fatalf("%d mentions stored, want all 450 exactly once", len(ms))
	}
	// A third run finds nothing new and does not advance past the newest post.
	if res := r.Run(context.Background()); res.Err != nil || res.Stored != 0 {
		t.Fatalf("third run = %+v", res)
	}
}

func FuzzHackerNewsDecode(f *testing.F) {
	b, _ := os.ReadFile("testdata/hackernews/search_by_date.json")
	f.Add(b)
	f.Add([]byte(`{"hits":[{"objectID":"1","created_at_i":-5,"title":null}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
		defer srv.Close()
		c, _ := New(config.Source{Name: "hn", Type: config.TypeHackerNews, Endpoint: srv.URL}, Deps{})
		c.Fetch(context.Background(), Brand{Name: "b", Query: query.MustParse("northwind")}, "")
	})
}
