package sentiment

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
)

var writeBrandModel = flag.Bool("brandmodel.write", false, "write brandmodel.tsv from the training data")

// brandTrainSets are the labelled posts the brand model learns from.
// brand_posts_fresh6.tsv and brand_posts_fresh7.tsv are held out: no rule
// or weight was fitted to them, so TestBrandPostsHoldout's rates on them
// estimate what hidden posts of the same kind get.
// brand_chatter_g.tsv and brand_chatter_h.tsv are tweets that name a
// brand, by two authors, more than half of them neutral: headlines,
// launches, check-ins, questions and what someone did with a product
// ("got the new @apple update"). Without them the model took a plain
// tweet that names a brand for a complaint; trained on one author's set it
// scored the other's .775/.767 → .830/.816 (accuracy / macro-F1).
// brand_posts_fresh51-82.tsv are sixteen more authors' sets on themes the
// others barely touch (games and cars, schools and pets, business software
// and gig work, utilities and fashion, insurance and appliances, couriers
// and social apps, food and travel, carriers and employers, health and
// renting, remittances and cruises, tech accounts and DIY stores, local
// services and packaged food, media and parking, small-business banking
// and events, pets and home installs, loyalty schemes and charities), one
// as found and one hard each, written in three rounds. Scored by the
// model before each round joined, a round's complaints got .86 / .59,
// .87 / .68 and .85 / .70 (as found / hard). fresh83-98 and fresh99-114
// are two more rounds of eight authors each (public services and
// furniture, coffee and betting, baby products and trades, airlines and
// sportswear; then small-business software and education, car rental and
// DIY, supermarkets and appliances, games and social platforms, fashion
// and jewellery, removals and professional services, gyms and live
// music, travel extras and postal shipping): .88 / .70 and .88 / .75.
var brandTrainSets = []string{
	"brand_posts.tsv", "brand_posts_holdout.tsv", "brand_chatter_g.tsv", "brand_chatter_h.tsv",
	"brand_posts_fresh.tsv", "brand_posts_fresh2.tsv", "brand_posts_fresh3.tsv",
	"brand_posts_fresh4.tsv", "brand_posts_fresh5.tsv", "brand_posts_fresh8.tsv",
	"brand_posts_fresh9.tsv", "brand_posts_fresh10.tsv", "brand_posts_fresh11.tsv", "brand_posts_fresh12.tsv", "brand_posts_fresh13.tsv", "brand_posts_fresh14.tsv",
	"brand_posts_fresh15.tsv", "brand_posts_fresh16.tsv", "brand_posts_fresh17.tsv", "brand_posts_fresh18.tsv",
	"brand_posts_fresh19.tsv", "brand_posts_fresh20.tsv", "brand_posts_fresh21.tsv", "brand_posts_fresh22.tsv",
	"brand_posts_fresh23.tsv", "brand_posts_fresh24.tsv", "brand_posts_fresh25.tsv", "brand_posts_fresh26.tsv",
	"brand_posts_fresh27.tsv", "brand_posts_fresh28.tsv", "brand_posts_fresh29.tsv", "brand_posts_fresh30.tsv",
	"brand_posts_fresh35.tsv", "brand_posts_fresh36.tsv", "brand_posts_fresh37.tsv", "brand_posts_fresh38.tsv",
	"brand_posts_fresh39.tsv", "brand_posts_fresh40.tsv", "brand_posts_fresh41.tsv", "brand_posts_fresh42.tsv",
	"brand_posts_fresh43.tsv", "brand_posts_fresh44.tsv", "brand_posts_fresh45.tsv", "brand_posts_fresh46.tsv",
	"brand_posts_fresh47.tsv", "brand_posts_fresh48.tsv", "brand_posts_fresh49.tsv", "brand_posts_fresh50.tsv",
	"brand_posts_fresh51.tsv", "brand_posts_fresh52.tsv", "brand_posts_fresh53.tsv", "brand_posts_fresh54.tsv",
	"brand_posts_fresh55.tsv", "brand_posts_fresh56.tsv", "brand_posts_fresh57.tsv", "brand_posts_fresh58.tsv",
	"brand_posts_fresh59.tsv", "brand_posts_fresh60.tsv", "brand_posts_fresh61.tsv", "brand_posts_fresh62.tsv",
	"brand_posts_fresh63.tsv", "brand_posts_fresh64.tsv", "brand_posts_fresh65.tsv", "brand_posts_fresh66.tsv",
	"brand_posts_fresh67.tsv", "brand_posts_fresh68.tsv", "brand_posts_fresh69.tsv", "brand_posts_fresh70.tsv",
	"brand_posts_fresh71.tsv", "brand_posts_fresh72.tsv", "brand_posts_fresh73.tsv", "brand_posts_fresh74.tsv",
	"brand_posts_fresh75.tsv", "brand_posts_fresh76.tsv", "brand_posts_fresh77.tsv", "brand_posts_fresh78.tsv",
	"brand_posts_fresh79.tsv", "brand_posts_fresh80.tsv", "brand_posts_fresh81.tsv", "brand_posts_fresh82.tsv",
	"brand_posts_fresh83.tsv", "brand_posts_fresh84.tsv", "brand_posts_fresh85.tsv", "brand_posts_fresh86.tsv",
	"brand_posts_fresh87.tsv", "brand_posts_fresh88.tsv", "brand_posts_fresh89.tsv", "brand_posts_fresh90.tsv",
	"brand_posts_fresh91.tsv", "brand_posts_fresh92.tsv", "brand_posts_fresh93.tsv", "brand_posts_fresh94.tsv",
	"brand_posts_fresh95.tsv", "brand_posts_fresh96.tsv", "brand_posts_fresh97.tsv", "brand_posts_fresh98.tsv",
	"brand_posts_fresh99.tsv", "brand_posts_fresh100.tsv", "brand_posts_fresh101.tsv", "brand_posts_fresh102.tsv",
	"brand_posts_fresh103.tsv", "brand_posts_fresh104.tsv", "brand_posts_fresh105.tsv", "brand_posts_fresh106.tsv",
	"brand_posts_fresh107.tsv", "brand_posts_fresh108.tsv", "brand_posts_fresh109.tsv", "brand_posts_fresh110.tsv",
	"brand_posts_fresh111.tsv", "brand_posts_fresh112.tsv", "brand_posts_fresh113.tsv", "brand_posts_fresh114.tsv",
}

// Training settings; changing one changes brandmodel.tsv.
const (
	// a word must occur in this many training posts; 4 before fresh67-82,
	// which with it put 2,200 more words in the word table and cost 1.6%
	// of a corpus pass for no measurable gain; with fresh83-98, 8 scored
	// and ran the same as 6
	brandMinPosts     = 6
	brandMinPairPosts = 5 // and a word pair in this many
	// a word capitalised in this share of its occurrences is a name
	// (brandNames)
	brandNameShare    = 0.8
	brandLabelL2      = 0.0001 // L2 penalty of the label model
	brandDomainL2     = 0.0003 // L2 penalty of the domain model
	brandIterations   = 200    // full-batch AdaGrad steps
	brandLearningRate = 0.3
	// the weight in the label model of a general text that the domain
	// model takes for a brand post, relative to a brand post's; with the
	// sets of fresh35-50, 1.0 put the tweets corpus's F1 at .940, below
	// the reference, and with fresh51-66 1.5 put it at .943 (2.0: .945);
	// with fresh67-82, 3.5 rather than 2.5 kept Sanders 0.03 above VADER;
	// with fresh83-98, 4.5 moved the tweets corpus's F1 from .947 to .950
	// but left Sanders where it was and cost the hard sets half a point;
	// with fresh99-114, 3.5 left that F1 at .9449, under the reference's
	// .9451, and 4.5 rather than 4.0 took it from .9460 to .9481 for 0.4
	// points of the hard sets' praise (leaving one author out)
	brandGeneralWeight = 4.5
	// the label model learns each row's weight for a label on the row
	// scaled by |log r|^brandNBPower, r the naive-Bayes ratio of how often
	// the row occurs with that label and with the others (NB-LR, Wang and
	// Manning 2012, softened by the power): a word that tells the labels
	// apart is penalised less. Leaving one author out, it moved complaints
	// +1.1 and praise +0.9 points on the posts as found (0.25 and 0.75
	// were within a point of 0.5 on every class).
	brandNBPower = 0.5
	// brandComplaintBias is added to the complaint logit: a missed
	// complaint costs more than a false alarm (e^0.5, 1.65 times).
	// Leaving one author out, 0.25 moved complaints +1.7 points as found
	// and +2.6 hard, for praise -0.8 and -3.0 and news -0.8 and -1.0;
	// of 0, 0.25 and 0.5 it scored best on Sentiment140 (see the README).
	// With fresh83-98, 0.35 rather than 0.25 took complaints as found
	// from .899 to .905 and hard from .779 to .785, for praise -0.4 and
	// -1.1 points: a new author's complaints are what the model misses.
	// With fresh99-114, 0.5 rather than 0.35 took them from .909 to .919
	// as found (.796 to .806 hard), for praise .938 to .930 (.795 to
	// .777) and news .928 to .922 (.831 to .824); the authors of the
	// three newest rounds went from .888-.897 to .899-.908, with praise
	// still at .919 or more; the tweets corpus's F1 went from .9481 to
	// .9461 (the reference: .9451).
	brandComplaintBias = 0.5
)

// withBrand is a copy of l whose brand model is m.
func (l *lexicon) withBrand(m *brandModel) *lexicon {
	c := *l
	c.words = maps.Clone(l.words)
	c.setBrand(m)
	c.table = newWordTable(c.words)
	return &c
}

// brandExample is one text as the models see it: the rows of its words
// and the rules' compound.
type brandExample struct {
	rows  []uint16
	c     float64
	label int     // column of the gold label, or 1 for a brand post in the domain model
	wt    float64 // weight in the loss
	gate  float64 // the domain logit above which brandLayer acts on it
}

// TestTrainBrandModel trains the brand model from testdata and the VADER
// corpora and checks that brandmodel.tsv holds what it trains; with
// -brandmodel.write it writes the file instead.
func TestTrainBrandModel(t *testing.T) {
	corpus := append(loadCorpora(t), loadGeneralTweets(t)...)
	var posts []brandPost
	for _, f := range brandTrainSets {
		posts = append(posts, loadBrandPosts(t, f)...)
	}
	m := trainBrandModel(t, posts, corpus)
	general := 0
	for _, ct := range corpus {
		if ct.corpus != "edge_cases" {
			general++
		}
	}
	got := formatBrandModel(m, len(posts), general)
	if *writeBrandModel {
		if err := os.WriteFile("brandmodel.tsv", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := parseBrandModel(brandModelTSV)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameBrandModel(m, want); err != nil {
		t.Fatalf("brandmodel.tsv is not what the training data gives (%v); run go test ./sentiment -run TestTrainBrandModel -brandmodel.write", err)
	}
}

// loadGeneralTweets returns testdata/general_tweets.tsv (label, text):
// tweets about sport, television, school and plans, most of them neutral,
// written for this repository. They join the VADER corpora as general
// text, so that the domain model learns that a post in the first person
// with a day and a time is not thereby a customer's, and the label model,
// where the domain model still takes one for a brand post, that it is
// neutral. The rating stands for the label (±2, 0).
func loadGeneralTweets(t *testing.T) []corpusText {
	var out []corpusText
	for _, p := range loadBrandPosts(t, "general_tweets.tsv") {
		r := map[string]float64{"negative": -2, "neutral": 0, "positive": 2}[p.label]
		out = append(out, corpusText{corpus: "general_tweets", text: p.text, rating: r})
	}
	return out
}

func trainBrandModel(t *testing.T, posts []brandPost, corpus []corpusText) *brandModel {
	base, err := baseLexicon(ModeReputation)
	if err != nil {
		t.Fatal(err)
	}
	// the vocabulary: words of at least brandMinPosts training posts, as
	// the tokenizer forms them, and "@" for every @mention
	rules := &Analyzer{mode: ModeReputation, neg: -0.05, pos: 0.05, lex: base.withBrand(nil)}
	df := map[string]int{}
	freq := map[string]int{} // in posts and general texts, for the row order
	for _, p := range posts {
		for w := range brandKeys(rules, p.text) {
			df[w]++
			freq[w]++
		}
	}
	var vocab []string
	for w, n := range df {
		if n >= brandMinPosts {
			vocab = append(vocab, w)
		}
	}
	// most frequent first, so that the rows (and the word table's records,
	// which follow them) of the words nearly every text has share cache
	// lines
	for _, c := range corpus {
		if c.corpus != "edge_cases" {
			for w := range brandKeys(rules, c.text) {
				freq[w]++
			}
		}
	}
	slices.SortFunc(vocab, func(a, b string) int {
		return cmp.Or(cmp.Compare(freq[b], freq[a]), strings.Compare(a, b))
	})
	vocab = append(vocab, markKeys[:]...)
	m := &brandModel{words: append([]string{""}, vocab...), rows: make([][4]float32, len(vocab)+1), dom: make([]float32, len(vocab)+1)}
	for r, w := range m.words {
		if w == keyMention {
			m.mention = uint16(r)
		}
		if k := slices.Index(markKeys[:], w); k >= 0 {
			m.marks[k] = uint16(r)
		}
	}
	// with all weights 0 the model changes no score: the rows are found
	// by the same code that scores
	a := &Analyzer{mode: ModeReputation, neg: -0.05, pos: 0.05, lex: base.withBrand(m)}
	// word pairs of at least brandMinPairPosts training posts, in the order
	// of their words' rows
	pdf := map[uint32]int{}
	for _, p := range posts {
		for k := range brandPairs(a, p.text) {
			pdf[k]++
		}
	}
	pairs := frequent(pdf, brandMinPairPosts)
	// words in a negation's scope in at least brandMinPosts training
	// posts get a row of their own
	ndf := map[uint16]int{}
	for _, p := range posts {
		for r := range brandNegated(a, p.text) {
			ndf[r]++
		}
	}
	negated := frequent(ndf, brandMinPosts)
	if len(m.rows)+len(pairs)+len(negated) >= math.MaxUint16 {
		t.Fatalf("brand model: %d words, %d pairs and %d negated words, more rows than a uint16 holds", len(vocab), len(pairs), len(negated))
	}
	for _, k := range pairs {
		m.pairs.put(k, m.newRow(pairPrefix+m.words[k>>16]+" "+m.words[k&0xffff]))
	}
	m.neg = make([]uint16, len(vocab)+1)
	for _, r := range negated {
		m.neg[r] = m.newRow(negPrefix + m.words[r])
	}
	var label, domain []brandExample
	// the label model also sees a text's word pairs and marks, the domain
	// model only its words: brandLayer looks for the rest only in texts
	// the domain model takes for brand posts
	for _, p := range posts {
		e, rows := brandFeatures(a, p.text)
		e.label, e.wt = 1, 0.5/float64(len(posts))
		domain = append(domain, e)
		e.rows = rows
		e.label, e.wt = map[string]int{"negative": bNeg, "neutral": bNeu, "positive": bPos}[p.label], 1
		label = append(label, e)
	}
	var general int
	for _, ct := range corpus {
		if ct.corpus != "edge_cases" {
			general++
		}
	}
	var generalLabels []int
	var generalRows [][]uint16
	var generalTexts []string
	for _, ct := range corpus {
		if ct.corpus != "edge_cases" {
			e, rows := brandFeatures(a, ct.text)
			e.label, e.wt = 0, 0.5/float64(general)
			domain = append(domain, e)
			generalLabels = append(generalLabels, 1+classify3(ct.rating))
			generalRows = append(generalRows, rows)
			generalTexts = append(generalTexts, ct.text)
		}
	}
	dw, dbias := trainDomainModel(domain, len(m.rows))
	round := func(x float64) float64 { return math.Round(x*1e4) / 1e4 }
	// the rules read the domain model (customerPost): the label model
	// learns from the compound they give with it, as brandLayer sees it
	for r := 1; r < len(m.rows); r++ {
		m.rows[r][bDomain] = float32(round(dw[r]))
		m.dom[r] = m.rows[r][bDomain]
	}
	m.bias[bDomain] = round(dbias)
	a = &Analyzer{mode: ModeReputation, neg: -0.05, pos: 0.05, lex: base.withBrand(m)}
	for i, p := range posts {
		e, _ := brandFeatures(a, p.text)
		label[i].c = e.c
	}
	for i := range domain[len(posts):] {
		e, _ := brandFeatures(a, generalTexts[i])
		domain[len(posts)+i].c = e.c
	}
	// the general texts the domain model takes for brand posts are where
	// the label model would act on general text: it learns from them too,
	// labelled by their human ratings
	for i, e := range domain[len(posts):] {
		z := dbias
		for _, r := range e.rows {
			z += dw[r]
		}
		if z > e.gate {
			e.label, e.wt = generalLabels[i], brandGeneralWeight
			e.rows = generalRows[i]
			label = append(label, e)
		}
	}
	// names share one label weight (see brandNames)
	isName := make([]bool, len(m.rows))
	names := brandNames(rules, posts)
	for r, w := range m.words[:len(vocab)+1] {
		isName[r] = names[w]
	}
	name := uint16(len(m.rows)) // the shared row, past the model's
	for i := range label {
		for j, r := range label[i].rows {
			if isName[r] {
				label[i].rows[j] = name
			}
		}
	}
	w, bias, wx := trainLabelModel(label, len(m.rows)+1)
	for k := 0; k < 3; k++ { // the domain column is set above
		for r := 1; r < len(m.rows); r++ {
			from := r
			if isName[r] {
				from = int(name)
			}
			m.rows[r][k] = float32(round(w[from][k]))
		}
		m.bias[k] = round(bias[k])
		for q := range wx[k] {
			m.wx[k][q] = round(wx[k][q])
		}
	}
	return m
}

// brandNames returns the words that the training posts write as names:
// with a capital ("Android", "iPhone") or as a #hashtag, in at least brandNameShare of their
// occurrences past the start of a sentence, in at least brandMinPosts
// of them. The label model gives them all one weight, that of a name:
// a brand's or a product's name says which brand a post is about, not
// what the post says of it, and a user who watches "Android" gets every
// post with the word. Learned one by one, the names of real brands that
// a few authors wrote about took the lean of those authors' posts:
// "android" moved posts away from praise, and Sanders' launch-day
// tweets about Android's new version ("Better gallery app to be
// included with Android 4.0 as well. #Google #Android") were read as
// complaints.
func brandNames(a *Analyzer, posts []brandPost) map[string]bool {
	capital, all := map[string]int{}, map[string]int{}
	s := getScratch()
	defer putScratch(s)
	for _, p := range posts {
		a.score(s, p.text, nil)
		for i := range s.toks {
			t := &s.toks[i]
			if t.mention || i == 0 || s.toks[i-1].sentEnd {
				continue
			}
			w, raw := string(s.lowr(i)), s.str(i)
			// the pronoun, also quoted ("I) or with a verb (I'm)
			core := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
			if w == "" || len(raw) == 0 || core == "i" || strings.HasPrefix(core, "i'") {
				continue
			}
			all[w]++
			if t.hash || bytes.ContainsFunc(raw, unicode.IsUpper) { // "Android", "iPhone"
				capital[w]++
			}
		}
	}
	names := map[string]bool{}
	for w, n := range all {
		if n >= brandMinPosts && float64(capital[w]) >= brandNameShare*float64(n) {
			names[w] = true
		}
	}
	return names
}

// brandKeys returns the set of vocabulary keys of text's tokens.
func brandKeys(a *Analyzer, text string) map[string]bool {
	s := getScratch()
	defer putScratch(s)
	a.score(s, text, nil)
	keys := map[string]bool{}
	for i := range s.toks {
		if s.toks[i].mention {
			keys[keyMention] = true
		} else if w := string(s.lowr(i)); w != "" && !strings.Contains(w, " ") {
			keys[w] = true
		}
	}
	return keys
}

// brandFeatures returns text as the models see it: the domain model's
// example (its words' rows and the rules' compound), and the label model's
// rows (brandRows).
func brandFeatures(a *Analyzer, text string) (brandExample, []uint16) {
	s := getScratch()
	defer putScratch(s)
	sc := a.scoreRules(s, text, nil)
	var e brandExample
	m := a.lex.brand
	for i := range s.toks {
		if r := s.brandRow(m, i); r != 0 {
			e.rows = append(e.rows, r)
		}
	}
	e.c = sc.Compound
	e.gate = s.brandGate()
	return e, s.brandRows(m, nil)
}

// brandPairs returns the set of word pairs of text whose words both have
// rows, as brandRows finds them, keyed as brandModel.pairs.
func brandPairs(a *Analyzer, text string) map[uint32]bool {
	s := getScratch()
	defer putScratch(s)
	a.score(s, text, nil)
	pairs := map[uint32]bool{}
	prev := uint16(0)
	for i := range s.toks {
		r := s.brandRow(a.lex.brand, i)
		if r != 0 && prev != 0 {
			pairs[uint32(prev)<<16|uint32(r)] = true
		}
		prev = r
	}
	return pairs
}

// frequent returns, in order, the keys that df counts at least min times.
func frequent[K cmp.Ordered](df map[K]int, min int) []K {
	var keys []K
	for k, n := range df {
		if n >= min {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// newRow appends a row of zero weights for key and returns its index.
func (m *brandModel) newRow(key string) uint16 {
	m.words = append(m.words, key)
	m.rows = append(m.rows, [4]float32{})
	m.dom = append(m.dom, 0)
	return uint16(len(m.rows) - 1)
}

// brandNegated returns the set of word rows of text that occur in a
// negation's scope, as brandRows finds them.
func brandNegated(a *Analyzer, text string) map[uint16]bool {
	s := getScratch()
	defer putScratch(s)
	a.score(s, text, nil)
	rows := map[uint16]bool{}
	scope := 0
	for i := range s.toks {
		if r := s.brandRow(a.lex.brand, i); r != 0 && scope > 0 {
			rows[r] = true
		}
		scope = s.scopeAfter(i, scope)
	}
	return rows
}

// ruleFeatures are the label model's inputs from the rules: the compound
// and a one-hot of its label, as brandLayer adds them.
func ruleFeatures(c float64) [4]float64 {
	f := [4]float64{c}
	f[1+classify(c)] = 1
	return f
}

// adagrad is one AdaGrad step on w with gradient g.
func adagrad(w, g2 *float64, g float64) {
	*g2 += g * g
	if *g2 > 0 {
		*w -= brandLearningRate * g / math.Sqrt(*g2)
	}
}

// trainLabelModel fits a multinomial logistic regression: per row the
// logits of the three labels, a bias, and weights on ruleFeatures.
func trainLabelModel(ex []brandExample, rows int) (w [][3]float64, bias [3]float64, wx [3][4]float64) {
	w = make([][3]float64, rows)
	g2 := make([][3]float64, rows)
	grad := make([][3]float64, rows)
	var bias2 [3]float64
	var wx2 [3][4]float64
	var n float64
	for _, e := range ex {
		n += e.wt
	}
	sc := nbScales(ex, rows)
	for it := 0; it < brandIterations; it++ {
		clear(grad)
		var gb [3]float64
		var gx [3][4]float64
		for _, e := range ex {
			f := ruleFeatures(e.c)
			var z [4]float64
			for k := 0; k < 3; k++ {
				z[k] = bias[k]
				for q := range f {
					z[k] += wx[k][q] * f[q]
				}
			}
			for _, r := range e.rows {
				for k := 0; k < 3; k++ {
					z[k] += w[r][k] * sc[r][k]
				}
			}
			p := softmax3(z)
			for k := 0; k < 3; k++ {
				d := p[k]
				if k == e.label {
					d--
				}
				d *= e.wt / n
				for _, r := range e.rows {
					grad[r][k] += d * sc[r][k]
				}
				gb[k] += d
				for q := range f {
					gx[k][q] += d * f[q]
				}
			}
		}
		for r := 1; r < rows; r++ {
			for k := 0; k < 3; k++ {
				adagrad(&w[r][k], &g2[r][k], grad[r][k]+2*brandLabelL2*w[r][k])
			}
		}
		for k := 0; k < 3; k++ {
			adagrad(&bias[k], &bias2[k], gb[k])
			for q := range gx[k] {
				adagrad(&wx[k][q], &wx2[k][q], gx[k][q])
			}
		}
	}
	// the weights on the unscaled rows, which brandLayer sums
	for r := range w {
		for k := 0; k < 3; k++ {
			w[r][k] *= sc[r][k]
		}
	}
	bias[bNeg] += brandComplaintBias
	return w, bias, wx
}

// nbScales returns, per row and label, |log r|^brandNBPower where r is
// the ratio of the row's share of the label's (weighted, add-one
// smoothed) row occurrences to its share of the other labels'.
func nbScales(ex []brandExample, rows int) [][3]float64 {
	cnt := make([][3]float64, rows)
	for _, e := range ex {
		for _, r := range e.rows {
			cnt[r][e.label] += e.wt
		}
	}
	var in, out [3]float64 // the smoothed totals
	for r := 1; r < rows; r++ {
		all := cnt[r][0] + cnt[r][1] + cnt[r][2]
		for k := 0; k < 3; k++ {
			in[k] += cnt[r][k] + 1
			out[k] += all - cnt[r][k] + 1
		}
	}
	sc := make([][3]float64, rows)
	for r := 1; r < rows; r++ {
		all := cnt[r][0] + cnt[r][1] + cnt[r][2]
		for k := 0; k < 3; k++ {
			ratio := (cnt[r][k] + 1) / in[k] / ((all - cnt[r][k] + 1) / out[k])
			sc[r][k] = math.Pow(math.Abs(math.Log(ratio)), brandNBPower)
		}
	}
	return sc
}

// trainDomainModel fits a binary logistic regression, brand post or not.
func trainDomainModel(ex []brandExample, rows int) (w []float64, bias float64) {
	w = make([]float64, rows)
	g2 := make([]float64, rows)
	grad := make([]float64, rows)
	var bias2 float64
	for it := 0; it < brandIterations; it++ {
		clear(grad)
		var gb float64
		for _, e := range ex {
			z := bias
			for _, r := range e.rows {
				z += w[r]
			}
			d := (1/(1+math.Exp(-z)) - float64(e.label)) * e.wt
			for _, r := range e.rows {
				grad[r] += d
			}
			gb += d
		}
		for r := 1; r < rows; r++ {
			adagrad(&w[r], &g2[r], grad[r]+2*brandDomainL2*w[r])
		}
		adagrad(&bias, &bias2, gb)
	}
	return w, bias
}

func formatBrandModel(m *brandModel, posts, general int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# The brand model of reputation mode (see brand.go), trained from %d labelled\n", posts)
	fmt.Fprintf(&b, "# brand posts (brandTrainSets in brand_train_test.go) and %d texts of\n", general)
	b.WriteString("# the VADER corpora by TestTrainBrandModel; do not edit. Columns: key, then the\n")
	b.WriteString("# logits of negative, neutral, positive, and of being a brand post.\n")
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 32) }
	line := func(key string, w [4]float64) {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\n", key, f(w[0]), f(w[1]), f(w[2]), f(w[3]))
	}
	line(keyBias, m.bias)
	for q, key := range []string{keyCompound, keyRuleNeg, keyRuleNeu, keyRulePos} {
		line(key, [4]float64{m.wx[0][q], m.wx[1][q], m.wx[2][q], 0})
	}
	for r := 1; r < len(m.words); r++ {
		w := m.rows[r]
		line(m.words[r], [4]float64{float64(w[0]), float64(w[1]), float64(w[2]), float64(w[3])})
	}
	return b.String()
}

// sameBrandModel compares two models up to small floating-point
// differences between platforms.
func sameBrandModel(a, b *brandModel) error {
	if !slices.Equal(a.words, b.words) {
		return fmt.Errorf("vocabulary differs: %d words, want %d", len(a.words), len(b.words))
	}
	close := func(x, y float64) bool { return math.Abs(x-y) <= 2e-3 }
	for r := range a.rows {
		for k := range a.rows[r] {
			if !close(float64(a.rows[r][k]), float64(b.rows[r][k])) {
				return fmt.Errorf("%q: weight %d is %v, want %v", a.words[r], k, a.rows[r][k], b.rows[r][k])
			}
		}
	}
	for k := range a.bias {
		if !close(a.bias[k], b.bias[k]) {
			return fmt.Errorf("bias %d is %v, want %v", k, a.bias[k], b.bias[k])
		}
	}
	for k := range a.wx {
		for q := range a.wx[k] {
			if !close(a.wx[k][q], b.wx[k][q]) {
				return fmt.Errorf("rules weight %d/%d is %v, want %v", k, q, a.wx[k][q], b.wx[k][q])
			}
		}
	}
	return nil
}

// brandAuthors are the sets of fresh35-50 by author: the set as a monitor
// finds posts, then the hard set.
var brandAuthors = [][2]string{
	{"brand_posts_fresh35.tsv", "brand_posts_fresh36.tsv"},
	{"brand_posts_fresh38.tsv", "brand_posts_fresh37.tsv"},
	{"brand_posts_fresh39.tsv", "brand_posts_fresh40.tsv"},
	{"brand_posts_fresh42.tsv", "brand_posts_fresh41.tsv"},
	{"brand_posts_fresh44.tsv", "brand_posts_fresh43.tsv"},
	{"brand_posts_fresh45.tsv", "brand_posts_fresh46.tsv"},
	{"brand_posts_fresh47.tsv", "brand_posts_fresh48.tsv"},
	{"brand_posts_fresh50.tsv", "brand_posts_fresh49.tsv"},
	{"brand_posts_fresh51.tsv", "brand_posts_fresh52.tsv"},
	{"brand_posts_fresh53.tsv", "brand_posts_fresh54.tsv"},
	{"brand_posts_fresh55.tsv", "brand_posts_fresh56.tsv"},
	{"brand_posts_fresh57.tsv", "brand_posts_fresh58.tsv"},
	{"brand_posts_fresh59.tsv", "brand_posts_fresh60.tsv"},
	{"brand_posts_fresh61.tsv", "brand_posts_fresh62.tsv"},
	{"brand_posts_fresh63.tsv", "brand_posts_fresh64.tsv"},
	{"brand_posts_fresh65.tsv", "brand_posts_fresh66.tsv"},
	{"brand_posts_fresh67.tsv", "brand_posts_fresh68.tsv"},
	{"brand_posts_fresh69.tsv", "brand_posts_fresh70.tsv"},
	{"brand_posts_fresh71.tsv", "brand_posts_fresh72.tsv"},
	{"brand_posts_fresh73.tsv", "brand_posts_fresh74.tsv"},
	{"brand_posts_fresh75.tsv", "brand_posts_fresh76.tsv"},
	{"brand_posts_fresh77.tsv", "brand_posts_fresh78.tsv"},
	{"brand_posts_fresh79.tsv", "brand_posts_fresh80.tsv"},
	{"brand_posts_fresh81.tsv", "brand_posts_fresh82.tsv"},
	{"brand_posts_fresh83.tsv", "brand_posts_fresh84.tsv"},
	{"brand_posts_fresh85.tsv", "brand_posts_fresh86.tsv"},
	{"brand_posts_fresh87.tsv", "brand_posts_fresh88.tsv"},
	{"brand_posts_fresh89.tsv", "brand_posts_fresh90.tsv"},
	{"brand_posts_fresh91.tsv", "brand_posts_fresh92.tsv"},
	{"brand_posts_fresh93.tsv", "brand_posts_fresh94.tsv"},
	{"brand_posts_fresh95.tsv", "brand_posts_fresh96.tsv"},
	{"brand_posts_fresh97.tsv", "brand_posts_fresh98.tsv"},
	{"brand_posts_fresh99.tsv", "brand_posts_fresh100.tsv"},
	{"brand_posts_fresh101.tsv", "brand_posts_fresh102.tsv"},
	{"brand_posts_fresh103.tsv", "brand_posts_fresh104.tsv"},
	{"brand_posts_fresh105.tsv", "brand_posts_fresh106.tsv"},
	{"brand_posts_fresh107.tsv", "brand_posts_fresh108.tsv"},
	{"brand_posts_fresh109.tsv", "brand_posts_fresh110.tsv"},
	{"brand_posts_fresh111.tsv", "brand_posts_fresh112.tsv"},
	{"brand_posts_fresh113.tsv", "brand_posts_fresh114.tsv"},
}

// TestBrandCrossAuthor estimates what the posts of an author the model
// never saw get: for each of the 40 authors of fresh35-114 it trains the
// brand model on brandTrainSets without that author's two sets and scores
// them, and logs the rates pooled over the authors, for the sets as found
// and the hard ones. The floors are today's rates, so that a change that
// carries over less to new authors fails even where it fits the training
// sets better.
func TestBrandCrossAuthor(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model per author")
	}
	corpus := append(loadCorpora(t), loadGeneralTweets(t)...)
	base, err := baseLexicon(ModeReputation)
	if err != nil {
		t.Fatal(err)
	}
	floor := map[string]map[string]float64{
		// 40 authors since fresh99-114 joined (32 with fresh83-98, 24
		// with fresh51-82, whose posts are harder than fresh35-50's):
		// .921 / .932 / .921 as found and .825 / .781 / .825 hard with
		// the service gate (.917 / .933 / .922 and .807 / .784 / .825
		// before it, with the negated words; .919 / .930 / .922 and .806
		// / .777 / .824 before those)
		// one weight for all names (brandNames) moved these to .921 /
		// .930 / .921 and .824 / .781 / .822, praise as found just under
		// .93
		"as found": {"negative": 0.92, "positive": 0.92, "neutral": 0.92},
		"hard":     {"negative": 0.82, "positive": 0.78, "neutral": 0.82},
	}
	hit := map[string]map[string]float64{"as found": {}, "hard": {}}
	all := map[string]map[string]float64{"as found": {}, "hard": {}}
	sets := map[string][]brandPost{} // read once, shared read-only
	for _, f := range brandTrainSets {
		sets[f] = loadBrandPosts(t, f)
	}
	var mu sync.Mutex
	// the models train in parallel subtests (one per CPU, -parallel);
	// the group returns when all have been counted
	t.Run("authors", func(t *testing.T) {
		for _, author := range brandAuthors {
			t.Run(strings.TrimSuffix(author[0], ".tsv"), func(t *testing.T) {
				t.Parallel()
				var posts []brandPost
				for _, f := range brandTrainSets {
					if f != author[0] && f != author[1] {
						posts = append(posts, sets[f]...)
					}
				}
				m := trainBrandModel(t, posts, corpus)
				a := &Analyzer{mode: ModeReputation, neg: -0.05, pos: 0.05, lex: base.withBrand(m)}
				for i, pool := range []string{"as found", "hard"} {
					for _, p := range sets[author[i]] {
						ok := a.Label(a.Score(p.text)) == p.label
						mu.Lock()
						all[pool][p.label]++
						if ok {
							hit[pool][p.label]++
						}
						mu.Unlock()
					}
				}
			})
		}
	})
	if t.Failed() {
		return
	}
	for _, pool := range []string{"as found", "hard"} {
		rates := map[string]float64{}
		for label, n := range all[pool] {
			rates[label] = hit[pool][label] / n
			if rates[label] < floor[pool][label] {
				t.Errorf("%s: %.1f%% of %s posts labelled %s, floor %.0f%%", pool, 100*rates[label], label, label, 100*floor[pool][label])
			}
		}
		t.Logf("%s (%v posts): complaints %.3f, praise %.3f, news %.3f", pool, all[pool]["negative"]+all[pool]["positive"]+all[pool]["neutral"], rates["negative"], rates["positive"], rates["neutral"])
	}
}
