package collectorstest

import "testing"

func TestMatchQuery(t *testing.T) {
	x := `(northwind OR "north wind" OR @northwind OR #northwind) -"northwind traders"`
	reddit := `(northwind OR "north wind") NOT "northwind traders"`
	for _, tc := range []struct {
		q, text string
		want    bool
	}{
		{x, "Loving the new Northwind app", true},
		{x, "Flew North  Wind yesterday", true},
		{x, "@northwind my package never arrived", true},
		{x, "Great service from #northwind today", true},
		{x, "northwind's prices went up again.", true},
		{x, "Northwind Traders is a sample database", false},
		{x, "The northwinds are cold", false},
		{x, "northwindy weather, #northwindtraders", false},
		{x, "southwind airlines", false},
		{reddit, "Is NORTHWIND down?", true},
		{reddit, "northwind traders sample", false},
		{"#northwind", "Great service from #northwind today", true},
		{"#northwind", "Great service from northwind today", false},
		{`"north wind"`, "north wind airline", true},
		{"northwind", "", false},
		{"", "northwind", false},
	} {
		if got := matchQuery(tc.q, tc.text); got != tc.want {
			t.Errorf("matchQuery(%q, %q) = %v, want %v", tc.q, tc.text, got, tc.want)
		}
	}
}

func TestHashtags(t *testing.T) {
	got := hashtags("Great #Northwind day, #north-wind and x#y #")
	want := []string{"northwind", "north"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("hashtags = %q, want %q", got, want)
	}
}
