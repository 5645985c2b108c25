package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadGood(t *testing.T) {
	b, err := os.ReadFile("testdata/good.yml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"REPMON_API_TOKEN": "tok", "X_BEARER_TOKEN": "xbt", "REDDIT_CLIENT_ID": "rid", "REDDIT_CLIENT_SECRET": "rsec",
		"MASTODON_TOKEN": "mt", "BSKY_IDENTIFIER": "me.bsky.social", "BSKY_APP_PASSWORD": "app", "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
		"WEBHOOK_SECRET": "ws", "SMTP_PASSWORD": "pw",
	}
	cfg, err := Load(b, env(secrets))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := cfg.Sources[2].BearerToken.Value(); got != "xbt" {
		t.Errorf("bearer token = %q, want expanded value", got)
	}
	if got := cfg.Sources[1].Schedule; got != DefaultSchedule {
		t.Errorf("default schedule = %q", got)
	}
	if got := cfg.Sources[2].Endpoint; got != "https://api.x.com" {
		t.Errorf("default x endpoint = %q", got)
	}
	if *cfg.Sentiment.NegativeBelow != -0.05 || cfg.Sentiment.Lexicon["recall"] != -2 {
		t.Errorf("sentiment = %+v", cfg.Sentiment)
	}
	if got := cfg.Alerts.Rules[2].Severity; got != "warning" {
		t.Errorf("default severity = %q", got)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	for _, got := range []string{s.String(), s.GoString(), func() string { b, _ := s.MarshalJSON(); return string(b) }()} {
		if strings.Contains(got, "hunter2") {
			t.Errorf("secret leaked: %q", got)
		}
	}
}

func TestEnvExpansionCannotInjectYAML(t *testing.T) {
	doc := "brands: [{name: acme, query: \"${Q}\"}]\n"
	cfg, err := Load([]byte(doc), env(map[string]string{"Q": "acme\"}]\nstorage: {driver: nope"}))
	if err == nil && cfg.Storage.Driver != "sqlite" {
		t.Fatalf("expansion changed the document structure: %+v", cfg.Storage)
	}
}

// TestInvalid pairs every testdata/invalid-*.yml with the exact problem it must report.
func TestInvalid(t *testing.T) {
	want := map[string]string{
		"unknown-key":         "colour: unknown field (line 3)",
		"bad-cron":            `sources[2].schedule: invalid cron expression "*/61 * * * *": step 61 out of range`,
		"unknown-source-type": `sources[0].type: unknown source type "facebook" (want hackernews, rss, x, reddit, mastodon or bluesky)`,
		"no-brands":           "brands: at least one brand is required",
		"brand-name":          `brands[0].name: invalid brand name "Acme Corp": use lowercase letters, digits, '_' and '-'`,
		"unbalanced-query":    "brands[0].query: position 0: unbalanced parenthesis",
		"brand-names":         "brands[0].names[1]: a name needs a letter or a digit",
		"duplicate-source":    `sources[1].name: duplicate source name "hn"`,
		"endpoint":            `sources[0].endpoint: invalid URL "hn.algolia.com": must be an absolute http or https URL`,
		"missing-secret":      "sources[0].bearer_token: required, but environment variable REPMON_TEST_UNSET_TOKEN is not set",
		"partial-secret":      "alerts.channels[0].webhook_url: environment variable REPMON_TEST_UNSET_PATH is not set",
		"undefined-channel":   `alerts.rules[0].channels[0]: undefined channel "marketing"`,
		"sentiment-mode":      `sentiment.mode: unknown mode "afinn" (want reputation or vader)`,
		"type-mismatch":       "sources[0].max_pages: want an integer, got the string `lots`",
		"lexicon-case":        `sentiment.lexicon.recall: the same entry as "Recall", with another valence`,
		"postgres-dsn":        "storage.dsn: required: a postgres URL (postgres://user:${PGPASSWORD}@host:5432/db) or libpq key=value string",
	}
	files, _ := filepath.Glob("testdata/invalid-*.yml")
	if len(files) != len(want) {
		t.Errorf("%d invalid-*.yml files, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "invalid-"), ".yml")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Load(b, env(nil))
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s; problems: %q", f, probs)
			}
			for _, p := range probs {
				if p == w {
					return
				}
			}
			t.Errorf("problems %q do not include %q", probs, w)
		})
	}
}

func TestReportsEveryProblemAtOnce(t *testing.T) {
	doc := `brands: [{name: "Bad Name", query: x}]
sources: [{name: a, type: nope}, {name: b, type: hackernews, schedule: "bogus"}]
sentiment: {mode: nope}
`
	_, err := Load([]byte(doc), env(nil))
	var probs Problems
	if !errors.As(err, &probs) || len(probs) != 4 {
		t.Fatalf("want 4 problems, got %v", err)
	}
}

// A postgres DSN is a secret: its password comes from the environment
// and the config is valid without a database to reach.
func TestPostgresStorage(t *testing.T) {
	doc := `storage: {driver: postgres, dsn: "postgres://repmon:${PGPASSWORD}@db:5432/repmon"}
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
`
	cfg, err := Load([]byte(doc), env(map[string]string{"PGPASSWORD": "pw-9f8e"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.DSN.Value() != "postgres://repmon:pw-9f8e@db:5432/repmon" || strings.Contains(fmt.Sprint(cfg.Storage), "pw-9f8e") {
		t.Fatalf("storage = %v (value %q)", cfg.Storage, cfg.Storage.DSN.Value())
	}
}

func TestMissingFile(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "nope.yml"))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestCheckSchedule(t *testing.T) {
	for _, tc := range []struct {
		spec string
		ok   bool
	}{
		{"@every 5m", true}, {"*/5 * * * *", true}, {"@hourly", true}, {"CRON_TZ=UTC 0 9 * * 1-5", true},
		{"*/61 * * * *", false}, {"61 * * * *", false}, {"* * * *", false}, {"@every 0s", false}, {"", false},
	} {
		if err := CheckSchedule(tc.spec); (err == nil) != tc.ok {
			t.Errorf("CheckSchedule(%q) = %v, want ok=%v", tc.spec, err, tc.ok)
		}
	}
}

func FuzzLoad(f *testing.F) {
	for _, p := range []string{"testdata/good.yml", "testdata/invalid-type-mismatch.yml"} {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := Load(b, env(nil))
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestProblemsOrderIsStable(t *testing.T) {
	doc := `brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews, feeds: [https://a.example], api: v2, bearer_token: t, client_id: c,
  access_token: a, hashtags: [acme], identifier: i, app_password: p}]
sentiment: {lexicon: {awful: -9, great: 9, meh: 5, woe: -5}}
`
	_, err := Load([]byte(doc), env(nil))
	first := err.Error()
	for i := 0; i < 20; i++ {
		if _, err := Load([]byte(doc), env(nil)); err.Error() != first {
			t.Fatalf("problems changed order:\n%s\nthen\n%s", first, err)
		}
	}
}

// TestDecodeAndValidationProblemsTogether: a key the decoder cannot place
// must not hide the problems validation finds elsewhere, and a field that
// did not decode is reported once, not again as a follow-on of its zero value.
func TestDecodeAndValidationProblemsTogether(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want Problems
	}{
		{"unknown key and bad cron", `brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews, schedule: "*/61 * * * *"}]
colour: blue
`, Problems{
			"colour: unknown field (line 3)",
			`sources[0].schedule: invalid cron expression "*/61 * * * *": step 61 out of range`,
		}},
		{"type errors in a flow mapping, no follow-ons", `brands: [{name: acme, query: acme}]
sources: [{name: [hn], type: hackernews, timeout: soon, max_pages: lots}, {name: rss, type: rss}]
`, Problems{
			"sources[0].name: want a string, got a list",
			`sources[0].timeout: invalid duration "soon"`,
			"sources[0].max_pages: want an integer, got the string `lots`",
			"sources[1].feeds: at least one feed URL is required (or preset: google_news)",
		}},
		{"whole lists that did not decode", `brands: {acme: acme}
sources: [hn, {name: b, type: hackernews, brands: [acme]}]
alerts:
  channels: [{name: [chat], type: slack, webhook_url: "https://hooks.example/x"}]
  rules: [{name: r, type: negative_mention, channels: [chat], sources: [hn], brands: [acme]}, {name: s, type: nope, channels: []}]
`, Problems{
			"brands: want a list, got a mapping",
			"sources[0]: want a mapping, got the string `hn`",
			"alerts.channels[0].name: want a string, got a list",
			`alerts.rules[1].type: unknown rule type "nope" (want negative_mention, volume_spike, negative_share or source_silent)`,
			"alerts.rules[1].channels: at least one channel is required",
		}},
		{"duplicate key reported once", `brands: [{name: acme, query: acme}]
sentiment: {lexicon: {meh: 1, meh: 9, meh: 2, fine: 9}, mode: afinn}
`, Problems{
			"sentiment.lexicon.meh: duplicate key",
			"sentiment.lexicon.meh: duplicate key",
			`sentiment.mode: unknown mode "afinn" (want reputation or vader)`,
		}},
		{"duplicate key leaves its mapping undecoded", `brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews, name: hn2}]
alerts: {channels: [], rules: [{name: r, type: negative_mention, channels: [nope], sources: [hn]}]}
brands: []
`, Problems{
			"sources[0].name: duplicate key",
			"brands: duplicate key",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(tc.doc), env(nil))
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			if strings.Join(probs, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", probs, tc.want)
			}
		})
	}
}

// TestUnsetVariables: a ${VAR} whose variable is unset is an error naming
// the field and the variable wherever the field is used, whether the
// variable is the whole value or part of it, and whether the field is
// required or optional. The problem never shows the value.
func TestUnsetVariables(t *testing.T) {
	const head = "brands: [{name: acme, query: acme}]\n"
	set := env(map[string]string{"SLACK_TEAM": "hunter2", "EMPTY": ""})
	for _, tc := range []struct {
		name string
		doc  string
		want Problems // nil: the config is valid
	}{
		{"part of a secret URL", `alerts:
  channels:
    - {name: chat, type: slack, webhook_url: "https://hooks.slack.com/services/${SLACK_TEAM}/${SLACK_HOOK}"}
    - {name: am, type: alertmanager, url: "http://${AM_HOST}:9093"}
    - {name: hook, type: webhook, url: "https://${HOOK_HOST}/${HOOK_PATH}"}
  rules: [{name: neg, type: negative_mention, channels: [chat, am, hook]}]
`, Problems{
			"alerts.channels[0].webhook_url: environment variable SLACK_HOOK is not set",
			"alerts.channels[1].url: environment variable AM_HOST is not set",
			"alerts.channels[2].url: environment variables HOOK_HOST and HOOK_PATH are not set",
		}},
		{"whole required secret", "sources: [{name: x, type: x, bearer_token: '${X_TOKEN}'}]\n", Problems{
			"sources[0].bearer_token: required, but environment variable X_TOKEN is not set",
		}},
		{"optional fields", `server: {api_token: "${API_TOKEN}"}
sources: [{name: m, type: mastodon, endpoint: https://mastodon.social, access_token: "${MASTODON_TOKEN}"}]
alerts: {channels: [{name: hook, type: webhook, url: https://example.com, secret: "${HOOK_SECRET}"}]}
`, Problems{
			"server.api_token: environment variable API_TOKEN is not set",
			"sources[0].access_token: environment variable MASTODON_TOKEN is not set",
			"alerts.channels[0].secret: environment variable HOOK_SECRET is not set",
		}},
		{"set but empty counts as set", "server: {api_token: \"${EMPTY}\"}\n", nil},
		{"a duration or number names the variable, not the type error", `sources: [{name: hn, type: hackernews, timeout: "${HN_TIMEOUT}", max_pages: "${HN_PAGES}", backfill: "${EMPTY}"}]
`, Problems{
			`sources[0].backfill: invalid duration ""`,
			"sources[0].timeout: environment variable HN_TIMEOUT is not set",
			"sources[0].max_pages: environment variable HN_PAGES is not set",
		}},
		{"plain fields, before defaults hide them", `storage: {dsn: "${DB_PATH}"}
sources: [{name: hn, type: hackernews, endpoint: "https://${HN_HOST}", user_agent: "repmon (by ${OWNER})"}]
alerts: {channels: [{name: mail, type: email, smtp: "${SMTP_HOST}:587", from: a@example.com, to: [b@example.com], username: "${SMTP_USER}", password: pw}]}
`, Problems{
			"storage.dsn: environment variable DB_PATH is not set",
			"sources[0].endpoint: environment variable HN_HOST is not set",
			"sources[0].user_agent: environment variable OWNER is not set",
			"alerts.channels[0].smtp: environment variable SMTP_HOST is not set",
			"alerts.channels[0].username: environment variable SMTP_USER is not set",
		}},
		{"fields the type does not use", `sources: [{name: hn, type: hackernews, bearer_token: "${X_TOKEN}"}]
alerts: {channels: [
  {name: chat, type: slack, webhook_url: "https://hooks.slack.com/services/${SLACK_TEAM}", url: "${UNUSED}", secret: "${UNUSED}"},
  {name: mail, type: email, smtp: "smtp.example.com:587", from: a@example.com, to: [b@example.com], password: "${SMTP_PASSWORD}"}]}
`, nil},
		{"a field the type rejects still says so", `sources: [{name: hn, type: hackernews, bearer_token: "t-${X_TOKEN}"}]
`, Problems{"sources[0].bearer_token: not valid for source type hackernews"}},
		{"an invalid URL that holds a variable is not quoted", `sources: [{name: news, type: rss, feeds: ["htps://example.com/feed?token=${SLACK_TEAM}"]}]
`, Problems{"sources[0].feeds[0]: invalid URL: must be an absolute http or https URL"}},
		{"empty host without any variable", `sources: [{name: hn, type: hackernews, endpoint: "http://:8080"}]
alerts: {channels: [
  {name: am, type: alertmanager, url: "http://:9093"},
  {name: mail, type: email, smtp: ":587", from: a@example.com, to: [b@example.com]}]}
`, Problems{
			`sources[0].endpoint: invalid URL "http://:8080": must be an absolute http or https URL`,
			"alerts.channels[0].url: invalid URL: must be an absolute http or https URL",
			`alerts.channels[1].smtp: invalid address ":587": want host:port`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(head+tc.doc), set)
			var probs Problems
			if err != nil && !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			if strings.Join(probs, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", probs, tc.want)
			}
			if strings.Contains(fmt.Sprint(err), "hunter2") {
				t.Errorf("a secret leaked into %q", err)
			}
		})
	}
}

// TestUses: a caller that reads only some fields (repmon score reads
// sentiment and brands) is not stopped by variables left unset elsewhere,
// but is by one in a field it reads and by every other problem.
func TestUses(t *testing.T) {
	set := env(map[string]string{})
	const secrets = `brands: [{name: acme, query: acme, names: ["Acme"]}]
storage: {driver: postgres, dsn: "postgres://monitor:${PGPASSWORD}@db/reputation"}
server: {api_token: "${API_TOKEN}"}
sources: [{name: x, type: x, bearer_token: '${X_TOKEN}'}]
alerts:
  channels:
    - {name: chat, type: slack, webhook_url: "https://hooks.slack.com/services/${SLACK_HOOK}"}
    - {name: mail, type: email, smtp: "${SMTP_HOST}:587", from: a@example.com, to: [b@example.com], username: u, password: "${SMTP_PASSWORD}"}
  rules: [{name: neg, type: negative_mention, channels: [chat, mail]}]
sentiment: {lexicon: {recall: -2.0}}
`
	for _, tc := range []struct {
		name string
		doc  string
		want Problems
	}{
		{"secrets elsewhere", secrets, nil},
		{"a variable in brands", strings.Replace(secrets, `names: ["Acme"]`, `names: ["${BRAND_NAME}"]`, 1),
			Problems{"brands[0].names[0]: environment variable BRAND_NAME is not set"}},
		{"a variable in sentiment", strings.Replace(secrets, "{lexicon:", `{mode: "${SENTIMENT_MODE}", lexicon:`, 1),
			Problems{"sentiment.mode: environment variable SENTIMENT_MODE is not set"}},
		{"another problem elsewhere", strings.Replace(secrets, "type: x,", "type: myspace,", 1),
			Problems{`sources[0].type: unknown source type "myspace" (want hackernews, rss, x, reddit, mastodon or bluesky)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load([]byte(tc.doc), set, Uses("sentiment", "brands"))
			var probs Problems
			if err != nil && !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			if strings.Join(probs, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", probs, tc.want)
			}
			if tc.want == nil && cfg.Sentiment.Lexicon["recall"] != -2.0 {
				t.Errorf("lexicon = %v, want recall -2.0", cfg.Sentiment.Lexicon)
			}
		})
	}
	// without Uses, the same config is not valid
	if _, err := Load([]byte(secrets), set); err == nil {
		t.Fatal("Load without Uses accepted unset secrets")
	}
	// "[]" names a field of every element (repmon alerts backtest reads
	// the sources' schedules and backfills, not their tokens or timeouts)
	const sources = `brands: [{name: acme, query: acme}]
sources:
  - {name: hn, type: hackernews}
  - {name: x, type: x, bearer_token: '${X_TOKEN}', timeout: "${X_TIMEOUT}", backfill: BACKFILL}
`
	uses := Uses("brands", "sources[].name", "sources[].backfill")
	if _, err := Load([]byte(strings.Replace(sources, "BACKFILL", "48h", 1)), set, uses); err != nil {
		t.Errorf("unset token and timeout of a source, backfill read: %v", err)
	}
	_, err := Load([]byte(strings.Replace(sources, "BACKFILL", `"${X_BACKFILL}"`, 1)), set, uses)
	if want := "sources[1].backfill: environment variable X_BACKFILL is not set"; fmt.Sprint(err) != want {
		t.Errorf("unset backfill: %v, want %s", err, want)
	}
}

// TestPresetWithFeeds: preset: google_news adds its feed to the listed
// ones, once, rather than being dropped when feeds are listed.
func TestPresetWithFeeds(t *testing.T) {
	cfg, err := Load([]byte(`brands: [{name: acme, query: acme}]
sources:
  - {name: a, type: rss, preset: google_news, feeds: ["https://example.com/feed"]}
  - {name: b, type: rss, preset: google_news}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Sources[0].Feeds; len(got) != 2 || got[0] != "https://example.com/feed" || got[1] != GoogleNewsFeed {
		t.Errorf("feeds with the preset = %q", got)
	}
	if got := cfg.Sources[1].Feeds; len(got) != 1 || got[0] != GoogleNewsFeed {
		t.Errorf("feeds of the preset alone = %q", got)
	}
}

// TestExplicitZero: a 0 written in the file is not taken for "unset": it is
// kept where it means something (no cooldown, no minimum) and reported
// where it does not, instead of being replaced by the default.
func TestExplicitZero(t *testing.T) {
	cfg, err := Load([]byte(`brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews}]
alerts:
  channels: [{name: hook, type: webhook, url: "https://example.com/hook"}]
  rules:
    - {name: spike, type: volume_spike, channels: [hook], cooldown: 0, min_count: 0}
    - {name: share, type: negative_share, channels: [hook], min_volume: 0}
    - {name: silent, type: source_silent, channels: [hook]}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Alerts.Rules
	if r[0].Cooldown != 0 || r[0].MinCount != 0 || r[1].MinVolume != 0 {
		t.Errorf("explicit zeros replaced: cooldown %v, min_count %d, min_volume %d", r[0].Cooldown, r[0].MinCount, r[1].MinVolume)
	}
	if r[2].Cooldown.D() != DefaultAggregateCooldown || r[2].MinCount != DefaultSilentMinCount {
		t.Errorf("defaults not applied to absent keys: %+v", r[2])
	}
	_, err = Load([]byte(`brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews, timeout: 0, backfill: 0, max_pages: 0}]
alerts:
  channels: [{name: hook, type: webhook, url: "https://example.com/hook", timeout: 0}]
  rules: [{name: spike, type: volume_spike, channels: [hook], threshold: 0, interval: 0}]
`), env(nil))
	want := []string{
		"sources[0].timeout: must be positive", "sources[0].backfill: must be positive", "sources[0].max_pages: must be positive",
		"alerts.rules[0].interval: must be positive", "alerts.rules[0].threshold: must be positive",
		"alerts.channels[0].timeout: must be positive",
	}
	for _, w := range want {
		if !strings.Contains(fmt.Sprint(err), w) {
			t.Errorf("problems %v lack %q", err, w)
		}
	}
}

// TestRetention: storage.retention must keep what the monitor reads back.
func TestRetention(t *testing.T) {
	const base = `
brands: [{name: acme, query: acme}]
sources: [{name: hn, type: hackernews, backfill: 40d}]
alerts:
  channels: [{name: hook, type: webhook, url: "https://example.com/hook"}]
  rules:
    - {name: spike, type: volume_spike, channels: [hook], baseline: weekly, baseline_intervals: 8}
    - {name: neg, type: negative_mention, channels: [hook], cooldown: 60d}
    - {name: share, type: negative_share, channels: [hook], window: 45d}
    - {name: silent, type: source_silent, channels: [hook], for: 40d}
    - {name: ok, type: source_silent, channels: [hook], for: 1d}
`
	for _, tc := range []struct {
		retention string
		want      []string
	}{
		{"0", nil},
		{"7d", []string{"storage.retention: must be at least 30d (0 keeps everything): firing alerts are read back from the last 30 days"}},
		{"30d", []string{
			"alerts.rules[0].baseline_intervals: the baseline reaches back 56d1h, past storage.retention (30d)",
			"alerts.rules[1].cooldown: the cooldown lasts 60d, past storage.retention (30d)",
			"alerts.rules[2].window: the window reaches back 45d, past storage.retention (30d)",
			"alerts.rules[3].for: with the 7d baseline it reaches back 47d, past storage.retention (30d)",
			"sources[0].backfill: 40d reaches past storage.retention (30d)",
		}},
		{"60d", nil},
	} {
		cfg, err := Load([]byte("storage: {retention: "+tc.retention+"}"+base), env(nil))
		var probs Problems
		errors.As(err, &probs)
		if err != nil && probs == nil {
			t.Fatalf("%s: %v", tc.retention, err)
		}
		slices.Sort(probs)
		if !slices.Equal([]string(probs), tc.want) {
			t.Errorf("retention %s: problems %q, want %q", tc.retention, probs, tc.want)
		}
		if err == nil && cfg.Storage.Retention.String() != tc.retention && tc.retention != "0" {
			t.Errorf("retention %s read as %s", tc.retention, cfg.Storage.Retention)
		}
	}
}

func TestScheduleGap(t *testing.T) {
	for spec, want := range map[string]time.Duration{
		"@every 5m":       5 * time.Minute,
		"*/5 * * * *":     5 * time.Minute,
		"@hourly":         time.Hour,
		"0 9 * * 1-5":     72 * time.Hour, // Friday to Monday
		"@weekly":         7 * 24 * time.Hour,
		"@yearly":         365 * 24 * time.Hour,
		"0 0 1 * *":       31 * 24 * time.Hour,
		"not a cron":      0,
		"*/10 8-17 * * *": 14*time.Hour + 10*time.Minute, // 17:50 to 8:00
	} {
		if got := ScheduleGap(spec); got != want {
			t.Errorf("ScheduleGap(%q) = %v, want %v", spec, got, want)
		}
	}
}

func TestPlainTypeError(t *testing.T) {
	for in, want := range map[string]string{
		"cannot unmarshal !!str `lots` into int":            "want an integer, got the string `lots`",
		"cannot unmarshal !!str `pr@exam...` into []string": "want a list, got the string `pr@exam...`",
		"cannot unmarshal !!seq into float64":               "want a number, got a list",
		"cannot unmarshal !!str `yes please` into bool":     "want true or false, got the string `yes please`",
		"cannot unmarshal !!map into config.Secret":         "want a string, got a mapping",
		"cannot unmarshal !!binary `AAA=` into string":      "want a string, got !!binary `AAA=`",
		"mapping key \"x\" already defined at line 2":       "mapping key \"x\" already defined at line 2",
	} {
		if got := plainTypeError(in); got != want {
			t.Errorf("plainTypeError(%q) = %q, want %q", in, got, want)
		}
	}
}
