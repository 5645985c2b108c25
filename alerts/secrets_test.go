package alerts

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestSecretsNeverLeak drives every channel into every failure class with
// secrets in its URL, HMAC key and password, and checks that no secret
// reaches a log line, an error or the metrics.
func TestSecretsNeverLeak(t *testing.T) {
	const (
		hookToken  = "hooktoken-5f1e2d"
		slackToken = "T000/B000/slacktoken-9a8b7c"
		amUser     = "amuser:ampass-4242"
		hmacKey    = "hmac-secret-0c0ffee"
		smtpPass   = "smtp-secret-pw-31337"
	)
	secrets := []string{hookToken, "slacktoken-9a8b7c", "ampass-4242", hmacKey, smtpPass}

	bad := newReceiver(t, webhookKey) // 400 for everything
	bad.status = func(int) (int, http.Header) { return 400, nil }
	down := newReceiver(t, webhookKey) // 503 with Retry-After
	down.status = func(int) (int, http.Header) { return 503, http.Header{"Retry-After": {"5"}} }
	dead := newReceiver(t, webhookKey) // connection refused
	dead.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0") // SMTP that hangs up
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "554 go away %s\r\n", smtpPass) // a server echoing secrets must not leak them either
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })

	hostOf := func(u string) string { return strings.TrimPrefix(u, "http://") }
	doc := fmt.Sprintf(`
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels:
    - {name: hook-bad, type: webhook, url: "%s/hook/%s", secret: %q}
    - {name: hook-down, type: webhook, url: "%s/hook/%s?token=%s", secret: %q}
    - {name: hook-dead, type: webhook, url: "%s/hook/%s"}
    - {name: chat-bad, type: slack, webhook_url: "%s/services/%s"}
    - {name: chat-dead, type: slack, webhook_url: "%s/services/%s"}
    - {name: am-down, type: alertmanager, url: "http://%s@%s"}
    - {name: mail, type: email, smtp: %q, from: "r@example.com", to: ["pr@example.com"], username: "u", password: %q}
  rules:
    - {name: neg, type: negative_mention, channels: [hook-bad, hook-down, hook-dead, chat-bad, chat-dead, am-down, mail]}
`, bad.URL, hookToken, hmacKey, down.URL, hookToken, hookToken, hmacKey, dead.URL, hookToken,
		bad.URL, slackToken, dead.URL, slackToken, amUser, hostOf(down.URL), ln.Addr().String(), smtpPass)
	h := newHarness(t, doc)
	save(t, h.st, h.e, false, mention("acme", "hn", "1", -0.8, t0))
	for i := 0; i < 4; i++ {
		h.e.DeliverDue(context.Background())
		h.clock.Advance(10 * time.Minute)
	}
	var errs []string
	for _, ch := range h.cfg.Alerts.Channels {
		if err := h.e.Test(context.Background(), ch.Name); err != nil {
			errs = append(errs, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		} else {
			t.Errorf("Test(%s) succeeded against a failing receiver", ch.Name)
		}
	}
	mfs, err := h.m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	metricsText := fmt.Sprint(mfs)
	logs := h.logs.String()
	if !strings.Contains(logs, `"reason":"network"`) || !strings.Contains(logs, `"reason":"client_error"`) ||
		!strings.Contains(logs, `"reason":"server_error"`) {
		t.Errorf("expected failures of every class in the logs:\n%s", logs)
	}
	for _, s := range secrets {
		for what, text := range map[string]string{"logs": logs, "errors": strings.Join(errs, "\n"), "metrics": metricsText} {
			if strings.Contains(text, s) {
				t.Errorf("secret %q leaked into %s:\n%s", s, what, text)
			}
		}
	}
	var _ prometheus.Gatherer = h.m.Registry
}
