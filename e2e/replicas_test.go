package e2e

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/repmon/repmon/collectors/collectorstest"
	"github.com/repmon/repmon/store/storetest"
)

// Two replicas on one PostgreSQL database: one leads and collects every
// matching post once, both serve them, and when the leader is killed the
// other takes over and collects what is posted next. The DSN, password
// included, comes from the environment and appears in no log.
func TestPostgresReplicas(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	f := StartFakes(t, time.Now())
	dir := t.TempDir()
	var procs []*Proc
	for i := range 2 {
		addr := FreeAddr(t)
		body := strings.Replace(f.Config("X", addr, ""), "driver: sqlite\n  dsn: X", `driver: postgres
  dsn: "${REPMON_E2E_DSN}"`, 1)
		sub := dir + "/" + string(rune('a'+i))
		if err := os.MkdirAll(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, StartRepmon(t, WriteConfig(t, sub, body), addr, "REPMON_E2E_DSN="+dsn))
	}
	total := func() float64 {
		n := 0.0
		for _, p := range procs {
			select {
			case <-p.done:
				continue
			default:
			}
			n += MetricSum(p.Get(t, "/metrics"), "repmon_mentions_total")
		}
		return n
	}
	Eventually(t, 60*time.Second, "130 mentions collected", func() bool { return total() >= 130 })
	time.Sleep(7 * time.Second) // a few more polls by either replica
	if n := total(); n != 130 {
		t.Fatalf("the replicas stored %v mentions between them, want 130 (each once)", n)
	}
	leader, follower := procs[0], procs[1]
	if !strings.Contains(leader.Logs(), "leading: this replica") {
		leader, follower = follower, leader
	}
	if !strings.Contains(leader.Logs(), "leading: this replica") || strings.Contains(follower.Logs(), "leading: this replica") {
		t.Fatalf("want exactly one leader; logs:\n%s\n---\n%s", procs[0].Logs(), procs[1].Logs())
	}
	if l, f := MetricSum(leader.Get(t, "/metrics"), "repmon_leader"), MetricSum(follower.Get(t, "/metrics"), "repmon_leader"); l != 1 || f != 0 {
		t.Fatalf("repmon_leader = %v on the leader and %v on the follower, want 1 and 0", l, f)
	}
	if n := MetricSum(follower.Get(t, "/metrics"), "repmon_collector_runs_total"); n != 0 {
		t.Fatalf("the follower ran %v collections, want none", n)
	}
	// the follower serves what the leader stored
	if got := follower.Get(t, "/api/v1/mentions?brand=northwind&limit=1000"); strings.Count(got, `"source":`) != 130 {
		t.Fatalf("the follower's API lists %d mentions, want 130", strings.Count(got, `"source":`))
	}

	leader.Stop(t, syscall.SIGKILL)
	Eventually(t, 30*time.Second, "the follower to take over", func() bool {
		return strings.Contains(follower.Logs(), "leading: this replica")
	})
	if l := MetricSum(follower.Get(t, "/metrics"), "repmon_leader"); l != 1 {
		t.Fatalf("repmon_leader = %v on the new leader, want 1", l)
	}
	f.HN.Add(collectorstest.Item{ID: "9001", Created: time.Now(), Text: "Northwind support left me on hold for an hour", Author: "late", URL: "https://news.example.com/post/9001"})
	Eventually(t, 30*time.Second, "the new leader to collect the new post", func() bool {
		return strings.Contains(follower.Get(t, "/api/v1/mentions?brand=northwind&limit=5"), "9001")
	})
	_, pw, _ := strings.Cut(strings.TrimPrefix(dsn, "postgres://"), ":")
	pw, _, _ = strings.Cut(pw, "@")
	for _, p := range procs {
		if pw != "" && strings.Contains(p.Logs(), pw) {
			t.Fatalf("a log shows the database password")
		}
	}
}
