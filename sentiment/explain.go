package sentiment

import "math"

// Explanation tells why a text got its scores: which tokens and phrases
// carried sentiment and which rules changed their valence. It is meant for
// people tuning a deployment ("why was this post flagged, and which
// lexicon override would fix it?") and serialises to JSON.
type Explanation struct {
	Text   string `json:"text"`
	Mode   Mode   `json:"mode"`
	Scores Scores `json:"scores"`
	Label  string `json:"label"`
	// Tokens are the words as the analyzer split them (emoji expanded,
	// surrounding punctuation stripped).
	Tokens []string `json:"tokens"`
	// Contributions lists every rule application in the order applied.
	Contributions []Contribution `json:"contributions"`
	// Valences are the final valences of the tokens that carry sentiment;
	// their sum, plus punctuation emphasis, gives the compound score.
	Valences []TokenValence `json:"valences"`
	// Sum is the valence sum after punctuation emphasis, before it is
	// normalised into Compound.
	Sum float64 `json:"sum"`
	// PunctuationEmphasis is the amplification from '!' and '?'.
	PunctuationEmphasis float64 `json:"punctuation_emphasis"`
	// BrandModel is what reputation mode's learned layer made of the
	// text; when it overruled the rules, it set Compound.
	BrandModel *BrandDecision `json:"brand_model,omitempty"`
}

// Contribution is one rule that set or changed a token's valence.
type Contribution struct {
	// Token is the word or phrase whose valence changed; Index is its
	// position in Tokens.
	Token string `json:"token"`
	Index int    `json:"index"`
	// Trigger is the word that caused the change when it is another one
	// ("not" for a negation, "very" for a booster).
	Trigger string `json:"trigger,omitempty"`
	// Rule names the rule. Both modes: lexicon, negation, negated_by_no,
	// booster, allcaps, idiom, booster_ngram, dampener_ngram, least,
	// never_so, no_as_negator, but_before, but_after. Reputation mode
	// adds: phrase, waiting_time, quick_outcome, recurring_failure,
	// counted_attempts, closing_verdict, sarcasm,
	// politeness_in_complaint, thanks_with_praise, unmet_expectation,
	// quoted_claim, why_question, time_contrast, substitution,
	// info_question, headline, resolved, used_to, praise_until, protection,
	// brand_name (ExplainNamed).
	Rule   string  `json:"rule"`
	Before float64 `json:"valence_before"`
	After  float64 `json:"valence_after"`
}

// TokenValence is the final valence of one token or phrase. LexiconKey is
// the key to pass to WithLexicon to change it.
type TokenValence struct {
	Token      string  `json:"token"`
	Index      int     `json:"index"`
	Valence    float64 `json:"valence"`
	LexiconKey string  `json:"lexicon_key"`
}

// Explain scores text and reports how the score came about. It allocates
// and is much slower than Score; the scores are identical.
func (a *Analyzer) Explain(text string) Explanation { return a.explain(text, nil) }

func (a *Analyzer) explain(text string, names [][]string) Explanation {
	s := getScratch()
	defer putScratch(s)
	s.names = names
	defer func() { s.names = nil }()
	tr := &tracer{}
	sc := a.score(s, text, tr)
	e := Explanation{
		Text:                text,
		Mode:                a.mode,
		Scores:              sc,
		Label:               a.Label(sc),
		Tokens:              tr.tokens,
		Contributions:       tr.contrib,
		Sum:                 round6(tr.sum),
		PunctuationEmphasis: round6(tr.punct),
		BrandModel:          tr.brand,
		Valences:            []TokenValence{},
	}
	if e.Tokens == nil {
		e.Tokens = []string{}
	}
	if e.Contributions == nil {
		e.Contributions = []Contribution{}
	}
	for i := range e.Contributions {
		c := &e.Contributions[i]
		c.Before, c.After = round6(c.Before), round6(c.After)
		c.Token = tr.label(c.Index)
	}
	for i, v := range tr.final {
		if v != 0 {
			e.Valences = append(e.Valences, TokenValence{Token: tr.label(i), Index: i, Valence: round6(v), LexiconKey: tr.key(i)})
		}
	}
	return e
}

// round6 keeps explanations readable: 0.9 rather than 0.8999999999999999.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// tracer records what moved the score; every method is a no-op on a nil
// receiver so the scoring code can call it unconditionally.
type tracer struct {
	tokens  []string
	lower   []string
	phrases map[int]string
	contrib []Contribution
	final   []float64
	sum     float64
	punct   float64
	brand   *BrandDecision
}

func (tr *tracer) setTokens(s *scratch) {
	tr.tokens, tr.lower = tr.tokens[:0], tr.lower[:0]
	for i := range s.toks {
		tr.tokens = append(tr.tokens, string(s.str(i)))
		tr.lower = append(tr.lower, string(s.lowr(i)))
	}
}

func (tr *tracer) setFinal(sent []float64) {
	if tr == nil {
		return
	}
	tr.final = append([]float64(nil), sent...)
}

// rule records that rule, triggered by token from, changed the valence of
// token at from before to after.
func (tr *tracer) rule(from, at int, rule string, before, after float64) {
	if tr == nil {
		return
	}
	c := Contribution{Index: at, Rule: rule, Before: before, After: after}
	if from != at && from >= 0 && from < len(tr.tokens) {
		c.Trigger = tr.tokens[from]
	}
	tr.contrib = append(tr.contrib, c)
}

// phrase records that the multi-word phrase p starts at token i.
func (tr *tracer) phrase(i int, p string) {
	if tr.phrases == nil {
		tr.phrases = map[int]string{}
	}
	tr.phrases[i] = p
}

// label is the token at i, or the phrase starting there.
func (tr *tracer) label(i int) string {
	if p, ok := tr.phrases[i]; ok {
		return p
	}
	if i >= 0 && i < len(tr.tokens) {
		return tr.tokens[i]
	}
	return ""
}

func (tr *tracer) key(i int) string {
	if p, ok := tr.phrases[i]; ok {
		return p
	}
	if i >= 0 && i < len(tr.lower) {
		return tr.lower[i]
	}
	return ""
}
