// Package metrics defines every Prometheus metric repmon exports, in one
// place, on a registry of its own.
//
// Label values come only from the configuration (brand, source, channel and
// rule names) and from the closed sets below; known combinations are created
// at zero on start so that dashboards and rate() see them before the first
// event.
package metrics

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

// Collector run results: the closed set of the result label.
const (
	ResultSuccess     = "success"
	ResultError       = "error"
	ResultRateLimited = "rate_limited"
	ResultAuthError   = "auth_error"
)

// Results lists every collector run result.
var Results = []string{ResultSuccess, ResultError, ResultRateLimited, ResultAuthError}

// FailureReasons is the closed set of the reason label of
// repmon_alerts_failed_total.
var FailureReasons = []string{"client_error", "server_error", "rate_limited", "timeout", "network", "other"}

// Windows are the trend windows of the reputation gauges, by label value.
var Windows = []struct {
	Label string
	Span  time.Duration
}{{"1h", time.Hour}, {"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}

// SentimentBuckets fit compound scores in [-1, 1]; -0.05 and 0.05 are the
// default label thresholds, so le="-0.05" counts exactly the negatives.
var SentimentBuckets = []float64{-0.9, -0.75, -0.5, -0.25, -0.05, 0.05, 0.25, 0.5, 0.75, 0.9, 1}

// Metrics holds the instrumented values that the rest of repmon updates.
type Metrics struct {
	Registry *prometheus.Registry

	MentionsTotal    *prometheus.CounterVec
	MentionSentiment *prometheus.HistogramVec

	CollectorRuns        *prometheus.CounterVec
	CollectorLastSuccess *prometheus.GaugeVec
	CollectorDuration    *prometheus.HistogramVec

	AlertsSent   *prometheus.CounterVec
	AlertsFailed *prometheus.CounterVec

	// Leader is 1 while this process collects, evaluates and delivers
	// alerts: always on SQLite, and on PostgreSQL while this replica leads.
	Leader prometheus.Gauge
}

// Stats is what the store-backed gauges read. It is satisfied by store.Store.
type Stats interface {
	Windows(ctx context.Context, since time.Time) (map[string]store.Stats, error)
	Outbox(ctx context.Context) (pending int, oldest time.Time, err error)
}

// New registers every metric on a fresh registry and pre-creates the label
// combinations the config implies. st backs the trend and outbox gauges;
// now may be nil for time.Now.
func New(cfg *config.Config, version string, st Stats, now func() time.Time) *Metrics {
	if now == nil {
		now = time.Now
	}
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		MentionsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "repmon_mentions_total", Help: "Brand mentions stored, by brand, source and sentiment label.",
		}, []string{"brand", "source", "sentiment"}),
		MentionSentiment: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "repmon_mention_sentiment", Help: "Compound sentiment score of stored mentions.", Buckets: SentimentBuckets,
		}, []string{"brand", "source"}),
		CollectorRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "repmon_collector_runs_total", Help: "Collector runs by source and result (success, error, rate_limited, auth_error).",
		}, []string{"source", "result"}),
		CollectorLastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "repmon_collector_last_success_timestamp_seconds", Help: "Unix time of the last successful run of each source.",
		}, []string{"source"}),
		CollectorDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "repmon_collector_duration_seconds", Help: "Duration of collector runs.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"source"}),
		AlertsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "repmon_alerts_sent_total", Help: "Alert deliveries that a channel accepted.",
		}, []string{"channel", "rule"}),
		AlertsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "repmon_alerts_failed_total", Help: "Failed alert delivery attempts, by channel and reason.",
		}, []string{"channel", "reason"}),
		Leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "repmon_leader", Help: "1 while this process collects, evaluates and delivers alerts (on PostgreSQL, while this replica leads), else 0.",
		}),
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "repmon_build_info", Help: "A metric with a constant 1 value labelled by the version and Go version repmon was built with.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(version, runtime.Version()).Set(1)

	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.MentionsTotal, m.MentionSentiment, m.CollectorRuns, m.CollectorLastSuccess, m.CollectorDuration,
		m.AlertsSent, m.AlertsFailed, m.Leader, buildInfo,
	)
	var brands []string
	for _, b := range cfg.Brands {
		brands = append(brands, b.Name)
	}
	if st != nil {
		reg.MustRegister(newStoreCollector(st, brands, now))
	}
	m.precreate(cfg)
	return m
}

func (m *Metrics) precreate(cfg *config.Config) {
	for _, s := range cfg.Sources {
		for _, r := range Results {
			m.CollectorRuns.WithLabelValues(s.Name, r)
		}
		m.CollectorDuration.WithLabelValues(s.Name)
		for _, b := range cfg.Brands {
			if len(s.Brands) > 0 && !contains(s.Brands, b.Name) {
				continue
			}
			for _, l := range []string{repmon.LabelPositive, repmon.LabelNeutral, repmon.LabelNegative} {
				m.MentionsTotal.WithLabelValues(b.Name, s.Name, l)
			}
			m.MentionSentiment.WithLabelValues(b.Name, s.Name)
		}
	}
	for _, ch := range cfg.Alerts.Channels {
		for _, reason := range FailureReasons {
			m.AlertsFailed.WithLabelValues(ch.Name, reason)
		}
	}
	for _, r := range cfg.Alerts.Rules {
		for _, ch := range r.Channels {
			m.AlertsSent.WithLabelValues(ch, r.Name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ObserveMention counts one stored mention.
func (m *Metrics) ObserveMention(mn repmon.Mention) {
	m.MentionsTotal.WithLabelValues(mn.Brand, mn.Source, mn.Sentiment.Label).Inc()
	m.MentionSentiment.WithLabelValues(mn.Brand, mn.Source).Observe(mn.Sentiment.Compound)
}

// ObserveRun records one collector run.
func (m *Metrics) ObserveRun(source, result string, took time.Duration, end time.Time) {
	m.CollectorRuns.WithLabelValues(source, result).Inc()
	m.CollectorDuration.WithLabelValues(source).Observe(took.Seconds())
	if result == ResultSuccess {
		m.CollectorLastSuccess.WithLabelValues(source).Set(float64(end.UnixNano()) / 1e9)
	}
}

// storeCollector computes the trend and outbox gauges from the store, so
// that restarts and replicas agree. Results are cached briefly: Prometheus
// may scrape from several servers, and each scrape would otherwise query the
// database.
type storeCollector struct {
	st     Stats
	brands []string
	now    func() time.Time

	score, ratio, depth, oldest *prometheus.Desc

	mu      sync.Mutex
	cached  []prometheus.Metric
	expires time.Time
}

const storeCacheTTL = 10 * time.Second

func newStoreCollector(st Stats, brands []string, now func() time.Time) *storeCollector {
	return &storeCollector{
		st: st, brands: brands, now: now,
		score: prometheus.NewDesc("repmon_reputation_score",
			"Net sentiment over the window: (positive - negative) / all mentions, in [-1, 1]; 0 without mentions.",
			[]string{"brand", "window"}, nil),
		ratio: prometheus.NewDesc("repmon_negative_ratio",
			"Share of negative mentions over the window, in [0, 1]; 0 without mentions.",
			[]string{"brand", "window"}, nil),
		depth:  prometheus.NewDesc("repmon_alert_queue_depth", "Alert deliveries waiting in the outbox.", nil, nil),
		oldest: prometheus.NewDesc("repmon_alert_oldest_pending_seconds", "How long the longest-waiting alert delivery has been due; 0 when none is due.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.score
	ch <- c.ratio
	ch <- c.depth
	ch <- c.oldest
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if now.After(c.expires) {
		c.cached = c.compute(now)
		c.expires = now.Add(storeCacheTTL)
	}
	for _, m := range c.cached {
		ch <- m
	}
}

func (c *storeCollector) compute(now time.Time) []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []prometheus.Metric
	for _, w := range Windows {
		stats, err := c.st.Windows(ctx, now.Add(-w.Span))
		if err != nil {
			out = append(out, prometheus.NewInvalidMetric(c.score, err))
			continue
		}
		for _, b := range c.brands {
			s := stats[b]
			score, ratio := 0.0, 0.0
			if s.Total > 0 {
				score = float64(s.Positive-s.Negative) / float64(s.Total)
				ratio = float64(s.Negative) / float64(s.Total)
			}
			out = append(out,
				prometheus.MustNewConstMetric(c.score, prometheus.GaugeValue, score, b, w.Label),
				prometheus.MustNewConstMetric(c.ratio, prometheus.GaugeValue, ratio, b, w.Label))
		}
	}
	pending, oldest, err := c.st.Outbox(ctx)
	if err != nil {
		return append(out, prometheus.NewInvalidMetric(c.depth, err))
	}
	age := 0.0
	if pending > 0 && !oldest.IsZero() {
		age = max(now.Sub(oldest).Seconds(), 0) // the store read its own clock
	}
	return append(out,
		prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(pending)),
		prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age))
}
