package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/collectors/collectorstest"
	"github.com/repmon/repmon/config"
)

const mastodonToken = "mastodon-user-token-abc123"

func mastodonSource(endpoint string, token config.Secret) config.Source {
	return config.Source{Name: "fediverse", Type: config.TypeMastodon, Endpoint: endpoint, AccessToken: token,
		Hashtags: []string{"Northwind"}, Backfill: config.Duration(24 * time.Hour), UserAgent: "repmon-test"}
}

// mastodonServer serves instance (a fixture name) at /api/v2/instance and
// api for everything else.
func mastodonServer(t *testing.T, instance string, api http.HandlerFunc) (*counted, *atomic.Int64) {
	var instanceReads atomic.Int64
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/instance" {
			instanceReads.Add(1)
			writeJSON(w, 200, loadFixture(t, "mastodon/"+instance))
			return
		}
		api(w, r)
	})
	return srv, &instanceReads
}

func newTestMastodon(t testing.TB, src config.Source) Collector {
	t.Helper()
	c, err := New(src, socialDeps())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMastodonTagTimeline(t *testing.T) {
	var gotQuery atomic.Value
	srv, instanceReads := mastodonServer(t, "instance.json", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/timelines/tag/northwind" {
			t.Errorf("path %s", r.URL.Path)
		}
		if r.Header.Get("Authorization") != "" {
			t.Errorf("sent Authorization without a token")
		}
		gotQuery.Store(r.URL.RawQuery)
		w.Header().Set("Link", `<https://mastodon.example/api/v1/timelines/tag/northwind?limit=40&max_id=114137597214721234>; rel="next", <https://mastodon.example/api/v1/timelines/tag/northwind?limit=40&min_id=114137904709636711>; rel="prev"`)
		writeJSON(w, 200, loadFixture(t, "mastodon/tag_timeline.json"))
	})
	m := newTestMastodon(t, mastodonSource(srv.URL, ""))
	b := socialBrand(t, "northwind OR #northwind")
	p, err := m.Fetch(context.Background(), b, "")
	if err != nil {
		t.Fatal(err)
	}
	floor := mastodonSnowflake(socialNow.Add(-24 * time.Hour))
	if q := gotQuery.Load().(string); q != "limit=40&min_id="+floor {
		t.Fatalf("query %s", q)
	}
	if len(p.Posts) != 2 || p.More {
		t.Fatalf("page = %+v", p)
	}
	got := p.Posts[0]
	if got.ID != "114137904709636711" || got.Author != "kim@social.example" || got.AuthorFollowers != 2210 ||
		got.Likes != 40 || got.Reposts != 12 || got.Replies != 3 || got.Lang != "en" ||
		got.URL != "https://social.example/@kim/113994820226640911" || got.Text != "Three hours on hold with #Northwind support & still no refund. Done." ||
		!got.CreatedAt.Equal(time.Date(2025, 3, 10, 11, 30, 12, 0, time.UTC)) {
		t.Fatalf("post = %+v", got)
	}
	if p.Posts[1].Author != "lee@mastodon.example" || p.Posts[1].Text != "northwind rant\nthe app logged me out again third time this week" {
		t.Fatalf("post 2 = %+v", p.Posts[1])
	}
	if p.Cursor != `{"tags":{"northwind":"114137904709636711"}}` {
		t.Fatalf("cursor %s", p.Cursor)
	}
	if _, err := m.Fetch(context.Background(), b, p.Cursor); err != nil {
		t.Fatal(err)
	}
	if q := gotQuery.Load().(string); q != "limit=40&min_id=114137904709636711" {
		t.Fatalf("second query %s", q)
	}
	if instanceReads.Load() != 1 {
		t.Fatalf("instance read %d times", instanceReads.Load())
	}
}

// TestMastodonText: content is HTML and is converted; a content warning is
// plain text and is kept as written.
func TestMastodonText(t *testing.T) {
	body := []byte(`[{"id":"114137904709636711","created_at":"2025-03-10T11:30:12.000Z","uri":"https://social.example/users/kim/statuses/1",
 "spoiler_text":"northwind <rant> & AT&amp;T",
 "content":"<p>Hold time was &lt;a minute, now 2 hours &amp; counting.</p><p>Done.</p>",
 "account":{"acct":"kim@social.example"}}]`)
	posts, _, err := decodeMastodonStatuses(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 {
		t.Fatalf("%d posts", len(posts))
	}
	if got, want := Text(posts[0].Text), "northwind <rant> & AT&amp;T Hold time was <a minute, now 2 hours & counting. Done."; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

func TestMastodonInstancePolicy(t *testing.T) {
	tests := []struct {
		instance string
		token    config.Secret
		wantErr  string
	}{
		{"instance_auth.json", "", "requires a logged-in user for hashtag feeds"},
		{"instance_auth.json", mastodonToken, ""},
		{"instance_old.json", "", ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s token=%v", tc.instance, tc.token != ""), func(t *testing.T) {
			var api atomic.Int64
			srv, _ := mastodonServer(t, tc.instance, func(w http.ResponseWriter, r *http.Request) {
				api.Add(1)
				if strings.HasPrefix(r.URL.Path, "/api/v2/search") {
					writeJSON(w, 200, []byte(`{"accounts":[],"statuses":[],"hashtags":[]}`))
					return
				}
				writeJSON(w, 200, []byte(`[]`))
			})
			m := newTestMastodon(t, mastodonSource(srv.URL, tc.token))
			_, err := m.Fetch(context.Background(), socialBrand(t, "northwind"), "")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || ReasonOf(err) != ReasonAuth {
				t.Fatalf("err = %v", err)
			}
			if api.Load() != 0 {
				t.Fatal("fetched a timeline the instance does not allow")
			}
		})
	}
}

func TestMastodonSearch(t *testing.T) {
	var mu sync.Mutex
	var searches []string
	srv, _ := mastodonServer(t, "instance.json", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+mastodonToken {
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		}
		if r.URL.Path == "/api/v2/search" {
			mu.Lock()
			searches = append(searches, r.URL.Query().Encode())
			mu.Unlock()
			if r.URL.Query().Get("offset") != "" { // past the fixture's results
				writeJSON(w, 200, []byte(`{"accounts":[],"statuses":[],"hashtags":[]}`))
				return
			}
			writeJSON(w, 200, loadFixture(t, "mastodon/search.json"))
			return
		}
		writeJSON(w, 200, []byte(`[]`))
	})
	m := newTestMastodon(t, mastodonSource(srv.URL, mastodonToken))
	b := socialBrand(t, "northwind")
	p, err := m.Fetch(context.Background(), b, "") // the #northwind timeline
	if err != nil || !p.More {
		t.Fatalf("page 1: %+v %v", p, err)
	}
	p, err = m.Fetch(context.Background(), b, p.Cursor) // search
	if err != nil {
		t.Fatal(err)
	}
	requests := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(searches)
	}
	if searches := requests(); len(searches) != 1 || searches[0] != "limit=40&min_id="+mastodonSnowflake(socialNow.Add(-24*time.Hour))+"&q=northwind&resolve=false&type=statuses" {
		t.Fatalf("search requests %v", searches)
	}
	// The boost and the original are one post; boosts report the original.
	if len(p.Posts) != 2 || p.Posts[0].ID != "114137904709636711" || p.Posts[0].Likes != 40 {
		t.Fatalf("posts = %+v", p.Posts)
	}
	// a page shorter than the limit does not end the walk (Mastodon drops
	// filtered statuses after cutting it): the next, empty, one does, and
	// min_id moves to the newest id read, or mastodonOverlap before now
	if !p.More {
		t.Fatalf("page = %+v, want more after a short page", p)
	}
	if p, err = m.Fetch(context.Background(), b, p.Cursor); err != nil {
		t.Fatal(err)
	}
	if searches := requests(); len(searches) != 2 || !strings.Contains(searches[1], "offset=3") {
		t.Fatalf("search requests %v", searches)
	}
	next := "114137982566400099"
	if lag := mastodonSnowflake(socialNow.Add(-mastodonOverlap)); idLess(lag, next) {
		next = lag
	}
	if p.More || !strings.Contains(p.Cursor, `"search":{"northwind":{"min_id":"`+next+`"}}`) {
		t.Fatalf("page = %+v, want min_id %s", p, next)
	}
}

func TestMastodonFaults(t *testing.T) {
	faults := append(commonFaults(masto429, loadFixture(t, "mastodon/tag_timeline.json")),
		faultCase{name: "revoked token", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, loadFixture(t, "mastodon/unauthorized.json"))
		}, want: ReasonAuth},
	)
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := mastodonServer(t, "instance.json", tc.handler)
			m := newTestMastodon(t, mastodonSource(srv.URL, mastodonToken))
			b := socialBrand(t, "northwind")
			// The hashtag stream fails; with search as a second stream, a
			// failure that concerns that stream only is skipped past.
			checkFault(t, tc, srv, func(ctx context.Context) (Page, error) {
				p, err := m.Fetch(ctx, b, "")
				if err == nil && p.Skipped != nil {
					if !p.More || p.Cursor != `{"next":1}` {
						t.Errorf("skipped stream: more %v, cursor %s; want the search stream next", p.More, p.Cursor)
					}
					err = p.Skipped
				}
				return p, err
			}, mastodonToken)
		})
	}
}

// TestMastodonPagingResume: a hashtag timeline of 200 statuses read 40 at a
// time with min_id; page 3 fails, the next run resumes there.
func TestMastodonPagingResume(t *testing.T) {
	base, _ := strconv.ParseInt(mastodonSnowflake(socialNow.Add(-time.Hour)), 10, 64)
	var all []string
	for i := int64(1); i <= 200; i++ {
		all = append(all, strconv.FormatInt(base+i*1000, 10))
	}
	var failPage3 atomic.Bool
	failPage3.Store(true)
	srv, _ := mastodonServer(t, "instance_old.json", func(w http.ResponseWriter, r *http.Request) {
		minID := r.URL.Query().Get("min_id")
		var window []string
		for _, id := range all {
			if idLess(minID, id) && len(window) < 40 {
				window = append(window, id)
			}
		}
		if len(window) > 0 && window[0] == all[80] && failPage3.Load() {
			status503HTML(w, r)
			return
		}
		sort.Sort(sort.Reverse(sort.StringSlice(window))) // newest first, as Mastodon lists
		var ss []map[string]any
		for _, id := range window {
			ss = append(ss, map[string]any{"id": id, "created_at": "2025-03-10T11:00:00.000Z", "content": "<p>#northwind " + id + "</p>",
				"uri": "https://mastodon.example/users/a/statuses/" + id, "url": "https://mastodon.example/@a/" + id,
				"account": map[string]any{"acct": "a", "url": "https://mastodon.example/@a", "followers_count": 1}, "reblog": nil})
		}
		if len(window) > 0 {
			w.Header().Set("Link", `<https://mastodon.example/api/v1/timelines/tag/northwind?max_id=`+window[len(window)-1]+`>; rel="next", <https://mastodon.example/api/v1/timelines/tag/northwind?min_id=`+window[0]+`>; rel="prev"`)
		}
		b, _ := json.Marshal(ss)
		if ss == nil {
			b = []byte(`[]`)
		}
		writeJSON(w, 200, b)
	})
	src := mastodonSource(srv.URL, "")
	rec := &recorder{Collector: newTestMastodon(t, src)}
	st := openSocialStore(t)
	b := socialBrand(t, "#northwind")
	run := socialRunner(src, rec, st, b)
	if res := run.Run(context.Background()); ReasonOf(res.Err) != ReasonUnavailable || res.Stored != 80 {
		t.Fatalf("run 1: stored %d, err %v", res.Stored, res.Err)
	}
	failPage3.Store(false)
	if res := run.Run(context.Background()); res.Err != nil || res.Stored != 120 {
		t.Fatalf("run 2: stored %d, err %v", res.Stored, res.Err)
	}
	if res := run.Run(context.Background()); res.Err != nil || res.Stored != 0 {
		t.Fatalf("run 3: stored %d, err %v", res.Stored, res.Err)
	}
	checkExactlyOnce(t, rec, st, "fediverse", all)
}

// TestMastodonSearchPaging: full-text search of 100 statuses read 40 at a
// time with offset under a fixed min_id; page 2 fails, the next run resumes
// at its offset, and min_id only moves once the walk is complete, so a
// third run reads only what was published since.
func TestMastodonSearchPaging(t *testing.T) {
	f := &collectorstest.Mastodon{Token: mastodonToken}
	var want []string
	publish := func(n int) {
		for i := 0; i < n; i++ {
			at := socialNow.Add(-time.Hour + time.Duration(len(want))*time.Second)
			want = append(want, f.Add(collectorstest.Item{Text: fmt.Sprintf("northwind post %d", len(want)), Author: "kim", Followers: 5, Created: at})...)
		}
	}
	publish(100)
	f.Faults = collectorstest.NewFaults(1, 0)
	// Instance, #northwind timeline, search page 1; then page 2 fails on
	// every attempt of the client's retries.
	f.Faults.Queue(collectorstest.FaultNone, collectorstest.FaultNone, collectorstest.FaultNone,
		collectorstest.FaultUnavailable, collectorstest.FaultUnavailable, collectorstest.FaultUnavailable, collectorstest.FaultUnavailable)
	srv := httptest.NewServer(f)
	defer srv.Close()
	src := mastodonSource(srv.URL, mastodonToken)
	rec := &recorder{Collector: newTestMastodon(t, src)}
	st := openSocialStore(t)
	run := socialRunner(src, rec, st, socialBrand(t, "northwind"))
	if res := run.Run(context.Background()); ReasonOf(res.Err) != ReasonUnavailable || res.Stored != 40 {
		t.Fatalf("run 1: stored %d, err %v", res.Stored, res.Err)
	}
	if res := run.Run(context.Background()); res.Err != nil || res.Stored != 60 {
		t.Fatalf("run 2: stored %d, err %v", res.Stored, res.Err)
	}
	publish(5)
	if res := run.Run(context.Background()); res.Err != nil || res.Stored != 5 {
		t.Fatalf("run 3: stored %d, err %v", res.Stored, res.Err)
	}
	var offsets []string
	for _, r := range f.Log() {
		if r.Path == "/api/v2/search" && r.Fault == collectorstest.FaultNone {
			q, _ := url.ParseQuery(r.Query)
			offsets = append(offsets, q.Get("offset"))
		}
	}
	// pages 1 to 3, the empty page 4 that ends the walk, then the new posts
	// and the empty page after them
	if got := strings.Join(offsets, ","); got != ",40,80,100,,5" {
		t.Errorf("search offsets %q, want \",40,80,100,,5\"", got)
	}
	checkExactlyOnce(t, rec, st, "fediverse", want)
}

func TestLinkParam(t *testing.T) {
	h := `<https://m.example/api/v1/timelines/tag/a?max_id=5>; rel="next", <https://m.example/api/v1/timelines/tag/a?min_id=9>; rel="prev"`
	if got := linkParam(h, "prev", "min_id"); got != "9" {
		t.Fatalf("prev min_id = %q", got)
	}
	if got := linkParam(h, "next", "max_id"); got != "5" {
		t.Fatalf("next max_id = %q", got)
	}
	if got := linkParam(`garbage, <x; rel=prev`, "prev", "min_id"); got != "" {
		t.Fatalf("garbage = %q", got)
	}
}

func FuzzDecodeMastodon(f *testing.F) {
	f.Add(loadFixture(f, "mastodon/tag_timeline.json"))
	f.Add(loadFixture(f, "mastodon/search.json"))
	f.Add([]byte(`[{"id":"1","reblog":{"id":"x"}},{"id":"2","reblog":{"id":"3","reblog":{"id":"4"}}}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dec := range []func([]byte) ([]repmon.Post, []string, error){decodeMastodonStatuses, decodeMastodonSearch} {
			posts, ids, err := dec(b)
			if err != nil && (posts != nil || ids != nil) {
				t.Fatal("results with an error")
			}
			if len(posts) > len(ids) {
				t.Fatal("more posts than listed statuses")
			}
		}
	})
}
