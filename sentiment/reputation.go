package sentiment

func (s *scratch) expandRep(lex *lexicon, text string) { s.expandEmoji(lex, text) }
func (s *scratch) prepareRep(lex *lexicon, tr *tracer) {}
func (a *Analyzer) repBase(s *scratch, i int) (float64, bool) {
	t := &s.toks[i]
	return t.ent.val, t.ent.flags&fLex != 0
}
func (s *scratch) butCheckRep(tr *tracer)                     { s.butCheck(tr) }
func (a *Analyzer) reputationLayer(s *scratch, tr *tracer)    {}
func mergeReputation(m map[string]float64) map[string]float64 { return m }
func reputationIdioms() map[string]float64                    { return specialCases }
