package collectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// bluesky searches Bluesky posts (app.bsky.feed.searchPosts, sort=latest)
// with an app-password session, one search per positive alternative of the
// brand query (searchPosts has no reliable OR).
//
// Each alternative is walked newest first with the API's cursor under a
// fixed since bound; the bound moves to the newest post's sort time only
// when the walk is complete (less a minute, for indexing delays: the store
// drops repeats). Follower counts come from app.bsky.actor.getProfiles, 25
// actors per call, cached for an hour.
type bluesky struct {
	base       string
	identifier config.Secret
	password   config.Secret
	c          *Client
	now        func() time.Time
	backfill   time.Duration
	log        *slog.Logger

	mu      sync.Mutex // guards the session
	access  string
	refresh string

	pmu      sync.Mutex
	profiles map[string]bskyProfile // did → follower count
}

type bskyProfile struct {
	followers int64
	at        time.Time
}

const (
	bskyLimit       = 100
	bskyProfileTTL  = time.Hour
	bskyProfileMax  = 25 // getProfiles accepts at most 25 actors
	bskyOverlap     = time.Minute
	bskyTimeLayout  = "2006-01-02T15:04:05.000Z"
	bskyProfileKeep = 50000 // cache entries before it is cleared
)

func newBluesky(src config.Source, c *Client, d Deps) (Collector, error) {
	return &bluesky{
		base:       strings.TrimRight(src.Endpoint, "/"),
		identifier: src.Identifier,
		password:   src.AppPassword,
		c:          c,
		now:        c.now,
		backfill:   src.Backfill.D(),
		log:        d.Logger.With("source", src.Name),
		profiles:   map[string]bskyProfile{},
	}, nil
}

type bskyCursor struct {
	Since  map[string]string `json:"since,omitempty"`  // alternative → newest sort time of its last complete walk
	Alt    int               `json:"alt,omitempty"`    // alternative being walked
	Cursor string            `json:"cursor,omitempty"` // API cursor of the unfinished walk
	Newest string            `json:"newest,omitempty"` // newest sort time seen by the unfinished walk
	// Until, in an unfinished walk, is the sort time it reads below: the
	// search pages no deeper than 10,000 results, so a walk that reaches
	// that depth goes on as a new search under its oldest post.
	Until string `json:"until,omitempty"`
}

// bskyPost is a search hit with what paging and follower lookup need.
type bskyPost struct {
	repmon.Post
	did    string
	sortAt time.Time
}

type bskyPostView struct {
	URI    string `json:"uri"`
	Author struct {
		DID    string `json:"did"`
		Handle string `json:"handle"`
	} `json:"author"`
	Record struct {
		Text      string   `json:"text"`
		CreatedAt string   `json:"createdAt"`
		Langs     []string `json:"langs"`
	} `json:"record"`
	ReplyCount  int64  `json:"replyCount"`
	RepostCount int64  `json:"repostCount"`
	LikeCount   int64  `json:"likeCount"`
	QuoteCount  int64  `json:"quoteCount"`
	IndexedAt   string `json:"indexedAt"`
}

// decodeBlueskySearch turns a searchPosts body into posts and the next
// cursor. It is pure, for fuzzing.
func decodeBlueskySearch(body []byte) ([]bskyPost, string, error) {
	var r struct {
		Cursor string         `json:"cursor"`
		Posts  []bskyPostView `json:"posts"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, "", fmt.Errorf("decode: %w", err)
	}
	posts := make([]bskyPost, 0, len(r.Posts))
	for _, v := range r.Posts {
		rkey := v.URI[strings.LastIndexByte(v.URI, '/')+1:]
		if !strings.HasPrefix(v.URI, "at://") || rkey == "" {
			continue
		}
		p := bskyPost{did: v.Author.DID, Post: repmon.Post{
			ID:      v.URI,
			Text:    v.Record.Text,
			Author:  v.Author.Handle,
			Likes:   v.LikeCount,
			Reposts: v.RepostCount + v.QuoteCount,
			Replies: v.ReplyCount,
		}}
		actor := v.Author.Handle
		if actor == "" || actor == "handle.invalid" {
			actor = v.Author.DID
		}
		if actor != "" {
			p.URL = "https://bsky.app/profile/" + url.PathEscape(actor) + "/post/" + url.PathEscape(rkey)
		}
		if len(v.Record.Langs) > 0 {
			p.Lang = v.Record.Langs[0]
		}
		created, cerr := time.Parse(time.RFC3339Nano, v.Record.CreatedAt)
		indexed, ierr := time.Parse(time.RFC3339Nano, v.IndexedAt)
		switch {
		case cerr == nil:
			p.CreatedAt = created.UTC()
		case ierr == nil:
			p.CreatedAt = indexed.UTC()
		}
		// The API's sort time: creation, unless the post claims a time
		// after it was indexed.
		p.sortAt = p.CreatedAt
		if ierr == nil && cerr == nil && indexed.Before(created) {
			p.sortAt = indexed.UTC()
		}
		posts = append(posts, p)
	}
	return posts, r.Cursor, nil
}

// decodeBlueskyProfiles returns the follower count of each profile in a
// getProfiles body.
func decodeBlueskyProfiles(body []byte) (map[string]int64, error) {
	var r struct {
		Profiles []struct {
			DID            string `json:"did"`
			FollowersCount int64  `json:"followersCount"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	out := make(map[string]int64, len(r.Profiles))
	for _, p := range r.Profiles {
		if p.DID != "" {
			out[p.DID] = p.FollowersCount
		}
	}
	return out, nil
}

func (s *bluesky) Fetch(ctx context.Context, b Brand, cursor string) (Page, error) {
	var cur bskyCursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
			return Page{}, fmt.Errorf("bluesky: bad stored cursor: %w", err)
		}
	}
	if cur.Since == nil {
		cur.Since = map[string]string{}
	}
	alts := b.Query.Bluesky()
	if len(alts) == 0 {
		return Page{}, fmt.Errorf("bluesky: brand %s: query has no positive term to search for", b.Name)
	}
	if cur.Alt >= len(alts) || cur.Alt < 0 {
		cur.Alt, cur.Cursor, cur.Newest = 0, "", ""
	}
	q := alts[cur.Alt]
	since := s.now().Add(-s.backfill)
	if t, err := time.Parse(time.RFC3339Nano, cur.Since[q]); err == nil {
		since = t.Add(-bskyOverlap)
	}
	hits, next, err := s.searchPage(ctx, b, q, since, &cur)
	if err != nil {
		if !skippable(ctx, err, len(alts)) {
			return Page{}, err
		}
		// One alternative that keeps failing must not stop the others for
		// good: move on. Its since bound stays, so its next walk reads
		// what this one missed.
		page := Page{Skipped: fmt.Errorf("%w (search %q)", err, q)}
		cur.Cursor, cur.Newest, cur.Until = "", "", ""
		page.More = nextPart(&cur.Alt, len(alts))
		c, _ := json.Marshal(cur)
		page.Cursor = string(c)
		return page, nil
	}
	page := Page{Posts: make([]repmon.Post, 0, len(hits))}
	newest, _ := time.Parse(time.RFC3339Nano, cur.Newest)
	for _, h := range hits {
		if h.sortAt.After(newest) {
			newest = h.sortAt
		}
		page.Posts = append(page.Posts, h.Post)
	}
	if !newest.IsZero() {
		cur.Newest = newest.UTC().Format(time.RFC3339Nano)
	}
	switch {
	case next != "" && next != cur.Cursor && len(hits) > 0:
		cur.Cursor = next
		page.More = true
	case next == "" && len(hits) == bskyLimit && deeper(hits, &cur):
		// a full page without a cursor: the search's depth limit, not the
		// end; deeper set cur.Until
		cur.Cursor = ""
		page.More = true
	default:
		if old, err := time.Parse(time.RFC3339Nano, cur.Since[q]); !newest.IsZero() && (err != nil || newest.After(old)) {
			cur.Since[q] = cur.Newest
		}
		cur.Cursor, cur.Newest, cur.Until = "", "", ""
		page.More = nextPart(&cur.Alt, len(alts))
	}
	c, _ := json.Marshal(cur)
	page.Cursor = string(c)
	return page, nil
}

// deeper sets cur.Until just above the oldest of hits (until is exclusive:
// posts of that same millisecond are read again, and the store drops them)
// and reports whether that goes deeper than the walk has been, so that a
// page of posts that all share one millisecond cannot loop.
func deeper(hits []bskyPost, cur *bskyCursor) bool {
	oldest := hits[0].sortAt
	for _, h := range hits[1:] {
		if h.sortAt.Before(oldest) {
			oldest = h.sortAt
		}
	}
	until := oldest.Add(time.Millisecond).UTC()
	if prev, err := time.Parse(time.RFC3339Nano, cur.Until); err == nil && !until.Before(prev) {
		return false
	}
	cur.Until = until.Format(bskyTimeLayout)
	return true
}

// searchPage reads the page of alternative q that cur points at, with the
// authors' follower counts.
func (s *bluesky) searchPage(ctx context.Context, b Brand, q string, since time.Time, cur *bskyCursor) ([]bskyPost, string, error) {
	body, err := s.search(ctx, q, since, cur.Until, cur.Cursor)
	var e *Error
	if err != nil && cur.Cursor != "" && errors.As(err, &e) && e.Status == http.StatusBadRequest {
		// A cursor the API no longer accepts: restart the walk.
		s.log.Warn("search cursor rejected, restarting walk", "brand", b.Name)
		cur.Cursor, cur.Newest, cur.Until = "", "", ""
		body, err = s.search(ctx, q, since, "", "")
	}
	if err != nil {
		return nil, "", fmt.Errorf("bluesky: fetch page: %w", err)
	}
	hits, next, err := decodeBlueskySearch(body)
	if err != nil {
		return nil, "", fmt.Errorf("bluesky: fetch page: %w", badResponse(s.c, err))
	}
	if err := s.addFollowers(ctx, hits); err != nil {
		return nil, "", fmt.Errorf("bluesky: fetch profiles: %w", err)
	}
	return hits, next, nil
}

func (s *bluesky) search(ctx context.Context, q string, since time.Time, until, cursor string) ([]byte, error) {
	v := url.Values{}
	v.Set("q", q)
	v.Set("sort", "latest")
	v.Set("limit", fmt.Sprint(bskyLimit))
	v.Set("since", since.UTC().Format(bskyTimeLayout))
	if until != "" {
		v.Set("until", until)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return s.get(ctx, "/xrpc/app.bsky.feed.searchPosts?"+v.Encode())
}

// addFollowers fills AuthorFollowers from the profile cache, asking
// getProfiles for the authors it lacks. Any failure, a malformed or
// truncated answer included, fails the page (it is fetched again next run):
// a mention is stored once and never updated, so storing it without its
// reach would lose the reach for good and hide the post from min_followers
// alert rules.
func (s *bluesky) addFollowers(ctx context.Context, hits []bskyPost) error {
	now := s.now()
	s.pmu.Lock()
	if len(s.profiles) > bskyProfileKeep {
		s.profiles = map[string]bskyProfile{}
	}
	var missing []string
	seen := map[string]bool{}
	for _, h := range hits {
		if p, ok := s.profiles[h.did]; h.did != "" && !seen[h.did] && (!ok || now.Sub(p.at) > bskyProfileTTL) {
			seen[h.did] = true
			missing = append(missing, h.did)
		}
	}
	s.pmu.Unlock()
	for start := 0; start < len(missing); start += bskyProfileMax {
		batch := missing[start:min(start+bskyProfileMax, len(missing))]
		v := url.Values{"actors": batch}
		body, err := s.get(ctx, "/xrpc/app.bsky.actor.getProfiles?"+v.Encode())
		if err != nil {
			return err
		}
		counts, err := decodeBlueskyProfiles(body)
		if err != nil {
			return badResponse(s.c, err)
		}
		s.pmu.Lock()
		for did, n := range counts {
			s.profiles[did] = bskyProfile{followers: n, at: now}
		}
		s.pmu.Unlock()
	}
	s.pmu.Lock()
	defer s.pmu.Unlock()
	for i := range hits {
		hits[i].AuthorFollowers = s.profiles[hits[i].did].followers
	}
	return nil
}

// get sends an authenticated GET. An expired access token (400 or 401 with
// error ExpiredToken) is renewed once: refreshSession first, a new session
// if that fails.
func (s *bluesky) get(ctx context.Context, path string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		tok, err := s.session(ctx)
		if err != nil {
			return nil, err
		}
		req, err := newRequest(ctx, http.MethodGet, s.base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		body, _, err := fetchBody(ctx, s.c, req)
		var e *Error
		if attempt == 0 && errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusUnauthorized) &&
			mentions(e, "ExpiredToken", "InvalidToken") {
			if err := s.renew(ctx, tok); err != nil {
				return nil, err
			}
			continue
		}
		return body, err
	}
}

type bskySession struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
}

func (s *bluesky) session(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access != "" {
		return s.access, nil
	}
	return s.createSession(ctx)
}

// renew replaces the access token stale, unless another caller already did.
func (s *bluesky) renew(ctx context.Context, stale string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access != stale {
		return nil
	}
	if s.refresh != "" {
		sess, err := s.post(ctx, "com.atproto.server.refreshSession", s.refresh, nil)
		if err == nil {
			s.access, s.refresh = sess.AccessJwt, sess.RefreshJwt
			return nil
		}
		if r := ReasonOf(err); r == ReasonRateLimited || r == ReasonUnavailable {
			return err
		}
		s.log.Info("refresh session failed, creating a new one", "err", err)
	}
	s.access, s.refresh = "", ""
	_, err := s.createSession(ctx)
	return err
}

// createSession logs in with the app password; s.mu must be held.
func (s *bluesky) createSession(ctx context.Context) (string, error) {
	body, _ := json.Marshal(map[string]string{"identifier": s.identifier.Value(), "password": s.password.Value()})
	sess, err := s.post(ctx, "com.atproto.server.createSession", "", body)
	if err != nil {
		return "", err
	}
	s.access, s.refresh = sess.AccessJwt, sess.RefreshJwt
	return s.access, nil
}

func (s *bluesky) post(ctx context.Context, method, bearer string, body []byte) (bskySession, error) {
	req, err := newRequest(ctx, http.MethodPost, s.base+"/xrpc/"+method, bytes.NewReader(body))
	if err != nil {
		return bskySession{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, _, err := fetchBody(ctx, s.c, req)
	if err != nil {
		return bskySession{}, fmt.Errorf("%s: %w", method, err)
	}
	var sess bskySession
	if err := json.Unmarshal(resp, &sess); err != nil {
		return bskySession{}, fmt.Errorf("%s: %w", method, badResponse(s.c, fmt.Errorf("decode: %w", err)))
	}
	if sess.AccessJwt == "" {
		return bskySession{}, fmt.Errorf("%s: %w", method, &Error{Source: s.c.source, Reason: ReasonAuth, Err: errors.New("no access token in the session")})
	}
	return sess, nil
}
