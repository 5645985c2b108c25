package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestBlueskyDeepWalk: searchPosts pages by offset and gives no cursor once
// offset+limit reaches 10,000 (indigo's search/handlers.go), although more
// posts match; the walk goes on below its oldest post with until, and reads
// every post of the backfill window.
func TestBlueskyDeepWalk(t *testing.T) {
	const total = 10300
	at := func(i int) time.Time { return socialNow.Add(-time.Duration(i) * 5 * time.Second) } // i = 0 newest
	_, srv := newBskyFake(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		off, _ := strconv.Atoi(q.Get("cursor"))
		since, _ := time.Parse(time.RFC3339Nano, q.Get("since"))
		until, _ := time.Parse(time.RFC3339Nano, q.Get("until"))
		var match []int
		for i := 0; i < total; i++ {
			if !at(i).Before(since) && (until.IsZero() || at(i).Before(until)) {
				match = append(match, i)
			}
		}
		var posts []map[string]any
		for _, i := range match[min(off, len(match)):min(off+100, len(match))] {
			ts := at(i).UTC().Format("2006-01-02T15:04:05.000Z")
			posts = append(posts, map[string]any{"uri": fmt.Sprintf("at://did:plc:aaa/app.bsky.feed.post/p%d", i), "indexedAt": ts,
				"author": map[string]any{"did": "did:plc:aaa", "handle": "a.bsky.social"},
				"record": map[string]any{"text": "northwind", "createdAt": ts}})
		}
		resp := map[string]any{"posts": posts}
		if len(posts) == 100 && off+100 < 10000 {
			resp["cursor"] = strconv.Itoa(off + 100)
		}
		b, _ := json.Marshal(resp)
		writeJSON(w, 200, b)
	})
	bs := newTestBluesky(t, bskySource(srv.URL))
	b := socialBrand(t, "northwind")
	seen := map[string]bool{}
	cursor := ""
	for range 300 {
		p, err := bs.Fetch(context.Background(), b, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, post := range p.Posts {
			seen[post.ID] = true
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	if len(seen) != total {
		t.Errorf("the walk read %d of the %d posts of the backfill window (cursor %s)", len(seen), total, cursor)
	}
}
