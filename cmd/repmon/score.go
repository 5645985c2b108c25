package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/sentiment"
)

// maxScoreLine bounds one stdin line; longer posts than 16 MiB are an error.
const maxScoreLine = 16 << 20

// cmdScore implements `repmon score`: it scores each argument, or each line
// of stdin when there are none, and writes one line per input, in order.
// With --explain, TSV output is followed by '#'-prefixed comment lines per
// text (so column parsers can skip them) and JSONL output gains an
// "explain" object. With --config it scores as the monitor would with that
// config (its sentiment mode, thresholds and lexicon, and with --brand that
// brand's names). It returns 0 on success, 2 on a usage error or an invalid
// config and 1 when reading or writing fails.
func cmdScore(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", string(sentiment.ModeReputation), "scoring mode: vader|reputation")
	format := fs.String("format", "tsv", "output format: tsv|jsonl")
	explain := fs.Bool("explain", false, "explain each score (TSV: '#' comment lines; JSONL: an \"explain\" object)")
	path := fs.String("config", "", "score with the sentiment settings (mode, thresholds, lexicon) of config `FILE`, as repmon run does")
	brand := fs.String("brand", "", "with --config: score the texts as mentions of brand `B`, whose names carry no sentiment")
	labelled := fs.Bool("labelled", false, "read LABEL<TAB>TEXT lines and print the misses and how well the labels were matched (TSV)")
	var names []string
	fs.Func("name", "a name of the brand the texts are about, whose words then carry no sentiment (repeatable; as brands[].names)", func(v string) error {
		names = append(names, v)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: repmon score [--mode vader|reputation] [--format tsv|jsonl] [--explain] [--config FILE [--brand B]] [--name NAME]... [--labelled] [TEXT...]")
		fmt.Fprintln(stderr, "Scores each TEXT, or each line of stdin when none is given.")
		fmt.Fprintln(stderr, "TSV columns: compound, pos, neu, neg, label.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if !slices.Contains(args, "--") {
		for _, text := range fs.Args() {
			// "repmon score 'text' --explain": flag parsing stops at the
			// first text, and the flag would be scored as one
			name, _, _ := strings.Cut(strings.TrimLeft(text, "-"), "=")
			if strings.HasPrefix(text, "-") && fs.Lookup(name) != nil {
				fmt.Fprintf(stderr, "repmon score: %s after a text: flags go first (use -- before a text that starts with -)\n", text)
				return 2
			}
		}
	}
	m, err := sentiment.ParseMode(*mode)
	if err != nil {
		fmt.Fprintf(stderr, "repmon score: --mode: %v\n", err)
		return 2
	}
	if *format != "tsv" && *format != "jsonl" {
		fmt.Fprintf(stderr, "repmon score: --format: %q is not tsv or jsonl\n", *format)
		return 2
	}
	if *labelled && *format != "tsv" {
		fmt.Fprintln(stderr, "repmon score: --labelled writes tsv")
		return 2
	}
	if *brand != "" && *path == "" {
		fmt.Fprintln(stderr, "repmon score: --brand needs --config, which lists the brand's names")
		return 2
	}
	var a *sentiment.Analyzer
	if *path == "" {
		a, err = sentiment.New(sentiment.WithMode(m))
	} else {
		// the collectors' and channels' secrets need not be set to score
		cfg, lerr := loadConfig(*path, stderr, config.Uses("sentiment", "brands"))
		if lerr != nil {
			return 2
		}
		if *brand != "" {
			i := slices.IndexFunc(cfg.Brands, func(b config.Brand) bool { return b.Name == *brand })
			if i < 0 {
				fmt.Fprintf(stderr, "repmon score: --brand: %s has no brand %q\n", *path, *brand)
				return 2
			}
			names = append(brandNames(cfg.Brands[i]), names...)
		}
		// --mode, when given, overrides sentiment.mode
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "mode" {
				cfg.Sentiment.Mode = string(m)
			}
		})
		a, err = newAnalyzer(cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "repmon score: %v\n", err)
		return 1
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	out := scoreWriter{a: a, w: w, jsonl: *format == "jsonl", explain: *explain, names: sentiment.NewNames(names...)}
	var eval *evaluation
	if *labelled {
		eval = &evaluation{}
	}
	// write scores one input; in --labelled mode it reports a line that
	// is not LABEL<TAB>TEXT
	write := func(text string, line int) bool {
		if eval == nil {
			out.write(text)
			return true
		}
		want, text, ok := parseLabelled(text)
		if !ok {
			w.Flush()
			fmt.Fprintf(stderr, "repmon score: --labelled: line %d is not LABEL<TAB>TEXT (LABEL negative, neutral or positive)\n", line)
			return false
		}
		if want >= 0 {
			out.writeLabelled(eval, want, text)
		}
		return true
	}
	if fs.NArg() > 0 {
		for i, text := range fs.Args() {
			if !write(text, i+1) {
				return 2
			}
		}
	} else {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), maxScoreLine)
		line := 0
		for sc.Scan() {
			line++
			if !write(strings.TrimSuffix(sc.Text(), "\r"), line) {
				return 2
			}
			if out.err != nil {
				break
			}
		}
		if err := sc.Err(); err != nil {
			w.Flush()
			if errors.Is(err, bufio.ErrTooLong) {
				fmt.Fprintf(stderr, "repmon score: line %d of stdin is longer than %d MiB; the lines before it were scored\n", line+1, maxScoreLine>>20)
			} else {
				fmt.Fprintf(stderr, "repmon score: read stdin: %v\n", err)
			}
			return 1
		}
	}
	if eval != nil {
		out.writeEvaluation(eval)
	}
	if err := w.Flush(); err != nil || out.err != nil {
		fmt.Fprintf(stderr, "repmon score: write: %v\n", errors.Join(out.err, err))
		return 1
	}
	return 0
}

// labels are the three labels in the order of an evaluation's rows and
// columns.
var labels = [3]string{"negative", "neutral", "positive"}

// parseLabelled splits a --labelled line into its label's index in labels
// and its text. A blank line gives -1 and ok, and is skipped.
func parseLabelled(line string) (label int, text string, ok bool) {
	if strings.TrimSpace(line) == "" {
		return -1, "", true
	}
	l, text, found := strings.Cut(line, "\t")
	if !found {
		return 0, "", false
	}
	switch strings.ToLower(strings.TrimSpace(l)) {
	case "negative", "neg", "-1":
		return 0, text, true
	case "neutral", "neu", "0":
		return 1, text, true
	case "positive", "pos", "1":
		return 2, text, true
	}
	return 0, "", false
}

// evaluation counts labelled texts by their label (row) and the label they
// got (column).
type evaluation struct {
	confusion [3][3]int
}

// writeLabelled scores a text labelled want and writes it if it got
// another label: want, got, compound and the text (with --explain, the
// explanation after it).
func (o *scoreWriter) writeLabelled(e *evaluation, want int, text string) {
	if o.err != nil {
		return
	}
	sc, label, ex := o.score(text)
	got := slices.Index(labels[:], label)
	e.confusion[want][got]++
	if got == want {
		return
	}
	_, o.err = fmt.Fprintf(o.w, "%s\t%s\t%s\t%s\n", labels[want], label, pyFloat(sc.Compound), text)
	if ex != nil {
		o.writeExplanation(ex)
	}
}

// writeEvaluation writes how well the labels were matched, as '#' lines:
// accuracy and macro-F1, each label's recall, precision and F1, and the
// confusion matrix.
func (o *scoreWriter) writeEvaluation(e *evaluation) {
	var n, correct, present int
	var macro float64
	rows := make([]string, 3)
	for k := range labels {
		var posts, predicted int
		for j := range labels {
			posts += e.confusion[k][j]
			predicted += e.confusion[j][k]
		}
		tp := e.confusion[k][k]
		n += posts
		correct += tp
		recall, precision, f1 := ratio(tp, posts), ratio(tp, predicted), ratio(2*tp, posts+predicted)
		if posts+predicted > 0 { // macro-F1 over the labels given or got
			macro += f1
			present++
		}
		rows[k] = fmt.Sprintf("#\t%-9s %6d %7.3f %10.3f %6.3f", labels[k], posts, recall, precision, f1)
	}
	if present > 0 {
		macro /= float64(present)
	}
	fmt.Fprintf(o.w, "#\t%d texts, %d labelled as given: accuracy %.3f, macro-F1 %.3f\n", n, correct, ratio(correct, n), macro)
	fmt.Fprintf(o.w, "#\t%-9s %6s %7s %10s %6s\n", "label", "texts", "recall", "precision", "F1")
	for _, r := range rows {
		fmt.Fprintln(o.w, r)
	}
	fmt.Fprintf(o.w, "#\tlabelled as: %9s %9s %9s\n", labels[0], labels[1], labels[2])
	for k := range labels {
		c := e.confusion[k]
		fmt.Fprintf(o.w, "#\t%-12s %9d %9d %9d\n", labels[k], c[0], c[1], c[2])
	}
	// a write error stays in o.w, which the caller flushes
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// scoreWriter formats one result per input line.
type scoreWriter struct {
	a       *sentiment.Analyzer
	w       *bufio.Writer
	jsonl   bool
	explain bool
	names   sentiment.Names
	buf     []byte
	err     error
}

// scoreLine is one JSONL output line.
type scoreLine struct {
	Text     string                 `json:"text"`
	Compound json.Number            `json:"compound"`
	Pos      json.Number            `json:"pos"`
	Neu      json.Number            `json:"neu"`
	Neg      json.Number            `json:"neg"`
	Label    string                 `json:"label"`
	Explain  *sentiment.Explanation `json:"explain,omitempty"`
}

// score scores text, and explains it with --explain.
func (o *scoreWriter) score(text string) (sentiment.Scores, string, *sentiment.Explanation) {
	if o.explain {
		e := o.a.ExplainNamed(text, o.names)
		return e.Scores, e.Label, &e
	}
	sc := o.a.ScoreNamed(text, o.names)
	return sc, o.a.Label(sc), nil
}

func (o *scoreWriter) write(text string) {
	if o.err != nil {
		return
	}
	sc, label, ex := o.score(text)
	if o.jsonl {
		line := scoreLine{Text: text, Compound: json.Number(pyFloat(sc.Compound)), Pos: json.Number(pyFloat(sc.Positive)),
			Neu: json.Number(pyFloat(sc.Neutral)), Neg: json.Number(pyFloat(sc.Negative)), Label: label, Explain: ex}
		b, err := json.Marshal(line)
		if err != nil {
			o.err = err
			return
		}
		o.w.Write(b)
		_, o.err = o.w.WriteString("\n")
		return
	}
	b := o.buf[:0]
	b = appendPyFloat(b, sc.Compound)
	b = append(b, '\t')
	b = appendPyFloat(b, sc.Positive)
	b = append(b, '\t')
	b = appendPyFloat(b, sc.Neutral)
	b = append(b, '\t')
	b = appendPyFloat(b, sc.Negative)
	b = append(b, '\t')
	b = append(b, label...)
	b = append(b, '\n')
	o.buf = b
	_, o.err = o.w.Write(b)
	if ex != nil {
		o.writeExplanation(ex)
	}
}

// writeExplanation prints an explanation as '#' comment lines.
func (o *scoreWriter) writeExplanation(e *sentiment.Explanation) {
	fmt.Fprintf(o.w, "#\ttokens: %s\n", strings.Join(quoteAll(e.Tokens), " "))
	for _, c := range e.Contributions {
		trigger := ""
		if c.Trigger != "" {
			trigger = " (by " + strconv.Quote(c.Trigger) + ")"
		}
		fmt.Fprintf(o.w, "#\t%-24s %-22s %s -> %s%s\n", strconv.Quote(c.Token), c.Rule, pyFloat(c.Before), pyFloat(c.After), trigger)
	}
	for _, v := range e.Valences {
		fmt.Fprintf(o.w, "#\tfinal %-18s %s (lexicon key %s)\n", strconv.Quote(v.Token), pyFloat(v.Valence), strconv.Quote(v.LexiconKey))
	}
	_, o.err = fmt.Fprintf(o.w, "#\tsum %s (punctuation emphasis %s) -> compound %s, %s\n",
		pyFloat(e.Sum), pyFloat(e.PunctuationEmphasis), pyFloat(e.Scores.Compound), e.Label)
	if d := e.BrandModel; d != nil {
		o.writeBrandModel(d)
	}
}

// writeBrandModel prints the brand model's decision (reputation mode).
func (o *scoreWriter) writeBrandModel(d *sentiment.BrandDecision) {
	if d.BrandPost <= d.Threshold {
		_, o.err = fmt.Fprintf(o.w, "#\tbrand model: not a brand post (%s, at most %s)\n", pyFloat(d.BrandPost), pyFloat(d.Threshold))
		return
	}
	verdict := "agrees with the rules"
	switch {
	case d.Applied:
		verdict = "overrules the rules (" + d.RulesLabel + ")"
	case d.Label != d.RulesLabel:
		verdict = "not confident enough to overrule the rules (" + d.RulesLabel + ")"
	}
	words := make([]string, len(d.Words))
	for i, w := range d.Words {
		words[i] = strconv.Quote(w.Word) + " +" + pyFloat(w.Weight)
	}
	by := ""
	if len(words) > 0 {
		by = ", by " + strings.Join(words, " ")
	}
	_, o.err = fmt.Fprintf(o.w, "#\tbrand model: brand post %s, negative %s neutral %s positive %s: %s %s%s\n",
		pyFloat(d.BrandPost), pyFloat(d.Negative), pyFloat(d.Neutral), pyFloat(d.Positive), d.Label, verdict, by)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// pyFloat formats x as Python's repr does for the already rounded scores:
// the shortest decimal that round-trips, always with a decimal point
// ("0.5", "-0.34", "1.0", "0.0", "-0.0").
func pyFloat(x float64) string { return string(appendPyFloat(nil, x)) }

func appendPyFloat(b []byte, x float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, x, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' || c == 'N' || c == 'I' {
			return b
		}
	}
	return append(b, '.', '0')
}
