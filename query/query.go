// Package query parses and evaluates repmon's brand query language and
// translates it into the server-side search syntax of each source.
//
// A brand query is a small boolean language:
//
//	northwind OR "north wind" OR @northwind OR #northwind -"northwind traders"
//
// A term (northwind) matches a whole word, case- and accent-insensitively,
// anywhere in the text, including the name part of a @handle or #hashtag; a
// term with inner punctuation (north-wind, o'reilly) is a phrase of its words.
// A "quoted phrase" matches consecutive words with only spaces or punctuation
// between them, so "north wind" matches "North-Wind" and "north\nwind".
// @handle matches only a mention of that account and #hashtag only that
// hashtag. Juxtaposition (or AND) is AND; OR, uppercase, separates
// alternatives; NOT x and -x exclude x; parentheses group.
//
// Precedence is NOT > AND > OR, with one rule that makes queries read the way
// people write them: an exclusion applies to the whole group it appears in
// (the whole query, or the enclosing parentheses), not only to its
// neighbouring alternative. So the example above means
//
//	(northwind OR "north wind" OR @northwind OR #northwind) AND NOT "northwind traders"
//
// and a OR (b -c) excludes c from b only. X's own search reads "a OR b -c" as
// "a OR (b -c)"; XV2 adds the parentheses that keep repmon's meaning.
//
// Parse rejects queries that would match a post containing none of their
// terms (such as "-spam" or "a OR -b"): a brand query must name something.
// Translations to source syntax are never narrower than the query; callers
// re-check every fetched post with Match. docs/query.md has the full rules.
package query

import (
	"fmt"
	"strings"
	"sync"
)

// SyntaxError reports an invalid query and where the problem is.
type SyntaxError struct {
	Pos int    // byte offset into the query, 0-based
	Msg string // lowercase description, without the position
}

// Error returns the message prefixed with the position, e.g. "position 3: unterminated quoted phrase".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("position %d: %s", e.Pos, e.Msg)
}

// Query is a compiled brand query. It is immutable after Parse and safe for
// concurrent use by multiple goroutines.
type Query struct {
	root   *node
	leaves []leaf
	// Lookup tables from the first normalised word (or handle/hashtag name)
	// to the leaves that start with it, so Match scans the text once.
	first    map[string][]int
	handles  map[string][]int
	hashtags map[string][]int
	pool     sync.Pool // *matchState, reused to keep Match allocation-free
}

type leafKind uint8

const (
	leafWords   leafKind = iota // one word, or a phrase of consecutive words
	leafHandle                  // @name
	leafHashtag                 // #name
)

// leaf is one matchable unit of a query.
type leaf struct {
	kind    leafKind
	words   []string // normalised words (leafWords) or the single normalised name
	display string   // lowercased text as written, for String and translations
}

type nodeKind uint8

const (
	nodeLeaf nodeKind = iota
	nodeAnd
	nodeOr
	nodeNot
)

type node struct {
	kind nodeKind
	leaf int // index into Query.leaves for nodeLeaf
	kids []*node
}

// maxDepth bounds parenthesis nesting so hostile input cannot exhaust the stack.
const maxDepth = 100

// Parse compiles a brand query. Errors are *SyntaxError.
func Parse(s string) (*Query, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{src: s, toks: toks, q: &Query{}, ids: map[string]int{}}
	root, err := p.group(0, -1)
	if err != nil {
		return nil, err
	}
	q := p.q
	q.root = simplify(root)
	if pos, bad := p.matchesNothing(q.root); bad {
		return nil, &SyntaxError{Pos: pos, Msg: "query needs a term that is not excluded in every alternative"}
	}
	q.index()
	return q, nil
}

// MustParse is like Parse but panics on error; for tests and constant queries.
func MustParse(s string) *Query {
	q, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return q
}

type tokKind uint8

const (
	tokTerm tokKind = iota
	tokPhrase
	tokHandle
	tokHashtag
	tokOr
	tokAnd
	tokNot   // NOT keyword or a leading '-'
	tokOpen  // (
	tokClose // )
)

type token struct {
	kind tokKind
	pos  int
	text string // raw text (phrase without quotes, handle/hashtag without sigil)
}

func isQuerySpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' || r == 0x85 || r == 0xA0 || (r > 0xFF && isSpace(r))
}

func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		r, size := decodeRune(s, i)
		switch {
		case isQuerySpace(r):
			i += size
		case r == '(':
			toks = append(toks, token{kind: tokOpen, pos: i})
			i++
		case r == ')':
			toks = append(toks, token{kind: tokClose, pos: i})
			i++
		case r == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, &SyntaxError{Pos: i, Msg: "unterminated quoted phrase"}
			}
			toks = append(toks, token{kind: tokPhrase, pos: i, text: s[i+1 : i+1+end]})
			i += end + 2
		case r == '-':
			// A dash negates only when glued to what follows; "a - b" is a typo
			// we would rather report than guess.
			if i+1 >= len(s) {
				return nil, &SyntaxError{Pos: i, Msg: "- needs a term, phrase or group right after it"}
			}
			if n, _ := decodeRune(s, i+1); isQuerySpace(n) || n == ')' || n == '-' {
				return nil, &SyntaxError{Pos: i, Msg: "- needs a term, phrase or group right after it"}
			}
			toks = append(toks, token{kind: tokNot, pos: i})
			i++
		default:
			start := i
			for i < len(s) {
				r, size := decodeRune(s, i)
				if isQuerySpace(r) || r == '(' || r == ')' || r == '"' {
					break
				}
				i += size
			}
			word := s[start:i]
			t := token{kind: tokTerm, pos: start, text: word}
			switch {
			case word == "OR":
				t.kind = tokOr
			case word == "AND":
				t.kind = tokAnd
			case word == "NOT":
				t.kind = tokNot
			case word[0] == '@':
				t.kind, t.text = tokHandle, word[1:]
			case word[0] == '#':
				t.kind, t.text = tokHashtag, word[1:]
			}
			toks = append(toks, t)
		}
	}
	return toks, nil
}

type altAt struct {
	n   *node
	pos int
}

type parser struct {
	src  string
	toks []token
	i    int
	q    *Query
	ids  map[string]int // dedupes identical leaves
	// alts remembers the top-level alternatives and where they start, so an
	// error can point at the one that matches posts without any term.
	alts []altAt
}

func (p *parser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{}, false
}

// group parses alternatives up to a closing parenthesis (open >= 0) or the end.
// Exclusions found anywhere in the group are hoisted to apply to the whole group.
func (p *parser) group(depth, open int) (*node, error) {
	if depth > maxDepth {
		return nil, &SyntaxError{Pos: open, Msg: "parentheses nested too deeply"}
	}
	var (
		alts      []*node
		altStarts []int
		cur       []*node // positive units of the current alternative
		excl      []*node
		units     int // units (positive or excluded) since the last OR
		curStart  = -1
		lastOr    = -1
		lastAnd   = -1
	)
	endAlt := func() {
		alts = append(alts, &node{kind: nodeAnd, kids: cur})
		altStarts = append(altStarts, curStart)
		cur, units, curStart = nil, 0, -1
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokClose {
			if !ok && open >= 0 {
				return nil, &SyntaxError{Pos: open, Msg: "unbalanced parenthesis"}
			}
			if ok && open < 0 {
				return nil, &SyntaxError{Pos: t.pos, Msg: "unbalanced parenthesis"}
			}
			if ok {
				p.i++
			}
			break
		}
		switch t.kind {
		case tokOr:
			if units == 0 {
				return nil, &SyntaxError{Pos: t.pos, Msg: "OR needs a term on both sides"}
			}
			if len(cur) == 0 {
				return nil, &SyntaxError{Pos: curStart, Msg: "alternative has only exclusions (an exclusion applies to its whole group; write it once, after the alternatives)"}
			}
			if lastAnd >= 0 {
				return nil, &SyntaxError{Pos: lastAnd, Msg: "AND needs a term on both sides"}
			}
			endAlt()
			lastOr = t.pos
			p.i++
			continue
		case tokAnd:
			if units == 0 || lastAnd >= 0 {
				return nil, &SyntaxError{Pos: t.pos, Msg: "AND needs a term on both sides"}
			}
			lastAnd = t.pos
			p.i++
			continue
		}
		n, neg, err := p.unit(depth)
		if err != nil {
			return nil, err
		}
		if curStart < 0 {
			curStart = t.pos
		}
		lastOr, lastAnd = -1, -1
		units++
		if neg {
			excl = append(excl, n)
		} else {
			cur = append(cur, n)
		}
	}
	if lastOr >= 0 {
		return nil, &SyntaxError{Pos: lastOr, Msg: "OR needs a term on both sides"}
	}
	if lastAnd >= 0 {
		return nil, &SyntaxError{Pos: lastAnd, Msg: "AND needs a term on both sides"}
	}
	if units == 0 {
		if open >= 0 {
			return nil, &SyntaxError{Pos: open, Msg: "empty parentheses"}
		}
		return nil, &SyntaxError{Pos: 0, Msg: "empty query"}
	}
	if len(cur) == 0 && len(alts) > 0 {
		return nil, &SyntaxError{Pos: curStart, Msg: "alternative has only exclusions (an exclusion applies to its whole group; write it once, after the alternatives)"}
	}
	endAlt()
	var body *node
	if len(alts) == 1 {
		body = alts[0]
	} else {
		body = &node{kind: nodeOr, kids: alts}
	}
	if depth == 0 {
		for i, a := range alts {
			p.alts = append(p.alts, altAt{a, altStarts[i]})
		}
	}
	if len(excl) == 0 {
		return body, nil
	}
	kids := make([]*node, 0, 1+len(excl))
	if len(body.kids) > 0 || body.kind == nodeOr {
		kids = append(kids, body)
	}
	for _, e := range excl {
		kids = append(kids, &node{kind: nodeNot, kids: []*node{e}})
	}
	return &node{kind: nodeAnd, kids: kids}, nil
}

// unit parses [NOT|-] primary.
func (p *parser) unit(depth int) (n *node, neg bool, err error) {
	t := p.toks[p.i]
	if t.kind == tokNot {
		p.i++
		nt, ok := p.peek()
		if !ok || nt.kind == tokOr || nt.kind == tokAnd || nt.kind == tokNot || nt.kind == tokClose {
			msg := "NOT needs a term, phrase or group after it"
			if p.src[t.pos] == '-' {
				msg = "- needs a term, phrase or group right after it"
			}
			return nil, false, &SyntaxError{Pos: t.pos, Msg: msg}
		}
		n, err := p.primary(depth)
		return n, true, err
	}
	n, err = p.primary(depth)
	return n, false, err
}

func (p *parser) primary(depth int) (*node, error) {
	t := p.toks[p.i]
	p.i++
	switch t.kind {
	case tokOpen:
		return p.group(depth+1, t.pos)
	case tokClose:
		return nil, &SyntaxError{Pos: t.pos, Msg: "unbalanced parenthesis"}
	case tokHandle, tokHashtag:
		kind, sigil := leafHandle, "@"
		if t.kind == tokHashtag {
			kind, sigil = leafHashtag, "#"
		}
		name, ok := normaliseName(t.text)
		if !ok {
			return nil, &SyntaxError{Pos: t.pos, Msg: "invalid " + sigil + " name (letters, digits and _ only)"}
		}
		return p.leaf(leaf{kind: kind, words: []string{name}, display: strings.ToLower(t.text)}), nil
	case tokTerm, tokPhrase:
		words, display := normaliseTerm(t.text)
		if len(words) == 0 {
			msg := "term has no letters or digits"
			if t.kind == tokPhrase {
				msg = "empty quoted phrase"
			}
			return nil, &SyntaxError{Pos: t.pos, Msg: msg}
		}
		return p.leaf(leaf{kind: leafWords, words: words, display: display}), nil
	}
	// unit and group consume every other token kind before calling primary.
	return nil, &SyntaxError{Pos: t.pos, Msg: "unexpected operator"}
}

func (p *parser) leaf(l leaf) *node {
	key := string(rune('0'+l.kind)) + strings.Join(l.words, "\x00")
	id, ok := p.ids[key]
	if !ok {
		id = len(p.q.leaves)
		p.q.leaves = append(p.q.leaves, l)
		p.ids[key] = id
	}
	return &node{kind: nodeLeaf, leaf: id}
}

// simplify flattens nested AND/OR, removes single-child wrappers and double
// negation, and drops duplicate children, so equivalent spellings share one
// canonical tree (and one String).
func simplify(n *node) *node {
	switch n.kind {
	case nodeLeaf:
		return n
	case nodeNot:
		c := simplify(n.kids[0])
		if c.kind == nodeNot {
			return c.kids[0]
		}
		return &node{kind: nodeNot, kids: []*node{c}}
	}
	var kids []*node
	seen := map[string]bool{}
	for _, k := range n.kids {
		k = simplify(k)
		var add []*node
		if k.kind == n.kind {
			add = k.kids
		} else {
			add = []*node{k}
		}
		for _, a := range add {
			key := fingerprint(a)
			if !seen[key] {
				seen[key] = true
				kids = append(kids, a)
			}
		}
	}
	if n.kind == nodeAnd {
		// Keep positives first and exclusions last, the order String prints.
		var pos, neg []*node
		for _, k := range kids {
			if k.kind == nodeNot {
				neg = append(neg, k)
			} else {
				pos = append(pos, k)
			}
		}
		kids = append(pos, neg...)
	}
	if len(kids) == 1 {
		return kids[0]
	}
	return &node{kind: n.kind, kids: kids}
}

func fingerprint(n *node) string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		switch n.kind {
		case nodeLeaf:
			fmt.Fprintf(&b, "L%d", n.leaf)
			return
		case nodeNot:
			b.WriteString("N(")
		case nodeAnd:
			b.WriteString("A(")
		case nodeOr:
			b.WriteString("O(")
		}
		for _, k := range n.kids {
			walk(k)
			b.WriteByte(',')
		}
		b.WriteByte(')')
	}
	walk(n)
	return b.String()
}

// matchesNothing reports whether the query would match a post that contains
// none of its terms, and where the offending alternative starts.
func (p *parser) matchesNothing(root *node) (int, bool) {
	if !evalEmpty(root) {
		return 0, false
	}
	for _, a := range p.alts {
		if evalEmpty(simplify(a.n)) && a.pos >= 0 {
			return a.pos, true
		}
	}
	return 0, true
}

func evalEmpty(n *node) bool {
	switch n.kind {
	case nodeLeaf:
		return false
	case nodeNot:
		return !evalEmpty(n.kids[0])
	case nodeAnd:
		for _, k := range n.kids {
			if !evalEmpty(k) {
				return false
			}
		}
		return true
	default:
		for _, k := range n.kids {
			if evalEmpty(k) {
				return true
			}
		}
		return false
	}
}

// String returns the canonical form of the query: lowercase, single spaces,
// exclusions after the alternatives they apply to, and only the parentheses
// that change meaning. Parse(q.String()) yields an equivalent query.
func (q *Query) String() string {
	var b strings.Builder
	q.write(&b, q.root, true)
	return b.String()
}

// write prints n; top reports whether n is a whole group (the query or the
// inside of parentheses), where a trailing exclusion applies to everything.
func (q *Query) write(b *strings.Builder, n *node, top bool) {
	switch n.kind {
	case nodeLeaf:
		b.WriteString(q.leafString(n.leaf))
	case nodeNot:
		b.WriteByte('-')
		q.writeParen(b, n.kids[0], n.kids[0].kind != nodeLeaf)
	case nodeOr:
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(" OR ")
			}
			// An alternative holding an exclusion must keep it local.
			q.writeParen(b, k, k.kind == nodeAnd && hasNotKid(k) || k.kind == nodeNot)
		}
	case nodeAnd:
		pos := 0
		for _, k := range n.kids {
			if k.kind != nodeNot {
				pos++
			}
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteByte(' ')
			}
			// "a OR b -c" already means (a OR b) -c when it is a whole group.
			bare := k.kind == nodeOr && top && pos == 1
			q.writeParen(b, k, k.kind == nodeOr && !bare)
		}
	}
}

func (q *Query) writeParen(b *strings.Builder, n *node, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	q.write(b, n, paren)
	if paren {
		b.WriteByte(')')
	}
}

func hasNotKid(n *node) bool {
	for _, k := range n.kids {
		if k.kind == nodeNot {
			return true
		}
	}
	return false
}

func (q *Query) leafString(id int) string {
	l := q.leaves[id]
	switch l.kind {
	case leafHandle:
		return "@" + l.display
	case leafHashtag:
		return "#" + l.display
	}
	d := l.display
	if d == "" || strings.ContainsAny(d, " \t\n\r()\"") || d[0] == '-' || d[0] == '@' || d[0] == '#' || hasQuerySpace(d) {
		return `"` + d + `"`
	}
	return d
}

func hasQuerySpace(s string) bool {
	for _, r := range s {
		if isQuerySpace(r) {
			return true
		}
	}
	return false
}
