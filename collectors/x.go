package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dghubble/go-twitter/twitter"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/query"
)

// xV2 searches X (Twitter) with API v2 recent search
// (GET /2/tweets/search/recent), which covers the last seven days.
//
// Results come newest first, paged with next_token. A walk starts at the
// newest post and pages down to the last walk's since_id; since_id only
// moves (to meta.newest_id of the walk's first page) once the walk is
// complete, so a walk cut short by a failure or max_pages resumes from its
// next_token and never skips the posts below it.
type xV2 struct {
	base     string
	token    config.Secret
	c        *Client
	now      func() time.Time
	backfill time.Duration
	log      *slog.Logger
}

// xWindow is how far back X's recent search reaches; start_time and since_id
// older than that are rejected with a 400.
const xWindow = 7 * 24 * time.Hour

func newX(src config.Source, c *Client, d Deps) (Collector, error) {
	if src.API == "v1.1" {
		return newXV1(src, c, d)
	}
	return &xV2{
		base:     strings.TrimRight(src.Endpoint, "/"),
		token:    src.BearerToken,
		c:        c,
		now:      c.now,
		backfill: src.Backfill.D(),
		log:      d.Logger.With("source", src.Name),
	}, nil
}

type xV2Cursor struct {
	SinceID   string `json:"since_id,omitempty"`   // newest id stored by the last complete walk
	StartTime int64  `json:"start_time,omitempty"` // unix seconds: lower bound until a first walk finds a post
	NextToken string `json:"next_token,omitempty"` // position in an unfinished walk
	NewestID  string `json:"newest_id,omitempty"`  // meta.newest_id of the unfinished walk's first page
}

// xV2Meta is the paging part of a recent-search response.
type xV2Meta struct {
	NewestID    string `json:"newest_id"`
	OldestID    string `json:"oldest_id"`
	ResultCount int    `json:"result_count"`
	NextToken   string `json:"next_token"`
}

type xV2Response struct {
	Data []struct {
		ID            string `json:"id"`
		Text          string `json:"text"`
		AuthorID      string `json:"author_id"`
		CreatedAt     string `json:"created_at"`
		Lang          string `json:"lang"`
		PublicMetrics struct {
			RetweetCount int64 `json:"retweet_count"`
			ReplyCount   int64 `json:"reply_count"`
			LikeCount    int64 `json:"like_count"`
			QuoteCount   int64 `json:"quote_count"`
		} `json:"public_metrics"`
	} `json:"data"`
	Includes struct {
		Users []struct {
			ID            string `json:"id"`
			Username      string `json:"username"`
			PublicMetrics struct {
				FollowersCount int64 `json:"followers_count"`
			} `json:"public_metrics"`
		} `json:"users"`
	} `json:"includes"`
	Meta xV2Meta `json:"meta"`
}

// decodeXV2 turns a recent-search response body into posts and its paging
// metadata. It is pure, for fuzzing.
func decodeXV2(body []byte) ([]repmon.Post, xV2Meta, error) {
	var r xV2Response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, xV2Meta{}, fmt.Errorf("decode: %w", err)
	}
	type user struct {
		name      string
		followers int64
	}
	users := make(map[string]user, len(r.Includes.Users))
	for _, u := range r.Includes.Users {
		users[u.ID] = user{u.Username, u.PublicMetrics.FollowersCount}
	}
	posts := make([]repmon.Post, 0, len(r.Data))
	for _, t := range r.Data {
		if t.ID == "" || !isDigits(t.ID) {
			continue
		}
		u := users[t.AuthorID]
		p := repmon.Post{
			ID:              t.ID,
			Text:            xText(t.Text),
			Author:          u.name,
			AuthorFollowers: u.followers,
			Lang:            xLang(t.Lang),
			Likes:           t.PublicMetrics.LikeCount,
			Reposts:         t.PublicMetrics.RetweetCount + t.PublicMetrics.QuoteCount,
			Replies:         t.PublicMetrics.ReplyCount,
		}
		if u.name != "" {
			p.URL = "https://x.com/" + url.PathEscape(u.name) + "/status/" + t.ID
		} else {
			// Without the expansion X still redirects this form to the post.
			p.URL = "https://x.com/i/web/status/" + t.ID
		}
		if ts, err := time.Parse(time.RFC3339Nano, t.CreatedAt); err == nil {
			p.CreatedAt = ts.UTC()
		}
		posts = append(posts, p)
	}
	return posts, r.Meta, nil
}

// xLang drops X's "undetermined" and special-purpose tags (und, qme, zxx...).
func xLang(l string) string {
	if l == "und" || l == "zxx" || strings.HasPrefix(l, "q") && len(l) == 3 {
		return ""
	}
	return l
}

func (x *xV2) Fetch(ctx context.Context, b Brand, cursor string) (Page, error) {
	var cur xV2Cursor
	if cursor == "" {
		cur.StartTime = x.now().Add(-x.backfill).Unix()
	} else if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
		return Page{}, fmt.Errorf("x: bad stored cursor: %w", err)
	}
	q := b.Query.XV2()
	if n := utf8.RuneCountInString(q); n > query.XV2MaxLen {
		return Page{}, fmt.Errorf("x: brand %s: query is %d characters in X syntax, over the recent-search limit of %d: shorten the brand query", b.Name, n, query.XV2MaxLen)
	}
	body, err := x.search(ctx, q, cur)
	var e *Error
	if err != nil && errors.As(err, &e) && e.Status == http.StatusBadRequest {
		switch {
		case cur.NextToken != "" && mentions(e, "next_token", "pagination_token"):
			// An expired or rejected next_token: restart the walk from the
			// old since_id; the store drops what pages 1..n-1 stored.
			x.log.Warn("next_token rejected, restarting walk", "brand", b.Name)
			cur.NextToken, cur.NewestID = "", ""
			body, err = x.search(ctx, q, cur)
		case cur.SinceID != "" && mentions(e, "since_id"):
			// since_id older than the seven-day window: nothing below the
			// window can be fetched anyway.
			x.log.Warn("since_id outside the search window, restarting from the window start", "brand", b.Name)
			cur = xV2Cursor{StartTime: x.now().Add(-xWindow).Unix()}
			body, err = x.search(ctx, q, cur)
		}
	}
	if err != nil {
		return Page{}, fmt.Errorf("x: fetch page: %w", err)
	}
	posts, meta, err := decodeXV2(body)
	if err != nil {
		return Page{}, fmt.Errorf("x: fetch page: %w", badResponse(x.c, err))
	}
	page := Page{Posts: posts}
	if cur.NextToken == "" && meta.NewestID != "" {
		cur.NewestID = meta.NewestID
	}
	if meta.NextToken != "" && meta.NextToken != cur.NextToken {
		cur.NextToken = meta.NextToken
		page.More = true
	} else {
		if cur.NewestID != "" && (cur.SinceID == "" || idLess(cur.SinceID, cur.NewestID)) {
			cur.SinceID, cur.StartTime = cur.NewestID, 0
		}
		cur.NextToken, cur.NewestID = "", ""
	}
	c, _ := json.Marshal(cur)
	page.Cursor = string(c)
	return page, nil
}

func (x *xV2) search(ctx context.Context, q string, cur xV2Cursor) ([]byte, error) {
	v := url.Values{}
	v.Set("query", q)
	v.Set("max_results", "100")
	v.Set("tweet.fields", "created_at,lang,public_metrics,author_id")
	v.Set("expansions", "author_id")
	v.Set("user.fields", "username,public_metrics")
	if cur.SinceID != "" {
		v.Set("since_id", cur.SinceID)
	} else {
		// X rejects a start_time outside the window (and one less than ten
		// seconds ago); a stale stored bound is clamped rather than failing
		// forever.
		start := time.Unix(cur.StartTime, 0)
		if floor := x.now().Add(-xWindow + time.Minute); start.Before(floor) {
			start = floor
		}
		if ceil := x.now().Add(-time.Minute); start.After(ceil) {
			start = ceil
		}
		v.Set("start_time", start.UTC().Format(time.RFC3339))
	}
	if cur.NextToken != "" {
		v.Set("next_token", cur.NextToken)
	}
	req, err := newRequest(ctx, http.MethodGet, x.base+"/2/tweets/search/recent?"+v.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+x.token.Value())
	req.Header.Set("Accept", "application/json")
	body, _, err := fetchBody(ctx, x.c, req)
	return body, err
}

// The helpers below are shared by the social collectors (x, reddit,
// mastodon, bluesky).

// mentions reports whether a classified error's body excerpt contains any
// of words (API error bodies name the offending parameter).
func mentions(e *Error, words ...string) bool {
	if e.Err == nil {
		return false
	}
	s := e.Err.Error()
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// idLess orders decimal id strings (X snowflakes, Mastodon ids) numerically
// without overflowing: by length, then lexically.
func idLess(a, b string) bool {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// xV1 searches X with the v1.1 standard search API (search/tweets.json)
// through github.com/dghubble/go-twitter, for accounts that still have v1.1
// access. The library fixes its base URL, so the endpoint override and the
// app-only bearer token are applied by xRewrite, which sends through the
// shared Client: rate limits, retries and the body cap apply as for every
// other source.
//
// Paging is newest first with max_id (the page's lowest id - 1); since_id
// only moves to the walk's newest id once the walk is complete.
type xV1 struct {
	base     *url.URL
	token    config.Secret
	c        *Client
	now      func() time.Time
	backfill time.Duration
}

// xV1MaxQuery is the v1.1 standard search query limit, in characters.
const xV1MaxQuery = 500

func newXV1(src config.Source, c *Client, d Deps) (Collector, error) {
	base, err := url.Parse(src.Endpoint)
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, errors.New("x: invalid endpoint")
	}
	return &xV1{base: base, token: src.BearerToken, c: c, now: c.now, backfill: src.Backfill.D()}, nil
}

type xV1Cursor struct {
	SinceID int64 `json:"since_id,omitempty"` // newest id stored by the last complete walk
	Start   int64 `json:"start,omitempty"`    // unix seconds: backfill bound until a walk finds a post
	MaxID   int64 `json:"max_id,omitempty"`   // upper bound of the next page of an unfinished walk
	Newest  int64 `json:"newest,omitempty"`   // newest id seen by the unfinished walk
}

// xRewrite points go-twitter's requests at the configured endpoint, adds
// the bearer token and sends them through the shared Client. It is built per
// Fetch so that the request carries that Fetch's context (go-twitter takes
// none).
type xRewrite struct {
	ctx   context.Context
	base  *url.URL
	token config.Secret
	next  http.RoundTripper
}

func (t *xRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(t.ctx)
	r2.URL.Scheme, r2.URL.Host = t.base.Scheme, t.base.Host
	if p := strings.TrimRight(t.base.Path, "/"); p != "" {
		r2.URL.Path = p + r2.URL.Path
	}
	r2.Host = ""
	r2.Header.Set("Authorization", "Bearer "+t.token.Value())
	return t.next.RoundTrip(r2)
}

func (x *xV1) Fetch(ctx context.Context, b Brand, cursor string) (Page, error) {
	var cur xV1Cursor
	if cursor == "" {
		cur.Start = x.now().Add(-x.backfill).Unix()
	} else if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
		return Page{}, fmt.Errorf("x: bad stored cursor: %w", err)
	}
	q := b.Query.XV2() // v1.1 standard search reads the same operators
	if n := utf8.RuneCountInString(q); n > xV1MaxQuery {
		return Page{}, fmt.Errorf("x: brand %s: query is %d characters in X syntax, over the v1.1 search limit of %d: shorten the brand query", b.Name, n, xV1MaxQuery)
	}
	hc := &http.Client{
		Transport: &xRewrite{ctx: ctx, base: x.base, token: x.token, next: x.c.HTTPClient().Transport},
		Timeout:   x.c.http.Timeout,
	}
	res, _, err := twitter.NewClient(hc).Search.Tweets(&twitter.SearchTweetParams{
		Query:           q,
		Count:           100,
		ResultType:      "recent",
		TweetMode:       "extended",
		SinceID:         cur.SinceID,
		MaxID:           cur.MaxID,
		IncludeEntities: twitter.Bool(false),
	})
	if err != nil {
		return Page{}, fmt.Errorf("x: fetch page: %w", xV1Error(x.c, err))
	}
	posts, outer := xV1Posts(res)
	page := Page{}
	done := len(outer) == 0 || res.Metadata == nil || res.Metadata.NextResults == ""
	var lowest int64
	for i, t := range outer {
		if cur.SinceID == 0 && cur.Start != 0 && !t.created.IsZero() && t.created.Unix() < cur.Start {
			// Older than the first run's backfill window: the walk ends here.
			done = true
			continue
		}
		if cur.SinceID != 0 && t.id <= cur.SinceID {
			done = true
			continue
		}
		if t.id > cur.Newest {
			cur.Newest = t.id
		}
		if lowest == 0 || t.id < lowest {
			lowest = t.id
		}
		page.Posts = append(page.Posts, posts[i])
	}
	if !done && lowest > 1 {
		cur.MaxID = lowest - 1
		page.More = true
	} else {
		if cur.Newest > cur.SinceID {
			cur.SinceID, cur.Start = cur.Newest, 0
		}
		cur.MaxID, cur.Newest = 0, 0
	}
	c, _ := json.Marshal(cur)
	page.Cursor = string(c)
	return page, nil
}

type xV1Outer struct {
	id      int64
	created time.Time
}

// decodeXV1 decodes a search/tweets.json body as go-twitter does; for
// fuzzing xV1Posts on raw input.
func decodeXV1(body []byte) ([]repmon.Post, error) {
	var s twitter.Search
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	posts, _ := xV1Posts(&s)
	return posts, nil
}

// xV1Posts converts a v1.1 search result. A retweet is reported as the
// retweeted post (full text, its own counts and permalink; the store keeps
// it once); outer keeps each listed tweet's own id and time for paging.
func xV1Posts(s *twitter.Search) (posts []repmon.Post, outer []xV1Outer) {
	if s == nil {
		return nil, nil
	}
	for _, t := range s.Statuses {
		if t.ID <= 0 {
			continue
		}
		o := xV1Outer{id: t.ID}
		o.created, _ = t.CreatedAtTime()
		src := t
		if t.RetweetedStatus != nil && t.RetweetedStatus.ID > 0 {
			src = *t.RetweetedStatus
		}
		text := src.FullText
		if text == "" {
			text = src.Text
		}
		p := repmon.Post{
			ID:      fmt.Sprint(src.ID),
			Text:    xText(text),
			Lang:    xLang(src.Lang),
			Likes:   int64(src.FavoriteCount),
			Reposts: int64(src.RetweetCount) + int64(src.QuoteCount),
			Replies: int64(src.ReplyCount),
			URL:     "https://x.com/i/web/status/" + fmt.Sprint(src.ID),
		}
		if src.User != nil && src.User.ScreenName != "" {
			p.Author = src.User.ScreenName
			p.AuthorFollowers = int64(src.User.FollowersCount)
			p.URL = "https://x.com/" + url.PathEscape(src.User.ScreenName) + "/status/" + p.ID
		}
		if ts, err := src.CreatedAtTime(); err == nil {
			p.CreatedAt = ts.UTC()
		}
		posts = append(posts, p)
		outer = append(outer, o)
	}
	return posts, outer
}

// xV1Error classifies what go-twitter returns. Non-2xx responses stop in
// the shared Client, so they arrive as *Error wrapped in *url.Error; an
// APIError body on a 2xx, decoding failures and the body cap are mapped
// here. The *url.Error (which names the request URL) is dropped.
func xV1Error(c *Client, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var api twitter.APIError
	if errors.As(err, &api) {
		reason := ReasonBadResponse
		if len(api.Errors) > 0 {
			switch api.Errors[0].Code {
			case 88: // rate limit exceeded
				reason = ReasonRateLimited
			case 32, 64, 89, 99, 215, 326: // bad/expired token, suspended, locked
				reason = ReasonAuth
			}
		}
		return &Error{Source: c.source, Reason: reason, Err: api}
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.Is(err, ErrTooLarge) || errors.As(err, &syn) || errors.As(err, &typ) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return badResponse(c, fmt.Errorf("decode: %w", scrubURL(err)))
	}
	return &Error{Source: c.source, Reason: ReasonUnavailable, Err: scrubURL(err)}
}

// xText undoes the HTML escaping that both X APIs apply to a post's text:
// "&", "<" and ">" arrive as "&amp;", "&lt;" and "&gt;", and nothing else
// is escaped, so a user who typed "&copy;" gets "&amp;copy;" back. One
// left-to-right pass keeps that "&copy;" literal, where
// html.UnescapeString would turn it into "©".
func xText(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return xUnescaper.Replace(s)
}

var xUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
