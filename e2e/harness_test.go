// Package e2e runs the real repmon binary against local fakes of the APIs
// it polls, and checks what it stores, exports and serves.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/repmon/repmon/collectors/collectorstest"
)

// binary is the repmon binary built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	// REPMON_E2E_BINARY tests a binary built elsewhere (a release build).
	if b := os.Getenv("REPMON_E2E_BINARY"); b != "" {
		binary = b
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "repmon-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "repmon")
	build := exec.Command("go", "build", "-o", binary, "../cmd/repmon")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building repmon:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Fakes are local stand-ins for Hacker News and two RSS feeds.
type Fakes struct {
	HN     *collectorstest.HackerNews
	RSS    *collectorstest.RSS
	HNURL  string
	RSSURL string
	// Matching holds the ids (as stored) of every served post that matches
	// the brand query; the others must never be stored.
	Matching map[string]bool
}

// The brand query used throughout: a term, a phrase, a handle and a
// hashtag, with an exclusion.
const brandQuery = `northwind OR "north wind" OR @northwind OR #northwind -"northwind traders"`

// StartFakes serves 200 posts: 120 on Hacker News and 80 across two RSS
// feeds; 130 of them match brandQuery.
func StartFakes(t *testing.T, now time.Time) *Fakes {
	t.Helper()
	f := &Fakes{HN: &collectorstest.HackerNews{}, RSS: &collectorstest.RSS{}, Matching: map[string]bool{}}
	matching := []string{
		"Northwind support kept me on hold for two hours, still waiting on my refund",
		"Loving the new Northwind app, checkout is so fast!",
		"Flew North Wind yesterday, crew was friendly and the seats were fine",
		"@northwind my package never arrived, can you help?",
		"Great service from #northwind today",
		"northwind's prices went up again.",
		"Is NORTHWIND down for anyone else? Third outage this month",
		"Northwind announces a new route to Lisbon",
	}
	other := []string{
		"Northwind Traders is a sample database everyone knows",
		"The northwinds are cold this week",
		"southwind airlines had a good quarter",
		"Nothing to see here: a post about cats",
		"northwindy weather, #northwindtraders",
	}
	// The second item of 'other' and the fifth must not match: plural and a
	// different hashtag. The first is excluded by the query.
	id := 0
	add := func(match bool, i int) collectorstest.Item {
		id++
		text := other[i%len(other)]
		if match {
			text = matching[i%len(matching)]
		}
		text = fmt.Sprintf("%s (post %d)", text, id)
		return collectorstest.Item{ID: strconv.Itoa(id), Created: now.Add(-time.Duration(id) * time.Minute), Text: text,
			Author: fmt.Sprintf("user%d", id%17), URL: fmt.Sprintf("https://news.example.com/post/%d", id)}
	}
	for i := 0; i < 120; i++ { // HN: 80 matching, 40 not
		it := add(i%3 != 2, i)
		f.HN.Add(it)
		if i%3 != 2 {
			f.Matching["hn/"+it.ID] = true
		}
	}
	for i := 0; i < 80; i++ { // RSS: 50 matching, 30 not
		it := add(i%8 < 5, i)
		feed := "/feeds/a.xml"
		if i%2 == 1 {
			feed = "/feeds/b.xml"
		}
		f.RSS.Add(feed, it)
		if i%8 < 5 {
			f.Matching["news/"+it.ID] = true
		}
	}
	if len(f.Matching) != 130 {
		t.Fatalf("fixture: %d matching posts, want 130", len(f.Matching))
	}
	hn := httptest.NewServer(f.HN)
	rss := httptest.NewServer(f.RSS)
	t.Cleanup(func() { hn.Close(); rss.Close() })
	f.HNURL, f.RSSURL = hn.URL, rss.URL
	return f
}

// Config returns a config that polls the fakes every few seconds.
func (f *Fakes) Config(db, listen string, extra string) string {
	return fmt.Sprintf(`storage:
  driver: sqlite
  dsn: %s
server:
  listen: %s
brands:
  - name: northwind
    query: '%s'
sources:
  - name: hn
    type: hackernews
    schedule: "@every 3s"
    endpoint: %s
  - name: news
    type: rss
    schedule: "@every 3s"
    feeds: ["%s/feeds/a.xml?q={query}", "%s/feeds/b.xml?q={query}"]
%s`, db, listen, brandQuery, f.HNURL, f.RSSURL, f.RSSURL, extra)
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Proc is a running repmon.
type Proc struct {
	cmd  *exec.Cmd
	Addr string
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
	err  error
}

type lockedWriter struct{ p *Proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.logs.Write(b)
}

// Logs returns what the process has logged so far.
func (p *Proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// WriteConfig writes a config file into dir.
func WriteConfig(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "repmon.yml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// StartRepmon runs `repmon run --config cfg` and waits until /readyz answers.
func StartRepmon(t *testing.T, cfg, addr string, env ...string) *Proc {
	t.Helper()
	p := &Proc{Addr: addr, done: make(chan struct{})}
	p.cmd = exec.Command(binary, "run", "--config", cfg, "--log-level", "debug")
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = lockedWriter{p}, lockedWriter{p}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("repmon logs:\n%s", p.Logs())
		}
	})
	Eventually(t, 30*time.Second, "repmon ready", func() bool {
		select {
		case <-p.done:
			t.Fatalf("repmon exited early: %v\n%s", p.err, p.Logs())
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return p
}

// Signal sends sig and, for SIGTERM/SIGINT, waits for exit and returns the
// exit code.
func (p *Proc) Stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("repmon did not exit after %v", sig)
	}
	return p.cmd.ProcessState.ExitCode()
}

// Get fetches a path from the process's HTTP server.
func (p *Proc) Get(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + p.Addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// Eventually polls cond until it holds or the deadline passes.
func Eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MetricSum adds up every sample of a metric family in an exposition.
func MetricSum(exposition, name string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? ([0-9.eE+-]+)$`)
	sum := 0.0
	for _, m := range re.FindAllStringSubmatch(exposition, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		sum += v
	}
	return sum
}

// Repmon runs a repmon command to completion and returns stdout, stderr and
// the exit code.
func Repmon(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("repmon %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

// Lines splits output into non-empty lines.
func Lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	return out
}
