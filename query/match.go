package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text normalisation, shared by queries and posts so both sides always agree:
//   - words are maximal runs of letters, digits and combining marks of any
//     script; everything else (spaces, punctuation, emoji, apostrophes straight
//     or curly, invalid UTF-8) separates words;
//   - Han and Hiragana characters are one word each, because Chinese and
//     Japanese are written without spaces: a multi-character query word then
//     becomes a phrase of characters and matches inside running text;
//   - case is folded (unicode.ToLower, ß→ss, final ς→σ, fullwidth ASCII→ASCII)
//     and Latin diacritics are removed (é→e, ü→u, ș→s, ễ→e), precomposed or
//     combining, because people often type brand names without accents.

// decodeRune decodes the rune at s[i]; invalid bytes decode as utf8.RuneError
// with size 1 and are treated as separators.
func decodeRune(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// asciiWord marks ASCII letters and digits, the common case, without table lookups.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	return t
}()

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	// Variation selectors are marks, but they follow emoji (❤️ is U+2764
	// U+FE0F) and must not glue an emoji to the next word.
	if r == utf8.RuneError || (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// isSolo reports runes that form a word on their own (see above).
func isSolo(r rune) bool {
	return r >= 0x3040 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r))
}

//go:generate go test -run TestLatinBaseTable -update

// latinBase returns the base letter of a lowercase Latin letter that has a
// canonical decomposition (é→e, ș→s, ǎ→a, ở→o), or r. Letters such as ø, æ,
// ł and đ have none and stay distinct, as in Unicode normalisation. The
// tables are generated from x/text's normalisation data so that the binary
// does not carry all of it for a few hundred letters.
func latinBase(r rune) rune {
	var b rune
	if i := uint32(r - 0x00C0); i < uint32(len(latinBase00)) {
		b = latinBase00[i]
	} else if i := uint32(r - 0x1E00); i < uint32(len(latinBase1E)) {
		b = latinBase1E[i]
	}
	if b == 0 {
		return r
	}
	return b
}

// AppendFold appends the folded form of text to dst: its case folded and
// its Latin diacritics removed, as Match compares words ("Café" and "CAFE"
// both give "cafe"). Bytes that are not UTF-8 are kept.
func AppendFold(dst []byte, text []byte) []byte {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, text[i])
		} else {
			dst = appendFold(dst, r)
		}
		i += n
	}
	return dst
}

// appendFold appends the normalised form of r (possibly nothing) to b.
func appendFold(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	}
	switch {
	case r >= 0xFF10 && r <= 0xFF19, r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A:
		return appendFold(b, r-0xFEE0)
	case r >= 0x0300 && r <= 0x036F:
		// Combining diacritics in decomposed input. This block holds every
		// mark a Latin canonical decomposition uses (TestFoldLatinDecomposed).
		return b
	}
	r = unicode.ToLower(r)
	switch r {
	case 'ß':
		return append(b, "ss"...)
	case 'ς':
		r = 'σ'
	}
	return utf8.AppendRune(b, latinBase(r))
}

type span struct{ s, e int32 }

// matchState is the per-call scratch space of Match, pooled so that matching
// allocates nothing in the steady state.
type matchState struct {
	buf      []byte // normalised words, handle and hashtag names, back to back
	words    []span
	handles  []span
	hashtags []span
	hits     []bool // per leaf
}

// tokenize fills st from text in a single pass.
func (st *matchState) tokenize(text string) {
	st.buf, st.words, st.handles, st.hashtags = st.buf[:0], st.words[:0], st.handles[:0], st.hashtags[:0]
	start := -1 // start of the current word in buf
	prevWord := false
	flush := func() {
		if start >= 0 && len(st.buf) > start {
			st.words = append(st.words, span{int32(start), int32(len(st.buf))})
		}
		start = -1
	}
	for i := 0; i < len(text); {
		r, size := decodeRune(text, i)
		switch {
		case isSolo(r):
			flush()
			b := len(st.buf)
			st.buf = appendFold(st.buf, r)
			st.words = append(st.words, span{int32(b), int32(len(st.buf))})
			prevWord = true
		case isWordRune(r):
			if start < 0 {
				start = len(st.buf)
			}
			st.buf = appendFold(st.buf, r)
			prevWord = true
		default:
			flush()
			// A sigil right after a word character is part of an e-mail
			// address or similar, not a mention or hashtag.
			if (r == '@' || r == '#') && !prevWord {
				b := len(st.buf)
				st.buf = appendName(st.buf, text[i+1:])
				if len(st.buf) > b {
					sp := span{int32(b), int32(len(st.buf))}
					if r == '@' {
						st.handles = append(st.handles, sp)
					} else {
						st.hashtags = append(st.hashtags, sp)
					}
				}
			}
			prevWord = r == '_'
		}
		i += size
	}
	flush()
}

// appendName appends the normalised handle or hashtag name at the start of s:
// letters, digits, marks and '_' (wider than X's ASCII-only handles, so that
// fediverse accounts and non-Latin hashtags work). A name of only '_' is none.
func appendName(b []byte, s string) []byte {
	start := len(b)
	word := false
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		if r == '_' {
			b = append(b, '_')
		} else if isWordRune(r) {
			b = appendFold(b, r)
			word = true
		} else {
			break
		}
		i += size
	}
	if !word {
		return b[:start]
	}
	return b
}

// normaliseName validates and normalises a query's @handle or #hashtag name.
func normaliseName(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		if r != '_' && !isWordRune(r) {
			return "", false
		}
		i += size
	}
	b := appendName(nil, s)
	if len(b) == 0 {
		return "", false
	}
	return string(b), true
}

// normaliseTerm splits a term or phrase into normalised words and returns the
// lowercased text as written (trimmed, spaces collapsed, curly apostrophes
// straightened) for display.
func normaliseTerm(s string) (words []string, display string) {
	var st matchState
	st.tokenize(s)
	for _, w := range st.words {
		words = append(words, string(st.buf[w.s:w.e]))
	}
	if len(words) == 0 {
		return nil, ""
	}
	// Trim leading and trailing separators so `northwind!` prints as northwind.
	first, last := -1, 0
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		if isWordRune(r) {
			if first < 0 {
				first = i
			}
			last = i + size
		}
		i += size
	}
	d := strings.ToLower(s[first:last])
	d = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u02bc", "'").Replace(d)
	d = strings.Join(strings.FieldsFunc(d, isQuerySpace), " ")
	return words, d
}

// Match reports whether text matches the query. It tokenises text once and
// never panics, whatever the bytes.
func (q *Query) Match(text string) bool {
	st, _ := q.pool.Get().(*matchState)
	if st == nil {
		st = &matchState{}
	}
	st.tokenize(text)
	if cap(st.hits) < len(q.leaves) {
		st.hits = make([]bool, len(q.leaves))
	}
	st.hits = st.hits[:len(q.leaves)]
	clear(st.hits)

	buf := st.buf
	for i, w := range st.words {
		for _, id := range q.first[string(buf[w.s:w.e])] {
			if st.hits[id] {
				continue
			}
			words := q.leaves[id].words
			if i+len(words) > len(st.words) {
				continue
			}
			ok := true
			for j := 1; j < len(words); j++ {
				nw := st.words[i+j]
				if string(buf[nw.s:nw.e]) != words[j] {
					ok = false
					break
				}
			}
			st.hits[id] = ok
		}
	}
	for _, h := range st.handles {
		for _, id := range q.handles[string(buf[h.s:h.e])] {
			st.hits[id] = true
		}
	}
	for _, h := range st.hashtags {
		for _, id := range q.hashtags[string(buf[h.s:h.e])] {
			st.hits[id] = true
		}
	}
	ok := eval(q.root, st.hits)
	// Don't pin very large buffers from one huge post in the pool.
	if cap(st.buf) <= 1<<16 {
		q.pool.Put(st)
	}
	return ok
}

func eval(n *node, hits []bool) bool {
	switch n.kind {
	case nodeLeaf:
		return hits[n.leaf]
	case nodeNot:
		return !eval(n.kids[0], hits)
	case nodeAnd:
		for _, k := range n.kids {
			if !eval(k, hits) {
				return false
			}
		}
		return true
	default:
		for _, k := range n.kids {
			if eval(k, hits) {
				return true
			}
		}
		return false
	}
}

// index builds the lookup tables Match uses.
func (q *Query) index() {
	q.first, q.handles, q.hashtags = map[string][]int{}, map[string][]int{}, map[string][]int{}
	for id, l := range q.leaves {
		switch l.kind {
		case leafWords:
			q.first[l.words[0]] = append(q.first[l.words[0]], id)
		case leafHandle:
			q.handles[l.words[0]] = append(q.handles[l.words[0]], id)
		case leafHashtag:
			q.hashtags[l.words[0]] = append(q.hashtags[l.words[0]], id)
		}
	}
}
