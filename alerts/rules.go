package alerts

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

// The functions in this file are the rules' decisions: pure, with time
// passed in, so that the engine, the backtest and the tests share them.

// inScope reports whether a rule applies to a brand and source ("" source:
// any).
func inScope(r *config.Rule, brand, source string) bool {
	if len(r.Brands) > 0 && !slices.Contains(r.Brands, brand) {
		return false
	}
	if source != "" && len(r.Sources) > 0 && !slices.Contains(r.Sources, source) {
		return false
	}
	return true
}

// matchMention reports whether m fires the negative_mention rule r.
func matchMention(r *config.Rule, m repmon.Mention) bool {
	if r.Type != config.RuleNegativeMention || !inScope(r, m.Brand, m.Source) {
		return false
	}
	if r.Below != nil && m.Sentiment.Compound > *r.Below {
		return false
	}
	return m.AuthorFollowers >= r.MinFollowers
}

// floorTime aligns t down to a multiple of d since the Unix epoch.
func floorTime(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	return time.Unix(0, t.UnixNano()-((t.UnixNano()%int64(d))+int64(d))%int64(d)).UTC()
}

// evalEnd is the end of the last complete aggregation bucket at now: every
// aggregate rule looks at windows that end there, so a window never
// includes a bucket that is still filling.
func evalEnd(now time.Time) time.Time { return floorTime(now, store.BucketWidth) }

// sumBuckets adds up the buckets that start in [from, to).
func sumBuckets(bs []store.Bucket, from, to time.Time) (total, negative int64) {
	i := sort.Search(len(bs), func(i int) bool { return !bs[i].Start.Before(from) })
	for ; i < len(bs) && bs[i].Start.Before(to); i++ {
		total += bs[i].Total
		negative += bs[i].Negative
	}
	return total, negative
}

// spikeResult is one evaluation of a volume_spike rule.
type spikeResult struct {
	Start, End time.Time // the counted window
	Count      int64
	Median     float64
	Scale      float64 // robust spread: max(1.4826·MAD, sqrt(median), 1)
	Baselines  int     // baseline windows with history
	Fire       bool
}

// evalSpike compares the mentions of the window ending at the last complete
// bucket with the same-length windows before it (rolling: the preceding
// windows; weekly: the same time of the preceding weeks). The current
// window is never part of its own baseline, and median and MAD barely move
// when a few past windows were spikes too, so a spike cannot hide itself.
// Windows that start before historyStart (the brand's first mention) are not
// baseline: a new brand has no normal yet. bs must be sorted by Start.
func evalSpike(r *config.Rule, bs []store.Bucket, historyStart, now time.Time) spikeResult {
	end := evalEnd(now)
	iv := r.Interval.D()
	res := spikeResult{Start: end.Add(-iv), End: end}
	res.Count, _ = sumBuckets(bs, res.Start, res.End)
	step := iv
	if r.Baseline == "weekly" {
		step = 7 * 24 * time.Hour
	}
	var base []float64
	for k := 1; k <= r.BaselineIntervals; k++ {
		from := res.Start.Add(-time.Duration(k) * step)
		if historyStart.IsZero() || from.Before(historyStart) {
			break
		}
		n, _ := sumBuckets(bs, from, from.Add(iv))
		base = append(base, float64(n))
	}
	res.Baselines = len(base)
	if len(base) < 3 {
		return res
	}
	res.Median = median(base)
	dev := make([]float64, len(base))
	for i, x := range base {
		dev[i] = math.Abs(x - res.Median)
	}
	res.Scale = math.Max(1.4826*median(dev), math.Max(math.Sqrt(res.Median), 1))
	c := float64(res.Count)
	if r.Direction == "down" {
		// Silence only matters where there is normally traffic: a quiet
		// baseline (median below min_count) never fires.
		res.Fire = res.Median >= float64(r.MinCount) && c <= res.Median-r.Threshold*res.Scale
	} else {
		res.Fire = res.Count >= r.MinCount && c >= res.Median+r.Threshold*res.Scale
	}
	return res
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// shareResult is one evaluation of a negative_share rule.
type shareResult struct {
	Start, End      time.Time
	Total, Negative int64
	Share           float64
	Fire            bool
}

// evalShare computes the negative share over the window ending at the last
// complete bucket; it fires above level once the window holds min_volume
// mentions, so that two negatives out of three never page anyone.
func evalShare(r *config.Rule, bs []store.Bucket, now time.Time) shareResult {
	end := evalEnd(now)
	res := shareResult{Start: end.Add(-r.Window.D()), End: end}
	res.Total, res.Negative = sumBuckets(bs, res.Start, res.End)
	if res.Total > 0 {
		res.Share = float64(res.Negative) / float64(res.Total)
	}
	res.Fire = res.Total >= r.MinVolume && res.Total > 0 && res.Share > *r.Level
	return res
}

// silentBaseline is the span over which source_silent learns whether a
// source normally yields mentions.
const silentBaseline = config.SilentBaseline

// silentResult is one evaluation of a source_silent rule for one source.
type silentResult struct {
	Since    time.Time // start of the silence or of the failures
	Failing  bool      // failing runs rather than an empty feed
	Expected float64   // mentions expected per `for` from the baseline
	Fire     bool
}

// evalSilent decides whether a source has been silent or failing for longer
// than r.For. bs are the source's buckets (all brands in scope) since
// now - silentBaseline - r.For; failingSince is the first of the current
// run of failed collector runs (zero when the last run succeeded).
func evalSilent(r *config.Rule, bs []store.Bucket, failingSince, now time.Time) silentResult {
	var res silentResult
	if !failingSince.IsZero() && now.Sub(failingSince) >= r.For.D() {
		return silentResult{Since: failingSince, Failing: true, Fire: true}
	}
	end := evalEnd(now)
	var last time.Time
	var total int64
	for _, b := range bs {
		if b.Total > 0 {
			total += b.Total
			last = b.Start.Add(store.BucketWidth)
		}
	}
	if last.IsZero() {
		return res // never yielded anything: not a source that "normally" does
	}
	res.Since = last
	// Expected mentions per `for`, over the part of the baseline before the
	// silence began, so that the silence does not dilute its own baseline.
	span := last.Sub(end.Add(-silentBaseline - r.For.D()))
	if span < r.For.D() {
		span = r.For.D()
	}
	res.Expected = float64(total) * float64(r.For.D()) / float64(span)
	res.Fire = end.Sub(last) >= r.For.D() && res.Expected >= float64(r.MinCount)
	return res
}

// summaries, one per rule type.

func mentionSummary(m repmon.Mention) string {
	who := m.Author
	if who == "" {
		who = "unknown author"
	}
	return fmt.Sprintf("Negative mention of %s on %s by %s (score %.2f): %s", m.Brand, m.Source, who,
		m.Sentiment.Compound, truncate(m.Text, 140))
}

// explain describes a mention's score from its sentiment fields; an
// Explainer option can replace it with the strongest contributing words.
func explain(m repmon.Mention) string {
	s := m.Sentiment
	return fmt.Sprintf("compound %.2f (%s): %.0f%% negative, %.0f%% neutral, %.0f%% positive wording",
		s.Compound, s.Label, s.Neg*100, s.Neu*100, s.Pos*100)
}
