// Package api serves repmon's HTTP surface: Prometheus metrics, health and
// readiness, the JSON mentions API and a small read-only UI.
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/model"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/store"
)

// Store is what the API reads.
type Store interface {
	Mentions(ctx context.Context, q store.Query) ([]repmon.Mention, string, error)
	Ping(ctx context.Context) error
}

// Explainer explains a text's score, for ?explain=1.
type Explainer interface {
	Explain(brand, text string) any
}

// Options configure the handler.
type Options struct {
	Store     Store
	Registry  *prometheus.Registry
	Explainer Explainer // may be nil
	// Summarize, when set, says in a line why a mention got its score;
	// the UI shows it under every mention it has something to say about.
	Summarize func(repmon.Mention) string
	Logger    *slog.Logger
	// Token, when set, is required as "Authorization: Bearer <token>" on
	// /api/ and the UI. /metrics and the health endpoints stay open, as
	// Prometheus and orchestrators expect.
	Token string
	// Ready reports whether start-up has finished.
	Ready func() bool
	Now   func() time.Time
}

type server struct{ Options }

// New returns the HTTP handler.
func New(o Options) http.Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{o}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{
		Registry: o.Registry, ErrorLog: slogAdapter{o.Logger},
		// A store hiccup loses the store-backed gauges, not the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /api/v1/mentions", s.auth(http.HandlerFunc(s.mentions), false))
	mux.Handle("GET /{$}", s.auth(http.HandlerFunc(s.ui), true))
	return mux
}

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Println(v ...any) { a.l.Error("metrics handler", "err", fmt.Sprint(v...)) }

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil && !s.Ready() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// auth requires the API token: as a bearer token, or, since a browser
// cannot send one, as the password of HTTP basic authentication (any user
// name), for which the UI's 401 asks.
func (s *server) auth(next http.Handler, browser bool) http.Handler {
	if s.Token == "" {
		return next
	}
	want := []byte(s.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got []byte
		if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			got = []byte(t)
		} else if _, pw, ok := r.BasicAuth(); ok {
			got = []byte(pw)
		}
		if subtle.ConstantTimeCompare(got, want) != 1 {
			if browser {
				w.Header().Set("WWW-Authenticate", `Basic realm="repmon", charset="UTF-8"`)
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer realm="repmon"`)
			}
			writeError(w, http.StatusUnauthorized, "missing or wrong token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// MentionJSON is a mention as the API shows it, with an optional explanation.
type MentionJSON struct {
	repmon.Mention
	Explanation any `json:"explanation,omitempty"`
}

type mentionsResponse struct {
	Mentions   []MentionJSON `json:"mentions"`
	NextCursor string        `json:"next_cursor"`
}

func (s *server) mentions(w http.ResponseWriter, r *http.Request) {
	q, explain, err := s.parseQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ms, next, err := s.Store.Mentions(r.Context(), q)
	if errors.Is(err, store.ErrBadCursor) {
		writeError(w, http.StatusBadRequest, "invalid cursor")
		return
	}
	if err != nil {
		s.Logger.Error("list mentions", "err", err)
		writeError(w, http.StatusInternalServerError, "store error")
		return
	}
	resp := mentionsResponse{Mentions: make([]MentionJSON, len(ms)), NextCursor: next}
	for i, m := range ms {
		resp.Mentions[i].Mention = m
		if explain && s.Explainer != nil {
			resp.Mentions[i].Explanation = s.Explainer.Explain(m.Brand, m.Text)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func (s *server) parseQuery(r *http.Request) (store.Query, bool, error) {
	v := r.URL.Query()
	q := store.Query{Brand: v.Get("brand"), Source: v.Get("source"), Sentiment: v.Get("sentiment"), Cursor: v.Get("cursor")}
	switch q.Sentiment {
	case "", repmon.LabelPositive, repmon.LabelNeutral, repmon.LabelNegative:
	default:
		return q, false, fmt.Errorf("sentiment: want positive, neutral or negative")
	}
	if since := v.Get("since"); since != "" {
		t, err := ParseSince(since, s.Now())
		if err != nil {
			return q, false, err
		}
		q.Since = t
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return q, false, fmt.Errorf("limit: want a number from 1 to 1000")
		}
		q.Limit = n
	}
	explain := v.Get("explain") == "1" || v.Get("explain") == "true"
	return q, explain, nil
}

// ParseSince reads a lookback ("24h", "7d", Prometheus units) or an RFC 3339
// time.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if d, err := model.ParseDuration(s); err == nil {
		return now.Add(-time.Duration(d)), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("since: %q is neither a duration (24h, 7d) nor an RFC 3339 time", s)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func trim(s string, n int) string {
	s = strings.TrimSpace(s)
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
