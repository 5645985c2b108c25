package alerts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// webhookPayload is the JSON contract of DESIGN.md "Alert payloads":
// exactly these fields, in this order.
type webhookPayload struct {
	ID        string           `json:"id"`
	Rule      string           `json:"rule"`
	Type      string           `json:"type"`
	Brand     string           `json:"brand"`
	Severity  string           `json:"severity"`
	Status    string           `json:"status"`
	Summary   string           `json:"summary"`
	CreatedAt time.Time        `json:"created_at"`
	Mentions  []repmon.Mention `json:"mentions"`
}

// Webhook POSTs the alert as JSON, signed with HMAC-SHA256 when the channel
// has a secret, with the alert id as Idempotency-Key so that a receiver can
// drop the redelivery that at-least-once delivery implies.
type Webhook struct {
	url    config.Secret
	secret config.Secret
	p      *poster
}

// NewWebhook returns the notifier of a webhook channel.
func NewWebhook(ch config.Channel, rt http.RoundTripper, now func() time.Time) *Webhook {
	return &Webhook{url: ch.URL, secret: ch.Secret, p: newPoster(ch.Name, rt, ch.Timeout.D(), now)}
}

// WebhookBody renders the contract payload of a.
func WebhookBody(a *Alert) []byte {
	ms := a.Mentions
	if ms == nil {
		ms = []repmon.Mention{}
	}
	b, _ := json.Marshal(webhookPayload{ID: a.ID, Rule: a.Rule, Type: a.Type, Brand: a.Brand, Severity: a.Severity,
		Status: a.Status, Summary: a.Summary, CreatedAt: a.CreatedAt.UTC(), Mentions: ms})
	return b
}

// Sign returns the X-Repmon-Signature value of body under secret.
func Sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Notify implements Notifier.
func (w *Webhook) Notify(ctx context.Context, a *Alert) (bool, error) {
	body := WebhookBody(a)
	h := http.Header{}
	h.Set("Idempotency-Key", a.ID)
	if w.secret != "" {
		h.Set("X-Repmon-Signature", Sign(body, w.secret.Value()))
	}
	return w.p.post(ctx, w.url.Value(), "application/json", body, h)
}
