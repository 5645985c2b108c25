package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAlertsGood(t *testing.T) {
	b, err := os.ReadFile("testdata/alerts-good.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(b, env(map[string]string{"HOOK_SECRET": "s3"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	r := map[string]Rule{}
	for _, x := range cfg.Alerts.Rules {
		r[x.Name] = x
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"negative_mention cooldown", r["neg"].Cooldown, Duration(0)},
		{"negative_mention below", *r["neg"].Below, -0.05},
		{"group_window", r["neg-grouped"].GroupWindow, Duration(15 * time.Minute)},
		{"spike cooldown", r["spike"].Cooldown, Duration(time.Hour)},
		{"spike interval", r["spike"].Interval, Duration(time.Hour)},
		{"spike baseline", r["spike"].Baseline, "rolling"},
		{"spike baseline_intervals", r["spike"].BaselineIntervals, 24},
		{"spike threshold", r["spike"].Threshold, 3.0},
		{"spike direction", r["spike"].Direction, "up"},
		{"spike min_count", r["spike"].MinCount, int64(10)},
		{"drop baseline_intervals", r["drop"].BaselineIntervals, 4},
		{"drop interval", r["drop"].Interval, Duration(30 * time.Minute)},
		{"drop min_count", r["drop"].MinCount, int64(50)},
		{"share window", r["share"].Window, Duration(time.Hour)},
		{"share level", *r["share"].Level, 0.5},
		{"share min_volume", r["share"].MinVolume, int64(20)},
		{"silent for", r["silent"].For, Duration(time.Hour)},
		{"silent min_count", r["silent"].MinCount, int64(3)},
		{"email digest", cfg.Alerts.Channels[1].Digest, Duration(time.Hour)},
		{"channel timeout", cfg.Alerts.Channels[0].Timeout, Duration(10 * time.Second)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestAlertsInvalid pairs every testdata/alerts-invalid-*.yml with the exact
// problem it must report.
func TestAlertsInvalid(t *testing.T) {
	want := map[string]string{
		"interval-multiple":  "alerts.rules[2].interval: must be a multiple of 5m (the aggregation bucket)",
		"direction":          `alerts.rules[2].direction: unknown direction "sideways" (want up or down)`,
		"baseline":           `alerts.rules[2].baseline: unknown baseline "monthly" (want rolling or weekly)`,
		"baseline-intervals": "alerts.rules[2].baseline_intervals: must be at least 3",
		"threshold":          "alerts.rules[2].threshold: must be positive",
		"level":              "alerts.rules[2].level: must be within (0, 1)",
		"field-for-type":     "alerts.rules[2].group_window: not valid for rule type negative_share",
		"min-volume":         "alerts.rules[2].min_volume: must not be negative",
		"for":                "alerts.rules[2].for: must be a multiple of 5m (the aggregation bucket)",
		"below":              "alerts.rules[2].below: must be within [-1, 1]",
		"digest":             "alerts.channels[0].digest: not valid for channel type webhook",
		"channel-field":      "alerts.channels[0].secret: not valid for channel type alertmanager",
	}
	files, _ := filepath.Glob("testdata/alerts-invalid-*.yml")
	if len(files) != len(want) {
		t.Errorf("%d alerts-invalid-*.yml files, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "alerts-invalid-"), ".yml")
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
