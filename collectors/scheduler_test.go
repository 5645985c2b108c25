package collectors

import (
	"testing"
	"time"
)

func TestJitterFor(t *testing.T) {
	now := time.Date(2025, 3, 10, 11, 0, 30, 0, time.UTC)
	for _, tc := range []struct {
		spec string
		want time.Duration
	}{
		{"@every 2s", 500 * time.Millisecond},
		{"@every 20s", 5 * time.Second},
		{"*/5 * * * *", 10 * time.Second},
		{"@hourly", 10 * time.Second},
		{"not a spec", 10 * time.Second},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			if got := jitterFor(tc.spec, 10*time.Second, now); got != tc.want {
				t.Errorf("jitterFor(%q) = %v, want %v", tc.spec, got, tc.want)
			}
		})
	}
}
