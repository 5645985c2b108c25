package collectorstest

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mastodon fakes one Mastodon 4.4 instance:
//
//   - GET /api/v2/instance, with configuration.timelines_access;
//   - GET /api/v1/timelines/tag/:hashtag: limit (max 40), max_id, since_id,
//     min_id (the window right above it), newest first, with a Link header
//     holding the next (max_id) and prev (min_id) pages;
//   - GET /api/v2/search?type=statuses: full-text search with limit, offset
//     (which, as on Mastodon, needs an access token), min_id and max_id,
//     newest first.
//
// Status ids are Mastodon snowflakes (milliseconds << 16), so a post
// published later has a larger id. Every post's author is a local account.
// Answers carry X-RateLimit-Limit/Remaining/Reset headers.
type Mastodon struct {
	core
	// Domain is the instance's domain in status and account URLs;
	// "" means "mastodon.example".
	Domain string
	// Token is the access token accepted; empty accepts none and search
	// then refuses paging, as Mastodon does for anonymous clients.
	Token string

	mu       sync.Mutex
	statuses []mastodonStatus // ascending id
	seq      int64
}

type mastodonStatus struct {
	id int64
	Item
}

// Add publishes items and returns their status ids. Item.Author is the
// local username.
func (f *Mastodon) Add(items ...Item) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(items))
	for _, it := range items {
		if it.Created.IsZero() {
			it.Created = time.Now()
		}
		f.seq++
		id := it.Created.UnixMilli()<<16 | f.seq&0xffff
		f.statuses = append(f.statuses, mastodonStatus{id: id, Item: it})
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	sort.Slice(f.statuses, func(i, j int) bool { return f.statuses[i].id < f.statuses[j].id })
	return ids
}

func (f *Mastodon) domain() string {
	if f.Domain == "" {
		return "mastodon.example"
	}
	return f.Domain
}

// StatusURL returns the url a status of author with id has.
func (f *Mastodon) StatusURL(author, id string) string {
	return "https://" + f.domain() + "/@" + author + "/" + id
}

func (f *Mastodon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.serve(w, r, mastodonLimits, f.route)
}

func (f *Mastodon) authorized(r *http.Request) bool {
	return f.Token != "" && r.Header.Get("Authorization") == "Bearer "+f.Token
}

func (f *Mastodon) route(w http.ResponseWriter, r *http.Request) {
	if h := r.Header.Get("Authorization"); h != "" && !f.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "The access token is invalid"})
		return
	}
	switch {
	case r.URL.Path == "/api/v2/instance":
		f.instance(w)
	case strings.HasPrefix(r.URL.Path, "/api/v1/timelines/tag/"):
		f.tag(w, r, strings.ToLower(strings.TrimPrefix(r.URL.Path, "/api/v1/timelines/tag/")))
	case r.URL.Path == "/api/v2/search":
		f.search(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Record not found"})
	}
}

func (f *Mastodon) instance(w http.ResponseWriter) {
	d := f.domain()
	writeJSON(w, http.StatusOK, map[string]any{
		"domain": d, "title": "Fake Mastodon", "version": "4.4.1", "source_url": "https://github.com/mastodon/mastodon",
		"description": "A local fake.", "languages": []string{"en"},
		"configuration": map[string]any{
			"urls":     map[string]any{"streaming": "wss://" + d, "status": nil},
			"statuses": map[string]any{"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
			"timelines_access": map[string]any{
				"live_feeds":          map[string]string{"local": "public", "remote": "authenticated"},
				"hashtag_feeds":       map[string]string{"local": "public", "remote": "public"},
				"trending_link_feeds": map[string]string{"local": "public", "remote": "public"},
			},
		},
		"registrations": map[string]any{"enabled": false, "approval_required": false, "message": nil},
		"contact":       map[string]any{"email": "admin@" + d, "account": nil},
		"rules":         []any{},
	})
}

// page selects from statuses (ascending) by max_id, since_id and min_id
// and returns at most limit of them, newest first.
func page(statuses []mastodonStatus, v url.Values, limit int) []mastodonStatus {
	maxID, _ := strconv.ParseInt(v.Get("max_id"), 10, 64)
	sinceID, _ := strconv.ParseInt(v.Get("since_id"), 10, 64)
	minID, minSet := int64(0), v.Get("min_id") != ""
	if minSet {
		minID, _ = strconv.ParseInt(v.Get("min_id"), 10, 64)
	}
	var sel []mastodonStatus
	for _, s := range statuses {
		if maxID != 0 && s.id >= maxID || s.id <= sinceID || minSet && s.id <= minID {
			continue
		}
		sel = append(sel, s)
	}
	if minSet && len(sel) > limit {
		sel = sel[:limit] // min_id: the window immediately above it
	} else if len(sel) > limit {
		sel = sel[len(sel)-limit:]
	}
	out := make([]mastodonStatus, len(sel))
	for i, s := range sel {
		out[len(sel)-1-i] = s
	}
	return out
}

func limitParam(v url.Values, def, max int) int {
	if n, err := strconv.Atoi(v.Get("limit")); err == nil && n > 0 {
		return min(n, max)
	}
	return def
}

func (f *Mastodon) tag(w http.ResponseWriter, r *http.Request, tag string) {
	v := r.URL.Query()
	f.mu.Lock()
	var tagged []mastodonStatus
	for _, s := range f.statuses {
		for _, h := range hashtags(s.Text) {
			if h == tag {
				tagged = append(tagged, s)
				break
			}
		}
	}
	f.mu.Unlock()
	sel := page(tagged, v, limitParam(v, 20, 40))
	if len(sel) > 0 {
		base := "https://" + f.domain() + "/api/v1/timelines/tag/" + url.PathEscape(tag)
		w.Header().Set("Link", "<"+base+"?max_id="+strconv.FormatInt(sel[len(sel)-1].id, 10)+`>; rel="next", <`+
			base+"?min_id="+strconv.FormatInt(sel[0].id, 10)+`>; rel="prev"`)
	}
	writeJSON(w, http.StatusOK, f.render(sel))
}

func (f *Mastodon) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	if v.Get("type") != "" && v.Get("type") != "statuses" {
		writeJSON(w, http.StatusOK, map[string]any{"accounts": []any{}, "statuses": []any{}, "hashtags": []any{}})
		return
	}
	offset, _ := strconv.Atoi(v.Get("offset"))
	if (offset > 0 || v.Get("resolve") == "true") && !f.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Search queries pagination is not supported without authentication"})
		return
	}
	q := v.Get("q")
	f.mu.Lock()
	var hits []mastodonStatus
	for _, s := range f.statuses {
		if matchQuery(q, s.Text) {
			hits = append(hits, s)
		}
	}
	f.mu.Unlock()
	all := page(hits, v, len(hits)+1) // newest first
	limit := limitParam(v, 20, 40)
	if offset > len(all) {
		offset = len(all)
	}
	all = all[offset:]
	if len(all) > limit {
		all = all[:limit]
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": []any{}, "statuses": f.render(all), "hashtags": []any{}})
}

var tagRE = regexp.MustCompile(`#(\w+)`)

// contentHTML renders a post's text as Mastodon does: escaped, with each
// hashtag linked. Hashtags are found in the text before escaping, so the
// "#39" of an escaped apostrophe ("&#39;") is not taken for one.
func contentHTML(domain, text string) string {
	var b strings.Builder
	last := 0
	for _, m := range tagRE.FindAllStringSubmatchIndex(text, -1) {
		tag := text[m[2]:m[3]]
		b.WriteString(html.EscapeString(text[last:m[0]]))
		b.WriteString(`<a href="https://` + domain + `/tags/` + strings.ToLower(tag) + `" class="mention hashtag" rel="tag">#<span>` + html.EscapeString(tag) + `</span></a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(text[last:]))
	return b.String()
}

func (f *Mastodon) render(sel []mastodonStatus) []map[string]any {
	d := f.domain()
	out := make([]map[string]any, 0, len(sel))
	for _, s := range sel {
		id := strconv.FormatInt(s.id, 10)
		content := "<p>" + contentHTML(d, s.Text) + "</p>"
		tags := []map[string]string{}
		for _, h := range hashtags(s.Text) {
			tags = append(tags, map[string]string{"name": h, "url": "https://" + d + "/tags/" + h})
		}
		out = append(out, map[string]any{
			"id": id, "created_at": s.Created.UTC().Format("2006-01-02T15:04:05.000Z"), "in_reply_to_id": nil,
			"in_reply_to_account_id": nil, "sensitive": false, "spoiler_text": "", "visibility": "public", "language": "en",
			"uri": "https://" + d + "/users/" + s.Author + "/statuses/" + id, "url": f.StatusURL(s.Author, id),
			"replies_count": 1, "reblogs_count": 2, "favourites_count": 3, "edited_at": nil, "content": content, "reblog": nil,
			"account": map[string]any{
				"id": userID(s.Author), "username": s.Author, "acct": s.Author, "display_name": s.Author, "locked": false, "bot": false,
				"created_at": "2022-11-15T00:00:00.000Z", "url": "https://" + d + "/@" + s.Author,
				"followers_count": s.Followers, "following_count": 10, "statuses_count": 100,
			},
			"media_attachments": []any{}, "mentions": []any{}, "tags": tags, "emojis": []any{}, "card": nil, "poll": nil,
		})
	}
	return out
}
