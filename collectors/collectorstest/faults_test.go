package collectorstest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestFaultsSequence(t *testing.T) {
	draw := func() []Fault {
		f := NewFaults(42, 0.3)
		f.Queue(FaultSlow)
		var out []Fault
		out = append(out, f.next()) // queued: served even while off
		out = append(out, f.next()) // off
		f.Set(true)
		for i := 0; i < 200; i++ {
			out = append(out, f.next())
		}
		return out
	}
	a, b := draw(), draw()
	if !slices.Equal(a, b) {
		t.Fatal("the same seed drew different sequences")
	}
	if a[0] != FaultSlow || a[1] != FaultNone {
		t.Fatalf("queued then off: %q %q", a[0], a[1])
	}
	n := 0
	for _, k := range a[2:] {
		if k != FaultNone {
			n++
		}
	}
	if n < 40 || n > 80 {
		t.Fatalf("%d faults in 200 draws at rate 0.3", n)
	}
	var nilFaults *Faults
	if nilFaults.next() != FaultNone {
		t.Fatal("nil Faults injected a fault")
	}
}

// A 429 records when the client may come back; a request before that is a
// violation.
func TestViolations(t *testing.T) {
	for name, h := range map[string]http.Handler{"x": &X{}, "reddit": &Reddit{}, "mastodon": &Mastodon{}, "bluesky": &Bluesky{}, "hn": &HackerNews{}} {
		t.Run(name, func(t *testing.T) {
			c := coreOf(h)
			c.Faults = NewFaults(1, 0)
			c.Faults.Reset = time.Second
			c.Faults.Queue(FaultRateLimit)
			srv := httptest.NewServer(h)
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("status %d", resp.StatusCode)
			}
			until := c.Log()[0].Until
			if d := time.Until(until); d <= 0 || d > 2*time.Second {
				t.Fatalf("until %v from now", d)
			}
			if name == "hn" {
				if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); ra != 1 {
					t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
				}
			}
			if resp, err := http.Get(srv.URL + "/"); err == nil { // too early
				resp.Body.Close()
			}
			if v := c.Violations(); len(v) != 1 {
				t.Fatalf("violations %q, want 1", v)
			}
		})
	}
}

func coreOf(h http.Handler) *core {
	switch f := h.(type) {
	case *X:
		return &f.core
	case *Reddit:
		return &f.core
	case *Mastodon:
		return &f.core
	case *Bluesky:
		return &f.core
	case *HackerNews:
		return &f.core
	}
	return nil
}
