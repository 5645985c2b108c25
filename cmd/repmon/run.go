package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/alerts"
	"github.com/repmon/repmon/api"
	"github.com/repmon/repmon/collectors"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/metrics"
	"github.com/repmon/repmon/query"
	"github.com/repmon/repmon/sentiment"
	"github.com/repmon/repmon/store"
)

// shutdownGrace is how long running collector runs may take to finish after
// SIGINT/SIGTERM before their contexts are cancelled. Every page is stored
// with its cursor, so a cancelled run loses nothing: the next one resumes.
const shutdownGrace = 10 * time.Second

func cmdRun(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config file")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	format := fs.String("log-format", "logfmt", "logfmt or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger, err := newLogger(stderr, *level, *format)
	if err != nil {
		fmt.Fprintf(stderr, "repmon: %v\n", err)
		return 2
	}
	cfg, err := loadConfig(*path, stderr)
	if err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	if err := monitor(ctx, cfg, logger); err != nil {
		logger.Error("repmon stopped", "err", err)
		return 1
	}
	logger.Info("repmon stopped cleanly")
	return 0
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "logfmt", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not logfmt or json", format)
}

// scorer adapts the sentiment analyzer to what collectors and the API need.
type scorer struct {
	a *sentiment.Analyzer
	// names are the brands' names, which carry no sentiment in their
	// own mentions (sentiment.Names)
	names map[string]sentiment.Names
}

func newScorer(a *sentiment.Analyzer, brands []config.Brand) scorer {
	s := scorer{a: a, names: map[string]sentiment.Names{}}
	for _, b := range brands {
		s.names[b.Name] = sentiment.NewNames(brandNames(b)...)
	}
	return s
}

// brandNames are the names a brand's mentions write it by: its name, its
// name spaced ("best_buy" and "best-buy" are also written "best buy") and
// its names.
func brandNames(b config.Brand) []string {
	names := []string{b.Name}
	if spaced := strings.NewReplacer("_", " ", "-", " ").Replace(b.Name); spaced != b.Name {
		names = append(names, spaced)
	}
	return append(names, b.Names...)
}

func (s scorer) Score(brand, text string) repmon.Sentiment {
	sc := s.a.ScoreNamed(text, s.names[brand])
	return repmon.Sentiment{Compound: sc.Compound, Pos: sc.Positive, Neu: sc.Neutral, Neg: sc.Negative, Label: s.a.Label(sc)}
}

func (s scorer) Explain(brand, text string) any { return s.a.ExplainNamed(text, s.names[brand]) }

// Summary names the words that moved a mention's score most, for alert
// messages and the UI: `"hold" -1.8, "never" -1.2 (rules: negation,
// complaint)`, and, when reputation mode's brand model overruled the
// rules, its label and the words that pulled it there:
// `brand model: positive over the rules' neutral, by "finally", "fixed"`.
func (s scorer) Summary(m repmon.Mention) string {
	ex := s.a.ExplainNamed(m.Text, s.names[m.Brand])
	vs := append([]sentiment.TokenValence(nil), ex.Valences...)
	sort.Slice(vs, func(i, j int) bool { return math.Abs(vs[i].Valence) > math.Abs(vs[j].Valence) })
	var parts []string
	for _, v := range vs {
		if v.Valence == 0 || len(parts) == 3 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%q %+.1f", v.Token, v.Valence))
	}
	seen := map[string]bool{}
	var rules []string
	for _, c := range ex.Contributions {
		if !seen[c.Rule] {
			seen[c.Rule] = true
			rules = append(rules, c.Rule)
		}
	}
	out := strings.Join(parts, ", ")
	if len(rules) > 0 {
		// with brand_name alone no word keeps a valence, and the rules
		// open the reason
		out = strings.TrimSpace(out + " (rules: " + strings.Join(rules, ", ") + ")")
	}
	if d := ex.BrandModel; d != nil && d.Applied && d.Label != d.RulesLabel {
		var words []string
		for _, w := range d.Words {
			if len(words) == 3 {
				break
			}
			words = append(words, strconv.Quote(w.Word))
		}
		bm := fmt.Sprintf("brand model: %s over the rules' %s", d.Label, d.RulesLabel)
		if len(words) > 0 {
			bm += ", by " + strings.Join(words, ", ")
		}
		out = strings.TrimPrefix(out+"; "+bm, "; ")
	}
	// A stored mention was scored when it was collected; since then the
	// sentiment settings (or repmon) may have changed, and the reason
	// above is today's.
	if st := m.Sentiment; st.Label != "" && math.Abs(ex.Scores.Compound-st.Compound) >= 0.0001 {
		out = strings.TrimSuffix(fmt.Sprintf("scored %.4f %s with today's settings: %s", ex.Scores.Compound, ex.Label, out), ": ")
	}
	return out
}

func newAnalyzer(cfg *config.Config) (*sentiment.Analyzer, error) {
	mode, err := sentiment.ParseMode(cfg.Sentiment.Mode)
	if err != nil {
		return nil, err
	}
	return sentiment.New(sentiment.WithMode(mode), sentiment.WithLexicon(cfg.Sentiment.Lexicon),
		sentiment.WithThresholds(*cfg.Sentiment.NegativeBelow, *cfg.Sentiment.PositiveAbove))
}

// monitor runs until ctx is cancelled, then shuts down in order: stop
// scheduling and let runs finish (or cancel them at the deadline), stop the
// alert worker, stop serving HTTP, close the database.
func monitor(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	st, lead, err := openMonitorStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()

	analyzer, err := newAnalyzer(cfg)
	if err != nil {
		return err
	}
	sc := newScorer(analyzer, cfg.Brands)
	m := metrics.New(cfg, Version(), st, nil)
	engine, err := alerts.New(cfg, st, m, logger, alerts.WithExplainer(sc.Summary))
	if err != nil {
		return err
	}

	brands := make(map[string]collectors.Brand, len(cfg.Brands))
	for _, b := range cfg.Brands {
		q, err := query.Parse(b.Query)
		if err != nil {
			return fmt.Errorf("brand %s: %w", b.Name, err) // config validation makes this unreachable
		}
		brands[b.Name] = collectors.Brand{Name: b.Name, Query: q}
	}
	var jobs []collectors.Job
	for _, src := range cfg.Sources {
		log := logger.With("source", src.Name)
		c, err := collectors.New(src, collectors.Deps{Logger: log})
		if err != nil {
			return err
		}
		r := &collectors.Runner{
			Source: src.Name, SourceType: src.Type, MaxPages: collectors.PagesPerRun(src),
			Brands: sourceBrands(src, cfg, brands), Collector: c, Store: st, Scorer: sc, Alerts: engine,
			Metrics: m, Logger: log, Now: time.Now, Retention: cfg.Storage.Retention.D(),
			Observe: func(source string, res collectors.Result, at time.Time) {
				engine.ObserveRun(source, res.Outcome, res.Stored, at)
			},
		}
		jobs = append(jobs, collectors.Job{Name: src.Name, Schedule: src.Schedule, Timeout: src.Timeout.D(), Run: func(ctx context.Context) { r.Run(ctx) }})
	}
	// the jobs' schedules are valid: a scheduler that rejects one fails
	// here, before the monitor starts
	if _, err := newScheduler(logger, jobs); err != nil {
		return err
	}

	var ready atomic.Bool
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := newHTTPServer(api.New(api.Options{Store: st, Registry: m.Registry, Explainer: sc, Summarize: sc.Summary, Logger: logger.With("component", "http"),
		Token: cfg.Server.APIToken.Value(), Ready: ready.Load}))
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Serve(ln) }()
	logger.Info("repmon started", "version", Version(), "listen", ln.Addr().String(), "brands", len(cfg.Brands),
		"sources", len(cfg.Sources), "storage", cfg.Storage.Driver)

	// work collects, alerts and prunes until its ctx is done. The alert
	// worker and the pruner outlive the collectors, which they serve, and
	// stop before the database closes.
	work := func(ctx context.Context) {
		m.Leader.Set(1)
		defer m.Leader.Set(0)
		sched, _ := newScheduler(logger, jobs) // checked above
		workCtx, stopWork := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { engine.Run(workCtx) })
		if ret := cfg.Storage.Retention.D(); ret > 0 {
			wg.Go(func() { prune(workCtx, st, ret, pruneEvery, time.Now, logger.With("component", "retention")) })
		}
		sched.Start()
		sched.RunNow()
		<-ctx.Done()
		sched.Stop(shutdownGrace)
		stopWork()
		wg.Wait()
	}
	leadCtx, stopLeading := context.WithCancel(context.Background())
	leading := make(chan struct{})
	go func() {
		defer close(leading)
		lead(leadCtx, work)
	}()
	ready.Store(true)

	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "grace", shutdownGrace)
	case serveErr = <-httpDone:
		logger.Error("http server failed", "err", serveErr)
	}
	ready.Store(false)
	stopLeading()
	<-leading
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("http shutdown", "err", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// newScheduler schedules jobs.
func newScheduler(logger *slog.Logger, jobs []collectors.Job) (*collectors.Scheduler, error) {
	sched := collectors.NewScheduler(logger.With("component", "scheduler"), 10*time.Second)
	for _, j := range jobs {
		if err := sched.Add(j); err != nil {
			return nil, fmt.Errorf("source %s: schedule: %w", j.Name, err)
		}
	}
	return sched, nil
}

// openMonitorStore opens the configured store for `repmon run`, with the
// way its work is led: on SQLite this process does all of it; on
// PostgreSQL, which several replicas may share, one replica at a time
// collects, alerts and prunes (see leadPostgres).
func openMonitorStore(ctx context.Context, cfg *config.Config, logger *slog.Logger) (store.Store, func(context.Context, func(context.Context)), error) {
	if cfg.Storage.Driver == "postgres" {
		pg, err := store.OpenPostgres(ctx, cfg.Storage.DSN.Value(), nil)
		if err != nil {
			return nil, nil, err
		}
		return pg, func(ctx context.Context, work func(context.Context)) {
			leadPostgres(ctx, pg, leaseCheck, logger.With("component", "leader"), work)
		}, nil
	}
	st, err := store.OpenSQLite(ctx, cfg.Storage.DSN.Value(), nil)
	if err != nil {
		return nil, nil, err
	}
	return st, func(ctx context.Context, work func(context.Context)) { work(ctx) }, nil
}

// leaseCheck is how often a replica tries for the leadership, and how
// often the leader checks that it still holds it.
const leaseCheck = 5 * time.Second

// leadPostgres runs work while this replica leads the replicas sharing
// pg, until ctx is done: it waits for the leadership, works until ctx is
// done or the leadership is lost, and then waits for it again. The other
// replicas serve the API, the UI and the metrics from the same database.
func leadPostgres(ctx context.Context, pg *store.Postgres, check time.Duration, logger *slog.Logger, work func(context.Context)) {
	for {
		logger.Info("waiting to lead: another replica collects and alerts, or none yet")
		lease, err := pg.Lead(ctx, check)
		if err != nil {
			return // ctx is done
		}
		logger.Info("leading: this replica collects, alerts and prunes")
		workCtx, stop := context.WithCancel(ctx)
		go func() {
			select {
			case <-lease.Lost():
				logger.Warn("lost the leadership (the database session ended); stopping collection and alerts")
				stop()
			case <-workCtx.Done():
			}
		}()
		work(workCtx)
		stop()
		lease.Release()
		if ctx.Err() != nil {
			return
		}
	}
}

// pruneEvery is how often storage.retention is applied.
const pruneEvery = time.Hour

// prune deletes what is older than retention from st, at once and then
// every interval until ctx is done.
func prune(ctx context.Context, st store.Store, retention, every time.Duration, now func() time.Time, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		before := now().Add(-retention)
		p, err := st.Prune(ctx, before)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("pruning failed; retrying later", "err", err, "deleted_mentions", p.Mentions, "deleted_alerts", p.Alerts)
		case p != (store.Pruned{}):
			logger.Info("pruned", "before", before.UTC().Format(time.RFC3339), "mentions", p.Mentions, "buckets", p.Buckets, "alerts", p.Alerts)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func sourceBrands(src config.Source, cfg *config.Config, all map[string]collectors.Brand) []collectors.Brand {
	var out []collectors.Brand
	for _, b := range cfg.Brands {
		if len(src.Brands) == 0 || containsFold(src.Brands, b.Name) {
			out = append(out, all[b.Name])
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// newHTTPServer serves h with limits on every phase of a connection: every
// route is a GET with a bounded answer (a page is at most 1,000 mentions),
// so no client needs to hold a connection for long, and an idle keep-alive
// connection is closed.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}
