package sentiment

// tracer records what moved the score; every method is a no-op on a nil
// receiver so the scoring code can call it unconditionally.
type tracer struct {
	tokens     []string
	contrib    []Contribution
	sum, punct float64
}

func (tr *tracer) setTokens(s *scratch) {
	tr.tokens = tr.tokens[:0]
	for i := range s.toks {
		tr.tokens = append(tr.tokens, string(s.str(i)))
	}
}

func (tr *tracer) rule(from, at int, rule string, before, after float64) {
	if tr == nil {
		return
	}
	tr.contrib = append(tr.contrib, Contribution{From: from, At: at, Rule: rule, Before: before, After: after})
}

// Contribution is one rule application.
type Contribution struct {
	From, At      int
	Rule          string
	Before, After float64
}
