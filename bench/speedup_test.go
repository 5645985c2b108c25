package bench

import (
	"testing"
	"time"

	"github.com/jonreiter/govader"
	"github.com/repmon/repmon/sentiment"
)

// TestSpeedup prints the fastest of several passes over the 23,703 texts
// for govader and for repmon in each mode, and repmon's speed-up. On a
// shared machine the minimum is far steadier than the mean that -bench
// reports, because other work only ever adds time; the three scorers run
// interleaved in one process so that they see the same conditions. It
// asserts nothing about time (see the README for the figures):
//
//	cd bench && REPMON_SHARED_DIR=/path/to/shared go test -count=1 -run TestSpeedup -v .
func TestSpeedup(t *testing.T) {
	if testing.Short() {
		t.Skip("timing comparison; run without -short")
	}
	texts := loadTexts(t)
	g := govader.NewSentimentIntensityAnalyzer()
	v, err := sentiment.New(sentiment.WithMode(sentiment.ModeVADER))
	if err != nil {
		t.Fatal(err)
	}
	r, err := sentiment.New(sentiment.WithMode(sentiment.ModeReputation))
	if err != nil {
		t.Fatal(err)
	}
	// repmon passes are short, so each sample is the mean of reps passes
	const rounds, reps = 15, 4
	best := [3]time.Duration{time.Hour, time.Hour, time.Hour}
	for range rounds {
		t0 := time.Now()
		for _, x := range texts {
			g.PolarityScores(x)
		}
		t1 := time.Now()
		for range reps {
			for _, x := range texts {
				v.Score(x)
			}
		}
		t2 := time.Now()
		for range reps {
			for _, x := range texts {
				r.Score(x)
			}
		}
		t3 := time.Now()
		best[0] = min(best[0], t1.Sub(t0))
		best[1] = min(best[1], t2.Sub(t1)/reps)
		best[2] = min(best[2], t3.Sub(t2)/reps)
	}
	ratio := func(d time.Duration) float64 { return float64(best[0]) / float64(d) }
	t.Logf("fastest pass over %d texts: govader %v, repmon vader %v (%.1fx), repmon reputation %v (%.1fx)",
		len(texts), best[0].Round(time.Microsecond), best[1].Round(time.Microsecond), ratio(best[1]),
		best[2].Round(time.Microsecond), ratio(best[2]))
}
