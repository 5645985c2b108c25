package sentiment

import "testing"

// BenchmarkScore scores the 23,703 ground-truth texts of the four VADER
// corpora in each mode; texts/s and allocs/text are the figures that matter.
func BenchmarkScore(b *testing.B) {
	texts := corpusTexts(b)
	eachMode(b, func(b *testing.B, a *Analyzer) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for _, t := range texts {
				a.Score(t)
			}
			n += len(texts)
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "texts/s")
	})
}

// BenchmarkTokenize runs only the tokenizer (with its word lookups) over
// the same texts: the share of Score's time that splitting and looking up
// words takes in each mode.
func BenchmarkTokenize(b *testing.B) {
	texts := corpusTexts(b)
	eachMode(b, func(b *testing.B, a *Analyzer) {
		s := getScratch()
		s.lex, s.rep = a.lex, a.mode == ModeReputation
		for b.Loop() {
			for _, t := range texts {
				s.text = append(s.text[:0], t...)
				s.tokenize(a.lex, stopNever)
			}
		}
	})
}

// eachMode runs bench as a sub-benchmark per mode, with that mode's analyzer.
func eachMode(b *testing.B, bench func(*testing.B, *Analyzer)) {
	for _, m := range []Mode{ModeVADER, ModeReputation} {
		b.Run(string(m), func(b *testing.B) {
			a, err := New(WithMode(m))
			if err != nil {
				b.Fatal(err)
			}
			bench(b, a)
		})
	}
}

// corpusTexts returns the texts of the four ground-truth corpora.
func corpusTexts(b *testing.B) []string {
	var texts []string
	for _, ct := range loadCorpora(b) {
		if ct.corpus != "edge_cases" {
			texts = append(texts, ct.text)
		}
	}
	return texts
}
