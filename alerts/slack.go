package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/config"
)

// slackMaxMentions bounds the mentions one Slack message shows in full
// (Block Kit allows 50 blocks per message).
const slackMaxMentions = 10

// Slack posts Block Kit messages to a Slack incoming webhook.
type Slack struct {
	url     config.Secret
	p       *poster
	explain func(repmon.Mention) string
}

// NewSlack returns the notifier of a slack channel. explain may be nil.
func NewSlack(ch config.Channel, rt http.RoundTripper, now func() time.Time, explain func(repmon.Mention) string) *Slack {
	if explain == nil {
		explain = func(m repmon.Mention) string { return "" }
	}
	return &Slack{url: ch.WebhookURL, p: newPoster(ch.Name, rt, ch.Timeout.D(), now), explain: explain}
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type   string      `json:"type"`
	Text   *slackText  `json:"text,omitempty"`
	Fields []slackText `json:"fields,omitempty"`
	// context blocks
	Elements []slackText `json:"elements,omitempty"`
}

func mrkdwn(s string) *slackText { return &slackText{Type: "mrkdwn", Text: s} }

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// SlackBody renders a as a Block Kit message: a header with the summary,
// then per mention its text, author, reach, score with its explanation and
// a link, and the alert id in a context line.
func (s *Slack) SlackBody(a *Alert) []byte {
	icon := map[string]string{"critical": ":rotating_light:", "warning": ":warning:", "info": ":information_source:"}[a.Severity]
	status := ""
	if a.Status == StatusResolved {
		icon, status = ":white_check_mark:", "[resolved] "
	}
	head := fmt.Sprintf("%s *%s%s* — %s", icon, status, slackEscape(a.Rule), slackEscape(a.Summary))
	blocks := []slackBlock{{Type: "section", Text: mrkdwn(head)}}
	if a.Description != "" && len(a.Mentions) != 1 {
		blocks = append(blocks, slackBlock{Type: "section", Text: mrkdwn(slackEscape(a.Description))})
	}
	for i, m := range a.Mentions {
		if i == slackMaxMentions {
			more := len(a.Mentions) - i
			if a.Total > len(a.Mentions) {
				more = a.Total - i
			}
			blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{*mrkdwn(fmt.Sprintf("…and %d more", more))}})
			break
		}
		blocks = append(blocks, slackBlock{Type: "divider"})
		blocks = append(blocks, slackBlock{Type: "section", Text: mrkdwn("> " + strings.ReplaceAll(slackEscape(truncate(m.Text, 600)), "\n", "\n> "))})
		author := m.Author
		if author == "" {
			author = "unknown"
		}
		why := s.explain(m)
		if why == "" {
			why = explain(m)
		}
		link := "no link"
		if m.URL != "" {
			link = fmt.Sprintf("<%s|open post>", slackEscape(m.URL))
		}
		blocks = append(blocks, slackBlock{Type: "section", Fields: []slackText{
			*mrkdwn("*Author*\n" + slackEscape(author) + " on " + slackEscape(m.Source)),
			*mrkdwn(fmt.Sprintf("*Reach*\n%d followers, %d likes, %d reposts", m.AuthorFollowers, m.Likes, m.Reposts)),
			*mrkdwn(fmt.Sprintf("*Score*\n%.2f (%s)", m.Sentiment.Compound, m.Sentiment.Label)),
			*mrkdwn("*Link*\n" + link),
		}})
		blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{*mrkdwn("Why: " + slackEscape(why))}})
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{
		*mrkdwn(fmt.Sprintf("brand *%s* · severity %s · alert id `%s`", slackEscape(a.Brand), a.Severity, a.ID))}})
	b, _ := json.Marshal(struct {
		Text   string       `json:"text"`
		Blocks []slackBlock `json:"blocks"`
	}{Text: status + a.Summary + " (alert " + a.ID + ")", Blocks: blocks})
	return b
}

// Notify implements Notifier.
func (s *Slack) Notify(ctx context.Context, a *Alert) (bool, error) {
	return s.p.post(ctx, s.url.Value(), "application/json", s.SlackBody(a), nil)
}
