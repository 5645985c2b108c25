package config

import (
	"fmt"
	"net"
	"net/mail"
	"time"
)

// Channel types.
const (
	ChannelSlack        = "slack"
	ChannelWebhook      = "webhook"
	ChannelEmail        = "email"
	ChannelAlertmanager = "alertmanager"
)

// Rule types.
const (
	RuleNegativeMention = "negative_mention"
	RuleVolumeSpike     = "volume_spike"
	RuleNegativeShare   = "negative_share"
	RuleSourceSilent    = "source_silent"
)

// Alerts holds the delivery channels and the rules that feed them.
type Alerts struct {
	Channels []Channel `yaml:"channels"`
	Rules    []Rule    `yaml:"rules"`
}

// Channel is one notification target. URLs are Secrets: a Slack webhook URL
// is itself a credential.
type Channel struct {
	Name       string   `yaml:"name"`
	Type       string   `yaml:"type"`
	WebhookURL Secret   `yaml:"webhook_url"` // slack
	URL        Secret   `yaml:"url"`         // webhook, alertmanager
	Secret     Secret   `yaml:"secret"`      // webhook HMAC key
	SMTP       string   `yaml:"smtp"`        // email: host:port
	From       string   `yaml:"from"`
	To         []string `yaml:"to"`
	Username   string   `yaml:"username"`
	Password   Secret   `yaml:"password"`
	Timeout    Duration `yaml:"timeout"`
	// Digest (email only), when set, batches the alerts of each digest
	// interval (aligned to UTC) into one message.
	Digest Duration `yaml:"digest"`
}

// BaselineSpan is how far before its counted window a volume_spike
// rule's baseline reaches.
func (r *Rule) BaselineSpan() time.Duration {
	step := r.Interval.D()
	if r.Baseline == "weekly" {
		step = 7 * 24 * time.Hour
	}
	return time.Duration(r.BaselineIntervals) * step
}

// Rule decides when mentions become alerts.
type Rule struct {
	Name            string   `yaml:"name"`
	Type            string   `yaml:"type"`
	Channels        []string `yaml:"channels"`
	Brands          []string `yaml:"brands"`  // empty: every brand
	Sources         []string `yaml:"sources"` // empty: every source
	Severity        string   `yaml:"severity"`
	Cooldown        Duration `yaml:"cooldown"`
	AlertOnBackfill bool     `yaml:"alert_on_backfill"`

	// negative_mention
	Below        *float64 `yaml:"below"`
	MinFollowers int64    `yaml:"min_followers"`
	// GroupWindow, when set, sends one alert per window listing its
	// mentions instead of one alert per mention.
	GroupWindow Duration `yaml:"group_window"`

	// volume_spike
	Interval          Duration `yaml:"interval"`           // counting window, a multiple of 5m
	Baseline          string   `yaml:"baseline"`           // rolling | weekly
	BaselineIntervals int      `yaml:"baseline_intervals"` // how many past windows form the baseline
	Threshold         float64  `yaml:"threshold"`          // robust z-score that fires
	Direction         string   `yaml:"direction"`          // up | down
	MinCount          int64    `yaml:"min_count"`          // volume_spike, source_silent

	// negative_share
	Window    Duration `yaml:"window"`
	Level     *float64 `yaml:"level"`
	MinVolume int64    `yaml:"min_volume"`

	// source_silent
	For Duration `yaml:"for"`
}

// SilentBaseline is the span over which a source_silent rule learns
// whether a source normally yields mentions.
const SilentBaseline = 7 * 24 * time.Hour

// Alert rule defaults, in one place.
const (
	DefaultAggregateCooldown = time.Hour
	DefaultSpikeInterval     = time.Hour
	DefaultRollingIntervals  = 24
	DefaultWeeklyIntervals   = 4
	DefaultSpikeThreshold    = 3.0
	DefaultSpikeMinCount     = 10
	DefaultShareWindow       = time.Hour
	DefaultShareLevel        = 0.5
	DefaultShareMinVolume    = 20
	DefaultSilentFor         = time.Hour
	DefaultSilentMinCount    = 3
	alertBucketWidth         = 5 * time.Minute // store.BucketWidth; config must not import store
	DefaultChannelTimeout    = 10 * time.Second
)

func (a *Alerts) applyDefaults(given func(path string) bool) {
	for i := range a.Rules {
		r := &a.Rules[i]
		unset := func(field string) bool { return !given(fmt.Sprintf("alerts.rules[%d].%s", i, field)) }
		if r.Severity == "" {
			r.Severity = "warning"
		}
		if r.Type == RuleNegativeMention && r.Below == nil {
			v := -0.05
			r.Below = &v
		}
		aggregate := r.Type == RuleVolumeSpike || r.Type == RuleNegativeShare || r.Type == RuleSourceSilent
		if aggregate && r.Cooldown == 0 && unset("cooldown") {
			r.Cooldown = Duration(DefaultAggregateCooldown)
		}
		switch r.Type {
		case RuleVolumeSpike:
			if r.Interval == 0 && unset("interval") {
				r.Interval = Duration(DefaultSpikeInterval)
			}
			if r.Baseline == "" {
				r.Baseline = "rolling"
			}
			if r.BaselineIntervals == 0 && unset("baseline_intervals") {
				r.BaselineIntervals = DefaultRollingIntervals
				if r.Baseline == "weekly" {
					r.BaselineIntervals = DefaultWeeklyIntervals
				}
			}
			if r.Threshold == 0 && unset("threshold") {
				r.Threshold = DefaultSpikeThreshold
			}
			if r.Direction == "" {
				r.Direction = "up"
			}
			if r.MinCount == 0 && unset("min_count") {
				r.MinCount = DefaultSpikeMinCount
			}
		case RuleNegativeShare:
			if r.Window == 0 && unset("window") {
				r.Window = Duration(DefaultShareWindow)
			}
			if r.Level == nil {
				v := DefaultShareLevel
				r.Level = &v
			}
			if r.MinVolume == 0 && unset("min_volume") {
				r.MinVolume = DefaultShareMinVolume
			}
		case RuleSourceSilent:
			if r.For == 0 && unset("for") {
				r.For = Duration(DefaultSilentFor)
			}
			if r.MinCount == 0 && unset("min_count") {
				r.MinCount = DefaultSilentMinCount
			}
		}
	}
	for i := range a.Channels {
		if a.Channels[i].Timeout == 0 && !given(fmt.Sprintf("alerts.channels[%d].timeout", i)) {
			a.Channels[i].Timeout = Duration(DefaultChannelTimeout)
		}
	}
}

// channelFields lists the type-specific channel fields each channel type uses.
var channelFields = map[string][]string{
	ChannelSlack:        {"webhook_url"},
	ChannelWebhook:      {"url", "secret"},
	ChannelAlertmanager: {"url"},
	ChannelEmail:        {"smtp", "from", "to", "username", "password", "digest"},
}

// ruleFields lists the type-specific rule fields each rule type accepts.
var ruleFields = map[string][]string{
	RuleNegativeMention: {"below", "min_followers", "group_window"},
	RuleVolumeSpike:     {"interval", "baseline", "baseline_intervals", "threshold", "direction", "min_count"},
	RuleNegativeShare:   {"window", "level", "min_volume"},
	RuleSourceSilent:    {"for", "min_count"},
}

func (r *Rule) validateParams(v *validator, p string) {
	fields, ok := ruleFields[r.Type]
	set := map[string]bool{
		"below": r.Below != nil, "min_followers": r.MinFollowers != 0, "group_window": r.GroupWindow != 0,
		"interval": r.Interval != 0, "baseline": r.Baseline != "", "baseline_intervals": r.BaselineIntervals != 0,
		"threshold": r.Threshold != 0, "direction": r.Direction != "", "min_count": r.MinCount != 0,
		"window": r.Window != 0, "level": r.Level != nil, "min_volume": r.MinVolume != 0, "for": r.For != 0,
	}
	for _, f := range []string{"below", "min_followers", "group_window", "interval", "baseline", "baseline_intervals",
		"threshold", "direction", "min_count", "window", "level", "min_volume", "for"} {
		if !contains(fields, f) {
			v.ignore(p + "." + f)
			if set[f] && ok {
				v.addf(p+"."+f, "not valid for rule type %s", r.Type)
			}
		}
	}
	if !ok {
		return
	}
	if r.Cooldown < 0 {
		v.addf(p+".cooldown", "must not be negative")
	}
	if r.MinFollowers < 0 {
		v.addf(p+".min_followers", "must not be negative")
	}
	if r.MinCount < 0 {
		v.addf(p+".min_count", "must not be negative")
	}
	if r.MinVolume < 0 {
		v.addf(p+".min_volume", "must not be negative")
	}
	multiple := func(field string, d Duration) {
		switch {
		case d <= 0:
			v.addf(p+"."+field, "must be positive")
		case d.D()%alertBucketWidth != 0:
			v.addf(p+"."+field, "must be a multiple of 5m (the aggregation bucket)")
		}
	}
	switch r.Type {
	case RuleNegativeMention:
		if r.GroupWindow < 0 {
			v.addf(p+".group_window", "must not be negative")
		}
	case RuleVolumeSpike:
		multiple("interval", r.Interval)
		switch r.Baseline {
		case "rolling", "weekly":
		default:
			v.addf(p+".baseline", "unknown baseline %q (want rolling or weekly)", r.Baseline)
		}
		if r.BaselineIntervals < 3 {
			v.addf(p+".baseline_intervals", "must be at least 3")
		}
		if r.Baseline == "weekly" && r.Interval.D() > 7*24*time.Hour {
			v.addf(p+".interval", "must not exceed a week with baseline weekly")
		}
		if r.Threshold <= 0 {
			v.addf(p+".threshold", "must be positive")
		}
		switch r.Direction {
		case "up", "down":
		default:
			v.addf(p+".direction", "unknown direction %q (want up or down)", r.Direction)
		}
	case RuleNegativeShare:
		multiple("window", r.Window)
		if *r.Level <= 0 || *r.Level >= 1 {
			v.addf(p+".level", "must be within (0, 1)")
		}
	case RuleSourceSilent:
		multiple("for", r.For)
	}
}

func (a *Alerts) validate(v *validator, c *Config) {
	channels := map[string]bool{}
	for i, ch := range a.Channels {
		p := fmt.Sprintf("alerts.channels[%d]", i)
		v.name(p+".name", ch.Name, "channel")
		if channels[ch.Name] && ch.Name != "" {
			v.addf(p+".name", "duplicate channel name %q", ch.Name)
		}
		channels[ch.Name] = true
		if ch.Timeout <= 0 {
			v.addf(p+".timeout", "must be positive")
		}
		// a field another channel type uses is a mistake (a webhook's
		// "secret" on an alertmanager channel signs nothing), not a no-op
		set := map[string]bool{
			"webhook_url": ch.WebhookURL != "", "url": ch.URL != "", "secret": ch.Secret != "", "smtp": ch.SMTP != "",
			"from": ch.From != "", "to": len(ch.To) > 0, "username": ch.Username != "", "password": ch.Password != "",
			"digest": ch.Digest != 0,
		}
		for _, f := range []string{"webhook_url", "url", "secret", "smtp", "from", "to", "username", "password", "digest"} {
			if contains(channelFields[ch.Type], f) {
				continue
			}
			v.ignore(p + "." + f)
			if _, known := channelFields[ch.Type]; known && set[f] {
				v.addf(p+"."+f, "not valid for channel type %s", ch.Type)
			}
		}
		if _, unset := v.vars[p+".username"]; ch.Type == ChannelEmail && ch.Username == "" && !unset {
			v.ignore(p + ".password") // sent only with a username
		}
		switch ch.Type {
		case ChannelSlack:
			v.required(p+".webhook_url", ch.WebhookURL.Value())
			if ch.WebhookURL != "" {
				v.httpURL(p+".webhook_url", ch.WebhookURL.Value(), true)
			}
		case ChannelWebhook, ChannelAlertmanager:
			v.required(p+".url", ch.URL.Value())
			if ch.URL != "" {
				v.httpURL(p+".url", ch.URL.Value(), true)
			}
		case ChannelEmail:
			if host, _, err := net.SplitHostPort(ch.SMTP); err != nil || host == "" { // ":587" would reach localhost
				v.addf(p+".smtp", "invalid address %q: want host:port", ch.SMTP)
			}
			if _, err := mail.ParseAddress(ch.From); err != nil {
				v.addf(p+".from", "invalid address %q", ch.From)
			}
			if len(ch.To) == 0 {
				v.addf(p+".to", "at least one recipient is required")
			}
			for j, to := range ch.To {
				if _, err := mail.ParseAddress(to); err != nil {
					v.addf(fmt.Sprintf("%s.to[%d]", p, j), "invalid address %q", to)
				}
			}
			if ch.Username != "" {
				v.required(p+".password", ch.Password.Value())
			}
			if ch.Digest < 0 {
				v.addf(p+".digest", "must not be negative")
			}
		case "":
			v.addf(p+".type", "required")
		default:
			v.addf(p+".type", "unknown channel type %q (want slack, webhook, email or alertmanager)", ch.Type)
		}
	}

	brands := map[string]bool{}
	for _, b := range c.Brands {
		brands[b.Name] = true
	}
	sources := map[string]bool{}
	for _, s := range c.Sources {
		sources[s.Name] = true
	}
	rules := map[string]bool{}
	for i, r := range a.Rules {
		p := fmt.Sprintf("alerts.rules[%d]", i)
		v.name(p+".name", r.Name, "rule")
		if rules[r.Name] && r.Name != "" {
			v.addf(p+".name", "duplicate rule name %q", r.Name)
		}
		rules[r.Name] = true
		switch r.Type {
		case RuleNegativeMention:
			if *r.Below < -1 || *r.Below > 1 {
				v.addf(p+".below", "must be within [-1, 1]")
			}
		case RuleVolumeSpike, RuleNegativeShare, RuleSourceSilent:
		case "":
			v.addf(p+".type", "required")
		default:
			v.addf(p+".type", "unknown rule type %q (want negative_mention, volume_spike, negative_share or source_silent)", r.Type)
		}
		r.validateParams(v, p)
		switch r.Severity {
		case "info", "warning", "critical":
		default:
			v.addf(p+".severity", "unknown severity %q (want info, warning or critical)", r.Severity)
		}
		if len(r.Channels) == 0 {
			v.addf(p+".channels", "at least one channel is required")
		}
		for j, ch := range r.Channels {
			if !channels[ch] && !v.namesLost("alerts.channels") {
				v.addf(fmt.Sprintf("%s.channels[%d]", p, j), "undefined channel %q", ch)
			}
		}
		for j, b := range r.Brands {
			if !brands[b] && !v.namesLost("brands") {
				v.addf(fmt.Sprintf("%s.brands[%d]", p, j), "unknown brand %q", b)
			}
		}
		for j, s := range r.Sources {
			if !sources[s] && !v.namesLost("sources") {
				v.addf(fmt.Sprintf("%s.sources[%d]", p, j), "unknown source %q", s)
			}
		}
	}
}
