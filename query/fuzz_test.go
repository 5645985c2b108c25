package query

import (
	"errors"
	"testing"
)

var fuzzSeeds = []string{
	design, "a OR (b -c)", "(a OR b) (c OR d) -e -(f OR g)", `"north wind" @x #y`, "Überwind 東京 OR o’reilly",
	"a -(-b)", "((a))", `ab "cd`, "a OR", "-x", "NOT NOT a", "a\xffb", "@", "#_a", "x (y OR (-b))",
}

// FuzzParse checks that Parse never panics, reports only *SyntaxError with an
// in-range position, and that String is a fixed point that re-parses to an
// equivalent query.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "the North Wind blows at @northwind #northwind")
	}
	f.Fuzz(func(t *testing.T, s, text string) {
		q, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q): bad error %#v", s, err)
			}
			return
		}
		c := q.String()
		q2, err := Parse(c)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, c, err)
		}
		if c2 := q2.String(); c2 != c {
			t.Fatalf("String not canonical: %q -> %q -> %q", s, c, c2)
		}
		for _, txt := range []string{text, s, c} {
			if q.Match(txt) != q2.Match(txt) {
				t.Fatalf("%q and its canonical form %q disagree on %q", s, c, txt)
			}
		}
		// Translations must not panic either.
		_ = q.XV2()
		_ = q.Reddit()
		_ = q.AlgoliaQueries()
		_ = q.Algolia()
		_ = q.Bluesky()
		_ = q.Mastodon()
		_ = q.Alternatives()
	})
}

// FuzzMatch checks that Match never panics on arbitrary bytes and agrees with
// itself when called twice (pooled state must not leak between calls).
func FuzzMatch(f *testing.F) {
	q := MustParse(design + ` OR 東京 OR "café straße" OR @x_y`)
	for _, s := range []string{"", "Northwind", "north\xffwind", "@northwind", "#", "@", "東京タワー", "CAFE STRASSE", "\u0301\u0301", "a@b#c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		a := q.Match(text)
		_ = q.Match(text + " northwind traders")
		if b := q.Match(text); a != b {
			t.Fatalf("Match(%q) not stable: %v then %v", text, a, b)
		}
	})
}
