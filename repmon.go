// Package repmon holds the domain types that every part of the monitor shares:
// a brand mention as collected, scored and stored, and its sentiment.
//
// The packages below it each own one dependency or concern (collectors for the
// networks, store for the database, alerts for delivery, api for HTTP); they
// exchange only these types.
package repmon

import "time"

// Sentiment labels: a closed set, used as metric label values.
const (
	LabelPositive = "positive"
	LabelNeutral  = "neutral"
	LabelNegative = "negative"
)

// Sentiment is a mention's score as the sentiment package computed it.
type Sentiment struct {
	Compound float64 `json:"compound"`
	Pos      float64 `json:"pos"`
	Neu      float64 `json:"neu"`
	Neg      float64 `json:"neg"`
	Label    string  `json:"label"`
}

// Mention is one post that matched one brand's query. The same post matching
// two brands is two mentions; the same post reached twice for one brand is one.
type Mention struct {
	Source          string    `json:"source"`      // configured source name
	SourceType      string    `json:"source_type"` // hackernews, rss, x, reddit, mastodon, bluesky
	ID              string    `json:"id"`          // external id, unique within the source
	Brand           string    `json:"brand"`
	Text            string    `json:"text"`
	URL             string    `json:"url"`
	Author          string    `json:"author"`
	AuthorFollowers int64     `json:"author_followers"`
	Lang            string    `json:"lang"`
	CreatedAt       time.Time `json:"created_at"`
	CollectedAt     time.Time `json:"collected_at"`
	Likes           int64     `json:"likes"`
	Reposts         int64     `json:"reposts"`
	Replies         int64     `json:"replies"`
	Sentiment       Sentiment `json:"sentiment"`
	// Undated is set when the source gave no date, or only one that moves
	// when the post is edited (Post.Revised): CreatedAt is then when the
	// post was first collected, or the date it had then. The store keeps
	// such a mention past storage.retention, since deleting it would make
	// it new again the next time its source lists it.
	Undated bool `json:"-"`
}

// Post is what a collector returns before brand matching and scoring: the
// source's own view of one item.
type Post struct {
	ID              string
	Text            string // plain text; collectors convert the fields their API sends as HTML
	URL             string
	Author          string
	AuthorFollowers int64
	Lang            string
	CreatedAt       time.Time
	// Revised is set when CreatedAt is when the post was last changed
	// rather than published: an Atom entry with <updated> and no
	// <published>, whose date an edit moves.
	Revised bool
	Likes   int64
	Reposts int64
	Replies int64
}
