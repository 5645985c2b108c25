package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/store"
	"github.com/repmon/repmon/store/storetest"
)

// TestMentionsNeedsOnlyTheDatabase: `repmon mentions` exports what the
// monitor stored without the monitor's secrets exported, but not from a
// config whose storage holds an unset variable.
func TestMentionsNeedsOnlyTheDatabase(t *testing.T) {
	dir := t.TempDir()
	db := storeOneMention(t, dir)
	const doc = `brands: [{name: northwind, query: northwind}]
sources: [{name: x, type: x, bearer_token: "${REPMON_TEST_UNSET_X_TOKEN}"}]
alerts:
  channels: [{name: chat, type: slack, webhook_url: "${REPMON_TEST_UNSET_SLACK_URL}"}]
  rules: [{name: neg, type: negative_mention, channels: [chat]}]
storage: {dsn: DSN}
`
	write := func(name, dsn string) string {
		return writeConfig(t, dir, name, strings.Replace(doc, "DSN", dsn, 1))
	}
	var stdout, stderr bytes.Buffer
	if code := cmdMentions([]string{"--config", write("repmon.yml", db)}, &stdout, &stderr); code != 0 || strings.Count(stdout.String(), "\n") != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and one mention", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	cfg := write("unset.yml", `"${REPMON_TEST_UNSET_DB}"`)
	if code := cmdMentions([]string{"--config", cfg}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "REPMON_TEST_UNSET_DB is not set") {
		t.Fatalf("exit %d, stderr %q; want 2 and the unset variable of storage.dsn", code, stderr.String())
	}
}

// storeOneMention makes a database in dir, as `repmon run` would have
// left it, holding one negative mention of northwind from source x, and
// returns its path.
func storeOneMention(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(dir, "repmon.db")
	st, err := store.OpenSQLite(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := storetest.Mention("northwind", "x", "1", -0.6)
	if _, err := st.Save(context.Background(), store.Batch{Source: "x", Brand: "northwind", Mentions: []repmon.Mention{m}}); err != nil {
		t.Fatal(err)
	}
	return db
}

// writeConfig writes doc to the file name in dir and returns its path.
func writeConfig(t *testing.T, dir, name, doc string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
