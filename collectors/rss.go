package collectors

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	gofeedrss "github.com/mmcdole/gofeed/rss"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// rss reads RSS and Atom feeds with mmcdole/gofeed. Each feed is one page of
// a run, so a failing feed keeps what the others returned, and the run moves
// past it (Page.Skipped) rather than retrying it first on every run. Conditional GET
// (ETag, Last-Modified) spares unchanged feeds; the validators live in the
// cursor, stored with the items they cover.
//
// A feed URL may hold {query}, replaced by the brand query in the source's
// search syntax (Google News understands OR, quotes and -).
type rss struct {
	feeds    []string
	endpoint *url.URL // optional: replaces scheme and host of every feed
	c        *Client
	preset   int // the index in feeds of preset: google_news, or -1
}

func newRSS(src config.Source, c *Client) *rss {
	r := &rss{feeds: src.Feeds, c: c, preset: -1}
	if src.Preset == "google_news" {
		r.preset = slices.Index(src.Feeds, config.GoogleNewsFeed)
	}
	if src.Endpoint != "" {
		r.endpoint, _ = url.Parse(src.Endpoint)
	}
	return r
}

type rssCursor struct {
	Next  int                     `json:"next,omitempty"`
	Feeds map[string]rssValidator `json:"feeds,omitempty"`
}

type rssValidator struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// PagesPerRun is how many Fetch calls one run of src may make per brand.
func PagesPerRun(src config.Source) int {
	if src.Type == config.TypeRSS {
		return len(src.Feeds)
	}
	return src.MaxPages
}

func (r *rss) feedURL(tmpl string, b Brand) string {
	u := strings.ReplaceAll(tmpl, "{query}", url.QueryEscape(b.Query.XV2()))
	if r.endpoint == nil {
		return u
	}
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	pu.Scheme, pu.Host = r.endpoint.Scheme, r.endpoint.Host
	if p := strings.TrimRight(r.endpoint.Path, "/"); p != "" {
		pu.Path = p + pu.Path
	}
	return pu.String()
}

func (r *rss) Fetch(ctx context.Context, b Brand, cursor string) (Page, error) {
	cur := rssCursor{}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
			return Page{}, fmt.Errorf("rss: bad stored cursor: %w", err)
		}
	}
	if cur.Feeds == nil {
		cur.Feeds = map[string]rssValidator{}
	}
	if cur.Next >= len(r.feeds) || cur.Next < 0 {
		cur.Next = 0
	}
	idx := cur.Next
	page, err := r.fetchFeed(ctx, b, idx, &cur)
	if err != nil {
		if !skippable(ctx, err, len(r.feeds)) {
			return Page{}, err
		}
		// A dead, moved or broken feed (404, an HTML page, a parse error, a
		// host that is down) concerns this feed only. Retrying it first on
		// every run would starve the feeds after it for good, so move on and
		// let the run report it; it is read again on the next pass.
		page = Page{Skipped: err}
	}
	cur.Next = idx
	page.More = nextPart(&cur.Next, len(r.feeds))
	c, _ := json.Marshal(cur)
	page.Cursor = string(c)
	return page, nil
}

// fetchFeed reads feed idx and records its validators in cur.
func (r *rss) fetchFeed(ctx context.Context, b Brand, idx int, cur *rssCursor) (Page, error) {
	key := r.feeds[idx] // validators are keyed by template: stable across endpoint overrides
	u := r.feedURL(key, b)
	name := r.feedName(idx, u)
	req, err := newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Page{}, fmt.Errorf("rss: %s: %w", name, err)
	}
	if v, ok := cur.Feeds[key]; ok {
		if v.ETag != "" {
			req.Header.Set("If-None-Match", v.ETag)
		}
		if v.LastModified != "" {
			req.Header.Set("If-Modified-Since", v.LastModified)
		}
	}
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5")
	resp, err := r.c.Do(ctx, req)
	if err != nil {
		return Page{}, fmt.Errorf("rss: %s: %w", name, err)
	}
	defer resp.Body.Close()

	var page Page
	if resp.StatusCode != http.StatusNotModified {
		parser := gofeed.NewParser()
		parser.RSSTranslator = sourceTranslator{}
		parser.AtomTranslator = revisedTranslator{}
		feed, err := parser.Parse(resp.Body)
		if err != nil {
			return Page{}, fmt.Errorf("rss: %s: %w", name, &Error{Source: r.c.source, Reason: ReasonBadResponse, Err: fmt.Errorf("parse: %w", err)})
		}
		page.Posts = rssPosts(feed)
		cur.Feeds[key] = rssValidator{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	}
	return page, nil
}

// feedName names a feed in errors and logs by its place in the
// configuration and its host: the path and query of a private feed may
// carry a token. The preset's feed is named as the preset, since the
// configuration lists no feeds[i] for it.
func (r *rss) feedName(idx int, feedURL string) string {
	name := fmt.Sprintf("feeds[%d]", idx)
	if idx == r.preset {
		name = "preset google_news"
	}
	if u, err := url.Parse(feedURL); err == nil && u.Host != "" {
		name += " (" + u.Host + ")"
	}
	return name
}

func rssPosts(feed *gofeed.Feed) []repmon.Post {
	posts := make([]repmon.Post, 0, len(feed.Items))
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		link := strings.TrimSpace(it.Link)
		id := strings.TrimSpace(it.GUID)
		if id == "" {
			id = CanonicalURL(link)
		}
		// A description is HTML (entity-encoded, as RSS 2.0 allows); a
		// title is plain text, as the RSS Advisory Board asks, so a
		// headline's "<" or "&" stays as written. An entry without a
		// description (Atom feeds that have only <content>) gives its
		// content instead, or a brand named only there would be missed.
		text := Text(it.Title)
		body := it.Description
		if strings.TrimSpace(body) == "" {
			body = it.Content
		}
		if d := HTMLText(body); d != "" && !strings.Contains(text, d) {
			text += "\n" + d
		}
		if id == "" {
			sum := sha256.Sum256([]byte(it.Title + "\x00" + it.Description))
			id = "sha256:" + hex.EncodeToString(sum[:12])
		}
		var created time.Time
		switch {
		case it.PublishedParsed != nil:
			created = *it.PublishedParsed
		case it.UpdatedParsed != nil:
			created = *it.UpdatedParsed
		}
		author := ""
		if it.Author != nil {
			author = it.Author.Name
		} else if len(it.Authors) > 0 && it.Authors[0] != nil {
			author = it.Authors[0].Name
		}
		if author == "" {
			author = it.Custom[itemSource] // the publisher of an aggregator's item
		}
		if author == "" {
			author = feed.Title
		}
		posts = append(posts, repmon.Post{ID: id, Text: text, URL: link, Author: author, Lang: feedLang(feed), CreatedAt: created, Revised: it.Custom[itemRevised] != ""})
	}
	return posts
}

// itemSource is the key of gofeed.Item.Custom under which sourceTranslator
// keeps an RSS item's <source>.
const itemSource = "repmon:source"

// sourceTranslator is gofeed's RSS translator, keeping what it drops: the
// <source> of an item, the publisher an aggregator took it from (Google
// News: <source url="https://www.reuters.com">Reuters</source>), which is
// a better author than the aggregator's feed title.
type sourceTranslator struct{ gofeed.DefaultRSSTranslator }

func (t sourceTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultRSSTranslator.Translate(feed)
	rf, ok := feed.(*gofeedrss.Feed)
	if err != nil || f == nil || !ok || len(rf.Items) != len(f.Items) {
		return f, err
	}
	for i, it := range rf.Items {
		if it.Source == nil || strings.TrimSpace(it.Source.Title) == "" {
			continue
		}
		setCustom(f.Items[i], itemSource, strings.TrimSpace(it.Source.Title))
	}
	return f, nil
}

// itemRevised is the key of gofeed.Item.Custom under which
// revisedTranslator marks an Atom entry dated only by <updated>.
const itemRevised = "repmon:revised"

// revisedTranslator is gofeed's Atom translator, keeping what it hides:
// that an entry has no <published>, whose place it gives <updated>. An edit
// moves that date (repmon.Post.Revised).
type revisedTranslator struct{ gofeed.DefaultAtomTranslator }

func (t revisedTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultAtomTranslator.Translate(feed)
	af, ok := feed.(*atom.Feed)
	if err != nil || f == nil || !ok || len(af.Entries) != len(f.Items) {
		return f, err
	}
	for i, e := range af.Entries {
		if e == nil || e.PublishedParsed != nil || e.UpdatedParsed == nil || f.Items[i] == nil {
			continue
		}
		setCustom(f.Items[i], itemRevised, "1")
	}
	return f, nil
}

// setCustom keeps what a translator found under key in it.Custom.
func setCustom(it *gofeed.Item, key, value string) {
	if it.Custom == nil {
		it.Custom = map[string]string{}
	}
	it.Custom[key] = value
}

func feedLang(f *gofeed.Feed) string {
	l, _, _ := strings.Cut(strings.ToLower(f.Language), "-")
	return l
}
