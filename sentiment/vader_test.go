package sentiment

import (
	"math"
	"testing"
)

// TestVADERReference compares ModeVADER with the reference implementation's
// output on all 23,852 corpus and edge-case texts: every rounded score must
// be identical, including the sign of a zero compound.
func TestVADERReference(t *testing.T) {
	texts := loadCorpora(t)
	a, err := New(WithMode(ModeVADER))
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 23852 {
		t.Errorf("loaded %d texts, want 23852", len(texts))
	}
	diffs := 0
	for _, ct := range texts {
		got := a.Score(ct.text)
		if !sameScores(got, ct.want) {
			diffs++
			if diffs <= 20 {
				t.Errorf("%s/%s: got %+v, want %+v\n\ttext: %q", ct.corpus, ct.id, got, ct.want, ct.text)
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d texts differ from the reference", diffs, len(texts))
	}
}

func sameScores(a, b Scores) bool {
	return a == b && math.Signbit(a.Compound) == math.Signbit(b.Compound)
}

// TestButCheckLongText checks the indexed _but_check used for long texts
// against a literal port of the reference loop (list.index included).
func TestButCheckLongText(t *testing.T) {
	vals := []float64{0, 0, 0, 1.5, -1.5, 0.75, 2.25, -0.74, 3}
	for _, n := range []int{600, 3000} {
		s := &scratch{}
		seed := uint32(n)
		for i := 0; i < n; i++ {
			seed = seed*1664525 + 1013904223
			s.sent = append(s.sent, vals[seed>>28%uint32(len(vals))])
			s.toks = append(s.toks, token{})
		}
		bi := n / 3
		s.toks[bi].ent.word = wBut
		s.hasBut = true
		want := append([]float64(nil), s.sent...)
		for p := range want {
			v := want[p]
			si := 0
			for want[si] != v {
				si++
			}
			if si < bi {
				want[si] = v * 0.5
			} else if si > bi {
				want[si] = v * 1.5
			}
		}
		s.butCheck(nil)
		for i := range want {
			if s.sent[i] != want[i] {
				t.Fatalf("n=%d: index %d: got %v, want %v", n, i, s.sent[i], want[i])
			}
		}
	}
}
