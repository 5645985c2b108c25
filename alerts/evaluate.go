package alerts

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

// Evaluate runs the aggregate rules once, at the injected clock's now, and
// enqueues what fires (and what resolves). Run calls it on its interval.
func (e *Engine) Evaluate(ctx context.Context) {
	now := e.now().UTC()
	for i := range e.cfg.Alerts.Rules {
		r := &e.cfg.Alerts.Rules[i]
		var err error
		for _, target := range targets(e.cfg, r) {
			if r.Type == config.RuleSourceSilent {
				err = e.evalSource(ctx, r, target, now)
			} else {
				err = e.evalBrand(ctx, r, target, now)
			}
			if err != nil {
				break
			}
		}
		if err != nil && ctx.Err() == nil {
			e.log.Error("rule evaluation failed", "rule", r.Name, "err", err)
		}
	}
}

// targets lists what an aggregate rule is evaluated for: the brands in its
// scope, or for source_silent the sources in its scope. Other rules have
// none.
func targets(cfg *config.Config, r *config.Rule) []string {
	var out []string
	switch r.Type {
	case config.RuleVolumeSpike, config.RuleNegativeShare:
		for _, b := range cfg.Brands {
			if inScope(r, b.Name, "") {
				out = append(out, b.Name)
			}
		}
	case config.RuleSourceSilent:
		// brands narrow the mentions a source_silent rule counts, not
		// the sources it watches
		for _, s := range cfg.Sources {
			if len(r.Sources) == 0 || contains(r.Sources, s.Name) {
				out = append(out, s.Name)
			}
		}
	}
	return out
}

// activeKey is the key under which transition tracks a firing aggregate
// alert: its brand, or its source for source_silent.
func activeKey(a *Alert) string {
	if a.Type == config.RuleSourceSilent {
		return "source=" + a.Source
	}
	return a.Brand
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// buckets returns a brand's buckets restricted to the rule's sources,
// merged and sorted by start.
func (e *Engine) buckets(ctx context.Context, r *config.Rule, brand string, since time.Time) ([]store.Bucket, error) {
	if len(r.Sources) == 0 {
		return e.st.Buckets(ctx, brand, "", since)
	}
	sum := map[time.Time]store.Bucket{}
	for _, src := range r.Sources {
		bs, err := e.st.Buckets(ctx, brand, src, since)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			x := sum[b.Start]
			x.Start = b.Start
			x.Total += b.Total
			x.Negative += b.Negative
			sum[b.Start] = x
		}
	}
	return sortedBuckets(sum), nil
}

func sortedBuckets(m map[time.Time]store.Bucket) []store.Bucket {
	out := make([]store.Bucket, 0, len(m))
	for _, b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// historyStart returns the creation time of a brand's first stored
// mention, cached once known.
func (e *Engine) historyStart(ctx context.Context, brand string) (time.Time, error) {
	e.mu.Lock()
	t, ok := e.history[brand]
	e.mu.Unlock()
	if ok {
		return t, nil
	}
	ms, _, err := e.st.Mentions(ctx, store.Query{Brand: brand, Ascending: true, Limit: 1})
	if err != nil || len(ms) == 0 {
		return time.Time{}, err
	}
	t = floorTime(ms[0].CreatedAt, store.BucketWidth)
	e.mu.Lock()
	e.history[brand] = t
	e.mu.Unlock()
	return t, nil
}

func (e *Engine) evalBrand(ctx context.Context, r *config.Rule, brand string, now time.Time) error {
	var a *Alert
	var firing bool
	switch r.Type {
	case config.RuleVolumeSpike:
		hist, err := e.historyStart(ctx, brand)
		if err != nil {
			return err
		}
		bs, err := e.buckets(ctx, r, brand, evalEnd(now).Add(-r.Interval.D()-r.BaselineSpan()))
		if err != nil {
			return err
		}
		res := evalSpike(r, bs, hist, now)
		firing = res.Fire
		a = spikeAlert(r, brand, res, now)
	case config.RuleNegativeShare:
		bs, err := e.buckets(ctx, r, brand, evalEnd(now).Add(-r.Window.D()))
		if err != nil {
			return err
		}
		res := evalShare(r, bs, now)
		firing = res.Fire
		a = shareAlert(r, brand, res, now)
	}
	return e.transition(ctx, r, brand, brand, firing, a, now)
}

func (e *Engine) evalSource(ctx context.Context, r *config.Rule, source string, now time.Time) error {
	since := evalEnd(now).Add(-silentBaseline - r.For.D())
	sum := map[time.Time]store.Bucket{}
	for _, b := range e.cfg.Brands {
		if !inScope(r, b.Name, "") {
			continue
		}
		bs, err := e.st.Buckets(ctx, b.Name, source, since)
		if err != nil {
			return err
		}
		for _, x := range bs {
			y := sum[x.Start]
			y.Start = x.Start
			y.Total += x.Total
			y.Negative += x.Negative
			sum[x.Start] = y
		}
	}
	e.mu.Lock()
	var failing time.Time
	if s := e.runs[source]; s != nil {
		failing = s.failingSince
	}
	e.mu.Unlock()
	res := evalSilent(r, sortedBuckets(sum), failing, now)
	brand := ""
	if len(r.Brands) == 1 {
		brand = r.Brands[0]
	}
	a := silentAlert(r, source, brand, res, now)
	return e.transition(ctx, r, activeKey(a), brand, res.Fire, a, now)
}

// transition enqueues a firing alert when a rule starts firing for key (or
// keeps firing after its cooldown), and a resolved one when it stops.
// New reads the firing alerts back from the store, so that a restart
// neither loses their resolution nor stops refreshing them.
func (e *Engine) transition(ctx context.Context, r *config.Rule, key, brand string, firing bool, a *Alert, now time.Time) error {
	k := r.Name + "|" + key
	e.mu.Lock()
	prev := e.active[k]
	e.mu.Unlock()
	if !firing {
		if prev == nil {
			return nil
		}
		res := *prev
		res.ID = prev.ID + "-resolved"
		res.Status = StatusResolved
		res.Summary = "Resolved: " + prev.Summary
		res.CreatedAt, res.EndsAt = now, now
		if err := e.enqueue(ctx, r, brand, &res); err != nil {
			return err
		}
		e.mu.Lock()
		delete(e.active, k)
		e.lastFired[k] = now
		e.mu.Unlock()
		return nil
	}
	if prev != nil {
		return nil // still firing: said once
	}
	cooldownKey := k
	if r.Type != config.RuleSourceSilent {
		cooldownKey = r.Name + "|" + brand
	}
	e.mu.Lock()
	last, ok := e.lastFired[cooldownKey]
	e.mu.Unlock()
	if ok && now.Sub(last) < r.Cooldown.D() {
		return nil
	}
	if err := e.enqueue(ctx, r, brand, a); err != nil {
		return err
	}
	e.mu.Lock()
	e.active[k] = a
	e.lastFired[cooldownKey] = now
	e.mu.Unlock()
	return nil
}

func (e *Engine) enqueue(ctx context.Context, r *config.Rule, brand string, a *Alert) error {
	return e.st.Enqueue(ctx, []store.Alert{{ID: a.ID, Rule: r.Name, Brand: brand, CreatedAt: a.CreatedAt, Payload: a.encode(), Channels: r.Channels}})
}

func spikeAlert(r *config.Rule, brand string, res spikeResult, now time.Time) *Alert {
	what := "spike"
	if r.Direction == "down" {
		what = "drop"
	}
	return &Alert{
		ID: alertID(r.Name, brand, windowKey(res.Start)), Rule: r.Name, Type: r.Type, Brand: brand, Severity: r.Severity,
		Status: StatusFiring, CreatedAt: now, StartsAt: res.Start, Mentions: nil,
		Summary: fmt.Sprintf("Mention volume %s for %s: %d mentions in %s (usually %.0f)", what, brand, res.Count,
			r.Interval.D(), res.Median),
		Description: fmt.Sprintf("%d mentions between %s and %s against a median of %.1f (robust spread %.1f) over %d %s baseline windows; threshold %.1f.",
			res.Count, res.Start.Format(time.RFC3339), res.End.Format(time.RFC3339), res.Median, res.Scale, res.Baselines, r.Baseline, r.Threshold),
	}
}

func shareAlert(r *config.Rule, brand string, res shareResult, now time.Time) *Alert {
	return &Alert{
		ID: alertID(r.Name, brand, windowKey(res.Start)), Rule: r.Name, Type: r.Type, Brand: brand, Severity: r.Severity,
		Status: StatusFiring, CreatedAt: now, StartsAt: res.Start,
		Summary: fmt.Sprintf("%.0f%% of mentions of %s are negative (%d of %d in %s)", res.Share*100, brand, res.Negative,
			res.Total, r.Window.D()),
		Description: fmt.Sprintf("Negative share %.2f above %.2f between %s and %s.", res.Share, *r.Level,
			res.Start.Format(time.RFC3339), res.End.Format(time.RFC3339)),
	}
}

func silentAlert(r *config.Rule, source, brand string, res silentResult, now time.Time) *Alert {
	a := &Alert{
		Rule: r.Name, Type: r.Type, Brand: brand, Source: source, Severity: r.Severity, Status: StatusFiring,
		CreatedAt: now, StartsAt: res.Since,
	}
	if res.Failing {
		a.Failing = true
		a.ID = alertID(r.Name, source, "failing", windowKey(res.Since))
		a.Summary = fmt.Sprintf("Source %s has been failing since %s", source, res.Since.UTC().Format(time.RFC3339))
		a.Description = "Every collector run since then ended in an error, a rate limit or an authentication failure."
		return a
	}
	a.ID = alertID(r.Name, source, "silent", windowKey(res.Since))
	a.Summary = fmt.Sprintf("Source %s has yielded no mentions since %s", source, res.Since.UTC().Format(time.RFC3339))
	a.Description = fmt.Sprintf("It usually yields about %.1f mentions per %s.", res.Expected, r.For.D())
	return a
}
