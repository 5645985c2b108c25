package alerts

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// DialFunc opens a connection, like net.Dialer.DialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Email sends alerts over SMTP: STARTTLS whenever the server offers it,
// PLAIN authentication when a username is set (net/smtp refuses PLAIN over
// an unencrypted connection except to localhost). One message per alert,
// or one per digest interval when the channel sets digest.
type Email struct {
	ch      config.Channel
	dial    DialFunc
	now     func() time.Time
	tls     *tls.Config
	explain func(repmon.Mention) string
}

// NewEmail returns the notifier of an email channel. dial and tlsConfig may
// be nil.
func NewEmail(ch config.Channel, dial DialFunc, tlsConfig *tls.Config, now func() time.Time, explain func(repmon.Mention) string) *Email {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return &Email{ch: ch, dial: dial, now: now, tls: tlsConfig, explain: explain}
}

// Notify implements Notifier.
func (e *Email) Notify(ctx context.Context, a *Alert) (bool, error) {
	return e.NotifyDigest(ctx, []*Alert{a})
}

// NotifyDigest sends several alerts as one message.
func (e *Email) NotifyDigest(ctx context.Context, as []*Alert) (bool, error) {
	if len(as) == 0 {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, config.DurationOr(e.ch.Timeout, config.DefaultChannelTimeout))
	defer cancel()
	conn, err := e.dial(ctx, "tcp", e.ch.SMTP)
	if err != nil {
		return true, transportError(e.ch.Name, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	host, _, _ := net.SplitHostPort(e.ch.SMTP)
	if err := e.session(conn, host, e.message(as)); err != nil {
		return e.classify(ctx, err)
	}
	return false, nil
}

func (e *Email) session(conn net.Conn, host string, msg []byte) error {
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("repmon"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if e.tls != nil {
			cfg = e.tls.Clone()
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	}
	if e.ch.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.ch.Username, e.ch.Password.Value(), host)); err != nil {
			return err
		}
	}
	if err := c.Mail(addrOnly(e.ch.From)); err != nil {
		return err
	}
	for _, to := range e.ch.To {
		if err := c.Rcpt(addrOnly(to)); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// classify maps an SMTP session error to a reason: 4xx replies are
// transient, 5xx permanent; everything else is the transport's. The
// server's reply text is dropped: it may echo what we sent.
func (e *Email) classify(ctx context.Context, err error) (bool, error) {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		switch {
		case tp.Code == 421 || tp.Code == 450 || tp.Code == 451 || tp.Code == 452:
			return true, &Error{Channel: e.ch.Name, Reason: ReasonServerError, Status: tp.Code, msg: "smtp: transient failure"}
		case tp.Code >= 500:
			return false, &Error{Channel: e.ch.Name, Reason: ReasonClientError, Status: tp.Code, msg: "smtp: rejected"}
		default:
			return true, &Error{Channel: e.ch.Name, Reason: ReasonServerError, Status: tp.Code, msg: "smtp: unexpected reply"}
		}
	}
	var ne net.Error
	if ctx.Err() != nil || errors.As(err, &ne) || errors.Is(err, net.ErrClosed) {
		return true, transportError(e.ch.Name, err)
	}
	if strings.Contains(err.Error(), "unencrypted connection") {
		return false, &Error{Channel: e.ch.Name, Reason: ReasonOther, msg: "smtp: server offers no STARTTLS; refusing to send the password in clear"}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true, &Error{Channel: e.ch.Name, Reason: ReasonNetwork, msg: "smtp: connection closed"}
	}
	return true, &Error{Channel: e.ch.Name, Reason: ReasonOther, msg: "smtp: session failed"}
}

func addrOnly(s string) string {
	if i := strings.LastIndex(s, "<"); i >= 0 {
		return strings.TrimSuffix(s[i+1:], ">")
	}
	return s
}

func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// message renders the RFC 5322 message for one alert or a digest.
func (e *Email) message(as []*Alert) []byte {
	subject := "[repmon] " + as[0].Summary
	id := as[0].ID
	if len(as) > 1 {
		subject = fmt.Sprintf("[repmon] digest: %d alerts", len(as))
		id = "digest-" + as[0].ID
	}
	var body bytes.Buffer
	for i, a := range as {
		if i > 0 {
			body.WriteString("\n----------------------------------------\n\n")
		}
		e.writeAlert(&body, a)
	}
	var msg bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&msg, "%s: %s\r\n", k, v) }
	hdr("From", headerSafe(e.ch.From))
	hdr("To", headerSafe(strings.Join(e.ch.To, ", ")))
	// mime joins encoded words with a space; RFC 2047 wants them on lines
	// of their own, or a subject in CJK or emoji makes one line of over
	// 1000 octets (RFC 5322 caps a line at 998)
	hdr("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", headerSafe(truncate(subject, 200))), "?= =?", "?=\r\n =?"))
	hdr("Date", e.now().UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+id+"@repmon>")
	for _, a := range as {
		hdr("X-Repmon-Alert-Id", a.ID)
	}
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	msg.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&msg)
	qp.Write([]byte(strings.ReplaceAll(body.String(), "\n", "\r\n")))
	qp.Close()
	return msg.Bytes()
}

func (e *Email) writeAlert(w *bytes.Buffer, a *Alert) {
	status := ""
	if a.Status == StatusResolved {
		status = "[resolved] "
	}
	fmt.Fprintf(w, "%s%s\n\nRule: %s (%s)\nBrand: %s\nSeverity: %s\nAlert id: %s\nCreated: %s\n",
		status, a.Summary, a.Rule, a.Type, a.Brand, a.Severity, a.ID, a.CreatedAt.UTC().Format(time.RFC3339))
	if a.Description != "" {
		fmt.Fprintf(w, "\n%s\n", a.Description)
	}
	for _, m := range a.Mentions {
		why := ""
		if e.explain != nil {
			why = e.explain(m)
		}
		if why == "" {
			why = explain(m)
		}
		fmt.Fprintf(w, "\n* %s on %s (%d followers), score %.2f\n  %s\n  Why: %s\n  %s\n",
			m.Author, m.Source, m.AuthorFollowers, m.Sentiment.Compound, truncate(m.Text, 1000), why, m.URL)
	}
	if a.Total > len(a.Mentions) {
		fmt.Fprintf(w, "\n…and %d more\n", a.Total-len(a.Mentions))
	}
}
