package main

import (
	"net/http"
	"testing"
	"time"
)

// TestHTTPServerLimits: no phase of a connection is unbounded, so that
// clients cannot hold connections (and file descriptors) indefinitely.
func TestHTTPServerLimits(t *testing.T) {
	s := newHTTPServer(http.NotFoundHandler())
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": s.ReadHeaderTimeout, "ReadTimeout": s.ReadTimeout,
		"WriteTimeout": s.WriteTimeout, "IdleTimeout": s.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s is unbounded", name)
		}
	}
	if s.MaxHeaderBytes <= 0 {
		t.Error("MaxHeaderBytes is the default 1 MB")
	}
}
