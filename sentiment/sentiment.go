// Package sentiment scores the sentiment of short social-media texts.
//
// It offers two modes. ModeVADER reproduces the reference VADER
// implementation (vaderSentiment 3.3.x for Python) to the last rounded
// digit, quirks included, so that figures computed with it can be compared
// with published VADER results. ModeReputation, the default, starts from the
// same lexicon and rules, fixes the reference's known defects and adds rules
// for what brand monitoring cares about: customer-service complaints that
// contain no strongly negative word, sarcastic praise, hashtags, elongated
// words and negated emoji.
//
// The package is pure: it does no I/O, logging or configuration parsing. An
// Analyzer is immutable after New and safe for concurrent use; Score does not
// allocate on its hot path.
package sentiment

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Mode selects the scoring rules of an Analyzer.
type Mode string

const (
	// ModeVADER reproduces the reference VADER implementation exactly.
	ModeVADER Mode = "vader"
	// ModeReputation fixes VADER's known defects and adds brand-monitoring rules.
	ModeReputation Mode = "reputation"
)

// ErrInvalidMode is returned (wrapped) for an unknown mode name.
var ErrInvalidMode = errors.New("invalid sentiment mode")

// ParseMode parses a mode name ("vader" or "reputation", case-insensitive).
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.ToLower(strings.TrimSpace(s))) {
	case ModeVADER:
		return ModeVADER, nil
	case ModeReputation:
		return ModeReputation, nil
	}
	return "", fmt.Errorf("sentiment: %w %q (want %q or %q)", ErrInvalidMode, s, ModeVADER, ModeReputation)
}

// Scores are the VADER-style scores of one text, rounded as the reference
// rounds them: Compound to 4 decimals in [-1, 1]; Positive, Neutral and
// Negative to 3 decimals, proportions that add up to 1 (within rounding) or
// are all 0 when the text has no words.
type Scores struct {
	Compound float64 `json:"compound"`
	Positive float64 `json:"pos"`
	Neutral  float64 `json:"neu"`
	Negative float64 `json:"neg"`
}

// Option configures an Analyzer in New.
type Option func(*options) error

type options struct {
	mode    Mode
	lexicon map[string]float64
	neg     float64
	pos     float64
}

// WithMode selects the scoring mode; the default is ModeReputation.
func WithMode(m Mode) Option {
	return func(o *options) error {
		pm, err := ParseMode(string(m))
		if err != nil {
			return err
		}
		o.mode = pm
		return nil
	}
}

// WithLexicon adds or overrides lexicon entries (word → valence, typically in
// [-4, 4]). Keys are matched case-insensitively. In ModeReputation a key may
// be a phrase of several words ("on hold"), matched on whole words; in
// ModeVADER, as in the reference, only single tokens can match. It may be
// given more than once; later entries win. In ModeReputation the brand
// model never overrules the score of a text in which an entry matched:
// the entry says how to read it.
func WithLexicon(entries map[string]float64) Option {
	return func(o *options) error {
		if o.lexicon == nil {
			o.lexicon = make(map[string]float64, len(entries))
		}
		seen := make(map[string]string, len(entries))
		for _, k := range slices.Sorted(maps.Keys(entries)) {
			v := entries[k]
			if v != v || v > 1e6 || v < -1e6 {
				return fmt.Errorf("sentiment: lexicon entry %q: valence %v out of range", k, v)
			}
			key := LexiconKey(k)
			if key == "" {
				return fmt.Errorf("sentiment: lexicon entry %q: empty word", k)
			}
			// "Recall" and "recall" in one map: which wins would depend on
			// map order
			if other, dup := seen[key]; dup && entries[other] != v {
				return fmt.Errorf("sentiment: lexicon entries %q and %q are the same key %q with different valences", other, k, key)
			}
			seen[key] = k
			o.lexicon[key] = v
		}
		return nil
	}
}

// LexiconKey is the form in which WithLexicon matches a key: lowercase,
// with runs of white space as one space. Two keys with the same form are the
// same entry.
func LexiconKey(k string) string { return strings.Join(strings.Fields(strings.ToLower(k)), " ") }

// WithThresholds sets the compound thresholds used by Label: a compound at or
// below negativeAtOrBelow is "negative", at or above positiveAtOrAbove is
// "positive", anything between is "neutral". The defaults are -0.05 and 0.05.
func WithThresholds(negativeAtOrBelow, positiveAtOrAbove float64) Option {
	return func(o *options) error {
		if !(negativeAtOrBelow < positiveAtOrAbove) || negativeAtOrBelow < -1 || positiveAtOrAbove > 1 {
			return fmt.Errorf("sentiment: thresholds %v/%v: want -1 <= negative < positive <= 1", negativeAtOrBelow, positiveAtOrAbove)
		}
		o.neg, o.pos = negativeAtOrBelow, positiveAtOrAbove
		return nil
	}
}

// Analyzer scores texts. It is immutable after New and safe for concurrent use.
type Analyzer struct {
	mode Mode
	neg  float64
	pos  float64
	lex  *lexicon
}

// New returns an Analyzer configured by opts.
func New(opts ...Option) (*Analyzer, error) {
	o := options{mode: ModeReputation, neg: -0.05, pos: 0.05}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	base, err := baseLexicon(o.mode)
	if err != nil {
		return nil, err
	}
	lex := base
	if len(o.lexicon) > 0 {
		if lex, err = base.withOverrides(o.lexicon, o.mode == ModeReputation); err != nil {
			return nil, err
		}
	}
	return &Analyzer{mode: o.mode, neg: o.neg, pos: o.pos, lex: lex}, nil
}

// Mode reports the analyzer's scoring mode.
func (a *Analyzer) Mode() Mode { return a.mode }

// Score returns the sentiment scores of text.
func (a *Analyzer) Score(text string) Scores {
	s := getScratch()
	sc := a.score(s, text, nil)
	putScratch(s)
	return sc
}

// Label classifies s as "positive", "neutral" or "negative" by the
// analyzer's thresholds.
func (a *Analyzer) Label(s Scores) string {
	switch {
	case s.Compound >= a.pos:
		return "positive"
	case s.Compound <= a.neg:
		return "negative"
	}
	return "neutral"
}
