// Package collectorstest provides local fakes of the APIs repmon polls
// (Hacker News Algolia search, RSS, X API v2 and v1.1, Reddit, Mastodon,
// Bluesky), for tests and for running the whole binary without a network.
//
// Each fake is an http.Handler that answers the requests the collectors
// send as the real API does: its paging, its filters, its JSON shapes, its
// rate-limit headers and error bodies. Posts are published with Add, also
// while a client polls. Every fake logs its requests, can inject faults
// (see Faults) and records any request that came before a 429, a
// Retry-After or an exhausted rate-limit window allowed (Violations).
package collectorstest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Item is one post a fake serves.
type Item struct {
	ID      string
	Created time.Time
	Text    string
	Author  string
	URL     string
	// Followers is the author's follower count, on the APIs that report
	// one.
	Followers int64
}

// HackerNews fakes https://hn.algolia.com/api/v1/search_by_date: it honours
// the query words (every word must appear, case-insensitively, as Algolia's
// default AND does), the created_at_i filters and hitsPerPage, newest first.
type HackerNews struct {
	core
	mu    sync.Mutex
	items []Item

	Requests atomic.Int32
	// Fault, when set, may answer a request itself (return true) to inject
	// failures; n is the 1-based request number.
	Fault func(w http.ResponseWriter, n int32) bool
	// Delay slows every answer, to widen the window of a test that kills the
	// client mid-run.
	Delay time.Duration
}

// Add publishes items.
func (f *HackerNews) Add(items ...Item) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, items...)
}

func (f *HackerNews) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.serve(w, r, plainLimits, f.search)
}

func (f *HackerNews) search(w http.ResponseWriter, r *http.Request) {
	n := f.Requests.Add(1)
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if f.Fault != nil && f.Fault(w, n) {
		return
	}
	if r.URL.Path != "/api/v1/search_by_date" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	words := strings.Fields(strings.ToLower(strings.NewReplacer(`"`, " ", "@", " ", "#", " ").Replace(q.Get("query"))))
	var after, before int64 = -1 << 62, 1 << 62
	for _, cond := range strings.Split(q.Get("numericFilters"), ",") {
		if v, ok := strings.CutPrefix(cond, "created_at_i>"); ok {
			after, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(cond, "created_at_i<="); ok {
			before, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	per, err := strconv.Atoi(q.Get("hitsPerPage"))
	if err != nil || per <= 0 {
		per = 20
	}
	f.mu.Lock()
	items := append([]Item(nil), f.items...)
	f.mu.Unlock()
	sort.SliceStable(items, func(i, j int) bool { return items[i].Created.After(items[j].Created) })
	hits := []map[string]any{}
	for _, it := range items {
		ts := it.Created.Unix()
		if ts <= after || ts > before || !containsAll(strings.ToLower(it.Text), words) {
			continue
		}
		hits = append(hits, map[string]any{
			"objectID": it.ID, "created_at_i": ts, "created_at": it.Created.UTC().Format(time.RFC3339),
			"author": it.Author, "comment_text": it.Text, "story_id": 1, "parent_id": 1, "story_title": "Ask HN",
			"_tags": []string{"comment", "author_" + it.Author}, "_highlightResult": map[string]any{},
		})
	}
	nb := len(hits)
	if len(hits) > per {
		hits = hits[:per]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{
		"hits": hits, "nbHits": nb, "page": 0, "nbPages": (nb + per - 1) / per, "hitsPerPage": per,
		"exhaustiveNbHits": true, "query": q.Get("query"), "params": r.URL.RawQuery, "processingTimeMS": 1,
	})
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// RSS serves RSS 2.0 feeds: path -> items. It answers conditional GETs with
// 304 when the feed has not changed.
type RSS struct {
	core
	mu    sync.Mutex
	feeds map[string][]Item

	Requests    atomic.Int32
	NotModified atomic.Int32
	Delay       time.Duration
}

// Add publishes items on the feed at path.
func (f *RSS) Add(path string, items ...Item) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.feeds == nil {
		f.feeds = map[string][]Item{}
	}
	f.feeds[path] = append(f.feeds[path], items...)
}

type rssDoc struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title    string    `xml:"title"`
		Link     string    `xml:"link"`
		Language string    `xml:"language"`
		Items    []rssItem `xml:"item"`
	} `xml:"channel"`
}

type rssItem struct {
	Title   string `xml:"title"`
	Link    string `xml:"link"`
	GUID    string `xml:"guid"`
	PubDate string `xml:"pubDate"`
	Desc    string `xml:"description"`
}

func (f *RSS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.serve(w, r, plainLimits, f.feed)
}

func (f *RSS) feed(w http.ResponseWriter, r *http.Request) {
	f.Requests.Add(1)
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	items, ok := f.feeds[r.URL.Path]
	items = append([]Item(nil), items...)
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%d"`, len(items))
	if r.Header.Get("If-None-Match") == etag {
		f.NotModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	var doc rssDoc
	doc.Version = "2.0"
	doc.Channel.Title = "Fake News " + r.URL.Path
	doc.Channel.Link = "http://" + r.Host + r.URL.Path
	doc.Channel.Language = "en-US"
	for _, it := range items {
		doc.Channel.Items = append(doc.Channel.Items, rssItem{Title: it.Text, Link: it.URL, GUID: it.ID,
			PubDate: it.Created.UTC().Format(time.RFC1123Z), Desc: it.Text})
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("ETag", etag)
	fmt.Fprint(w, xml.Header)
	xml.NewEncoder(w).Encode(doc)
}
