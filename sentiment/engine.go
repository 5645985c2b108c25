package sentiment

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"
)

// token is one whitespace-separated word of the (emoji-expanded) text after
// the reference's punctuation stripping.
type token struct {
	s, e   int32 // span in scratch.text
	ls, le int32 // lowercase span in scratch.lower
	ent    entry
	negNT  bool // lowercase form contains "n't"
	upper  bool // Python str.isupper()
	// reputation mode only:
	hash      bool    // written as a #hashtag
	mention   bool    // written as an @mention
	quoted    bool    // inside double quotes
	blame     bool    // made a complaint by a post-level rule
	elong     bool    // found in the lexicon after squeezing repeated letters
	skip      bool    // consumed by a phrase that starts earlier
	sentEnd   bool    // followed by . ! or ? (ends a sentence)
	comma     bool    // followed by , ; : or a dash
	phraseLen uint8   // words in the phrase starting here, if any
	leaves    bool    // the phrase starting here says the customer is leaving
	named     bool    // part of a name of the brand the text is about (Names)
	phrase    float64 // the phrase's valence
}

// scratch holds the per-call buffers; pooled so that Score does not allocate.
type scratch struct {
	// text holds the emoji-expanded input in text[:nText], followed by
	// the lowercase forms of the tokens that are not already lowercase.
	text  []byte
	nText int
	ep    int  // '!' count
	qm    int  // '?' count
	quote bool // some '"' in the text
	join  []byte
	toks  []token
	sent  []float64
	// cand lists, in order, the tokens that may carry a valence (fLex, or
	// repCandMask in reputation mode, a #hashtag or a phrase): the valence loop and the final sum visit only these, as
	// every other token's valence is 0. dense is set when a post-level rule
	// gives a valence to some other token, so that the sum visits all.
	cand  []int32
	dense bool
	// rare lists the tokens whose rare path the tokenizer left for
	// settleRare
	rare []int32
	// names are the words of the names of the brand the text is about
	// (see Names), for the call; hasNamed is set when a token spells one
	names    [][]string
	hasNamed bool
	fold     []byte  // a non-ASCII token's word folded, for nameAt
	all      []int32 // every token, for valenced
	// reputation mode: the tokens that anchor phrases, and the phrases
	// found from them
	anchored []int32
	matches  []phraseMatch
	first    map[uint64][]int32 // for _but_check on very long texts
	lex      *lexicon           // the lexicon of the call (left set after it: see scoreRules)
	rep      bool               // reputation mode during a call
	// isHeadline is set in reputation mode when the text reads as news
	isHeadline bool
	// qEnd is, in reputation mode, the last token of an opening
	// information question ("Does Acme deliver on Sundays?"), or -1
	qEnd     int
	claim    int // first token of a quoted claim, or -1
	claimEnd int // its last token
	// summaries the tokenizer gathers so that later passes can be skipped
	caps   int  // ALL CAPS tokens
	hasBut bool // some token is "but"
	hasNeg bool // some token negates
	// reputation mode: some token is about a service
	hasService bool
	// the tokenizer's accumulators for the three above: the union of the
	// tokens' flags and of 1<<word, and whether some token holds "n't"
	flagsAny uint32
	wordsAny uint64
	anyNT    bool
	// reputation mode: tokens that may name a time (a digit, a weekday)
	times int
	// signs of the token valences, which the "but" rule keeps
	anyPos, anyNeg bool
	// reputation mode: the sum of the tokens' brand-post weights, which
	// the tokenizer adds up as it goes (a pass of its own over the tokens
	// costs more)
	dom float64
	// reputation mode: some token is an @mention
	mentioned bool
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		text: make([]byte, 0, 512),
		join: make([]byte, 0, 64),
		toks: make([]token, 0, 64),
		sent: make([]float64, 0, 64),
		cand: make([]int32, 0, 32),
	}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// putScratch returns s to the pool unless a huge input made it too big to keep.
func putScratch(s *scratch) {
	if cap(s.text) > 1<<20 || cap(s.toks) > 1<<16 {
		return
	}
	scratchPool.Put(s)
}

// extend lengthens s.text by n bytes and returns its old length. Unlike
// append(s.text, b...), it stores the slice's pointer only when it must
// grow the buffer (see scoreRules).
func (s *scratch) extend(n int) int {
	ls := len(s.text)
	if cap(s.text)-ls < n {
		s.text = slices.Grow(s.text, n)
	}
	s.text = s.text[:ls+n]
	return ls
}

func (s *scratch) str(i int) []byte   { t := &s.toks[i]; return s.text[t.s:t.e] }
func (s *scratch) lowr(i int) []byte  { t := &s.toks[i]; return s.text[t.ls:t.le] }
func (s *scratch) word(i int) wordID  { return s.toks[i].ent.word }
func (s *scratch) inLex(i int) bool   { return s.toks[i].ent.flags&fLex != 0 }
func (s *scratch) negated(i int) bool { t := &s.toks[i]; return t.ent.flags&fNegate != 0 || t.negNT }

// Byte classes for the tokenizer's ASCII fast path.
const (
	cSpace uint8 = 1 << iota // Python whitespace
	cPunct                   // string.punctuation
	cUpper                   // A-Z
	cLower                   // a-z
	cHigh                    // non-ASCII byte: decode the rune
	cDigit                   // 0-9
	cApos                    // an apostrophe (with cPunct)
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = cHigh
		case asciiSpace[c]:
			t[c] = cSpace
		case c == '\'':
			t[c] = cPunct | cApos
		case asciiPunct[c]:
			t[c] = cPunct
		case 'A' <= c && c <= 'Z':
			t[c] = cUpper
		case 'a' <= c && c <= 'z':
			t[c] = cLower
		case '0' <= c && c <= '9':
			t[c] = cDigit
		}
	}
	return t
}()

// expandEmoji copies text into s.text, replacing each emoji by its
// description as polarity_scores does: a space is inserted before a
// description unless the previous character was an ASCII space, none after.
func (s *scratch) expandEmoji(lex *lexicon, text string) {
	b := s.text[:0]
	prevSpace := true
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			b = append(b, c)
			prevSpace = c == ' '
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if d, ok := lex.emoji[r]; ok && n > 1 {
			if !prevSpace {
				b = append(b, ' ')
			}
			b = append(b, d...)
		} else {
			b = append(b, text[i:i+n]...)
		}
		prevSpace = false
		i += n
	}
	s.text = b
}

// tokenize splits s.text like Python's str.split(), applies
// _strip_punc_if_word, resolves every token's lexicon entry and counts the
// '!' and '?' that punctuation emphasis needs. With stop set it stops and
// returns false at the first character that would be rewritten (see
// stopAt), so that the caller can rewrite the text and start again; texts
// without such characters (nearly all) are thus scanned once.
func (s *scratch) tokenize(lex *lexicon, stop stopAt) bool {
	s.toks = s.toks[:0]
	s.cand = s.cand[:0]
	s.anchored = s.anchored[:0]
	s.rare = s.rare[:0]
	s.caps, s.times = 0, 0
	s.flagsAny, s.wordsAny, s.anyNT = 0, 0, false
	s.dom, s.mentioned, s.hasNamed = 0, false, false
	s.nText = len(s.text)
	s.text = append(s.text, ' ') // stops the fast path's words
	s.ep, s.qm, s.quote = 0, 0, false
	mask := fLex // the flags of a token that may carry a valence
	if s.rep {
		mask = repCandMask
	}
	fast := !slowTokens
	dom := 0.0 // s.dom, in a register while the fast path runs
	b := s.text
	n := s.nText
	i := 0
	for i < n {
		c := b[i]
		cl := byteClass[c]
		if cl&cSpace != 0 {
			i++
			continue
		}
		// Most tokens (91% of the VADER corpora) are at most 16 ASCII
		// letters, maybe with trailing punctuation ("great,") and then a
		// space: one or two 8-byte loads (into the buffer's spare
		// capacity near the end; the space after the text stops the
		// word) find the word and its lowercase form, which is hashed as
		// it is. The rest take addToken.
		if cl&(cLower|cUpper) != 0 && i+8 <= cap(b) && fast {
			x := binary.LittleEndian.Uint64(b[i : i+8])
			// bit 7 of byte k of nl is set when byte k is not a letter
			// (only the first such bit is sure: carries)
			xl := x | 0x20*lsb // lowercase, if a letter
			nl := ^((xl + 0x1f*lsb) &^ (xl + 0x05*lsb)) & msb
			m := (nl&-nl)>>7 - 1 // the letters' bytes (all 8 if nl is 0)
			w := bits.TrailingZeros64(nl) >> 3
			var x2, m2 uint64
			if nl == 0 && i+16 <= cap(b) {
				// a longer word: its next 8 bytes
				x2 = binary.LittleEndian.Uint64(b[i+8 : i+16])
				xl := x2 | 0x20*lsb
				nl := ^((xl + 0x1f*lsb) &^ (xl + 0x05*lsb)) & msb
				m2 = (nl&-nl)>>7 - 1
				w += bits.TrailingZeros64(nl) >> 3
			}
			// the end of the raw token (mostly a space follows the word)
			e := i + w
			for b[e] != ' ' && asciiPunct[b[e]] {
				e++
			}
			// punctuation is stripped only from 3 letters or more
			if b[e] == ' ' && (e == i+w || w >= 3) {
				// the token as addToken makes it, without the steps that
				// such a word cannot need (inline: a call would spill the
				// loop's registers on every word)
				start, end := i, e
				k0, k1 := (x|0x20*lsb)&m, (x2|0x20*lsb)&m2 // lowercase
				x, x2 = x&m, x2&m2
				k := len(s.toks)
				if k == cap(s.toks) {
					s.toks = append(s.toks, token{})
				}
				s.toks = s.toks[:k+1]
				t := &s.toks[k]
				*t = token{s: int32(start), e: int32(start + w), ls: int32(start), le: int32(start + w)}
				if x != k0 || x2 != k1 {
					// capitals: the lowercase form goes after the text
					// (appended in place: no pointer store, see scoreRules)
					ls := s.extend(16)
					binary.LittleEndian.PutUint64(s.text[ls:], k0)
					binary.LittleEndian.PutUint64(s.text[ls+8:], k1)
					s.text = s.text[:ls+w]
					t.ls, t.le = int32(ls), int32(ls+w)
					if (x|x2)&(0x20*lsb) == 0 { // no lowercase letter: str.isupper()
						t.upper = true
						s.caps++
					}
				}
				// rare tells whether reputation mode looks at the word
				// again: it has no flags and may be "goin", have stretched
				// letters or be long (few words). The table marks its own
				// words; for the others the shape is tested only on the
				// paths that did not find the word, as whether a word is
				// in the table is data that no branch predictor learns.
				rare := false
				if h := mix(k0, k1, w); lex.table.maybeHas(h) { // hashK0, from the loads
					ent, done := (*entry)(nil), false
					if w <= 8 {
						ent, done = lex.table.home(k0, h, w)
					}
					if !done {
						ent = lex.table.probeK0(s.text[t.ls:t.le], k0, h)
					}
					if ent != nil {
						t.ent = *ent
						rare = ent.rare
					} else {
						rare = s.rep && rareShape(k0, k1, w)
					}
				} else {
					rare = s.rep && rareShape(k0, k1, w)
				}
				next := end + 1
				if end > start+w { // trailing punctuation: rare
					if s.rep && end-start-w >= 2 { // an emoticon takes two characters
						if j := s.gluedEmoticon(lex, start+w, end); j > 0 {
							// "sucks:(": the emoticon is the next token
							end, next = j, j
						}
					}
					s.punct(start+w, end)
					if s.rep {
						s.stops(t, start+w, end)
					}
				}
				f := t.ent.flags
				if s.rep {
					s.times += int(f / fTime & 1)
					if rare {
						// settled after the loop (settleRare): a call
						// here would make the loop spill its registers
						s.rare = append(s.rare, int32(k))
					}
					dom += float64(t.ent.dom) // no @mention here
				}
				if f&(mask|fAnchor) != 0 {
					if f&mask != 0 {
						s.cand = append(s.cand, int32(k))
					}
					if f&fAnchor != 0 {
						s.anchored = append(s.anchored, int32(k))
					}
				}
				s.flagsAny |= f
				s.wordsAny |= 1 << (t.ent.word & 63)
				i = next
				b = s.text // appends may have grown the buffer
				continue
			}
		}
		if cl&cHigh != 0 {
			r, w := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError && isPySpace(r) {
				i += w
				continue
			}
		}
		start := i
		var all uint8
		// most words are lowercase letters: take them 8 bytes a time
		for i+8 <= n {
			x := binary.LittleEndian.Uint64(b[i:])
			// bit 7 of byte k is set when b[i+k] is a-z; bytes after the
			// first that is not may be wrong (carries), but are not used
			low := (x + 0x1f*lsb) &^ (x + 0x05*lsb) & msb
			if low != msb {
				i += bits.TrailingZeros64(^low&msb) >> 3
				break
			}
			i += 8
		}
		all = uint8(min(i-start, 1)) * cLower // without a branch
		for i < n {
			cl := byteClass[b[i]]
			if cl&(cSpace|cHigh) == 0 {
				if cl&cPunct != 0 && s.rep && glueStart[b[i]] {
					if j := gluedWords(b, start, i, n); j > 0 {
						// the punctuation ends this token; a word follows
						all |= cPunct
						i = j
						break
					}
				}
				all |= cl
				i++
				continue
			}
			if cl&cSpace != 0 {
				break
			}
			r, w := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError {
				if isPySpace(r) {
					break
				}
				if stop == stopEmoji && w > 1 {
					if _, ok := lex.emoji[r]; ok {
						return false
					}
				}
			}
			if stop == stopHigh {
				return false
			}
			all |= cHigh
			i += w
		}
		if all&cPunct != 0 && s.rep {
			// "it's:)", "TV...:-)": as in the fast path
			p := i
			for p > start && asciiPunct[b[p-1]] {
				p--
			}
			if p > start && i-p >= 2 { // an emoticon takes two characters
				if j := s.gluedEmoticon(lex, p, i); j > 0 {
					i = j
				}
			}
		}
		s.dom = dom
		if s.rep && all&cPunct != 0 && all&(cLower|cUpper) != 0 && eyes[b[start]] {
			if j := s.leadingEmoticon(lex, start, i); j > 0 {
				// ":(northwind": the emoticon is a token of its own
				s.addToken(lex, start, j, cPunct)
				b = s.text
				start, all = j, classOf(b[j:i])
			}
		}
		if s.rep && all&cDigit != 0 && all&(cLower|cUpper) != 0 && all&cHigh == 0 {
			if p := gluedDuration(lex, b, start, i); p > 0 {
				// "3hrs", "45min": a count and its unit, as if spaced
				s.addToken(lex, start, p, classOf(b[start:p]))
				b = s.text
				start, all = p, classOf(b[p:i])
			}
		}
		s.addToken(lex, start, i, all)
		dom = s.dom
		b = s.text // addToken may have grown the buffer
	}
	s.dom = dom
	if len(s.rare) > 0 {
		s.settleRare(lex, mask)
	}
	s.hasBut = s.wordsAny&(1<<wBut) != 0
	s.hasNeg = s.anyNT || s.flagsAny&fNegate != 0
	s.hasService = s.flagsAny&fService != 0
	return true
}

// gluedWords reports, in reputation mode, where a token that runs on from
// s.text[start:i] should end when b[i] starts punctuation written without
// the space after it: a comma or semicolon, an ellipsis ("..", "...") or
// a run of '!' and '?' between two letters ("hold...over", "company,I",
// "late!!again"). It returns the index of the letter after the run, or 0
// to keep the token whole, as the reference does; a single '.' ("t.co",
// "a.m."), apostrophes, hyphens and slashes never split.
func gluedWords(b []byte, start, i, n int) int {
	if i == start || byteClass[b[i-1]]&(cLower|cUpper) == 0 {
		return 0
	}
	p := i
	for p < n && (b[p] == '.' || b[p] == ',' || b[p] == ';' || b[p] == '!' || b[p] == '?') {
		p++
	}
	if p == n || byteClass[b[p]]&(cLower|cUpper) == 0 {
		return 0
	}
	switch run := b[i:p]; {
	case len(run) == 1 && (run[0] == ',' || run[0] == ';'):
	case len(run) >= 2 && bytes.Count(run, []byte{'.'}) == len(run):
	case bytes.IndexAny(run, ".,;") < 0: // '!' and '?' only
	default:
		return 0
	}
	return p
}

// gluedDuration returns where the unit starts in b[start:end] when the
// token is a count glued to a unit of time, one of durationWords ("3hr",
// "45mins", "1.5hrs", "(2wks)"), and 0 otherwise ("4g", "mp3", "2nd").
func gluedDuration(lex *lexicon, b []byte, start, end int) int {
	p := start
	for p < end && asciiPunct[b[p]] && b[p] != '.' {
		p++
	}
	d := p
	for p < end && (byteClass[b[p]] == cDigit || b[p] == '.' && p > d && p+1 < end && byteClass[b[p+1]] == cDigit) {
		p++
	}
	if p == d {
		return 0
	}
	u := p
	for u < end && byteClass[b[u]]&(cLower|cUpper) != 0 {
		u++
	}
	for e := u; e < end; e++ {
		if !asciiPunct[b[e]] {
			return 0
		}
	}
	var w [8]byte // the longest unit, "minutes", and "seconds", fit
	if u == p || u-p > len(w) {
		return 0
	}
	for k := p; k < u; k++ {
		w[k-p] = b[k] | 0x20
	}
	if lex.table.lookup(w[:u-p]).flags&fDuration == 0 {
		return 0
	}
	return p
}

// glueStart holds the characters that may start the run gluedWords
// splits at, and eyes those that start an emoticon gluedEmoticon and
// leadingEmoticon look for: tests the tokenizer makes inline, so that
// most punctuation ("it's", "#fail", "(so") costs no call.
var glueStart, eyes = func() (g, e [256]bool) {
	for _, c := range ".,;!?" {
		g[c] = true
	}
	for _, c := range ":;=" {
		e[c] = true
	}
	return g, e
}()

// classOf is the union of the byte classes of b.
func classOf(b []byte) uint8 {
	var all uint8
	for _, c := range b {
		all |= byteClass[c]
	}
	return all
}

// settleRare runs reputation mode's rare path for the plain words that
// the tokenizer's fast path left in s.rare (with no flags; see rareShape):
// "goin", stretched letters. A word whose entry changes (few do) joins the
// lists and summaries the tokenizer keeps, in token order, and the
// brand-post weights are then summed again in token order, so that the
// sum is the same as one taken as the tokens came.
func (s *scratch) settleRare(lex *lexicon, mask uint32) {
	changed := false
	for _, k := range s.rare {
		t := &s.toks[k]
		old := t.ent
		if w := int(t.le - t.ls); w > 8 {
			s.repToken(t, int(t.s), int(t.s)+w, cLower) // as addToken
		} else {
			s.plainRep(t, s.key0At(int(k)), w)
		}
		if t.ent == old {
			continue // nearly every such word
		}
		changed = true
		f := t.ent.flags
		if f&mask != 0 {
			i, _ := slices.BinarySearch(s.cand, k)
			s.cand = slices.Insert(s.cand, i, k)
		}
		if f&fAnchor != 0 {
			i, _ := slices.BinarySearch(s.anchored, k)
			s.anchored = slices.Insert(s.anchored, i, k)
		}
		s.flagsAny |= f
		s.wordsAny |= 1 << (t.ent.word & 63)
	}
	if m := lex.brand; changed && m != nil {
		s.dom = 0
		for k := range s.toks {
			s.dom += float64(m.dom[s.brandRow(m, k)])
		}
	}
}

// plainRep is repToken for a plain word (see tokenize) that is not in the
// lexicon but may be "goin" or have stretched letters.
func (s *scratch) plainRep(t *token, k0 uint64, n int) {
	if n >= 5 && k0>>(8*(n-2)&63)&0xffff == 'i'|'n'<<8 {
		s.repWordForm(t)
	}
	if t.ent.flags&fTime != 0 {
		s.times++
	}
	if t.ent.flags == 0 && tripleIn(k0, n) {
		s.squeeze(t)
	}
}

// punct counts the '!', '?' and '"' in s.text[p:end], the raw span of a
// token with punctuation, for punctuation emphasis and the rules: every
// such character is in some token.
func (s *scratch) punct(p, end int) {
	for ; p < end; p++ {
		switch s.text[p] {
		case '!':
			s.ep++
		case '?':
			s.qm++
		case '"':
			s.quote = true
		}
	}
}

// stops notes whether the punctuation in s.text[p:end], which follows
// token t, ends a sentence or a clause (reputation mode).
func (s *scratch) stops(t *token, p, end int) {
	for ; p < end; p++ {
		switch s.text[p] {
		case '.', '!', '?':
			t.sentEnd = true
		case ',', ';', ':', '-':
			t.comma = true
		}
	}
}

// gluedEmoticon returns where an emoticon written onto the end of a word
// ("sucks:(", "expensive...=(", "thanks;)") starts in the punctuation
// s.text[p:end] that follows the word, or 0. The reference strips it with
// the rest of the punctuation, and the post loses its plainest sign of
// feeling. Only an emoticon that starts with its eyes (: ; =) and ends the
// token counts: "(so far):" keeps its "):".
func (s *scratch) gluedEmoticon(lex *lexicon, p, end int) int {
	if ablate&abGluedEmoticon != 0 {
		return 0
	}
	b := s.text
	for j := p; j < end-1; j++ {
		if eyes[b[j]] {
			if e := lex.table.lookup(b[j:end]); e.flags&fLex != 0 {
				return j
			}
		}
	}
	return 0
}

// leadingEmoticon returns, in reputation mode, where an emoticon written
// without the space after it ends, when it starts s.text[start:end] and a
// letter follows it (":(northwind", ":-(Northwind", ";)thanks"), or 0.
// The reference keeps the token whole, a word it does not know. Only an
// emoticon of punctuation alone counts: ":D" and ":P" would take the first
// letter of ":Download" or ":Pretty".
func (s *scratch) leadingEmoticon(lex *lexicon, start, end int) int {
	if ablate&abGluedEmoticon != 0 {
		return 0
	}
	b := s.text
	if !eyes[b[start]] {
		return 0
	}
	for j := start + 1; j < end && j <= start+5; j++ {
		if byteClass[b[j]]&(cLower|cUpper) != 0 {
			if j >= start+2 && lex.table.lookup(b[start:j]).flags&fLex != 0 {
				return j
			}
			return 0
		}
		if !asciiPunct[b[j]] {
			return 0
		}
	}
	return 0
}

// addFlags records token k (t) in the candidate and anchor lists and the
// tokenizer's summaries; mask holds the flags of a candidate.
func (s *scratch) addFlags(t *token, k int, mask uint32) {
	f := t.ent.flags
	if f&mask != 0 || t.hash {
		s.cand = append(s.cand, int32(k))
	}
	if f&fAnchor != 0 {
		s.anchored = append(s.anchored, int32(k))
	}
	s.flagsAny |= f
	s.wordsAny |= 1 << (t.ent.word & 63)
}

// tripleIn reports whether the first n (3 to 8) bytes of k0, all letters,
// hold one letter three times in a row.
func tripleIn(k0 uint64, n int) bool {
	y := k0 ^ k0>>8 // byte k is zero when b[k] == b[k+1]
	z := y | y>>8   // byte k is zero when b[k] == b[k+1] == b[k+2]
	z |= ^uint64(0) << (8 * (n - 2) & 63)
	return (z-lsb)&^z&msb != 0
}

// rareShape reports whether a plain word of n lowercase letters, k0 and
// k1 (bytes 0-7 and 8-15), must take reputation mode's rare path when it
// has no flags: it may be "goin" or have a letter stretched three times,
// or it is longer than 16 letters. Words of 9 to 16 letters are tested
// here too: sent down the rare path all, they were one token in eight.
func rareShape(k0, k1 uint64, n int) bool {
	if n <= 8 {
		in := k0>>(8*(n-2)&63)&0xffff == 'i'|'n'<<8
		return b2i(n >= 3)&(b2i(n >= 5)&b2i(in)|b2i(tripleIn(k0, n))) != 0
	}
	if n > 16 {
		return true
	}
	// the last two letters, from bytes 7-14 (or k1's last two)
	last := (k0>>56 | k1<<8) >> (8 * (n - 9) & 63) & 0xffff
	if n == 16 {
		last = k1 >> 48
	}
	// a run of three starts in bytes 0-5 (k0), 4-9 (bytes 4-11) or 8 on
	return last == 'i'|'n'<<8 || tripleIn(k0, 8) || tripleIn(k0>>32|k1<<32, min(n-4, 8)) ||
		n-8 >= 3 && tripleIn(k1, n-8)
}

// b2i is 1 if b, else 0, without a branch.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stopAt names the characters at which tokenize stops for the caller to
// rewrite the text.
type stopAt uint8

const (
	stopNever stopAt = iota
	stopEmoji        // an emoji with a description (expandEmoji)
	stopHigh         // any non-ASCII character (expandRep)
)

// slowTokens makes every token take addToken, for the test that holds
// tokenize's fast path to the same results.
var slowTokens = false

const lsb, msb = 0x0101010101010101, 0x8080808080808080

// addToken applies the reference's punctuation stripping to s.text[start:end]:
// leading and trailing string.punctuation is removed unless that leaves two
// or fewer characters (likely an emoticon), in which case the token is kept.
// all is the union of the byte classes in the token. Plain lowercase words
// (most tokens) take the short path; shape handles the rest out of line.
func (s *scratch) addToken(lex *lexicon, start, end int, all uint8) {
	k := len(s.toks)
	if k < cap(s.toks) {
		s.toks = s.toks[:k+1]
	} else {
		s.toks = append(s.toks, token{})
	}
	t := &s.toks[k]
	*t = token{s: int32(start), e: int32(end), ls: int32(start), le: int32(end)}
	ls, le := start, end
	if all&(cPunct|cUpper|cHigh) != 0 {
		s.shape(t, all)
		ls, le = int(t.ls), int(t.le)
	}
	// lookupHash with its bloom test inlined: most words stop there. The
	// key's first 8 bytes are read in one load where the buffer's capacity
	// allows (key0 copies byte by byte).
	b := s.text
	low := b[ls:le]
	var k0 uint64
	if ls+8 <= cap(b) {
		// keep the first len(low) bytes, without a branch
		k0 = binary.LittleEndian.Uint64(b[ls:ls+8]) & (^uint64(0) >> (8 * (8 - min(len(low), 8)) & 63))
	} else {
		k0 = key0(low)
	}
	h := mix(k0, 0, len(low)) // hashK0, inlined for short words
	if len(low) > 8 {
		h = hashK0(k0, low)
	}
	if lex.table.maybeHas(h) {
		if e := lex.table.probeK0(low, k0, h); e != nil {
			t.ent = *e
		}
	}
	if all&cPunct != 0 {
		s.punct(start, end)
	}
	mask := fLex
	if s.rep {
		s.repToken(t, start, end, all)
		mask = repCandMask
		if m := lex.brand; m != nil {
			s.dom += float64(m.dom[s.brandRow(m, k)])
		}
	}
	if t.upper {
		s.caps++
	}
	s.anyNT = s.anyNT || t.negNT
	s.addFlags(t, k, mask)
}

// shape strips t's punctuation and lowercases it (see addToken).
func (s *scratch) shape(t *token, all uint8) {
	b := s.text
	start, end := int(t.s), int(t.e)
	if all&cPunct != 0 {
		ps, pe := start, end
		for ps < pe && asciiPunct[b[ps]] {
			ps++
		}
		for pe > ps && asciiPunct[b[pe-1]] {
			pe--
		}
		// more than 8 bytes is always more than two characters
		if (ps != start || pe != end) && (pe-ps > 8 || utf8.RuneCount(b[ps:pe]) > 2) {
			start, end = ps, pe
		}
	}
	t.s, t.e, t.ls, t.le = int32(start), int32(end), int32(start), int32(end)
	switch {
	case all&cHigh != 0:
		s.lowerRunes(t)
	case all&cUpper != 0:
		// ASCII with capitals: lowercase into the area after the text
		ls := s.extend(end - start)
		copy(s.text[ls:], b[start:end]) // b is the buffer before any growth
		hasLower := false
		for k := ls; k < len(s.text); k++ {
			c := s.text[k]
			if 'A' <= c && c <= 'Z' {
				s.text[k] = c + ('a' - 'A')
			} else if 'a' <= c && c <= 'z' {
				hasLower = true
			}
		}
		t.ls, t.le = int32(ls), int32(len(s.text))
		t.upper = !hasLower
	}
	low := s.text[t.ls:t.le]
	t.negNT = all&cApos != 0 && containsNT(low)
}

// repToken records what reputation mode needs to know about a token:
// the punctuation around it and, for a word with stretched letters
// ("sooooo", "baaaad"), the lexicon entry of its squeezed form. all is the
// union of the byte classes of the raw token: a token without punctuation
// (most of them) has no mark, no trailing punctuation and no kept
// punctuation to strip.
func (s *scratch) repToken(t *token, rawStart, rawEnd int, all uint8) {
	if t.ent.flags == 0 && t.le-t.ls >= 3 {
		// "ok," that the reference kept whole, or "goin": the last byte
		// rules out most words first
		n := int(t.le - t.ls)
		last := s.text[t.le-1]
		if last == 'n' && n >= 5 && s.text[t.le-2] == 'i' || all&cPunct != 0 && n <= 4 {
			s.repWordForm(t) // may strip punctuation the reference kept
		}
	}
	if all&cDigit != 0 || t.ent.flags&fTime != 0 {
		s.times++
	}
	if all&cPunct != 0 {
		b := s.text
		switch b[rawStart] {
		case '#':
			t.hash = rawStart < int(t.s)
		case '@':
			t.mention = true
			s.mentioned = true
		}
		s.stops(t, int(t.e), rawEnd)
	}
	if t.ent.flags != 0 || t.le-t.ls < 3 || !hasTriple(s.text, int(t.ls), int(t.le)) {
		return // no letter occurs three times in a row (nearly every word)
	}
	s.squeeze(t)
}

// squeeze looks a word with a letter stretched three times or more up in
// the lexicon with its runs cut to two letters, then to one.
func (s *scratch) squeeze(t *token) {
	for _, keep := range [...]int{2, 1} {
		ls := len(s.text)
		run := 0
		for k := int(t.ls); k < int(t.le); k++ {
			c := s.text[k]
			if k > int(t.ls) && c == s.text[k-1] {
				run++
			} else {
				run = 1
			}
			if run <= keep {
				s.text = append(s.text, c)
			}
		}
		sq := s.text[ls:]
		if e := s.lex.table.lookup(sq); e.flags != 0 {
			t.ls, t.le, t.ent, t.elong = int32(ls), int32(len(s.text)), e, true
			return
		}
		s.text = s.text[:ls]
	}
}

// hasTriple reports whether b[ls:le] (3 or more bytes) holds one letter
// a-z three times in a row. It tests six positions per 8-byte load
// (reading into the buffer's spare capacity where there is some).
func hasTriple(b []byte, ls, le int) bool {
	for p := ls; ; p += 6 {
		l := le - p
		if p+8 > cap(b) {
			return hasTripleSlow(b[p:le])
		}
		x := binary.LittleEndian.Uint64(b[p : p+8])
		y := x ^ x>>8 // byte k is zero when b[k] == b[k+1]
		z := y | y>>8 // byte k is zero when b[k] == b[k+1] == b[k+2]
		z |= ^uint64(0) << (8 * min(l-2, 6))
		if (z-0x0101010101010101)&^z&0x8080808080808080 != 0 {
			// some run of three: confirm it is a letter
			return hasTripleSlow(b[p:le])
		}
		if l <= 8 {
			return false
		}
	}
}

func hasTripleSlow(b []byte) bool {
	for k := 2; k < len(b); k++ {
		if b[k] == b[k-1] && b[k] == b[k-2] && isLetter(b[k]) {
			return true
		}
	}
	return false
}

// lowerRunes lowercases a token with non-ASCII characters, like Python's
// str.lower(), and computes str.isupper().
func (s *scratch) lowerRunes(t *token) {
	ls := len(s.text)
	hasUpper, hasLower := false, false
	for i := int(t.s); i < int(t.e); {
		c := s.text[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				hasUpper = true
				c += 'a' - 'A'
			} else if 'a' <= c && c <= 'z' {
				hasLower = true
			}
			s.text = append(s.text, c)
			i++
			continue
		}
		r, w := utf8.DecodeRune(s.text[i:])
		if r == utf8.RuneError && w == 1 {
			s.text = append(s.text, c)
			i++
			continue
		}
		if runeIsLower(r) || unicode.IsTitle(r) {
			hasLower = true
		} else if runeIsUpper(r) {
			hasUpper = true
		}
		switch lr := unicode.ToLower(r); {
		case r == 'İ':
			// Python lowercases U+0130 to "i" plus a combining dot above.
			s.text = append(s.text, 'i', 0xcc, 0x87)
		case lr == r:
			s.text = append(s.text, s.text[i:i+w]...)
		default:
			s.text = utf8.AppendRune(s.text, lr)
		}
		i += w
	}
	t.ls, t.le = int32(ls), int32(len(s.text))
	t.upper = hasUpper && !hasLower
}

func containsNT(b []byte) bool {
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 'n' && b[i+1] == '\'' && b[i+2] == 't' {
			return true
		}
	}
	return false
}

// allcapDifferential is allcap_differential: true when some but not all
// tokens are ALL CAPS.
func (s *scratch) allcapDifferential() bool {
	d := len(s.toks) - s.caps
	return d > 0 && d < len(s.toks)
}

// score computes the scores of text; tr, when non-nil, records why.
func (a *Analyzer) score(s *scratch, text string, tr *tracer) Scores {
	sc := a.scoreRules(s, text, tr)
	if a.mode == ModeReputation && a.lex.brand != nil {
		sc = s.brandLayer(a.lex.brand, sc, tr)
	}
	return sc
}

// scoreRules scores text by the rules alone: in reputation mode, without
// the brand model's layer (whose domain model some rules read). s keeps
// the text's tokens and lexicon for the layer.
func (a *Analyzer) scoreRules(s *scratch, text string, tr *tracer) Scores {
	lex := a.lex
	// Pointer stores into the pooled scratch cost a write barrier each
	// while the garbage collector marks, which in a monitor that is also
	// collecting (and in a benchmark beside an allocating scorer) is much
	// of the time: the lexicon is stored only when it changes (a pooled
	// scratch keeps it until the pool is dropped, at most two collections
	// on), and the text is copied in place, which writes only the length.
	if s.lex != lex {
		s.lex = lex
	}
	rep := a.mode == ModeReputation
	s.rep = rep
	s.text = s.text[:0]
	copy(s.text[s.extend(len(text)):], text)
	switch {
	case !rep && !s.tokenize(lex, stopEmoji):
		s.expandEmoji(lex, text)
		s.tokenize(lex, stopNever)
	case rep && !s.tokenize(lex, stopHigh):
		// expandRep changes only non-ASCII characters
		s.expandRep(lex, text)
		s.tokenize(lex, stopNever)
	}
	if rep {
		if len(s.names) > 0 {
			s.muteNames(tr)
		}
		s.prepareRep(lex, tr)
		s.isHeadline = s.headline()
		s.qEnd = -1
		if s.qm > 0 && ablate&abQuestion == 0 {
			s.qEnd = s.infoQuestion() // only texts with a '?'
		}
	}
	if tr != nil {
		tr.setTokens(s)
	}
	capDiff := s.allcapDifferential()
	n := len(s.toks)
	if cap(s.sent) < n {
		s.sent = make([]float64, n, max(n, 2*cap(s.sent)))
	}
	s.sent = s.sent[:n]
	sent := s.sent
	clear(sent)
	s.anyPos, s.anyNeg, s.dense = false, false, false
	for _, c := range s.cand {
		i := int(c)
		t := &s.toks[i]
		v := 0.0
		switch {
		case t.ent.flags == 0 && !t.hash && t.phraseLen == 0 || rep && t.skip:
			// not a lexicon word: no valence of its own (most tokens)
		case t.ent.flags&fBooster != 0 && !(rep && (t.phraseLen > 0 || s.adjectiveUse(i))):
		case i < n-1 && t.ent.word == wKind && s.word(i+1) == wOf:
		default:
			v = a.valence(s, i, capDiff, tr)
		}
		sent[i] = v
		s.anyPos = s.anyPos || v > 0
		s.anyNeg = s.anyNeg || v < 0
	}
	if rep {
		s.butCheckRep(tr)
		a.reputationLayer(s, tr)
	} else {
		s.butCheck(tr)
	}
	tr.setFinal(s.sent)
	return s.scoreValence(tr)
}

// valence is sentiment_valence for token i.
func (a *Analyzer) valence(s *scratch, i int, capDiff bool, tr *tracer) float64 {
	t := &s.toks[i]
	n := len(s.toks)
	rep := a.mode == ModeReputation
	base, ok := t.ent.val, t.ent.flags&fLex != 0
	if rep {
		base, ok = a.repBase(s, i)
	}
	if !ok {
		if rep && tr != nil {
			s.traceMute(i, tr)
		}
		return 0
	}
	valence := base
	switch {
	case rep && t.phraseLen > 0:
		tr.rule(i, i, "phrase", 0, valence)
	case rep && tr != nil:
		tr.rule(i, i, s.baseRule(i, valence), 0, valence)
	default:
		tr.rule(i, i, "lexicon", 0, valence)
	}
	if t.ent.word == wNo && i != n-1 && s.inLex(i+1) && !(rep && t.phraseLen > 0) {
		tr.rule(i, i, "no_as_negator", valence, 0)
		valence = 0.0
	}
	// lo is the first token that may modify token i: the reference looks
	// three tokens back whatever lies between; reputation mode stops at
	// the end of a sentence and at a phrase ("didn't charge extra. Gem",
	// "no issues, great app"), and a phrase that opens with a negator
	// ("no hassle", "never misses") is never negated again.
	// quiet: no token in reach can modify this one (most words), so the
	// look-back and its scope need not be worked out
	quiet := rep && s.noModifier(i)
	lo := 0
	if rep && ablate&abScope == 0 && !quiet {
		lo = s.scopeStart(i)
		if t.ent.flags&(fAttempt|fLex|fLatent) == fAttempt {
			lo = i // "clicked No 8 times": a count is not negated
		}
	}
	if !quiet && ((i > 0 && i-1 >= lo && s.word(i-1) == wNo) || (i > 1 && i-2 >= lo && s.word(i-2) == wNo) ||
		(i > 2 && i-3 >= lo && s.word(i-3) == wNo && (s.word(i-1) == wOr || s.word(i-1) == wNor))) {
		v := base * nScalar
		tr.rule(i, i, "negated_by_no", valence, v)
		valence = v
	}
	if t.upper && capDiff {
		v := valence
		if valence > 0 {
			v += cIncr
		} else {
			v -= cIncr
		}
		tr.rule(i, i, "allcaps", valence, v)
		valence = v
	}
	if !quiet {
		for startI := 0; startI < 3; startI++ {
			j := i - (startI + 1)
			if i > startI && j >= lo && !s.inLex(j) {
				var sc float64
				if rep && ablate&abScalar == 0 {
					sc = s.repScalar(j, valence, capDiff)
				} else {
					sc = s.scalarIncDec(j, valence, capDiff)
				}
				if startI == 1 && sc != 0 {
					sc = sc * 0.95
				}
				if startI == 2 && sc != 0 {
					sc = sc * 0.9
				}
				if sc != 0 {
					tr.rule(j, i, "booster", valence, valence+sc)
				}
				valence = valence + sc
				valence = s.negationCheck(valence, startI, i, tr)
				if startI == 2 && !rep {
					valence = s.specialIdiomsCheck(valence, i, tr)
				}
			}
		}
	}
	if rep {
		valence = s.repNgramDamp(valence, i, tr)
	}
	valence = s.leastCheck(valence, i, tr)
	return valence
}

// noModifier reports whether none of the three tokens before token i can
// boost or negate it (reputation mode, which has no idiom check in the
// look-back): the look-back in valence then changes nothing, which is so
// for most lexicon words.
func (s *scratch) noModifier(i int) bool {
	for j := max(i-3, 0); j < i; j++ {
		t := &s.toks[j]
		if t.ent.flags&(fBooster|fNegate) != 0 || t.negNT || modifierWords>>(t.ent.word&63)&1 != 0 {
			return false
		}
	}
	return true
}

// modifierWords are the words negationCheck and the "no" rule test for.
const modifierWords = 1<<wNo | 1<<wNever | 1<<wSo | 1<<wThis | 1<<wWithout | 1<<wDoubt

// scalarIncDec is scalar_inc_dec for the modifier token j.
func (s *scratch) scalarIncDec(j int, valence float64, capDiff bool) float64 {
	t := &s.toks[j]
	if t.ent.flags&fBooster == 0 {
		return 0
	}
	scalar := t.ent.boostScalar()
	if valence < 0 {
		scalar *= -1
	}
	if t.upper && capDiff {
		if valence > 0 {
			scalar += cIncr
		} else {
			scalar -= cIncr
		}
	}
	return scalar
}

// negationCheck is _negation_check.
func (s *scratch) negationCheck(valence float64, startI, i int, tr *tracer) float64 {
	switch startI {
	case 0:
		if s.negated(i - 1) {
			tr.rule(i-1, i, "negation", valence, valence*nScalar)
			valence = valence * nScalar
		}
	case 1:
		w2, w1 := s.word(i-2), s.word(i-1)
		if w2 == wNever && (w1 == wSo || w1 == wThis) {
			tr.rule(i-2, i, "never_so", valence, valence*1.25)
			valence = valence * 1.25
		} else if w2 == wWithout && w1 == wDoubt {
			// "without doubt" affirms: no change
		} else if s.negated(i - 2) {
			tr.rule(i-2, i, "negation", valence, valence*nScalar)
			valence = valence * nScalar
		}
	case 2:
		w3, w2, w1 := s.word(i-3), s.word(i-2), s.word(i-1)
		if w3 == wNever && (w2 == wSo || w2 == wThis) || (w1 == wSo || w1 == wThis) {
			tr.rule(i-3, i, "never_so", valence, valence*1.25)
			valence = valence * 1.25
		} else if w3 == wWithout && (w2 == wDoubt || w1 == wDoubt) {
			// no change
		} else if s.negated(i - 3) {
			tr.rule(i-3, i, "negation", valence, valence*nScalar)
			valence = valence * nScalar
		}
	}
	return valence
}

// leastCheck is _least_check.
func (s *scratch) leastCheck(valence float64, i int, tr *tracer) float64 {
	if i > 1 && !s.inLex(i-1) && s.word(i-1) == wLeast {
		if w := s.word(i - 2); w != wAt && w != wVery {
			tr.rule(i-1, i, "least", valence, valence*nScalar)
			valence = valence * nScalar
		}
	} else if i > 0 && !s.inLex(i-1) && s.word(i-1) == wLeast {
		tr.rule(i-1, i, "least", valence, valence*nScalar)
		valence = valence * nScalar
	}
	return valence
}

// joinLower writes the lowercase tokens idx... separated by spaces into
// s.join and returns it; any index may be -1 to mean "no token" (false).
func (s *scratch) joinLower(idx ...int) ([]byte, bool) {
	s.join = s.join[:0]
	for k, j := range idx {
		if j < 0 || j >= len(s.toks) || s.toks[j].ent.flags&fIdiom == 0 {
			return nil, false
		}
		if k > 0 {
			s.join = append(s.join, ' ')
		}
		s.join = append(s.join, s.lowr(j)...)
	}
	return s.join, true
}

func (s *scratch) lookupSpecial(m map[string]float64, idx ...int) (float64, bool) {
	b, ok := s.joinLower(idx...)
	if !ok {
		return 0, false
	}
	v, ok := m[string(b)]
	return v, ok
}

// specialIdiomsCheck is _special_idioms_check. Every n-gram it tests
// consists of idiom words only, so tokens without fIdiom short-circuit.
func (s *scratch) specialIdiomsCheck(valence float64, i int, tr *tracer) float64 {
	sp := s.lex.special
	type seq struct{ a, b, c int }
	seqs := [5]seq{{i - 1, i, -2}, {i - 2, i - 1, i}, {i - 2, i - 1, -2}, {i - 3, i - 2, i - 1}, {i - 3, i - 2, -2}}
	for _, q := range seqs {
		var v float64
		var ok bool
		if q.c == -2 {
			v, ok = s.lookupSpecial(sp, q.a, q.b)
		} else {
			v, ok = s.lookupSpecial(sp, q.a, q.b, q.c)
		}
		if ok {
			tr.rule(q.a, i, "idiom", valence, v)
			valence = v
			break
		}
	}
	n := len(s.toks)
	if n-1 > i {
		if v, ok := s.lookupSpecial(sp, i, i+1); ok {
			tr.rule(i, i+1, "idiom", valence, v)
			valence = v
		}
	}
	if n-1 > i+1 {
		if v, ok := s.lookupSpecial(sp, i, i+1, i+2); ok {
			tr.rule(i, i+2, "idiom", valence, v)
			valence = v
		}
	}
	bn := s.lex.boosterNgrams
	if v, ok := s.lookupSpecial(bn, i-3, i-2, i-1); ok {
		tr.rule(i-3, i, "booster_ngram", valence, valence+v)
		valence = valence + v
	}
	if v, ok := s.lookupSpecial(bn, i-3, i-2); ok {
		tr.rule(i-3, i, "booster_ngram", valence, valence+v)
		valence = valence + v
	}
	if v, ok := s.lookupSpecial(bn, i-2, i-1); ok {
		tr.rule(i-2, i, "booster_ngram", valence, valence+v)
		valence = valence + v
	}
	return valence
}

// butCheck is _but_check, including its quirk: each value is located with
// list.index(), i.e. at the first position holding an equal value, which is
// not necessarily the position being visited.
func (s *scratch) butCheck(tr *tracer) {
	if !s.hasBut {
		return
	}
	bi := -1
	for i := range s.toks {
		if s.toks[i].ent.word == wBut {
			bi = i
			break
		}
	}
	if bi < 0 {
		return
	}
	sent := s.sent
	for p := range sent {
		v := sent[p]
		si := s.firstIndex(p, v)
		if si < bi {
			tr.rule(bi, si, "but_before", sent[si], v*0.5)
			sent[si] = v * 0.5
		} else if si > bi {
			tr.rule(bi, si, "but_after", sent[si], v*1.5)
			sent[si] = v * 1.5
		}
		s.noteChange(p, si, v)
	}
	s.first = nil
}

// firstIndex returns the first index j <= p with sent[j] == v. Positions
// after p are never modified before the loop visits them, so only the
// prefix needs searching; long texts use an index instead of a scan.
func (s *scratch) firstIndex(p int, v float64) int {
	if len(s.sent) <= 512 {
		for j := 0; j < p; j++ {
			if s.sent[j] == v {
				return j
			}
		}
		return p
	}
	if s.first == nil {
		s.first = make(map[uint64][]int32)
	}
	k := floatKey(v)
	// Lists are sorted by index; entries whose value has since changed are
	// dropped lazily from the front (noteChange re-adds an index whenever
	// its value changes).
	list := s.first[k]
	for len(list) > 0 && floatKey(s.sent[list[0]]) != k {
		list = list[1:]
	}
	s.first[k] = list
	if len(list) > 0 && int(list[0]) < p {
		return int(list[0])
	}
	return p
}

// noteChange updates the long-text index after visiting p, where the value
// old found at si was rescaled.
func (s *scratch) noteChange(p, si int, old float64) {
	if s.first == nil {
		return
	}
	if si != p && floatKey(s.sent[si]) != floatKey(old) {
		k := floatKey(s.sent[si])
		l := s.first[k]
		pos := sort.Search(len(l), func(x int) bool { return int(l[x]) >= si })
		if pos == len(l) || int(l[pos]) != si {
			l = append(l, 0)
			copy(l[pos+1:], l[pos:])
			l[pos] = int32(si)
			s.first[k] = l
		}
	}
	// every index in the lists is below p, so appending keeps them sorted
	k := floatKey(s.sent[p])
	s.first[k] = append(s.first[k], int32(p))
}

// floatKey maps equal floats (including 0.0 and -0.0) to one key.
func floatKey(v float64) uint64 {
	if v == 0 {
		return 0
	}
	return math.Float64bits(v)
}

// valenced returns the tokens whose valence may not be 0: the candidates,
// or every token when a post-level rule has given one a valence (dense).
func (s *scratch) valenced() []int32 {
	if !s.dense {
		return s.cand
	}
	s.all = s.all[:0]
	for i := range s.sent {
		s.all = append(s.all, int32(i))
	}
	return s.all
}

// scoreValence is score_valence plus the final rounding of polarity_scores.
func (s *scratch) scoreValence(tr *tracer) Scores {
	sent := s.sent
	if len(sent) == 0 {
		return Scores{}
	}
	// One pass for sum() and the three proportions. sum is Python's sum()
	// as the reference ran it: plain left-to-right addition. (Python 3.12+
	// compensates rounding errors in sum(); the reference figures were
	// produced without that, and the difference shows in the sign of
	// compound when positive and negative valences cancel.)
	var sum, posSum, negSum float64
	neu := 0
	if s.dense {
		for _, v := range sent {
			sum += v
			if v == 0 {
				neu++
			} else if v > 0 {
				posSum += v + 1
			} else if v < 0 {
				negSum += v - 1
			}
		}
	} else {
		// the other tokens are 0: skipping them changes no sum, as
		// adding +0 leaves any sum that did not start at -0 unchanged
		neu = len(sent)
		for _, c := range s.cand {
			v := sent[c]
			sum += v
			if v > 0 {
				posSum += v + 1
				neu--
			} else if v < 0 {
				negSum += v - 1
				neu--
			}
		}
	}
	amp := s.punctuationEmphasis()
	if sum > 0 {
		sum += amp
	} else if sum < 0 {
		sum -= amp
	}
	compound := normalize(sum)
	if posSum > math.Abs(negSum) {
		posSum += amp
	} else if posSum < math.Abs(negSum) {
		negSum -= amp
	}
	total := posSum + math.Abs(negSum) + float64(neu)
	if tr != nil {
		tr.sum, tr.punct = sum, amp
	}
	return Scores{
		Compound: pyRound(compound, 4),
		Positive: pyRound(math.Abs(posSum/total), 3),
		Neutral:  pyRound(math.Abs(float64(neu)/total), 3),
		Negative: pyRound(math.Abs(negSum/total), 3),
	}
}

// punctuationEmphasis is _punctuation_emphasis over the whole text.
func (s *scratch) punctuationEmphasis() float64 { return punctAmp(s.ep, s.qm) }

func punctAmp(ep, qm int) float64 {
	if ep > 4 {
		ep = 4
	}
	amp := float64(ep) * 0.292
	q := 0.0
	if qm > 1 {
		if qm <= 3 {
			q = float64(qm) * 0.18
		} else {
			q = 0.96
		}
	}
	return amp + q
}

// normalize maps a raw sum into (-1, 1) with alpha 15, as the reference.
func normalize(score float64) float64 {
	// the explicit conversion forbids fusing into an FMA, which would change
	// the last bit on some architectures
	norm := score / math.Sqrt(float64(score*score)+15)
	if norm < -1 {
		return -1
	}
	if norm > 1 {
		return 1
	}
	return norm
}
