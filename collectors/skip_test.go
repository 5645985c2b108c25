package collectors

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/metrics"
)

// partCounter counts requests per part of a source (alternative, stream).
type partCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *partCounter) add(part string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[part]++
}

func (c *partCounter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprint(c.n)
}

// runSkipping runs r three times with part "contoso" of the source failing
// and checks that every run reads the other parts and reports the failure.
func runSkipping(t *testing.T, r *Runner, parts *partCounter, others ...string) {
	t.Helper()
	for run := 1; run <= 3; run++ {
		res := r.Run(context.Background())
		if res.Outcome != metrics.ResultError || ReasonOf(res.Err) != ReasonUnavailable || !strings.Contains(res.Err.Error(), "contoso") {
			t.Fatalf("run %d: outcome %s, err %v; want an error naming the failing part", run, res.Outcome, res.Err)
		}
	}
	want := map[string]int{"contoso": 3 * 4} // a 500 is retried 3 times
	for _, o := range others {
		want[o] = 3
	}
	if got := parts.String(); got != fmt.Sprint(want) {
		t.Fatalf("requests per part after 3 runs = %s, want %v", got, want)
	}
}

// A Hacker News alternative that keeps failing does not stop the others;
// once it answers again it catches up from where it fell behind, although
// the watermark moved on without it.
func TestHackerNewsFailingAlternativeDoesNotBlockOthers(t *testing.T) {
	var parts partCounter
	var broken atomic.Bool
	broken.Store(true)
	var mu sync.Mutex
	filters := map[string]string{}
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		parts.add(q)
		mu.Lock()
		filters[q] = r.URL.Query().Get("numericFilters")
		mu.Unlock()
		if q == "contoso" && broken.Load() {
			status500(w, r)
			return
		}
		created := socialNow.Add(-time.Duration(parts.count(q)) * 10 * time.Minute).Unix()
		fmt.Fprintf(w, `{"hits":[{"objectID":"%s-%d","created_at_i":%d,"author":"a","title":"%s"}]}`, q, created, created, q)
	})
	src := config.Source{Name: "hn", Type: config.TypeHackerNews, Endpoint: srv.URL, Backfill: config.Duration(24 * time.Hour)}
	c, err := New(src, socialDeps())
	if err != nil {
		t.Fatal(err)
	}
	r := socialRunner(src, c, openSocialStore(t), socialBrand(t, "northwind OR contoso OR fabrikam"))
	runSkipping(t, r, &parts, "northwind", "fabrikam")

	floor := fmt.Sprintf("created_at_i>%d", socialNow.Add(-24*time.Hour).Unix())
	broken.Store(false)
	if res := r.Run(context.Background()); res.Err != nil {
		t.Fatalf("run after recovery: %v", res.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	if filters["contoso"] != floor || filters["northwind"] == floor {
		t.Fatalf("filters after recovery = %v; want contoso from the first walk's floor (%s), the others from the watermark", filters, floor)
	}
}

func (c *partCounter) count(part string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[part]
}

// A Bluesky alternative that keeps failing does not stop the others.
func TestBlueskyFailingAlternativeDoesNotBlockOthers(t *testing.T) {
	var parts partCounter
	_, srv := newBskyFake(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		parts.add(q)
		if q == "contoso" {
			status500(w, r)
			return
		}
		fmt.Fprintf(w, `{"posts":[{"uri":"at://did:plc:a/app.bsky.feed.post/%s","author":{"did":"did:plc:a","handle":"a.bsky.social"},
			"record":{"text":"%s","createdAt":"2025-03-10T11:00:00.000Z"},"indexedAt":"2025-03-10T11:00:01.000Z"}]}`, q, q)
	})
	src := bskySource(srv.URL)
	r := socialRunner(src, newTestBluesky(t, src), openSocialStore(t), socialBrand(t, "northwind OR contoso OR fabrikam"))
	runSkipping(t, r, &parts, "northwind", "fabrikam")
}

// A Mastodon stream (here a hashtag timeline) that keeps failing does not
// stop the others.
func TestMastodonFailingStreamDoesNotBlockOthers(t *testing.T) {
	var parts partCounter
	srv, _ := mastodonServer(t, "instance_old.json", func(w http.ResponseWriter, r *http.Request) {
		tag := strings.TrimPrefix(r.URL.Path, "/api/v1/timelines/tag/")
		parts.add(tag)
		if tag == "contoso" {
			status500(w, r)
			return
		}
		writeJSON(w, 200, []byte(`[]`))
	})
	src := mastodonSource(srv.URL, "")
	src.Hashtags = []string{"northwind", "contoso", "fabrikam"}
	r := socialRunner(src, newTestMastodon(t, src), openSocialStore(t), socialBrand(t, "northwind"))
	runSkipping(t, r, &parts, "northwind", "fabrikam")
}
