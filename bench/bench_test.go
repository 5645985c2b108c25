// Package bench compares the throughput of repmon's sentiment analyzer with
// github.com/jonreiter/govader on the VADER ground-truth corpora. It is a
// separate module so that the main module does not depend on govader's
// scorer.
package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jonreiter/govader"
	"github.com/repmon/repmon/sentiment"
	"github.com/repmon/repmon/sentiment/sentimenttest"
)

// loadTexts returns the 23,703 texts of the four ground-truth corpora.
func loadTexts(tb testing.TB) []string {
	tb.Helper()
	dir := filepath.Join(sentimenttest.SharedDir(tb), "data", "vader", "hutto_ICWSM_2014")
	var texts []string
	for _, c := range []string{"tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets"} {
		f, err := os.Open(filepath.Join(dir, c+"_GroundTruth.txt"))
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			fields := strings.SplitN(strings.TrimSuffix(sc.Text(), "\r"), "\t", 3)
			if len(fields) == 3 {
				texts = append(texts, fields[2])
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	if len(texts) != 23703 {
		tb.Fatalf("loaded %d texts, want 23703", len(texts))
	}
	return texts
}

// BenchmarkCorpus scores every text once per iteration with govader and
// with repmon in both modes, reporting texts/s and allocations per text.
func BenchmarkCorpus(b *testing.B) {
	texts := loadTexts(b)
	report := func(b *testing.B) {
		n := float64(b.N) * float64(len(texts))
		b.ReportMetric(n/b.Elapsed().Seconds(), "texts/s")
	}
	b.Run("govader", func(b *testing.B) {
		sia := govader.NewSentimentIntensityAnalyzer()
		b.ReportAllocs()
		var ms0, ms1 runtimeAllocs
		ms0.read()
		for b.Loop() {
			for _, t := range texts {
				sia.PolarityScores(t)
			}
		}
		ms1.read()
		report(b)
		b.ReportMetric(ms1.since(ms0, b.N, len(texts)), "allocs/text")
	})
	for _, m := range []sentiment.Mode{sentiment.ModeVADER, sentiment.ModeReputation} {
		b.Run("repmon-"+string(m), func(b *testing.B) {
			a, err := sentiment.New(sentiment.WithMode(m))
			if err != nil {
				b.Fatal(err)
			}
			a.Score("warm up the lexicon and the scratch pool")
			b.ReportAllocs()
			var ms0, ms1 runtimeAllocs
			ms0.read()
			for b.Loop() {
				for _, t := range texts {
					a.Score(t)
				}
			}
			ms1.read()
			report(b)
			b.ReportMetric(ms1.since(ms0, b.N, len(texts)), "allocs/text")
		})
	}
}
