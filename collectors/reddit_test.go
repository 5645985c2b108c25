package collectors

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repmon/repmon/config"
)

const (
	redditClientSecret = "reddit-client-secret-xyz"
	redditAccessToken  = "eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFFdWFyMnpLMUdhVGxjdWNZIiwidHlwIjoiSldUIn0.test"
)

func redditSource(endpoint string) config.Source {
	return config.Source{Name: "reddit", Type: config.TypeReddit, Endpoint: endpoint, AuthEndpoint: endpoint,
		ClientID: "reddit-client-id", ClientSecret: redditClientSecret, UserAgent: "linux:repmon-test:1.0 (by /u/repmon)",
		Backfill: config.Duration(24 * time.Hour)}
}

// redditServer serves the token endpoint and /search with api; it counts
// token requests separately.
func redditServer(t *testing.T, api http.HandlerFunc) (*counted, *atomic.Int64) {
	var tokens atomic.Int64
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/access_token" {
			tokens.Add(1)
			id, secret, ok := r.BasicAuth()
			body, _ := io.ReadAll(r.Body)
			if !ok || id != "reddit-client-id" || secret != redditClientSecret || string(body) != "grant_type=client_credentials" || r.Method != "POST" {
				t.Errorf("token request: basic auth %q %v, body %q", id, ok, body)
			}
			writeJSON(w, 200, loadFixture(t, "reddit/token.json"))
			return
		}
		if r.Header.Get("Authorization") != "bearer "+redditAccessToken {
			t.Errorf("API request without the token: %q", r.Header.Get("Authorization"))
		}
		if !strings.HasPrefix(r.UserAgent(), "linux:repmon-test") {
			t.Errorf("User-Agent %q", r.UserAgent())
		}
		api(w, r)
	})
	return srv, &tokens
}

func newTestReddit(t testing.TB, src config.Source) Collector {
	t.Helper()
	c, err := New(src, socialDeps())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRedditFetch(t *testing.T) {
	srv, tokens := redditServer(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		want := map[string]string{"q": "northwind OR (north AND wind)", "sort": "new", "type": "link", "limit": "100", "raw_json": "1"}
		for k, v := range want {
			if q.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, q.Get(k), v)
			}
		}
		writeJSON(w, 200, loadFixture(t, "reddit/search.json"))
	})
	rd := newTestReddit(t, redditSource(srv.URL))
	b := socialBrand(t, "northwind OR (north wind)")
	// A cursor in mid-walk, so that the fixture's older post is inside it.
	p, err := rd.Fetch(context.Background(), b, `{"mark":"t3_1j7a000"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Posts) != 2 || !p.More {
		t.Fatalf("page = %+v", p)
	}
	got := p.Posts[0]
	if got.ID != "t3_1j7x9ab" || got.Author != "wanderer42" || got.AuthorFollowers != 0 || got.Likes != 57 || got.Replies != 23 ||
		got.URL != "https://www.reddit.com/r/travel/comments/1j7x9ab/northwind_lost_my_luggage_again/" ||
		!got.CreatedAt.Equal(time.Unix(1741603327, 0)) || !strings.HasPrefix(got.Text, "Northwind lost my luggage again\n\nFlew Northwind") {
		t.Fatalf("post = %+v", got)
	}
	if p.Cursor != `{"mark":"t3_1j7a000","after":"t3_1j7w2kq","newest":"t3_1j7x9ab"}` {
		t.Fatalf("cursor = %s", p.Cursor)
	}
	// The token is cached across fetches.
	if _, err := rd.Fetch(context.Background(), b, p.Cursor); err != nil {
		t.Fatal(err)
	}
	if tokens.Load() != 1 {
		t.Fatalf("%d token requests, want 1", tokens.Load())
	}
}

func TestRedditExpiredTokenRenewedOnce(t *testing.T) {
	var calls atomic.Int64
	srv, tokens := redditServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 { // the cached token expired early
			writeJSON(w, 401, loadFixture(t, "reddit/unauthorized.json"))
			return
		}
		writeJSON(w, 200, loadFixture(t, "reddit/search.json"))
	})
	rd := newTestReddit(t, redditSource(srv.URL))
	b := socialBrand(t, "northwind")
	for i := 0; i < 2; i++ {
		if _, err := rd.Fetch(context.Background(), b, ""); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	if tokens.Load() != 2 || calls.Load() != 3 {
		t.Fatalf("%d token requests, %d API requests; want 2 and 3", tokens.Load(), calls.Load())
	}
}

func TestRedditFaults(t *testing.T) {
	valid := loadFixture(t, "reddit/search.json")
	htmlPage := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			w.Write(loadFixture(t, "reddit/blocked.html"))
		}
	}
	faults := append(commonFaults(reddit429, valid),
		faultCase{name: "revoked token", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, loadFixture(t, "reddit/unauthorized.json"))
		}, want: ReasonAuth},
		faultCase{name: "blocked 403 html", handler: htmlPage(403), want: ReasonAuth},
		faultCase{name: "blocked 200 html", handler: htmlPage(200), want: ReasonAuth},
		faultCase{name: "json error object", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, []byte(`{"message":"Bad Request","error":400}`))
		}, want: ReasonBadResponse},
	)
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := redditServer(t, tc.handler)
			rd := newTestReddit(t, redditSource(srv.URL))
			b := socialBrand(t, "northwind")
			checkFault(t, tc, srv, func(ctx context.Context) (Page, error) { return rd.Fetch(ctx, b, "") }, redditAccessToken, redditClientSecret)
		})
	}
}

func TestRedditRevokedCredentials(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"401": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, loadFixture(t, "reddit/unauthorized.json"))
		},
		"200 with error": func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []byte(`{"error":"invalid_grant"}`)) },
	} {
		t.Run(name, func(t *testing.T) {
			srv := serveCounted(t, h)
			rd := newTestReddit(t, redditSource(srv.URL))
			_, err := rd.Fetch(context.Background(), socialBrand(t, "northwind"), "")
			if ReasonOf(err) != ReasonAuth || strings.Contains(err.Error(), redditClientSecret) {
				t.Fatalf("err = %v", err)
			}
			if srv.n.Load() != 1 {
				t.Fatalf("%d requests", srv.n.Load())
			}
		})
	}
}

func redditPage(names []string, after string) []byte {
	var children []any
	for i, n := range names {
		children = append(children, map[string]any{"kind": "t3", "data": map[string]any{
			"name": n, "id": strings.TrimPrefix(n, "t3_"), "title": "northwind post " + n, "selftext": "",
			"author": "someone", "score": 1, "num_comments": 0, "subreddit_subscribers": 1000,
			"created_utc": float64(socialNow.Add(-time.Duration(i) * time.Minute).Unix()),
			"permalink":   "/r/test/comments/" + strings.TrimPrefix(n, "t3_") + "/post/",
		}})
	}
	data := map[string]any{"children": children, "before": nil, "after": nil, "dist": len(names)}
	if after != "" {
		data["after"] = after
	}
	b, _ := json.Marshal(map[string]any{"kind": "Listing", "data": data})
	return b
}

// TestRedditPagingResume: page 3 of 5 fails; the next run resumes with
// after and completes; a third run stops at the watermark. Every post is
// fetched and stored exactly once.
func TestRedditPagingResume(t *testing.T) {
	pages := make([][]string, 5)
	var all []string
	for p := range pages {
		for k := 0; k < 3; k++ {
			n := "t3_" + strconv.FormatUint(uint64(60000000-(p*10+k)), 36)
			pages[p] = append(pages[p], n)
			all = append(all, n)
		}
	}
	var failPage3 atomic.Bool
	failPage3.Store(true)
	var mu sync.Mutex
	var afters []string
	srv, _ := redditServer(t, func(w http.ResponseWriter, r *http.Request) {
		after := r.URL.Query().Get("after")
		n := 0
		for i, p := range pages {
			if after != "" && p[2] == after {
				n = i + 1
			}
		}
		if n == 2 && failPage3.Load() {
			status503HTML(w, r)
			return
		}
		next := ""
		if n < 4 {
			next = pages[n][2]
		}
		mu.Lock()
		afters = append(afters, after)
		mu.Unlock()
		writeJSON(w, 200, redditPage(pages[n], next))
	})
	src := redditSource(srv.URL)
	rec := &recorder{Collector: newTestReddit(t, src)}
	st := openSocialStore(t)
	b := socialBrand(t, "northwind")
	run := socialRunner(src, rec, st, b)

	if res := run.Run(context.Background()); ReasonOf(res.Err) != ReasonUnavailable || res.Stored != 6 {
		t.Fatalf("run 1: stored %d, err %v", res.Stored, res.Err)
	}
	failPage3.Store(false)
	if res := run.Run(context.Background()); res.Err != nil || res.Stored != 9 {
		t.Fatalf("run 2: stored %d, err %v", res.Stored, res.Err)
	}
	cur, _ := st.Cursor(context.Background(), "reddit", b.Name)
	if cur != `{"mark":"`+all[0]+`"}` {
		t.Fatalf("cursor after complete walk: %s", cur)
	}
	if res := run.Run(context.Background()); res.Err != nil || res.Stored != 0 {
		t.Fatalf("run 3: stored %d, err %v", res.Stored, res.Err)
	}
	checkExactlyOnce(t, rec, st, "reddit", all)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"", pages[0][2], pages[1][2], pages[2][2], pages[3][2], ""}
	if fmt.Sprint(afters) != fmt.Sprint(want) {
		t.Fatalf("after params = %v, want %v", afters, want)
	}
}

// TestRedditListingCap: Reddit ends a listing after about 1,000 posts, so
// a catch-up longer than that cannot reach the last walk's newest post.
// The walk still ends (there is nothing more to list) and says what is
// missing.
func TestRedditListingCap(t *testing.T) {
	name := func(n int) string { return "t3_" + strconv.FormatUint(uint64(n), 36) }
	srv, _ := redditServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			writeJSON(w, 200, redditPage([]string{name(5000), name(4999)}, name(4999)))
			return
		}
		writeJSON(w, 200, redditPage([]string{name(4998), name(4997)}, "")) // the end of the listing
	})
	var logs bytes.Buffer
	d := socialDeps()
	d.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c, err := New(redditSource(srv.URL), d)
	if err != nil {
		t.Fatal(err)
	}
	b := socialBrand(t, "northwind")
	cursor := `{"mark":"` + name(1000) + `"}`
	for page := 1; ; page++ {
		p, err := c.Fetch(context.Background(), b, cursor)
		if err != nil {
			t.Fatal(err)
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
		if page > 2 {
			t.Fatal("the walk does not end")
		}
	}
	if cursor != `{"mark":"`+name(5000)+`"}` {
		t.Errorf("cursor after the walk: %s", cursor)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "last_walk_newest="+name(1000)) {
		t.Errorf("no warning of the gap:\n%s", logs.String())
	}
}

func FuzzDecodeReddit(f *testing.F) {
	f.Add(loadFixture(f, "reddit/search.json"))
	f.Add([]byte(`{"kind":"Listing","data":{"children":[{"kind":"t3","data":{"name":"t3_zzzzzzzzzzzzzz","created_utc":1e300}}]}}`))
	f.Add([]byte(`{"message":"Forbidden","error":403}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		posts, _, err := decodeReddit(b)
		if err != nil && posts != nil {
			t.Fatal("posts with an error")
		}
		for _, p := range posts {
			if redditID(p.ID) == 0 {
				t.Fatalf("bad id %q", p.ID)
			}
		}
	})
}
