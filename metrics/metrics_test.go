package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"gopkg.in/yaml.v3"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/metrics"
	"github.com/repmon/repmon/store"
)

var update = flag.Bool("update", false, "rewrite testdata/exposition.txt from the current output")

// testConfig has two brands, a source limited to one of them, two channels
// and a rule that uses both, so that pre-creation has something to skip.
const testConfig = `
brands:
  - {name: northwind, query: northwind}
  - {name: contoso, query: contoso}
sources:
  - {name: hn, type: hackernews}
  - {name: news, type: rss, feeds: ["https://news.example.com/rss?q={query}"], brands: [northwind]}
alerts:
  channels:
    - {name: hooks, type: webhook, url: "https://example.com/repmon"}
    - {name: am, type: alertmanager, url: "http://127.0.0.1:9093"}
  rules:
    - {name: negative, type: negative_mention, below: -0.5, channels: [hooks, am]}
`

var testNow = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

func loadConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load([]byte(testConfig), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("test config: %v", err)
	}
	return cfg
}

// fakeStats answers Windows by the span that since implies, so each trend
// window can carry its own counts.
type fakeStats struct {
	now     time.Time
	windows map[time.Duration]map[string]store.Stats
	pending int
	oldest  time.Time
	err     error
	calls   int
}

func (f *fakeStats) Windows(_ context.Context, since time.Time) (map[string]store.Stats, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return f.windows[f.now.Sub(since)], nil
}

func (f *fakeStats) Outbox(context.Context) (int, time.Time, error) {
	return f.pending, f.oldest, f.err
}

// gather returns the repmon_* families of m by name; the Go and process
// collectors vary by machine and are not ours to pin.
func gather(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "repmon_") {
			out[mf.GetName()] = mf
		}
	}
	return out
}

// exposition renders the repmon_* families in the text format, with the Go
// version in repmon_build_info replaced so the golden file survives upgrades.
func exposition(t *testing.T, m *metrics.Metrics) []byte {
	t.Helper()
	fams := gather(t, m)
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	for _, n := range names {
		if _, err := expfmt.MetricFamilyToText(&buf, fams[n]); err != nil {
			t.Fatalf("encode %s: %v", n, err)
		}
	}
	return bytes.ReplaceAll(buf.Bytes(), []byte(`goversion="`+runtime.Version()+`"`), []byte(`goversion="GOVERSION"`))
}

// populated is the Metrics behind the golden file: a few mentions, runs and
// deliveries on top of the pre-created zeros.
func populated(t *testing.T) *metrics.Metrics {
	t.Helper()
	st := &fakeStats{
		now: testNow,
		windows: map[time.Duration]map[string]store.Stats{
			time.Hour:          {"northwind": {Total: 4, Positive: 1, Neutral: 1, Negative: 2}},
			24 * time.Hour:     {"northwind": {Total: 10, Positive: 5, Neutral: 3, Negative: 2}, "contoso": {Total: 2, Positive: 2}},
			7 * 24 * time.Hour: {"northwind": {Total: 40, Positive: 30, Neutral: 6, Negative: 4}, "contoso": {Total: 8, Positive: 4, Negative: 4}},
		},
		pending: 3,
		oldest:  testNow.Add(-90 * time.Second),
	}
	m := metrics.New(loadConfig(t), "1.2.3", st, func() time.Time { return testNow })
	for _, mn := range []repmon.Mention{
		{Brand: "northwind", Source: "hn", Sentiment: repmon.Sentiment{Compound: 0.6, Label: repmon.LabelPositive}},
		{Brand: "northwind", Source: "hn", Sentiment: repmon.Sentiment{Compound: -0.7, Label: repmon.LabelNegative}},
		{Brand: "northwind", Source: "news", Sentiment: repmon.Sentiment{Compound: 0, Label: repmon.LabelNeutral}},
		{Brand: "contoso", Source: "hn", Sentiment: repmon.Sentiment{Compound: -0.05, Label: repmon.LabelNegative}},
	} {
		m.ObserveMention(mn)
	}
	m.ObserveRun("hn", metrics.ResultSuccess, 1200*time.Millisecond, testNow.Add(-time.Minute))
	m.ObserveRun("news", metrics.ResultRateLimited, 300*time.Millisecond, testNow.Add(-2*time.Minute))
	m.ObserveRun("news", metrics.ResultSuccess, 700*time.Millisecond, testNow.Add(-30*time.Second))
	m.AlertsSent.WithLabelValues("hooks", "negative").Inc()
	m.AlertsFailed.WithLabelValues("am", "server_error").Add(2)
	return m
}

func TestExpositionGolden(t *testing.T) {
	got := exposition(t, populated(t))
	golden := filepath.Join("testdata", "exposition.txt")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./metrics -run TestExpositionGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("exposition differs from %s (rerun with -update if the change is intended):\n%s", golden, lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+); enough to
// spot a changed sample without a diff library.
func lineDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(got, "\n") {
		count[l]++
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		fmt.Fprintf(&b, "- %s\n", l)
	}
	for _, l := range strings.Split(got, "\n") {
		if count[l] > 0 {
			count[l]--
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

func labelsOf(m *dto.Metric) string {
	var parts []string
	for _, lp := range m.GetLabel() {
		parts = append(parts, lp.GetName()+"="+lp.GetValue())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func value(mf *dto.MetricFamily, m *dto.Metric) float64 {
	switch mf.GetType() {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	case dto.MetricType_HISTOGRAM:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return math.NaN()
}

func TestPrecreatedAtZero(t *testing.T) {
	cfg := loadConfig(t)
	fams := gather(t, metrics.New(cfg, "test", &fakeStats{now: testNow}, func() time.Time { return testNow }))

	want := map[string][]string{}
	add := func(name string, kv ...string) {
		var parts []string
		for i := 0; i < len(kv); i += 2 {
			parts = append(parts, kv[i]+"="+kv[i+1])
		}
		sort.Strings(parts)
		want[name] = append(want[name], strings.Join(parts, ","))
	}
	for _, b := range []string{"northwind", "contoso"} {
		for _, s := range []string{"hn", "news"} {
			if s == "news" && b == "contoso" {
				continue // news is limited to northwind
			}
			for _, l := range []string{repmon.LabelPositive, repmon.LabelNeutral, repmon.LabelNegative} {
				add("repmon_mentions_total", "brand", b, "source", s, "sentiment", l)
			}
			add("repmon_mention_sentiment", "brand", b, "source", s)
		}
		for _, w := range []string{"1h", "24h", "7d"} {
			add("repmon_reputation_score", "brand", b, "window", w)
			add("repmon_negative_ratio", "brand", b, "window", w)
		}
	}
	for _, s := range []string{"hn", "news"} {
		for _, r := range []string{"success", "error", "rate_limited", "auth_error"} {
			add("repmon_collector_runs_total", "source", s, "result", r)
		}
		add("repmon_collector_duration_seconds", "source", s)
	}
	for _, ch := range []string{"hooks", "am"} {
		add("repmon_alerts_sent_total", "channel", ch, "rule", "negative")
		for _, r := range []string{"client_error", "server_error", "rate_limited", "timeout", "network", "other"} {
			add("repmon_alerts_failed_total", "channel", ch, "reason", r)
		}
	}
	add("repmon_alert_queue_depth")
	add("repmon_alert_oldest_pending_seconds")

	for name, combos := range want {
		mf, ok := fams[name]
		if !ok {
			t.Errorf("%s: not exported before any event", name)
			continue
		}
		got := map[string]float64{}
		for _, m := range mf.GetMetric() {
			got[labelsOf(m)] = value(mf, m)
		}
		for _, c := range combos {
			v, ok := got[c]
			switch {
			case !ok:
				t.Errorf("%s{%s}: not pre-created", name, c)
			case v != 0:
				t.Errorf("%s{%s} = %v, want 0", name, c, v)
			}
			delete(got, c)
		}
		for c := range got {
			t.Errorf("%s{%s}: unexpected label combination", name, c)
		}
	}
	// A last-success timestamp of 0 would read as "failing since 1970";
	// the series must appear only with the first success.
	if mf, ok := fams["repmon_collector_last_success_timestamp_seconds"]; ok && len(mf.GetMetric()) > 0 {
		t.Errorf("repmon_collector_last_success_timestamp_seconds pre-created: %v", mf.GetMetric())
	}
}

func TestStoreGauges(t *testing.T) {
	tests := []struct {
		name       string
		stats      map[string]store.Stats
		score      float64
		ratio      float64
		otherScore float64 // the brand absent from stats
	}{
		{"no mentions", nil, 0, 0, 0},
		{"zero total", map[string]store.Stats{"northwind": {}}, 0, 0, 0},
		{"all positive", map[string]store.Stats{"northwind": {Total: 3, Positive: 3}}, 1, 0, 0},
		{"all negative", map[string]store.Stats{"northwind": {Total: 2, Negative: 2}}, -1, 1, 0},
		{"mixed", map[string]store.Stats{"northwind": {Total: 8, Positive: 4, Neutral: 2, Negative: 2}}, 0.25, 0.25, 0},
		{"neutral only", map[string]store.Stats{"northwind": {Total: 5, Neutral: 5}}, 0, 0, 0},
		{"net negative", map[string]store.Stats{"northwind": {Total: 10, Positive: 1, Neutral: 2, Negative: 7}}, -0.6, 0.7, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStats{now: testNow, windows: map[time.Duration]map[string]store.Stats{24 * time.Hour: tc.stats}}
			fams := gather(t, metrics.New(loadConfig(t), "test", st, func() time.Time { return testNow }))
			check := func(name, brand, window string, want float64) {
				t.Helper()
				for _, m := range fams[name].GetMetric() {
					if labelsOf(m) == "brand="+brand+",window="+window {
						if got := m.GetGauge().GetValue(); math.Abs(got-want) > 1e-12 {
							t.Errorf("%s{brand=%q,window=%q} = %v, want %v", name, brand, window, got, want)
						}
						return
					}
				}
				t.Errorf("%s{brand=%q,window=%q}: missing", name, brand, window)
			}
			check("repmon_reputation_score", "northwind", "24h", tc.score)
			check("repmon_negative_ratio", "northwind", "24h", tc.ratio)
			check("repmon_reputation_score", "contoso", "24h", tc.otherScore)
			check("repmon_reputation_score", "northwind", "1h", 0) // no stats for that window
		})
	}
}

func TestOutboxGauges(t *testing.T) {
	tests := []struct {
		name    string
		pending int
		oldest  time.Time
		depth   float64
		age     float64
	}{
		{"empty", 0, time.Time{}, 0, 0},
		{"pending", 2, testNow.Add(-10 * time.Minute), 2, 600},
		{"pending without time", 1, time.Time{}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStats{now: testNow, pending: tc.pending, oldest: tc.oldest}
			fams := gather(t, metrics.New(loadConfig(t), "test", st, func() time.Time { return testNow }))
			if got := fams["repmon_alert_queue_depth"].GetMetric()[0].GetGauge().GetValue(); got != tc.depth {
				t.Errorf("repmon_alert_queue_depth = %v, want %v", got, tc.depth)
			}
			if got := fams["repmon_alert_oldest_pending_seconds"].GetMetric()[0].GetGauge().GetValue(); got != tc.age {
				t.Errorf("repmon_alert_oldest_pending_seconds = %v, want %v", got, tc.age)
			}
		})
	}
}

func TestStoreGaugesCached(t *testing.T) {
	now := testNow
	st := &fakeStats{now: testNow}
	m := metrics.New(loadConfig(t), "test", st, func() time.Time { return now })
	gather(t, m)
	first := st.calls
	gather(t, m)
	if st.calls != first {
		t.Errorf("second scrape within the cache lifetime queried the store (%d calls, want %d)", st.calls, first)
	}
	now = now.Add(11 * time.Second)
	st.now = now
	gather(t, m)
	if st.calls == first {
		t.Errorf("scrape after the cache lifetime did not query the store")
	}
}

func TestStoreErrorFailsScrape(t *testing.T) {
	st := &fakeStats{now: testNow, err: errors.New("database is locked")}
	m := metrics.New(loadConfig(t), "test", st, func() time.Time { return testNow })
	if _, err := m.Registry.Gather(); err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Errorf("Gather error = %v, want the store error", err)
	}
}

// requirePrometheus returns the path of a Prometheus tool, or skips (fails
// when REPMON_REQUIRE_PROMETHEUS=1, as in CI).
func requirePrometheus(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found on PATH: install Debian's prometheus package (apt-get install prometheus)", tool)
	if os.Getenv("REPMON_REQUIRE_PROMETHEUS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := requirePrometheus(t, "promtool")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition(t, populated(t)))
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// Every metric a dashboard panel or a rule names must be one repmon exports,
// and every recording rule used must be defined: a renamed metric otherwise
// shows up only as an empty panel or an alert that can never fire.

var (
	metricRef = regexp.MustCompile(`repmon_[a-z_]+`)
	recordRef = regexp.MustCompile(`repmon:[a-zA-Z_][a-zA-Z0-9_:]*`)
)

// exported returns every sample name repmon exposes and the histogram
// families among them.
func exported(t *testing.T) (names map[string]bool, histograms map[string]bool) {
	t.Helper()
	names, histograms = map[string]bool{}, map[string]bool{}
	for name, mf := range gather(t, populated(t)) {
		names[name] = true
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			histograms[name] = true
		}
	}
	return names, histograms
}

func knownMetric(name string, names, histograms map[string]bool) bool {
	if names[name] {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && histograms[base] {
			return true
		}
	}
	return false
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Record string `yaml:"record"`
			Alert  string `yaml:"alert"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func deployPath(parts ...string) string {
	return filepath.Join(append([]string{"..", "deploy"}, parts...)...)
}

func TestDeployReferencesExportedMetrics(t *testing.T) {
	names, histograms := exported(t)

	ruleFiles, err := filepath.Glob(deployPath("prometheus", "rules", "*.yml"))
	if err != nil || len(ruleFiles) == 0 {
		t.Fatalf("no rule files in %s (%v)", deployPath("prometheus", "rules"), err)
	}
	records := map[string]bool{}
	sources := map[string]string{}
	for _, f := range ruleFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rf ruleFile
		if err := yaml.Unmarshal(b, &rf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					if !recordRef.MatchString(r.Record) || recordRef.FindString(r.Record) != r.Record {
						t.Errorf("%s: recording rule %q: name it repmon:<metric>:<operations>", f, r.Record)
					}
					records[r.Record] = true
				}
			}
		}
		sources[f] = string(b)
	}
	dashboards, err := filepath.Glob(deployPath("grafana", "dashboards", "*.json"))
	if err != nil || len(dashboards) == 0 {
		t.Fatalf("no dashboards in %s (%v)", deployPath("grafana", "dashboards"), err)
	}
	for _, f := range dashboards {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources[f] = string(b)
	}

	// The README's metric reference names them too.
	doc := filepath.Join("..", "README.md")
	if b, err := os.ReadFile(doc); err == nil {
		sources[doc] = string(b)
	} else {
		t.Error(err)
	}

	for f, text := range sources {
		seen := map[string]bool{}
		for _, name := range metricRef.FindAllString(text, -1) {
			if !seen[name] && !knownMetric(name, names, histograms) {
				t.Errorf("%s: %s is not a metric repmon exports", f, name)
			}
			seen[name] = true
		}
		for _, name := range recordRef.FindAllString(text, -1) {
			if !seen[name] && !records[name] {
				t.Errorf("%s: %s is not a recording rule defined in deploy/prometheus/rules", f, name)
			}
			seen[name] = true
		}
		if len(seen) == 0 {
			t.Errorf("%s: names no repmon metric at all", f)
		}
	}
}

// dashboard is the part of a Grafana dashboard the checks below read.
type dashboard struct {
	UID           string `json:"uid"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Definition string          `json:"definition"`
			Multi      bool            `json:"multi"`
			IncludeAll bool            `json:"includeAll"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource *struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr       string `json:"expr"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
		} `json:"targets"`
	} `json:"panels"`
}

func TestDashboardShape(t *testing.T) {
	b, err := os.ReadFile(deployPath("grafana", "dashboards", "repmon.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("repmon.json: %v", err)
	}
	if d.UID != "repmon" || d.SchemaVersion < 36 {
		t.Errorf("uid %q, schemaVersion %d; want repmon and a current schema", d.UID, d.SchemaVersion)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		switch v.Name {
		case "datasource":
			if v.Type != "datasource" || string(v.Query) != `"prometheus"` {
				t.Errorf("variable datasource: type %q query %s, want a prometheus datasource variable", v.Type, v.Query)
			}
		case "brand":
			if v.Type != "query" || v.Definition != "label_values(repmon_mentions_total, brand)" || !v.Multi || !v.IncludeAll {
				t.Errorf("variable brand: %+v, want a multi-value query on label_values(repmon_mentions_total, brand) with All", v)
			}
		}
	}
	if !vars["datasource"] || !vars["brand"] {
		t.Errorf("variables %v, want datasource and brand", vars)
	}
	ids := map[int]bool{}
	exprs := 0
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel %q: duplicate id %d", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v, want uid ${datasource}", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q: no queries", p.Title)
		}
		for _, tg := range p.Targets {
			exprs++
			if tg.Datasource.UID != "${datasource}" || tg.Expr == "" {
				t.Errorf("panel %q: query %q on datasource %q", p.Title, tg.Expr, tg.Datasource.UID)
			}
		}
	}
	if exprs < 10 {
		t.Errorf("only %d queries in the dashboard", exprs)
	}
}

// Docker is not available in CI: check instead that every file the compose
// file mounts exists and that the YAML files parse.
func TestComposeMountsExist(t *testing.T) {
	b, err := os.ReadFile(deployPath("docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image   string   `yaml:"image"`
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	for _, name := range []string{"repmon", "prometheus", "alertmanager", "grafana"} {
		if _, ok := compose.Services[name]; !ok {
			t.Errorf("docker-compose.yml: no service %s", name)
		}
	}
	for name, svc := range compose.Services {
		for _, v := range svc.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, "./") {
				continue // a named volume
			}
			if _, err := os.Stat(deployPath(src)); err != nil {
				t.Errorf("service %s mounts %s: %v", name, src, err)
			}
		}
	}
	for _, f := range []string{
		"alertmanager/alertmanager.yml",
		"grafana/provisioning/datasources/prometheus.yml",
		"grafana/provisioning/dashboards/repmon.yml",
	} {
		b, err := os.ReadFile(deployPath(f))
		if err != nil {
			t.Error(err)
			continue
		}
		var doc map[string]any
		if err := yaml.Unmarshal(b, &doc); err != nil || len(doc) == 0 {
			t.Errorf("%s: %v (%d keys)", f, err, len(doc))
		}
	}
}

// The compose example config must load with the real loader: a typo there
// would otherwise surface only in a container.
func TestDeployConfigLoads(t *testing.T) {
	cfg, err := config.LoadFile(deployPath("repmon.yml"))
	if err != nil {
		t.Fatalf("deploy/repmon.yml: %v", err)
	}
	if cfg.Server.Listen != "0.0.0.0:9464" {
		t.Errorf("server.listen = %q, want 0.0.0.0:9464 so Prometheus can reach repmon across the compose network", cfg.Server.Listen)
	}
	if !slices.ContainsFunc(cfg.Alerts.Channels, func(c config.Channel) bool {
		return c.Type == config.ChannelAlertmanager && c.URL.Value() == "http://alertmanager:9093"
	}) {
		t.Errorf("deploy/repmon.yml: no alertmanager channel at http://alertmanager:9093")
	}
}
