// Package storetest is the contract suite that every store.Store
// implementation must pass.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/store"
)

// Run runs the whole suite; open returns a fresh, empty store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("SaveIsIdempotent", func(t *testing.T) { saveIsIdempotent(t, open(t)) })
	t.Run("URLDedup", func(t *testing.T) { urlDedup(t, open(t)) })
	t.Run("CursorAtomicWithMentions", func(t *testing.T) { cursorAtomic(t, open(t)) })
	t.Run("Paging", func(t *testing.T) { paging(t, open(t)) })
	t.Run("Aggregates", func(t *testing.T) { aggregates(t, open(t)) })
	t.Run("Outbox", func(t *testing.T) { outbox(t, open(t)) })
	t.Run("ConcurrentSaves", func(t *testing.T) { concurrent(t, open(t)) })
	t.Run("DeferAndResolutionOrder", func(t *testing.T) { deferAndOrder(t, open(t)) })
	t.Run("DueLimitPerChannel", func(t *testing.T) { dueLimitPerChannel(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { prune(t, open(t)) })
	t.Run("PruneInBatches", func(t *testing.T) { pruneInBatches(t, open(t)) })
}

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Mention builds a test mention.
func Mention(brand, source, id string, compound float64) repmon.Mention {
	label := repmon.LabelNeutral
	switch {
	case compound <= -0.05:
		label = repmon.LabelNegative
	case compound >= 0.05:
		label = repmon.LabelPositive
	}
	return repmon.Mention{
		Source: source, SourceType: "rss", ID: id, Brand: brand, Text: "text " + id,
		URL: "https://example.com/" + source + "/" + id, CreatedAt: t0, CollectedAt: t0.Add(time.Minute),
		Sentiment: repmon.Sentiment{Compound: compound, Label: label},
	}
}

func saveIsIdempotent(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := store.Batch{Source: "hn", Brand: "acme", Mentions: []repmon.Mention{Mention("acme", "hn", "1", 0.5), Mention("acme", "hn", "2", -0.5)}, Cursor: "c1"}
	got, err := s.Save(ctx, b)
	if err != nil || len(got) != 2 {
		t.Fatalf("first Save = %d, %v", len(got), err)
	}
	got, err = s.Save(ctx, b)
	if err != nil || len(got) != 0 {
		t.Fatalf("second Save inserted %d, %v; want 0", len(got), err)
	}
	// The same post for another brand is another mention.
	b.Brand = "other"
	for i := range b.Mentions {
		b.Mentions[i].Brand = "other"
	}
	if got, err := s.Save(ctx, b); err != nil || len(got) != 2 {
		t.Fatalf("other brand Save = %d, %v", len(got), err)
	}
	ms, _, err := s.Mentions(ctx, store.Query{Brand: "acme"})
	if err != nil || len(ms) != 2 {
		t.Fatalf("Mentions = %d, %v", len(ms), err)
	}
	if ms[0].Text == "" || ms[0].CreatedAt.IsZero() || ms[0].Sentiment.Label == "" {
		t.Errorf("mention not round-tripped: %+v", ms[0])
	}
}

func urlDedup(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := Mention("acme", "news", "guid-a", 0)
	b := Mention("acme", "news", "guid-b", 0)
	b.URL = a.URL
	got, err := s.Save(ctx, store.Batch{Source: "news", Brand: "acme", Mentions: []repmon.Mention{a, b}})
	if err != nil || len(got) != 1 {
		t.Fatalf("Save = %d, %v; want the second item with the same URL dropped", len(got), err)
	}
}

func cursorAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	if c, err := s.Cursor(ctx, "hn", "acme"); err != nil || c != "" {
		t.Fatalf("initial cursor = %q, %v", c, err)
	}
	// A batch that fails inside the transaction must leave neither the
	// mentions nor the cursor behind.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Save(cctx, store.Batch{Source: "hn", Brand: "acme", Mentions: []repmon.Mention{Mention("acme", "hn", "1", 0)}, Cursor: "c9"}); err == nil {
		t.Fatal("Save with a cancelled context succeeded")
	}
	if c, _ := s.Cursor(ctx, "hn", "acme"); c != "" {
		t.Fatalf("cursor advanced by a failed Save: %q", c)
	}
	if _, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Cursor: "c2"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Cursor(ctx, "hn", "acme"); c != "c2" {
		t.Fatalf("cursor = %q, want c2", c)
	}
}

func paging(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ms []repmon.Mention
	for i := 0; i < 25; i++ {
		m := Mention("acme", "hn", fmt.Sprint(i), float64(i%3-1)*0.5)
		m.CreatedAt = t0.Add(time.Duration(i%5) * time.Minute) // ties on created_at
		ms = append(ms, m)
	}
	if _, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Mentions: ms}); err != nil {
		t.Fatal(err)
	}
	for _, asc := range []bool{false, true} {
		seen := map[string]bool{}
		cursor := ""
		var last time.Time
		for pages := 0; ; pages++ {
			page, next, err := s.Mentions(ctx, store.Query{Brand: "acme", Limit: 7, Cursor: cursor, Ascending: asc})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				if seen[m.ID] {
					t.Fatalf("mention %s on two pages", m.ID)
				}
				if !last.IsZero() && (asc && m.CreatedAt.Before(last) || !asc && m.CreatedAt.After(last)) {
					t.Fatalf("out of order: %v after %v", m.CreatedAt, last)
				}
				last = m.CreatedAt
				seen[m.ID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 25 {
			t.Fatalf("paged through %d mentions, want 25", len(seen))
		}
	}
	neg, _, err := s.Mentions(ctx, store.Query{Sentiment: repmon.LabelNegative, Limit: 1000})
	if err != nil || len(neg) == 0 {
		t.Fatalf("sentiment filter: %d, %v", len(neg), err)
	}
	for _, m := range neg {
		if m.Sentiment.Label != repmon.LabelNegative {
			t.Fatalf("sentiment filter returned %s", m.Sentiment.Label)
		}
	}
	if _, _, err := s.Mentions(ctx, store.Query{Cursor: "!!not-a-cursor"}); err == nil {
		t.Fatal("bad cursor accepted")
	}
}

func aggregates(t *testing.T, s store.Store) {
	ctx := context.Background()
	old := Mention("acme", "hn", "old", -0.9)
	old.CreatedAt = t0.Add(-48 * time.Hour)
	ms := []repmon.Mention{Mention("acme", "hn", "1", 0.6), Mention("acme", "hn", "2", -0.4), Mention("acme", "hn", "3", 0), old}
	if _, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Mentions: ms}); err != nil {
		t.Fatal(err)
	}
	w, err := s.Windows(ctx, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := w["acme"]
	if got.Total != 3 || got.Positive != 1 || got.Negative != 1 || got.Neutral != 1 {
		t.Fatalf("Windows = %+v", got)
	}
	bs, err := s.Buckets(ctx, "acme", "", t0.Add(-72*time.Hour))
	if err != nil || len(bs) != 2 || bs[0].Total != 1 || bs[1].Total != 3 {
		t.Fatalf("Buckets = %+v, %v", bs, err)
	}
}

func outbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	alerts := func(inserted []repmon.Mention) []store.Alert {
		var out []store.Alert
		for _, m := range inserted {
			out = append(out, store.Alert{ID: "neg-" + m.ID, Rule: "neg", Brand: m.Brand, CreatedAt: t0, Payload: []byte(`{}`), Channels: []string{"slack", "hook"}})
		}
		return out
	}
	b := store.Batch{Source: "hn", Brand: "acme", Mentions: []repmon.Mention{Mention("acme", "hn", "1", -0.8)}, Alerts: alerts}
	if _, err := s.Save(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, b); err != nil { // no new mentions, no new alerts
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, alerts([]repmon.Mention{b.Mentions[0]})); err != nil { // same id again
		t.Fatal(err)
	}
	n, oldest, err := s.Outbox(ctx)
	if err != nil || n != 2 || !oldest.Equal(t0) {
		t.Fatalf("Outbox = %d, %v, %v; want 2 pending since t0", n, oldest, err)
	}
	due, err := s.Due(ctx, t0, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("Due = %d, %v", len(due), err)
	}
	if err := s.Delivered(ctx, "neg-1", "slack", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, "neg-1", "hook", t0.Add(time.Minute), "status 503"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Due(ctx, t0.Add(30*time.Second), 10); len(due) != 0 {
		t.Fatalf("retry due too early: %+v", due)
	}
	due, _ = s.Due(ctx, t0.Add(time.Minute), 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].Channel != "hook" {
		t.Fatalf("Due after retry = %+v", due)
	}
	if err := s.Fail(ctx, "neg-1", "hook", "status 400"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := s.Outbox(ctx); n != 0 {
		t.Fatalf("pending = %d after delivered and failed", n)
	}
	if last, err := s.LastAlert(ctx, "neg", "acme"); err != nil || !last.Equal(t0) {
		t.Fatalf("LastAlert = %v, %v", last, err)
	}

	// RuleAlerts reads a rule's alerts back, oldest first, from since on.
	spike := func(id string, at time.Time) store.Alert {
		return store.Alert{ID: id, Rule: "spike", Brand: "acme", CreatedAt: at, Payload: []byte(`{"id":"` + id + `"}`), Channels: []string{"am"}}
	}
	if err := s.Enqueue(ctx, []store.Alert{spike("s2", t0.Add(2*time.Hour)), spike("s1", t0.Add(time.Hour)), spike("s0", t0)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.RuleAlerts(ctx, "spike", t0.Add(time.Hour))
	if err != nil || len(got) != 2 || got[0].ID != "s1" || got[1].ID != "s2" {
		t.Fatalf("RuleAlerts = %+v, %v; want s1, s2", got, err)
	}
	if a := got[0]; a.Rule != "spike" || a.Brand != "acme" || !a.CreatedAt.Equal(t0.Add(time.Hour)) || string(a.Payload) != `{"id":"s1"}` {
		t.Fatalf("RuleAlerts[0] = %+v", a)
	}
	if got, err := s.RuleAlerts(ctx, "none", time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("RuleAlerts of an unknown rule = %+v, %v", got, err)
	}
}

func concurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				m := Mention("acme", "hn", fmt.Sprint(i), 0) // all workers race on the same ids
				if _, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Mentions: []repmon.Mention{m}, Cursor: fmt.Sprint(w)}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ms, _, err := s.Mentions(ctx, store.Query{Limit: 1000})
	if err != nil || len(ms) != 20 {
		t.Fatalf("after concurrent saves: %d mentions, %v; want 20", len(ms), err)
	}
}

// deferAndOrder: a deferred delivery is neither due nor counted as waiting
// until its time, and costs no attempt; a resolution waits for the
// delivery of the alert it resolves. Outbox reads the store's clock, so
// the times here are around the real now.
func deferAndOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Now().UTC()
	a := func(id string, at time.Time) store.Alert {
		return store.Alert{ID: id, Rule: "spike", Brand: "acme", CreatedAt: at, Payload: []byte(`{}`), Channels: []string{"hook", "am"}}
	}
	if err := s.Enqueue(ctx, []store.Alert{a("x", t0.Add(-time.Hour))}); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"hook", "am"} {
		if err := s.Defer(ctx, "x", ch, t0.Add(time.Hour), "waiting for group window"); err != nil {
			t.Fatal(err)
		}
	}
	if n, oldest, err := s.Outbox(ctx); err != nil || n != 2 || !oldest.IsZero() {
		t.Fatalf("Outbox with deferred deliveries = %d, %v, %v; want 2 pending, none due", n, oldest, err)
	}
	if due, _ := s.Due(ctx, t0, 10); len(due) != 0 {
		t.Fatalf("deferred delivery due early: %+v", due)
	}
	due, err := s.Due(ctx, t0.Add(time.Hour), 10)
	if err != nil || len(due) != 2 || due[0].Attempts != 0 {
		t.Fatalf("Due after the deferral = %+v, %v; want both, no attempt counted", due, err)
	}

	// x is retried on hook; its resolution must wait for it there, not on am
	if err := s.Retry(ctx, "x", "hook", t0.Add(3*time.Hour), "status 503"); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, []store.Alert{a("x-resolved", t0.Add(-30*time.Minute))}); err != nil {
		t.Fatal(err)
	}
	due, _ = s.Due(ctx, t0.Add(2*time.Hour), 10)
	var got []string
	for _, d := range due {
		got = append(got, d.AlertID+"@"+d.Channel)
	}
	if len(due) != 1 || got[0] != "x@am" {
		t.Fatalf("Due while x is pending on both = %v; want only x@am", got)
	}
	if err := s.Delivered(ctx, "x", "am", t0); err != nil {
		t.Fatal(err)
	}
	due, _ = s.Due(ctx, t0.Add(2*time.Hour), 10)
	if len(due) != 1 || due[0].AlertID != "x-resolved" || due[0].Channel != "am" {
		t.Fatalf("Due after x reached am = %+v; want x-resolved on am only", due)
	}
	if err := s.Delivered(ctx, "x", "hook", t0); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Due(ctx, t0.Add(2*time.Hour), 10); len(due) != 2 {
		t.Fatalf("Due after x reached hook = %+v; want x-resolved on both", due)
	}
	// the oldest waiting delivery became due when x-resolved was created
	if _, oldest, _ := s.Outbox(ctx); !oldest.Equal(t0.Add(-30 * time.Minute)) {
		t.Fatalf("Outbox oldest = %v, want %v", oldest, t0.Add(-30*time.Minute))
	}
}

// dueLimitPerChannel: Due's limit applies to each channel, so a channel
// with a backlog does not crowd the others out.
func dueLimitPerChannel(t *testing.T, s store.Store) {
	ctx := context.Background()
	var as []store.Alert
	for i := range 5 {
		as = append(as, store.Alert{ID: fmt.Sprint("busy-", i), Rule: "neg", Brand: "acme", CreatedAt: t0.Add(time.Duration(i) * time.Second),
			Payload: []byte(`{}`), Channels: []string{"slow"}})
	}
	as = append(as, store.Alert{ID: "late", Rule: "neg", Brand: "acme", CreatedAt: t0.Add(time.Minute), Payload: []byte(`{}`), Channels: []string{"slow", "fast"}})
	if err := s.Enqueue(ctx, as); err != nil {
		t.Fatal(err)
	}
	due, err := s.Due(ctx, t0.Add(time.Hour), 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range due {
		got = append(got, d.AlertID+"@"+d.Channel)
	}
	if want := "late@fast busy-0@slow busy-1@slow"; strings.Join(got, " ") != want {
		t.Fatalf("Due(limit 2) = %v, want %s", got, want)
	}
}

// prune: what was created before the cutoff goes, except alerts that still
// have a pending delivery; cursors and everything newer stay.
func prune(t *testing.T, s store.Store) {
	ctx := context.Background()
	cut := t0.Add(-30 * 24 * time.Hour)
	at := func(id string, created time.Time) repmon.Mention {
		m := Mention("acme", "hn", id, -0.8)
		m.CreatedAt, m.CollectedAt = created, created
		return m
	}
	old, edge, recent := at("old", cut.Add(-time.Hour)), at("edge", cut), at("recent", t0)
	undated := at("undated", cut.Add(-2*time.Hour)) // would come back as new if pruned
	undated.Undated = true
	alert := func(id string, created time.Time) store.Alert {
		return store.Alert{ID: id, Rule: "neg", Brand: "acme", CreatedAt: created, Payload: []byte(`{}`), Channels: []string{"hook"}}
	}
	if _, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Mentions: []repmon.Mention{old, edge, recent, undated}, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, []store.Alert{alert("old-sent", cut.Add(-time.Hour)), alert("old-pending", cut.Add(-time.Hour)), alert("recent-sent", t0)}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"old-sent", "recent-sent"} {
		if err := s.Delivered(ctx, id, "hook", t0); err != nil {
			t.Fatal(err)
		}
	}

	p, err := s.Prune(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if p.Mentions != 1 || p.Buckets != 2 || p.Alerts != 1 {
		t.Errorf("Prune = %+v, want 1 mention, 2 buckets, 1 alert", p)
	}
	ms, _, err := s.Mentions(ctx, store.Query{Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "undated,edge,recent" {
		t.Errorf("mentions after Prune: %v, want undated,edge,recent", ids)
	}
	bs, err := s.Buckets(ctx, "acme", "", cut.Add(-24*time.Hour))
	if err != nil || len(bs) != 2 {
		t.Errorf("buckets after Prune: %+v, %v; want those of edge and recent", bs, err)
	}
	as, err := s.RuleAlerts(ctx, "neg", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ids = ids[:0]
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, ",") != "old-pending,recent-sent" {
		t.Errorf("alerts after Prune: %v, want old-pending,recent-sent", ids)
	}
	due, err := s.Due(ctx, t0.Add(time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].AlertID != "old-pending" {
		t.Errorf("Due after Prune = %+v, %v; want old-pending", due, err)
	}
	if c, err := s.Cursor(ctx, "hn", "acme"); err != nil || c != "c1" {
		t.Errorf("cursor after Prune = %q, %v", c, err)
	}
	// the pending delivery goes once it is done
	if err := s.Fail(ctx, "old-pending", "hook", "gone"); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Prune(ctx, cut); err != nil || p != (store.Pruned{Alerts: 1}) {
		t.Errorf("second Prune = %+v, %v; want the failed alert only", p, err)
	}
}

// pruneInBatches: more rows than one batch deletes are all deleted.
func pruneInBatches(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 12000
	ms := make([]repmon.Mention, 0, n)
	for i := range n {
		m := Mention("acme", "hn", fmt.Sprint(i), 0.1)
		m.CreatedAt = t0.Add(-time.Duration(i) * time.Minute)
		ms = append(ms, m)
	}
	if _, err := s.Save(ctx, store.Batch{Source: "hn", Brand: "acme", Mentions: ms}); err != nil {
		t.Fatal(err)
	}
	// a bucket goes once all of its interval is before the cutoff
	p, err := s.Prune(ctx, t0.Add(store.BucketWidth))
	if err != nil {
		t.Fatal(err)
	}
	if p.Mentions != n || p.Buckets != n/5+1 {
		t.Errorf("Prune = %+v, want %d mentions and %d buckets", p, n, n/5+1)
	}
	if w, err := s.Windows(ctx, time.Time{}); err != nil || len(w) != 0 {
		t.Errorf("Windows after Prune = %+v, %v", w, err)
	}
}
