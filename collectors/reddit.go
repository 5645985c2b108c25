package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// reddit searches Reddit posts (GET /search, sort=new) through the OAuth
// API with an application-only token (client_credentials grant).
//
// The listing is newest first and paged with after=<fullname>. A walk runs
// from the newest post down to the previous walk's watermark (the newest
// post it stored, compared by base-36 id, which Reddit assigns in creation
// order); the watermark only moves when the walk is complete, so a walk cut
// short resumes from its after position. Reddit's listing carries no author
// follower count, so AuthorFollowers stays 0.
type reddit struct {
	base     string
	auth     string
	id       config.Secret
	secret   config.Secret
	c        *Client
	now      func() time.Time
	backfill time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	token   string
	expires time.Time
}

// redditTokenMargin renews a token this long before Reddit says it expires.
const redditTokenMargin = 5 * time.Minute

func newReddit(src config.Source, c *Client, d Deps) (Collector, error) {
	return &reddit{
		base:     strings.TrimRight(src.Endpoint, "/"),
		auth:     strings.TrimRight(src.AuthEndpoint, "/"),
		id:       src.ClientID,
		secret:   src.ClientSecret,
		c:        c,
		now:      c.now,
		backfill: src.Backfill.D(),
		log:      d.Logger.With("source", src.Name),
	}, nil
}

type redditCursor struct {
	Mark   string `json:"mark,omitempty"`   // fullname of the newest post of the last complete walk
	Since  int64  `json:"since,omitempty"`  // unix seconds: backfill bound until a walk finds a post
	After  string `json:"after,omitempty"`  // listing position of an unfinished walk
	Newest string `json:"newest,omitempty"` // newest fullname seen by the unfinished walk
}

// redditPost is a listed post with what paging needs.
type redditPost struct {
	repmon.Post
	created float64
}

type redditListing struct {
	Kind string `json:"kind"`
	Data struct {
		After    *string `json:"after"`
		Before   *string `json:"before"`
		Children []struct {
			Kind string `json:"kind"`
			Data struct {
				Name        string  `json:"name"` // fullname, t3_<base36 id>
				Title       string  `json:"title"`
				Selftext    string  `json:"selftext"`
				Author      string  `json:"author"`
				Permalink   string  `json:"permalink"`
				Score       int64   `json:"score"`
				NumComments int64   `json:"num_comments"`
				CreatedUTC  float64 `json:"created_utc"`
			} `json:"data"`
		} `json:"children"`
	} `json:"data"`
}

// decodeReddit turns a search listing body into posts (listing order) and
// the listing's after fullname. It is pure, for fuzzing.
func decodeReddit(body []byte) ([]redditPost, string, error) {
	var l redditListing
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, "", fmt.Errorf("decode: %w", err)
	}
	if l.Kind != "Listing" {
		return nil, "", fmt.Errorf("decode: expected a Listing, got kind %q", l.Kind)
	}
	posts := make([]redditPost, 0, len(l.Data.Children))
	for _, ch := range l.Data.Children {
		d := ch.Data
		if ch.Kind != "t3" || redditID(d.Name) == 0 {
			continue
		}
		text := d.Title
		if d.Selftext != "" {
			text += "\n\n" + d.Selftext
		}
		p := redditPost{created: d.CreatedUTC, Post: repmon.Post{
			ID:      d.Name,
			Text:    text,
			Author:  d.Author,
			Likes:   d.Score,
			Replies: d.NumComments,
		}}
		if strings.HasPrefix(d.Permalink, "/") {
			p.URL = "https://www.reddit.com" + d.Permalink
		}
		if d.CreatedUTC > 0 && d.CreatedUTC < math.MaxInt32*4 {
			p.CreatedAt = time.Unix(int64(d.CreatedUTC), 0).UTC()
		}
		posts = append(posts, p)
	}
	after := ""
	if l.Data.After != nil {
		after = *l.Data.After
	}
	return posts, after, nil
}

// redditID returns the numeric value of a t3 fullname's base-36 id, 0 if
// it is not one.
func redditID(fullname string) uint64 {
	id, ok := strings.CutPrefix(fullname, "t3_")
	if !ok || id == "" {
		return 0
	}
	n, err := strconv.ParseUint(id, 36, 64)
	if err != nil {
		return 0
	}
	return n
}

func (r *reddit) Fetch(ctx context.Context, b Brand, cursor string) (Page, error) {
	var cur redditCursor
	if cursor == "" {
		cur.Since = r.now().Add(-r.backfill).Unix()
	} else if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
		return Page{}, fmt.Errorf("reddit: bad stored cursor: %w", err)
	}
	v := url.Values{}
	v.Set("q", b.Query.Reddit())
	v.Set("sort", "new")
	v.Set("type", "link")
	v.Set("limit", "100")
	v.Set("raw_json", "1")
	if cur.After != "" {
		v.Set("after", cur.After)
	}
	body, err := r.get(ctx, r.base+"/search?"+v.Encode())
	if err != nil {
		return Page{}, fmt.Errorf("reddit: fetch page: %w", err)
	}
	listed, after, err := decodeReddit(body)
	if err != nil {
		return Page{}, fmt.Errorf("reddit: fetch page: %w", badResponse(r.c, err))
	}
	mark := redditID(cur.Mark)
	reached := false
	page := Page{Posts: make([]repmon.Post, 0, len(listed))}
	for _, p := range listed {
		id := redditID(p.ID)
		if mark != 0 && id <= mark || mark == 0 && cur.Since != 0 && p.created < float64(cur.Since) {
			// At or below the last walk's watermark (or the backfill
			// bound): the rest is already stored.
			reached = true
			continue
		}
		if id > redditID(cur.Newest) {
			cur.Newest = p.ID
		}
		page.Posts = append(page.Posts, p.Post)
	}
	if !reached && after != "" && after != cur.After && len(listed) > 0 {
		cur.After = after
		page.More = true
	} else {
		if !reached && mark != 0 && cur.After != "" && after == "" {
			// Reddit ends every listing after about 1,000 posts: in a
			// catch-up longer than that, the posts between the end and the
			// last walk's newest cannot be listed
			r.log.Warn("the search listing ended before the posts of the last walk; "+
				"Reddit lists at most about 1,000 results, so posts between them are missing",
				"brand", b.Name, "last_walk_newest", cur.Mark)
		}
		if redditID(cur.Newest) > mark {
			cur.Mark, cur.Since = cur.Newest, 0
		}
		cur.After, cur.Newest = "", ""
	}
	c, _ := json.Marshal(cur)
	page.Cursor = string(c)
	return page, nil
}

// get sends an authorised GET. A 401 means the cached token was revoked or
// expired early: it is dropped and the request retried once with a new one.
func (r *reddit) get(ctx context.Context, u string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		tok, err := r.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		req, err := newRequest(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "bearer "+tok)
		req.Header.Set("Accept", "application/json")
		body, resp, err := fetchBody(ctx, r.c, req)
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized && attempt == 0 {
			r.invalidate(tok)
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := r.checkJSON(resp); err != nil {
			return nil, err
		}
		return body, nil
	}
}

// checkJSON turns Reddit's HTML block page, which it may serve with a 200,
// into an auth failure rather than a parse error or zero mentions.
func (r *reddit) checkJSON(resp *http.Response) error {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "json") {
		return nil
	}
	return &Error{Source: r.c.source, Reason: ReasonAuth, Status: resp.StatusCode,
		Err: fmt.Errorf("blocked: got %q instead of JSON (check client_id, client_secret and a descriptive user_agent)", ct)}
}

func (r *reddit) invalidate(tok string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.token == tok {
		r.token = ""
	}
}

type redditToken struct {
	AccessToken string  `json:"access_token"`
	TokenType   string  `json:"token_type"`
	ExpiresIn   float64 `json:"expires_in"`
	Error       string  `json:"error"`
}

// accessToken returns the cached application token or fetches a new one.
// The lock is held across the request so that concurrent brands share one
// token request.
func (r *reddit) accessToken(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.token != "" && r.now().Before(r.expires) {
		return r.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	req, err := newRequest(ctx, http.MethodPost, r.auth+"/api/v1/access_token", strings.NewReader(form))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(r.id.Value(), r.secret.Value())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, resp, err := fetchBody(ctx, r.c, req)
	if err != nil {
		return "", fmt.Errorf("get token: %w", err)
	}
	if err := r.checkJSON(resp); err != nil {
		return "", fmt.Errorf("get token: %w", err)
	}
	var t redditToken
	if err := json.Unmarshal(body, &t); err != nil {
		return "", fmt.Errorf("get token: %w", badResponse(r.c, fmt.Errorf("decode: %w", err)))
	}
	if t.AccessToken == "" {
		// Reddit answers some credential errors with a 200 and an error field.
		return "", fmt.Errorf("get token: %w", &Error{Source: r.c.source, Reason: ReasonAuth, Status: resp.StatusCode,
			Err: fmt.Errorf("no access token (error %q)", t.Error)})
	}
	life := time.Duration(t.ExpiresIn * float64(time.Second))
	if life > 2*redditTokenMargin {
		life -= redditTokenMargin
	} else {
		life /= 2
	}
	r.token, r.expires = t.AccessToken, r.now().Add(life)
	return r.token, nil
}
