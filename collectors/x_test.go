package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

const xToken = "AAAAAAAAAAAAAAAAAAAAAxtest-bearer-token"

func xSource(endpoint string) config.Source {
	return config.Source{Name: "x", Type: config.TypeX, API: "v2", Endpoint: endpoint,
		BearerToken: xToken, Backfill: config.Duration(24 * time.Hour), UserAgent: "repmon-test"}
}

func newTestX(t testing.TB, src config.Source) Collector {
	t.Helper()
	c, err := New(src, socialDeps())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestXV2Decode(t *testing.T) {
	posts, meta, err := decodeXV2(loadFixture(t, "x/search_recent.json"))
	if err != nil {
		t.Fatal(err)
	}
	if meta.NewestID != "1899071465927413842" || meta.NextToken == "" || meta.ResultCount != 2 {
		t.Fatalf("meta = %+v", meta)
	}
	if len(posts) != 2 {
		t.Fatalf("%d posts", len(posts))
	}
	p := posts[0]
	want := []string{p.ID, p.Author, p.URL, p.Lang, p.CreatedAt.Format(time.RFC3339)}
	exp := []string{"1899071465927413842", "danak_travels", "https://x.com/danak_travels/status/1899071465927413842", "en", "2025-03-10T11:42:07Z"}
	for i := range want {
		if want[i] != exp[i] {
			t.Errorf("field %d = %q, want %q", i, want[i], exp[i])
		}
	}
	if p.AuthorFollowers != 48211 || p.Likes != 31 || p.Reposts != 5 || p.Replies != 7 {
		t.Errorf("counts = %+v", p)
	}
	if posts[1].Lang != "" {
		t.Errorf("und lang kept: %q", posts[1].Lang)
	}
	// X escapes &, < and > in a post's text, and only those
	if got, want := posts[1].Text, "@northwind 👍 LHR > JFK & back, <3 &copy;"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

// TestXV2StoredTextIsPlain: a post's text is plain text once xText has
// undone X's escaping, so the runner stores what the author typed, markup
// look-alikes and literal entities included, rather than parsing it as HTML.
func TestXV2StoredTextIsPlain(t *testing.T) {
	body := []byte(`{"data":[
 {"id":"1899071465927413842","text":"hold time was &lt;a minute before, now 2 hours. northwind support is awful","author_id":"1","created_at":"2025-03-10T11:42:07.000Z"},
 {"id":"1899071465927413843","text":"northwind &lt;script&gt; tag in their checkout leaks my card, terrible","author_id":"1","created_at":"2025-03-10T11:42:08.000Z"},
 {"id":"1899071465927413844","text":"northwind: I typed &amp;copy; literally","author_id":"1","created_at":"2025-03-10T11:42:09.000Z"}],
 "meta":{"newest_id":"1899071465927413844","oldest_id":"1899071465927413842","result_count":3}}`)
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, body) })
	src := xSource(srv.URL)
	st := openSocialStore(t)
	res := socialRunner(src, newTestX(t, src), st, socialBrand(t, "northwind")).Run(context.Background())
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	ms, _, err := st.Mentions(context.Background(), store.Query{Source: "x", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range ms {
		got[m.ID] = m.Text
	}
	for _, tc := range []struct{ name, id, want string }{
		{"less-than before a letter", "1899071465927413842", "hold time was <a minute before, now 2 hours. northwind support is awful"},
		{"tag-like text", "1899071465927413843", "northwind <script> tag in their checkout leaks my card, terrible"},
		{"entity typed literally", "1899071465927413844", "northwind: I typed &copy; literally"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if text, ok := got[tc.id]; !ok || text != tc.want {
				t.Errorf("stored text = %q (stored: %v), want %q", text, ok, tc.want)
			}
		})
	}
}

func TestXV2FirstRequest(t *testing.T) {
	var got atomic.Pointer[http.Request]
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r)
		writeJSON(w, 200, loadFixture(t, "x/empty.json"))
	})
	x := newTestX(t, xSource(srv.URL))
	if _, err := x.Fetch(context.Background(), socialBrand(t, `northwind OR "north wind"`), ""); err != nil {
		t.Fatal(err)
	}
	r := got.Load()
	q := r.URL.Query()
	if r.URL.Path != "/2/tweets/search/recent" || r.Header.Get("Authorization") != "Bearer "+xToken {
		t.Fatalf("path %s auth %q", r.URL.Path, r.Header.Get("Authorization"))
	}
	checks := map[string]string{
		"query": `northwind OR "north wind"`, "max_results": "100", "expansions": "author_id",
		"tweet.fields": "created_at,lang,public_metrics,author_id", "user.fields": "username,public_metrics",
		"start_time": socialNow.Add(-24 * time.Hour).Format(time.RFC3339), "since_id": "",
	}
	for k, v := range checks {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
}

func TestXV2QueryTooLong(t *testing.T) {
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, loadFixture(t, "x/empty.json")) })
	x := newTestX(t, xSource(srv.URL))
	var alts []string
	for i := 0; i < 60; i++ {
		alts = append(alts, fmt.Sprintf(`"northwind product %d"`, i))
	}
	_, err := x.Fetch(context.Background(), socialBrand(t, strings.Join(alts, " OR ")), "")
	if err == nil || !strings.Contains(err.Error(), "over the recent-search limit of 512") {
		t.Fatalf("err = %v", err)
	}
	if srv.n.Load() != 0 {
		t.Fatal("a request was made")
	}
}

func TestXV2Faults(t *testing.T) {
	valid := loadFixture(t, "x/search_recent.json")
	faults := append(commonFaults(x429, valid),
		faultCase{name: "revoked bearer token", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, loadFixture(t, "x/unauthorized.json"))
		}, want: ReasonAuth},
		faultCase{name: "suspended app", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 403, []byte(`{"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden"}`))
		}, want: ReasonAuth},
	)
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveCounted(t, tc.handler)
			x := newTestX(t, xSource(srv.URL))
			b := socialBrand(t, "northwind")
			checkFault(t, tc, srv, func(ctx context.Context) (Page, error) { return x.Fetch(ctx, b, "") }, xToken)
		})
	}
}

// xPage renders one recent-search page in the API's shape.
func xPage(ids []string, next string) []byte {
	type tweet struct {
		ID            string         `json:"id"`
		Text          string         `json:"text"`
		AuthorID      string         `json:"author_id"`
		CreatedAt     string         `json:"created_at"`
		Lang          string         `json:"lang"`
		PublicMetrics map[string]int `json:"public_metrics"`
	}
	resp := map[string]any{}
	var data []tweet
	for i, id := range ids {
		data = append(data, tweet{ID: id, Text: "northwind page post " + id, AuthorID: "42",
			CreatedAt: socialNow.Add(-time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z"), Lang: "en",
			PublicMetrics: map[string]int{"like_count": 1, "retweet_count": 0, "reply_count": 0, "quote_count": 0}})
	}
	meta := map[string]any{"result_count": len(ids)}
	if len(ids) > 0 {
		resp["data"] = data
		resp["includes"] = map[string]any{"users": []any{map[string]any{"id": "42", "username": "someone", "public_metrics": map[string]int{"followers_count": 10}}}}
		meta["newest_id"], meta["oldest_id"] = ids[0], ids[len(ids)-1]
	}
	if next != "" {
		meta["next_token"] = next
	}
	resp["meta"] = meta
	b, _ := json.Marshal(resp)
	return b
}

// TestXV2PagingResume: page 3 of 5 fails; pages 1-2 are stored, the next
// run resumes at page 3 with next_token and the old since_id, and every post
// is fetched and stored exactly once.
func TestXV2PagingResume(t *testing.T) {
	pages := make([][]string, 5)
	var all []string
	for p := range pages {
		for k := 0; k < 3; k++ {
			id := fmt.Sprint(1900000000000000000 - int64(p*10+k))
			pages[p] = append(pages[p], id)
			all = append(all, id)
		}
	}
	var failPage3 atomic.Bool
	failPage3.Store(true)
	var mu sync.Mutex
	var queries []url.Values
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		queries = append(queries, q)
		mu.Unlock()
		if q.Get("since_id") == all[0] {
			writeJSON(w, 200, xPage(nil, "")) // caught up
			return
		}
		n := 0
		if tok := q.Get("next_token"); tok != "" {
			fmt.Sscanf(tok, "tok%d", &n)
		}
		if n == 2 && failPage3.Load() {
			status503HTML(w, r)
			return
		}
		next := ""
		if n < 4 {
			next = fmt.Sprintf("tok%d", n+1)
		}
		writeJSON(w, 200, xPage(pages[n], next))
	})
	src := xSource(srv.URL)
	rec := &recorder{Collector: newTestX(t, src)}
	st := openSocialStore(t)
	b := socialBrand(t, "northwind")
	run := socialRunner(src, rec, st, b)

	res := run.Run(context.Background())
	if ReasonOf(res.Err) != ReasonUnavailable || res.Stored != 6 {
		t.Fatalf("run 1: stored %d, err %v", res.Stored, res.Err)
	}
	cur, _ := st.Cursor(context.Background(), "x", b.Name)
	if !strings.Contains(cur, `"next_token":"tok2"`) || strings.Contains(cur, "since_id") {
		t.Fatalf("cursor after failed page 3: %s", cur)
	}

	failPage3.Store(false)
	res = run.Run(context.Background())
	if res.Err != nil || res.Stored != 9 {
		t.Fatalf("run 2: stored %d, err %v", res.Stored, res.Err)
	}
	cur, _ = st.Cursor(context.Background(), "x", b.Name)
	if cur != `{"since_id":"`+all[0]+`"}` {
		t.Fatalf("cursor after complete walk: %s", cur)
	}
	res = run.Run(context.Background())
	if res.Err != nil || res.Stored != 0 {
		t.Fatalf("run 3: stored %d, err %v", res.Stored, res.Err)
	}
	checkExactlyOnce(t, rec, st, "x", all)
	// Every request of the walk kept the first run's lower bound.
	mu.Lock()
	defer mu.Unlock()
	for i, q := range queries[:len(queries)-1] {
		if q.Get("since_id") != "" || q.Get("start_time") == "" {
			t.Errorf("request %d moved the lower bound mid-walk: %v", i, q)
		}
	}
}

func TestXV2ExpiredNextToken(t *testing.T) {
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("next_token") != "" {
			writeJSON(w, 400, loadFixture(t, "x/invalid_next_token.json"))
			return
		}
		if r.URL.Query().Get("since_id") != "1800000000000000000" {
			t.Errorf("restarted walk without the old since_id: %v", r.URL.Query())
		}
		writeJSON(w, 200, xPage([]string{"1800000000000000005"}, ""))
	})
	x := newTestX(t, xSource(srv.URL))
	p, err := x.Fetch(context.Background(), socialBrand(t, "northwind"),
		`{"since_id":"1800000000000000000","next_token":"b26v89c19zqg8o3fpzbkk0hxtvwxl4q4wqtuuk11a4o8t","newest_id":"1800000000000000009"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Posts) != 1 || p.More || p.Cursor != `{"since_id":"1800000000000000005"}` {
		t.Fatalf("page = %+v", p)
	}
}

func FuzzDecodeXV2(f *testing.F) {
	f.Add(loadFixture(f, "x/search_recent.json"))
	f.Add(loadFixture(f, "x/empty.json"))
	f.Add([]byte(`{"data":[{"id":"1","author_id":"x","created_at":"not a time"}],"includes":{"users":[{"id":"x"}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		posts, _, err := decodeXV2(b)
		if err != nil && posts != nil {
			t.Fatal("posts with an error")
		}
		for _, p := range posts {
			if !isDigits(p.ID) {
				t.Fatalf("non-numeric id %q", p.ID)
			}
		}
	})
}
