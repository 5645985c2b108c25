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
