package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/store"
	"github.com/repmon/repmon/store/storetest"
)

func newServer(t *testing.T, token string) (*httptest.Server, *store.SQLite) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "api.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var ms []repmon.Mention
	for i, c := range []float64{-0.8, 0.6, 0, -0.3} {
		ms = append(ms, storetest.Mention("acme", "hn", string(rune('a'+i)), c))
	}
	if _, err := st.Save(context.Background(), store.Batch{Source: "hn", Brand: "acme", Mentions: ms}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Options{Store: st, Registry: prometheus.NewRegistry(), Token: token,
		Now: func() time.Time { return time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) }}))
	t.Cleanup(srv.Close)
	return srv, st
}

func get(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

func TestMentions(t *testing.T) {
	srv, _ := newServer(t, "")
	for _, tc := range []struct {
		name, query string
		code, n     int
	}{
		{"all", "", 200, 4},
		{"negative", "?sentiment=negative", 200, 2},
		{"brand miss", "?brand=other", 200, 0},
		{"since duration", "?since=30d", 200, 4},
		{"since rfc3339", "?since=2026-11-01T13:00:00Z", 200, 0},
		{"bad since", "?since=yesterday", 400, 0},
		{"bad sentiment", "?sentiment=angry", 400, 0},
		{"bad limit", "?limit=0", 400, 0},
		{"bad cursor", "?cursor=bm9wZQ", 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/api/v1/mentions"+tc.query, "")
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, body)
			}
			if tc.code != 200 {
				return
			}
			var r struct {
				Mentions   []map[string]any `json:"mentions"`
				NextCursor *string          `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(body), &r); err != nil || r.NextCursor == nil {
				t.Fatalf("bad body %s: %v", body, err)
			}
			if len(r.Mentions) != tc.n {
				t.Fatalf("%d mentions, want %d", len(r.Mentions), tc.n)
			}
			for _, m := range r.Mentions {
				for _, k := range []string{"source", "source_type", "id", "brand", "text", "url", "author", "author_followers", "lang",
					"created_at", "collected_at", "likes", "reposts", "replies", "sentiment"} {
					if _, ok := m[k]; !ok {
						t.Fatalf("mention lacks %q: %v", k, m)
					}
				}
			}
		})
	}
}

func TestPaging(t *testing.T) {
	srv, _ := newServer(t, "")
	seen := map[string]bool{}
	cursor := ""
	for {
		_, body := get(t, srv.URL+"/api/v1/mentions?limit=3&cursor="+cursor, "")
		var r struct {
			Mentions   []repmon.Mention `json:"mentions"`
			NextCursor string           `json:"next_cursor"`
		}
		json.Unmarshal([]byte(body), &r)
		for _, m := range r.Mentions {
			seen[m.ID] = true
		}
		if r.NextCursor == "" {
			break
		}
		cursor = r.NextCursor
	}
	if len(seen) != 4 {
		t.Fatalf("paged through %d, want 4", len(seen))
	}
}

func TestTokenGuardsAPIButNotMetrics(t *testing.T) {
	srv, _ := newServer(t, "s3cret")
	if resp, _ := get(t, srv.URL+"/api/v1/mentions", ""); resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/api/v1/mentions", "wrong"); resp.StatusCode != 401 {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/api/v1/mentions", "s3cret"); resp.StatusCode != 200 {
		t.Fatalf("right token: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/", ""); resp.StatusCode != 401 {
		t.Fatalf("UI without token: %d", resp.StatusCode)
	}
	for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
		if resp, _ := get(t, srv.URL+p, ""); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
}

// TestUIInBrowser: a browser cannot send a bearer token, so the UI asks for
// basic authentication, with the token as the password.
func TestUIInBrowser(t *testing.T) {
	srv, _ := newServer(t, "s3cret")
	resp, _ := get(t, srv.URL+"/", "")
	if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic ") {
		t.Errorf("UI asks for %q, want basic authentication", got)
	}
	for pw, want := range map[string]int{"s3cret": 200, "wrong": 401} {
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.SetBasicAuth("anyone", pw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("basic auth with password %q: %d, want %d", pw, resp.StatusCode, want)
		}
	}
	if resp, _ := get(t, srv.URL+"/api/v1/mentions", ""); !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("the API asks for %q, want a bearer token", resp.Header.Get("WWW-Authenticate"))
	}
}

func TestUI(t *testing.T) {
	srv, _ := newServer(t, "")
	resp, body := get(t, srv.URL+"/?sentiment=negative", "")
	if resp.StatusCode != 200 || !strings.Contains(body, "text a") || strings.Contains(body, "text b") {
		t.Fatalf("UI: %d %s", resp.StatusCode, body)
	}
}

// TestUIWhy: with a summarizer, the UI says why each mention got its score
// (where there is something to say), escaped like the rest of the page.
func TestUIWhy(t *testing.T) {
	_, st := newServer(t, "")
	summarize := func(m repmon.Mention) string {
		if m.ID == "c" {
			return "" // nothing moved it
		}
		return `"<b>" -1.2 for ` + m.ID
	}
	srv := httptest.NewServer(New(Options{Store: st, Registry: prometheus.NewRegistry(), Summarize: summarize}))
	defer srv.Close()
	_, body := get(t, srv.URL+"/", "")
	for _, want := range []string{`why: &#34;&lt;b&gt;&#34; -1.2 for a</div>`, "for b</div>", "for d</div>"} {
		if !strings.Contains(body, want) {
			t.Errorf("UI lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "why: </div>") {
		t.Error("UI shows an empty reason")
	}
	_, body = get(t, srv.URL+"/?since=yesterday", "")
	if !strings.Contains(body, "check the filters") || strings.Contains(body, "No mentions yet") {
		t.Errorf("UI with a bad filter:\n%s", body)
	}
}
