package collectorstest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Reddit fakes the two Reddit hosts an application-only client talks to,
// on one handler:
//
//   - POST /api/v1/access_token (www.reddit.com): the client_credentials
//     grant with HTTP basic auth, answering a bearer token;
//   - GET /search (oauth.reddit.com): bearer auth, q, sort=new, limit
//     (max 100), after and before fullname cursors, a Listing of t3 links
//     newest first.
//
// Post ids are base-36 and grow with publication order, as Reddit's do.
// Answers of /search carry X-Ratelimit-Used/Remaining/Reset headers.
type Reddit struct {
	core
	// ClientID and ClientSecret are the credentials the token endpoint
	// accepts; empty accepts any.
	ClientID, ClientSecret string
	// Subreddit is where posts are listed; "" means "brands".
	Subreddit string

	mu     sync.Mutex
	posts  []redditPost // ascending id
	next   uint64
	tokens map[string]bool
}

type redditPost struct {
	id uint64
	Item
}

// Add publishes items as link posts (Item.Text is the title) and returns
// their fullnames (t3_...).
func (f *Reddit) Add(items ...Item) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next == 0 {
		f.next, _ = strconv.ParseUint("1j7x000", 36, 64)
	}
	names := make([]string, 0, len(items))
	for _, it := range items {
		if it.Created.IsZero() {
			it.Created = time.Now()
		}
		f.next++
		f.posts = append(f.posts, redditPost{id: f.next, Item: it})
		names = append(names, "t3_"+strconv.FormatUint(f.next, 36))
	}
	sort.Slice(f.posts, func(i, j int) bool { return f.posts[i].id < f.posts[j].id })
	return names
}

// Permalink returns the permalink Reddit gives the post with fullname
// name, and whether it exists.
func (f *Reddit) Permalink(name string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.posts {
		if "t3_"+strconv.FormatUint(p.id, 36) == name {
			return f.permalink(p), true
		}
	}
	return "", false
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

func (f *Reddit) permalink(p redditPost) string {
	sub := f.Subreddit
	if sub == "" {
		sub = "brands"
	}
	slug := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(p.Text), "_"), "_")
	if len(slug) > 50 {
		slug = strings.TrimRight(slug[:50], "_")
	}
	return "/r/" + sub + "/comments/" + strconv.FormatUint(p.id, 36) + "/" + slug + "/"
}

func (f *Reddit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.serve(w, r, redditLimits, f.route)
}

func (f *Reddit) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v1/access_token":
		f.token(w, r)
	case "/search", "/search.json":
		f.search(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "error": 404})
	}
}

func (f *Reddit) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if r.Method != http.MethodPost || !ok || f.ClientID != "" && (id != f.ClientID || secret != f.ClientSecret) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "error": 401})
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusOK, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := "eyJhbGciOiJSUzI1NiJ9." + hex.EncodeToString(b)
	f.mu.Lock()
	if f.tokens == nil {
		f.tokens = map[string]bool{}
	}
	f.tokens[tok] = true
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 86400, "scope": "*"})
}

func (f *Reddit) search(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "bearer ")
	f.mu.Lock()
	valid := ok && f.tokens[tok]
	f.mu.Unlock()
	if !valid {
		w.Header().Set("www-authenticate", `Bearer realm="reddit", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "error": 401})
		return
	}
	v := r.URL.Query()
	q := v.Get("q")
	limit := 25
	if n, err := strconv.Atoi(v.Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	after, before := fullnameID(v.Get("after")), fullnameID(v.Get("before"))
	f.mu.Lock()
	var hits []redditPost
	for i := len(f.posts) - 1; i >= 0; i-- { // sort=new: newest first
		p := f.posts[i]
		if after != 0 && p.id >= after || before != 0 && p.id <= before || !matchQuery(q, p.Text) {
			continue
		}
		hits = append(hits, p)
	}
	f.mu.Unlock()
	var afterOut, beforeOut any
	if before != 0 && len(hits) > limit {
		// before pages towards newer posts: the window right above it.
		hits = hits[len(hits)-limit:]
		beforeOut = "t3_" + strconv.FormatUint(hits[0].id, 36)
	} else if len(hits) > limit {
		hits = hits[:limit]
		afterOut = "t3_" + strconv.FormatUint(hits[len(hits)-1].id, 36)
	}
	sub := f.Subreddit
	if sub == "" {
		sub = "brands"
	}
	children := make([]map[string]any, 0, len(hits))
	for _, p := range hits {
		id := strconv.FormatUint(p.id, 36)
		created := float64(p.Created.Unix())
		children = append(children, map[string]any{"kind": "t3", "data": map[string]any{
			"approved_at_utc": nil, "subreddit": sub, "selftext": "", "author_fullname": "t2_" + strconv.FormatUint(fnvID(p.Author), 36),
			"title": p.Text, "subreddit_name_prefixed": "r/" + sub, "name": "t3_" + id, "ups": 5, "downs": 0, "score": 5,
			"upvote_ratio": 0.9, "num_comments": 2, "created": created, "created_utc": created, "domain": "self." + sub, "id": id,
			"author": p.Author, "permalink": f.permalink(p), "url": "https://www.reddit.com" + f.permalink(p),
			"subreddit_subscribers": 120000, "over_18": false, "is_self": true, "stickied": false,
		}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": "Listing", "data": map[string]any{
		"after": afterOut, "dist": len(children), "modhash": "", "geo_filter": "", "children": children, "before": beforeOut,
	}})
}

func fullnameID(name string) uint64 {
	id, ok := strings.CutPrefix(name, "t3_")
	if !ok {
		return 0
	}
	n, _ := strconv.ParseUint(id, 36, 64)
	return n
}

func fnvID(s string) uint64 {
	n, _ := strconv.ParseUint(userID(s), 10, 64)
	return n
}
