package sentiment

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	vaderdata "github.com/jonreiter/govader/data"
)

// Constants of the reference implementation (vaderSentiment.py).
const (
	bIncr   = 0.293
	bDecr   = -0.293
	cIncr   = 0.733
	nScalar = -0.74
)

// wordID names the words the rules test for by identity, so that the hot
// path compares small integers instead of strings.
type wordID uint8

const (
	wNone wordID = iota
	wNo
	wKind
	wOf
	wLeast
	wAt
	wVery
	wNever
	wSo
	wThis
	wWithout
	wDoubt
	wOr
	wNor
	wBut
	wFirst // a first-person pronoun (reputation mode)
	wWhy   // reputation mode
	wUsed  // reputation mode: "used to be my favourite"
	wUntil // reputation mode: "was perfect until the update"
	wZero  // reputation mode: "zero", "nothing" or "none" ("We lost zero.")
)

// firstPerson are the words of wFirst.
var firstPerson = []string{"i", "i'm", "i've", "i'd", "me", "my", "we", "we're", "our", "us", "im", "ive"}

var wordIDs = map[string]wordID{
	"no": wNo, "kind": wKind, "of": wOf, "least": wLeast, "at": wAt, "very": wVery,
	"never": wNever, "so": wSo, "this": wThis, "without": wWithout, "doubt": wDoubt,
	"or": wOr, "nor": wNor, "but": wBut,
}

// entry flags.
const (
	fLex     uint32 = 1 << iota // in the sentiment lexicon
	fBooster                    // a single-word booster or dampener
	fNegate                     // in the reference NEGATE list
	fIdiom                      // part of a special-case idiom or a multi-word booster
	fAnchor                     // the anchor word of a multi-word lexicon phrase (reputation mode)
	// reputation mode only:
	fLatent     // an expected service outcome: val counts only when negated
	fComplaint  // a service-failure word or phrase
	fPolite     // politeness that carries no sentiment inside a complaint
	fPraise     // praise that sarcasm turns around ("great, another outage")
	fAmbiguous  // brand name or service noun that is rarely sentiment ("United", "support")
	fDuration   // a unit of waiting time ("hours")
	fNumber     // a number word ("two", "third")
	fResolution // an outcome that resolves a complaint ("replaced", "fixed")
	fNews       // a verb or noun that follows a company name in a headline
	fAdjBooster // a booster that is also an adjective ("incredible")
	fUser       // set by WithLexicon: never muted by reputation heuristics
	fRepeat     // "keeps": a failure that recurs when followed by a verb in -ing
	fAttempt    // "times", "twice": repeated attempts after a contact verb
	fContact    // a verb of trying to reach a company ("called", "emailed")
	fService    // a word of a customer's dealings with a company ("order", "refund")
	fTime       // a named day, month or time of day ("tuesday", "midnight")
	fVerdict    // a one-word verdict that closes a complaint ("Typical.", "Nope.")
	fProtect    // a verb that keeps a threat away ("blocked", "stops")
)

// entry is everything the rules need to know about one lowercase token, so a
// token costs a single map lookup.
type entry struct {
	val   float64 // lexicon valence when flags&fLex != 0
	flags uint32
	// reputation: the word's brand-post (domain) weight in the brand
	// model, which the tokenizer adds up for every token
	dom float32
	// reputation: with fAnchor, 1 + the index in lexicon.anchors of the
	// phrases this word anchors
	anchor uint16
	// reputation: the word's row in the brand model, or 0
	learn uint16
	// boost is the sign of the booster scalar (bIncr or bDecr) when
	// flags&fBooster != 0: every booster has one of the two, and a small
	// entry keeps tokens small
	boost int8
	word  wordID
	// rare is set by the word table for a word without flags whose
	// shape (rareShape) sends it down reputation mode's rare path
	rare bool
}

// boostScalar is the booster scalar of a word with fBooster.
func (e *entry) boostScalar() float64 { return float64(e.boost) * bIncr }

// lexicon is the immutable, fully resolved word table of one mode.
type lexicon struct {
	words map[string]entry // source of table; not used while scoring
	table *wordTable
	// emoji maps single code points to their description: the reference
	// looks emoji up one code point at a time, so longer keys never match.
	emoji map[rune]string
	// emojiSeq holds the multi-code-point emoji (ZWJ sequences, flags,
	// keycaps, skin tones) that reputation mode matches, longest first.
	emojiSeq map[string]string
	// phrases are multi-word lexicon entries (reputation mode), keyed by
	// their words joined by single spaces.
	phrases map[string]float64
	// userPhrases are the keys of phrases that came from WithLexicon
	userPhrases map[string]bool
	// anchors lists, per anchor word, the phrases it anchors: a phrase is
	// found from its longest word, so that the function words phrases
	// start with or pass through ("the bomb", "out of order") need no
	// entry and cost the tokenizer nothing
	anchors [][]phraseRef
	// probes holds, for anchors[a][k], the one word checked before the
	// phrase is: compact, so that the thousands of phrases the corpora's
	// anchor words bring up, of which few occur, cost one small read each
	probes        [][]phraseProbe
	special       map[string]float64
	boosterNgrams map[string]float64
	// brand is reputation mode's learned layer (see brand.go)
	brand *brandModel
}

var (
	// The reference's booster/dampener list, BOOSTER_DICT.
	boosterDict = map[string]float64{
		"absolutely": bIncr, "amazingly": bIncr, "awfully": bIncr,
		"completely": bIncr, "considerable": bIncr, "considerably": bIncr,
		"decidedly": bIncr, "deeply": bIncr, "effing": bIncr, "enormous": bIncr, "enormously": bIncr,
		"entirely": bIncr, "especially": bIncr, "exceptional": bIncr, "exceptionally": bIncr,
		"extreme": bIncr, "extremely": bIncr,
		"fabulously": bIncr, "flipping": bIncr, "flippin": bIncr, "frackin": bIncr, "fracking": bIncr,
		"fricking": bIncr, "frickin": bIncr, "frigging": bIncr, "friggin": bIncr, "fully": bIncr,
		"fuckin": bIncr, "fucking": bIncr, "fuggin": bIncr, "fugging": bIncr,
		"greatly": bIncr, "hella": bIncr, "highly": bIncr, "hugely": bIncr,
		"incredible": bIncr, "incredibly": bIncr, "intensely": bIncr,
		"major": bIncr, "majorly": bIncr, "more": bIncr, "most": bIncr, "particularly": bIncr,
		"purely": bIncr, "quite": bIncr, "really": bIncr, "remarkably": bIncr,
		"so": bIncr, "substantially": bIncr,
		"thoroughly": bIncr, "total": bIncr, "totally": bIncr, "tremendous": bIncr, "tremendously": bIncr,
		"uber": bIncr, "unbelievably": bIncr, "unusually": bIncr, "utter": bIncr, "utterly": bIncr,
		"very":   bIncr,
		"almost": bDecr, "barely": bDecr, "hardly": bDecr, "just enough": bDecr,
		"kind of": bDecr, "kinda": bDecr, "kindof": bDecr, "kind-of": bDecr,
		"less": bDecr, "little": bDecr, "marginal": bDecr, "marginally": bDecr,
		"occasional": bDecr, "occasionally": bDecr, "partly": bDecr,
		"scarce": bDecr, "scarcely": bDecr, "slight": bDecr, "slightly": bDecr, "somewhat": bDecr,
		"sort of": bDecr, "sorta": bDecr, "sortof": bDecr, "sort-of": bDecr,
	}

	// The reference's NEGATE list.
	negateWords = []string{
		"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
		"ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
		"dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
		"don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
		"neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
		"oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
		"oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
		"without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
	}

	// The reference's SPECIAL_CASES idioms.
	specialCases = map[string]float64{
		"the shit": 3, "the bomb": 3, "bad ass": 1.5, "badass": 1.5, "bus stop": 0.0,
		"yeah right": -2, "kiss of death": -1.5, "to die for": 3,
		"beating heart": 3.1, "broken heart": -2.9,
	}

	// The govader copy of vader_lexicon.txt lacks these two lines of the
	// reference file (vaderSentiment 3.3.2, lexicon of 2020-05-22).
	missingFromGovader = map[string]float64{"heart": 3.2, "hearts": 3.3}
)

var (
	rawOnce  sync.Once
	rawLex   map[string]float64
	rawEmoji map[string]string
	rawErr   error

	vaderOnce sync.Once
	vaderLex  *lexicon
	repOnce   sync.Once
	repLex    *lexicon
)

// loadRaw parses the lexicon files embedded in the govader data module once.
func loadRaw() (map[string]float64, map[string]string, error) {
	rawOnce.Do(func() {
		lexText, err := vaderdata.Asset("rawdata/vaderLexicon.txt")
		if err != nil {
			rawErr = fmt.Errorf("sentiment: load vader lexicon: %w", err)
			return
		}
		emojiText, err := vaderdata.Asset("rawdata/emojiUTF8Lexicon.txt")
		if err != nil {
			rawErr = fmt.Errorf("sentiment: load emoji lexicon: %w", err)
			return
		}
		rawLex = make(map[string]float64, 7600)
		// As make_lex_dict: each non-empty line is "word<TAB>measure<TAB>...".
		for _, line := range bytes.Split(bytes.TrimRight(lexText, "\n"), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			f := strings.Split(pyStrip(string(line)), "\t")
			if len(f) < 2 {
				rawErr = fmt.Errorf("sentiment: vader lexicon: malformed line %q", line)
				return
			}
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				rawErr = fmt.Errorf("sentiment: vader lexicon: %w", err)
				return
			}
			rawLex[f[0]] = v
		}
		for k, v := range missingFromGovader {
			if _, ok := rawLex[k]; !ok {
				rawLex[k] = v
			}
		}
		rawEmoji = make(map[string]string, 3600)
		for _, line := range bytes.Split(bytes.TrimRight(emojiText, "\n"), []byte("\n")) {
			f := strings.Split(pyStrip(string(line)), "\t")
			if len(f) < 2 {
				rawErr = fmt.Errorf("sentiment: emoji lexicon: malformed line %q", line)
				return
			}
			rawEmoji[f[0]] = f[1]
		}
	})
	return rawLex, rawEmoji, rawErr
}

// pyStrip is Python's str.strip() without arguments.
func pyStrip(s string) string {
	start, end := 0, len(s)
	for start < end {
		r, n := utf8.DecodeRuneInString(s[start:])
		if !isPySpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !isPySpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}

// baseLexicon returns the shared, immutable lexicon of mode m.
func baseLexicon(m Mode) (*lexicon, error) {
	lex, emoji, err := loadRaw()
	if err != nil {
		return nil, err
	}
	if m == ModeVADER {
		vaderOnce.Do(func() { vaderLex = buildLexicon(lex, emoji, false) })
		return vaderLex, nil
	}
	repOnce.Do(func() { repLex = buildLexicon(mergeReputation(lex), emoji, true) })
	return repLex, nil
}

// buildLexicon resolves word lists into one entry per word. In reference
// mode the keys are kept verbatim: the reference looks up lowercased tokens,
// so its few mixed-case keys (":D", "XD") are unreachable there too.
func buildLexicon(words map[string]float64, emoji map[string]string, rep bool) *lexicon {
	l := &lexicon{
		words:         make(map[string]entry, len(words)+len(boosterDict)+len(negateWords)+32),
		emoji:         make(map[rune]string, 1300),
		special:       specialCases,
		boosterNgrams: map[string]float64{},
	}
	if rep {
		l.emojiSeq = map[string]string{}
		l.phrases = map[string]float64{}
		// idioms are matched as phrases at any position instead
		l.special = map[string]float64{}
	}
	for k, v := range words {
		if rep {
			if strings.Contains(k, " ") {
				l.addPhrase(k, v)
				continue
			}
			// Reputation mode fixes the unreachable mixed-case keys by
			// folding them, unless that would shadow a lowercase entry.
			lk := strings.ToLower(k)
			if _, dup := words[lk]; dup && lk != k {
				continue
			}
			k = lk
		}
		e := l.words[k]
		e.val, e.flags = v, e.flags|fLex
		l.words[k] = e
	}
	for k, v := range boosterDict {
		if strings.Contains(k, " ") {
			l.boosterNgrams[k] = v
			continue
		}
		e := l.words[k]
		e.boost, e.flags = int8(math.Copysign(1, v)), e.flags|fBooster
		l.words[k] = e
	}
	for _, k := range negateWords {
		e := l.words[k]
		e.flags |= fNegate
		l.words[k] = e
	}
	for k, id := range wordIDs {
		e := l.words[k]
		e.word = id
		l.words[k] = e
	}
	if rep {
		for _, k := range firstPerson {
			e := l.words[k]
			e.word = wFirst
			l.words[k] = e
		}
		e := l.words["why"]
		e.word = wWhy
		l.words["why"] = e
		e = l.words["used"]
		e.word = wUsed
		l.words["used"] = e
		e = l.words["until"]
		e.word = wUntil
		l.words["until"] = e
		for _, k := range []string{"zero", "nothing", "none"} {
			e := l.words[k]
			e.word = wZero
			l.words[k] = e
		}
	}
	for _, m := range []map[string]float64{l.special, l.boosterNgrams} {
		for k := range m {
			for _, w := range strings.Fields(k) {
				e := l.words[w]
				e.flags |= fIdiom
				l.words[w] = e
			}
		}
	}
	for k, v := range emoji {
		r, n := utf8.DecodeRuneInString(k)
		if n == len(k) && r != utf8.RuneError {
			l.emoji[r] = v
		} else if rep {
			l.emojiSeq[k] = v
		}
	}
	if rep {
		applyReputation(l, emoji)
	}
	if rep {
		l.setBrand(builtinBrandModel()) // before indexPhrases, which reads the rows
	}
	if err := l.indexPhrases(); err != nil {
		panic(err) // the built-in lexicon has a few hundred phrases
	}
	l.table = newWordTable(l.words)
	return l
}

// phraseRef is one multi-word lexicon phrase as its anchor word sees it.
// Most tokens that hold an anchor word are not in any of its phrases, so
// the first fields settle most matches from one cache line: the length
// and first 8 bytes (key0) of each of the first phraseKeys words, compared
// with the tokens' without following a pointer to the words.
type phraseRef struct {
	k0    [phraseKeys]uint64
	klen  [phraseKeys]uint8 // 0 past the phrase's end
	exact bool              // k0 and klen settle a match (no word over 8 bytes or past phraseKeys)
	off   int               // the anchor's position in words
	words []string
	key   string
	val   float64
	user  bool // from WithLexicon
	// leaves is set for a phrase of leavingPhrases, also when WithLexicon
	// gives it another valence
	leaves bool
}

// phraseKeys is how many of a phrase's words phraseRef keeps keys of: all
// of the built-in phrases' but one.
const phraseKeys = 5

func newPhraseRef(words []string, off int) phraseRef {
	p := phraseRef{words: words, off: off, exact: len(words) <= phraseKeys}
	for i, w := range words[:min(len(words), phraseKeys)] {
		p.k0[i], p.klen[i] = key0(w), uint8(min(len(w), 255))
		p.exact = p.exact && len(w) <= 8
	}
	return p
}

// addPhrase registers a multi-word lexicon entry (reputation mode).
// It returns the phrase's key.
func (l *lexicon) addPhrase(k string, v float64) string {
	k = strings.Join(strings.Fields(k), " ")
	l.phrases[k] = v
	return k
}

// indexPhrases flags each phrase's anchor, its rarest word (then the
// longest, then the last), and lists the phrase under it: every token
// that holds an anchor word costs a look at its phrases, so "on hold" is
// found from "hold", not from "on".
func (l *lexicon) indexPhrases() error {
	for k, e := range l.words {
		if e.flags&fAnchor != 0 { // a copy of an indexed lexicon
			e.flags &^= fAnchor
			e.anchor = 0
			l.words[k] = e
		}
	}
	keys := make([]string, 0, len(l.phrases))
	for k := range l.phrases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	l.anchors, l.probes = nil, nil
	for _, k := range keys {
		words := strings.Fields(k)
		off := 0
		for i, w := range words {
			if r, ro := l.rarity(w), l.rarity(words[off]); r > ro || r == ro && len(w) >= len(words[off]) {
				off = i
			}
		}
		e := l.words[words[off]]
		if e.flags&fAnchor == 0 {
			if len(l.anchors) == 1<<16-1 {
				return fmt.Errorf("sentiment: lexicon phrases: more than %d distinct anchor words", 1<<16-1)
			}
			l.anchors = append(l.anchors, nil)
			l.probes = append(l.probes, nil)
			e.flags |= fAnchor
			e.anchor = uint16(len(l.anchors))
			l.words[words[off]] = e
		}
		refs := &l.anchors[e.anchor-1]
		p := newPhraseRef(words, off)
		p.key, p.val, p.user = k, l.phrases[k], l.userPhrases[k]
		_, p.leaves = leavingPhrases[k]
		*refs = append(*refs, p)
		l.probes[e.anchor-1] = append(l.probes[e.anchor-1], l.newPhraseProbe(words, off))
	}
	return nil
}

// phraseProbe is the first check of a phrase found from its anchor: the
// phrase's length and the anchor's place in it, and the first 8 bytes and
// length of its rarest other word, which is the word most texts that hold
// the anchor lack.
type phraseProbe struct {
	k0     uint64
	off, n int32 // the anchor's index, the phrase's word count
	at     int32 // the probed word's index
	klen   uint8 // the probed word's length, capped at 255
}

func (l *lexicon) newPhraseProbe(words []string, off int) phraseProbe {
	at := -1
	for i, w := range words {
		if i == off {
			continue
		}
		if at < 0 {
			at = i
			continue
		}
		if r, ra := l.rarity(w), l.rarity(words[at]); r > ra || r == ra && len(w) > len(words[at]) {
			at = i
		}
	}
	if at < 0 { // a phrase of one word cannot be; probe the anchor
		at = off
	}
	return phraseProbe{
		k0: key0(words[at]), klen: uint8(min(len(words[at]), 255)),
		off: int32(off), n: int32(len(words)), at: int32(at),
	}
}

// rarity ranks how seldom w occurs in posts, from the brand model's rows,
// which run from the most frequent word: a word with no row is rarer than
// any word with one. Without a brand model all words rank alike.
func (l *lexicon) rarity(w string) int {
	if r := l.words[w].learn; r != 0 {
		return int(r)
	}
	return math.MaxInt
}

// withOverrides returns a copy of l with user entries applied.
func (l *lexicon) withOverrides(user map[string]float64, rep bool) (*lexicon, error) {
	c := *l
	c.words = make(map[string]entry, len(l.words)+len(user))
	for k, e := range l.words {
		c.words[k] = e
	}
	if rep {
		c.phrases = make(map[string]float64, len(l.phrases)+len(user))
		for k, v := range l.phrases {
			c.phrases[k] = v
		}
	}
	if rep {
		// the text's curly quotes are straightened: so are the keys'
		straight := make(map[string]float64, len(user))
		from := make(map[string]string, len(user))
		for _, k := range slices.Sorted(maps.Keys(user)) {
			sk := straightenKey(k)
			if other, dup := from[sk]; dup && user[other] != user[k] {
				return nil, fmt.Errorf("sentiment: lexicon entries %q and %q are the same key %q with different valences", other, k, sk)
			}
			straight[sk], from[sk] = user[k], k
		}
		user = straight
	}
	for k, v := range user {
		if rep && strings.Contains(k, " ") {
			if c.userPhrases == nil {
				c.userPhrases = maps.Clone(l.userPhrases)
				if c.userPhrases == nil {
					c.userPhrases = map[string]bool{}
				}
			}
			c.userPhrases[c.addPhrase(k, v)] = true
			continue
		}
		e := c.words[k]
		e.val, e.flags = v, e.flags|fLex|fUser
		e.flags &^= fLatent | fAmbiguous
		c.words[k] = e
	}
	if rep {
		if err := c.indexPhrases(); err != nil {
			return nil, err
		}
	}
	c.table = newWordTable(c.words)
	return &c, nil
}
