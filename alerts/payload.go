package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/repmon/repmon"
)

// Alert statuses.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// maxListed caps the mentions a grouped alert carries in full; the rest
// are counted in Alert.Total.
const maxListed = 50

// Alert is the channel-independent form of an alert, stored as the outbox
// payload and rendered by each channel. The outbox keeps it as JSON, so
// only the store holds delivery state.
type Alert struct {
	ID          string           `json:"id"`
	Rule        string           `json:"rule"`
	Type        string           `json:"type"`
	Brand       string           `json:"brand"`
	Source      string           `json:"source,omitempty"`
	Severity    string           `json:"severity"`
	Status      string           `json:"status"`
	Summary     string           `json:"summary"`
	Description string           `json:"description,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	StartsAt    time.Time        `json:"starts_at"`
	EndsAt      time.Time        `json:"ends_at,omitzero"`
	Mentions    []repmon.Mention `json:"mentions"`
	// Total is the number of mentions behind the alert when more than
	// Mentions lists.
	Total int `json:"total,omitempty"`
	// Group, for a grouped negative_mention alert, is the window whose
	// mentions the alert lists; they are read from the store when it is
	// delivered, after the window closed.
	Group *Group `json:"group,omitempty"`
	// PerMention alerts carry alert_id as an Alertmanager label.
	PerMention bool `json:"per_mention,omitempty"`
	// Failing marks a source_silent alert about failing collector runs
	// (rather than an empty source), whose start a restart must keep.
	Failing bool `json:"failing,omitempty"`
	Test    bool `json:"test,omitempty"`
}

// Group is the collection window of a grouped alert.
type Group struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Links returns the URLs of the posts behind the alert.
func (a *Alert) Links() []string {
	var out []string
	for _, m := range a.Mentions {
		if m.URL != "" {
			out = append(out, m.URL)
		}
	}
	return out
}

func (a *Alert) encode() []byte {
	b, err := json.Marshal(a)
	if err != nil {
		panic("alerts: encode payload: " + err.Error()) // only plain data: cannot fail
	}
	return b
}

func decodeAlert(b []byte) (*Alert, error) {
	var a Alert
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// alertID derives an alert's idempotency key from the parts that identify
// it (rule, brand, and the mention or the window). It is readable in its
// prefix and short enough for a header; the hash keeps it unique when the
// parts contain separators.
func alertID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	prefix := parts[0]
	if len(parts) > 1 && parts[1] != "" {
		prefix += "-" + parts[1]
	}
	return prefix + "-" + hex.EncodeToString(h.Sum(nil))[:20]
}

func windowKey(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// truncate shortens s to n runes, adding an ellipsis.
func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
