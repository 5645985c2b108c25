package query

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const design = `northwind OR "north wind" OR @northwind OR #northwind -"northwind traders"`

func TestParseValid(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"term", "Northwind", "northwind"},
		{"design example", design, design},
		{"leading exclusion", `-"northwind traders" northwind OR #northwind`, `northwind OR #northwind -"northwind traders"`},
		{"NOT keyword", "northwind NOT traders", "northwind -traders"},
		{"explicit AND", "northwind AND shoes", "northwind shoes"},
		{"local exclusion", "a OR (b -c)", "a OR (b -c)"},
		{"group exclusion", "(a OR b -c) d", "(a OR b) d -c"},
		{"flatten", "(a OR (b OR c)) OR d", "a OR b OR c OR d"},
		{"double negation", "a -(-b)", "a b"},
		{"negated group", "a -(b OR c)", "a -(b OR c)"},
		{"dedupe", "a OR a OR A", "a"},
		{"phrase spaces", "\"North \t Wind\"", `"north wind"`},
		{"one-word phrase", `"Northwind!"`, "northwind"},
		{"inner punctuation", "North-Wind", "north-wind"},
		{"curly apostrophe", "O’Reilly", "o'reilly"},
		{"handle hashtag", "@NorthWind #North_Wind", "@northwind #north_wind"},
		{"lowercase or is a term", "a or b", "a or b"},
		{"quoted keyword", `"OR" a`, "or a"},
		{"quoted sigil is a plain term", `"@northwind"`, "northwind"},
		{"and over or", "a b OR c", "a b OR c"},
		{"or inside and", "a (b OR c)", "a (b OR c)"},
		{"unicode", "Überwind 東京", "überwind 東京"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got := q.String(); got != tc.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "position 0: empty query"},
		{"   ", "position 0: empty query"},
		{`ab "cd`, "position 3: unterminated quoted phrase"},
		{"(northwind OR (north wind)", "position 0: unbalanced parenthesis"},
		{"northwind OR (north wind))", "position 25: unbalanced parenthesis"},
		{"northwind)", "position 9: unbalanced parenthesis"},
		{"northwind OR", "position 10: OR needs a term on both sides"},
		{"OR northwind", "position 0: OR needs a term on both sides"},
		{"a OR OR b", "position 5: OR needs a term on both sides"},
		{"(OR a)", "position 1: OR needs a term on both sides"},
		{"a OR )", "position 5: unbalanced parenthesis"},
		{"a AND", "position 2: AND needs a term on both sides"},
		{"a AND OR b", "position 2: AND needs a term on both sides"},
		{"AND a", "position 0: AND needs a term on both sides"},
		{"a ()", "position 2: empty parentheses"},
		{`a ""`, "position 2: empty quoted phrase"},
		{"a !!!", "position 2: term has no letters or digits"},
		{"a ❤️", "position 2: term has no letters or digits"},
		{"a - b", "position 2: - needs a term, phrase or group right after it"},
		{"a -", "position 2: - needs a term, phrase or group right after it"},
		{"a --b", "position 2: - needs a term, phrase or group right after it"},
		{"a NOT", "position 2: NOT needs a term, phrase or group after it"},
		{"a NOT OR b", "position 2: NOT needs a term, phrase or group after it"},
		{"a -OR b", "position 2: - needs a term, phrase or group right after it"},
		{"@", "position 0: invalid @ name (letters, digits and _ only)"},
		{"#north-wind", "position 0: invalid # name (letters, digits and _ only)"},
		{"-spam", "position 0: query needs a term that is not excluded in every alternative"},
		{"NOT spam", "position 0: query needs a term that is not excluded in every alternative"},
		{"a OR -b", "position 5: alternative has only exclusions (an exclusion applies to its whole group; write it once, after the alternatives)"},
		{"a OR (-b)", "position 5: query needs a term that is not excluded in every alternative"},
		{strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200), "position 100: parentheses nested too deeply"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			q, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want error %q", tc.in, q, tc.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T, want *SyntaxError", tc.in, err)
			}
			if err.Error() != tc.want {
				t.Errorf("Parse(%q) error = %q, want %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		query string
		yes   []string
		no    []string
	}{
		{"northwind",
			[]string{"Northwind", "NORTHWIND!", "I love Northwind's coffee", "love Northwind’s coffee", "@northwind rocks", "#Northwind", "(northwind)", "x🚀northwind🚀", "I❤️northwind❤️", "👍🏽northwind", "“Northwind”", "a\xffnorthwind\xfe",
				"@northwind_support"}, // '_' separates words; use @northwind for the account only
			[]string{"northwinds", "xnorthwind", "north wind", "#NorthwindRocks", "north_winds", "", "\xff\xfe"}},
		{`"north wind"`,
			[]string{"North  wind", "north\nwind", "North-Wind", "the north, wind", "#north wind"},
			[]string{"northwind", "north winds", "wind north", "north big wind"}},
		{"@northwind",
			[]string{"hi @NorthWind!", "@northwind@mastodon.social", "@northwind.bsky.social", "(@northwind)"},
			[]string{"northwind", "#northwind", "mail info@northwind.com", "@northwinds", "@north_wind"}},
		{"#northwind",
			[]string{"#NorthWind", "so good #northwind!"},
			[]string{"northwind", "@northwind", "a#northwind", "#northwindrocks"}},
		{"#north_wind", []string{"#North_Wind"}, []string{"#north wind", "north_wind"}},
		{design,
			[]string{"Northwind is great", "the North Wind blows", "cc @Northwind", "#northwind", "northwind traders"[:9] + " trade"},
			[]string{"Northwind Traders sold out", "#northwind northwind traders", "@northwind Northwind-Traders", "nothing here"}},
		{"a OR (b -c)", []string{"a", "a c", "b"}, []string{"b c", "c"}},
		{"a OR b -c", []string{"a", "b"}, []string{"a c", "b c"}},
		{"apple iphone OR android", []string{"apple iphone", "android"}, []string{"apple", "iphone android"[:6]}},
		{"a -(b OR c)", []string{"a"}, []string{"a b", "a c"}},
		{"a -(b c)", []string{"a", "a b", "a c"}, []string{"a b c"}},
		{"Überwind", []string{"ÜBERWIND", "überwind!", "Uberwind", "U\u0308berwind"}, []string{"berwind", "Überwinder"}},
		{"uberwind", []string{"Überwind"}, nil},
		{"Straße", []string{"STRASSE", "straße", "Strasse"}, []string{"Stra", "Straßen"}},
		{"café", []string{"CAFE", "Café!", "cafe\u0301"}, []string{"cafés"}},
		// Latin Extended-B and Extended Additional, precomposed and decomposed.
		{"brasov", []string{"Brașov", "BRAȘOV", "Bras\u0326ov", "Braşov", "Bras\u0327ov"}, []string{"Bras"}},
		{"Timișoara", []string{"timisoara", "TIMIȘOARA", "Timis\u0326oara", "Timişoara"}, nil},
		{"pho", []string{"Phở", "PHỞ", "Pho\u031b\u0309", "Phơ\u0309"}, []string{"phong"}},
		{"nguyen", []string{"Nguyễn", "NGUYỄN", "Nguye\u0302\u0303n", "Nguyê\u0303n"}, nil},
		{"Nguyễn", []string{"nguyen"}, nil},
		{"pinyin", []string{"pǐnyīn", "PǏNYĪN"}, nil},
		// Letters without a canonical decomposition stay distinct, also when
		// they carry one (ǿ is ø with an acute).
		{"łódź", []string{"ŁÓDŹ", "łodz"}, []string{"lodz"}},
		{"đà nẵng", []string{"ĐÀ NẴNG", "đa nang"}, []string{"da nang"}},
		{"søren", []string{"SØREN", "sǿren", "SǾREN"}, []string{"soren"}},
		{"東京", []string{"東京タワーに行った", "私は東京へ"}, []string{"京都", "東"}},
		{"ノースウィンド", []string{"ノースウィンドの新製品"}, []string{"ノース"}},
		{"Москва", []string{"в МОСКВА!"}, []string{"Москвa-река"[:0] + "Москвы"}},
		{"ｎｏｒｔｈｗｉｎｄ", []string{"northwind"}, nil},
		{"don't", []string{"Don’t do it", "DON'T"}, []string{"dont"}},
		{"north-wind", []string{"North Wind", "north–wind"}, []string{"northwind"}},
		{"σοφία", []string{"ΣΟΦΊΑ"}, nil},
		{"σοφίας", []string{"ΣΟΦΊΑΣ", "σοφίας"}, nil},
	}
	for _, tc := range tests {
		q := MustParse(tc.query)
		for _, s := range tc.yes {
			if !q.Match(s) {
				t.Errorf("%q.Match(%q) = false, want true", tc.query, s)
			}
		}
		for _, s := range tc.no {
			if q.Match(s) {
				t.Errorf("%q.Match(%q) = true, want false", tc.query, s)
			}
		}
	}
}

func TestMatchConcurrent(t *testing.T) {
	q := MustParse(design)
	done := make(chan bool)
	for range 8 {
		go func() {
			ok := true
			for range 1000 {
				ok = ok && q.Match("the North Wind blows") && !q.Match("Northwind Traders")
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("concurrent Match gave a wrong answer")
		}
	}
}

func TestTranslations(t *testing.T) {
	q := MustParse(design)
	check := func(name string, got, want any) {
		t.Helper()
		if !equal(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	check("XV2", q.XV2(), `(northwind OR "north wind" OR @northwind OR #northwind) -"northwind traders"`)
	check("Reddit", q.Reddit(), `(northwind OR "north wind") NOT "northwind traders"`)
	check("AlgoliaQueries", q.AlgoliaQueries(), []string{"northwind", `"north wind"`})
	check("Algolia", q.Algolia(), "northwind north wind")
	check("Bluesky", q.Bluesky(), []string{"northwind", `"north wind"`, "#northwind"})
	check("Mastodon", q.Mastodon(), []string{"northwind", `"north wind"`})
	check("Hashtags", q.Hashtags(), []string{"northwind"})
	check("Handles", q.Handles(), []string{"northwind"})
	check("Alternatives", q.Alternatives(), []string{"northwind", `"north wind"`, "@northwind", "#northwind"})

	tests := []struct {
		query, x, reddit string
		alts             []string
	}{
		{"a OR (b -c)", "a OR b -c", "a OR (b NOT c)", []string{"a", "b"}},
		{"(a OR b) (c OR d) -e", "(a OR b) (c OR d) -e", "(a OR b) AND (c OR d) NOT e", []string{"a c", "a d", "b c", "b d"}},
		{"a -(b OR c) -(d e)", "a -b -c", "a NOT b NOT c", []string{"a"}},
		{"a -#spam -@bot", "a -#spam -@bot", "a", []string{"a"}},
		{"x (y OR (-b))", "x", "x", []string{"x"}},
		{"north-wind -Überwind", `"north-wind" -überwind`, `"north-wind" NOT überwind`, []string{`"north-wind"`}},
	}
	for _, tc := range tests {
		q := MustParse(tc.query)
		check(tc.query+" XV2", q.XV2(), tc.x)
		check(tc.query+" Reddit", q.Reddit(), tc.reddit)
		check(tc.query+" AlgoliaQueries", q.AlgoliaQueries(), tc.alts)
	}
	hs := MustParse("#a OR @b OR -#c x OR (y -@d)")
	check("Hashtags", hs.Hashtags(), []string{"a"})
	check("Handles", hs.Handles(), []string{"b"})
}

func TestXV2Fallback(t *testing.T) {
	var alts []string
	for i := range 40 {
		alts = append(alts, "brandname"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	q := MustParse(strings.Join(alts, " OR ") + ` -"some long excluded phrase"`)
	got := q.XV2()
	if strings.Contains(got, "excluded") {
		t.Errorf("XV2 kept the exclusion in the fallback: %q", got)
	}
	if !strings.HasPrefix(got, "brandnamea") || strings.Contains(got, "(") {
		t.Errorf("XV2 fallback = %q", got)
	}
	short := MustParse(`a -"b c"`).XV2()
	if short != `a -"b c"` {
		t.Errorf("XV2 = %q", short)
	}
}

func TestAlgoliaExpansionCap(t *testing.T) {
	q := MustParse("(a OR b OR c OR d OR e OR f) (g OR h OR i OR j OR k OR l) (m OR n)")
	got := q.AlgoliaQueries()
	if len(got) > maxClauses || len(got) == 0 {
		t.Fatalf("AlgoliaQueries gave %d queries, want 1..%d", len(got), maxClauses)
	}
	// Every query must be broader than the query: each conjunct it keeps is one the query requires.
	if !slices.Contains(got, "a m") && !slices.Contains(got, "a g m") {
		t.Errorf("AlgoliaQueries = %q", got)
	}
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case []string:
		return slices.Equal(a, b.([]string))
	}
	return a == b
}
