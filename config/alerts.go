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
}

func (a *Alerts) applyDefaults() {
	for i := range a.Rules {
		r := &a.Rules[i]
		if r.Severity == "" {
			r.Severity = "warning"
		}
		if r.Type == RuleNegativeMention && r.Below == nil {
			v := -0.05
			r.Below = &v
		}
	}
	for i := range a.Channels {
		if a.Channels[i].Timeout == 0 {
			a.Channels[i].Timeout = Duration(10 * time.Second)
		}
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
			if env, ok := v.unset[p+".secret"]; ok {
				v.addf(p+".secret", "environment variable %s is not set", env)
			}
		case ChannelEmail:
			if _, _, err := net.SplitHostPort(ch.SMTP); err != nil {
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
		switch r.Severity {
		case "info", "warning", "critical":
		default:
			v.addf(p+".severity", "unknown severity %q (want info, warning or critical)", r.Severity)
		}
		if len(r.Channels) == 0 {
			v.addf(p+".channels", "at least one channel is required")
		}
		for j, ch := range r.Channels {
			if !channels[ch] {
				v.addf(fmt.Sprintf("%s.channels[%d]", p, j), "undefined channel %q", ch)
			}
		}
		for j, b := range r.Brands {
			if !brands[b] {
				v.addf(fmt.Sprintf("%s.brands[%d]", p, j), "unknown brand %q", b)
			}
		}
		for j, s := range r.Sources {
			if !sources[s] {
				v.addf(fmt.Sprintf("%s.sources[%d]", p, j), "unknown source %q", s)
			}
		}
	}
}
