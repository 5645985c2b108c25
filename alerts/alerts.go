// Package alerts turns mentions into alerts and delivers them.
//
// Rule evaluation is pure (rules.go): negative_mention runs on each batch of
// newly stored mentions inside the store transaction (Engine.Alerts), so an
// alert exists exactly when its mention does; the aggregate rules
// (volume_spike, negative_share, source_silent) run on an interval over the
// store's 5-minute buckets and enqueue their alerts with store.Enqueue.
//
// Delivery goes through the store's durable outbox: Run polls due
// deliveries, hands each to its channel's Notifier (one file per channel),
// and records the outcome. The only state is in the store, so a restart
// resumes where the last process stopped. Delivery is at least once: an
// alert whose send succeeded but whose outcome was not yet recorded is sent
// again, with the same id, which every payload carries as its idempotency
// key.
package alerts

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/metrics"
	"github.com/repmon/repmon/store"
)

// Defaults of the engine's timing.
const (
	DefaultBackoffBase  = 5 * time.Second
	DefaultBackoffMax   = 5 * time.Minute
	DefaultPollInterval = time.Second
	DefaultEvalInterval = time.Minute
	dueBatch            = 100
)

// Engine evaluates the rules of a config and delivers their alerts.
//
// Concurrency: Alerts and ObserveRun may be called from any goroutine,
// concurrently with Run. Run must be called at most once at a time.
type Engine struct {
	cfg     *config.Config
	st      store.Store
	m       *metrics.Metrics
	log     *slog.Logger
	now     func() time.Time
	jitter  func(time.Duration) time.Duration
	base    time.Duration
	max     time.Duration
	poll    time.Duration
	eval    time.Duration
	explain func(repmon.Mention) string

	rules     map[string]*config.Rule
	lateAfter map[string]time.Duration // source -> see lateAfter
	channels  map[string]config.Channel
	notifiers map[string]Notifier

	mu        sync.Mutex
	lastFired map[string]time.Time // rule|key -> last alert, for cooldowns
	active    map[string]*Alert    // rule|key -> firing aggregate alert, for resolution
	runs      map[string]*runState // source -> collector run history
	history   map[string]time.Time // brand -> first mention, for spike baselines
	holds     map[string]channelHold
}

// channelHold is how long a channel waits after consecutive retryable
// failures (see Engine.hold).
type channelHold struct {
	until    time.Time
	failures int
}

type runState struct {
	failingSince time.Time
	lastSuccess  time.Time
}

// Option configures an Engine.
type Option func(*options)

type options struct {
	now       func() time.Time
	jitter    func(time.Duration) time.Duration
	rt        http.RoundTripper
	base, max time.Duration
	dial      DialFunc
	tls       *tls.Config
	poll      time.Duration
	eval      time.Duration
	explain   func(repmon.Mention) string
}

// newOptions applies opts to the defaults.
func newOptions(opts []Option) options {
	o := options{now: time.Now, base: DefaultBackoffBase, max: DefaultBackoffMax, poll: DefaultPollInterval, eval: DefaultEvalInterval}
	for _, opt := range opts {
		opt(&o)
	}
	if o.jitter == nil {
		WithRand(rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))(&o)
	}
	if o.rt == nil {
		o.rt = http.DefaultTransport
	}
	return o
}

// newNotifier builds the notifier of channel ch.
func newNotifier(ch config.Channel, o *options) (Notifier, error) {
	switch ch.Type {
	case config.ChannelWebhook:
		return NewWebhook(ch, o.rt, o.now), nil
	case config.ChannelAlertmanager:
		return NewAlertmanager(ch, o.rt, o.now), nil
	case config.ChannelSlack:
		return NewSlack(ch, o.rt, o.now, o.explain), nil
	case config.ChannelEmail:
		return NewEmail(ch, o.dial, o.tls, o.now, o.explain), nil
	}
	return nil, fmt.Errorf("alerts: channel %s: unknown type %q", ch.Name, ch.Type)
}

// WithNow injects the clock.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithJitter replaces the backoff jitter: it maps a computed delay to the
// delay actually used. The default draws uniformly from [d/2, d).
func WithJitter(j func(time.Duration) time.Duration) Option {
	return func(o *options) { o.jitter = j }
}

// WithRand draws the default jitter from r.
func WithRand(r *rand.Rand) Option {
	return func(o *options) {
		o.jitter = func(d time.Duration) time.Duration {
			if d <= 1 {
				return d
			}
			return d/2 + time.Duration(r.Int64N(int64(d/2)))
		}
	}
}

// WithTransport sets the HTTP transport of the HTTP channels.
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.rt = rt } }

// WithBackoff sets the first retry delay and its cap.
func WithBackoff(base, max time.Duration) Option {
	return func(o *options) { o.base, o.max = base, max }
}

// WithSMTPDialer sets how email channels connect, and optionally the TLS
// config of STARTTLS (nil: verify the server name against system roots).
func WithSMTPDialer(dial DialFunc, tlsConfig *tls.Config) Option {
	return func(o *options) { o.dial, o.tls = dial, tlsConfig }
}

// WithIntervals sets how often Run polls the outbox and evaluates the
// aggregate rules.
func WithIntervals(poll, eval time.Duration) Option {
	return func(o *options) { o.poll, o.eval = poll, eval }
}

// WithExplainer supplies a mention's score explanation (e.g. its strongest
// contributing words) for Slack and email; by default it is described from
// the sentiment fields.
func WithExplainer(f func(repmon.Mention) string) Option {
	return func(o *options) { o.explain = f }
}

// New builds an Engine for cfg. It reads from st the last alert of each
// rule and brand, so that cooldowns survive restarts.
func New(cfg *config.Config, st store.Store, m *metrics.Metrics, logger *slog.Logger, opts ...Option) (*Engine, error) {
	o := newOptions(opts)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.base <= 0 || o.max < o.base {
		return nil, fmt.Errorf("alerts: backoff base %v and max %v: want 0 < base <= max", o.base, o.max)
	}
	e := &Engine{
		cfg: cfg, st: st, m: m, log: logger.With("component", "alerts"), now: o.now, jitter: o.jitter,
		base: o.base, max: o.max, poll: o.poll, eval: o.eval, explain: o.explain,
		rules: map[string]*config.Rule{}, lateAfter: lateAfter(cfg), channels: map[string]config.Channel{}, notifiers: map[string]Notifier{},
		lastFired: map[string]time.Time{}, active: map[string]*Alert{}, runs: map[string]*runState{},
		history: map[string]time.Time{}, holds: map[string]channelHold{},
	}
	for _, ch := range cfg.Alerts.Channels {
		e.channels[ch.Name] = ch
		n, err := newNotifier(ch, &o)
		if err != nil {
			return nil, err
		}
		e.notifiers[ch.Name] = n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range cfg.Alerts.Rules {
		r := &cfg.Alerts.Rules[i]
		e.rules[r.Name] = r
		if r.Cooldown <= 0 || r.Type == config.RuleSourceSilent {
			continue
		}
		for _, b := range cfg.Brands {
			if !inScope(r, b.Name, "") {
				continue
			}
			last, err := st.LastAlert(ctx, r.Name, b.Name)
			if err != nil {
				return nil, fmt.Errorf("alerts: %w", err)
			}
			if !last.IsZero() {
				e.lastFired[r.Name+"|"+b.Name] = last
			}
		}
	}
	if err := e.restoreActive(ctx); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return e, nil
}

// activeLookback bounds how far back New looks for aggregate alerts that
// are still firing.
const activeLookback = 30 * 24 * time.Hour

// restoreActive reads back the aggregate alerts that were firing when the
// last process stopped: for every target a rule is still evaluated for,
// the newest alert, unless it is a resolution. They resolve by a message
// and are refreshed as if this process had fired them. A source that was
// failing is taken to fail still, since the alert's start, until this
// process sees one of its runs succeed: the run history is not stored.
func (e *Engine) restoreActive(ctx context.Context) error {
	since := e.now().Add(-activeLookback)
	for i := range e.cfg.Alerts.Rules {
		r := &e.cfg.Alerts.Rules[i]
		ts := targets(e.cfg, r)
		if len(ts) == 0 {
			continue
		}
		stored, err := e.st.RuleAlerts(ctx, r.Name, since)
		if err != nil {
			return err
		}
		newest := map[string]*Alert{}
		for _, sa := range stored {
			a, err := decodeAlert(sa.Payload)
			if err != nil {
				e.log.Warn("skipping an undecodable stored alert", "rule", r.Name, "alert_id", sa.ID)
				continue
			}
			if a.Type == r.Type { // not from an older rule of the same name
				newest[activeKey(a)] = a
			}
		}
		for _, t := range ts {
			key := t
			if r.Type == config.RuleSourceSilent {
				key = "source=" + t
			}
			a := newest[key]
			if a == nil || a.Status != StatusFiring {
				continue
			}
			e.active[r.Name+"|"+key] = a
			if a.Failing && e.runs[t] == nil {
				e.runs[t] = &runState{failingSince: a.StartsAt}
			}
		}
	}
	return nil
}

// coolingDown reports whether key fired less than d ago, and if not,
// records that it fires now.
func (e *Engine) coolingDown(key string, d time.Duration, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d > 0 {
		if last, ok := e.lastFired[key]; ok && now.Sub(last) < d {
			return true
		}
	}
	e.lastFired[key] = now
	return false
}

// Alerts evaluates the per-mention rules on newly stored mentions. It is
// the collectors' AlertHook: it runs inside the store transaction, does no
// I/O and returns the alerts to enqueue with the mentions. Backfilled
// mentions (the first walk of a source and brand) alert only for rules with
// alert_on_backfill, so that adding a brand does not flood the channels; so
// do late ones (see late).
func (e *Engine) Alerts(inserted []repmon.Mention, backfill bool) []store.Alert {
	now := e.now().UTC()
	var out []store.Alert
	for _, r := range e.cfg.Alerts.Rules {
		if r.Type != config.RuleNegativeMention || (backfill && !r.AlertOnBackfill) {
			continue
		}
		groups := map[string]*Alert{}
		var order []string
		for _, m := range inserted {
			if !matchMention(&r, m) || !r.AlertOnBackfill && late(m, e.lateAfter) {
				continue
			}
			if r.GroupWindow > 0 {
				a := e.groupAlert(&r, m, now)
				if g, ok := groups[a.ID]; ok {
					g.Mentions = append(g.Mentions, m)
					continue
				}
				groups[a.ID] = a
				order = append(order, a.ID)
				continue
			}
			if e.coolingDown(r.Name+"|"+m.Brand, r.Cooldown.D(), now) {
				continue
			}
			a := mentionAlert(&r, m, now)
			if e.explain != nil {
				if why := e.explain(m); why != "" {
					a.Description = why
				}
			}
			out = append(out, store.Alert{ID: a.ID, Rule: r.Name, Brand: m.Brand, CreatedAt: now, Payload: a.encode(), Channels: r.Channels})
		}
		for _, id := range order {
			a := groups[id]
			// A cooldown on a grouped rule spaces whole windows: a window
			// that already has its alert is not a new firing.
			if r.Cooldown > 0 && e.groupCooling(&r, a, now) {
				continue
			}
			out = append(out, store.Alert{ID: a.ID, Rule: r.Name, Brand: a.Brand, CreatedAt: a.CreatedAt, Payload: a.encode(), Channels: r.Channels})
		}
	}
	return out
}

// lateAfter is, per source, how long after it was posted a post may be
// first collected and still be news: the source's backfill, plus the
// longest wait between two runs of its schedule (a post published just
// after a run waits that long for the next).
func lateAfter(cfg *config.Config) map[string]time.Duration {
	out := make(map[string]time.Duration, len(cfg.Sources))
	for _, src := range cfg.Sources {
		out[src.Name] = src.Backfill.D() + config.ScheduleGap(src.Schedule)
	}
	return out
}

// late reports whether m was first collected later after it was posted
// than its source's lateAfter. Such a post is not news, whatever walk found
// it: the items of a feed, hashtag or query alternative added to a source
// that already has a cursor, an old article a news search turns up, the
// posts of a source back from a long outage. It counts as backfill, so that
// such a change does not flood the channels either. A source no longer in
// the config gets the default backfill.
func late(m repmon.Mention, after map[string]time.Duration) bool {
	d, ok := after[m.Source]
	if !ok || d <= 0 {
		d = config.DefaultBackfill
	}
	return m.CollectedAt.Sub(m.CreatedAt) > d
}

func (e *Engine) groupCooling(r *config.Rule, a *Alert, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := r.Name + "|" + a.Brand
	last, ok := e.lastFired[key]
	switch {
	case !ok || last.Before(a.Group.Start) && a.Group.Start.Sub(last) >= r.Cooldown.D():
		e.lastFired[key] = a.Group.Start
		return false
	case last.Equal(a.Group.Start):
		return false // the same window again: the outbox keeps its first version
	default:
		return true
	}
}

// mentionAlert is the alert of one mention under one rule. Its id depends
// only on the rule, brand, source and mention id.
func mentionAlert(r *config.Rule, m repmon.Mention, now time.Time) *Alert {
	return &Alert{
		ID: alertID(r.Name, m.Brand, m.Source, m.ID), Rule: r.Name, Type: r.Type, Brand: m.Brand, Source: m.Source,
		Severity: r.Severity, Status: StatusFiring, Summary: mentionSummary(m), Description: explain(m),
		CreatedAt: now, StartsAt: m.CreatedAt, Mentions: []repmon.Mention{m}, PerMention: true,
	}
}

// groupAlert is the alert of the group window that m was collected in. Its
// id depends only on the rule, brand and window start; the mentions it lists
// are read from the store when the window has closed.
func (e *Engine) groupAlert(r *config.Rule, m repmon.Mention, now time.Time) *Alert {
	at := m.CollectedAt
	if at.IsZero() {
		at = now
	}
	start := floorTime(at, r.GroupWindow.D())
	g := &Group{Start: start, End: start.Add(r.GroupWindow.D())}
	return &Alert{
		ID: alertID(r.Name, m.Brand, "group", windowKey(start)), Rule: r.Name, Type: r.Type, Brand: m.Brand,
		Severity: r.Severity, Status: StatusFiring, Summary: groupSummary(1, m.Brand, g),
		CreatedAt: start, StartsAt: start, Mentions: []repmon.Mention{m}, PerMention: true,
		Group: g,
	}
}

func groupSummary(n int, brand string, g *Group) string {
	return fmt.Sprintf("%d negative mention(s) of %s collected between %s and %s", n, brand,
		g.Start.UTC().Format("2006-01-02 15:04"), g.End.UTC().Format("15:04 MST"))
}

// ObserveRun records the outcome of one collector run for source_silent.
func (e *Engine) ObserveRun(source, result string, stored int, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.runs[source]
	if s == nil {
		s = &runState{}
		e.runs[source] = s
	}
	if result == metrics.ResultSuccess {
		s.failingSince = time.Time{}
		s.lastSuccess = at
		return
	}
	if s.failingSince.IsZero() {
		s.failingSince = at
	}
}

// Test sends a test alert to one channel, bypassing the outbox.
func (e *Engine) Test(ctx context.Context, channel string) error {
	n, ok := e.notifiers[channel]
	if !ok {
		return fmt.Errorf("alerts: unknown channel %q", channel)
	}
	_, err := n.Notify(ctx, testAlert(e.cfg, channel, e.now()))
	return err
}

// SendTest is Test without an engine: it builds the one channel's
// notifier, so that `repmon alerts test` needs no database (an engine
// reads its alert history from the store) and works before `repmon run`
// has made one.
func SendTest(ctx context.Context, cfg *config.Config, channel string, opts ...Option) error {
	o := newOptions(opts)
	for _, ch := range cfg.Alerts.Channels {
		if ch.Name != channel {
			continue
		}
		n, err := newNotifier(ch, &o)
		if err != nil {
			return err
		}
		_, err = n.Notify(ctx, testAlert(cfg, channel, o.now()))
		return err
	}
	return fmt.Errorf("alerts: unknown channel %q", channel)
}

// testAlert is the alert that Test and SendTest send to channel at now.
func testAlert(cfg *config.Config, channel string, now time.Time) *Alert {
	now = now.UTC()
	brand := ""
	if len(cfg.Brands) > 0 {
		brand = cfg.Brands[0].Name
	}
	return &Alert{
		ID: alertID("test", channel, windowKey(now)), Rule: "test", Type: "test", Brand: brand, Severity: "info",
		Status: StatusFiring, Summary: "Test alert from repmon: channel " + channel + " works",
		Description: "Sent by `repmon alerts test`; no action needed.", CreatedAt: now, StartsAt: now,
		Mentions: []repmon.Mention{}, Test: true,
	}
}
