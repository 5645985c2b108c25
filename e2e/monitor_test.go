package e2e

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type exported struct {
	Source    string `json:"source"`
	ID        string `json:"id"`
	Brand     string `json:"brand"`
	Text      string `json:"text"`
	Sentiment struct {
		Label string `json:"label"`
	} `json:"sentiment"`
}

// storedIDs exports every stored mention through `repmon mentions` and
// returns source/id keys, failing on a duplicate or a non-matching post.
func storedIDs(t *testing.T, cfg string, f *Fakes) map[string]bool {
	t.Helper()
	out, errOut, code := Repmon(t, "", "mentions", "--config", cfg)
	if code != 0 {
		t.Fatalf("repmon mentions: exit %d: %s", code, errOut)
	}
	got := map[string]bool{}
	for _, line := range Lines(out) {
		var m exported
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad jsonl line %q: %v", line, err)
		}
		key := m.Source + "/" + m.ID
		if got[key] {
			t.Fatalf("mention %s exported twice", key)
		}
		if !f.Matching[key] {
			t.Fatalf("stored a post that does not match the brand query: %s %q", key, m.Text)
		}
		if m.Sentiment.Label == "" || m.Brand != "northwind" {
			t.Fatalf("mention %s without sentiment or brand: %+v", key, m)
		}
		got[key] = true
	}
	return got
}

func TestMonitorStoresExactlyTheMatchingPosts(t *testing.T) {
	f := StartFakes(t, time.Now())
	dir := t.TempDir()
	addr := FreeAddr(t)
	cfg := WriteConfig(t, dir, f.Config(filepath.Join(dir, "repmon.db"), addr, ""))
	p := StartRepmon(t, cfg, addr)

	var exposition string
	Eventually(t, 60*time.Second, "130 mentions counted in /metrics", func() bool {
		exposition = p.Get(t, "/metrics")
		return MetricSum(exposition, "repmon_mentions_total") >= 130
	})
	if got := MetricSum(exposition, "repmon_mentions_total"); got != 130 {
		t.Fatalf("repmon_mentions_total sums to %v, want 130", got)
	}
	for _, want := range []string{
		`repmon_collector_runs_total{result="success",source="hn"}`,
		`repmon_mention_sentiment_count{brand="northwind",source="news"}`,
		`repmon_reputation_score{brand="northwind",window="24h"}`,
		`repmon_build_info{`,
	} {
		if !strings.Contains(exposition, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The API pages through the same 130.
	seen := 0
	cursor := ""
	for {
		var page struct {
			Mentions   []exported `json:"mentions"`
			NextCursor string     `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(p.Get(t, "/api/v1/mentions?brand=northwind&limit=50&cursor="+cursor)), &page); err != nil {
			t.Fatal(err)
		}
		seen += len(page.Mentions)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if seen != 130 {
		t.Errorf("API paged through %d mentions, want 130", seen)
	}
	if resp, err := http.Get("http://" + addr + "/api/v1/mentions?since=yesterday"); err != nil || resp.StatusCode != 400 {
		t.Errorf("bad since: %v %v, want 400", resp.StatusCode, err)
	}

	if code := p.Stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0\n%s", code, p.Logs())
	}
	if got := storedIDs(t, cfg, f); len(got) != 130 {
		t.Fatalf("%d mentions exported, want 130", len(got))
	}
	out, _, code := Repmon(t, "", "mentions", "--config", cfg, "--format", "csv", "--source", "news")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 51 {
		t.Fatalf("csv export of news: exit %d, %v, %d rows; want header + 50", code, err, len(rows))
	}
}

func TestMonitorSurvivesSIGKILL(t *testing.T) {
	f := StartFakes(t, time.Now())
	f.HN.Delay = 400 * time.Millisecond // a run spans seconds: room to kill it mid-way
	f.RSS.Delay = 400 * time.Millisecond
	dir := t.TempDir()
	addr := FreeAddr(t)
	cfg := WriteConfig(t, dir, f.Config(filepath.Join(dir, "repmon.db"), addr, ""))
	p := StartRepmon(t, cfg, addr)
	var partial float64
	Eventually(t, 60*time.Second, "some mentions stored", func() bool {
		partial = MetricSum(p.Get(t, "/metrics"), "repmon_mentions_total")
		return partial > 0
	})
	p.Stop(t, syscall.SIGKILL)
	if partial >= 130 {
		t.Logf("run finished before the kill (%v stored); the restart still must not duplicate", partial)
	}

	f.HN.Delay, f.RSS.Delay = 0, 0
	p = StartRepmon(t, cfg, addr)
	Eventually(t, 60*time.Second, "all 130 mentions after restart", func() bool {
		var page struct {
			Mentions []exported `json:"mentions"`
		}
		json.Unmarshal([]byte(p.Get(t, "/api/v1/mentions?limit=1000")), &page)
		return len(page.Mentions) >= 130
	})
	if code := p.Stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code = %d", code)
	}
	if got := storedIDs(t, cfg, f); len(got) != 130 {
		t.Fatalf("%d mentions after SIGKILL and restart, want exactly 130", len(got))
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body, want string
	}{
		{"unknown key", "brands: [{name: a, query: a}]\nbogus: 1\n", "bogus: unknown field"},
		{"bad cron", "brands: [{name: a, query: a}]\nsources:\n  - {name: a, type: hackernews}\n  - {name: b, type: hackernews}\n  - {name: c, type: hackernews, schedule: \"*/61 * * * *\"}\n", `sources[2].schedule: invalid cron expression "*/61 * * * *"`},
		{"unknown source type", "brands: [{name: a, query: a}]\nsources: [{name: a, type: myspace}]\n", `sources[0].type: unknown source type "myspace"`},
		{"no brands", "sources: [{name: a, type: hackernews}]\n", "brands: at least one brand is required"},
		{"invalid brand name", "brands: [{name: North Wind, query: a}]\n", `brands[0].name: invalid brand name "North Wind"`},
		{"unbalanced query", "brands: [{name: a, query: '(a OR b'}]\n", "brands[0].query: position 0: unbalanced parenthesis"},
		{"duplicate source", "brands: [{name: a, query: a}]\nsources: [{name: a, type: hackernews}, {name: a, type: hackernews}]\n", `sources[1].name: duplicate source name "a"`},
		{"invalid endpoint", "brands: [{name: a, query: a}]\nsources: [{name: a, type: hackernews, endpoint: 'ftp://x'}]\n", `sources[0].endpoint: invalid URL "ftp://x"`},
		{"missing secret", "brands: [{name: a, query: a}]\nsources: [{name: x, type: x, bearer_token: '${REPMON_E2E_UNSET}'}]\n", "sources[0].bearer_token: required, but environment variable REPMON_E2E_UNSET is not set"},
		{"undefined channel", "brands: [{name: a, query: a}]\nalerts: {rules: [{name: r, type: negative_mention, channels: [nope]}]}\n", `alerts.rules[0].channels[0]: undefined channel "nope"`},
		{"unknown sentiment mode", "brands: [{name: a, query: a}]\nsentiment: {mode: magic}\n", `sentiment.mode: unknown mode "magic"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yml")
			WriteConfig(t, filepath.Dir(cfg), tc.body)
			// WriteConfig names the file repmon.yml; check that one.
			cfg = filepath.Join(filepath.Dir(cfg), "repmon.yml")
			_, errOut, code := Repmon(t, "", "check-config", "--config", cfg)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
	_, errOut, code := Repmon(t, "", "check-config", "--config", filepath.Join(dir, "missing.yml"))
	if code != 2 || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("missing file: exit %d, %q", code, errOut)
	}
}
