package alerts

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// fakeSMTP is a minimal SMTP responder on 127.0.0.1: enough of RFC 5321 for
// net/smtp, recording each message and the AUTH PLAIN credentials.
type fakeSMTP struct {
	ln       net.Listener
	mu       sync.Mutex
	msgs     []string
	auth     []string
	dataCode func(n int) string // reply to the end of DATA for attempt n; "" = 250
	datas    int
}

func newFakeSMTP(t *testing.T) *fakeSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeSMTP{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *fakeSMTP) Addr() string { return s.ln.Addr().String() }

func (s *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(l string) { fmt.Fprintf(c, "%s\r\n", l) }
	say("220 localhost ESMTP fake")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-localhost")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(cmd, "AUTH PLAIN"):
			b, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(line)[len("AUTH PLAIN "):])
			s.mu.Lock()
			s.auth = append(s.auth, string(b))
			s.mu.Unlock()
			say("235 ok")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			n := s.datas
			s.datas++
			code := ""
			if s.dataCode != nil {
				code = s.dataCode(n)
			}
			if code == "" {
				s.msgs = append(s.msgs, msg.String())
				code = "250 queued"
			}
			s.mu.Unlock()
			say(code)
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown")
		}
	}
}

func (s *fakeSMTP) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

func emailDoc(addr, extra string) string {
	return fmt.Sprintf(`
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels:
    - {name: mail, type: email, smtp: %q, from: "repmon <repmon@example.com>", to: ["pr@example.com", "ops@example.com"],
       username: "repmon", password: "smtp-pass-7731"%s}
  rules: [{name: neg, type: negative_mention, channels: [mail]}]
`, addr, extra)
}

func TestEmailOneMessagePerAlert(t *testing.T) {
	srv := newFakeSMTP(t)
	h := newHarness(t, emailDoc(srv.Addr(), ""))
	for i := 0; i < 3; i++ {
		save(t, h.st, h.e, false, mention("acme", "hn", string(rune('a'+i)), -0.8, t0))
	}
	h.drain(t, 3, time.Second)
	msgs := srv.messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
	if !strings.Contains(msgs[0], "X-Repmon-Alert-Id: neg-acme-") || !strings.Contains(msgs[0], "Subject: ") {
		t.Errorf("message lacks alert id or subject:\n%s", msgs[0])
	}
	if got := srv.auth[0]; got != "\x00repmon\x00smtp-pass-7731" {
		t.Errorf("AUTH PLAIN = %q", got)
	}
}

func TestEmailDigest(t *testing.T) {
	srv := newFakeSMTP(t)
	h := newHarness(t, emailDoc(srv.Addr(), ", digest: 1h"))
	for i := 0; i < 4; i++ {
		save(t, h.st, h.e, false, mention("acme", "hn", string(rune('a'+i)), -0.8, t0))
		h.clock.Advance(5 * time.Minute)
	}
	h.e.DeliverDue(context.Background())
	if n := len(srv.messages()); n != 0 {
		t.Fatalf("%d messages before the digest period ended", n)
	}
	if n, oldest, err := h.st.Outbox(context.Background()); err != nil || n != 4 || !oldest.IsZero() {
		t.Errorf("Outbox during the digest period = %d, %v, %v; want 4 pending, none due", n, oldest, err)
	}
	h.drain(t, 90, time.Minute)
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1 digest", len(msgs))
	}
	if n := strings.Count(msgs[0], "X-Repmon-Alert-Id:"); n != 4 {
		t.Errorf("digest lists %d alerts, want 4", n)
	}
}

func TestEmailSMTPErrors(t *testing.T) {
	srv := newFakeSMTP(t)
	srv.dataCode = func(n int) string {
		if n == 0 {
			return "451 try later"
		}
		if n == 1 {
			return "550 no such user"
		}
		return ""
	}
	h := newHarness(t, emailDoc(srv.Addr(), ""))
	n := h.e.notifiers["mail"]
	a := mentionAlert(h.e.rules["neg"], mention("acme", "hn", "1", -0.8, t0), t0)
	if retry, err := n.Notify(context.Background(), a); !retry || ReasonOf(err) != ReasonServerError {
		t.Errorf("451: retry=%v err=%v", retry, err)
	}
	if retry, err := n.Notify(context.Background(), a); retry || ReasonOf(err) != ReasonClientError {
		t.Errorf("550: retry=%v err=%v", retry, err)
	}
	if retry, err := n.Notify(context.Background(), a); retry || err != nil {
		t.Errorf("ok: retry=%v err=%v", retry, err)
	}
}

// TestStatusClassification: 2xx ok, 429/5xx retryable with Retry-After,
// other 4xx permanent, a dead server is a retryable network error.
func TestStatusClassification(t *testing.T) {
	tests := []struct {
		code   int
		header http.Header
		retry  bool
		reason string
		after  time.Duration
	}{
		{200, nil, false, "", 0},
		{204, nil, false, "", 0},
		{400, nil, false, ReasonClientError, 0},
		{404, nil, false, ReasonClientError, 0},
		{429, http.Header{"Retry-After": {"120"}}, true, ReasonRateLimited, 2 * time.Minute},
		{500, nil, true, ReasonServerError, 0},
		{503, http.Header{"Retry-After": {t0.Add(90 * time.Second).Format(http.TimeFormat)}}, true, ReasonServerError, 90 * time.Second},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			rc := newReceiver(t, webhookKey)
			rc.status = func(int) (int, http.Header) { return tc.code, tc.header }
			p := newPoster("hooks", http.DefaultTransport, time.Second, func() time.Time { return t0 })
			retry, err := p.post(context.Background(), rc.URL, "application/json", []byte("{}"), nil)
			if retry != tc.retry || (tc.reason == "") != (err == nil) || err != nil && ReasonOf(err) != tc.reason {
				t.Fatalf("retry=%v err=%v, want %v %s", retry, err, tc.retry, tc.reason)
			}
			if e, ok := err.(*Error); ok && e.RetryAfter != tc.after {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tc.after)
			}
		})
	}
	rc := newReceiver(t, webhookKey)
	rc.Close()
	p := newPoster("hooks", http.DefaultTransport, time.Second, time.Now)
	if retry, err := p.post(context.Background(), rc.URL, "application/json", nil, nil); !retry || ReasonOf(err) != ReasonNetwork {
		t.Errorf("dead server: retry=%v err=%v", retry, err)
	}
}

func TestAlertmanagerBody(t *testing.T) {
	am := newReceiver(t, amKey)
	var gotPath string
	am.Config.Handler = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gotPath = r.URL.Path; next.ServeHTTP(w, r) })
	}(am.Config.Handler)
	h := newHarness(t, channelsDoc("http://127.0.0.1:1", am.URL+"/", "http://127.0.0.1:1")+`
  rules: [{name: neg, type: negative_mention, channels: [am], severity: critical}]
`)
	m := mention("acme", "hn", "1", -0.8, t0)
	save(t, h.st, h.e, false, m)
	h.e.DeliverDue(context.Background())
	if gotPath != "/api/v2/alerts" {
		t.Errorf("path %q", gotPath)
	}
	var as []amAlert
	json.Unmarshal(am.bodies[0], &as)
	if len(as) != 1 {
		t.Fatalf("body %s", am.bodies[0])
	}
	l := as[0].Labels
	if l["alertname"] != "neg" || l["brand"] != "acme" || l["severity"] != "critical" || l["source"] != "hn" ||
		l["alert_id"] != alertID("neg", "acme", "hn", "1") {
		t.Errorf("labels %v", l)
	}
	if as[0].Annotations["summary"] == "" || as[0].Annotations["url"] != m.URL || !as[0].StartsAt.Equal(t0) || !as[0].EndsAt.IsZero() {
		t.Errorf("alert %+v", as[0])
	}
	res := &Alert{ID: "x-resolved", Rule: "spike", Brand: "acme", Severity: "warning", Status: StatusResolved,
		StartsAt: t0, EndsAt: t0.Add(time.Hour), CreatedAt: t0.Add(time.Hour)}
	as = nil
	json.Unmarshal(AlertmanagerBody(res), &as)
	if !as[0].EndsAt.Equal(t0.Add(time.Hour)) || as[0].Labels["alert_id"] != "" {
		t.Errorf("resolved aggregate alert %+v", as[0])
	}
}

func TestSlackBody(t *testing.T) {
	s := NewSlack(loadConfig(t, channelsDoc("http://x", "http://x", "http://x")).Alerts.Channels[2], http.DefaultTransport, time.Now,
		func(repmon.Mention) string { return "strongest words: awful (-2.5), broken (-1.9)" })
	m := mention("acme", "hn", "1", -0.8, t0)
	m.Text = "acme <b>is</b> awful & broken"
	m.AuthorFollowers = 12345
	a := &Alert{ID: "neg-acme-123", Rule: "neg", Brand: "acme", Severity: "warning", Status: StatusFiring, Summary: "s", Mentions: []repmon.Mention{m}}
	body := string(s.SlackBody(a))
	for _, want := range []string{"neg-acme-123", "awful \\u0026amp; broken", "12345 followers", "-0.80", "strongest words", m.URL, "user1"} {
		if !strings.Contains(body, want) {
			t.Errorf("slack body lacks %q: %s", want, body)
		}
	}
	if strings.Contains(body, "<b>") {
		t.Error("mrkdwn not escaped")
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", "99999999999999999999", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", " 30 ", "3O"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, t0)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("ParseRetryAfter(%q) = %v out of [0, %v]", s, d, maxRetryAfter)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v with ok=false", s, d)
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false}, {"30", 30 * time.Second, true}, {"abc", 0, false}, {"-5", 0, false},
		{"86400", time.Hour, true}, {"99999999999999999999999", time.Hour, true},
		{t0.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{t0.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second, true},
	}
	for _, tc := range tests {
		if got, ok := ParseRetryAfter(tc.in, t0); got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestEmailLongSubject: a subject in CJK text is folded into lines that
// mail servers accept and reads back whole.
func TestEmailLongSubject(t *testing.T) {
	m := mention("acme", "hn", "1", -0.8, t0)
	m.Text = strings.Repeat("アクメの最悪なサポート、二度と使わない。", 10)
	a := mentionAlert(&config.Rule{Name: "negative", Type: config.RuleNegativeMention, Severity: "warning"}, m, t0)
	e := NewEmail(config.Channel{Name: "mail", From: "repmon@example.com", To: []string{"pr@example.com"}}, nil, nil, func() time.Time { return t0 }, nil)
	raw := e.message([]*Alert{a})
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets, over RFC 5322's 998: %.60s…", len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.Contains(subject, "アクメの最悪なサポート、二度と使わない。アクメ") {
		t.Errorf("subject reads back as %q, %v", subject, err)
	}
}
