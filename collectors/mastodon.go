package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// mastodon reads one Mastodon instance: the hashtag timelines of the
// configured hashtags and of the brand query's #hashtags, and, when an
// access token is configured, full-text status search for each positive
// alternative of the query (search needs a token for paging, and only
// finds posts whose authors opted in to search).
//
// Each hashtag and each search query is a stream with its own position in
// the cursor. Hashtag timelines are read forward with min_id: the instance
// returns the window immediately newer than min_id, so every page can move
// its stream's min_id to the page's newest id at once. Search is paged with
// offset under a fixed min_id that only moves when the walk is complete.
// Boosts are reported as the boosted post (one mention per original).
type mastodon struct {
	base     string
	token    config.Secret
	hashtags []string
	c        *Client
	now      func() time.Time
	backfill time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	checked bool // the instance's timeline policy was read
}

const mastodonLimit = 40 // the API's maximum page size

// mastodonMaxOffset ends a search walk that never runs dry.
const mastodonMaxOffset = 2000

// mastodonOverlap is how far back a finished walk's next walk starts. A
// remote post gets an id from its own publication time when it reaches the
// instance, so one that federates late sorts before posts already read;
// starting again at the newest id read would miss it. The store drops the
// repeats.
const mastodonOverlap = 10 * time.Minute

// lagged is the min_id a finished walk leaves for the next one: newest,
// moved back by mastodonOverlap, but never behind start (where the walk
// began), so that walks always advance.
func (m *mastodon) lagged(start, newest string) string {
	lag := mastodonSnowflake(m.now().Add(-mastodonOverlap))
	switch {
	case !idLess(lag, newest):
		return newest
	case idLess(lag, start):
		return start
	}
	return lag
}

func newMastodon(src config.Source, c *Client, d Deps) (Collector, error) {
	var tags []string
	for _, h := range src.Hashtags {
		if h = strings.ToLower(strings.TrimPrefix(h, "#")); h != "" && !slices.Contains(tags, h) {
			tags = append(tags, h)
		}
	}
	return &mastodon{
		base:     strings.TrimRight(src.Endpoint, "/"),
		token:    src.AccessToken,
		hashtags: tags,
		c:        c,
		now:      c.now,
		backfill: src.Backfill.D(),
		log:      d.Logger.With("source", src.Name),
	}, nil
}

type mastodonCursor struct {
	Tags   map[string]string         `json:"tags,omitempty"`   // hashtag → newest status id read (min_id)
	Search map[string]mastodonSearch `json:"search,omitempty"` // query → search walk
	Next   int                       `json:"next,omitempty"`   // stream to read next
}

type mastodonSearch struct {
	MinID  string `json:"min_id,omitempty"` // newest id of the last complete walk
	Offset int    `json:"offset,omitempty"` // position in an unfinished walk
	Newest string `json:"newest,omitempty"` // newest id seen by the unfinished walk
}

type mastodonStream struct {
	search bool
	key    string // hashtag, or search query
}

func (m *mastodon) streams(b Brand) []mastodonStream {
	var out []mastodonStream
	seen := map[string]bool{}
	for _, h := range append(slices.Clone(m.hashtags), b.Query.Hashtags()...) {
		if h = strings.ToLower(h); !seen[h] {
			seen[h] = true
			out = append(out, mastodonStream{key: h})
		}
	}
	if m.token != "" {
		for _, q := range b.Query.Mastodon() {
			out = append(out, mastodonStream{search: true, key: q})
		}
	}
	return out
}

// mastodonSnowflake is the smallest status id Mastodon can assign at t
// (ids are milliseconds << 16 plus a sequence), used as min_id for the
// first read of a stream.
func mastodonSnowflake(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli()<<16, 10)
}

func (m *mastodon) Fetch(ctx context.Context, b Brand, cursor string) (Page, error) {
	if err := m.checkInstance(ctx); err != nil {
		return Page{}, err
	}
	var cur mastodonCursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
			return Page{}, fmt.Errorf("mastodon: bad stored cursor: %w", err)
		}
	}
	if cur.Tags == nil {
		cur.Tags = map[string]string{}
	}
	if cur.Search == nil {
		cur.Search = map[string]mastodonSearch{}
	}
	streams := m.streams(b)
	if len(streams) == 0 {
		return Page{}, fmt.Errorf("mastodon: brand %s: nothing to read: the query has no #hashtag, no hashtags are configured, and full-text search needs an access_token", b.Name)
	}
	if cur.Next >= len(streams) || cur.Next < 0 {
		cur.Next = 0
	}
	floor := mastodonSnowflake(m.now().Add(-m.backfill))
	s := streams[cur.Next]
	var (
		page Page
		done bool
		err  error
	)
	if s.search {
		page.Posts, done, err = m.readSearch(ctx, s.key, floor, &cur)
	} else {
		page.Posts, done, err = m.readTag(ctx, s.key, floor, &cur)
	}
	if err != nil {
		if !skippable(ctx, err, len(streams)) {
			return Page{}, err
		}
		// One stream that keeps failing must not stop the others for good:
		// move on. Its position stays, so it resumes there next time.
		page, done = Page{Skipped: err}, true
	}
	if done {
		page.More = nextPart(&cur.Next, len(streams))
	} else {
		page.More = true
	}
	c, _ := json.Marshal(cur)
	page.Cursor = string(c)
	return page, nil
}

func (m *mastodon) readTag(ctx context.Context, tag, floor string, cur *mastodonCursor) ([]repmon.Post, bool, error) {
	minID := cur.Tags[tag]
	if minID == "" {
		minID = floor
	}
	v := url.Values{"limit": {strconv.Itoa(mastodonLimit)}, "min_id": {minID}}
	body, resp, err := m.get(ctx, "/api/v1/timelines/tag/"+url.PathEscape(tag)+"?"+v.Encode())
	if err != nil {
		if ReasonOf(err) == ReasonAuth && m.token == "" {
			err = fmt.Errorf("%w (the instance may require an access_token for hashtag timelines)", err)
		}
		return nil, false, fmt.Errorf("mastodon: fetch page (#%s): %w", tag, err)
	}
	posts, ids, err := decodeMastodonStatuses(body)
	if err != nil {
		return nil, false, fmt.Errorf("mastodon: fetch page (#%s): %w", tag, badResponse(m.c, err))
	}
	// The prev link holds the min_id of the next window; without it, the
	// newest id listed is the same thing.
	next := linkParam(resp.Header.Get("Link"), "prev", "min_id")
	for _, id := range ids {
		if next == "" || idLess(next, id) {
			next = id
		}
	}
	done := len(ids) < mastodonLimit
	switch {
	case next == "" || !isDigits(next) || !idLess(minID, next):
		cur.Tags[tag] = minID
	case done:
		cur.Tags[tag] = m.lagged(minID, next)
	default:
		cur.Tags[tag] = next
	}
	return posts, done, nil
}

func (m *mastodon) readSearch(ctx context.Context, q, floor string, cur *mastodonCursor) ([]repmon.Post, bool, error) {
	w := cur.Search[q]
	if w.MinID == "" {
		w.MinID = floor
	}
	v := url.Values{
		"q": {q}, "type": {"statuses"}, "resolve": {"false"},
		"limit": {strconv.Itoa(mastodonLimit)}, "min_id": {w.MinID},
	}
	if w.Offset > 0 {
		v.Set("offset", strconv.Itoa(w.Offset))
	}
	body, _, err := m.get(ctx, "/api/v2/search?"+v.Encode())
	if err != nil {
		return nil, false, fmt.Errorf("mastodon: fetch page (search %q): %w", q, err)
	}
	posts, ids, err := decodeMastodonSearch(body)
	if err != nil {
		return nil, false, fmt.Errorf("mastodon: fetch page (search %q): %w", q, badResponse(m.c, err))
	}
	for _, id := range ids {
		if w.Newest == "" || idLess(w.Newest, id) {
			w.Newest = id
		}
	}
	w.Offset += len(ids)
	// Only an empty page ends the walk: Mastodon drops filtered and deleted
	// statuses after cutting the page, so a short page may have more after
	// it. Repeats from the offsets are dropped by the store.
	done := len(ids) == 0 || w.Offset >= mastodonMaxOffset
	if done {
		if w.Newest != "" && isDigits(w.Newest) && idLess(w.MinID, w.Newest) {
			w.MinID = m.lagged(w.MinID, w.Newest)
		}
		w.Offset, w.Newest = 0, ""
	}
	cur.Search[q] = w
	return posts, done, nil
}

func (m *mastodon) get(ctx context.Context, path string) ([]byte, *http.Response, error) {
	req, err := newRequest(ctx, http.MethodGet, m.base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if m.token != "" {
		req.Header.Set("Authorization", "Bearer "+m.token.Value())
	}
	return fetchBody(ctx, m.c, req)
}

type mastodonInstance struct {
	Configuration struct {
		TimelinesAccess *struct {
			HashtagFeeds struct {
				Local  string `json:"local"`
				Remote string `json:"remote"`
			} `json:"hashtag_feeds"`
		} `json:"timelines_access"`
	} `json:"configuration"`
}

// checkInstance reads GET /api/v2/instance once. Mastodon 4.4+ says there
// whether hashtag feeds are public, need a login or are disabled; without a
// token, a feed that needs a login fails every run, so say so plainly.
// Older servers (no such field, or no v2 instance endpoint) are read as
// public.
func (m *mastodon) checkInstance(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.checked {
		return nil
	}
	body, _, err := m.get(ctx, "/api/v2/instance")
	var e *Error
	switch {
	case errors.As(err, &e) && e.Status == http.StatusNotFound:
		m.checked = true
		return nil
	case err != nil:
		return fmt.Errorf("mastodon: read instance: %w", err)
	}
	var inst mastodonInstance
	if err := json.Unmarshal(body, &inst); err != nil {
		return fmt.Errorf("mastodon: read instance: %w", badResponse(m.c, fmt.Errorf("decode: %w", err)))
	}
	m.checked = true
	ta := inst.Configuration.TimelinesAccess
	if ta == nil {
		return nil
	}
	local, remote := ta.HashtagFeeds.Local, ta.HashtagFeeds.Remote
	m.log.Debug("instance hashtag feed access", "local", local, "remote", remote)
	switch {
	case local == "disabled" && remote == "disabled":
		m.checked = false // re-read: the admin may turn them back on
		return fmt.Errorf("mastodon: %w", &Error{Source: m.c.source, Reason: ReasonAuth,
			Err: errors.New("the instance has disabled hashtag feeds (configuration.timelines_access.hashtag_feeds)")})
	case m.token == "" && (local == "authenticated" || remote == "authenticated"):
		m.checked = false
		return fmt.Errorf("mastodon: %w", &Error{Source: m.c.source, Reason: ReasonAuth,
			Err: fmt.Errorf("the instance requires a logged-in user for hashtag feeds (local: %s, remote: %s): configure access_token", local, remote)})
	}
	return nil
}

type mastodonStatus struct {
	ID          string  `json:"id"`
	CreatedAt   string  `json:"created_at"`
	URL         *string `json:"url"`
	URI         string  `json:"uri"`
	Content     string  `json:"content"`
	SpoilerText string  `json:"spoiler_text"`
	Language    *string `json:"language"`
	Account     struct {
		Acct           string `json:"acct"`
		Username       string `json:"username"`
		URL            string `json:"url"`
		FollowersCount int64  `json:"followers_count"`
	} `json:"account"`
	FavouritesCount int64           `json:"favourites_count"`
	ReblogsCount    int64           `json:"reblogs_count"`
	RepliesCount    int64           `json:"replies_count"`
	Reblog          *mastodonStatus `json:"reblog"`
}

// decodeMastodonStatuses decodes an array of Status (a timeline) into
// posts and the listed ids (the boost's own id for a boost, which is what
// paging follows). It is pure, for fuzzing.
func decodeMastodonStatuses(body []byte) ([]repmon.Post, []string, error) {
	var ss []mastodonStatus
	if err := json.Unmarshal(body, &ss); err != nil {
		return nil, nil, fmt.Errorf("decode: %w", err)
	}
	posts, ids := mastodonPosts(ss)
	return posts, ids, nil
}

// decodeMastodonSearch decodes a v2 Search result's statuses.
func decodeMastodonSearch(body []byte) ([]repmon.Post, []string, error) {
	var r struct {
		Statuses []mastodonStatus `json:"statuses"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, nil, fmt.Errorf("decode: %w", err)
	}
	posts, ids := mastodonPosts(r.Statuses)
	return posts, ids, nil
}

func mastodonPosts(ss []mastodonStatus) ([]repmon.Post, []string) {
	posts := make([]repmon.Post, 0, len(ss))
	var ids []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !isDigits(s.ID) {
			continue
		}
		ids = append(ids, s.ID)
		o := s
		if s.Reblog != nil {
			o = *s.Reblog
		}
		if !isDigits(o.ID) {
			continue
		}
		link := o.URI
		if o.URL != nil && *o.URL != "" {
			link = *o.URL
		}
		if seen[link] {
			continue
		}
		seen[link] = true
		// content is HTML; the content warning is plain text (Mastodon's
		// own web client escapes it before display).
		text := HTMLText(o.Content)
		if sp := Text(o.SpoilerText); sp != "" {
			text = sp + "\n" + text
		}
		p := repmon.Post{
			ID:              o.ID,
			Text:            text,
			URL:             link,
			Author:          mastodonHandle(o.Account.Acct, o.Account.URL),
			AuthorFollowers: o.Account.FollowersCount,
			Likes:           o.FavouritesCount,
			Reposts:         o.ReblogsCount,
			Replies:         o.RepliesCount,
		}
		if o.Language != nil {
			p.Lang = *o.Language
		}
		if ts, err := time.Parse(time.RFC3339Nano, o.CreatedAt); err == nil {
			p.CreatedAt = ts.UTC()
		}
		posts = append(posts, p)
	}
	return posts, ids
}

// mastodonHandle makes a local account's acct ("alice") as unambiguous as a
// remote one's ("alice@example.social"), from the profile URL's host.
func mastodonHandle(acct, profile string) string {
	if acct == "" || strings.Contains(acct, "@") {
		return acct
	}
	if u, err := url.Parse(profile); err == nil && u.Host != "" {
		return acct + "@" + u.Host
	}
	return acct
}
