package sentiment

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/repmon/repmon/sentiment/sentimenttest"
)

// corpusText is one text of a VADER corpus with its reference scores.
type corpusText struct {
	corpus string
	id     string
	rating float64 // mean human rating; 0 for edge cases
	text   string
	want   Scores
}

// corpora are the four ground-truth corpora of Hutto & Gilbert (2014).
var corpora = []string{"tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets"}

// loadCorpora reads every corpus plus the edge cases with their reference
// scores; the reference must cover every text.
func loadCorpora(t testing.TB) []corpusText {
	t.Helper()
	dir := filepath.Join(sentimenttest.SharedDir(t), "data", "vader")
	var out []corpusText
	for _, c := range append(append([]string{}, corpora...), "edge_cases") {
		ref := readLines(t, filepath.Join(dir, "reference", c+".tsv"))
		want := map[string]Scores{}
		for _, l := range ref[1:] {
			f := strings.Split(l, "\t")
			if len(f) != 5 {
				t.Fatalf("%s reference: bad line %q", c, l)
			}
			want[f[0]] = Scores{Compound: atof(t, f[1]), Positive: atof(t, f[2]), Neutral: atof(t, f[3]), Negative: atof(t, f[4])}
		}
		var texts []corpusText
		if c == "edge_cases" {
			for i, l := range readLines(t, filepath.Join(dir, "edge_cases.txt")) {
				texts = append(texts, corpusText{corpus: c, id: strconv.Itoa(i + 1), text: l})
			}
		} else {
			for _, l := range readLines(t, filepath.Join(dir, "hutto_ICWSM_2014", c+"_GroundTruth.txt")) {
				f := strings.SplitN(l, "\t", 3)
				if len(f) != 3 {
					t.Fatalf("%s: bad line %q", c, l)
				}
				texts = append(texts, corpusText{corpus: c, id: f[0], rating: atof(t, f[1]), text: f[2]})
			}
		}
		if len(texts) != len(want) {
			t.Fatalf("%s: %d texts but %d reference rows", c, len(texts), len(want))
		}
		for i := range texts {
			w, ok := want[texts[i].id]
			if !ok {
				t.Fatalf("%s: no reference for id %s", c, texts[i].id)
			}
			texts[i].want = w
		}
		out = append(out, texts...)
	}
	return out
}

// readLines returns the lines of a file without their "\n" or "\r\n".
func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func atof(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
