package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

func rule(t *testing.T, yaml string) *config.Rule {
	t.Helper()
	cfg := loadConfig(t, `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}, {name: news, type: rss, feeds: ["https://example.com/f"]}]
alerts:
  channels: [{name: hooks, type: webhook, url: "https://example.com/h"}]
  rules: [`+yaml+`]
`)
	return &cfg.Alerts.Rules[0]
}

// hourly builds hourly series of 5m buckets: counts[i] mentions in hour i
// (spread over its first bucket), ending at end.
func hourly(end time.Time, counts ...int64) []store.Bucket {
	var bs []store.Bucket
	start := end.Add(-time.Duration(len(counts)) * time.Hour)
	for i, c := range counts {
		if c > 0 {
			bs = append(bs, store.Bucket{Start: start.Add(time.Duration(i) * time.Hour), Total: c})
		}
	}
	return bs
}

func repeat(n int, v int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestEvalSpike(t *testing.T) {
	now := t0.Add(2 * time.Minute) // the last complete bucket ends at t0
	noisy := []int64{18, 22, 20, 19, 25, 21, 17, 20, 23, 20, 18, 22, 21, 19, 20, 24, 16, 20, 22, 21, 19, 20, 18, 21}
	withOldSpike := append([]int64{}, noisy...)
	withOldSpike[5], withOldSpike[6] = 400, 380 // earlier spikes hardly move median and MAD
	tests := []struct {
		name   string
		rule   string
		counts []int64 // hourly, the last one is the evaluated window
		hist   time.Time
		fire   bool
	}{
		{"spike fires", "{name: s, type: volume_spike, channels: [hooks]}", append(noisy, 80), time.Time{}, true},
		{"normal hour does not fire", "{name: s, type: volume_spike, channels: [hooks]}", append(noisy, 26), time.Time{}, false},
		{"baseline not inflated by past spikes", "{name: s, type: volume_spike, channels: [hooks]}", append(withOldSpike, 80), time.Time{}, true},
		// A mean-based baseline including the spike would need 100+ here; the
		// median of the other windows stays at 20.
		{"spike is not its own baseline", "{name: s, type: volume_spike, channels: [hooks], baseline_intervals: 3}", []int64{20, 20, 20, 60}, time.Time{}, true},
		{"quiet hours do not fire", "{name: s, type: volume_spike, channels: [hooks]}", append(repeat(24, 0), 6), time.Time{}, false},
		{"min_count reached", "{name: s, type: volume_spike, channels: [hooks], min_count: 5}", append(repeat(24, 0), 6), time.Time{}, true},
		{"no history yet", "{name: s, type: volume_spike, channels: [hooks]}", append(repeat(24, 0), 50), t0.Add(-2 * time.Hour), false},
		{"direction down fires on silence", "{name: s, type: volume_spike, channels: [hooks], direction: down}", append(noisy, 0), time.Time{}, true},
		{"direction down ignores a dip", "{name: s, type: volume_spike, channels: [hooks], direction: down}", append(noisy, 15), time.Time{}, false},
		{"direction down ignores quiet baselines", "{name: s, type: volume_spike, channels: [hooks], direction: down}", append(repeat(24, 3), 0), time.Time{}, false},
		{"direction down does not fire on a spike", "{name: s, type: volume_spike, channels: [hooks], direction: down}", append(noisy, 90), time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rule(t, tc.rule)
			hist := tc.hist
			if hist.IsZero() {
				hist = t0.Add(-time.Duration(len(tc.counts)) * time.Hour)
			}
			res := evalSpike(r, hourly(t0, tc.counts...), hist, now)
			if res.Fire != tc.fire {
				t.Errorf("fire = %v, want %v (%+v)", res.Fire, tc.fire, res)
			}
			if res.Count != tc.counts[len(tc.counts)-1] {
				t.Errorf("count = %d, want %d", res.Count, tc.counts[len(tc.counts)-1])
			}
		})
	}
}

func TestEvalSpikeWeekly(t *testing.T) {
	r := rule(t, "{name: s, type: volume_spike, channels: [hooks], baseline: weekly}")
	if r.BaselineIntervals != 4 {
		t.Fatalf("weekly default baseline_intervals = %d", r.BaselineIntervals)
	}
	// Monday 9-10h is always busy (100); the preceding hour is quiet (5).
	// A rolling baseline would call 100 a spike; the weekly one does not.
	var bs []store.Bucket
	for w := 4; w >= 0; w-- {
		bs = append(bs, store.Bucket{Start: t0.Add(-time.Duration(w)*7*24*time.Hour - 2*time.Hour), Total: 5})
		bs = append(bs, store.Bucket{Start: t0.Add(-time.Duration(w)*7*24*time.Hour - time.Hour), Total: 100})
	}
	hist := t0.Add(-5 * 7 * 24 * time.Hour)
	if res := evalSpike(r, bs, hist, t0); res.Fire {
		t.Errorf("weekly: usual busy hour fired: %+v", res)
	}
	bs[len(bs)-1].Total = 400
	if res := evalSpike(r, bs, hist, t0); !res.Fire {
		t.Errorf("weekly: 4x the usual did not fire: %+v", res)
	}
}

func TestEvalShare(t *testing.T) {
	tests := []struct {
		name       string
		rule       string
		total, neg int64
		fire       bool
	}{
		{"above level", "{name: n, type: negative_share, channels: [hooks]}", 40, 25, true},
		{"at level does not fire", "{name: n, type: negative_share, channels: [hooks]}", 40, 20, false},
		{"below min volume", "{name: n, type: negative_share, channels: [hooks]}", 3, 3, false},
		{"custom level and volume", "{name: n, type: negative_share, channels: [hooks], level: 0.2, min_volume: 5}", 5, 2, true},
		{"no mentions", "{name: n, type: negative_share, channels: [hooks], min_volume: 0}", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rule(t, tc.rule)
			bs := []store.Bucket{
				{Start: t0.Add(-2 * time.Hour), Total: 100, Negative: 100}, // outside the 1h window
				{Start: t0.Add(-30 * time.Minute), Total: tc.total, Negative: tc.neg},
				{Start: t0, Total: 50, Negative: 50}, // the bucket still filling
			}
			if res := evalShare(r, bs, t0.Add(time.Minute)); res.Fire != tc.fire {
				t.Errorf("fire = %v, want %v (%+v)", res.Fire, tc.fire, res)
			}
		})
	}
}

func TestEvalSilent(t *testing.T) {
	r := rule(t, "{name: q, type: source_silent, channels: [hooks], for: 2h}")
	// A source yielding 2 mentions per hour for a week, then nothing.
	busy := func(until time.Time) []store.Bucket {
		var bs []store.Bucket
		for at := until.Add(-7 * 24 * time.Hour); at.Before(until); at = at.Add(30 * time.Minute) {
			bs = append(bs, store.Bucket{Start: at, Total: 1})
		}
		return bs
	}
	tests := []struct {
		name    string
		bs      []store.Bucket
		failing time.Time
		fire    bool
		failed  bool
	}{
		{"yielding", busy(t0), time.Time{}, false, false},
		{"silent for 1h", busy(t0.Add(-time.Hour)), time.Time{}, false, false},
		{"silent for 3h", busy(t0.Add(-3 * time.Hour)), time.Time{}, true, false},
		{"never yielded", nil, time.Time{}, false, false},
		{"rarely yields", []store.Bucket{{Start: t0.Add(-5 * 24 * time.Hour), Total: 1}}, time.Time{}, false, false},
		{"failing for 3h", busy(t0), t0.Add(-3 * time.Hour), true, true},
		{"failing for 1h", busy(t0), t0.Add(-time.Hour), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := evalSilent(r, tc.bs, tc.failing, t0)
			if res.Fire != tc.fire || res.Failing != tc.failed {
				t.Errorf("fire = %v failing = %v, want %v %v (%+v)", res.Fire, res.Failing, tc.fire, tc.failed, res)
			}
		})
	}
}

func TestMatchMention(t *testing.T) {
	m := mention("acme", "hn", "1", -0.6, t0)
	m.AuthorFollowers = 5000
	tests := []struct {
		rule string
		m    repmon.Mention
		want bool
	}{
		{"{name: r, type: negative_mention, channels: [hooks]}", m, true},
		{"{name: r, type: negative_mention, channels: [hooks], below: -0.6}", m, true}, // at the threshold
		{"{name: r, type: negative_mention, channels: [hooks], below: -0.7}", m, false},
		{"{name: r, type: negative_mention, channels: [hooks], min_followers: 5000}", m, true},
		{"{name: r, type: negative_mention, channels: [hooks], min_followers: 5001}", m, false},
		{"{name: r, type: negative_mention, channels: [hooks], sources: [news]}", m, false},
		{"{name: r, type: negative_mention, channels: [hooks], sources: [hn], brands: [acme]}", m, true},
		{"{name: r, type: negative_mention, channels: [hooks]}", mention("acme", "hn", "2", 0.4, t0), false},
	}
	for _, tc := range tests {
		if got := matchMention(rule(t, tc.rule), tc.m); got != tc.want {
			t.Errorf("%s on %v: got %v, want %v", tc.rule, tc.m.Sentiment.Compound, got, tc.want)
		}
	}
}

// TestAlertIDsAreStable: the same mention under the same rule gets the same
// id from any engine at any time; aggregate ids depend on the window.
func TestAlertIDsAreStable(t *testing.T) {
	r := rule(t, "{name: neg, type: negative_mention, channels: [hooks]}")
	m := mention("acme", "hn", "1", -0.6, t0)
	a, b := mentionAlert(r, m, t0), mentionAlert(r, m, t0.Add(time.Hour))
	if a.ID != b.ID || !strings.HasPrefix(a.ID, "neg-acme-") {
		t.Errorf("ids %q %q", a.ID, b.ID)
	}
	m2 := m
	m2.Source = "news"
	if mentionAlert(r, m2, t0).ID == a.ID {
		t.Error("different source, same id")
	}
}

// TestBackfillDoesNotFlood: the first run of a source/brand alerts only for
// rules with alert_on_backfill.
func TestBackfillDoesNotFlood(t *testing.T) {
	h := newHarness(t, channelsDoc("http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1")+`
  rules:
    - {name: quiet, type: negative_mention, channels: [hooks]}
    - {name: loud, type: negative_mention, channels: [hooks], alert_on_backfill: true}
`)
	var ms []repmon.Mention
	for i := 0; i < 20; i++ {
		ms = append(ms, mention("acme", "hn", string(rune('a'+i)), -0.8, t0))
	}
	got := h.e.Alerts(ms, true)
	for _, a := range got {
		if a.Rule != "loud" {
			t.Errorf("backfill alerted for rule %s", a.Rule)
		}
	}
	if len(got) != 20 {
		t.Errorf("%d alerts, want 20 for the alert_on_backfill rule", len(got))
	}
	if n := len(h.e.Alerts(ms, false)); n != 40 {
		t.Errorf("%d alerts after backfill, want 40", n)
	}
}

// TestLatePostsDoNotFlood: a post first collected more than its source's
// backfill after it was posted (a feed added to a source that has a cursor,
// an old article a search turns up) counts as backfill on any walk.
func TestLatePostsDoNotFlood(t *testing.T) {
	h := newHarness(t, `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}, {name: news, type: rss, feeds: ["https://example.com/feed"], backfill: 48h}]
alerts:
  channels: [{name: hooks, type: webhook, url: "http://127.0.0.1:1"}]
  rules:
    - {name: quiet, type: negative_mention, channels: [hooks]}
    - {name: grouped, type: negative_mention, channels: [hooks], group_window: 15m}
    - {name: loud, type: negative_mention, channels: [hooks], alert_on_backfill: true}
`)
	at := func(source, id string, age time.Duration) repmon.Mention {
		m := mention("acme", source, id, -0.8, t0.Add(-age))
		m.CollectedAt = t0
		return m
	}
	ms := []repmon.Mention{
		at("hn", "fresh", time.Hour),
		at("hn", "day", 23*time.Hour),
		at("hn", "old", 25*time.Hour),        // the default backfill is 24h
		at("news", "two-days", 47*time.Hour), // news looks back 48h
		at("news", "week", 7*24*time.Hour),
		at("gone", "old", 25*time.Hour), // a source no longer configured: the default
	}
	alerted := map[string][]string{} // rule -> source/id of the mentions
	for _, sa := range h.e.Alerts(ms, false) {
		a, err := decodeAlert(sa.Payload)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range a.Mentions {
			alerted[sa.Rule] = append(alerted[sa.Rule], m.Source+"/"+m.ID)
		}
	}
	want := []string{"hn/fresh", "hn/day", "news/two-days"}
	if got := alerted["loud"]; len(got) != len(ms) {
		t.Errorf("alert_on_backfill: alerted on %v, want all %d", got, len(ms))
	}
	for _, rule := range []string{"quiet", "grouped"} {
		if got := alerted[rule]; !slices.Equal(got, want) {
			t.Errorf("%s: alerted on %v, want %v", rule, got, want)
		}
	}
}

// TestLateOnASlowSchedule: a post published just after a run of a source
// polled every 48 hours waits 48 hours for the next; it is news until it is
// older than the backfill plus that wait, and alerts backtest agrees.
func TestLateOnASlowSchedule(t *testing.T) {
	h := newHarness(t, `
brands: [{name: acme, query: acme}]
sources: [{name: news, type: rss, feeds: ["https://example.com/feed"], schedule: "@every 48h"}]
alerts:
  channels: [{name: hooks, type: webhook, url: "http://127.0.0.1:1"}]
  rules: [{name: quiet, type: negative_mention, channels: [hooks]}]
`)
	var ms []repmon.Mention
	for _, age := range []time.Duration{25 * time.Hour, 47 * time.Hour, 73 * time.Hour} {
		m := mention("acme", "news", age.String(), -0.8, t0.Add(-age))
		m.CollectedAt = t0
		ms = append(ms, m)
	}
	var got []string
	for _, sa := range h.e.Alerts(ms, false) {
		a, err := decodeAlert(sa.Payload)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.Mentions[0].ID)
	}
	if want := []string{"25h0m0s", "47h0m0s"}; !slices.Equal(got, want) {
		t.Errorf("alerted on %v, want %v", got, want)
	}

	save(t, h.st, h.e, false, ms...)
	var out bytes.Buffer
	if err := Backtest(context.Background(), h.cfg, h.st, t0.Add(-100*time.Hour), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "quiet  negative_mention  acme   2") {
		t.Errorf("backtest counts the late post:\n%s", out.String())
	}
}

func TestCooldownPerMentionRule(t *testing.T) {
	h := newHarness(t, channelsDoc("http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1")+`
  rules: [{name: neg, type: negative_mention, channels: [hooks], cooldown: 10m}]
`)
	ms := []repmon.Mention{mention("acme", "hn", "1", -0.8, t0), mention("acme", "hn", "2", -0.8, t0), mention("globex", "hn", "3", -0.8, t0)}
	if n := len(h.e.Alerts(ms, false)); n != 2 {
		t.Errorf("%d alerts, want 2 (one per brand)", n)
	}
	h.clock.Advance(5 * time.Minute)
	if n := len(h.e.Alerts([]repmon.Mention{mention("acme", "hn", "4", -0.8, t0)}, false)); n != 0 {
		t.Errorf("%d alerts inside cooldown", n)
	}
	h.clock.Advance(6 * time.Minute)
	if n := len(h.e.Alerts([]repmon.Mention{mention("acme", "hn", "5", -0.8, t0)}, false)); n != 1 {
		t.Errorf("%d alerts after cooldown, want 1", n)
	}
}

// TestGroupWindow: N negative mentions collected in one window become one
// message listing all N, with an id from rule, brand and window start, sent
// after the window closed.
func TestGroupWindow(t *testing.T) {
	hook := newReceiver(t, webhookKey)
	h := newHarness(t, channelsDoc(hook.URL, "http://127.0.0.1:1", "http://127.0.0.1:1")+`
  rules: [{name: grp, type: negative_mention, channels: [hooks], group_window: 10m}]
`)
	ctx := context.Background()
	at := func() time.Time { return h.clock.Now() }
	save(t, h.st, h.e, false, mention("acme", "hn", "1", -0.8, at()), mention("acme", "hn", "2", -0.8, at()))
	h.clock.Advance(3 * time.Minute)
	save(t, h.st, h.e, false, mention("acme", "news", "3", -0.8, at()), mention("acme", "news", "4", 0.8, at()))
	h.e.DeliverDue(ctx)
	if hook.requests() != 0 {
		t.Fatal("grouped alert sent before its window closed")
	}
	// waiting for its window is not being stuck: the backlog gauge's
	// source counts it as pending but not yet due
	if n, oldest, err := h.st.Outbox(ctx); err != nil || n != 1 || !oldest.IsZero() {
		t.Errorf("Outbox while the window is open = %d, %v, %v; want 1 pending, none due", n, oldest, err)
	}
	h.clock.Advance(8 * time.Minute) // 12:11 — next window
	save(t, h.st, h.e, false, mention("acme", "hn", "5", -0.8, at()))
	h.drain(t, 20, time.Minute)
	if len(hook.bodies) != 2 {
		t.Fatalf("%d messages, want 2 (one per window)", len(hook.bodies))
	}
	var first webhookPayload
	json.Unmarshal(hook.bodies[0], &first)
	if len(first.Mentions) != 3 || first.ID != alertID("grp", "acme", "group", windowKey(t0)) {
		t.Errorf("first window: id %s, %d mentions, want 3: %s", first.ID, len(first.Mentions), hook.bodies[0])
	}
	if !strings.HasPrefix(first.Summary, "3 negative mention(s)") {
		t.Errorf("summary %q", first.Summary)
	}
}
