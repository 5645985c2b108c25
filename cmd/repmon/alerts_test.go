package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/repmon/repmon/store"
)

func alertsConfig(t *testing.T, hookURL string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "repmon.yml")
	doc := fmt.Sprintf(`storage: {dsn: %q}
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels: [{name: hooks, type: webhook, url: %q}]
  rules: [{name: neg, type: negative_mention, channels: [hooks]}, {name: spike, type: volume_spike, channels: [hooks]}]
`, filepath.Join(dir, "repmon.db"), hookURL)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAlertsTestCommand(t *testing.T) {
	var got atomic.Int32
	code := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(code)
	}))
	defer srv.Close()
	cfg := alertsConfig(t, srv.URL+"/secret-path-token")
	var out, errb bytes.Buffer
	if rc := cmdAlerts([]string{"test", "--config", cfg, "--channel", "hooks"}, &out, &errb); rc != 0 || got.Load() != 1 {
		t.Fatalf("exit %d, %d requests; stderr: %s", rc, got.Load(), errb.String())
	}
	code = http.StatusForbidden
	out.Reset()
	errb.Reset()
	if rc := cmdAlerts([]string{"test", "--config", cfg, "--channel", "hooks"}, &out, &errb); rc != 1 {
		t.Errorf("exit %d against a 403, want 1", rc)
	}
	if strings.Contains(errb.String(), "secret-path-token") {
		t.Errorf("webhook URL leaked: %s", errb.String())
	}
	errb.Reset()
	if rc := cmdAlerts([]string{"test", "--config", cfg, "--channel", "nope"}, &out, &errb); rc != 2 || !strings.Contains(errb.String(), `no channel "nope"`) || !strings.Contains(errb.String(), "(channels: hooks)") {
		t.Errorf("exit %d for an unknown channel, want 2 and the channels; stderr: %s", rc, errb.String())
	}
	if rc := cmdAlerts([]string{"test", "--config", cfg}, &out, &errb); rc != 2 {
		t.Errorf("exit %d without --channel, want 2", rc)
	}
	// a test alert needs no database: none is made before `repmon run`
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "repmon.db")); !os.IsNotExist(err) {
		t.Errorf("alerts test made a database (stat: %v)", err)
	}
}

func TestAlertsBacktestCommand(t *testing.T) {
	cfg := alertsConfig(t, "http://127.0.0.1:1")
	var out, errb bytes.Buffer
	// no database yet: an error, not an empty database and an empty answer
	db := filepath.Join(filepath.Dir(cfg), "repmon.db")
	if rc := cmdAlerts([]string{"backtest", "--config", cfg}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "no database at "+db) {
		t.Errorf("exit %d without a database; stderr: %s", rc, errb.String())
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("backtest created a database")
	}
	st, err := store.OpenSQLite(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if rc := cmdAlerts([]string{"backtest", "--config", cfg, "--since", "30d"}, &out, &errb); rc != 0 {
		t.Fatalf("exit %d; stderr: %s", rc, errb.String())
	}
	for _, want := range []string{"replayed 0 mentions", "RULE", "neg", "spike"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if rc := cmdAlerts([]string{"bogus"}, &out, &errb); rc != 2 {
		t.Errorf("exit %d for an unknown subcommand", rc)
	}
}

// TestBacktestNeedsNoSecrets: a backtest reads the rules, the brands, the
// sources' schedules and backfills and the database, so a config whose
// collector token and channel webhook are unset in the shell still
// replays; a variable unset in a field it reads still stops it.
func TestBacktestNeedsNoSecrets(t *testing.T) {
	dir := t.TempDir()
	db := storeOneMention(t, dir)
	const doc = `brands: [{name: northwind, query: northwind}]
sources: [{name: x, type: x, bearer_token: "${REPMON_TEST_UNSET_X_TOKEN}", schedule: "@every 5m", backfill: BACKFILL}]
alerts:
  channels: [{name: chat, type: slack, webhook_url: "${REPMON_TEST_UNSET_SLACK_URL}"}]
  rules: [{name: neg, type: negative_mention, channels: [chat]}]
storage: {dsn: DSN}
`
	write := func(name, backfill string) string {
		return writeConfig(t, dir, name, strings.NewReplacer("DSN", db, "BACKFILL", backfill).Replace(doc))
	}
	var out, errb bytes.Buffer
	if rc := cmdAlerts([]string{"backtest", "--config", write("repmon.yml", "24h"), "--since", "2026-01-01T00:00:00Z"}, &out, &errb); rc != 0 {
		t.Fatalf("exit %d; stderr: %s", rc, errb.String())
	}
	if !strings.Contains(out.String(), "replayed 1 mentions") || !regexp.MustCompile(`(?m)^neg\s+negative_mention\s+northwind\s+1$`).MatchString(out.String()) {
		t.Errorf("output does not show neg firing once for northwind:\n%s", out.String())
	}
	out.Reset()
	errb.Reset()
	if rc := cmdAlerts([]string{"backtest", "--config", write("unset.yml", `"${REPMON_TEST_UNSET_BACKFILL}"`)}, &out, &errb); rc != 2 ||
		!strings.Contains(errb.String(), "sources[0].backfill") || !strings.Contains(errb.String(), "REPMON_TEST_UNSET_BACKFILL is not set") {
		t.Fatalf("exit %d, stderr %q; want 2 and the unset variable of sources[0].backfill", rc, errb.String())
	}
}
