package sentiment

import (
	"math"
	"testing"
)

// pearson returns Pearson's correlation coefficient of xs and ys.
func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var cov, vx, vy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		cov += dx * dy
		vx += dx * dx
		vy += dy * dy
	}
	return cov / math.Sqrt(vx*vy)
}

// class3 maps a score to -1, 0 or 1 with symmetric thresholds: strictly
// above th is positive, strictly below -th negative.
func class3(x, th float64) int {
	switch {
	case x > th:
		return 1
	case x < -th:
		return -1
	}
	return 0
}

// f1Scores returns per-class F1 (index 0 neg, 1 neu, 2 pos), their macro
// mean, the support-weighted mean and accuracy.
func f1Scores(gold, pred []int) (per [3]float64, macro, weighted, acc float64) {
	var tp, fp, fn, sup [3]float64
	correct := 0.0
	for i := range gold {
		g, p := gold[i]+1, pred[i]+1
		sup[g]++
		if g == p {
			tp[g]++
			correct++
		} else {
			fp[p]++
			fn[g]++
		}
	}
	for c := 0; c < 3; c++ {
		if d := 2*tp[c] + fp[c] + fn[c]; d > 0 {
			per[c] = 2 * tp[c] / d
		}
		macro += per[c] / 3
		weighted += per[c] * sup[c] / float64(len(gold))
	}
	return per, macro, weighted, correct / float64(len(gold))
}

// classify3 is the class of a score in the VADER paper's evaluation: at or
// above 0.05 positive, at or below -0.05 negative. The same thresholds
// apply to compound and to the mean human rating; with them, and F1
// weighted by class support, the paper's figures are reproduced exactly.
func classify3(x float64) int {
	switch {
	case x >= 0.05:
		return 1
	case x <= -0.05:
		return -1
	}
	return 0
}

// corpusMetrics returns, per corpus, Pearson's r between compound and the
// mean human rating and the support-weighted 3-class F1.
func corpusMetrics(a *Analyzer, texts []corpusText) map[string][2]float64 {
	type acc struct {
		xs, ys     []float64
		gold, pred []int
	}
	by := map[string]*acc{}
	for _, ct := range texts {
		if ct.corpus == "edge_cases" {
			continue
		}
		c := by[ct.corpus]
		if c == nil {
			c = &acc{}
			by[ct.corpus] = c
		}
		x := a.Score(ct.text).Compound
		c.xs, c.ys = append(c.xs, x), append(c.ys, ct.rating)
		c.gold, c.pred = append(c.gold, classify3(ct.rating)), append(c.pred, classify3(x))
	}
	out := map[string][2]float64{}
	for name, c := range by {
		_, _, weighted, _ := f1Scores(c.gold, c.pred)
		out[name] = [2]float64{pearson(c.xs, c.ys), weighted}
	}
	return out
}

// paperFigures are reference VADER's r and weighted F1 on the corpora, as
// this evaluation computes them (rounded to 3 decimals).
var paperFigures = map[string][2]float64{
	"tweets":               {0.872, 0.945},
	"movieReviewSnippets":  {0.428, 0.589},
	"amazonReviewSnippets": {0.590, 0.626},
	"nytEditorialSnippets": {0.503, 0.549},
}

// TestCorpusMetrics pins the evaluation (ModeVADER must reproduce the
// reference figures) and holds ModeReputation to at least those figures:
// its brand-specific rules must not cost accuracy on general text.
func TestCorpusMetrics(t *testing.T) {
	texts := loadCorpora(t)
	for _, m := range []Mode{ModeVADER, ModeReputation} {
		a, err := New(WithMode(m))
		if err != nil {
			t.Fatal(err)
		}
		got := corpusMetrics(a, texts)
		for _, c := range corpora {
			g, want := got[c], paperFigures[c]
			t.Logf("%-10s %-22s r=%.3f F1=%.3f", m, c, g[0], g[1])
			for k, name := range []string{"r", "F1"} {
				r := math.Round(g[k]*1000) / 1000
				if m == ModeVADER && r != want[k] {
					t.Errorf("%s %s: %s=%.3f, want the reference %.3f", m, c, name, r, want[k])
				}
				if m == ModeReputation && r < want[k] {
					t.Errorf("%s %s: %s=%.3f, below reference VADER's %.3f", m, c, name, r, want[k])
				}
			}
		}
	}
}

// TestGeneralTweetsHeldOut holds the default mode to the tweet target on
// testdata/general_tweets_c.tsv and general_tweets_d.tsv: 300 tweets each
// (75 negative, 150 neutral, 75 positive) by two more authors, written
// after the current brand model and never trained on. They are the
// chatter a monitor collects around brand mentions that is no customer's
// post: live sport and results, bot and trending posts, news, music and
// television, everyday life with days, times and durations, community
// notices; the second author writes British, Irish, Indian, Australian,
// Nigerian and Canadian English too. Each must be scored better than the
// reference VADER by 0.03 in accuracy and in macro-F1, as the hidden
// human-labelled tweet sets must. Measured when they were added:
// .747 / .745 and .727 / .729, against VADER's .657 / .649 and .667 / .665.
// A trial that trained the brand model on them too was not kept: with one
// author's set it took the other's from .727 to .747 and from .747 to
// .770 in accuracy, but with both it moved the local tweet sets by no more
// than 0.011 (Sanders down, Sanders-2 up) and took complaints on held-out
// brand posts from .928 to .922.
func TestGeneralTweetsHeldOut(t *testing.T) {
	vader, err := New(WithMode(ModeVADER))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := New()
	if err != nil {
		t.Fatal(err)
	}
	class := map[string]int{"negative": -1, "neutral": 0, "positive": 1}
	for _, f := range []string{"general_tweets_c.tsv", "general_tweets_d.tsv"} {
		var gold, pv, pr []int
		for _, p := range loadBrandPosts(t, f) {
			gold = append(gold, class[p.label])
			pv = append(pv, classify3(vader.Score(p.text).Compound))
			pr = append(pr, classify3(rep.Score(p.text).Compound))
		}
		_, mv, _, av := f1Scores(gold, pv)
		_, mr, _, ar := f1Scores(gold, pr)
		t.Logf("%s: accuracy %.3f (VADER %.3f), macro-F1 %.3f (VADER %.3f)", f, ar, av, mr, mv)
		if ar-av < 0.03 || mr-mv < 0.03 {
			t.Errorf("%s: accuracy %.3f and macro-F1 %.3f, want 0.03 over VADER's %.3f and %.3f", f, ar, mr, av, mv)
		}
	}
}
