package sentiment

import (
	"strings"

	"github.com/repmon/repmon/query"
)

// Names are the names of the brand a text is about ("Delight Bakery",
// "Good Energy", "Happy Paws"). In reputation mode their words, where
// they stand together in the text, are the brand and carry no sentiment:
// a complaint about Delight Bakery is not made milder by "delight", nor
// praise of Good Energy stronger by "good". Vader mode ignores them, as the
// reference has no such notion. The zero value holds no names.
type Names struct {
	words [][]string // each name's words, lowercase, without the punctuation around them
}

// NewNames returns names for ScoreNamed and ExplainNamed. Each name is
// matched as its words in a row, whatever their case and Latin accents
// ("Café Joy" matches "CAFE JOY", as brand queries match); a name of one
// word ("Joy") mutes that word wherever it stands in the brand's texts.
func NewNames(names ...string) Names {
	var n Names
	for _, name := range names {
		var ws []string
		// as the text's: straight apostrophes
		name = strings.NewReplacer("’", "'", "‘", "'").Replace(name)
		for _, w := range strings.Fields(name) {
			if w = trimPunct(w); w != "" {
				ws = append(ws, string(query.AppendFold(nil, []byte(w))))
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
// special words) of the tokens that spell one of s.names and marks them
// named: no phrase that takes one in counts, and the brand model's label
// model does not read them (brandRow).
func (s *scratch) muteNames(tr *tracer) {
	for i := range s.toks {
		for _, name := range s.names {
			end := s.nameAt(i, name)
			for j := i; j < end; j++ {
				t := &s.toks[j]
				if t.named {
					continue
				}
				t.named, s.hasNamed = true, true
				if t.ent.flags&fLex != 0 {
					tr.rule(j, j, "brand_name", t.ent.val, 0)
				}
				// the anchor stays, for the phrase index the tokenizer
				// listed the token under
				t.ent.val, t.ent.flags, t.ent.word, t.ent.boost = 0, t.ent.flags&fAnchor, wNone, 0
				t.negNT = false
			}
		}
	}
}

// namedIn reports whether one of the n tokens from i on is named.
func (s *scratch) namedIn(i, n int) bool {
	for j := i; j < i+n && j < len(s.toks); j++ {
		if s.toks[j].named {
			return true
		}
	}
	return false
}

// nameAt returns where the tokens from i on that spell name end, or i
// if they do not. Tokens of punctuation alone ("&") are passed over
// inside a name, and the last word may take a possessive ("Bakery's").
func (s *scratch) nameAt(i int, name []string) int {
	j := i
	for k, w := range name {
		for k > 0 && j < len(s.toks) && len(trimPunct(s.lowr(j))) == 0 {
			j++
		}
		if j == len(s.toks) {
			return i
		}
		b := s.nameWord(j)
		if k == len(name)-1 && string(b) == w+"'s" {
			return j + 1 // a trailing apostrophe ("Boys'") was trimmed above
		}
		if string(b) != w {
			return i
		}
		j++
	}
	return j
}

// nameWord is token j's word as names hold theirs: lowercase, without the
// punctuation around it and, when it is not ASCII, without Latin accents.
func (s *scratch) nameWord(j int) []byte {
	b := trimPunct(s.lowr(j)) // lowercase already
	for _, c := range b {
		if c >= 0x80 {
			s.fold = query.AppendFold(s.fold[:0], b)
			return s.fold
		}
	}
	return b
}

// trimPunct strips ASCII punctuation from both ends of b.
func trimPunct[T string | []byte](b T) T {
	for len(b) > 0 && asciiPunct[b[0]] {
		b = b[1:]
	}
	for len(b) > 0 && asciiPunct[b[len(b)-1]] {
		b = b[:len(b)-1]
	}
	return b
}
