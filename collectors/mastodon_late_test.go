package collectors

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/repmon/repmon/collectors/collectorstest"
)

// TestMastodonLateFederatedPost: a remote post that reaches the instance
// after a newer post was read gets an id from its publication time
// (Mastodon::Snowflake::Callbacks), below the newest id read; the next walk
// starts mastodonOverlap back and still finds it.
func TestMastodonLateFederatedPost(t *testing.T) {
	f := &collectorstest.Mastodon{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	m := newTestMastodon(t, mastodonSource(srv.URL, ""))
	b := socialBrand(t, "#northwind")
	f.Add(collectorstest.Item{Text: "local post #northwind", Author: "alice", Created: socialNow.Add(-10 * time.Second)})
	p, err := m.Fetch(context.Background(), b, "")
	if err != nil || len(p.Posts) != 1 {
		t.Fatalf("run 1: %v %+v", err, p)
	}
	// Published 40s ago on a remote server, delivered to this instance now.
	f.Add(collectorstest.Item{Text: "remote post: #northwind lost my luggage", Author: "bob", Created: socialNow.Add(-40 * time.Second)})
	p, err = m.Fetch(context.Background(), b, p.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, post := range p.Posts {
		found = found || strings.Contains(post.Text, "lost my luggage")
	}
	if !found {
		t.Fatalf("late-federated post not collected: run 2 got %+v (cursor %s)", p.Posts, p.Cursor)
	}
}
