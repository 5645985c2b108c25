// Package config loads and validates repmon's YAML configuration.
//
// Loading is strict: unknown keys are errors, every problem is reported at
// once with the path of the field it concerns, and defaults are applied in one
// place (applyDefaults) before validation, so the rest of the program never
// sees a half-filled value. ${VAR} references in scalar values are expanded
// from the environment after parsing, so a variable's content can never change
// the document's structure.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// Source types that repmon knows how to collect from.
const (
	TypeHackerNews = "hackernews"
	TypeRSS        = "rss"
	TypeX          = "x"
	TypeReddit     = "reddit"
	TypeMastodon   = "mastodon"
	TypeBluesky    = "bluesky"
)

// GoogleNewsFeed is the feed URL template behind the rss preset google_news.
const GoogleNewsFeed = "https://news.google.com/rss/search?q={query}&hl=en-US&gl=US&ceid=US:en"

// Config is the whole configuration file.
type Config struct {
	Storage   Storage   `yaml:"storage"`
	Server    Server    `yaml:"server"`
	Brands    []Brand   `yaml:"brands"`
	Sources   []Source  `yaml:"sources"`
	Sentiment Sentiment `yaml:"sentiment"`
	Alerts    Alerts    `yaml:"alerts"`
}

// Storage selects the database.
type Storage struct {
	Driver string `yaml:"driver"` // sqlite | postgres
	DSN    Secret `yaml:"dsn"`    // a postgres URL may carry a password
	// Retention is how long mentions, their aggregates and delivered
	// alerts are kept, by creation time; 0 keeps everything.
	Retention Duration `yaml:"retention"`
}

// Server configures the HTTP listener for metrics, health, API and UI.
type Server struct {
	Listen   string `yaml:"listen"`
	APIToken Secret `yaml:"api_token"`
}

// Brand is one monitored brand and its query.
type Brand struct {
	Name  string `yaml:"name"`
	Query string `yaml:"query"`
	// Names are how posts write the brand ("Best Buy", "Delight
	// Bakery"), besides Name with its '_' and '-' read as spaces: in
	// reputation mode their words carry no sentiment in the brand's own
	// mentions.
	Names []string `yaml:"names"`
}

// Source is one configured collector. Fields that do not apply to the
// source's type are rejected by validation.
type Source struct {
	Name     string   `yaml:"name"`
	Type     string   `yaml:"type"`
	Schedule string   `yaml:"schedule"`
	Endpoint string   `yaml:"endpoint"`
	Timeout  Duration `yaml:"timeout"`   // per run
	MaxPages int      `yaml:"max_pages"` // per brand and run
	Brands   []string `yaml:"brands"`    // empty: every brand
	Backfill Duration `yaml:"backfill"`  // how far back the first walk of a brand looks

	// rss
	Feeds  []string `yaml:"feeds"`
	Preset string   `yaml:"preset"` // google_news

	// x
	API         string `yaml:"api"` // v2 | v1.1
	BearerToken Secret `yaml:"bearer_token"`

	// reddit
	ClientID     Secret `yaml:"client_id"`
	ClientSecret Secret `yaml:"client_secret"`
	UserAgent    string `yaml:"user_agent"`
	AuthEndpoint string `yaml:"auth_endpoint"`

	// mastodon
	AccessToken Secret   `yaml:"access_token"`
	Hashtags    []string `yaml:"hashtags"`

	// bluesky
	Identifier  Secret `yaml:"identifier"`
	AppPassword Secret `yaml:"app_password"`
}

// Sentiment configures the scorer.
type Sentiment struct {
	Mode          string             `yaml:"mode"`
	NegativeBelow *float64           `yaml:"negative_below"` // compound at or below is negative
	PositiveAbove *float64           `yaml:"positive_above"` // compound at or above is positive
	Lexicon       map[string]float64 `yaml:"lexicon"`
}

// Secret is a string that never prints: its String, GoString, MarshalJSON and
// MarshalYAML methods all hide the value, so a Secret that reaches a log line,
// an error or an API response by accident shows as <secret>.
type Secret string

const hidden = "<secret>"

// Value returns the secret itself, for the one place that needs it.
func (s Secret) Value() string { return string(s) }

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return hidden
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON hides the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalYAML hides the value.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// Duration is a time.Duration that also accepts Prometheus-style units (d, w, y).
type Duration time.Duration

// UnmarshalYAML parses "90s", "5m", "30d".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := model.ParseDuration(s)
	if err != nil {
		// A TypeError, unlike any other error, lets the decoder go on with
		// the rest of the document, so every problem is reported at once.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: invalid duration %q", n.Line, s)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML prints the duration in Prometheus form.
func (d Duration) MarshalYAML() (any, error) { return model.Duration(d).String(), nil }

// String prints the duration in Prometheus form ("30d", "1h30m").
func (d Duration) String() string { return model.Duration(d).String() }

// D returns the standard library duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Problems is every validation problem of a config, one per line.
type Problems []string

func (p Problems) Error() string { return strings.Join(p, "\n") }

// ErrNotFound is returned (wrapped) when the config file does not exist.
var ErrNotFound = errors.New("config file not found")

// LoadOption changes what LoadFile and Load hold to be a problem.
type LoadOption func(*loadOptions)

type loadOptions struct {
	uses []string // field paths the caller reads; nil: all
}

// Uses tells Load that the caller reads only the given fields (such as
// "sentiment" and "brands" for repmon score): an environment variable
// left unset in any other field (a collector's token, a channel's
// webhook) is no problem, as nothing reads it. Every other problem is
// still one. A field is a path as problems name them; "[]" stands for
// every element of a list ("sources[].schedule").
func Uses(fields ...string) LoadOption {
	return func(o *loadOptions) { o.uses = append(o.uses, fields...) }
}

// LoadFile reads, expands, decodes, defaults and validates the config at path.
// A returned error is either ErrNotFound, a read error, or Problems.
func LoadFile(path string, opts ...LoadOption) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Load(b, os.LookupEnv, opts...)
}

// Load parses a config document; lookup resolves ${VAR} references.
func Load(b []byte, lookup func(string) (string, bool), opts ...LoadOption) (*Config, error) {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Problems{"config: file is empty"}
		}
		return nil, Problems{"config: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	l := &loader{lookup: lookup, lines: map[int]string{}, terrs: map[string][]string{}, dups: map[string]int{}, refs: map[string]bool{}, given: map[string]bool{}}
	var probs Problems
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, Problems{"config: top level must be a mapping"}
	}
	probs = append(probs, l.walk(root, "", typeOfConfig)...)
	var cfg Config
	if err := root.Decode(&cfg); err != nil {
		dp, placed := l.decodeProblems(err)
		probs = append(probs, dp...)
		if !placed {
			// Part of the document is missing from cfg and we cannot tell
			// which: validating it would report problems that are not there.
			return nil, probs
		}
	}
	// Validate even when the document has problems already, so that one
	// run of check-config shows them all; fields that did not decode are
	// left out of validation, as their zero values would only mislead.
	cfg.applyDefaults(func(path string) bool { return l.given[path] })
	probs = append(probs, cfg.validate(l.unset, l.failed, l.refs, o.uses)...)
	if len(probs) > 0 {
		return nil, probs
	}
	return &cfg, nil
}

var envRef = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${VAR} from the environment; $$ is a literal $. It returns
// the variables that are referenced but unset, each once.
func (l *loader) expand(s string) (string, []string) {
	var missing []string
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		v, ok := l.lookup(name)
		if !ok && !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
		return v
	})
	return out, missing
}

// DurationOr returns d, or def when d is zero.
func DurationOr(d Duration, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d.D()
}
