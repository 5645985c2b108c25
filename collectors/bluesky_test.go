package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/repmon/repmon/collectors/collectorstest"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repmon/repmon/config"
)

const (
	bskyAppPassword = "abcd-efgh-ijkl-mnop"
	bskyAccess1     = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.access-1.sig"
	bskyAccess2     = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.access-2.sig"
	bskyRefresh1    = "eyJ0eXAiOiJyZWZyZXNoK2p3dCIsImFsZyI6IkVTMjU2SyJ9.refresh-1.sig"
)

func bskySource(endpoint string) config.Source {
	return config.Source{Name: "bsky", Type: config.TypeBluesky, Endpoint: endpoint,
		Identifier: "repmon.bsky.social", AppPassword: bskyAppPassword,
		Backfill: config.Duration(24 * time.Hour), UserAgent: "repmon-test"}
}

// bskyFake is a PDS stand-in: sessions, profiles, and search served by
// searchH. expireOnce makes the next authenticated call fail with
// ExpiredToken.
type bskyFake struct {
	t          *testing.T
	searchH    http.HandlerFunc
	creates    atomic.Int64
	refreshes  atomic.Int64
	profiles   atomic.Int64
	expireOnce atomic.Bool
	refreshBad atomic.Bool
	mu         sync.Mutex
	valid      string // access token currently accepted
}

func (f *bskyFake) handler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/xrpc/com.atproto.server.createSession":
		f.creates.Add(1)
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		if body["identifier"] != "repmon.bsky.social" || body["password"] != bskyAppPassword {
			writeJSON(w, 401, loadFixture(f.t, "bluesky/auth_required.json"))
			return
		}
		f.setValid(bskyAccess1)
		writeJSON(w, 200, loadFixture(f.t, "bluesky/session.json"))
		return
	case "/xrpc/com.atproto.server.refreshSession":
		f.refreshes.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+bskyRefresh1 || f.refreshBad.Load() {
			writeJSON(w, 400, []byte(`{"error":"ExpiredToken","message":"Token has been revoked"}`))
			return
		}
		f.setValid(bskyAccess2)
		writeJSON(w, 200, loadFixture(f.t, "bluesky/refreshed.json"))
		return
	}
	f.mu.Lock()
	valid := f.valid
	f.mu.Unlock()
	if f.expireOnce.CompareAndSwap(true, false) || r.Header.Get("Authorization") != "Bearer "+valid {
		writeJSON(w, 400, loadFixture(f.t, "bluesky/expired.json"))
		return
	}
	switch r.URL.Path {
	case "/xrpc/app.bsky.actor.getProfiles":
		f.profiles.Add(1)
		actors := r.URL.Query()["actors"]
		if len(actors) > 25 {
			f.t.Errorf("getProfiles with %d actors", len(actors))
		}
		var ps []map[string]any
		for _, a := range actors {
			n := int64(7)
			if a == "did:plc:z72i7hdynmk6r22z27h6tvur" {
				n = 15230
			}
			ps = append(ps, map[string]any{"did": a, "handle": "h", "followersCount": n})
		}
		b, _ := json.Marshal(map[string]any{"profiles": ps})
		writeJSON(w, 200, b)
	case "/xrpc/app.bsky.feed.searchPosts":
		f.searchH(w, r)
	default:
		f.t.Errorf("unexpected path %s", r.URL.Path)
		w.WriteHeader(404)
	}
}

func (f *bskyFake) setValid(tok string) {
	f.mu.Lock()
	f.valid = tok
	f.mu.Unlock()
}

func newBskyFake(t *testing.T, search http.HandlerFunc) (*bskyFake, *counted) {
	f := &bskyFake{t: t, searchH: search}
	srv := serveCounted(t, f.handler)
	return f, srv
}

func newTestBluesky(t testing.TB, src config.Source) Collector {
	t.Helper()
	c, err := New(src, socialDeps())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBlueskyFetch(t *testing.T) {
	var searches []string
	var mu sync.Mutex
	f, srv := newBskyFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		searches = append(searches, r.URL.Query().Encode())
		mu.Unlock()
		if r.URL.Query().Get("q") == "northwind" {
			writeJSON(w, 200, loadFixture(t, "bluesky/search_posts.json"))
			return
		}
		writeJSON(w, 200, []byte(`{"posts":[]}`))
	})
	bs := newTestBluesky(t, bskySource(srv.URL))
	b := socialBrand(t, `northwind OR #northwindair`)
	p, err := bs.Fetch(context.Background(), b, `{"cursor":"0"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Posts) != 2 || !p.More {
		t.Fatalf("page = %+v", p)
	}
	got := p.Posts[0]
	if got.ID != "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lk4pq2x7ss2c" || got.Author != "alice.bsky.social" ||
		got.AuthorFollowers != 15230 || got.Likes != 51 || got.Reposts != 11 || got.Replies != 4 || got.Lang != "en" ||
		got.URL != "https://bsky.app/profile/alice.bsky.social/post/3lk4pq2x7ss2c" ||
		!got.CreatedAt.Equal(time.Date(2025, 3, 10, 11, 20, 0, 0, time.UTC)) {
		t.Fatalf("post = %+v", got)
	}
	if p.Posts[1].URL != "https://bsky.app/profile/did:plc:ewvi7nxzyoun6zhxrhs64oiz/post/3lk4mzzq4bk2a" || p.Posts[1].Lang != "de" || p.Posts[1].AuthorFollowers != 7 {
		t.Fatalf("post 2 = %+v", p.Posts[1])
	}
	if p.Cursor != `{"cursor":"100","newest":"2025-03-10T11:20:00Z"}` {
		t.Fatalf("cursor %s", p.Cursor)
	}
	// The walk of "northwind" ends on an empty page; the next alternative follows.
	p, err = bs.Fetch(context.Background(), b, p.Cursor)
	if err != nil || !strings.Contains(p.Cursor, `"since":{"northwind":"2025-03-10T11:20:00Z"},"alt":1`) || !p.More {
		t.Fatalf("end of walk: %+v %v", p, err)
	}
	p, err = bs.Fetch(context.Background(), b, p.Cursor)
	if err != nil || p.More {
		t.Fatalf("last alternative: %+v %v", p, err)
	}
	// The profiles were cached, the session reused.
	if f.profiles.Load() != 1 || f.creates.Load() != 1 {
		t.Fatalf("%d getProfiles, %d createSession", f.profiles.Load(), f.creates.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"cursor=0&limit=100&q=northwind&since=2025-03-09T12%3A00%3A00.000Z&sort=latest",
		"cursor=100&limit=100&q=northwind&since=2025-03-09T12%3A00%3A00.000Z&sort=latest",
		"limit=100&q=%23northwindair&since=2025-03-09T12%3A00%3A00.000Z&sort=latest",
	}
	if fmt.Sprint(searches) != fmt.Sprint(want) {
		t.Fatalf("searches\n%v\nwant\n%v", searches, want)
	}
}

func TestBlueskyExpiredToken(t *testing.T) {
	for _, refreshFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("refresh fails=%v", refreshFails), func(t *testing.T) {
			f, srv := newBskyFake(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, []byte(`{"posts":[]}`))
			})
			bs := newTestBluesky(t, bskySource(srv.URL))
			b := socialBrand(t, "northwind")
			if _, err := bs.Fetch(context.Background(), b, ""); err != nil {
				t.Fatal(err)
			}
			f.expireOnce.Store(true)
			f.refreshBad.Store(refreshFails)
			if _, err := bs.Fetch(context.Background(), b, ""); err != nil {
				t.Fatal(err)
			}
			wantCreates := int64(1)
			if refreshFails {
				wantCreates = 2
			}
			if f.refreshes.Load() != 1 || f.creates.Load() != wantCreates {
				t.Fatalf("%d refreshes, %d creates; want 1, %d", f.refreshes.Load(), f.creates.Load(), wantCreates)
			}
		})
	}
}

func TestBlueskyFaults(t *testing.T) {
	faults := append(commonFaults(bsky429, loadFixture(t, "bluesky/search_posts.json")),
		faultCase{name: "revoked app password", handler: nil, want: ReasonAuth},
	)
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newBskyFake(t, tc.handler)
			src := bskySource(srv.URL)
			if tc.handler == nil {
				src.AppPassword = "revoked-" + bskyAppPassword
			}
			bs := newTestBluesky(t, src)
			b := socialBrand(t, "northwind")
			checkFault(t, tc, srv, func(ctx context.Context) (Page, error) { return bs.Fetch(ctx, b, "") },
				bskyAppPassword, bskyAccess1, bskyRefresh1)
		})
	}
}

// TestBlueskyPagingResume: page 3 of 5 fails; pages 1-2 are stored, the
// next run resumes with the API cursor and completes, the one after asks
// from the new since bound. Every post is fetched and stored exactly once.
func TestBlueskyPagingResume(t *testing.T) {
	pages := make([][]string, 5)
	var all []string
	for p := range pages {
		for k := 0; k < 3; k++ {
			i := p*3 + k
			uri := "at://did:plc:author" + strconv.Itoa(i%4) + "/app.bsky.feed.post/3lk" + strconv.Itoa(100-i)
			pages[p] = append(pages[p], uri)
			all = append(all, uri)
		}
	}
	var failPage3 atomic.Bool
	failPage3.Store(true)
	var sinces []string
	var mu sync.Mutex
	_, srv := newBskyFake(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		n, _ := strconv.Atoi(q.Get("cursor"))
		mu.Lock()
		sinces = append(sinces, q.Get("since"))
		mu.Unlock()
		if q.Get("since") != "2025-03-09T12:00:00.000Z" {
			writeJSON(w, 200, []byte(`{"posts":[]}`)) // a later walk: nothing new
			return
		}
		if n == 2 && failPage3.Load() {
			status503HTML(w, r)
			return
		}
		var posts []map[string]any
		for k, uri := range pages[n] {
			at := socialNow.Add(-time.Duration(n*3+k) * time.Minute).Format("2006-01-02T15:04:05.000Z")
			did := strings.Split(strings.TrimPrefix(uri, "at://"), "/")[0]
			posts = append(posts, map[string]any{"uri": uri, "cid": "bafy", "indexedAt": at,
				"author": map[string]any{"did": did, "handle": strings.TrimPrefix(did, "did:plc:") + ".bsky.social"},
				"record": map[string]any{"$type": "app.bsky.feed.post", "text": "northwind " + uri, "createdAt": at, "langs": []string{"en"}}})
		}
		resp := map[string]any{"posts": posts}
		if n < 4 {
			resp["cursor"] = strconv.Itoa(n + 1)
		}
		b, _ := json.Marshal(resp)
		writeJSON(w, 200, b)
	})
	src := bskySource(srv.URL)
	rec := &recorder{Collector: newTestBluesky(t, src)}
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
	cur, _ := st.Cursor(context.Background(), "bsky", b.Name)
	if cur != `{"since":{"northwind":"2025-03-10T12:00:00Z"}}` {
		t.Fatalf("cursor after the walk: %s", cur)
	}
	if res := run.Run(context.Background()); res.Err != nil || res.Stored != 0 {
		t.Fatalf("run 3: stored %d, err %v", res.Stored, res.Err)
	}
	checkExactlyOnce(t, rec, st, "bsky", all)
	mu.Lock()
	defer mu.Unlock()
	if last := sinces[len(sinces)-1]; last != "2025-03-10T11:59:00.000Z" {
		t.Fatalf("next walk since = %s", last)
	}
}

func FuzzDecodeBluesky(f *testing.F) {
	f.Add(loadFixture(f, "bluesky/search_posts.json"))
	f.Add(loadFixture(f, "bluesky/profiles.json"))
	f.Add([]byte(`{"posts":[{"uri":"at://x/y/"},{"uri":"at://"},{"uri":"/"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		posts, _, err := decodeBlueskySearch(b)
		if err != nil && posts != nil {
			t.Fatal("posts with an error")
		}
		for _, p := range posts {
			if !strings.HasPrefix(p.ID, "at://") {
				t.Fatalf("id %q", p.ID)
			}
		}
		decodeBlueskyProfiles(b)
	})
}

// A profiles answer that cannot be read fails the page rather than storing
// its posts with no reach: mentions are stored once and never updated, so
// a transient bad answer would zero the reach for good (and hide the post
// from min_followers alert rules). The next run fetches the page again.
func TestBlueskyUnreadableProfilesFailThePage(t *testing.T) {
	for _, k := range []collectorstest.Fault{collectorstest.FaultMalformed, collectorstest.FaultTruncated} {
		t.Run(string(k), func(t *testing.T) {
			f := &collectorstest.Bluesky{}
			f.Add(collectorstest.Item{Text: "northwind lost my bag", Author: "alice", Followers: 15230, Created: socialNow.Add(-time.Hour)})
			f.Faults = collectorstest.NewFaults(1, 0)
			// createSession, searchPosts, then getProfiles fails.
			f.Faults.Queue(collectorstest.FaultNone, collectorstest.FaultNone, k)
			srv := httptest.NewServer(f)
			defer srv.Close()
			bs := newTestBluesky(t, bskySource(srv.URL))
			b := socialBrand(t, "northwind")
			if _, err := bs.Fetch(context.Background(), b, ""); ReasonOf(err) != ReasonBadResponse {
				t.Fatalf("unreadable profiles: err %v, want bad_response", err)
			}
			p, err := bs.Fetch(context.Background(), b, "")
			if err != nil || len(p.Posts) != 1 || p.Posts[0].AuthorFollowers != 15230 {
				t.Fatalf("next run: %+v %v", p, err)
			}
		})
	}
}
