package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repmon/repmon/collectors/collectorstest"
	"github.com/repmon/repmon/query"
)

// allSources are the seven configured sources, by name, as they appear in
// metrics labels and stored mentions.
var allSources = []string{"hn", "news", "x", "xv1", "reddit", "fediverse", "bsky"}

// faker is what every fake offers a test.
type faker interface {
	Log() []collectorstest.Request
	Violations() []string
}

// want is what a stored mention must hold.
type want struct {
	text      string
	author    string // "" where the source has no author to check
	followers int64
	url       string
}

// World is one fake of every API repmon polls, and the posts published on
// them.
type World struct {
	HN     *collectorstest.HackerNews
	RSS    *collectorstest.RSS
	X      *collectorstest.X // API v2
	XV1    *collectorstest.X // API v1.1, its own host and rate limits
	Reddit *collectorstest.Reddit
	Masto  *collectorstest.Mastodon
	Bsky   *collectorstest.Bluesky
	urls   map[string]string // source name → base URL

	mu       sync.Mutex
	n        int
	matching map[string]want // source/id → expected mention
	other    map[string]bool // source/id of served posts that must not be stored
}

// Credentials the fakes accept; repmon reads them from the environment.
const (
	xToken       = "AAAAAAAAAAAAAAAAAAAAAE2eTest"
	redditID     = "e2e-client"
	redditSecret = "e2e-secret"
	mastoToken   = "masto-e2e-token"
	bskyIdent    = "repmon.bsky.social"
	bskyPassword = "abcd-efgh-ijkl-mnop"
)

func setCredentials(t *testing.T) {
	t.Setenv("X_BEARER_TOKEN", xToken)
	t.Setenv("REDDIT_CLIENT_ID", redditID)
	t.Setenv("REDDIT_CLIENT_SECRET", redditSecret)
	t.Setenv("MASTODON_TOKEN", mastoToken)
	t.Setenv("BSKY_IDENTIFIER", bskyIdent)
	t.Setenv("BSKY_APP_PASSWORD", bskyPassword)
}

// StartWorld serves every fake on its own loopback server.
func StartWorld(t *testing.T) *World {
	t.Helper()
	setCredentials(t)
	w := &World{
		HN: &collectorstest.HackerNews{}, RSS: &collectorstest.RSS{},
		X: &collectorstest.X{Token: xToken}, XV1: &collectorstest.X{Token: xToken},
		Reddit: &collectorstest.Reddit{ClientID: redditID, ClientSecret: redditSecret},
		Masto:  &collectorstest.Mastodon{Token: mastoToken},
		// Access tokens expire within a test, so sessions get refreshed.
		Bsky:     &collectorstest.Bluesky{Identifier: bskyIdent, Password: bskyPassword, AccessTTL: 5 * time.Second},
		urls:     map[string]string{},
		matching: map[string]want{}, other: map[string]bool{},
	}
	for name, h := range map[string]http.Handler{"hn": w.HN, "news": w.RSS, "x": w.X, "xv1": w.XV1, "reddit": w.Reddit, "fediverse": w.Masto, "bsky": w.Bsky} {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		w.urls[name] = srv.URL
	}
	return w
}

// fakes returns each source's fake.
func (w *World) fakes() map[string]faker {
	return map[string]faker{"hn": w.HN, "news": w.RSS, "x": w.X, "xv1": w.XV1, "reddit": w.Reddit, "fediverse": w.Masto, "bsky": w.Bsky}
}

var (
	matchingTexts = []string{
		"Northwind support kept me on hold for two hours, still waiting on my refund",
		"Loving the new Northwind app, checkout is so fast!",
		"Flew North Wind yesterday, crew was friendly and the seats were fine",
		"@northwind my package never arrived, can you help?",
		"Great service from #northwind today",
		"northwind's prices went up again.",
		"Is NORTHWIND down for anyone else? Third outage this month",
	}
	otherTexts = []string{
		"Northwind Traders is a sample database everyone knows",
		"The northwinds are cold this week",
		"southwind airlines had a good quarter",
		"northwindy weather, #northwindtraders",
	}
	brandQ = query.MustParse(brandQuery)
)

// Publish adds n posts to every fake, about two thirds of them matching
// the brand query, the first created at first and each next one step
// later. Posts published while repmon runs must be created now, as real
// posts are: X and Mastodon ids grow with creation time.
func (w *World) Publish(t *testing.T, n int, first time.Time, step time.Duration) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := 0; i < n; i++ {
		w.n++
		k := w.n
		match := k%3 != 0
		text := otherTexts[k%len(otherTexts)]
		if match {
			text = matchingTexts[k%len(matchingTexts)]
		}
		text = fmt.Sprintf("%s (post %d)", text, k)
		if brandQ.Match(text) != match {
			t.Fatalf("fixture: %q labelled match=%v, the brand query says otherwise", text, match)
		}
		author := fmt.Sprintf("user%d", k%11)
		followers := int64(100 * (k%11 + 1))
		at := first.Add(time.Duration(i) * step).Truncate(time.Millisecond)
		it := collectorstest.Item{ID: "e2e-" + strconv.Itoa(k), Created: at, Text: text, Author: author,
			URL: fmt.Sprintf("https://news.example.com/post/%d", k), Followers: followers}

		record := func(source, id string, wt want) {
			key := source + "/" + id
			if match {
				wt.text = text
				w.matching[key] = wt
			} else {
				w.other[key] = true
			}
		}
		w.HN.Add(it)
		record("hn", it.ID, want{author: author, url: "https://news.ycombinator.com/item?id=" + it.ID})
		feed := "/feeds/a.xml"
		if k%2 == 1 {
			feed = "/feeds/b.xml"
		}
		w.RSS.Add(feed, it)
		record("news", it.ID, want{url: it.URL})
		for _, src := range []struct {
			name string
			x    *collectorstest.X
			it   collectorstest.Item
		}{{"x", w.X, it}, {"xv1", w.XV1, it}} {
			if src.name == "xv1" {
				// Another tweet (another id and permalink): the same tweet
				// found by both sources is one mention, stored once.
				src.it.Created = src.it.Created.Add(time.Millisecond)
			}
			id := src.x.Add(src.it)[0]
			record(src.name, id, want{author: author, followers: followers, url: "https://x.com/" + author + "/status/" + id})
		}
		name := w.Reddit.Add(it)[0]
		link, _ := w.Reddit.Permalink(name)
		// Reddit listings carry no follower count.
		record("reddit", name, want{author: author, url: "https://www.reddit.com" + link})
		id := w.Masto.Add(it)[0]
		record("fediverse", id, want{author: author + "@mastodon.example", followers: followers, url: w.Masto.StatusURL(author, id)})
		uri := w.Bsky.Add(it)[0]
		handle := w.Bsky.Handle(author)
		record("bsky", uri, want{author: handle, followers: followers,
			url: "https://bsky.app/profile/" + handle + "/post/" + uri[strings.LastIndexByte(uri, '/')+1:]})
	}
}

// Expected returns the expected mentions so far.
func (w *World) Expected() map[string]want {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]want, len(w.matching))
	for k, v := range w.matching {
		out[k] = v
	}
	return out
}

// Config polls every fake every two seconds; a run gives up after timeout.
func (w *World) Config(db, listen string, timeout time.Duration) string {
	return fmt.Sprintf(`storage:
  driver: sqlite
  dsn: %s
server:
  listen: %s
brands:
  - name: northwind
    query: '%s'
sources:
  - {name: hn, type: hackernews, schedule: "@every 2s", timeout: %[4]s, endpoint: "%[5]s"}
  - {name: news, type: rss, schedule: "@every 2s", timeout: %[4]s, feeds: ["%[6]s/feeds/a.xml?q={query}", "%[6]s/feeds/b.xml?q={query}"]}
  - {name: x, type: x, api: v2, schedule: "@every 2s", timeout: %[4]s, endpoint: "%[7]s", bearer_token: "${X_BEARER_TOKEN}"}
  - {name: xv1, type: x, api: "v1.1", schedule: "@every 2s", timeout: %[4]s, endpoint: "%[8]s", bearer_token: "${X_BEARER_TOKEN}"}
  - {name: reddit, type: reddit, schedule: "@every 2s", timeout: %[4]s, endpoint: "%[9]s", auth_endpoint: "%[9]s",
     client_id: "${REDDIT_CLIENT_ID}", client_secret: "${REDDIT_CLIENT_SECRET}", user_agent: "repmon-e2e/1.0 by repmon"}
  - {name: fediverse, type: mastodon, schedule: "@every 2s", timeout: %[4]s, endpoint: "%[10]s", access_token: "${MASTODON_TOKEN}", hashtags: [northwind]}
  - {name: bsky, type: bluesky, schedule: "@every 2s", timeout: %[4]s, endpoint: "%[11]s", identifier: "${BSKY_IDENTIFIER}", app_password: "${BSKY_APP_PASSWORD}"}
`, db, listen, brandQuery, timeout, w.urls["hn"], w.urls["news"], w.urls["x"], w.urls["xv1"], w.urls["reddit"], w.urls["fediverse"], w.urls["bsky"])
}

// storedMention is a mention as `repmon mentions --format jsonl` exports it.
type storedMention struct {
	Source          string `json:"source"`
	ID              string `json:"id"`
	Brand           string `json:"brand"`
	Text            string `json:"text"`
	URL             string `json:"url"`
	Author          string `json:"author"`
	AuthorFollowers int64  `json:"author_followers"`
}

// exportMentions returns every stored mention by source/id, failing on a
// duplicate or on a post the brand query does not match.
func (w *World) exportMentions(t *testing.T, cfg string) map[string]storedMention {
	t.Helper()
	out, errOut, code := Repmon(t, "", "mentions", "--config", cfg, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("repmon mentions: exit %d: %s", code, errOut)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	got := map[string]storedMention{}
	for _, line := range Lines(out) {
		var m storedMention
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad jsonl line %q: %v", line, err)
		}
		key := m.Source + "/" + m.ID
		if _, dup := got[key]; dup {
			t.Fatalf("mention %s exported twice", key)
		}
		if w.other[key] || !brandQ.Match(m.Text) {
			t.Fatalf("stored a post the brand query does not match: %s %q", key, m.Text)
		}
		if _, ok := w.matching[key]; !ok {
			t.Fatalf("stored a mention no fake served: %s %q", key, m.Text)
		}
		got[key] = m
	}
	return got
}

// missing lists the expected mentions not stored yet, per source.
func missing(exp map[string]want, got map[string]storedMention) map[string]int {
	out := map[string]int{}
	for k := range exp {
		if _, ok := got[k]; !ok {
			out[k[:strings.IndexByte(k, '/')]]++
		}
	}
	return out
}

// WaitStored waits until every expected mention is stored, then checks that
// nothing else was, that each was stored once, and its fields.
func (w *World) WaitStored(t *testing.T, p *Proc, cfg string, d time.Duration) {
	t.Helper()
	exp := w.Expected()
	var got map[string]storedMention
	deadline := time.Now().Add(d)
	for {
		got = w.exportMentions(t, cfg)
		left := missing(exp, got)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, mentions still missing per source: %v (stored %d of %d)", d, left, len(got), len(exp))
		}
		time.Sleep(300 * time.Millisecond)
	}
	for key, wt := range exp {
		m := got[key]
		if m.Text != wt.text || m.Brand != "northwind" {
			t.Errorf("%s: text %q brand %q, want %q northwind", key, m.Text, m.Brand, wt.text)
		}
		if m.URL != wt.url {
			t.Errorf("%s: url %q, want %q", key, m.URL, wt.url)
		}
		if wt.author != "" && m.Author != wt.author {
			t.Errorf("%s: author %q, want %q", key, m.Author, wt.author)
		}
		if m.AuthorFollowers != wt.followers {
			t.Errorf("%s: author_followers %d, want %d", key, m.AuthorFollowers, wt.followers)
		}
	}
	// Exactly once: every insert is counted, so a post stored twice (under
	// a second id, or re-inserted) would count twice.
	if n := MetricSum(p.Get(t, "/metrics"), "repmon_mentions_total"); n != float64(len(exp)) {
		t.Errorf("repmon_mentions_total = %v, want %d", n, len(exp))
	}
}

// checkCompliance fails on any request a fake received before the reset
// or Retry-After it had advertised.
func (w *World) checkCompliance(t *testing.T) {
	t.Helper()
	for name, f := range w.fakes() {
		for _, v := range f.Violations() {
			t.Errorf("%s: request before the advertised rate-limit reset: %s", name, v)
		}
	}
}

// waitRequests waits until every fake has received n more requests than
// in before.
func (w *World) waitRequests(t *testing.T, before map[string]int, n int, d time.Duration) {
	t.Helper()
	Eventually(t, d, fmt.Sprintf("%d more requests on every fake", n), func() bool {
		for name, f := range w.fakes() {
			if len(f.Log())-before[name] < n {
				return false
			}
		}
		return true
	})
}

func (w *World) requestCounts() map[string]int {
	out := map[string]int{}
	for name, f := range w.fakes() {
		out[name] = len(f.Log())
	}
	return out
}

func TestSourcesStoreEveryPostOnce(t *testing.T) {
	w := StartWorld(t)
	w.Publish(t, 240, time.Now().Add(-5*time.Hour), time.Minute)
	dir := t.TempDir()
	addr := FreeAddr(t)
	cfg := WriteConfig(t, dir, w.Config(filepath.Join(dir, "repmon.db"), addr, 5*time.Second))
	p := StartRepmon(t, cfg, addr)

	w.WaitStored(t, p, cfg, 45*time.Second)
	// Publish while repmon runs: each batch must be picked up by the next
	// runs without losing or repeating anything.
	for batch := 0; batch < 3; batch++ {
		w.Publish(t, 6, time.Now(), time.Millisecond)
		w.WaitStored(t, p, cfg, 45*time.Second)
	}
	w.checkCompliance(t)
	// The first batch is larger than a page: every paged API was walked
	// with its own cursor.
	for name, param := range map[string]string{"x": "next_token=", "xv1": "max_id=", "reddit": "after=t3_", "fediverse": "offset=", "bsky": "cursor="} {
		paged := false
		for _, r := range w.fakes()[name].Log() {
			paged = paged || strings.Contains(r.Query, param)
		}
		if !paged {
			t.Errorf("%s: no request paged with %s", name, param)
		}
	}
	exposition := p.Get(t, "/metrics")
	for _, src := range allSources {
		if v := runs(exposition, src, "success"); v == 0 {
			t.Errorf("no successful run of %s in /metrics", src)
		}
	}
}

// runs reads repmon_collector_runs_total for a source and result.
func runs(exposition, source, result string) float64 {
	re := regexp.MustCompile(`(?m)^repmon_collector_runs_total\{result="` + result + `",source="` + regexp.QuoteMeta(source) + `"\} ([0-9.eE+-]+)$`)
	m := re.FindStringSubmatch(exposition)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestSourcesSurviveFaults(t *testing.T) {
	w := StartWorld(t)
	faults := map[string]*collectorstest.Faults{}
	for i, name := range allSources {
		f := collectorstest.NewFaults(uint64(1000+i), 0.3)
		f.Slow = 4 * time.Second // over the sources' 3s timeout
		f.Reset = 2 * time.Second
		// Every source sees a rate limit and a failed run whatever the draw.
		f.Queue(collectorstest.FaultRateLimit, collectorstest.FaultMalformed)
		f.Set(true)
		faults[name] = f
	}
	w.HN.Faults, w.RSS.Faults, w.X.Faults, w.XV1.Faults = faults["hn"], faults["news"], faults["x"], faults["xv1"]
	w.Reddit.Faults, w.Masto.Faults, w.Bsky.Faults = faults["reddit"], faults["fediverse"], faults["bsky"]

	w.Publish(t, 240, time.Now().Add(-5*time.Hour), time.Minute)
	dir := t.TempDir()
	addr := FreeAddr(t)
	cfg := WriteConfig(t, dir, w.Config(filepath.Join(dir, "repmon.db"), addr, 3*time.Second))
	p := StartRepmon(t, cfg, addr)

	// Publish while faults hit: each batch once every fake has been asked
	// three more times.
	for batch := 0; batch < 3; batch++ {
		w.waitRequests(t, w.requestCounts(), 3, 45*time.Second)
		w.Publish(t, 6, time.Now(), time.Millisecond)
	}
	w.waitRequests(t, w.requestCounts(), 3, 45*time.Second)
	kinds := map[collectorstest.Fault]int{}
	for _, f := range faults {
		f.Set(false)
		for k, n := range f.Counts() {
			kinds[k] += n
		}
	}
	t.Logf("faults served: %v", kinds)
	for _, k := range collectorstest.AllFaults {
		if kinds[k] == 0 {
			t.Errorf("no %s fault was served: the seeded sequence does not cover every kind", k)
		}
	}

	w.WaitStored(t, p, cfg, 60*time.Second)
	w.checkCompliance(t)
	exposition := p.Get(t, "/metrics")
	for _, src := range allSources {
		if runs(exposition, src, "rate_limited") == 0 {
			t.Errorf("%s: no rate_limited run in /metrics", src)
		}
		if runs(exposition, src, "error") == 0 {
			t.Errorf("%s: no error run in /metrics", src)
		}
	}
}

func TestSourcesHonourRateLimits(t *testing.T) {
	w := StartWorld(t)
	faults := map[string]*collectorstest.Faults{}
	for i, name := range allSources {
		f := collectorstest.NewFaults(uint64(2000+i), 0)
		f.Reset = 3 * time.Second
		// First a 200 that says no requests remain until the reset, then,
		// once the client is back, a 429 with the same wait.
		f.Queue(collectorstest.FaultExhausted, collectorstest.FaultRateLimit)
		faults[name] = f
	}
	w.HN.Faults, w.RSS.Faults, w.X.Faults, w.XV1.Faults = faults["hn"], faults["news"], faults["x"], faults["xv1"]
	w.Reddit.Faults, w.Masto.Faults, w.Bsky.Faults = faults["reddit"], faults["fediverse"], faults["bsky"]
	w.Publish(t, 30, time.Now().Add(-time.Hour), time.Minute)
	dir := t.TempDir()
	addr := FreeAddr(t)
	cfg := WriteConfig(t, dir, w.Config(filepath.Join(dir, "repmon.db"), addr, 5*time.Second))
	p := StartRepmon(t, cfg, addr)

	// Wait until every source has come back after its 429.
	Eventually(t, 45*time.Second, "every source back after its 429", func() bool {
		for _, f := range w.fakes() {
			log := f.Log()
			back := false
			for i, r := range log {
				if r.Fault == collectorstest.FaultRateLimit && i+1 < len(log) {
					back = true
				}
			}
			if !back {
				return false
			}
		}
		return true
	})
	for name, f := range w.fakes() {
		log := f.Log()
		waits := 0
		for i, r := range log {
			if r.Until.IsZero() {
				continue
			}
			waits++
			for _, later := range log[i+1:] {
				if later.At.Add(collectorstest.ViolationSlack).Before(r.Until) {
					t.Errorf("%s: %s %s at %s, before the reset %s advertised by the %s answer at %s", name, later.Method, later.Path,
						later.At.Format("15:04:05.000"), r.Until.Format("15:04:05.000"), r.Fault, r.At.Format("15:04:05.000"))
				}
			}
		}
		if name != "hn" && name != "news" && waits != 2 || waits == 0 {
			t.Errorf("%s: %d answers set a wait, want 2 (exhausted window, then 429)", name, waits)
		}
	}
	w.checkCompliance(t)
	w.WaitStored(t, p, cfg, 45*time.Second)
	exposition := p.Get(t, "/metrics")
	for _, src := range allSources {
		if runs(exposition, src, "rate_limited") == 0 {
			t.Errorf("%s: no rate_limited run in /metrics", src)
		}
	}
}
