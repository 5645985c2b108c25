package alerts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Failure reasons: the closed set of metrics.FailureReasons.
const (
	ReasonClientError = "client_error"
	ReasonServerError = "server_error"
	ReasonRateLimited = "rate_limited"
	ReasonTimeout     = "timeout"
	ReasonNetwork     = "network"
	ReasonOther       = "other"
)

// Notifier delivers one alert to one channel. Like Alertmanager's
// notifiers it says whether a failure is worth retrying: a network error,
// a timeout, 429 or 5xx is; any other 4xx is not.
type Notifier interface {
	Notify(ctx context.Context, a *Alert) (retry bool, err error)
}

// Error is a failed delivery. Its message is built from the status code or
// the failure class only: never from a URL (a Slack webhook URL is itself a
// credential, and *url.Error prints the URL) or a server's response body.
type Error struct {
	Channel    string
	Reason     string        // one of metrics.FailureReasons
	Status     int           // HTTP status or SMTP reply code; 0 for transport failures
	RetryAfter time.Duration // from a Retry-After header; 0 if absent
	msg        string
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("alerts: %s: %s (status %d)", e.Channel, e.msg, e.Status)
	}
	return fmt.Sprintf("alerts: %s: %s", e.Channel, e.msg)
}

// ReasonOf returns the failure reason of err for metrics and logs.
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	if isTimeout(err) {
		return ReasonTimeout
	}
	return ReasonOther
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// transportError classifies an error from http.Client.Do or a dial without
// keeping its text, which holds the URL or address.
func transportError(channel string, err error) *Error {
	if isTimeout(err) {
		return &Error{Channel: channel, Reason: ReasonTimeout, msg: "request timed out"}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Channel: channel, Reason: ReasonOther, msg: "request canceled"}
	}
	return &Error{Channel: channel, Reason: ReasonNetwork, msg: "network error"}
}

// statusError classifies a non-2xx HTTP response.
func statusError(channel string, resp *http.Response, now time.Time) (retry bool, err *Error) {
	e := &Error{Channel: channel, Status: resp.StatusCode}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		e.Reason, e.msg, retry = ReasonRateLimited, "rate limited", true
	case code >= 500:
		e.Reason, e.msg, retry = ReasonServerError, "server error", true
	case code >= 400:
		e.Reason, e.msg = ReasonClientError, "request rejected"
	default:
		e.Reason, e.msg = ReasonOther, "unexpected status"
	}
	if retry {
		e.RetryAfter, _ = ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return retry, e
}

// maxRetryAfter bounds a server's Retry-After, so a bogus value cannot park
// an alert for days.
const maxRetryAfter = time.Hour

// ParseRetryAfter parses a Retry-After header value: delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3). It returns the delay from now, clamped to
// [0, 1h], and false when the value is absent or malformed.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return maxRetryAfter, true
			}
			return 0, false
		}
		if n > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	switch {
	case d < 0:
		return 0, true
	case d > maxRetryAfter:
		return maxRetryAfter, true
	}
	return d, true
}

// poster is the HTTP plumbing the HTTP channels share.
type poster struct {
	channel string
	client  *http.Client
	now     func() time.Time
}

func newPoster(channel string, rt http.RoundTripper, timeout time.Duration, now func() time.Time) *poster {
	return &poster{
		channel: channel,
		client: &http.Client{Transport: rt, Timeout: timeout,
			// A redirect would leak the signed body and headers to another
			// host; webhooks answer directly.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		now: now,
	}
}

// post sends body and classifies the outcome.
func (p *poster) post(ctx context.Context, target, contentType string, body []byte, header http.Header) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, &Error{Channel: p.channel, Reason: ReasonOther, msg: "invalid request"}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "repmon-alerts/1")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return true, transportError(p.channel, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // reuse the connection
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	retry, e := statusError(p.channel, resp, p.now())
	return retry, e
}
