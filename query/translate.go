package query

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Translations into each source's server-side search syntax. Every
// translation matches a superset of what Match accepts (it may drop an
// exclusion or a conjunct a source cannot express, never add one), so a
// collector searches with the translation and keeps only posts for which
// Match is true.

// XV2MaxLen is the query length limit, in characters, of X API v2 recent
// search on self-serve (basic) access.
const XV2MaxLen = 512

// maxClauses bounds the expansion of AND-over-OR into one search per
// alternative; beyond it conjuncts are dropped, which only broadens a search.
const maxClauses = 32

// XV2 returns the query in X API v2 search syntax. X applies AND before OR and
// does not accept negated groups, so ORs under an AND are parenthesised,
// -(a OR b) becomes -a -b, and an exclusion X cannot express (-(a b)) is
// dropped. If the result exceeds XV2MaxLen characters, XV2 falls back to the
// positive alternatives alone ("a b OR c", no exclusions); that fallback can
// itself exceed the limit, so callers must check the length.
func (q *Query) XV2() string {
	d := dialect{leaves: q.leaves, canNegate: func(leaf) bool { return true }}
	if n := d.serverize(q.root); n != nil {
		var b strings.Builder
		q.writeX(&b, n, false)
		if s := b.String(); utf8.RuneCountInString(s) <= XV2MaxLen {
			return s
		}
	}
	return strings.Join(q.clauseStrings(q.xLeaf), " OR ")
}

func (q *Query) writeX(b *strings.Builder, n *node, inAnd bool) {
	switch n.kind {
	case nodeLeaf:
		b.WriteString(q.xLeaf(q.leaves[n.leaf]))
	case nodeNot:
		b.WriteByte('-')
		q.writeX(b, n.kids[0], true)
	case nodeAnd:
		for i, k := range n.kids {
			if i > 0 {
				b.WriteByte(' ')
			}
			q.writeX(b, k, true)
		}
	case nodeOr:
		if inAnd {
			b.WriteByte('(')
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(" OR ")
			}
			q.writeX(b, k, false)
		}
		if inAnd {
			b.WriteByte(')')
		}
	}
}

func (q *Query) xLeaf(l leaf) string {
	switch l.kind {
	case leafHandle:
		return "@" + l.display
	case leafHashtag:
		return "#" + l.display
	}
	return wordsLeaf(l)
}

// wordsLeaf prints a single plain word bare and anything else as a phrase.
func wordsLeaf(l leaf) string {
	for _, r := range l.display {
		if !isWordRune(r) {
			return `"` + l.display + `"`
		}
	}
	return l.display
}

// plainLeaf prints handles and hashtags as their bare name, for sources
// without mentions or hashtags in their search syntax.
func plainLeaf(l leaf) string {
	if l.kind == leafWords {
		return wordsLeaf(l)
	}
	return l.display
}

// Reddit returns the query in Reddit search syntax with explicit AND, OR and
// NOT and a parenthesis around every compound operand, so Reddit's own
// precedence never matters. Reddit has no mentions or hashtags: @x and #x are
// searched as the word x, and exclusions of them are dropped.
func (q *Query) Reddit() string {
	d := dialect{leaves: q.leaves, canNegate: func(l leaf) bool { return l.kind == leafWords }}
	n := d.serverize(q.root)
	if n == nil {
		return strings.Join(q.clauseStrings(plainLeaf), " OR ")
	}
	var b strings.Builder
	q.writeReddit(&b, n)
	return b.String()
}

func (q *Query) writeReddit(b *strings.Builder, n *node) {
	sub := func(k *node) {
		if k.kind == nodeAnd || k.kind == nodeOr {
			b.WriteByte('(')
			q.writeReddit(b, k)
			b.WriteByte(')')
			return
		}
		q.writeReddit(b, k)
	}
	switch n.kind {
	case nodeLeaf:
		b.WriteString(plainLeaf(q.leaves[n.leaf]))
	case nodeNot:
		b.WriteString("NOT ")
		sub(n.kids[0])
	case nodeAnd, nodeOr:
		op := " OR "
		if n.kind == nodeAnd {
			op = " AND "
		}
		first := true
		var done []string
		for _, k := range n.kids {
			if k.kind == nodeLeaf {
				// @x, #x and x all print as x here; say it once.
				s := plainLeaf(q.leaves[k.leaf])
				if slices.Contains(done, s) {
					continue
				}
				done = append(done, s)
			}
			switch {
			case k.kind == nodeNot:
				b.WriteByte(' ')
			case !first:
				b.WriteString(op)
			}
			first = false
			sub(k)
		}
	}
}

// AlgoliaQueries returns one Hacker News Algolia `query` value per positive
// alternative (AND-over-OR expanded, exclusions dropped): Algolia ANDs the
// words of a query and has no OR, so the collector runs one search per string
// and dedupes hits by id. Handles and hashtags become plain words.
func (q *Query) AlgoliaQueries() []string { return q.clauseStrings(plainLeaf) }

// Algolia returns a single Hacker News Algolia `query` holding every distinct
// word of every alternative, meant to be sent with optionalWords set to the
// same string so that a hit needs only some of the words. It is for callers
// limited to one request: Algolia raises the number of words a hit must match
// for every 1,000 hits once four or more words are optional, so a large result
// set can miss posts. Prefer AlgoliaQueries.
func (q *Query) Algolia() string {
	var words []string
	for _, c := range q.clauses() {
		for _, id := range c {
			for _, w := range strings.Fields(q.leaves[id].display) {
				if !slices.Contains(words, w) {
					words = append(words, w)
				}
			}
		}
	}
	return strings.Join(words, " ")
}

// Bluesky returns one app.bsky.feed.searchPosts `q` per positive alternative.
// The lexicon leaves the syntax unspecified ("Lucene query syntax is
// recommended") and OR is not reliably supported, so each alternative is a
// separate search: words, "phrases" and #hashtags; @handle is searched as the
// word, since Bluesky handles carry a domain (@name.bsky.social).
func (q *Query) Bluesky() []string {
	return q.clauseStrings(func(l leaf) string {
		if l.kind == leafHashtag {
			return "#" + l.display
		}
		return plainLeaf(l)
	})
}

// Mastodon returns one status-search `q` per positive alternative: plain words
// and "phrases" (full-text search has no OR). Hashtags and handles become
// plain words; fetch hashtag timelines with Hashtags for complete coverage,
// since full-text search only sees posts whose authors opted in.
func (q *Query) Mastodon() []string { return q.clauseStrings(plainLeaf) }

// Hashtags returns the names of the hashtags the query looks for, lowercased,
// without '#', in query order; excluded hashtags are not included.
func (q *Query) Hashtags() []string { return q.positiveNames(leafHashtag) }

// Handles returns the account names the query looks for, lowercased, without
// '@', in query order; excluded handles are not included.
func (q *Query) Handles() []string { return q.positiveNames(leafHandle) }

// Alternatives returns the top-level alternatives of the query in canonical
// form, without the exclusions that apply to the whole query; for display.
func (q *Query) Alternatives() []string {
	pos := positivePart(q.root)
	alts := []*node{pos}
	if pos.kind == nodeOr {
		alts = pos.kids
	}
	out := make([]string, 0, len(alts))
	for _, a := range alts {
		var b strings.Builder
		q.write(&b, a, true)
		out = append(out, b.String())
	}
	return out
}

// positivePart strips the exclusions that apply to the whole query.
func positivePart(root *node) *node {
	if root.kind != nodeAnd {
		return root
	}
	var kids []*node
	for _, k := range root.kids {
		if k.kind != nodeNot {
			kids = append(kids, k)
		}
	}
	if len(kids) == 1 {
		return kids[0]
	}
	return &node{kind: nodeAnd, kids: kids}
}

func (q *Query) positiveNames(kind leafKind) []string {
	var out []string
	var walk func(*node)
	walk = func(n *node) {
		switch n.kind {
		case nodeNot:
			return
		case nodeLeaf:
			if l := q.leaves[n.leaf]; l.kind == kind && !slices.Contains(out, l.display) {
				out = append(out, l.display)
			}
			return
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(q.root)
	return out
}

// dialect describes what a source's search syntax can express.
type dialect struct {
	leaves    []leaf
	canNegate func(leaf) bool // exclusion of this leaf is at most as broad as Match's
}

// serverize rewrites n into what the dialect can express while only ever
// broadening it; nil means "matches everything".
func (d dialect) serverize(n *node) *node {
	switch n.kind {
	case nodeLeaf:
		return n
	case nodeNot:
		return nil // a bare negation outside an AND is too broad to search for
	case nodeOr:
		kids := make([]*node, 0, len(n.kids))
		for _, k := range n.kids {
			s := d.serverize(k)
			if s == nil {
				return nil
			}
			kids = append(kids, s)
		}
		if len(kids) == 1 {
			return kids[0]
		}
		return &node{kind: nodeOr, kids: kids}
	}
	var pos, neg []*node
	for _, k := range n.kids {
		if k.kind == nodeNot {
			neg = append(neg, d.negate(k.kids[0])...)
		} else if s := d.serverize(k); s != nil {
			pos = append(pos, s)
		}
	}
	if len(pos) == 0 {
		return nil // sources reject searches made only of exclusions
	}
	kids := append(pos, neg...)
	if len(kids) == 1 {
		return kids[0]
	}
	return &node{kind: nodeAnd, kids: kids}
}

// negate returns exclusions equivalent to or broader than NOT n: De Morgan
// turns NOT (a OR b) into NOT a, NOT b; NOT (a b) cannot be written as a list
// of exclusions and is dropped.
func (d dialect) negate(n *node) []*node {
	switch n.kind {
	case nodeLeaf:
		if d.canNegate(d.leaves[n.leaf]) {
			return []*node{{kind: nodeNot, kids: []*node{n}}}
		}
	case nodeOr:
		var out []*node
		for _, k := range n.kids {
			out = append(out, d.negate(k)...)
		}
		return out
	}
	return nil
}

// clauses expands the positive part of the query into alternatives, each a
// list of leaves to AND, dropping exclusions and, past maxClauses, conjuncts.
func (q *Query) clauses() [][]int {
	cs := expand(q.root)
	if cs == nil { // unreachable for a parsed query; stay broad if it happens
		for id := range q.leaves {
			cs = append(cs, []int{id})
		}
	}
	var out [][]int
	seen := map[string]bool{}
	for _, c := range cs {
		c = slices.Compact(slices.Sorted(slices.Values(c)))
		key := fingerprintIDs(c)
		if !seen[key] {
			seen[key] = true
			out = append(out, c)
		}
	}
	return out
}

func fingerprintIDs(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(string(rune(id + 1)))
	}
	return b.String()
}

// expand returns n as OR-of-ANDs of leaves, or nil for "matches everything".
func expand(n *node) [][]int {
	switch n.kind {
	case nodeLeaf:
		return [][]int{{n.leaf}}
	case nodeNot:
		return nil
	case nodeOr:
		var out [][]int
		for _, k := range n.kids {
			e := expand(k)
			if e == nil {
				return nil
			}
			out = append(out, e...)
		}
		return out
	}
	var parts [][][]int
	for _, k := range n.kids {
		if e := expand(k); e != nil {
			parts = append(parts, e)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	// Fewest alternatives first, so the conjuncts that fit are the cheap ones.
	slices.SortStableFunc(parts, func(a, b [][]int) int { return len(a) - len(b) })
	acc := parts[0]
	for _, p := range parts[1:] {
		if len(acc)*len(p) > maxClauses {
			continue
		}
		next := make([][]int, 0, len(acc)*len(p))
		for _, a := range acc {
			for _, c := range p {
				next = append(next, append(slices.Clip(a), c...))
			}
		}
		acc = next
	}
	return acc
}

// clauseStrings renders clauses with render for each leaf, in query order.
func (q *Query) clauseStrings(render func(leaf) string) []string {
	var out []string
	for _, c := range q.clauses() {
		parts := make([]string, len(c))
		for i, id := range c {
			parts[i] = render(q.leaves[id])
		}
		s := strings.Join(parts, " ")
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
