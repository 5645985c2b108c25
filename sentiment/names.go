package sentiment

import "strings"

// Names are the names of the brand a text is about ("Best Buy", "Delight
// Bakery", "Good Energy"). In reputation mode their words, where they
// stand together in the text, are the brand and carry no sentiment: a
// complaint about Delight Bakery is not made milder by "delight", nor
// praise of Best Buy stronger by "best". Vader mode ignores them, as the
// reference has no such notion. The zero value holds no names.
type Names struct {
	words [][]string // each name's words, lowercase, without the punctuation around them
}

// NewNames returns names for ScoreNamed and ExplainNamed. Each name is
// matched as its words in a row, whatever their case; a name of one word
// ("Joy") mutes that word wherever it stands in the brand's texts.
func NewNames(names ...string) Names {
	var n Names
	for _, name := range names {
		var ws []string
		for _, w := range strings.Fields(strings.ToLower(name)) {
			if w = trimPunct(w); w != "" {
				ws = append(ws, w)
			}
		}
		if len(ws) > 0 {
			n.words = append(n.words, ws)
		}
	}
	return n
}

// ScoreNamed is Score for a text about the brand called names.
func (a *Analyzer) ScoreNamed(text string, names Names) Scores {
	s := getScratch()
	s.names = names.words
	sc := a.score(s, text, nil)
	s.names = nil
	putScratch(s)
	return sc
}

// ExplainNamed is Explain for a text about the brand called names: a
// muted word shows as the rule "brand_name".
func (a *Analyzer) ExplainNamed(text string, names Names) Explanation {
	return a.explain(text, names.words)
}

// muteNames clears the lexicon meaning (valence, booster, negation,
// special words) of the tokens that spell one of s.names, keeping what
// the brand model reads of them.
func (s *scratch) muteNames(tr *tracer) {
	for i := range s.toks {
		for _, name := range s.names {
			if !s.nameAt(i, name) {
				continue
			}
			for j := i; j < i+len(name); j++ {
				e := &s.toks[j].ent
				if e.flags&^fAnchor == 0 {
					continue
				}
				if e.flags&fLex != 0 {
					tr.rule(j, j, "brand_name", e.val, 0)
				}
				// the anchor stays, for the phrase index the tokenizer
				// listed the token under
				e.val, e.flags, e.word, e.boost = 0, e.flags&fAnchor, wNone, 0
			}
		}
	}
}

// nameAt reports whether the tokens from i on spell name.
func (s *scratch) nameAt(i int, name []string) bool {
	if i+len(name) > len(s.toks) {
		return false
	}
	for k, w := range name {
		b := s.lowr(i + k) // lowercase already
		for len(b) > 0 && asciiPunct[b[0]] {
			b = b[1:]
		}
		for len(b) > 0 && asciiPunct[b[len(b)-1]] {
			b = b[:len(b)-1]
		}
		if string(b) != w {
			return false
		}
	}
	return true
}

// trimPunct strips ASCII punctuation from both ends of w.
func trimPunct(w string) string {
	return strings.TrimFunc(w, func(r rune) bool { return r < 0x80 && asciiPunct[r] })
}
