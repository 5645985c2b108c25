package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/repmon/repmon/sentiment/sentimenttest"
)

func scoreLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// TestScoreVADERAcceptance pipes all 23,852 reference texts through
// `repmon score --mode vader --format tsv` and requires the four numeric
// columns to equal the reference VADER output character for character.
func TestScoreVADERAcceptance(t *testing.T) {
	dir := filepath.Join(sentimenttest.SharedDir(t), "data", "vader")
	var texts, want []string
	for _, c := range []string{"tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets", "edge_cases"} {
		ref := map[string]string{}
		for _, l := range scoreLines(t, filepath.Join(dir, "reference", c+".tsv"))[1:] {
			id, cols, _ := strings.Cut(l, "\t")
			ref[id] = cols
		}
		if c == "edge_cases" {
			for i, l := range scoreLines(t, filepath.Join(dir, "edge_cases.txt")) {
				texts, want = append(texts, l), append(want, ref[strconv.Itoa(i+1)])
			}
			continue
		}
		for _, l := range scoreLines(t, filepath.Join(dir, "hutto_ICWSM_2014", c+"_GroundTruth.txt")) {
			f := strings.SplitN(l, "\t", 3)
			texts, want = append(texts, f[2]), append(want, ref[f[0]])
		}
	}
	if len(texts) != 23852 {
		t.Fatalf("%d texts, want 23852", len(texts))
	}
	var stdout, stderr bytes.Buffer
	code := cmdScore([]string{"--mode", "vader", "--format", "tsv"}, strings.NewReader(strings.Join(texts, "\n")+"\n"), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(got) != len(texts) {
		t.Fatalf("%d output lines for %d texts", len(got), len(texts))
	}
	diffs := 0
	for i, l := range got {
		cols := strings.Split(l, "\t")
		if len(cols) != 5 {
			t.Fatalf("line %d: %q: want 5 columns", i+1, l)
		}
		if g := strings.Join(cols[:4], "\t"); g != want[i] {
			diffs++
			if diffs <= 10 {
				t.Errorf("text %q: got %s, want %s", texts[i], g, want[i])
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d lines differ from the reference", diffs, len(texts))
	}
}

func TestScoreCLI(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdin    string
		code     int
		want     string // exact stdout, when not empty
		contains []string
	}{
		{name: "args tsv vader", args: []string{"--mode", "vader", "The service was good.", ""}, code: 0,
			want: "0.4404\t0.492\t0.508\t0.0\tpositive\n0.0\t0.0\t0.0\t0.0\tneutral\n"},
		{name: "stdin lines in order", args: []string{"--mode=vader"}, stdin: "I hate it\r\nok\n\nI love it\n", code: 0,
			want: "-0.5719\t0.0\t0.351\t0.649\tnegative\n0.296\t1.0\t0.0\t0.0\tpositive\n0.0\t0.0\t0.0\t0.0\tneutral\n0.6369\t0.677\t0.323\t0.0\tpositive\n"},
		{name: "default reputation mode", args: []string{"I’m not happy with Acme’s support"}, code: 0, contains: []string{"\tnegative\n"}},
		{name: "jsonl", args: []string{"--mode", "vader", "--format", "jsonl", "good"}, code: 0,
			want: `{"text":"good","compound":0.4404,"pos":1.0,"neu":0.0,"neg":0.0,"label":"positive"}` + "\n"},
		{name: "jsonl explain", args: []string{"--format", "jsonl", "--explain", "not good"}, code: 0,
			contains: []string{`"explain":{`, `"rule":"negation"`, `"trigger":"not"`}},
		{name: "tsv explain shows the brand model", args: []string{"--explain", "@Acme your chatbot sent me the same help link four times now"}, code: 0,
			contains: []string{"#\tbrand model: brand post 0.", "negative overrules the rules (positive), by \"", " \"four times\" +"}},
		{name: "tsv explain of general text", args: []string{"--explain", "a gorgeous, witty, seductive movie"}, code: 0,
			contains: []string{"#\tbrand model: not a brand post (0.", ", at most 0.5)\n"}},
		{name: "tsv explain is commented", args: []string{"--explain", "very good"}, code: 0,
			contains: []string{"positive\n#\ttokens: \"very\" \"good\"\n", "booster"}},
		{name: "a brand's name", args: []string{"--name", "Delight Bakery", "Delight Bakery sold me a stale cake"}, code: 0, contains: []string{"\tnegative\n"}},
		{name: "without it", args: []string{"Delight Bakery sold me a stale cake"}, code: 0, contains: []string{"\tpositive\n"}},
		{name: "a brand's name explained", args: []string{"--explain", "--name", "Delight Bakery", "Delight Bakery sold me a stale cake"}, code: 0,
			contains: []string{"brand_name"}},
		{name: "bad mode", args: []string{"--mode", "nope", "x"}, code: 2},
		{name: "bad format", args: []string{"--format", "csv", "x"}, code: 2},
		{name: "unknown flag", args: []string{"--bogus"}, code: 2},
		{name: "flag after a text", args: []string{"good", "--explain"}, code: 2},
		{name: "flag=value after a text", args: []string{"good", "--mode=vader"}, code: 2},
		{name: "a text that looks like a flag, after --", args: []string{"--mode", "vader", "--", "--explain", "-not-a-flag"}, code: 0,
			want: "0.0\t0.0\t1.0\t0.0\tneutral\n0.0\t0.0\t1.0\t0.0\tneutral\n"},
		{name: "help", args: []string{"-h"}, code: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cmdScore(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if tc.want != "" && stdout.String() != tc.want {
				t.Errorf("stdout:\n%q\nwant:\n%q", stdout.String(), tc.want)
			}
			for _, c := range tc.contains {
				if !strings.Contains(stdout.String(), c) {
					t.Errorf("stdout %q does not contain %q", stdout.String(), c)
				}
			}
		})
	}
}

// TestScoreJSONLParses checks that every JSONL line is valid JSON with the
// documented fields, for awkward input too.
func TestScoreJSONLParses(t *testing.T) {
	in := "\"quoted\" \\ back\tslash\n\xff\xfe invalid utf8\n😀😀\n"
	var stdout, stderr bytes.Buffer
	if code := cmdScore([]string{"--format", "jsonl", "--explain"}, strings.NewReader(in), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	sc := bufio.NewScanner(&stdout)
	n := 0
	for sc.Scan() {
		n++
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %d: %v: %s", n, err, sc.Text())
		}
		for _, k := range []string{"text", "compound", "pos", "neu", "neg", "label", "explain"} {
			if _, ok := v[k]; !ok {
				t.Errorf("line %d: no %q: %s", n, k, sc.Text())
			}
		}
	}
	if n != 3 {
		t.Errorf("%d lines, want 3", n)
	}
}

// TestScoreLongLine checks that a line of several MiB is scored, not cut.
func TestScoreLongLine(t *testing.T) {
	long := strings.Repeat("good ", 1<<20) // 5 MiB
	var stdout, stderr bytes.Buffer
	if code := cmdScore(nil, strings.NewReader(long+"\nbad\n"), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := strings.Count(stdout.String(), "\n"); got != 2 {
		t.Errorf("%d output lines, want 2", got)
	}
	// over the limit: the lines before are scored, and the error says where
	stdout.Reset()
	stderr.Reset()
	over := strings.Repeat("a", maxScoreLine+1)
	if code := cmdScore(nil, strings.NewReader("good\n"+over+"\nbad\n"), &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d with a line over the limit, want 1", code)
	}
	if !strings.Contains(stderr.String(), "line 2 of stdin is longer than 16 MiB") || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// TestScoreConfig checks that `repmon score --config` scores as the monitor
// would with that config: its lexicon, thresholds and mode, and with
// --brand the brand's names.
func TestScoreConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) string { return writeConfig(t, dir, name, doc) }
	const base = `brands:
  - {name: northwind, query: northwind}
  - {name: delight_bakery, query: '"delight bakery"', names: ["Delight Bakery"]}
sources:
  - {name: news, type: rss, feeds: ["https://example.com/feed"]}
`
	cfg := write("repmon.yml", base+`sentiment:
  negative_below: -0.3
  lexicon: {recall: -2.0}
`)
	vader := write("vader.yml", base+"sentiment: {mode: vader}\n")
	broken := write("broken.yml", base+"sentiment: {mode: loud}\n")
	// the monitor's secrets, in variables this shell has not set: score
	// reads none of them
	unsetSecrets := write("secrets.yml", base+`  - {name: x, type: x, bearer_token: "${REPMON_TEST_UNSET_X_TOKEN}"}
storage: {driver: postgres, dsn: "postgres://monitor:${REPMON_TEST_UNSET_PGPASSWORD}@db:5432/reputation"}
alerts:
  channels:
    - {name: marketing, type: slack, webhook_url: "${REPMON_TEST_UNSET_SLACK_URL}"}
    - {name: mail, type: email, smtp: "smtp.example.com:587", from: "repmon@example.com", to: ["pr@example.com"],
       username: "repmon", password: "${REPMON_TEST_UNSET_SMTP_PASSWORD}"}
  rules:
    - {name: negative, type: negative_mention, channels: [marketing, mail]}
sentiment: {lexicon: {recall: -2.0}}
`)
	badSource := write("badsource.yml", base+"  - {name: odd, type: myspace}\n")
	unsetName := write("unsetname.yml", strings.Replace(base, `names: ["Delight Bakery"]`, `names: ["${REPMON_TEST_UNSET_NAME}"]`, 1))
	const (
		recall = "Northwind announced a recall of its kettles"
		stale  = "the cake was a little stale" // compound -0.2516
		bakery = "Delight Bakery sold me a stale cake"
	)
	score := func(args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := cmdScore(args, strings.NewReader(""), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	tests := []struct {
		name string
		args []string
		want string // stdout
	}{
		{"no config: the built-in lexicon", []string{recall}, "0.0\t0.0\t1.0\t0.0\tneutral\n"},
		{"the config's lexicon", []string{"--config", cfg, recall}, "-0.4588\t0.0\t0.667\t0.333\tnegative\n"},
		{"no config: default thresholds", []string{stale}, "-0.2516\t0.0\t0.714\t0.286\tnegative\n"},
		{"the config's thresholds", []string{"--config", cfg, stale}, "-0.2516\t0.0\t0.714\t0.286\tneutral\n"},
		{"the config's mode", []string{"--config", vader, bakery}, "0.5994\t0.394\t0.606\t0.0\tpositive\n"}, // as --mode vader
		{"--mode overrides it", []string{"--config", vader, "--mode", "reputation", "--brand", "delight_bakery", bakery},
			"-0.3182\t0.0\t0.723\t0.277\tnegative\n"},
		{"--brand mutes the brand's names", []string{"--config", cfg, "--brand", "delight_bakery", bakery},
			"-0.3182\t0.0\t0.723\t0.277\tnegative\n"},
		{"not without it", []string{"--config", cfg, bakery}, "0.3818\t0.348\t0.446\t0.205\tpositive\n"},
		{"secrets need not be set", []string{"--config", unsetSecrets, recall}, "-0.4588\t0.0\t0.667\t0.333\tnegative\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := score(tc.args...)
			if code != 0 || out != tc.want {
				t.Errorf("exit %d, stdout %q (stderr %q); want 0, %q", code, out, errOut, tc.want)
			}
		})
	}
	if _, out, _ := score("--config", cfg, "--explain", recall); !strings.Contains(out, `(lexicon key "recall")`) {
		t.Errorf("explanation does not name the config's lexicon entry:\n%s", out)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"--brand without --config", []string{"--brand", "northwind", "x"}, "--brand needs --config"},
		{"a brand the config lacks", []string{"--config", cfg, "--brand", "acme", "x"}, `has no brand "acme"`},
		{"an invalid config", []string{"--config", broken, "x"}, "sentiment.mode"},
		{"a missing config", []string{"--config", filepath.Join(dir, "nope.yml"), "x"}, "does not exist"},
		{"a problem outside sentiment and brands", []string{"--config", badSource, "x"}, "sources[1].type"},
		{"an unset variable in brands", []string{"--config", unsetName, "x"}, "REPMON_TEST_UNSET_NAME is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := score(tc.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, and %q", code, out, errOut, tc.stderr)
			}
		})
	}
}

// TestScoreLabelled checks `repmon score --labelled`: the misses, then how
// well the labels were matched, and bad input.
func TestScoreLabelled(t *testing.T) {
	in := "negative\tthe app keeps crashing\npos\tlove it\n\n0\tAcme opens a store in Leeds\n-1\tgreat, another outage\r\npositive\tI hate Mondays\n"
	var stdout, stderr bytes.Buffer
	if code := cmdScore([]string{"--mode", "vader", "--labelled"}, strings.NewReader(in), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := "negative\tneutral\t0.0\tthe app keeps crashing\n" +
		"negative\tpositive\t0.6249\tgreat, another outage\n" +
		"positive\tnegative\t-0.5719\tI hate Mondays\n" +
		"#\t5 texts, 2 labelled as given: accuracy 0.400, macro-F1 0.389\n" +
		"#\tlabel      texts  recall  precision     F1\n" +
		"#\tnegative       2   0.000      0.000  0.000\n" +
		"#\tneutral        1   1.000      0.500  0.667\n" +
		"#\tpositive       2   0.500      0.500  0.500\n" +
		"#\tlabelled as:  negative   neutral  positive\n" +
		"#\tnegative             0         1         1\n" +
		"#\tneutral              0         1         0\n" +
		"#\tpositive             1         0         1\n"
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
	}

	// with --explain each miss is followed by its explanation
	stdout.Reset()
	if code := cmdScore([]string{"--labelled", "--explain"}, strings.NewReader("positive\tthe app keeps crashing\n"), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "positive\tnegative\t") || !strings.Contains(stdout.String(), "\n#\ttokens: ") {
		t.Errorf("--explain: %q", stdout.String())
	}

	for _, tc := range []struct {
		name, in string
		args     []string
		stderr   string
	}{
		{"no tab", "negative the app keeps crashing\n", nil, "line 1 is not LABEL<TAB>TEXT"},
		{"unknown label", "positive\tok\nmixed\tmeh\n", nil, "line 2 is not LABEL<TAB>TEXT"},
		{"jsonl", "positive\tok\n", []string{"--format", "jsonl"}, "--labelled writes tsv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cmdScore(append([]string{"--labelled"}, tc.args...), strings.NewReader(tc.in), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tc.stderr)
			}
		})
	}
}
