package collectorstest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Fault is one kind of failure a fake can answer with, in the form of the
// API it fakes.
type Fault string

// Fault kinds.
const (
	FaultNone        Fault = ""
	FaultRateLimit   Fault = "429"       // 429 with the API's rate-limit headers (and Retry-After where it sends one)
	FaultServerError Fault = "500"       // 500 with a JSON error body
	FaultUnavailable Fault = "503_html"  // 503 with an HTML page, as load balancers serve
	FaultMalformed   Fault = "malformed" // 200 with a body that is not JSON
	FaultTruncated   Fault = "truncated" // 200 with the real body cut in half
	FaultSlow        Fault = "slow"      // the real answer, after Faults.Slow
	FaultExhausted   Fault = "exhausted" // the real answer, saying no requests remain until a reset ahead
)

// AllFaults are every fault kind, for Faults.Kinds.
var AllFaults = []Fault{FaultRateLimit, FaultServerError, FaultUnavailable, FaultMalformed, FaultTruncated, FaultSlow, FaultExhausted}

// Faults decides which requests of a fake fail and how. It is shared by
// every fake: each API only supplies how it spells its rate-limit headers
// and error bodies. The random sequence is seeded, so a test sees the same
// sequence of decisions on every run. A nil *Faults injects nothing.
type Faults struct {
	// Rate is the probability that a request fails while the faults are on.
	Rate float64
	// Kinds are drawn from uniformly; empty means AllFaults.
	Kinds []Fault
	// Slow is how long a slow answer takes: set it above the source's
	// timeout so that the client gives up.
	Slow time.Duration
	// Reset is how far ahead a 429 or an exhausted window tells the client
	// to come back (rounded up to whole seconds where the API counts in
	// seconds).
	Reset time.Duration

	mu     sync.Mutex
	on     bool
	rng    *rand.Rand
	queue  []Fault
	counts map[Fault]int
}

// NewFaults returns faults that fail a fraction rate of requests, drawn
// from a sequence seeded with seed, once turned on.
func NewFaults(seed uint64, rate float64) *Faults {
	return &Faults{Rate: rate, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Set turns random faults on or off. Queued faults are served either way.
func (f *Faults) Set(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on = on
}

// Queue makes the next requests fail with kinds, in order, before any
// random fault.
func (f *Faults) Queue(kinds ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, kinds...)
}

// Counts returns how many faults of each kind were served.
func (f *Faults) Counts() map[Fault]int {
	out := map[Fault]int{}
	if f == nil {
		return out
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

func (f *Faults) next() Fault {
	if f == nil {
		return FaultNone
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := FaultNone
	switch {
	case len(f.queue) > 0:
		k, f.queue = f.queue[0], f.queue[1:]
	case f.on:
		if f.rng == nil {
			f.rng = rand.New(rand.NewPCG(1, 2))
		}
		if f.rng.Float64() < f.Rate {
			kinds := f.Kinds
			if len(kinds) == 0 {
				kinds = AllFaults
			}
			k = kinds[f.rng.IntN(len(kinds))]
		}
	}
	if k != FaultNone {
		if f.counts == nil {
			f.counts = map[Fault]int{}
		}
		f.counts[k]++
	}
	return k
}

func (f *Faults) slow() time.Duration {
	if f == nil || f.Slow <= 0 {
		return 30 * time.Second
	}
	return f.Slow
}

func (f *Faults) reset() time.Duration {
	if f == nil || f.Reset <= 0 {
		return 2 * time.Second
	}
	return f.Reset
}

// Request is one request a fake received.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Query  string // the raw query string
	Status int    // 0 if the client went away first
	Fault  Fault  // FaultNone for a real answer
	// Until is when the answer allowed the next request (a 429's reset or
	// Retry-After, an exhausted window's reset); zero if it set no wait.
	Until time.Time
}

// limits is an API's rate-limit dialect.
type limits struct {
	// headers writes the rate-limit headers of a response and returns the
	// time the client is told it may send again when remaining is 0.
	headers func(h http.Header, remaining int, reset, now time.Time) time.Time
	// tooMany is the body of the API's 429.
	tooMany string
	// retryAfter: the API sends Retry-After on a 429.
	retryAfter bool
}

// The rate-limit dialects of the faked APIs.
var (
	// X v2 and v1.1: x-rate-limit-* with the reset as unix seconds.
	xLimits = limits{headers: func(h http.Header, remaining int, reset, now time.Time) time.Time {
		at := ceilSecond(reset)
		h.Set("x-rate-limit-limit", "450")
		h.Set("x-rate-limit-remaining", strconv.Itoa(remaining))
		h.Set("x-rate-limit-reset", strconv.FormatInt(at.Unix(), 10))
		return at
	}, tooMany: `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`}
	xV1Limits = limits{headers: xLimits.headers, tooMany: `{"errors":[{"message":"Rate limit exceeded","code":88}]}`}
	// Reddit: X-Ratelimit-Used/Remaining (a float) and the reset in seconds
	// from now.
	redditLimits = limits{headers: func(h http.Header, remaining int, reset, now time.Time) time.Time {
		secs := int(reset.Sub(now).Seconds() + 0.999)
		h.Set("X-Ratelimit-Used", strconv.Itoa(1000-remaining))
		h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining)+".0")
		h.Set("X-Ratelimit-Reset", strconv.Itoa(secs))
		return now.Add(time.Duration(secs) * time.Second)
	}, tooMany: `{"message": "Too Many Requests", "error": 429}`}
	// Mastodon: X-RateLimit-* with the reset as an ISO 8601 time.
	mastodonLimits = limits{headers: func(h http.Header, remaining int, reset, now time.Time) time.Time {
		at := reset.UTC().Truncate(time.Microsecond)
		h.Set("X-RateLimit-Limit", "300")
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", at.Format("2006-01-02T15:04:05.000000Z"))
		return at
	}, tooMany: `{"error":"Too many requests"}`}
	// Bluesky: ratelimit-* (IETF draft) with the reset as unix seconds.
	bskyLimits = limits{headers: func(h http.Header, remaining int, reset, now time.Time) time.Time {
		at := ceilSecond(reset)
		h.Set("ratelimit-limit", "3000")
		h.Set("ratelimit-remaining", strconv.Itoa(remaining))
		h.Set("ratelimit-reset", strconv.FormatInt(at.Unix(), 10))
		h.Set("ratelimit-policy", "3000;w=300")
		return at
	}, tooMany: `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`}
	// Hacker News (Algolia) and plain web servers: no rate-limit headers,
	// Retry-After on a 429.
	plainLimits = limits{tooMany: `{"message":"Too many requests","status":429}`, retryAfter: true}
)

func ceilSecond(t time.Time) time.Time {
	if t2 := t.Truncate(time.Second); !t2.Equal(t) {
		return t2.Add(time.Second)
	}
	return t
}

// core is what every fake shares: the request log, fault injection and
// rate-limit bookkeeping, so that a test can check that the client never
// came back before it was told it could.
type core struct {
	// Faults, when set, makes some answers fail.
	Faults *Faults

	mu         sync.Mutex
	log        []Request
	notBefore  time.Time
	violations []string
}

// Log returns every request received so far.
func (c *core) Log() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Request(nil), c.log...)
}

// Violations lists the requests that arrived more than ViolationSlack
// before the time a 429, a Retry-After or an exhausted rate-limit window
// allowed.
func (c *core) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.violations...)
}

// ViolationSlack absorbs the gap between the fake's clock reading when it
// answers and the client's when it reads the answer.
const ViolationSlack = 200 * time.Millisecond

// serve answers r: with a fault, or with h's answer plus the API's
// rate-limit headers.
func (c *core) serve(w http.ResponseWriter, r *http.Request, lim limits, h http.HandlerFunc) {
	now := time.Now()
	c.mu.Lock()
	if now.Add(ViolationSlack).Before(c.notBefore) {
		c.violations = append(c.violations, fmt.Sprintf("%s %s at %s, %v before the advertised reset %s",
			r.Method, r.URL.Path, now.Format("15:04:05.000"), c.notBefore.Sub(now).Round(time.Millisecond), c.notBefore.Format("15:04:05.000")))
	}
	c.log = append(c.log, Request{At: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
	idx := len(c.log) - 1
	c.mu.Unlock()

	fault := c.Faults.next()
	status, until := c.answer(w, r, lim, h, fault, now)
	c.mu.Lock()
	c.log[idx].Status, c.log[idx].Fault, c.log[idx].Until = status, fault, until
	c.mu.Unlock()
}

// hold records that the client must not come back before t, and returns t.
func (c *core) hold(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.notBefore) {
		c.notBefore = t
	}
	return t
}

func (c *core) answer(w http.ResponseWriter, r *http.Request, lim limits, h http.HandlerFunc, fault Fault, now time.Time) (status int, until time.Time) {
	switch fault {
	case FaultRateLimit:
		reset := now.Add(c.Faults.reset())
		var at time.Time
		if lim.headers != nil {
			at = lim.headers(w.Header(), 0, reset, now)
		}
		if lim.retryAfter || lim.headers == nil {
			secs := int(reset.Sub(now).Seconds() + 0.999)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			if ra := now.Add(time.Duration(secs) * time.Second); ra.After(at) {
				at = ra
			}
		}
		writeBody(w, http.StatusTooManyRequests, "application/json; charset=utf-8", lim.tooMany)
		return http.StatusTooManyRequests, c.hold(at)
	case FaultServerError:
		writeBody(w, http.StatusInternalServerError, "application/json; charset=utf-8", `{"error":"InternalServerError","message":"Internal Server Error"}`)
		return http.StatusInternalServerError, time.Time{}
	case FaultUnavailable:
		writeBody(w, http.StatusServiceUnavailable, "text/html; charset=utf-8",
			"<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>\n<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>\n")
		return http.StatusServiceUnavailable, time.Time{}
	case FaultMalformed:
		writeBody(w, http.StatusOK, "application/json; charset=utf-8", `{"data": [{"id": "1", "text": }]`)
		return http.StatusOK, time.Time{}
	case FaultSlow:
		t := time.NewTimer(c.Faults.slow())
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return 0, time.Time{}
		}
	}
	rec := httptest.NewRecorder()
	h(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	if lim.headers != nil && rec.Code < 300 {
		if fault == FaultExhausted {
			until = c.hold(lim.headers(w.Header(), 0, now.Add(c.Faults.reset()), now))
		} else {
			lim.headers(w.Header(), 999, now.Add(5*time.Minute), now)
		}
	}
	body := rec.Body.Bytes()
	if fault == FaultTruncated && rec.Code == http.StatusOK {
		body = body[:len(body)/2]
	}
	w.WriteHeader(rec.Code)
	w.Write(body)
	return rec.Code, until
}

func writeBody(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}
