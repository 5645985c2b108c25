package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repmon/repmon/collectors/collectorstest"
)

// The test below runs a real Prometheus (Debian's prometheus package) that
// scrapes a real repmon with the shipped recording and alerting rules
// loaded, then runs every query of the shipped Grafana dashboard against it.
// A renamed label, a typo in a rule or a query that only parses on paper
// shows up here as an error or an empty result.

// promExpectedEmpty lists dashboard queries that may legitimately return
// nothing in this test, with the reason. Pre-created zero series make the
// others non-empty from the first scrape.
var promExpectedEmpty = map[string]string{
	// none at present: every panel has data once mentions, runs and the
	// recording rules have been seen.
}

// promRequire returns the path of the prometheus binary or skips the test;
// with REPMON_REQUIRE_PROMETHEUS=1 (as .ci/run sets) it fails instead.
func promRequire(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("prometheus")
	if err == nil {
		return p
	}
	msg := "prometheus not found on PATH: apt-get install prometheus (Debian's package provides /usr/bin/prometheus)"
	if os.Getenv("REPMON_REQUIRE_PROMETHEUS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// promServer is a Prometheus process serving its HTTP API on Addr.
type promServer struct {
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	mu   sync.Mutex
	logs bytes.Buffer
}

func (p *promServer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.Write(b)
}

func (p *promServer) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// promStart runs prometheus scraping target every second with the rule
// files in rules, and waits until it is ready.
func promStart(t *testing.T, bin, target string, rules []string) *promServer {
	t.Helper()
	dir := t.TempDir()
	var ruleList strings.Builder
	for _, r := range rules {
		abs, err := filepath.Abs(r)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&ruleList, "  - %q\n", abs)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
%sscrape_configs:
  - job_name: repmon
    static_configs:
      - targets: [%q]
`, ruleList.String(), target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &promServer{Addr: FreeAddr(t), done: make(chan struct{})}
	p.cmd = exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+p.Addr,
		"--log.level=warn",
	)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("prometheus logs:\n%s", p.Logs())
		}
	})
	Eventually(t, 60*time.Second, "prometheus ready", func() bool {
		select {
		case <-p.done:
			t.Fatalf("prometheus exited early: %v\n%s", p.err, p.Logs())
		default:
		}
		resp, err := http.Get("http://" + p.Addr + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// promAPI gets an API path and decodes the data field of a successful answer.
func (p *promServer) promAPI(t *testing.T, path string, data any) error {
	t.Helper()
	resp, err := http.Get("http://" + p.Addr + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s", env.Error)
	}
	return json.Unmarshal(env.Data, data)
}

// promSample is one element of an instant-vector result.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) float() float64 {
	str, _ := s.Value[1].(string)
	v, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return 0
	}
	return v
}

// promQuery runs an instant query; scalar results come back as one sample.
func (p *promServer) promQuery(t *testing.T, q string) ([]promSample, error) {
	t.Helper()
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.promAPI(t, "/api/v1/query?query="+url.QueryEscape(q), &data); err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	switch data.ResultType {
	case "vector":
		var out []promSample
		return out, json.Unmarshal(data.Result, &out)
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(data.Result, &v); err != nil {
			return nil, err
		}
		return []promSample{{Value: v}}, nil
	}
	return nil, fmt.Errorf("query %s: unexpected result type %s", q, data.ResultType)
}

// promValue is the sum of a query's samples, or -1 when it has none.
func (p *promServer) promValue(t *testing.T, q string) float64 {
	t.Helper()
	res, err := p.promQuery(t, q)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	if len(res) == 0 {
		return -1
	}
	sum := 0.0
	for _, s := range res {
		sum += s.float()
	}
	return sum
}

// promDashboard is the part of the Grafana dashboard this test reads.
type promDashboard struct {
	Panels []promPanel `json:"panels"`
}

type promPanel struct {
	Title   string      `json:"title"`
	Type    string      `json:"type"`
	Panels  []promPanel `json:"panels"` // inside collapsed rows
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// promDashboardQueries returns every query of the dashboard by panel title.
func promDashboardQueries(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d promDashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string][]string{}
	var walk func([]promPanel)
	walk = func(ps []promPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				if tg.Expr != "" {
					out[p.Title] = append(out[p.Title], tg.Expr)
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// promGrafanaVars replaces the Grafana variables the dashboard uses with
// what Grafana would send for the given brand selection.
func promGrafanaVars(expr, brand string) string {
	return strings.NewReplacer(
		"$__rate_interval", "1m",
		"$__interval", "15s",
		"$__range", "5m",
		"${brand}", brand,
		"$brand", brand,
	).Replace(expr)
}

func TestPrometheusRunsDashboardAndRules(t *testing.T) {
	bin := promRequire(t)
	dashboard := filepath.Join("..", "deploy", "grafana", "dashboards", "repmon.json")
	rules, err := filepath.Glob(filepath.Join("..", "deploy", "prometheus", "rules", "*.yml"))
	if err != nil || len(rules) == 0 {
		t.Fatalf("no rule files in deploy/prometheus/rules (%v)", err)
	}

	// An alert channel that accepts everything, so deliveries succeed.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hook.Close)

	f := StartFakes(t, time.Now())
	dir := t.TempDir()
	addr := FreeAddr(t)
	cfg := WriteConfig(t, dir, f.Config(filepath.Join(dir, "repmon.db"), addr, fmt.Sprintf(`alerts:
  channels:
    - {name: hooks, type: webhook, url: %q}
  rules:
    - {name: negative, type: negative_mention, below: -0.5, channels: [hooks]}
`, hook.URL)))
	StartRepmon(t, cfg, addr)
	prom := promStart(t, bin, addr, rules)

	Eventually(t, 60*time.Second, "prometheus scraping repmon", func() bool {
		return prom.promValue(t, `up{job="repmon"}`) == 1
	})
	Eventually(t, 90*time.Second, "130 mentions in prometheus", func() bool {
		return prom.promValue(t, `sum(repmon_mentions_total)`) >= 130
	})

	// New posts after the backfill make the counters move inside the rate
	// windows, as they would in production, so the rate-based panels and
	// rules see an increase rather than a flat line.
	now := time.Now()
	for i := range 6 {
		text := "Northwind support is terrible, they lost my order and nobody answers, awful"
		if i%3 == 2 {
			text = "Loving the new Northwind app, checkout is so fast!"
		}
		f.HN.Add(collectorstest.Item{ID: strconv.Itoa(9000 + i), Created: now.Add(time.Duration(i) * time.Second),
			Text: fmt.Sprintf("%s (late post %d)", text, i), Author: "late", URL: fmt.Sprintf("https://news.example.com/late/%d", i)})
	}
	Eventually(t, 90*time.Second, "the new mentions counted and rated", func() bool {
		return prom.promValue(t, `sum(repmon_mentions_total)`) >= 136 &&
			prom.promValue(t, `sum(repmon:mentions:rate5m)`) > 0 &&
			prom.promValue(t, `repmon:negative_share:rate1h{brand="northwind"}`) > 0
	})

	// Every rule has been evaluated without an error (a many-to-many match
	// or a bad function argument only shows at evaluation time).
	Eventually(t, 60*time.Second, "every rule evaluated", func() bool {
		var data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		}
		if err := prom.promAPI(t, "/api/v1/rules", &data); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range data.Groups {
			for _, r := range g.Rules {
				n++
				switch r.Health {
				case "ok":
				case "err":
					t.Fatalf("rule %s in group %s: %s", r.Name, g.Name, r.LastError)
				default:
					return false
				}
			}
		}
		if n == 0 {
			t.Fatal("prometheus loaded no rules")
		}
		return true
	})

	// The brand variable: label_values(repmon_mentions_total, brand).
	var brands []string
	if err := prom.promAPI(t, "/api/v1/label/brand/values?match[]=repmon_mentions_total", &brands); err != nil {
		t.Fatal(err)
	}
	if len(brands) != 1 || brands[0] != "northwind" {
		t.Errorf("brand variable values = %v, want [northwind]", brands)
	}

	queries := promDashboardQueries(t, dashboard)
	if len(queries) == 0 {
		t.Fatalf("%s: no queries", dashboard)
	}
	for title, exprs := range queries {
		for _, expr := range exprs {
			for _, brand := range []string{".*", "northwind"} { // "All" and one brand
				q := promGrafanaVars(expr, brand)
				if strings.Contains(q, "$") {
					t.Errorf("panel %q: unsubstituted variable in %s", title, q)
					continue
				}
				res, err := prom.promQuery(t, q)
				if err != nil {
					t.Errorf("panel %q: %v", title, err)
					continue
				}
				if len(res) == 0 {
					if reason, ok := promExpectedEmpty[expr]; ok {
						t.Logf("panel %q: empty as expected (%s): %s", title, reason, q)
						continue
					}
					t.Errorf("panel %q: no data for %s", title, q)
				}
			}
		}
	}
}
