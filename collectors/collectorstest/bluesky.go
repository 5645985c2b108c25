package collectorstest

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bluesky fakes the parts of a PDS / AppView an app-password client uses,
// under /xrpc/:
//
//   - com.atproto.server.createSession (identifier and app password) and
//     com.atproto.server.refreshSession (refresh JWT as bearer);
//   - app.bsky.feed.searchPosts: q, sort=latest|top, since, until, limit
//     (max 100), an opaque cursor;
//   - app.bsky.actor.getProfiles: up to 25 actors (DIDs or handles).
//
// An access JWT expires after AccessTTL (if set) with the PDS's 400
// ExpiredToken. Answers carry ratelimit-limit/remaining/reset/policy
// headers.
type Bluesky struct {
	core
	// Identifier and Password are the accepted credentials; empty accepts
	// any.
	Identifier, Password string
	// AccessTTL is how long an access JWT is accepted; 0 means forever.
	AccessTTL time.Duration

	mu      sync.Mutex
	posts   []bskyPost // ascending time
	seq     int64
	access  map[string]time.Time // token → issued
	refresh map[string]bool
}

type bskyPost struct {
	rkey string
	Item
}

// Add publishes items and returns their at:// URIs. Item.Author is the
// handle (".bsky.social" is appended when it has no dot).
func (f *Bluesky) Add(items ...Item) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	uris := make([]string, 0, len(items))
	for _, it := range items {
		if it.Created.IsZero() {
			it.Created = time.Now()
		}
		if !strings.Contains(it.Author, ".") {
			it.Author += ".bsky.social"
		}
		f.seq++
		p := bskyPost{rkey: tid(it.Created, f.seq), Item: it}
		f.posts = append(f.posts, p)
		uris = append(uris, "at://"+did(it.Author)+"/app.bsky.feed.post/"+p.rkey)
	}
	sort.SliceStable(f.posts, func(i, j int) bool { return f.posts[i].Created.Before(f.posts[j].Created) })
	return uris
}

// Handle returns the handle Add gives author.
func (f *Bluesky) Handle(author string) string {
	if !strings.Contains(author, ".") {
		return author + ".bsky.social"
	}
	return author
}

const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tid is an atproto record key: microseconds and a clock id in sortable
// base32, 13 characters.
func tid(t time.Time, clock int64) string {
	n := uint64(t.UnixMicro())<<10 | uint64(clock&0x3ff)
	b := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[n&31]
		n >>= 5
	}
	return string(b)
}

var didEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// did derives a stable did:plc from a handle.
func did(handle string) string {
	h := fnv.New128a()
	h.Write([]byte(handle))
	return "did:plc:" + didEncoding.EncodeToString(h.Sum(nil))[:24]
}

func (f *Bluesky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.serve(w, r, bskyLimits, f.route)
}

func xrpcError(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, map[string]string{"error": name, "message": msg})
}

func (f *Bluesky) route(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	switch method {
	case "com.atproto.server.createSession":
		f.createSession(w, r)
		return
	case "com.atproto.server.refreshSession":
		f.refreshSession(w, r)
		return
	case "app.bsky.feed.searchPosts", "app.bsky.actor.getProfiles":
	default:
		xrpcError(w, http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	issued, ok := f.access[tok]
	f.mu.Unlock()
	switch {
	case !ok:
		xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
		return
	case f.AccessTTL > 0 && time.Since(issued) > f.AccessTTL:
		xrpcError(w, http.StatusBadRequest, "ExpiredToken", "Token has expired")
		return
	}
	if method == "app.bsky.feed.searchPosts" {
		f.search(w, r)
	} else {
		f.profiles(w, r)
	}
}

func (f *Bluesky) newSession(w http.ResponseWriter, handle string) {
	b := make([]byte, 24)
	rand.Read(b)
	access := "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ." + didEncoding.EncodeToString(b[:12]) + ".sig"
	refresh := "eyJ0eXAiOiJyZWZyZXNoK2p3dCIsImFsZyI6IkVTMjU2SyJ9." + didEncoding.EncodeToString(b[12:]) + ".sig"
	f.mu.Lock()
	if f.access == nil {
		f.access, f.refresh = map[string]time.Time{}, map[string]bool{}
	}
	f.access[access], f.refresh[refresh] = time.Now(), true
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"did": did(handle), "didDoc": map[string]any{}, "handle": handle,
		"email": "ops@example.com", "emailConfirmed": true, "accessJwt": access, "refreshJwt": refresh, "active": true})
}

func (f *Bluesky) createSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil || in.Identifier == "" {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Input must have the property \"identifier\"")
		return
	}
	if f.Identifier != "" && (in.Identifier != f.Identifier || in.Password != f.Password) {
		xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
		return
	}
	f.newSession(w, in.Identifier)
}

func (f *Bluesky) refreshSession(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	ok := f.refresh[tok]
	delete(f.refresh, tok) // refresh tokens are single use
	f.mu.Unlock()
	if !ok {
		xrpcError(w, http.StatusBadRequest, "ExpiredToken", "Token has been revoked")
		return
	}
	f.newSession(w, f.Identifier)
}

func parseBskyTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (f *Bluesky) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := v.Get("q")
	if q == "" {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "q"`)
		return
	}
	limit := 25
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "limit must be between 1 and 100")
			return
		}
		limit = n
	}
	var since, until time.Time
	if s := v.Get("since"); s != "" {
		t, ok := parseBskyTime(s)
		if !ok {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "since must be a valid datetime")
			return
		}
		since = t
	}
	if s := v.Get("until"); s != "" {
		t, ok := parseBskyTime(s)
		if !ok {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "until must be a valid datetime")
			return
		}
		until = t
	}
	offset := 0
	if c := v.Get("cursor"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "malformed cursor")
			return
		}
		offset = n
	}
	f.mu.Lock()
	var hits []bskyPost
	for i := len(f.posts) - 1; i >= 0; i-- { // latest first
		p := f.posts[i]
		if !since.IsZero() && p.Created.Before(since) || !until.IsZero() && !p.Created.Before(until) || !matchQuery(q, p.Text) {
			continue
		}
		hits = append(hits, p)
	}
	f.mu.Unlock()
	total := len(hits)
	hits = hits[min(offset, len(hits)):]
	body := map[string]any{"hitsTotal": total}
	if len(hits) > limit {
		hits = hits[:limit]
		body["cursor"] = strconv.Itoa(offset + limit)
	}
	posts := make([]map[string]any, 0, len(hits))
	for _, p := range hits {
		d := did(p.Author)
		created := p.Created.UTC().Format("2006-01-02T15:04:05.000Z")
		posts = append(posts, map[string]any{
			"uri": "at://" + d + "/app.bsky.feed.post/" + p.rkey, "cid": "bafyrei" + didEncoding.EncodeToString([]byte(p.rkey))[:20],
			"author":     map[string]any{"did": d, "handle": p.Author, "displayName": p.Author, "labels": []any{}, "createdAt": "2023-04-12T04:53:57.057Z"},
			"record":     map[string]any{"$type": "app.bsky.feed.post", "createdAt": created, "langs": []string{"en"}, "text": p.Text},
			"replyCount": 1, "repostCount": 2, "likeCount": 3, "quoteCount": 0, "indexedAt": created, "labels": []any{},
		})
	}
	body["posts"] = posts
	writeJSON(w, http.StatusOK, body)
}

func (f *Bluesky) profiles(w http.ResponseWriter, r *http.Request) {
	actors := r.URL.Query()["actors"]
	if len(actors) == 0 || len(actors) > 25 {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Error: actors must not have more than 25 elements")
		return
	}
	f.mu.Lock()
	byActor := map[string]bskyPost{}
	for _, p := range f.posts {
		byActor[did(p.Author)], byActor[p.Author] = p, p
	}
	f.mu.Unlock()
	out := []map[string]any{}
	for _, a := range actors {
		p, ok := byActor[a]
		if !ok {
			continue // unknown actors are left out, as the AppView does
		}
		out = append(out, map[string]any{"did": did(p.Author), "handle": p.Author, "displayName": p.Author,
			"followersCount": p.Followers, "followsCount": 10, "postsCount": 100, "labels": []any{},
			"indexedAt": "2025-01-02T00:00:00.000Z", "createdAt": "2023-04-12T04:53:57.057Z"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"profiles": out})
}
