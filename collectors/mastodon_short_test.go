package collectors

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestMastodonSearchShortPage: Mastodon's StatusesSearchService applies
// limit and offset in Elasticsearch and only then drops the statuses that
// StatusFilter hides (blocked, muted or limited accounts) and rows that are
// gone, so a page can hold fewer than the limit while more results follow;
// a short page must not end the walk.
func TestMastodonSearchShortPage(t *testing.T) {
	// 100 matching statuses in the hour before socialNow, ids ascending with time.
	var ids []int64
	for i := 0; i < 100; i++ {
		ids = append(ids, mastodonSnowflakeInt(socialNow.Add(-time.Hour+time.Duration(i)*time.Second))+int64(i))
	}
	hidden := ids[99-5] // one status on the first page is by a limited account
	read := map[int64]bool{}
	srv, _ := mastodonServer(t, "instance.json", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/search" {
			writeJSON(w, 200, []byte(`[]`))
			return
		}
		q := r.URL.Query()
		minID, _ := strconv.ParseInt(q.Get("min_id"), 10, 64)
		off, _ := strconv.Atoi(q.Get("offset"))
		var raw []int64 // newest first, as order(id: desc)
		for i := len(ids) - 1; i >= 0; i-- {
			if ids[i] > minID {
				raw = append(raw, ids[i])
			}
		}
		if off > len(raw) {
			off = len(raw)
		}
		raw = raw[off:min(off+40, len(raw))]
		var out []map[string]any
		for _, id := range raw {
			if id == hidden {
				continue // results.reject { StatusFilter#filtered? }
			}
			s := strconv.FormatInt(id, 10)
			out = append(out, map[string]any{"id": s, "created_at": "2025-03-10T11:30:00.000Z", "uri": "https://m.example/users/a/statuses/" + s,
				"url": "https://m.example/@a/" + s, "content": "<p>northwind " + s + "</p>", "spoiler_text": "",
				"account": map[string]any{"acct": "a", "url": "https://m.example/@a", "followers_count": 1}})
		}
		b, _ := json.Marshal(map[string]any{"accounts": []any{}, "statuses": out, "hashtags": []any{}})
		writeJSON(w, 200, b)
	})
	src := mastodonSource(srv.URL, mastodonToken)
	src.Hashtags = nil
	m := newTestMastodon(t, src)
	b := socialBrand(t, "northwind")
	cursor := ""
	for run := 0; run < 3; run++ {
		for page := 0; page < 5; page++ {
			p, err := m.Fetch(context.Background(), b, cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, post := range p.Posts {
				id, _ := strconv.ParseInt(post.ID, 10, 64)
				read[id] = true
			}
			cursor = p.Cursor
			if !p.More {
				break
			}
		}
	}
	missing := 0
	for _, id := range ids {
		if id != hidden && !read[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d visible statuses never collected after 3 runs (cursor %s)", missing, len(ids)-1, cursor)
	}
}

func mastodonSnowflakeInt(t time.Time) int64 {
	v, _ := strconv.ParseInt(mastodonSnowflake(t), 10, 64)
	return v
}
