package sentiment

import (
	"os"
	"sync"
	"testing"
)

func TestAblate(t *testing.T) {
	if os.Getenv("ABLATE") == "" {
		t.Skip()
	}
	texts := loadCorpora(t)
	names := []string{"none", "duration", "latent", "ambig", "headline", "but", "layer", "phrase", "scalar", "unmet",
		"claim", "story", "time", "why", "scope", "quick", "thanks", "newslead", "question", "closing", "decline", "glued"}
	for k, name := range names {
		ablate = 0
		if k > 0 {
			ablate = 1 << (k - 1)
		}
		a, _ := New()
		m := corpusMetrics(a, texts)
		d := loadBrandPosts(t, "brand_posts.tsv")
		br := brandRates(a, d, nil)
		t.Logf("%-9s tw %.3f/%.3f mv %.3f/%.3f am %.3f/%.3f ny %.3f/%.3f | dev neg %.2f pos %.2f neu %.2f", name,
			m["tweets"][0], m["tweets"][1], m["movieReviewSnippets"][0], m["movieReviewSnippets"][1],
			m["amazonReviewSnippets"][0], m["amazonReviewSnippets"][1], m["nytEditorialSnippets"][0], m["nytEditorialSnippets"][1],
			br["negative"], br["positive"], br["neutral"])
	}
	ablate = 0
}

func TestAblateLexicon(t *testing.T) {
	if os.Getenv("ABLATE") == "" {
		t.Skip()
	}
	texts := loadCorpora(t)
	cw, cp, lp, np, pa, rw, ab, ev, sw := complaintWords, complaintPhrases, leavingPhrases, neutralPhrases, praiseAdditions, removedWords, adjectiveBoosters, emojiValence, socialWords
	restore := func() {
		complaintWords, complaintPhrases, leavingPhrases, neutralPhrases, praiseAdditions, removedWords, adjectiveBoosters, emojiValence, socialWords = cw, cp, lp, np, pa, rw, ab, ev, sw
	}
	defer func() {
		restore()
		repOnce = sync.Once{}
	}()
	for _, name := range []string{"none", "cwords", "cphrases", "nphrases", "praise", "removed", "adjb", "emoji", "social"} {
		restore()
		switch name {
		case "cwords":
			complaintWords = nil
		case "cphrases":
			complaintPhrases, leavingPhrases = nil, nil
		case "nphrases":
			neutralPhrases = nil
		case "praise":
			praiseAdditions = nil
		case "removed":
			removedWords = nil
		case "adjb":
			adjectiveBoosters = nil
		case "emoji":
			emojiValence = nil
		case "social":
			socialWords = nil
		}
		repOnce = sync.Once{}
		a, _ := New()
		m := corpusMetrics(a, texts)
		br := brandRates(a, loadBrandPosts(t, "brand_posts.tsv"), nil)
		t.Logf("%-9s tw %.3f/%.3f mv %.3f/%.3f am %.3f/%.3f ny %.3f/%.3f | dev neg %.2f pos %.2f neu %.2f", name,
			m["tweets"][0], m["tweets"][1], m["movieReviewSnippets"][0], m["movieReviewSnippets"][1],
			m["amazonReviewSnippets"][0], m["amazonReviewSnippets"][1], m["nytEditorialSnippets"][0], m["nytEditorialSnippets"][1],
			br["negative"], br["positive"], br["neutral"])
	}
}

func TestAblateAll(t *testing.T) {
	if os.Getenv("ABLATE") == "" {
		t.Skip()
	}
	texts := loadCorpora(t)
	ablate = ^uint32(0)
	defer func() { ablate = 0 }()
	a, _ := New()
	m := corpusMetrics(a, texts)
	t.Logf("all-off tw %.3f/%.3f mv %.3f/%.3f", m["tweets"][0], m["tweets"][1], m["movieReviewSnippets"][0], m["movieReviewSnippets"][1])
	v, _ := New(WithMode(ModeVADER))
	n := 0
	for _, ct := range texts {
		if ct.corpus != "tweets" {
			continue
		}
		g := classify3(ct.rating)
		cv, cr := classify3(v.Score(ct.text).Compound), classify3(a.Score(ct.text).Compound)
		if cv == g && cr != g && n < 25 {
			n++
			e := a.Explain(ct.text)
			t.Logf("LOSS %q %v", ct.text, e.Valences)
		}
	}
}
