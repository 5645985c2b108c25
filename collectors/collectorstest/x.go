package collectorstest

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// X fakes the X (Twitter) search APIs on one host:
//
//   - API v2 recent search, GET /2/tweets/search/recent: bearer auth, query,
//     since_id, until_id, start_time, end_time, max_results (10-100),
//     next_token paging, expansions=author_id with includes.users and their
//     public_metrics, meta.newest_id/oldest_id/result_count/next_token;
//   - API v1.1 standard search, GET /1.1/search/tweets.json (as
//     github.com/dghubble/go-twitter calls it): q, count, since_id, max_id,
//     tweet_mode=extended (full_text), search_metadata.next_results.
//
// Results are newest first. Tweet ids are snowflakes of the post's time, so
// a post published later has a larger id. Answers carry x-rate-limit-*
// headers.
type X struct {
	core
	// Token is the bearer token required; empty accepts any.
	Token string

	mu     sync.Mutex
	tweets []xTweet // ascending id
	seq    int64
}

type xTweet struct {
	id int64
	Item
}

// xEpoch is the snowflake epoch (2010-11-04T01:42:54.657Z).
const xEpoch = 1288834974657

// Add publishes items and returns their tweet ids. Item.Author is the
// username.
func (f *X) Add(items ...Item) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(items))
	for _, it := range items {
		if it.Created.IsZero() {
			it.Created = time.Now()
		}
		f.seq++
		id := (it.Created.UnixMilli()-xEpoch)<<22 | f.seq&0x3fffff
		f.tweets = append(f.tweets, xTweet{id: id, Item: it})
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	sort.Slice(f.tweets, func(i, j int) bool { return f.tweets[i].id < f.tweets[j].id })
	return ids
}

func (f *X) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lim := xLimits
	if strings.HasPrefix(r.URL.Path, "/1.1/") {
		lim = xV1Limits
	}
	f.serve(w, r, lim, f.route)
}

func (f *X) route(w http.ResponseWriter, r *http.Request) {
	if f.Token != "" && r.Header.Get("Authorization") != "Bearer "+f.Token {
		if strings.HasPrefix(r.URL.Path, "/1.1/") {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]any{{"code": 89, "message": "Invalid or expired token."}}})
			return
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
		return
	}
	switch r.URL.Path {
	case "/2/tweets/search/recent":
		f.searchV2(w, r)
	case "/1.1/search/tweets.json":
		f.searchV1(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []map[string]any{{"code": 34, "message": "Sorry, that page does not exist."}}})
	}
}

// newestFirst returns the tweets matching q with lo < id < hi, newest
// first.
func (f *X) newestFirst(q string, lo, hi int64, from, to time.Time) []xTweet {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []xTweet
	for i := len(f.tweets) - 1; i >= 0; i-- {
		t := f.tweets[i]
		if t.id <= lo || t.id >= hi || t.Created.Before(from) || !t.Created.Before(to) || !matchQuery(q, t.Text) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func xV2Error(w http.ResponseWriter, param, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"errors": []map[string]any{{"parameters": map[string]any{param: []string{}}, "message": msg}},
		"title":  "Invalid Request", "detail": "One or more parameters to your request was invalid.",
		"type": "https://api.twitter.com/2/problems/invalid-request",
	})
}

func (f *X) searchV2(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := v.Get("query")
	if q == "" {
		xV2Error(w, "query", "The `query` query parameter can not be empty")
		return
	}
	max := 10
	if s := v.Get("max_results"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 || n > 100 {
			xV2Error(w, "max_results", "The `max_results` query parameter value ["+s+"] is not between 10 and 100")
			return
		}
		max = n
	}
	lo, hi := int64(0), int64(1<<62)
	if s := v.Get("since_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			xV2Error(w, "since_id", "The `since_id` query parameter value ["+s+"] is not valid")
			return
		}
		lo = n
	}
	if s := v.Get("until_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			xV2Error(w, "until_id", "The `until_id` query parameter value ["+s+"] is not valid")
			return
		}
		hi = n
	}
	from, to := time.Time{}, time.Now().Add(time.Hour)
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"start_time", &from}, {"end_time", &to}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				xV2Error(w, p.name, "Invalid '"+p.name+"':'"+s+"'. '"+p.name+"' must be a valid RFC 3339 date.")
				return
			}
			*p.t = t
		}
	}
	if tok := v.Get("next_token"); tok != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(tok, "b26v89c19zqg8o3f"), 36, 64)
		if err != nil || !strings.HasPrefix(tok, "b26v89c19zqg8o3f") {
			xV2Error(w, "next_token", "The `next_token` query parameter value ["+tok+"] is not valid")
			return
		}
		hi = min(hi, n)
	}
	hits := f.newestFirst(q, lo, hi, from, to)
	meta := map[string]any{"result_count": 0}
	body := map[string]any{"meta": meta}
	if len(hits) > 0 {
		more := len(hits) > max
		if more {
			hits = hits[:max]
		}
		data := make([]map[string]any, 0, len(hits))
		users := []map[string]any{}
		seen := map[string]bool{}
		for _, t := range hits {
			uid := userID(t.Author)
			id := strconv.FormatInt(t.id, 10)
			data = append(data, map[string]any{
				"id": id, "text": t.Text, "author_id": uid, "created_at": t.Created.UTC().Format("2006-01-02T15:04:05.000Z"),
				"lang": "en", "edit_history_tweet_ids": []string{id},
				"public_metrics": map[string]int{"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 0, "bookmark_count": 0, "impression_count": 100},
			})
			if !seen[uid] {
				seen[uid] = true
				users = append(users, map[string]any{"id": uid, "name": t.Author, "username": t.Author,
					"public_metrics": map[string]int64{"followers_count": t.Followers, "following_count": 10, "tweet_count": 100, "listed_count": 0, "like_count": 5}})
			}
		}
		body["data"] = data
		body["includes"] = map[string]any{"users": users}
		meta["newest_id"] = strconv.FormatInt(hits[0].id, 10)
		meta["oldest_id"] = strconv.FormatInt(hits[len(hits)-1].id, 10)
		meta["result_count"] = len(hits)
		if more {
			meta["next_token"] = "b26v89c19zqg8o3f" + strconv.FormatInt(hits[len(hits)-1].id, 36)
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func (f *X) searchV1(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := v.Get("q")
	if q == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]any{{"code": 25, "message": "Query parameters are missing."}}})
		return
	}
	count := 15
	if n, err := strconv.Atoi(v.Get("count")); err == nil && n > 0 {
		count = min(n, 100)
	}
	lo, hi := int64(0), int64(1<<62)
	if n, err := strconv.ParseInt(v.Get("since_id"), 10, 64); err == nil {
		lo = n
	}
	if n, err := strconv.ParseInt(v.Get("max_id"), 10, 64); err == nil {
		hi = n + 1 // max_id is inclusive
	}
	hits := f.newestFirst(q, lo, hi, time.Time{}, time.Now().Add(time.Hour))
	more := len(hits) > count
	if more {
		hits = hits[:count]
	}
	extended := v.Get("tweet_mode") == "extended"
	statuses := make([]map[string]any, 0, len(hits))
	for _, t := range hits {
		uid := userID(t.Author)
		uidN, _ := strconv.ParseInt(uid, 10, 64)
		s := map[string]any{
			"created_at": t.Created.UTC().Format(time.RubyDate), "id": t.id, "id_str": strconv.FormatInt(t.id, 10),
			"truncated": false, "entities": map[string]any{"hashtags": []any{}, "symbols": []any{}, "user_mentions": []any{}, "urls": []any{}},
			"metadata": map[string]any{"iso_language_code": "en", "result_type": "recent"},
			"user": map[string]any{"id": uidN, "id_str": uid, "name": t.Author, "screen_name": t.Author, "followers_count": t.Followers,
				"friends_count": 10, "statuses_count": 100, "created_at": "Tue Jan 05 10:00:00 +0000 2010"},
			"is_quote_status": false, "retweet_count": 1, "favorite_count": 3, "favorited": false, "retweeted": false, "lang": "en",
		}
		if extended {
			s["full_text"] = t.Text
			s["display_text_range"] = []int{0, len([]rune(t.Text))}
		} else {
			text := []rune(t.Text)
			if len(text) > 140 {
				s["text"], s["truncated"] = string(text[:139])+"…", true
			} else {
				s["text"] = t.Text
			}
		}
		statuses = append(statuses, s)
	}
	meta := map[string]any{"completed_in": 0.012, "count": count, "query": url.QueryEscape(q),
		"since_id": lo, "since_id_str": strconv.FormatInt(lo, 10), "max_id": 0, "max_id_str": "0",
		"refresh_url": "?since_id=0&q=" + url.QueryEscape(q) + "&result_type=recent&include_entities=1"}
	if len(hits) > 0 {
		meta["max_id"], meta["max_id_str"] = hits[0].id, strconv.FormatInt(hits[0].id, 10)
		meta["refresh_url"] = "?since_id=" + strconv.FormatInt(hits[0].id, 10) + "&q=" + url.QueryEscape(q) + "&result_type=recent&include_entities=1"
	}
	if more {
		meta["next_results"] = "?max_id=" + strconv.FormatInt(hits[len(hits)-1].id-1, 10) + "&q=" + url.QueryEscape(q) +
			"&count=" + strconv.Itoa(count) + "&include_entities=1&result_type=recent"
	}
	writeJSON(w, http.StatusOK, map[string]any{"statuses": statuses, "search_metadata": meta})
}

// userID derives a stable numeric account id from a name.
func userID(name string) string {
	h := fnv.New64a()
	h.Write([]byte(name))
	return strconv.FormatUint(h.Sum64()>>20, 10)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
