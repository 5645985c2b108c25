package query

import (
	"strings"
	"testing"
)

func BenchmarkMatch(b *testing.B) {
	q := MustParse(design)
	texts := map[string]string{
		"short_hit":  "Just tried the new @Northwind app — the North Wind of coffee!",
		"short_miss": "Nothing to see here, just a regular post about the weather today.",
		"long_miss":  strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 40),
		"unicode":    "Überwind Straße 東京タワーに行った 🚀 northwind’s café",
		// Latin Extended-B and Extended Additional letters (Romanian, Vietnamese).
		"latin_ext": "Phở ở Hà Nội, Brașov și Timișoara: Nguyễn Văn An uống cà phê ở Đà Nẵng",
	}
	for name, text := range texts {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				q.Match(text)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(design); err != nil {
			b.Fatal(err)
		}
	}
}
