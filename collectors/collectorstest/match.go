package collectorstest

import (
	"strings"
	"unicode"
)

// matchQuery reports whether text matches a search query in the syntax the
// faked APIs share: bare words, "phrases", @handles and #hashtags, implicit
// AND, explicit AND, OR and NOT, -term, and parentheses (AND binding tighter
// than OR, as on X). Terms match whole words, case-insensitively; a word
// also matches inside a hashtag or a handle, as the real searches do. It is
// simple on purpose: the collectors' own matcher has the final say.
func matchQuery(q, text string) bool {
	p := &qparser{toks: lexQuery(q), text: " " + strings.Join(strings.Fields(strings.ToLower(text)), " ") + " "}
	if len(p.toks) == 0 {
		return false
	}
	return p.or()
}

type qparser struct {
	toks []string
	pos  int
	text string
}

func lexQuery(q string) []string {
	var out []string
	for i := 0; i < len(q); {
		switch c := q[i]; {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			out = append(out, string(c))
			i++
		case c == '"' || (c == '-' && i+1 < len(q) && q[i+1] == '"'):
			start := i
			if c == '-' {
				i++
			}
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				end = len(q) - i - 1
			}
			out = append(out, q[start:i+1+end+1])
			i += 1 + end + 1
		default:
			j := i
			for j < len(q) && !strings.ContainsRune(" \t\n()", rune(q[j])) {
				j++
			}
			out = append(out, q[i:j])
			i = j
		}
	}
	return out
}

func (p *qparser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *qparser) or() bool {
	v := p.and()
	for p.peek() == "OR" {
		p.pos++
		v = p.and() || v
	}
	return v
}

func (p *qparser) and() bool {
	v := true
	for {
		switch t := p.peek(); t {
		case "", ")", "OR":
			return v
		case "AND":
			p.pos++
		default:
			v = p.unary() && v
		}
	}
}

func (p *qparser) unary() bool {
	t := p.peek()
	p.pos++
	switch {
	case t == "NOT":
		return !p.unary()
	case t == "(":
		v := p.or()
		if p.peek() == ")" {
			p.pos++
		}
		return v
	case strings.HasPrefix(t, "-") && len(t) > 1:
		return !p.term(t[1:])
	}
	return p.term(t)
}

// term finds t in the text as a whole word or phrase.
func (p *qparser) term(t string) bool {
	t = strings.Join(strings.Fields(strings.ToLower(strings.Trim(t, `"`))), " ")
	if t == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(p.text[i:], t)
		if j < 0 {
			return false
		}
		j += i
		before, after := rune(p.text[j-1]), rune(p.text[j+len(t)])
		if !isWord(before) && !isWord(after) && (isWord(rune(t[0])) || before == ' ' || strings.ContainsRune(`("'`, before)) {
			return true
		}
		i = j + 1
	}
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// hashtags returns the lowercased #hashtags of a text, as Mastodon indexes
// them.
func hashtags(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return r != '#' && !isWord(r) }) {
		if tag, ok := strings.CutPrefix(f, "#"); ok && tag != "" && !strings.Contains(tag, "#") {
			out = append(out, tag)
		}
	}
	return out
}
