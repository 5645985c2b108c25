package alerts

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

// Backtest replays the mentions stored since since (oldest first) through
// the rules and writes how often each rule would have fired, per brand.
// It uses the same decisions as the engine, with the replayed mentions'
// creation times as the clock: negative_mention with its cooldown and
// grouping (a late mention, see late, alerts only for rules with
// alert_on_backfill), the aggregate rules evaluated every 5 minutes over
// buckets rebuilt from the replay. source_silent sees no collector failures (they
// are not stored), only silence. Nothing is sent or enqueued.
func Backtest(ctx context.Context, cfg *config.Config, st store.Store, since time.Time, w io.Writer) error {
	type key struct{ rule, brand string }
	fired := map[key]int{}
	last := map[key]time.Time{}
	lastGroup := map[key]time.Time{}
	// per brand and source buckets, for the aggregate rules
	type bkey struct {
		brand, source string
		start         time.Time
	}
	buckets := map[bkey]store.Bucket{}
	after := lateAfter(cfg)
	first, end := time.Time{}, time.Time{}
	n := 0
	q := store.Query{Since: since, Ascending: true, Limit: 1000}
	for {
		page, next, err := st.Mentions(ctx, q)
		if err != nil {
			return fmt.Errorf("alerts: backtest: %w", err)
		}
		for _, m := range page {
			n++
			if first.IsZero() {
				first = m.CreatedAt
			}
			end = m.CreatedAt
			bk := bkey{m.Brand, m.Source, floorTime(m.CreatedAt, store.BucketWidth)}
			b := buckets[bk]
			b.Start = bk.start
			b.Total++
			if m.Sentiment.Label == "negative" {
				b.Negative++
			}
			buckets[bk] = b
			for i := range cfg.Alerts.Rules {
				r := &cfg.Alerts.Rules[i]
				if !matchMention(r, m) || !r.AlertOnBackfill && late(m, after) {
					continue
				}
				k := key{r.Name, m.Brand}
				if r.GroupWindow > 0 {
					start := floorTime(m.CreatedAt, r.GroupWindow.D())
					if lg, ok := lastGroup[k]; ok && (lg.Equal(start) || start.Sub(lg) < r.Cooldown.D()) {
						continue
					}
					lastGroup[k] = start
					fired[k]++
					continue
				}
				if l, ok := last[k]; ok && r.Cooldown > 0 && m.CreatedAt.Sub(l) < r.Cooldown.D() {
					continue
				}
				last[k] = m.CreatedAt
				fired[k]++
			}
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}

	// Aggregate rules, stepping a simulated clock through the replay.
	series := func(r *config.Rule, brand, source string) []store.Bucket {
		sum := map[time.Time]store.Bucket{}
		for k, b := range buckets {
			if brand != "" && k.brand != brand || source != "" && k.source != source {
				continue
			}
			if !inScope(r, k.brand, k.source) {
				continue
			}
			x := sum[k.start]
			x.Start = k.start
			x.Total += b.Total
			x.Negative += b.Negative
			sum[k.start] = x
		}
		return sortedBuckets(sum)
	}
	if n > 0 {
		start := floorTime(first, store.BucketWidth).Add(store.BucketWidth)
		stop := floorTime(end, store.BucketWidth).Add(2 * store.BucketWidth)
		for i := range cfg.Alerts.Rules {
			r := &cfg.Alerts.Rules[i]
			for _, target := range targets(cfg, r) {
				brand, source := target, ""
				if r.Type == config.RuleSourceSilent {
					brand, source = "", target
				}
				bs := series(r, brand, source)
				hist := time.Time{}
				if len(bs) > 0 {
					hist = bs[0].Start
				}
				k := key{r.Name, brand}
				if source != "" {
					k.brand = "source=" + source
				}
				active := false
				var lastAt time.Time
				for now := start; !now.After(stop); now = now.Add(store.BucketWidth) {
					var fire bool
					switch r.Type {
					case config.RuleVolumeSpike:
						fire = evalSpike(r, bs, hist, now).Fire
					case config.RuleNegativeShare:
						fire = evalShare(r, bs, now).Fire
					case config.RuleSourceSilent:
						from := evalEnd(now).Add(-silentBaseline - r.For.D())
						lo := sort.Search(len(bs), func(i int) bool { return !bs[i].Start.Before(from) })
						hi := sort.Search(len(bs), func(i int) bool { return !bs[i].Start.Before(evalEnd(now)) })
						fire = evalSilent(r, bs[lo:hi], time.Time{}, now).Fire
					}
					switch {
					case fire && !active && (lastAt.IsZero() || now.Sub(lastAt) >= r.Cooldown.D()):
						active, lastAt = true, now
						fired[k]++
					case !fire && active:
						active, lastAt = false, now
					}
				}
			}
		}
	}

	fmt.Fprintf(w, "replayed %d mentions", n)
	if n > 0 {
		fmt.Fprintf(w, " created %s .. %s", first.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tTYPE\tBRAND\tFIRED")
	for _, r := range cfg.Alerts.Rules {
		var rows []key
		for k := range fired {
			if k.rule == r.Name {
				rows = append(rows, k)
			}
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].brand < rows[j].brand })
		if len(rows) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t0\n", r.Name, r.Type, "-")
		}
		for _, k := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", r.Name, r.Type, k.brand, fired[k])
		}
	}
	return tw.Flush()
}
