package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/repmon/repmon/config"
)

// amAlert is one element of Alertmanager's POST /api/v2/alerts body.
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Alertmanager posts alerts to an Alertmanager's v2 API. Per-mention alerts
// carry their id as the alert_id label so that distinct mentions stay
// distinct alerts; aggregate alerts do not, so that the resolved message
// (which has its own id) matches the firing one by labels.
type Alertmanager struct {
	url config.Secret
	p   *poster
}

// NewAlertmanager returns the notifier of an alertmanager channel.
func NewAlertmanager(ch config.Channel, rt http.RoundTripper, now func() time.Time) *Alertmanager {
	return &Alertmanager{url: ch.URL, p: newPoster(ch.Name, rt, ch.Timeout.D(), now)}
}

// AlertmanagerBody renders a as an Alertmanager v2 alerts array.
func AlertmanagerBody(a *Alert) []byte {
	b, _ := json.Marshal([]amAlert{amElement(a)})
	return b
}

func amElement(a *Alert) amAlert {
	labels := map[string]string{"alertname": a.Rule, "brand": a.Brand, "severity": a.Severity}
	if a.Brand == "" {
		delete(labels, "brand")
	}
	if a.Source != "" {
		labels["source"] = a.Source
	} else if len(a.Mentions) == 1 {
		labels["source"] = a.Mentions[0].Source
	}
	if a.PerMention || a.Test {
		labels["alert_id"] = a.ID
	}
	ann := map[string]string{"summary": a.Summary}
	if a.Description != "" {
		ann["description"] = a.Description
	}
	links := a.Links()
	if len(links) > 0 {
		ann["url"] = links[0]
	}
	if len(links) > 1 {
		ann["urls"] = strings.Join(links, "\n")
	}
	el := amAlert{Labels: labels, Annotations: ann, StartsAt: a.StartsAt.UTC()}
	if el.StartsAt.IsZero() {
		el.StartsAt = a.CreatedAt.UTC()
	}
	if len(links) > 0 {
		el.GeneratorURL = links[0]
	}
	if a.Status == StatusResolved {
		el.EndsAt = a.EndsAt.UTC()
		if el.EndsAt.IsZero() {
			el.EndsAt = a.CreatedAt.UTC()
		}
	}
	return el
}

// Notify implements Notifier.
func (am *Alertmanager) Notify(ctx context.Context, a *Alert) (bool, error) {
	target, err := url.JoinPath(am.url.Value(), "api/v2/alerts")
	if err != nil {
		return false, &Error{Channel: am.p.channel, Reason: ReasonOther, msg: "invalid URL"}
	}
	h := http.Header{}
	h.Set("Idempotency-Key", a.ID)
	return am.p.post(ctx, target, "application/json", AlertmanagerBody(a), h)
}

// Refresh re-sends firing alerts, valid until the given time (see
// Engine.refresh), in one request.
func (am *Alertmanager) Refresh(ctx context.Context, as []*Alert, until time.Time) error {
	target, err := url.JoinPath(am.url.Value(), "api/v2/alerts")
	if err != nil {
		return &Error{Channel: am.p.channel, Reason: ReasonOther, msg: "invalid URL"}
	}
	els := make([]amAlert, len(as))
	for i, a := range as {
		els[i] = amElement(a)
		els[i].EndsAt = until.UTC()
	}
	body, _ := json.Marshal(els)
	_, err = am.p.post(ctx, target, "application/json", body, nil)
	return err
}
