package collectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/repmon/repmon/config"
)

// Reason classifies a failed fetch; it maps onto the result label of
// repmon_collector_runs_total.
type Reason string

// Failure reasons.
const (
	ReasonRateLimited Reason = "rate_limited" // 429, or told to wait by rate-limit headers
	ReasonAuth        Reason = "auth_error"   // 401/403, revoked or expired credentials, blocked
	ReasonUnavailable Reason = "unavailable"  // 5xx, network errors, timeouts after retries
	ReasonBadResponse Reason = "bad_response" // malformed, truncated or oversized bodies, unexpected status
)

// Error is a classified fetch failure. It never carries a full URL (which
// may hold a token in its query) or a credential.
type Error struct {
	Source string
	Reason Reason
	Status int       // HTTP status, 0 if none
	Until  time.Time // when the source may be asked again, for rate limits
	Err    error
}

func (e *Error) Error() string {
	msg := e.Source + ": " + string(e.Reason)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (status %d)", e.Status)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the reason of a classified error, or "" for others.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// MaxBody caps every response body: a source that streams gigabytes must not
// take the monitor down with it.
const MaxBody = 16 << 20

// Client is the HTTP layer every collector shares: timeouts, a body size cap,
// a User-Agent, retries with exponential backoff and jitter on 5xx and
// network errors, and a per-source pause that rate-limit headers and
// Retry-After set. While paused, requests fail fast with ReasonRateLimited
// instead of reaching the API.
type Client struct {
	source    string
	userAgent string
	http      *http.Client
	now       func() time.Time
	backoff   time.Duration
	retries   int
	sleep     func(context.Context, time.Duration) error

	mu          sync.Mutex
	pausedUntil time.Time
}

func newClient(src config.Source, d Deps) *Client {
	rt := d.Transport
	if rt == nil {
		rt = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
		}
	}
	backoff := d.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	return &Client{
		source:    src.Name,
		userAgent: src.UserAgent,
		http:      &http.Client{Transport: rt, Timeout: 60 * time.Second},
		now:       d.Now,
		backoff:   backoff,
		retries:   3,
		sleep:     sleepCtx,
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// PausedUntil reports until when the source must not be asked.
func (c *Client) PausedUntil() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pausedUntil
}

// Pause stops requests until t (a later pause wins).
func (c *Client) Pause(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.pausedUntil) {
		c.pausedUntil = t
	}
}

// HTTPClient returns a client whose transport goes through c's pause,
// retry and rate-limit logic, for libraries that want an *http.Client
// (go-twitter). Bodies are capped when read through Do, not here.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return c.Do(r.Context(), r)
	}), Timeout: c.http.Timeout}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Do sends req (with a body that can be replayed via GetBody, or none),
// retrying 5xx and network errors with backoff. A 2xx response is returned
// with its body capped at MaxBody; every other outcome is an *Error and the
// body is closed. 304 Not Modified counts as success, for conditional GETs. Rate-limit headers on any response update the pause.
func (c *Client) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	if until := c.PausedUntil(); c.now().Before(until) {
		return nil, &Error{Source: c.source, Reason: ReasonRateLimited, Until: until,
			Err: fmt.Errorf("paused until %s", until.UTC().Format(time.RFC3339))}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	var last error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			// Exponential backoff with full jitter: base * 2^attempt * [0.5, 1.5).
			d := c.backoff << (attempt - 1)
			d = time.Duration(float64(d) * (0.5 + rand.Float64()))
			if err := c.sleep(ctx, d); err != nil {
				return nil, &Error{Source: c.source, Reason: ReasonUnavailable, Err: joinErr(last, err)}
			}
			if c.now().Before(c.PausedUntil()) {
				// A failed answer said no requests remain: a retry now
				// would be one the API told us not to send.
				if ReasonOf(last) == "" {
					last = &Error{Source: c.source, Reason: ReasonUnavailable, Err: last}
				}
				return nil, last
			}
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				req.Body = body
			}
		}
		resp, err := c.http.Do(req.WithContext(ctx))
		if err != nil {
			last = scrubURL(err)
			if ctx.Err() != nil || attempt >= c.retries {
				return nil, &Error{Source: c.source, Reason: ReasonUnavailable, Err: last}
			}
			continue
		}
		c.noteRateLimit(resp)
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300 || resp.StatusCode == http.StatusNotModified:
			resp.Body = &capped{r: io.LimitReader(resp.Body, MaxBody+1), c: resp.Body}
			return resp, nil
		case resp.StatusCode == http.StatusTooManyRequests:
			drain(resp)
			until := c.retryAfter(resp)
			c.Pause(until)
			return nil, &Error{Source: c.source, Reason: ReasonRateLimited, Status: resp.StatusCode, Until: until}
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			snippet := bodySnippet(resp)
			return nil, &Error{Source: c.source, Reason: ReasonAuth, Status: resp.StatusCode, Err: snippet}
		case resp.StatusCode >= 500:
			drain(resp)
			last = &Error{Source: c.source, Reason: ReasonUnavailable, Status: resp.StatusCode}
			if ra := resp.Header.Get("Retry-After"); ra != "" {
				c.Pause(c.retryAfter(resp))
				return nil, last
			}
			if attempt >= c.retries {
				return nil, last
			}
		default:
			snippet := bodySnippet(resp)
			return nil, &Error{Source: c.source, Reason: ReasonBadResponse, Status: resp.StatusCode, Err: snippet}
		}
	}
}

// ErrTooLarge is returned when a body exceeds MaxBody.
var ErrTooLarge = fmt.Errorf("response body larger than %d bytes", MaxBody)

type capped struct {
	r io.Reader
	c io.Closer
	n int64
}

func (b *capped) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > MaxBody {
		return n, ErrTooLarge
	}
	return n, err
}

func (b *capped) Close() error { return b.c.Close() }

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// bodySnippet keeps a short, single-line excerpt of an error body: enough to
// tell Reddit's HTML block page from a JSON error, never a whole page.
func bodySnippet(resp *http.Response) error {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	if s == "" {
		return nil
	}
	return errors.New(s)
}

// scrubURL drops the URL from *url.Error: query strings may carry tokens.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// DefaultRateLimitPause is how long a 429 without any hint pauses a source.
const DefaultRateLimitPause = time.Minute

// retryAfter returns when a 429 or 503 allows the next request: Retry-After,
// else the rate-limit reset header, else DefaultRateLimitPause.
func (c *Client) retryAfter(resp *http.Response) time.Time {
	now := c.now()
	if t, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
		return t
	}
	if _, reset, ok := parseRateLimit(resp.Header, now); ok && reset.After(now) {
		return reset
	}
	return now.Add(DefaultRateLimitPause)
}

// noteRateLimit pauses the source when a response says no requests remain.
func (c *Client) noteRateLimit(resp *http.Response) {
	remaining, reset, ok := parseRateLimit(resp.Header, c.now())
	if ok && remaining < 1 && reset.After(c.now()) {
		c.Pause(reset)
	}
}

func parseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 && secs < 7*24*3600 {
		return now.Add(time.Duration(secs * float64(time.Second))), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// parseRateLimit reads the remaining-requests and reset headers of every
// supported API:
//
//	X          x-rate-limit-remaining, x-rate-limit-reset (unix seconds)
//	Reddit     X-Ratelimit-Remaining (float), X-Ratelimit-Reset (seconds from now)
//	Mastodon   X-RateLimit-Remaining, X-RateLimit-Reset (ISO 8601 time)
//	Bluesky    ratelimit-remaining, ratelimit-reset (unix seconds)
//
// Header names are case-insensitive, so X, Reddit and Mastodon share a
// spelling; the reset value's form tells them apart.
func parseRateLimit(h http.Header, now time.Time) (remaining float64, reset time.Time, ok bool) {
	for _, p := range [][2]string{{"X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"}, {"X-Ratelimit-Remaining", "X-Ratelimit-Reset"}, {"Ratelimit-Remaining", "Ratelimit-Reset"}} {
		rv, sv := h.Get(p[0]), h.Get(p[1])
		if rv == "" {
			continue
		}
		r, err := strconv.ParseFloat(strings.TrimSpace(rv), 64)
		if err != nil {
			continue
		}
		if t, ok := parseReset(strings.TrimSpace(sv), now); ok {
			return r, t, true
		}
		return r, now.Add(DefaultRateLimitPause), true
	}
	return 0, time.Time{}, false
}

func parseReset(v string, now time.Time) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return time.Time{}, false
	}
	// A large number is a unix time (X, Bluesky); a small one counts seconds
	// from now (Reddit).
	if f > 1e9 {
		return time.Unix(int64(f), 0), true
	}
	return now.Add(time.Duration(f * float64(time.Second))), true
}

// fetchBody sends req through c and reads the whole 2xx body: an oversized
// body is ReasonBadResponse, a connection cut mid-body (an outage, not bad
// data) ReasonUnavailable. Decoding is left to a pure function of the bytes.
func fetchBody(ctx context.Context, c *Client, req *http.Request) ([]byte, *http.Response, error) {
	resp, err := c.Do(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, resp, badResponse(c, err)
		}
		return nil, resp, &Error{Source: c.source, Reason: ReasonUnavailable, Err: scrubURL(err)}
	}
	return b, resp, nil
}

func badResponse(c *Client, err error) error {
	return &Error{Source: c.source, Reason: ReasonBadResponse, Err: err}
}

// linkParam returns query parameter param of the Link header entry with
// rel=rel (RFC 8288, as Mastodon sends it).
func linkParam(header, rel, param string) string {
	for _, part := range strings.Split(header, ",") {
		target, params, ok := strings.Cut(part, ";")
		if !ok {
			continue
		}
		target = strings.TrimSpace(target)
		if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		match := false
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "rel") && slices.Contains(strings.Fields(strings.Trim(v, `"`)), rel) {
				match = true
			}
		}
		if !match {
			continue
		}
		u, err := url.Parse(target[1 : len(target)-1])
		if err != nil {
			return ""
		}
		return u.Query().Get(param)
	}
	return ""
}
