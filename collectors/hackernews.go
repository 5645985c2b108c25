package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// hackerNews searches Hacker News through the Algolia API
// (https://hn.algolia.com/api), stories and comments, newest first.
//
// Algolia's query has no OR, so a brand query becomes one search per
// top-level alternative. The cursor walks them in turn, each from the newest
// post down to the last run's watermark with created_at_i windows (not page
// numbers, which shift as posts arrive), and only moves the watermark once
// every alternative is done. The next run starts a little before the
// watermark: Algolia indexes with a delay, and repeats are dropped by the
// store.
type hackerNews struct {
	base     string
	c        *Client
	now      func() time.Time
	backfill time.Duration
}

const (
	hnHitsPerPage = 100
	hnOverlap     = 10 * time.Minute
)

func newHackerNews(src config.Source, c *Client) *hackerNews {
	return &hackerNews{base: strings.TrimRight(src.Endpoint, "/"), c: c, now: c.now, backfill: src.Backfill.D()}
}

type hnCursor struct {
	After  int64 `json:"after"`            // watermark: created_at_i of the newest post stored
	Alt    int   `json:"alt,omitempty"`    // alternative being walked
	Before int64 `json:"before,omitempty"` // upper bound of the next window, 0 for none
	Max    int64 `json:"max,omitempty"`    // newest created_at_i seen in this walk
	Floor  int64 `json:"floor,omitempty"`  // lower bound of this walk's windows
	// Behind holds the lower bound of an alternative's windows while it lags
	// behind After: a walk moved past it after it failed, and it catches up
	// from there once it answers again.
	Behind map[string]int64 `json:"behind,omitempty"`
}

type hnResponse struct {
	Hits []struct {
		ObjectID    string   `json:"objectID"`
		CreatedAtI  int64    `json:"created_at_i"`
		Author      string   `json:"author"`
		Title       *string  `json:"title"`
		URL         *string  `json:"url"`
		StoryText   *string  `json:"story_text"`
		CommentText *string  `json:"comment_text"`
		StoryTitle  *string  `json:"story_title"`
		Points      *int64   `json:"points"`
		NumComments *int64   `json:"num_comments"`
		Tags        []string `json:"_tags"`
	} `json:"hits"`
	NbPages int `json:"nbPages"`
}

func (h *hackerNews) Fetch(ctx context.Context, b Brand, cursor string) (Page, error) {
	var cur hnCursor
	if cursor == "" {
		cur.After = h.now().Add(-h.backfill).Unix()
	} else if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
		return Page{}, fmt.Errorf("hackernews: bad stored cursor: %w", err)
	}
	alts := b.Query.AlgoliaQueries()
	if len(alts) == 0 {
		return Page{}, fmt.Errorf("hackernews: brand %s: query has no positive term to search for", b.Name)
	}
	if cur.Alt >= len(alts) {
		cur.Alt, cur.Before = 0, 0
	}
	if cur.Floor == 0 {
		// Start of a walk: re-read the indexing delay window.
		cur.Floor = cur.After
		if cursor != "" {
			cur.Floor -= int64(hnOverlap / time.Second)
		}
	}
	q := alts[cur.Alt]
	after := cur.Floor
	if f, ok := cur.Behind[q]; ok && f < after {
		after = f
	}
	filters := "created_at_i>" + strconv.FormatInt(after, 10)
	if cur.Before > 0 {
		filters += ",created_at_i<=" + strconv.FormatInt(cur.Before, 10)
	}
	v := url.Values{}
	v.Set("query", q)
	v.Set("tags", "(story,comment)")
	v.Set("numericFilters", filters)
	v.Set("hitsPerPage", strconv.Itoa(hnHitsPerPage))
	req, err := newRequest(ctx, "GET", h.base+"/api/v1/search_by_date?"+v.Encode(), nil)
	if err != nil {
		return Page{}, err
	}
	var resp hnResponse
	if err := h.c.getJSON(ctx, req, &resp); err != nil {
		if !skippable(ctx, err, len(alts)) {
			return Page{}, err
		}
		// One alternative that keeps failing (a query Algolia rejects, a
		// broken answer) must not stop the others for good: move on, and
		// keep its windows' lower bound so that nothing it missed is lost.
		if cur.Behind == nil {
			cur.Behind = map[string]int64{}
		}
		cur.Behind[q] = after
		page := Page{Skipped: fmt.Errorf("hackernews: search %q: %w", q, err)}
		return h.nextAlt(page, cur, alts), nil
	}
	page := Page{Posts: make([]repmon.Post, 0, len(resp.Hits))}
	oldest := int64(0)
	for _, hit := range resp.Hits {
		if hit.ObjectID == "" {
			continue
		}
		if hit.CreatedAtI > cur.Max {
			cur.Max = hit.CreatedAtI
		}
		if oldest == 0 || hit.CreatedAtI < oldest {
			oldest = hit.CreatedAtI
		}
		page.Posts = append(page.Posts, repmon.Post{
			ID:        hit.ObjectID,
			Text:      hnText(hit.Title, hit.StoryText, hit.CommentText),
			URL:       "https://news.ycombinator.com/item?id=" + url.QueryEscape(hit.ObjectID),
			Author:    hit.Author,
			CreatedAt: time.Unix(hit.CreatedAtI, 0).UTC(),
			Likes:     deref(hit.Points),
			Replies:   deref(hit.NumComments),
		})
	}
	if len(resp.Hits) >= hnHitsPerPage && oldest > after {
		// More in this alternative: the next window ends at this page's oldest
		// second (inclusive, so posts sharing it are not skipped). A page made
		// entirely of one second would loop, so step below it.
		next := oldest
		if next == cur.Before {
			next--
		}
		cur.Before = next
		page.More = true
		c, _ := json.Marshal(cur)
		page.Cursor = string(c)
		return page, nil
	}
	delete(cur.Behind, q) // caught up
	return h.nextAlt(page, cur, alts), nil
}

// nextAlt moves cur to the next alternative, or ends the walk after the
// last one, and sets page's cursor.
func (h *hackerNews) nextAlt(page Page, cur hnCursor, alts []string) Page {
	if cur.Alt+1 < len(alts) {
		cur.Alt, cur.Before = cur.Alt+1, 0
		page.More = true
	} else {
		if cur.Max > cur.After {
			cur.After = cur.Max
		}
		for q := range cur.Behind {
			if !slices.Contains(alts, q) {
				delete(cur.Behind, q) // no longer in the brand query
			}
		}
		if len(cur.Behind) == 0 {
			cur.Behind = nil
		}
		cur = hnCursor{After: cur.After, Behind: cur.Behind}
	}
	c, _ := json.Marshal(cur)
	page.Cursor = string(c)
	return page
}

// hnText joins a hit's title, which is plain text, with its story or
// comment text, which is HTML.
func hnText(title, story, comment *string) string {
	var parts []string
	add := func(p *string, norm func(string) string) {
		if p != nil {
			if t := norm(*p); t != "" {
				parts = append(parts, t)
			}
		}
	}
	add(title, Text)
	add(story, HTMLText)
	add(comment, HTMLText)
	return strings.Join(parts, "\n")
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
