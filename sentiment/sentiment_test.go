package sentiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var modes = []Mode{ModeVADER, ModeReputation}

func mustNew(t testing.TB, opts ...Option) *Analyzer {
	t.Helper()
	a, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkInvariants asserts what every score must satisfy.
func checkInvariants(t testing.TB, text string, s Scores) {
	t.Helper()
	for _, v := range []float64{s.Compound, s.Positive, s.Neutral, s.Negative} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%q: non-finite score %+v", text, s)
		}
	}
	if s.Compound < -1 || s.Compound > 1 {
		t.Fatalf("%q: compound %v out of [-1, 1]", text, s.Compound)
	}
	if s.Positive < 0 || s.Neutral < 0 || s.Negative < 0 {
		t.Fatalf("%q: negative proportion %+v", text, s)
	}
	sum := s.Positive + s.Neutral + s.Negative
	if sum != 0 && math.Abs(sum-1) > 0.002 {
		t.Fatalf("%q: pos+neu+neg = %v, want 1 within rounding or 0", text, sum)
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"vader", ModeVADER, false},
		{"Reputation", ModeReputation, false},
		{" vader ", ModeVADER, false},
		{"", "", true},
		{"vader2", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMode(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("ParseMode(%q) = %q, %v", tc.in, got, err)
			}
			if err != nil && !errors.Is(err, ErrInvalidMode) {
				t.Errorf("error %v is not ErrInvalidMode", err)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	if _, err := New(WithMode("x")); err == nil {
		t.Error("WithMode(x): no error")
	}
	if _, err := New(WithThresholds(0.5, -0.5)); err == nil {
		t.Error("inverted thresholds: no error")
	}
	if _, err := New(WithLexicon(map[string]float64{" ": 1})); err == nil {
		t.Error("empty lexicon key: no error")
	}
	if _, err := New(WithLexicon(map[string]float64{"x": math.NaN()})); err == nil {
		t.Error("NaN valence: no error")
	}
	// each phrase is indexed under its longest word, 16 bits' worth of them
	many := make(map[string]float64, 1<<16)
	for i := range 1 << 16 {
		many[fmt.Sprintf("anchor%06d x", i)] = -1
	}
	if _, err := New(WithLexicon(many)); err == nil {
		t.Error("65,536 distinct phrase anchors: no error")
	}
	if got := mustNew(t).Mode(); got != ModeReputation {
		t.Errorf("default mode %q, want reputation", got)
	}
}

func TestLabelThresholds(t *testing.T) {
	a := mustNew(t)
	b := mustNew(t, WithThresholds(-0.5, 0.5))
	tests := []struct {
		compound  float64
		def, wide string
	}{
		{0.05, "positive", "neutral"},
		{0.049, "neutral", "neutral"},
		{-0.05, "negative", "neutral"},
		{0.5, "positive", "positive"},
		{-0.5, "negative", "negative"},
	}
	for _, tc := range tests {
		if got := a.Label(Scores{Compound: tc.compound}); got != tc.def {
			t.Errorf("default Label(%v) = %s, want %s", tc.compound, got, tc.def)
		}
		if got := b.Label(Scores{Compound: tc.compound}); got != tc.wide {
			t.Errorf("±0.5 Label(%v) = %s, want %s", tc.compound, got, tc.wide)
		}
	}
}

// TestUserLexicon checks overrides and, in reputation mode, phrases.
func TestUserLexicon(t *testing.T) {
	tests := []struct {
		name  string
		mode  Mode
		lex   map[string]float64
		text  string
		label string
	}{
		{"override word", ModeVADER, map[string]float64{"recall": -2}, "Acme announces a recall", "negative"},
		{"case-insensitive key", ModeReputation, map[string]float64{"RECALL": -2}, "Acme announces a Recall", "negative"},
		{"phrase in reputation", ModeReputation, map[string]float64{"out of stock": -2}, "the blue one is out of stock again", "negative"},
		{"phrase unreachable in vader", ModeVADER, map[string]float64{"out of stock": -2}, "the blue one is out of stock", "neutral"},
		{"neutralise a word", ModeVADER, map[string]float64{"good": 0}, "good", "neutral"},
		// phrases are found from their longest word; the leftmost phrase
		// wins an overlap, and the longest one a shared start
		{"leftmost phrase wins", ModeReputation, map[string]float64{"alpha beta": 3, "beta gamma delta": -3}, "alpha beta gamma delta", "positive"},
		{"longest phrase wins", ModeReputation, map[string]float64{"alpha beta": 3, "alpha beta gamma": -3}, "alpha beta gamma", "negative"},
		{"phrase of nine words", ModeReputation, map[string]float64{"one two three four five six seven eight nine": -3}, "one two three four five six seven eight nine", "negative"},
		{"override of an anchor word keeps its phrase", ModeReputation, map[string]float64{"hold": 2}, "been on hold since this morning", "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustNew(t, WithMode(tc.mode), WithLexicon(tc.lex))
			if got := a.Label(a.Score(tc.text)); got != tc.label {
				t.Errorf("%q: %s, want %s (%+v)", tc.text, got, tc.label, a.Explain(tc.text).Valences)
			}
		})
	}
	// the shared base lexicon is not modified by overrides
	if got := mustNew(t, WithMode(ModeVADER)).Score("good").Compound; got != 0.4404 {
		t.Errorf("base lexicon changed: good = %v", got)
	}
}

// TestUserLexiconOverRules: in reputation mode a user entry for a word
// that a rule would otherwise value (a waiting time, a quick reply, a
// recurring failure, counted attempts, a closing verdict) is the word's
// valence, and the explanation names the lexicon; without the entry, the
// explanation names the rule.
func TestUserLexiconOverRules(t *testing.T) {
	const text = "waited 2 hours, the app keeps logging me out, called 5 times. sigh"
	rules := map[string]string{"hours": "waiting_time", "keeps": "recurring_failure", "times": "counted_attempts", "sigh": "closing_verdict"}
	firstRule := func(e Explanation, tok string) (string, float64) {
		for _, c := range e.Contributions {
			if c.Token == tok {
				return c.Rule, c.After
			}
		}
		return "", 0
	}
	plain := mustNew(t, WithMode(ModeReputation)).Explain(text)
	for tok, want := range rules {
		if rule, _ := firstRule(plain, tok); rule != want {
			t.Errorf("without an override, %q starts by rule %q, want %q", tok, rule, want)
		}
	}
	over := map[string]float64{"hours": 0.5, "keeps": 0.6, "times": 0.7, "sigh": 3}
	e := mustNew(t, WithMode(ModeReputation), WithLexicon(over)).Explain(text)
	for tok, v := range over {
		if rule, got := firstRule(e, tok); rule != "lexicon" || got != v {
			t.Errorf("with %q: %v, %q starts at %v by %q, want %v by lexicon", tok, v, tok, got, rule, v)
		}
	}
	if quick := mustNew(t, WithMode(ModeReputation), WithLexicon(map[string]float64{"minutes": -2})).Explain("they replied in 6 minutes"); true {
		if rule, got := firstRule(quick, "minutes"); rule != "lexicon" || got != -2 {
			t.Errorf("\"replied in 6 minutes\" with minutes: -2 starts at %v by %q", got, rule)
		}
	}
}

// TestLexiconKeys: keys that name the same entry with different valences
// are an error, not a choice left to map order; in reputation mode a key
// with curly quotes matches as the text does, straightened.
func TestLexiconKeys(t *testing.T) {
	for _, lex := range []map[string]float64{
		{"Recall": -2, "recall": 1.5},
		{"on  hold": -2, "on hold": -1},
	} {
		if _, err := New(WithLexicon(lex)); err == nil {
			t.Errorf("New(WithLexicon(%v)) accepted keys that are the same entry", lex)
		}
	}
	if _, err := New(WithLexicon(map[string]float64{"it’s a scam": -3, "it's a scam": 2})); err == nil {
		t.Error("curly and straight spellings of one phrase with different valences were accepted")
	}
	if _, err := New(WithLexicon(map[string]float64{"Recall": -2, "recall": -2})); err != nil {
		t.Errorf("the same entry twice with one valence: %v", err)
	}
	a := mustNew(t, WithLexicon(map[string]float64{"it’s a scam": -3}))
	for _, text := range []string{"it’s a scam", "it's a scam"} {
		found := false
		for _, v := range a.Explain(text).Valences {
			found = found || v.LexiconKey == "it's a scam" && v.Valence == -3
		}
		if !found {
			t.Errorf("%q: the curly key did not match: %+v", text, a.Explain(text).Valences)
		}
	}
}

// TestComplaintPhrases checks that every complaint phrase is found as a
// phrase: on its own, the rules read it as a complaint.
func TestComplaintPhrases(t *testing.T) {
	a := rulesOnly(t)
	for _, m := range []map[string]float64{complaintPhrases, leavingPhrases} {
		for k, v := range m {
			if c := a.Score(k).Compound; v < 0 && c > -0.05 {
				t.Errorf("%q (%.1f) scores %.4f, want negative", k, v, c)
			}
		}
	}
}

// TestLeavingPhrases checks that a repair told before any of the leaving
// phrases does not undo it, as the phrase marks its first token.
func TestLeavingPhrases(t *testing.T) {
	a := rulesOnly(t)
	for k := range leavingPhrases {
		text := "They replaced my brake pads and didn't torque the bolts. " + k
		if c := a.Score(text).Compound; c > -0.05 {
			t.Errorf("%q scores %.4f, want negative", text, c)
		}
	}
}

// TestReputationFixes covers the reference defects reputation mode fixes.
func TestReputationFixes(t *testing.T) {
	tests := []struct {
		name, text string
		vader, rep string // labels
	}{
		{"curly apostrophe negation", "Acme’s support didn’t help", "positive", "negative"},
		{"emoji with variation selector", "❤️", "neutral", "positive"},
		{"multi-word lexicon entry", "I'm fed up", "neutral", "negative"},
		{"idiom at any position", "the cake was to die for", "negative", "positive"},
		{"on hold", "been on hold for two hours", "neutral", "negative"},
		{"glued duration", "3hr wait at the Acme counter", "neutral", "negative"},
		{"glued duration queue", "45min queue for a coffee at Acme", "neutral", "negative"},
		{"glued duration quick", "Acme replied in 5mins, sorted", "", "positive"},
		{"digits glued to other letters", "Acme raised $3m", "", "neutral"},
		{"refund", "still waiting on my refund", "neutral", "negative"},
		{"never arrived", "package never arrived", "neutral", "negative"},
		{"charged twice", "they charged me twice", "", "negative"},
		{"third outage", "third outage this month", "neutral", "negative"},
		{"sarcasm", "great, another outage", "positive", "negative"},
		{"hashtag", "#fail", "negative", "negative"},
		{"elongation", "sooooo baaaad", "neutral", "negative"},
		{"negated emoji", "not 👍", "neutral", "negative"},
		{"dampener keeps polarity", "it was slightly ok", "positive", "positive"},
		{"politeness in complaint", "@acme still waiting on my refund, please help", "positive", "negative"},
		{"praise stays praise", "@acme thanks, the refund arrived today!", "positive", "positive"},
		{"news stays neutral", "Acme announces a partnership with Globex", "neutral", "neutral"},
		{"sarcasm before a mention", "Third delay today. Just great @RailCo", "positive", "negative"},
		{"sincere thanks to a mention", "@RailCo thanks, smooth trip today", "positive", "positive"},
		{"recurring failure", "the chat bot keeps looping", "neutral", "negative"},
		{"verdict read as praise", "Save your money.", "positive", "negative"},
		{"verdict with negated fault", "Don't waste your time on their app", "positive", "negative"},
		{"sarcastic good luck", "good luck getting a refund", "positive", "negative"},
		{"verdict without a fault word", "Never going back.", "", "negative"},
		{"steady progress", "the app keeps getting better", "positive", "positive"},
		{"counted attempts", "I have called five times about this", "neutral", "negative"},
		{"emoticon glued to a word", "Got my refund today:)", "neutral", "positive"},
		{"emoticon glued after an ellipsis", "the parcel came today...:(", "neutral", "negative"},
		{"emoticon glued to a token with digits", "the courier came at 9am:)", "neutral", "positive"},
		{"emoticon glued before a word", ":(Acme lost my bag", "", "negative"},
		{"emoticon with a nose glued before a word", ":-(acme", "neutral", "negative"},
		{"winking emoticon glued before a word", ";)thanks for the upgrade", "", "positive"},
		{"letter emoticon is not split off a word", ":Download the Acme app", "neutral", "neutral"},
		{"brackets and a colon are no emoticon", "the new plans (from May):", "neutral", "neutral"},
		{"words glued by an ellipsis", "really enjoying my Sunday on hold...over 1 hour", "positive", "negative"},
		{"words glued by a comma", "the biggest joke of a company,I will never fly with them again!", "positive", "negative"},
		{"verdict never fly with", "I will never fly with them again!", "neutral", "negative"},
		{"joke of a company", "the biggest joke of a company", "positive", "negative"},
		{"the brand's own hashtag", "@united my bag is lost #United", "positive", "negative"},
		{"non stop flight", "is the non stop to Boston back?", "negative", "neutral"},
		{"singular duration", "@Diner 40 minute wait for a table", "neutral", "negative"},
		{"taking the mick", "Polyester satin for £45 is taking the mick", "neutral", "negative"},
		{"a two-star review", "2 stars for the Acme removal team", "neutral", "negative"},
		{"support into the void", "instagram support is just a form that goes into the void", "positive", "negative"},
		{"kick in the teeth", "Sent the invoice before the funeral. Felt like a kick in the teeth.", "neutral", "negative"},
		{"that's the thanks", "Loyal customer for ten years and that's the thanks I get", "positive", "negative"},
		{"no show", "technician didn't show up", "neutral", "negative"},
		{"logged out", "the app logs me out every day", "neutral", "negative"},
		{"closing verdict after a failure", "host cancelled 2 days before the trip and the refund takes 15 days. Amazing", "positive", "negative"},
		{"closing verdict after a failure 2", "Support wiped all my playlists when I switched plans. Brilliant.", "positive", "negative"},
		{"sincere closing praise", "Flight was delayed an hour but the crew were lovely. Great.", "positive", "positive"},
		{"great start to", "train cancelled, next one in an hour, great start to monday", "positive", "negative"},
		{"fell apart", "my earbuds fell apart after a month", "neutral", "negative"},
		{"overrated", "Honestly the new menu is overrated", "positive", "negative"},
		{"not going back", "cold fries and a 40 minute wait. not going back", "neutral", "negative"},
		{"product defect", "the hoodie shrank two sizes in one wash", "neutral", "negative"},
		{"ran out", "they ran out of ranch", "neutral", "negative"},
		{"underrated", "the co-op meal deal is underrated", "neutral", "positive"},
		{"finding out is no recovery", "the care home never called me. I found out about her fall from the hospital", "", "negative"},
		{"surprise bill", "surprise bill from the hospital, nobody mentioned it", "positive", "negative"},
		{"credit is money", "they ate £10 of my credit when my bundle renewed early", "positive", "neutral"},
		{"without is no failure", "the insurer paid for my physio without a single form", "", "neutral"},
		{"british spelling", "my favourite coffee shop", "neutral", "positive"},
		{"noise cancelling is no cancellation", "the noise cancelling works on the tube", "", "neutral"},
		{"worth it", "the rewards program is 100% worth it", "", "positive"},
		{"not worth it", "the premium plan is not worth it", "", "negative"},
		{"world class", "their match coverage was world class.", "neutral", "positive"},
		{"lived up to", "the cheesecake lived up to the hype", "", "positive"},
		{"rating out of five", "1/5. They forgot my allergy was on my notes", "", "negative"},
		{"rating out of ten", "9/10 would order again", "", "positive"},
		{"was a joke", "the so-called support was a joke", "", "negative"},
		{"nothing like the photo", "the dress looks nothing like the photo", "", "negative"},
		{"free evening is time", "spent my one free evening this week at the launderette", "positive", "neutral"},
		{"a brand, not praise", "bought a charger on Amazon", "positive", "neutral"},
		{"party of diners", "they sat our party of 8 by the door", "positive", "neutral"},
		{"obsessed is love", "obsessed with the new linen range", "negative", "positive"},
		{"makes my day", "their morning playlist makes my day", "", "positive"},
		{"closing verdict word", "psn down during my one free evening this week. typical", "positive", "negative"},
		{"closing nope", "Amazon Music now puts ads in my podcasts even though I'm on Prime. Nope.", "positive", "negative"},
		{"verdict word inside a sentence", "a typical day at the office", "", "neutral"},
		{"used to be praise", "the pie is smaller now. used to be my childhood fave", "positive", "negative"},
		{"used to be a fault", "the app used to be terrible, now it opens at once", "negative", "neutral"},
		{"used to is accustomed", "I'm used to the new layout and love it", "positive", "positive"},
		{"praise until a failure", "I was happy until I saw the bill", "positive", "negative"},
		{"an offer until a date", "Free delivery until Sunday on all orders", "positive", "positive"},
		{"praise until the end of the post", "The app worked great until...", "positive", "negative"},
		{"failure after the repair", "they replaced my charging port and now the phone won't charge at all", "", "negative"},
		{"success after the repair", "they replaced it and now it works perfectly", "positive", "positive"},
		{"still happening", "three firmware updates later, still happening", "", "negative"},
		{"no thanks to", "the fever had broken by then, no thanks to them", "", "negative"},
		{"went quiet", "the aligner company went quiet mid-treatment", "", "negative"},
		{"voicemail", "the clinic phone goes to voicemail during opening hours", "", "negative"},
		{"everything except", "they delivered everything except the bed frame", "", "negative"},
		{"came without", "the delivery came without the bread and milk", "", "negative"},
		{"regret", "Wish I'd researched more before buying.", "positive", "negative"},
		{"burnt food", "the toast came back burnt", "", "negative"},
		{"grand prix is a race", "watching the Grand Prix tonight", "positive", "neutral"},
		{"lasting", "bought it in 2019 and it's still going strong", "", "positive"},
		{"on the dot", "the 06:12 train, on the dot", "", "positive"},
		{"quote closed before a full stop", `it said "Happy 13th Sara". Ruined it.`, "positive", "negative"},
		{"two-letter word with punctuation", "Ha!", "neutral", "positive"},
		{"emoticon stays an emoticon", ":D", "positive", "positive"},
		{"dropped g", "lovin it", "neutral", "positive"},
		{"two-letter word before a comma", "their texts are spot on, told me when", "neutral", "positive"},
		{"found a fault is no recovery", "@BurgerBarn found a hair in my fries. Gross.", "negative", "negative"},
		{"recovery story", "Dishdash refunded the missing item instantly", "negative", "positive"},
		{"price rise", "my plan went up again, third price rise this year", "neutral", "negative"},
		{"zero replies", "three emails, zero replies", "neutral", "negative"},
		{"unmet expectation", "order says delivered but nothing turned up", "neutral", "negative"},
		{"thinking is no failure", "I don't know about that", "neutral", "neutral"},
		{"realizing is no failure", "did not realize there is a gym above the store", "neutral", "neutral"},
		{"scare quotes", `the "free upgrade" made my phone slow`, "positive", "negative"},
		{"quoted claim", `@ShipCo the tracker has said "out for delivery" for a week`, "neutral", "negative"},
		{"quoted title", `Streamly renews "The Long Night" for a third season`, "neutral", "neutral"},
		{"quote outside a service", `my "desk" this morning, a picnic bench`, "neutral", "neutral"},
		{"time contrast", "emailed my documents on Monday. It is now Friday.", "neutral", "negative"},
		{"time alone", "It's Friday!", "neutral", "neutral"},
		{"time contrast with praise", "Joined in 2019. It's been 5 years of great service", "positive", "positive"},
		{"recovery story with praise", "my phone fell in the sea and they replaced it in 3 days, no drama", "negative", "positive"},
		{"mishap resolved is no complaint", "the courier dropped my parcel in a puddle but they found me a new one the same day", "neutral", "neutral"},
		{"negated problem", "six years with them and never had an issue", "neutral", "positive"},
		{"substitution", "ordered a large latte, got a small tea", "neutral", "negative"},
		{"no substitution in praise", "ordered at 9, got it by 10, brilliant", "positive", "positive"},
		{"why question", "@Acme why does my account show two bills this month?", "neutral", "negative"},
		{"why question with praise", "why is your support team so good?", "positive", "positive"},
		{"quoted speech keeps its praise", `she said "I love this place, the staff are great" and I agree`, "positive", "positive"},
		{"news with a complaint word", "Regulator fines Brightwave over 2022 emergency call outage", "negative", "neutral"},
		{"can't wait", "I can't wait for the weekend!!", "neutral", "positive"},
		{"escaped heart", "I &lt;3 my new phone", "neutral", "positive"},
		{"emoticon the reference lacks", "exam tomorrow =(", "neutral", "negative"},
		{"tweet slang", "luv this song", "neutral", "positive"},
		{"missing negative word", "my old car is junk", "neutral", "negative"},
		{"rhetorical negated hate", "don't you hate it when that happens", "positive", "negative"},
		{"censored profanity", "F*** this traffic", "neutral", "negative"},
		{"idiom with a negative word", "an awful lot of people came", "negative", "neutral"},
		{"kicks ass", "this phone kicks ass", "negative", "positive"},
		{"was down", "my connection was down all morning", "neutral", "negative"},
		{"brand handle is no sentiment", "@united can you assign seats", "positive", "neutral"},
		{"negation stops at a sentence end", "they upgraded us without us asking. lovely touch", "negative", "positive"},
		{"negation stops at a sentence end 2", "fixed the boiler and didn't charge extra. Gem.", "", "positive"},
		{"negator phrase is not negated again", "refunded the missing item instantly, no chat, no hassle", "", "positive"},
		{"praise phrase keeps its negator", "no issues, best app I've used", "", "positive"},
		{"complaint phrase still negates", "@TelcoOne support didn't help, still no internet", "", "negative"},
		{"phrase that opens with no", "@Acme no complaints here", "", "positive"},
		{"fault denied", "Hard to find a fault with the Acme app.", "negative", "positive"},
		{"regret of waiting", "No idea why I waited so long to switch to Acme.", "negative", "positive"},
		{"regret of not switching", "Should have switched to Acme years ago.", "neutral", "positive"},
		{"praise slang", "Acme delivery is goated", "neutral", "positive"},
		{"shout out", "big shout out to Priya at @Acme", "neutral", "positive"},
		{"extra mile", "the driver went the extra mile", "neutral", "positive"},
		{"came through", "Acme really came through for me today", "neutral", "positive"},
		{"would use again", "would use them again", "neutral", "positive"},
		{"no fee", "they moved my payment date by a week, no fee", "", "positive"},
		{"without being asked", "the engineer tidied up without being asked", "neutral", "positive"},
		{"reordering is no praise", "my parcel vanished so I had to order again", "", "negative"},
		{"quick outcome", "called Acme, sorted in 5 minutes", "neutral", "positive"},
		{"quick refund", "reported it in the app, refund in about 30 seconds", "neutral", "positive"},
		{"quick same day", "refund processed the same day I applied", "neutral", "positive"},
		{"slow outcome is no praise", "my parcel was delivered in 3 weeks", "", "neutral"},
		{"negated outcome is no praise", "they didn't reply in 5 days", "", "negative"},
		{"promised speed is no praise", "they said they'd reply within 24 hours, it's been a week", "", "negative"},
		{"quoted promise is no praise", `@Acme support: "we'll get back to you within 24 hours". sent monday. now thursday.`, "", "negative"},
		{"thanks with sincere praise", "my pay was late so they moved my payment date. No fee. Appreciate it.", "", "positive"},
		{"thanks in a complaint stay muted", "@Acme my pay was late and the fee is still there, please help, thanks", "", "negative"},
		{"counted calls", "three calls and two emails later, nothing", "", "negative"},
		{"counted attempts without a verb", "after 3 attempts I gave up", "", "negative"},
		{"counted unsubscribes", "unsubscribed 4 times, still getting emails", "neutral", "negative"},
		{"a count is not negated", "the bot asks if this was helpful, I clicked No 8 times", "positive", "negative"},
		{"price rise told plainly", "Acme raised the price and added ads", "neutral", "negative"},
		{"without consent", "switched my tariff without my consent", "", "negative"},
		{"complaint word invalid", "promo code says invalid", "neutral", "negative"},
		{"used to be great", "Acme used to be great", "positive", "negative"},
		{"money back is a resolution", "got my money back within a day", "", "positive"},
		{"sarcastic cute", "the app crashed twice at checkout. Cute.", "positive", "negative"},
		{"sincere helpful", "support was helpful and quick", "positive", "positive"},
		{"charged early is no praise", "charged our card 30 days early for the renewal", "", "negative"},
		{"headline with a longer subject", "Acme Energy standard tariff to rise 3% from January", "", "neutral"},
		{"headline names joined by and", "Acme and Globex sign a content agreement", "", "neutral"},
		{"headline with a cut", "Acme Air cancels 300 flights due to storm", "negative", "neutral"},
		{"headline tenure is no waiting", "Acme Foods CEO steps down after 12 years", "", "neutral"},
		{"prose is no headline", "Most frequent travellers will enjoy the new lounge", "", "positive"},
		{"complaint with a noun subject", "Acme broadband engineers useless", "", "negative"},
		{"information question", "Does anyone know if Acme charges for paper bills?", "negative", "neutral"},
		{"information question with free", "which Acme plan includes free delivery?", "positive", "neutral"},
		{"question to a mention", "@AcmeHelp when does the new season of Long Night drop?", "negative", "neutral"},
		{"question about a failure", "Is the Acme app broken again?", "", "negative"},
		{"anyone else is no information question", "Does anyone else think the new Acme menu is good?", "", "positive"},
		{"question without a name", "what's a good time to call tomorrow?", "", "positive"},
		{"years of custom are no waiting", "Been using Acme for 3 years now", "", "neutral"},
		{"years of waiting", "Been waiting 2 years now for Acme to fix my door", "", "negative"},
		{"failure that did not happen", "the mattress still hasn't sagged", "", "positive"},
		{"wait that goes on", "the package still hasn't arrived", "", "negative"},
		{"failure verb", "my transfer bounced twice", "neutral", "negative"},
		{"threat kept away", "Radar blocked 40 fraud attempts last month", "negative", "neutral"},
		{"customer blocked", "Acme blocked my card for fraud", "negative", "negative"},
		{"threat not kept away", "Acme didn't stop the fraud", "positive", "negative"},
		{"failure with no object", "We lost zero.", "negative", "positive"},
		{"failure laughed off", "my watch band snapped after 2 months lol", "positive", "negative"},
		{"sarcasm at an empty box", "Thanks for sending an empty box, very useful", "positive", "negative"},
		{"closing thanks after a comma", "the update bricked my router, cheers", "positive", "negative"},
		{"love that for me, of a failure", "GitHub Actions went down mid-release. Love that for me", "positive", "negative"},
		{"love that for me, sincere", "Free upgrade to first class, love that for me", "positive", "positive"},
		{"leaving after a repair", "They replaced my brake pads and didn't torque the bolts. Never going back", "", "negative"},
	}
	// the rules alone: the brand model is judged on whole sets of posts
	v, r := mustNew(t, WithMode(ModeVADER)), rulesOnly(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := v.Label(v.Score(tc.text)); tc.vader != "" && got != tc.vader {
				t.Errorf("vader %q: %s, want %s", tc.text, got, tc.vader)
			}
			if got := r.Label(r.Score(tc.text)); got != tc.rep {
				t.Errorf("reputation %q: %s, want %s\n%+v", tc.text, got, tc.rep, r.Explain(tc.text))
			}
		})
	}
}

// TestEdgeInputs covers inputs that stress the tokenizer in both modes.
func TestEdgeInputs(t *testing.T) {
	tests := []struct {
		name, text string
		empty      bool // all scores zero
	}{
		{"empty", "", true},
		{"whitespace", " \t\n\u00a0\u3000\x1c", true},
		{"only punctuation", "!!!???...,,,", false},
		{"only emoji", "😀😡👍🏽❤️👨‍👩‍👧🇩🇪", false},
		{"invalid utf8", "\xff\xfe good \xc3\x28 bad \xed\xa0\x80", false},
		{"lone continuation bytes", "\x80\x80\x80", false},
		{"nul bytes", "good\x00bad", false},
		{"1 MB", strings.Repeat("the service was not good but the staff were lovely! ", 20000), false},
		{"1 MB one token", strings.Repeat("a", 1<<20), false},
		{"many buts", strings.Repeat("good but bad but ", 5000), false},
	}
	for _, m := range modes {
		a := mustNew(t, WithMode(m))
		for _, tc := range tests {
			t.Run(string(m)+"/"+tc.name, func(t *testing.T) {
				s := a.Score(tc.text)
				checkInvariants(t, tc.text, s)
				if tc.empty && s != (Scores{}) {
					t.Errorf("scores %+v, want all zero", s)
				}
				e := a.Explain(tc.text)
				if e.Scores != s {
					t.Errorf("Explain scores %+v != Score %+v", e.Scores, s)
				}
				if _, err := json.Marshal(e); err != nil {
					t.Errorf("Explanation does not marshal: %v", err)
				}
			})
		}
	}
}

// TestExplain checks that the explanation names the rules that moved the
// score and the lexicon key to override.
func TestExplain(t *testing.T) {
	a := mustNew(t, WithMode(ModeVADER))
	e := a.Explain("The food was not very good!")
	if e.Label != "negative" || e.Mode != ModeVADER {
		t.Fatalf("label %s mode %s", e.Label, e.Mode)
	}
	rules := map[string]string{}
	for _, c := range e.Contributions {
		rules[c.Rule] = c.Trigger
	}
	if rules["booster"] != "very" || rules["negation"] != "not" {
		t.Errorf("contributions %+v: want booster by very and negation by not", e.Contributions)
	}
	if len(e.Valences) != 1 || e.Valences[0].LexiconKey != "good" {
		t.Errorf("valences %+v", e.Valences)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"contributions"`, `"valence_before"`, `"valence_after"`, `"lexicon_key"`, `"punctuation_emphasis"`, `"compound"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s: %s", k, b)
		}
	}
}

// TestConcurrentUse scores from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	texts := []string{"good", "not bad at all!", "😀 great", "been on hold for two hours", "", "BAD service but nice staff"}
	for _, m := range modes {
		a := mustNew(t, WithMode(m))
		want := make([]Scores, len(texts))
		for i, s := range texts {
			want[i] = a.Score(s)
		}
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < 200; k++ {
					i := k % len(texts)
					if got := a.Score(texts[i]); got != want[i] {
						t.Errorf("%q: %+v, want %+v", texts[i], got, want[i])
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}

// TestScoreDoesNotAllocate pins the zero-allocation hot path.
func TestScoreDoesNotAllocate(t *testing.T) {
	for _, m := range modes {
		a := mustNew(t, WithMode(m))
		text := "The service was VERY good, but the 😀 app keeps crashing!! I’m not happy. #fail"
		a.Score(text)
		if n := testing.AllocsPerRun(200, func() { a.Score(text) }); n > 0 {
			t.Errorf("%s: %v allocations per Score", m, n)
		}
	}
}

func FuzzScore(f *testing.F) {
	for _, s := range []string{"", "good", "not bad!", "😀❤️👍🏽", "\xff", "I’m NOT happy :( but ok", "kind of good but", "sooo baaad #fail", "no no no", "lovin it, gooood", "Thaaanks!! soooooo comfortable"} {
		f.Add(s)
	}
	v, err := New(WithMode(ModeVADER))
	if err != nil {
		f.Fatal(err)
	}
	r, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, a := range []*Analyzer{v, r} {
			s := a.Score(text)
			checkInvariants(t, text, s)
			// the text's own words as a brand's names
			checkInvariants(t, text, a.ScoreNamed(text, NewNames(text, "delight bakery")))
			if strings.TrimFunc(text, func(r rune) bool { return isPySpace(r) }) == "" && utf8.ValidString(text) && s != (Scores{}) {
				t.Fatalf("%q: blank text scored %+v", text, s)
			}
			// the tokenizer's fast path scores as the general one
			slowTokens = true
			slow := a.Score(text)
			slowTokens = false
			if slow != s {
				t.Fatalf("%s %q: fast path %+v, addToken %+v", a.Mode(), text, s, slow)
			}
		}
	})
}

// TestRareTableWords checks that a word in the word table without flags
// (a brand model's word) still takes reputation mode's rare path when its
// shape needs it: the table marks such words, and the fast path trusts the
// mark instead of testing the shape again.
func TestRareTableWords(t *testing.T) {
	a, _ := brandAnalyzer(t, "model bias\t0\t0\t0\t-5\namazin\t0\t0\t0\t0\ngooood\t0\t0\t0\t0\n"+
		"outstandin\t0\t0\t0\t0\nwonderfullll\t0\t0\t0\t0\n")
	for _, text := range []string{"amazin food", "gooood food", "Amazin food", "GOOOOD food",
		"outstandin food", "wonderfullll food", "Outstandin food"} {
		for _, slow := range []bool{false, true} {
			slowTokens = slow
			got := a.Label(a.Score(text))
			slowTokens = false
			if got != "positive" {
				t.Errorf("%q (addToken %v): %s, want positive", text, slow, got)
			}
		}
	}
}

// TestFastTokensMatchAddToken holds the tokenizer's fast path for ASCII
// words of up to 16 letters to the general one (addToken): every corpus
// text, brand post and edge case scores the same both ways, in both modes.
func TestFastTokensMatchAddToken(t *testing.T) {
	texts := []string{
		"abcdefgh", "Abcdefgh", "ABCDEFGH", "abcdefgh.", "ABCDEFGH!!", "abcdefghi", "I", "I.", "ok,", "OK!", "Ok...",
		"goin", "Goin.", "lovin", "LOVIN!", "sooooo good", "Soooo,", "GREAT, another outage.", "bad:", "Tuesday?",
		"a b c", "x", "no.", "NOT good", "Not good", "wait-", "word\tword", "end  ", "  start", "hi!?", "it's",
		"abcdefghijklmnop", "abcdefghijklmnopq", "Disappointing,", "UNBELIEVABLE!!", "disappointinggg", "Unbelievable", "frustratingly bad", "somethin", "nothinnnn",
		// 9 to 16 letters: a dropped g, a run of three in the middle
		"frustratin", "DISGUSTIN!", "beautifuuul", "sooo beautifuuuul", "aweeesome",
	}
	for _, ct := range loadCorpora(t) {
		texts = append(texts, ct.text)
	}
	files, err := filepath.Glob("testdata/brand_posts*.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		for _, p := range loadBrandPosts(t, filepath.Base(f)) {
			texts = append(texts, p.text)
		}
	}
	for _, m := range []Mode{ModeVADER, ModeReputation} {
		a, err := New(WithMode(m))
		if err != nil {
			t.Fatal(err)
		}
		// the scores, and what the tokenizer sums up for the rules and
		// the brand model (but wNone's bit, which says only that some
		// token has no word id, and which a word the fast path leaves to
		// settleRare sets before it gets one)
		state := func(tx string) string {
			s := getScratch()
			defer putScratch(s)
			sc := a.score(s, tx, nil)
			return fmt.Sprintf("%+v dom=%v cand=%v anchored=%v flags=%x words=%x times=%d",
				sc, s.dom, s.cand, s.anchored, s.flagsAny, s.wordsAny&^(1<<wNone), s.times)
		}
		fast := make([]string, len(texts))
		for i, tx := range texts {
			fast[i] = state(tx)
		}
		slowTokens = true
		bad := 0
		for i, tx := range texts {
			if got := state(tx); got != fast[i] {
				if bad++; bad <= 5 {
					t.Errorf("%s %q:\nfast path %s\naddToken  %s", m, tx, fast[i], got)
				}
			}
		}
		slowTokens = false
		if bad > 0 {
			t.Errorf("%s: %d of %d texts differ", m, bad, len(texts))
		}
	}
}

// TestLargeLexicon covers the word table for 64k words or more, which
// falls back to a map: short and long words are still found, in both modes.
func TestLargeLexicon(t *testing.T) {
	many := make(map[string]float64, 70000)
	for i := range 70000 {
		many[fmt.Sprintf("w%d", i)] = 2 // w0 ... w69999: 2 to 6 bytes
	}
	many["superlongcustomword"] = -3
	for _, m := range []Mode{ModeVADER, ModeReputation} {
		a := mustNew(t, WithMode(m), WithLexicon(many))
		for text, pos := range map[string]bool{
			"w123 indeed":                true,
			"W69999!":                    true,
			"what a superlongcustomword": false,
			"this is great":              true,
			"this is terrible":           false,
		} {
			if c := a.Score(text).Compound; c == 0 || c > 0 != pos {
				t.Errorf("%s: %q scored %v", m, text, c)
			}
		}
	}
}

// TestGluedWords checks where reputation mode splits words that run on
// without a space after a comma, an ellipsis or '!'/'?', and that it
// leaves URLs, abbreviations, numbers and contractions whole.
func TestGluedWords(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string
	}{
		{"on hold...over an hour", []string{"on", "hold", "over", "an", "hour"}},
		{"a company,I will", []string{"a", "company", "I", "will"}},
		{"late!!again?!why", []string{"late", "again", "why"}},
		{"fine;really", []string{"fine", "really"}},
		{"see t.co/abc at 5 a.m. e.g. 1,000 times", []string{"see", "t.co/abc", "at", "5", "a.m", "e.g", "1,000", "times"}},
		{"don't well-known and/or x.y", []string{"don't", "well-known", "and/or", "x.y"}},
		{"...and ok,", []string{"and", "ok"}},
	}
	for _, tt := range tests {
		if got := a.Explain(tt.text).Tokens; !slices.Equal(got, tt.want) {
			t.Errorf("Explain(%q).Tokens = %q, want %q", tt.text, got, tt.want)
		}
	}
	v, err := New(WithMode(ModeVADER))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Explain("on hold...over").Tokens; !slices.Equal(got, []string{"on", "hold...over"}) {
		t.Errorf("vader mode splits glued words: %q", got)
	}
}

// TestRuleNamesDocumented holds Contribution's doc comment to the rule
// names the code gives tr.rule and blame, so that a user reading an
// explanation can look every rule up.
func TestRuleNamesDocumented(t *testing.T) {
	doc, err := os.ReadFile("explain.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(doc), "// Rule names the rule.")
	listed, _, _ := strings.Cut(after, "Rule ")
	used := regexp.MustCompile(`(?:tr\.rule\([^"\n]*|s\.blame\([^"\n]*|rule :?= )"([a-z_]+)"`)
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			n++
			if !regexp.MustCompile(`\b` + m[1] + `\b`).MatchString(listed) {
				t.Errorf("rule %q (%s) is not listed in Contribution.Rule's doc comment", m[1], f)
			}
		}
	}
	if n < 20 {
		t.Fatalf("found %d rule names in the code; the pattern no longer matches it", n)
	}
}

// TestLongPhraseMatch covers the phrases whose first words' lengths and
// first 8 bytes do not settle a match: a word over 8 bytes, and a sixth
// word, which phraseRef keeps no key of. Near misses differ only there.
func TestLongPhraseMatch(t *testing.T) {
	a := mustNew(t, WithLexicon(map[string]float64{"the bluetoothed kettlebell from aisle seven": -2.5}))
	for text, want := range map[string]bool{
		"I bought the bluetoothed kettlebell from aisle seven": true,
		"I bought the bluetoothed kettlebelt from aisle seven": false, // same first 8 bytes and length as the phrase word
		"I bought the bluetoothed kettlebell from aisle eight": false, // sixth word
		"the bluetoothed kettlebell from aisle":                false, // the text ends first
	} {
		matched := false
		for _, c := range a.Explain(text).Contributions {
			matched = matched || c.Rule == "phrase"
		}
		if matched != want {
			t.Errorf("%q: phrase matched %v, want %v", text, matched, want)
		}
	}
}

func TestGluedDuration(t *testing.T) {
	lex, err := baseLexicon(ModeReputation)
	if err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]string{
		"3hr": "hr", "45mins": "mins", "1.5hrs": "hrs", "(2wks)": "wks)", "3HRS.": "HRS.",
		"4g": "", "mp3": "", "2nd": "", "3m": "", "hr": "", "3hrly": "", "3.hrs": "",
	} {
		got := ""
		if p := gluedDuration(lex, []byte(tok), 0, len(tok)); p > 0 {
			got = tok[p:]
		}
		if got != want {
			t.Errorf("gluedDuration(%q) splits off %q, want %q", tok, got, want)
		}
	}
}

// TestNames checks that the words of the brand a text is about carry no
// sentiment in reputation mode, where they stand together, and that
// vader mode, and the text without names, are as they were.
func TestNames(t *testing.T) {
	r, v := mustNew(t), mustNew(t, WithMode(ModeVADER))
	names := NewNames("Delight Bakery", "  ", "Happy Paws!", "Good & Gather", "Top Notch Plumbing", "Five Star Movers", "Don’t Panic Insurance", "Poor Boys", "Café Joy")
	for _, tc := range []struct {
		text          string
		plain, called string // labels without and with the names
	}{
		{"Delight Bakery sold me a stale cake", "positive", "negative"},
		{"ordered from happy paws, the leash arrived broken", "negative", "negative"},
		{"Walked past Delight Bakery this morning", "positive", "neutral"},
		// the name's words apart are words
		{"what a delight, the bakery was lovely", "positive", "positive"},
		// a possessive, "&" inside a name, a lexicon phrase or a negation
		// that spells part of one
		{"Delight Bakery's cake was stale", "positive", "negative"},
		{"Good & Gather salad was rotten", "negative", "negative"},
		{"Top Notch Plumbing flooded my kitchen", "positive", "neutral"},
		{"Five Star Movers broke my couch", "positive", "negative"},
		{"Don't Panic Insurance denied my claim", "neutral", "negative"},
		// the brand model does not read the name either
		{"Poor Boys refund processed", "negative", "neutral"},
		// Latin accents and case are folded, on either side
		{"Cafe Joy burnt my toast again", "positive", "negative"},
		{"CAFÉ JOY burnt my toast again", "positive", "negative"},
	} {
		if got := r.Label(r.Score(tc.text)); got != tc.plain {
			t.Errorf("Score(%q) = %s, want %s", tc.text, got, tc.plain)
		}
		if got := r.Label(r.ScoreNamed(tc.text, names)); got != tc.called {
			t.Errorf("ScoreNamed(%q) = %s, want %s", tc.text, got, tc.called)
		}
		if got, want := v.ScoreNamed(tc.text, names), v.Score(tc.text); got != want {
			t.Errorf("vader ScoreNamed(%q) = %+v, want Score's %+v", tc.text, got, want)
		}
		if got, want := r.ScoreNamed(tc.text, Names{}), r.Score(tc.text); got != want {
			t.Errorf("ScoreNamed(%q) without names = %+v, want Score's %+v", tc.text, got, want)
		}
	}
	ex := r.ExplainNamed("Delight Bakery sold me a stale cake", names)
	found := false
	for _, c := range ex.Contributions {
		found = found || c.Rule == "brand_name" && c.Token == "Delight" && c.Before == 2.9 && c.After == 0
	}
	if !found || ex.Scores != r.ScoreNamed(ex.Text, names) {
		t.Errorf("ExplainNamed: contributions %+v, scores %+v; want \"Delight\" muted by brand_name and ScoreNamed's scores", ex.Contributions, ex.Scores)
	}
}

// TestScoreNamedAllocs holds ScoreNamed, like Score, to no allocation.
func TestScoreNamedAllocs(t *testing.T) {
	a := mustNew(t)
	names := NewNames("Delight Bakery", "delight_bakery")
	a.ScoreNamed("warm up", names)
	if n := testing.AllocsPerRun(100, func() { a.ScoreNamed("Délight Bakery sold me a stale cake, SO disappointed", names) }); n != 0 {
		t.Errorf("ScoreNamed allocates %v times a text", n)
	}
}
