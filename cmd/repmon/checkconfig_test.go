package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckConfig(t *testing.T) {
	for _, tc := range []struct {
		name, doc  string
		code       int
		wantStderr string
	}{
		{"valid", "brands: [{name: acme, query: acme}]\nsources: [{name: hn, type: hackernews}]\n", 0, ""},
		{
			"decode and validation problems together",
			`brands: [{name: acme, query: acme}]
sources:
  - {name: hn, type: hackernews, schedule: "*/61 * * * *"}
  - {name: news, type: rss, max_pages: lots}
colour: blue
`, 2,
			"colour: unknown field (line 5)\n" +
				"sources[1].max_pages: want an integer, got the string `lots`\n" +
				"sources[0].schedule: invalid cron expression \"*/61 * * * *\": step 61 out of range\n" +
				"sources[1].feeds: at least one feed URL is required (or preset: google_news)\n",
		},
		{
			"unset variable in part of a URL",
			`brands: [{name: acme, query: acme}]
alerts:
  channels: [{name: am, type: alertmanager, url: "http://${REPMON_TEST_UNSET_AM_HOST}:9093"}]
  rules: [{name: neg, type: negative_mention, channels: [am]}]
`, 2,
			"alerts.channels[0].url: environment variable REPMON_TEST_UNSET_AM_HOST is not set\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "repmon.yml")
			if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := cmdCheckConfig([]string{"--config", path}, &stdout, &stderr)
			if code != tc.code || stderr.String() != tc.wantStderr {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", code, stderr.String(), tc.code, tc.wantStderr)
			}
		})
	}
}
