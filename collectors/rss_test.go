package collectors

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/query"
	"github.com/repmon/repmon/store"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestRSSConditionalGetAndDedup(t *testing.T) {
	feed, err := os.ReadFile("testdata/rss/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	var full, notModified atomic.Int32
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Query().Get("q"))
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(feed)
	}))
	defer srv.Close()
	// Two feeds serving the same items: each post must be stored once.
	src := config.Source{Name: "news", Type: config.TypeRSS, Feeds: []string{
		"https://news.google.com/rss/search?q={query}&hl=en-US", "https://news.google.com/rss/other?q={query}"}, Endpoint: srv.URL}
	c, err := New(src, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	r := &Runner{Source: "news", SourceType: "rss", MaxPages: PagesPerRun(src), Brands: []Brand{brand(t, "northwind", `northwind -"northwind traders"`)},
		Collector: c, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return now }}
	res := r.Run(context.Background())
	if res.Err != nil || res.Stored != 2 {
		t.Fatalf("run = %+v; want 2 stored (Northwind Traders excluded, duplicates dropped)", res)
	}
	if queries[0] != `northwind -"northwind traders"` {
		t.Errorf("{query} = %q", queries[0])
	}
	res = r.Run(context.Background())
	if res.Err != nil || res.Stored != 0 || notModified.Load() != 2 || full.Load() != 2 {
		t.Fatalf("second run = %+v, full=%d 304=%d; want both feeds answered 304", res, full.Load(), notModified.Load())
	}
	ms, _, _ := st.Mentions(context.Background(), store.Query{Ascending: true})
	// the author of a Google News item is its <source>, the publisher
	if ms[1].URL != "https://news.example.com/articles/northwind-record-quarter" || ms[1].Author != "Example Times" {
		t.Errorf("mention = %+v", ms[1])
	}
	if !strings.HasPrefix(ms[1].Text, "Northwind posts record quarter") || strings.Contains(ms[1].Text, "<a") {
		t.Errorf("text not normalised: %q", ms[1].Text)
	}
}

func TestRSSMalformedFeedIsBadResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<rss><channel><item><title>trunc")
	}))
	defer srv.Close()
	c, _ := New(config.Source{Name: "news", Type: config.TypeRSS, Feeds: []string{srv.URL + "/feed"}}, Deps{})
	_, err := c.Fetch(context.Background(), brand(t, "b", "northwind"), "")
	if ReasonOf(err) != ReasonBadResponse {
		t.Fatalf("err = %v, want bad_response", err)
	}
}

// TestRSSText: an item's description is HTML and is converted; its title
// is plain text and keeps a "<" or "&" the publisher escaped.
func TestRSSText(t *testing.T) {
	feed, err := gofeed.NewParser().ParseString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title>
<item><title>Northwind shares &lt;$5 &amp; falling</title><guid>1</guid>
<description>&lt;p&gt;Analysts say &lt;b&gt;Northwind&lt;/b&gt; &amp;amp; partners lost &amp;lt;a third of their value.&lt;/p&gt;</description></item>
<item><title>Northwind &lt;3</title><guid>2</guid><description>&lt;a href="https://example.com"&gt;Northwind &amp;lt;3&lt;/a&gt;</description></item>
</channel></rss>`)
	if err != nil {
		t.Fatal(err)
	}
	posts := rssPosts(feed)
	for i, want := range []string{
		"Northwind shares <$5 & falling\nAnalysts say Northwind & partners lost <a third of their value.",
		"Northwind <3", // the description only repeats the title
	} {
		if got := posts[i].Text; got != want {
			t.Errorf("item %d text = %q, want %q", i, got, want)
		}
	}
}

// TestAtomContent: an Atom entry with <content> and no <summary> gives its
// content, where the brand may be named.
func TestAtomContent(t *testing.T) {
	feed, err := gofeed.NewParser().ParseString(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id><updated>2026-11-01T12:00:00Z</updated>
<entry><title>Our week</title><id>urn:1</id><updated>2026-11-01T12:00:00Z</updated>
<content type="html">&lt;p&gt;Support at &lt;b&gt;Northwind&lt;/b&gt; kept us on hold for two hours.&lt;/p&gt;</content></entry>
<entry><title>Release</title><id>urn:2</id><updated>2026-11-01T12:00:00Z</updated>
<summary>Short summary.</summary><content type="html">The long text.</content></entry>
</feed>`)
	if err != nil {
		t.Fatal(err)
	}
	posts := rssPosts(feed)
	for i, want := range []string{
		"Our week\nSupport at Northwind kept us on hold for two hours.",
		"Release\nShort summary.", // a summary is preferred to the whole text
	} {
		if got := posts[i].Text; got != want {
			t.Errorf("entry %d text = %q, want %q", i, got, want)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"whitespace folded", "plain  text\n here ", "plain text here"},
		{"ampersand kept", "AT&T is down", "AT&T is down"},
		{"less-than kept", "hold time was <a minute before, now 2 hours", "hold time was <a minute before, now 2 hours"},
		{"tag-like text kept", "northwind <script> tag in their checkout", "northwind <script> tag in their checkout"},
		{"entity typed literally", "I typed &copy; literally", "I typed &copy; literally"},
		{"invalid UTF-8 replaced", "bad \xff utf8", "bad \uFFFD utf8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHTMLText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"tags and entities", "<p>Hello&nbsp;<b>world</b></p><p>again &amp; again</p>", "Hello world again & again"},
		{"blocks break words", "<p>one</p><p>two<br>three</p>", "one two three"},
		{"bare ampersand", "AT&T is down", "AT&T is down"},
		{"escaped markup is text", "northwind &lt;script&gt; tag", "northwind <script> tag"},
		{"invalid UTF-8 replaced", "<p>bad \xff utf8</p>", "bad \uFFFD utf8"},
		{"script skipped", "<script>x()</script>visible", "visible"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := HTMLText(tc.in); got != tc.want {
				t.Errorf("HTMLText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzText checks that normalising plain text only repairs UTF-8 and folds
// whitespace: every other character the author wrote is kept.
func FuzzText(f *testing.F) {
	for _, s := range []string{"northwind <a minute", "&amp;copy; <script>", "a\tb\n\xffc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		if !utf8.ValidString(got) || Text(got) != got {
			t.Fatalf("Text(%q) = %q: invalid or not stable", s, got)
		}
		drop := func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}
		if want := strings.Map(drop, strings.ToValidUTF8(s, "\uFFFD")); strings.Map(drop, got) != want {
			t.Fatalf("Text(%q) = %q: lost characters", s, got)
		}
	})
}

func FuzzHTMLText(f *testing.F) {
	for _, s := range []string{"<p>Hello&nbsp;<b>world</b></p>", "<script>x", "&#xD800; &amp", "<p>\xff</p>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := HTMLText(s); !utf8.ValidString(got) || Text(got) != got {
			t.Fatalf("HTMLText(%q) = %q: invalid or not normalised", s, got)
		}
	})
}

func TestCanonicalURL(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"normalised", "HTTPS://Example.COM:443/a?utm_source=x&b=2&a=1", "https://example.com/a?a=1&b=2"},
		{"root path", "https://example.com/", "https://example.com"},
		{"not a url", "not a url", "not a url"},
		{"fragment kept", "https://blog.example.com/northwind-review/#comment-101", "https://blog.example.com/northwind-review/#comment-101"},
		{"fragment kept after cleaning", "HTTPS://Example.COM/a?fbclid=1#Frag", "https://example.com/a#Frag"},
		{"empty fragment", "https://example.com/a#", "https://example.com/a"},
		{"tracking fragment", "https://www.example.fr/article.html#xtor=RSS-3208", "https://www.example.fr/article.html"},
		{"tracking parameters in fragment", "https://example.com/a#utm_source=rss&utm_medium=feed", "https://example.com/a"},
		{"fragment not only tracking", "https://example.com/a#utm_source=rss&page=2", "https://example.com/a#utm_source=rss&page=2"},
		{"xtor in query", "https://www.example.fr/article.html?xtor=RSS-3208", "https://www.example.fr/article.html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanonicalURL(tc.in); got != tc.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzCanonicalURL checks that a canonical URL is its own canonical form,
// so a link stored once is matched again when it comes back.
func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"HTTPS://Example.COM:443/a?utm_source=x&b=2&a=1#frag", "https://example.com/a#xtor=RSS-1",
		"https://blog.example.com/p/#comment-101", "http://example.com:80/?a=%20&a=b#%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CanonicalURL(s)
		if again := CanonicalURL(c); again != c {
			t.Fatalf("CanonicalURL(%q) = %q, but CanonicalURL(%q) = %q", s, c, c, again)
		}
	})
}

// TestRSSCommentFeed: the items of a comments feed link to one post and
// differ only by fragment (#comment-101, #comment-102); each is a distinct
// mention, so none may collapse into another under the store's
// one-mention-per-URL rule.
func TestRSSCommentFeed(t *testing.T) {
	feed := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Comments on: Northwind review</title><link>https://blog.example.com/northwind-review/</link>
<item><title>By: alice</title><link>https://blog.example.com/northwind-review/#comment-101</link>
<guid isPermaLink="false">https://blog.example.com/?p=12#comment-101</guid><description>Northwind lost my order, awful.</description><pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate></item>
<item><title>By: bob</title><link>https://blog.example.com/northwind-review/#comment-102</link>
<guid isPermaLink="false">https://blog.example.com/?p=12#comment-102</guid><description>Same here, northwind never refunded me.</description><pubDate>Fri, 20 Nov 2026 11:00:00 +0000</pubDate></item>
</channel></rss>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer srv.Close()
	src := config.Source{Name: "blog", Type: config.TypeRSS, Feeds: []string{srv.URL + "/northwind-review/feed/"}}
	c, err := New(src, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	r := &Runner{Source: "blog", SourceType: "rss", MaxPages: PagesPerRun(src), Brands: []Brand{brand(t, "northwind", "northwind")},
		Collector: c, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return now }}
	if res := r.Run(context.Background()); res.Err != nil || res.Stored != 2 {
		t.Fatalf("run = %+v; want both comments stored", res)
	}
	ms, _, err := st.Mentions(context.Background(), store.Query{Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"https://blog.example.com/northwind-review/#comment-101", "https://blog.example.com/northwind-review/#comment-102"} {
		if ms[i].URL != want {
			t.Errorf("mention %d URL = %q, want %q", i, ms[i].URL, want)
		}
	}
}

// TestRetentionDropsOldPosts: with storage.retention, a post created before
// it is not stored, so that one the store pruned and a feed still lists
// does not come back as new on every run; an undated post, which has no age
// to prune it by, is kept, and so is not new again either.
func TestRetentionDropsOldPosts(t *testing.T) {
	feed := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Northwind news</title><link>https://news.example.com/</link>
<item><title>Northwind recalls kettles</title><link>https://news.example.com/recall</link><pubDate>Mon, 12 Oct 2026 10:00:00 +0000</pubDate></item>
<item><title>Northwind opens a store</title><link>https://news.example.com/store</link><pubDate>Sat, 21 Nov 2026 10:00:00 +0000</pubDate></item>
<item><title>Northwind lost my parcel</title><link>https://news.example.com/undated</link></item>
</channel></rss>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer srv.Close()
	src := config.Source{Name: "news", Type: config.TypeRSS, Feeds: []string{srv.URL + "/feed"}}
	c, err := New(src, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	const retention = 30 * 24 * time.Hour
	r := &Runner{Source: "news", SourceType: "rss", MaxPages: PagesPerRun(src), Brands: []Brand{brand(t, "northwind", "northwind")},
		Collector: c, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return now }, Retention: retention}
	stored := func() []string {
		t.Helper()
		ms, _, err := st.Mentions(context.Background(), store.Query{Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, m := range ms {
			urls = append(urls, m.URL)
		}
		return urls
	}
	for run := 1; run <= 2; run++ {
		want := 2
		if run == 2 {
			want = 0
		}
		if res := r.Run(context.Background()); res.Err != nil || res.Stored != want {
			t.Fatalf("run %d = %+v; want %d stored", run, res, want)
		}
	}
	want := []string{"https://news.example.com/store", "https://news.example.com/undated"}
	if got := stored(); !slices.Equal(got, want) {
		t.Errorf("stored %v; want %v, not the post older than the retention", got, want)
	}

	// a month on, the store prunes everything older than the retention
	now = now.Add(31 * 24 * time.Hour)
	if _, err := st.Prune(context.Background(), now.Add(-retention)); err != nil {
		t.Fatal(err)
	}
	if res := r.Run(context.Background()); res.Err != nil || res.Stored != 0 {
		t.Fatalf("run after pruning = %+v; want nothing new", res)
	}
	if got, want := stored(), []string{"https://news.example.com/undated"}; !slices.Equal(got, want) {
		t.Errorf("stored after pruning %v; want %v", got, want)
	}
}

// TestRetentionKeepsRevisedEntries: an Atom entry dated only by <updated>
// gets a new date when it is edited, so once the store pruned it, a feed
// that still lists it edited would bring it back as new; it is kept past
// the retention instead. An entry with <published> keeps its date, and is
// pruned and not stored again.
func TestRetentionKeepsRevisedEntries(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	published := now.Add(-time.Hour)
	updated := published
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		u := updated.Format(time.RFC3339)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id><updated>%[1]s</updated>
<entry><title>Northwind review</title><id>urn:review</id><updated>%[1]s</updated><link href="https://blog.example.com/review"/></entry>
<entry><title>Northwind news</title><id>urn:news</id><published>%[2]s</published><updated>%[1]s</updated><link href="https://blog.example.com/news"/></entry>
</feed>`, u, published.Format(time.RFC3339))
	}))
	defer srv.Close()
	src := config.Source{Name: "blog", Type: config.TypeRSS, Feeds: []string{srv.URL + "/feed"}}
	c, err := New(src, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	const retention = 30 * 24 * time.Hour
	r := &Runner{Source: "blog", SourceType: "rss", MaxPages: PagesPerRun(src), Brands: []Brand{brand(t, "northwind", "northwind")},
		Collector: c, Store: st, Scorer: fixedScorer{}, Logger: discard(), Now: func() time.Time { return now }, Retention: retention}
	if res := r.Run(context.Background()); res.Err != nil || res.Stored != 2 {
		t.Fatalf("first run = %+v; want 2 stored", res)
	}
	// a month on, both entries edited, after the store pruned
	now = now.Add(31 * 24 * time.Hour)
	updated = now.Add(-time.Hour)
	if _, err := st.Prune(context.Background(), now.Add(-retention)); err != nil {
		t.Fatal(err)
	}
	if res := r.Run(context.Background()); res.Err != nil || res.Stored != 0 {
		t.Fatalf("run after the edit = %+v; want nothing new", res)
	}
	ms, _, err := st.Mentions(context.Background(), store.Query{Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].URL != "https://blog.example.com/review" {
		t.Errorf("stored after pruning: %+v; want only the entry dated by <updated>", ms)
	}
}

func FuzzRSSDecode(f *testing.F) {
	b, _ := os.ReadFile("testdata/rss/feed.xml")
	f.Add(b)
	f.Fuzz(func(t *testing.T, body []byte) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
		defer srv.Close()
		c, _ := New(config.Source{Name: "n", Type: config.TypeRSS, Feeds: []string{srv.URL}}, Deps{})
		c.Fetch(context.Background(), Brand{Name: "b", Query: query.MustParse("northwind")}, "")
	})
}
