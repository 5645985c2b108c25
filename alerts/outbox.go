package alerts

import (
	"context"
	"errors"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

// groupGrace is how long after a group window closes its alert waits, so
// that a transaction that started inside the window has committed.
const groupGrace = 30 * time.Second

// groupLookback bounds how old (by creation time) a mention collected in a
// group window may be to be listed: the store filters on creation time.
const groupLookback = 48 * time.Hour

// Run delivers due alerts and evaluates the aggregate rules until ctx is
// done. On cancellation it lets the deliveries in flight finish (bounded by
// the channel timeout) and records their outcome, then returns; a delivery
// whose outcome could not be recorded is sent again by the next process,
// with the same id. Evaluation and the Alertmanager refresh have their own
// goroutine, so that a channel that is slow to answer cannot hold up the
// refresh past the alerts' endsAt.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		eval := time.NewTicker(e.eval)
		defer eval.Stop()
		for {
			e.safely("alert evaluation", func() { e.Evaluate(ctx) })
			e.safely("alertmanager refresh", func() { e.refresh(ctx) })
			select {
			case <-ctx.Done():
				return
			case <-eval.C:
			}
		}
	})
	poll := time.NewTicker(e.poll)
	defer poll.Stop()
	for {
		e.DeliverDue(ctx)
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-poll.C:
		}
	}
}

// safely runs f and logs a panic in it rather than letting it end the
// process: the next interval runs f again.
func (e *Engine) safely(what string, f func()) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error(what+" panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	f()
}

// refresh sends the firing aggregate alerts again to the alertmanager
// channels of their rules, all of a channel's in one request, each valid
// for four evaluation intervals. Alertmanager expects a client to re-send
// its active alerts: one it has not heard of for resolve_timeout (5m by
// default) or past its endsAt counts as resolved, which a spike that lasts
// an hour must not. If repmon stops, its alerts thus resolve within
// minutes. The other channels are told once, through the outbox; a failed
// refresh is logged and the next interval's makes up for it. Run calls
// Evaluate and refresh in turn in one goroutine: Evaluate queues a
// resolution only after the previous refresh has returned, and drops the
// alert from e.active before the next, so no refresh follows the
// resolution of its alert.
func (e *Engine) refresh(ctx context.Context) {
	byChannel := map[string][]*Alert{}
	e.mu.Lock()
	for _, a := range e.active {
		r := e.rules[a.Rule]
		if r == nil {
			continue
		}
		for _, ch := range r.Channels {
			if _, ok := e.notifiers[ch].(*Alertmanager); ok {
				byChannel[ch] = append(byChannel[ch], a)
			}
		}
	}
	e.mu.Unlock()
	until := e.now().Add(4 * e.eval)
	for _, ch := range slices.Sorted(maps.Keys(byChannel)) {
		as := byChannel[ch]
		slices.SortFunc(as, func(a, b *Alert) int { return strings.Compare(a.ID, b.ID) })
		if err := e.notifiers[ch].(*Alertmanager).Refresh(ctx, as, until); err != nil && ctx.Err() == nil {
			e.log.Warn("alertmanager refresh failed", "channel", ch, "alerts", len(as), "err", err)
		}
	}
}

// DeliverDue makes one pass over the outbox: the deliveries due now are
// attempted once each, channels in parallel and each channel's in order;
// a channel stops at its first retryable failure and is skipped while it
// is held (see hold). It returns the number of due deliveries it found.
func (e *Engine) DeliverDue(ctx context.Context) int {
	if ctx.Err() != nil {
		return 0
	}
	now := e.now()
	due, err := e.st.Due(ctx, now, dueBatch)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("outbox poll failed", "err", err)
		}
		return 0
	}
	byChannel := map[string][]store.Delivery{}
	var order []string
	for _, d := range due {
		if _, ok := byChannel[d.Channel]; !ok {
			order = append(order, d.Channel)
		}
		byChannel[d.Channel] = append(byChannel[d.Channel], d)
	}
	// Deliveries in flight finish after cancellation: their outcome must
	// be recorded, or they would be resent.
	work := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for _, ch := range order {
		wg.Go(func() { e.deliverChannel(ctx, work, ch, byChannel[ch]) })
	}
	wg.Wait()
	return len(due)
}

func (e *Engine) deliverChannel(ctx, work context.Context, channel string, ds []store.Delivery) {
	ch, ok := e.channels[channel]
	n := e.notifiers[channel]
	if !ok || n == nil {
		for _, d := range ds {
			e.log.Error("alert delivery failed", "channel", channel, "rule", d.Rule, "alert_id", d.AlertID, "reason", ReasonOther,
				"err", "channel is no longer configured")
			e.record(work, d, false, &Error{Channel: channel, Reason: ReasonOther, msg: "channel is no longer configured"})
		}
		return
	}
	if e.held(channel) {
		return
	}
	if ch.Type == config.ChannelEmail && ch.Digest > 0 {
		e.safely("email digest", func() { e.deliverDigest(ctx, work, ch, n.(*Email), ds) })
		return
	}
	for _, d := range ds {
		if ctx.Err() != nil {
			return // not started: still pending, the next process sends it
		}
		sent, retry, err := e.send(work, n, d)
		if !sent {
			continue
		}
		e.record(work, d, retry, err)
		if e.hold(channel, retry, err) {
			return
		}
	}
}

// send prepares and sends one delivery; sent is false when prepare
// settled or deferred it. A panic while rendering or sending (a bug, on
// some alert's data) fails the delivery for good instead of taking the
// process down, and with it every collector, at every restart: the
// delivery would still be pending.
func (e *Engine) send(ctx context.Context, n Notifier, d store.Delivery) (sent, retry bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("alert delivery panicked", "channel", d.Channel, "rule", d.Rule, "alert_id", d.AlertID,
				"panic", p, "stack", string(debug.Stack()))
			sent, retry, err = true, false, &Error{Channel: d.Channel, Reason: ReasonOther, msg: "internal error"}
		}
	}()
	a, ok := e.prepare(ctx, d)
	if !ok {
		return false, false, nil
	}
	retry, err = n.Notify(ctx, a)
	return true, retry, err
}

// hold updates a channel's hold after an attempt and reports whether the
// channel is now held. A retryable failure means that the receiver is
// down, slow or rate limiting: rather than each delivery of the batch
// taking its own timeout (while the other channels wait for the pass to
// end) and each sending its own request, the channel waits, with
// exponential backoff over its consecutive failures or as long as the
// receiver's Retry-After asks, and then goes on with its oldest due
// delivery. Other outcomes release it.
func (e *Engine) hold(channel string, retry bool, err error) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil || !retry {
		delete(e.holds, channel)
		return false
	}
	h := e.holds[channel]
	delay := e.backoff(h.failures)
	var de *Error
	if errors.As(err, &de) && de.RetryAfter > delay {
		delay = de.RetryAfter
	}
	e.holds[channel] = channelHold{until: e.now().Add(delay), failures: h.failures + 1}
	return true
}

// held reports whether a channel waits after failures (see hold).
func (e *Engine) held(channel string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, ok := e.holds[channel]
	return ok && e.now().Before(h.until)
}

// prepare decodes a delivery's alert and, for a grouped alert, defers it
// until its window closed and then fills in the window's mentions. It
// returns false when the delivery was settled or deferred.
func (e *Engine) prepare(ctx context.Context, d store.Delivery) (*Alert, bool) {
	a, err := decodeAlert(d.Payload)
	if err != nil {
		e.log.Error("alert delivery failed", "channel", d.Channel, "rule", d.Rule, "alert_id", d.AlertID, "reason", ReasonOther,
			"err", "undecodable payload")
		e.record(ctx, d, false, &Error{Channel: d.Channel, Reason: ReasonOther, msg: "undecodable payload"})
		return nil, false
	}
	if a.Group == nil {
		return a, true
	}
	now := e.now()
	if ready := a.Group.End.Add(groupGrace); now.Before(ready) {
		if err := e.st.Defer(ctx, d.AlertID, d.Channel, ready, "waiting for group window"); err != nil {
			e.log.Error("outbox update failed", "channel", d.Channel, "alert_id", d.AlertID, "err", err)
		}
		return nil, false
	}
	if err := e.fillGroup(ctx, a); err != nil {
		e.log.Warn("listing grouped mentions failed; retrying", "channel", d.Channel, "rule", d.Rule, "alert_id", d.AlertID, "err", err)
		e.record(ctx, d, true, &Error{Channel: d.Channel, Reason: ReasonOther, msg: "store unavailable"})
		return nil, false
	}
	return a, true
}

// fillGroup lists the mentions of a grouped alert: those of its brand that
// its rule matches and that were collected in its window.
func (e *Engine) fillGroup(ctx context.Context, a *Alert) error {
	r, ok := e.rules[a.Rule]
	if !ok {
		return nil // rule removed since: send what the payload holds
	}
	var ms []repmon.Mention
	total := 0
	q := store.Query{Brand: a.Brand, Since: a.Group.Start.Add(-groupLookback), Ascending: true, Limit: 1000}
	for {
		page, next, err := e.st.Mentions(ctx, q)
		if err != nil {
			return err
		}
		for _, m := range page {
			if m.CollectedAt.Before(a.Group.Start) || !m.CollectedAt.Before(a.Group.End) || !matchMention(r, m) {
				continue
			}
			total++
			if len(ms) < maxListed {
				ms = append(ms, m)
			}
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if total == 0 {
		return nil
	}
	a.Mentions, a.Total = ms, total
	if total == 1 {
		a.Summary = mentionSummary(ms[0])
	} else {
		a.Summary = groupSummary(total, a.Brand, a.Group)
	}
	return nil
}

// deliverDigest sends the due alerts of an email digest channel as one
// message per digest period. Periods are aligned to UTC multiples of the
// digest interval, so that a restart keeps them; an alert waits until the
// period it was created in has ended.
func (e *Engine) deliverDigest(ctx, work context.Context, ch config.Channel, n *Email, ds []store.Delivery) {
	now := e.now()
	var ready []store.Delivery
	var alerts []*Alert
	for _, d := range ds {
		end := floorTime(d.CreatedAt, ch.Digest.D()).Add(ch.Digest.D())
		if now.Before(end) {
			if err := e.st.Defer(work, d.AlertID, d.Channel, end, "waiting for digest"); err != nil {
				e.log.Error("outbox update failed", "channel", d.Channel, "alert_id", d.AlertID, "err", err)
			}
			continue
		}
		a, ok := e.prepare(work, d)
		if !ok {
			continue
		}
		ready = append(ready, d)
		alerts = append(alerts, a)
	}
	if len(ready) == 0 || ctx.Err() != nil {
		return
	}
	retry, err := n.NotifyDigest(work, alerts)
	for _, d := range ready {
		e.record(work, d, retry, err)
	}
	e.hold(ch.Name, retry, err)
}

// record stores the outcome of one attempt, counts and logs it.
func (e *Engine) record(ctx context.Context, d store.Delivery, retry bool, err error) {
	now := e.now()
	log := e.log.With("channel", d.Channel, "rule", d.Rule, "alert_id", d.AlertID)
	if err == nil {
		if serr := e.st.Delivered(ctx, d.AlertID, d.Channel, now); serr != nil {
			// Sent but not recorded: the next poll sends it again, with
			// the same idempotency key.
			log.Error("recording delivery failed", "err", serr)
		}
		if e.m != nil {
			e.m.AlertsSent.WithLabelValues(d.Channel, d.Rule).Inc()
		}
		log.Debug("alert delivered", "attempts", d.Attempts+1)
		return
	}
	reason := ReasonOf(err)
	if e.m != nil {
		e.m.AlertsFailed.WithLabelValues(d.Channel, reason).Inc()
	}
	if !retry {
		log.Error("alert delivery failed permanently", "reason", reason, "attempts", d.Attempts+1, "err", err)
		if serr := e.st.Fail(ctx, d.AlertID, d.Channel, reason); serr != nil {
			log.Error("recording failure failed", "err", serr)
		}
		return
	}
	delay := e.backoff(d.Attempts)
	var de *Error
	if errors.As(err, &de) && de.RetryAfter > delay {
		delay = de.RetryAfter
	}
	next := now.Add(delay)
	log.Warn("alert delivery failed; will retry", "reason", reason, "attempts", d.Attempts+1,
		"next_attempt", next.UTC().Format(time.RFC3339), "err", err)
	if serr := e.st.Retry(ctx, d.AlertID, d.Channel, next, reason); serr != nil {
		log.Error("recording retry failed", "err", serr)
	}
}

// backoff is the delay before attempt n+1: base·2^n capped at max, with
// jitter so that a recovering receiver is not hit by every alert at once.
func (e *Engine) backoff(attempts int) time.Duration {
	d := e.base
	for i := 0; i < attempts && d < e.max; i++ {
		d *= 2
	}
	if d > e.max {
		d = e.max
	}
	return e.jitter(d)
}
