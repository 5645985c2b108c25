package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/robfig/cron/v3"

	"github.com/repmon/repmon/query"
	"github.com/repmon/repmon/sentiment"
)

// Defaults, in one place.
const (
	DefaultSchedule  = "@every 5m"
	DefaultListen    = "127.0.0.1:9464"
	DefaultDSN       = "repmon.db"
	DefaultTimeout   = 2 * time.Minute
	DefaultMaxPages  = 5
	DefaultBackfill  = 24 * time.Hour
	DefaultUserAgent = "repmon/1.0 (+https://github.com/repmon/repmon)"
)

// MinRetention is the shortest storage.retention: firing alerts are read
// back from the last 30 days at start (and the default baselines of the
// aggregate rules reach back up to 29).
const MinRetention = 30 * 24 * time.Hour

// DefaultEndpoints holds the public API base URL of each source type that has one.
var DefaultEndpoints = map[string]string{
	TypeHackerNews: "https://hn.algolia.com",
	TypeX:          "https://api.x.com",
	TypeReddit:     "https://oauth.reddit.com",
	TypeBluesky:    "https://bsky.social",
}

// applyDefaults fills in what the file leaves out; given reports whether
// the file sets a field path, so that an explicit 0 ("cooldown: 0") is kept,
// and validated, rather than taken for "unset".
func (c *Config) applyDefaults(given func(path string) bool) {
	if c.Storage.Driver == "" {
		c.Storage.Driver = "sqlite"
	}
	if c.Storage.DSN == "" && c.Storage.Driver == "sqlite" {
		c.Storage.DSN = DefaultDSN
	}
	if c.Server.Listen == "" {
		c.Server.Listen = DefaultListen
	}
	if c.Sentiment.Mode == "" {
		c.Sentiment.Mode = "reputation"
	}
	if c.Sentiment.NegativeBelow == nil {
		v := -0.05
		c.Sentiment.NegativeBelow = &v
	}
	if c.Sentiment.PositiveAbove == nil {
		v := 0.05
		c.Sentiment.PositiveAbove = &v
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		unset := func(field string) bool { return !given(fmt.Sprintf("sources[%d].%s", i, field)) }
		if s.Schedule == "" {
			s.Schedule = DefaultSchedule
		}
		if s.Timeout == 0 && unset("timeout") {
			s.Timeout = Duration(DefaultTimeout)
		}
		if s.Backfill == 0 && unset("backfill") {
			s.Backfill = Duration(DefaultBackfill)
		}
		if s.MaxPages == 0 && unset("max_pages") {
			s.MaxPages = DefaultMaxPages
		}
		if s.Type == TypeX && s.API == "" {
			s.API = "v2"
		}
		if s.Endpoint == "" {
			s.Endpoint = DefaultEndpoints[s.Type]
			if s.Type == TypeX && s.API == "v1.1" {
				s.Endpoint = "https://api.twitter.com"
			}
		}
		if s.Type == TypeReddit && s.AuthEndpoint == "" { // only reddit has a separate auth host
			s.AuthEndpoint = "https://www.reddit.com"
		}
		if s.UserAgent == "" {
			s.UserAgent = DefaultUserAgent
		}
		if s.Type == TypeRSS && s.Preset == "google_news" && !slices.Contains(s.Feeds, GoogleNewsFeed) {
			s.Feeds = append(s.Feeds, GoogleNewsFeed) // after the listed feeds
		}
	}
	c.Alerts.applyDefaults(given)
}

var nameRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// validator collects problems; each names its field path.
type validator struct {
	probs  []problem
	unset  []unsetVar          // in document order
	vars   map[string][]string // the same, by field path
	named  map[string]bool     // fields whose unset variables a problem names already
	failed []string            // fields whose value did not decode; their problem is reported already
	unused []string            // fields that the type of their source, channel or rule ignores
	refs   map[string]bool     // fields with a ${VAR} reference: their value is not quoted
	uses   []string            // fields the caller reads (Uses); nil: all
}

type problem struct{ path, msg string }

// unsetVar is a field whose ${VAR} references name unset variables.
type unsetVar struct {
	path string
	vars []string
}

func newValidator(unset []unsetVar, failed []string, refs map[string]bool, uses []string) *validator {
	v := &validator{unset: unset, vars: map[string][]string{}, named: map[string]bool{}, failed: failed, refs: refs, uses: uses}
	for _, u := range unset {
		v.vars[u.path] = u.vars
	}
	return v
}

// notSet says which variables to export, never what the field holds: a
// variable may be only part of a secret.
func notSet(vars []string) string {
	if len(vars) == 1 {
		return "environment variable " + vars[0] + " is not set"
	}
	return "environment variables " + strings.Join(vars[:len(vars)-1], ", ") + " and " + vars[len(vars)-1] + " are not set"
}

// ignore records that the type of a source, channel or rule does not use
// the field: an unset variable there changes nothing the monitor does.
func (v *validator) ignore(path string) { v.unused = append(v.unused, path) }

func (v *validator) isUnused(path string) bool {
	for _, f := range v.unused {
		if under(path, f) {
			return true
		}
	}
	return false
}

// unread reports whether the caller does not read path (see Uses).
func (v *validator) unread(path string) bool {
	if v.uses == nil {
		return false
	}
	general := anyIndex(path)
	for _, f := range v.uses {
		if under(path, f) || under(general, f) {
			return false
		}
	}
	return true
}

// anyIndex writes path's list indexes as "[]": "sources[2].schedule" is
// "sources[].schedule", the form in which Uses names a field of every
// element of a list.
func anyIndex(path string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '[')
		if i < 0 {
			break
		}
		j := strings.IndexByte(path[i:], ']')
		if j < 0 {
			break
		}
		b.WriteString(path[:i+1])
		path = path[i+j:]
	}
	b.WriteString(path)
	return b.String()
}

func (v *validator) addf(path, format string, args ...any) {
	v.probs = append(v.probs, problem{path, fmt.Sprintf(format, args...)})
}

// under reports whether path is field or lies inside it; every path lies
// inside "", the whole document.
func under(path, field string) bool {
	return field == "" || path == field || strings.HasPrefix(path, field+".") || strings.HasPrefix(path, field+"[")
}

func (v *validator) didNotDecode(path string) bool {
	for _, f := range v.failed {
		if under(path, f) {
			return true
		}
	}
	return false
}

// namesLost reports whether a name in list (brands, sources,
// alerts.channels) may be missing because it did not decode, in which case
// a reference to an undefined name is no news.
func (v *validator) namesLost(list string) bool {
	for _, f := range v.failed {
		if under(list, f) {
			return true
		}
		if rest, ok := strings.CutPrefix(f, list+"["); ok {
			if _, after, _ := strings.Cut(rest, "]"); after == "" || after == ".name" {
				return true
			}
		}
	}
	return false
}

// result returns the problems in the order they were found, then every
// unset variable of a field in use, in document order. It leaves out the
// problems of fields that did not decode (a field with a type error is not
// also "required") and of fields with an unset variable (their value is
// known to be wrong, and "invalid URL" would only hide the cause); a field
// that did not decode because its variable is unset reports the variable
// (the loader drops its type error). Fields the caller does not read (see
// Uses) report no unset variable at all.
func (v *validator) result() Problems {
	var out Problems
	for _, p := range v.probs {
		if v.didNotDecode(p.path) {
			continue
		}
		if _, ok := v.vars[p.path]; ok && (v.unread(p.path) || !v.named[p.path] && !v.isUnused(p.path)) {
			continue
		}
		out = append(out, p.path+": "+p.msg)
	}
	for _, u := range v.unset {
		// a field that did not decode for want of its variable (a
		// duration, a number) reports the variable here, in place of
		// the type error; a field inside one that failed does not
		if v.named[u.path] || v.didNotDecode(u.path) && !slices.Contains(v.failed, u.path) || v.isUnused(u.path) || v.unread(u.path) {
			continue
		}
		out = append(out, u.path+": "+notSet(u.vars))
	}
	return out
}

// required reports an empty required field; for a ${VAR} that was unset it
// says which variable, so the operator knows what to export.
func (v *validator) required(path, value string) {
	if value != "" {
		return
	}
	if vars, ok := v.vars[path]; ok {
		v.addf(path, "required, but %s", notSet(vars))
		v.named[path] = true
		return
	}
	v.addf(path, "required")
}

func (v *validator) name(path, value, what string) {
	switch {
	case value == "":
		v.addf(path, "required")
	case !nameRE.MatchString(value):
		v.addf(path, "invalid %s name %q: use lowercase letters, digits, '_' and '-'", what, value)
	}
}

// httpURL checks an absolute http(s) URL; it never echoes a URL that may
// carry credentials when secret is true.
func (v *validator) httpURL(path, value string, secret bool) {
	u, err := url.Parse(value)
	// Hostname, not Host: "http://:9093" has a port but no host, and would
	// quietly reach localhost.
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		if secret || v.refs[path] { // a variable may hold a token, as in a private feed's URL
			v.addf(path, "invalid URL: must be an absolute http or https URL")
			return
		}
		v.addf(path, "invalid URL %q: must be an absolute http or https URL", value)
	}
}

func (c *Config) validate(unset []unsetVar, failed []string, refs map[string]bool, uses []string) Problems {
	v := newValidator(unset, failed, refs, uses)
	switch c.Storage.Driver {
	case "sqlite":
		if c.Storage.DSN == "" {
			v.addf("storage.dsn", "required")
		}
	case "postgres":
		if c.Storage.DSN == "" {
			v.addf("storage.dsn", "required: a postgres URL (postgres://user:${PGPASSWORD}@host:5432/db) or libpq key=value string")
		}
	default:
		v.addf("storage.driver", "unknown driver %q (want sqlite or postgres)", c.Storage.Driver)
	}
	c.validateRetention(v)
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		v.addf("server.listen", "invalid address %q: want host:port", c.Server.Listen)
	}

	if len(c.Brands) == 0 {
		v.addf("brands", "at least one brand is required")
	}
	brands := map[string]bool{}
	for i, b := range c.Brands {
		p := fmt.Sprintf("brands[%d]", i)
		v.name(p+".name", b.Name, "brand")
		if brands[b.Name] && b.Name != "" {
			v.addf(p+".name", "duplicate brand name %q", b.Name)
		}
		brands[b.Name] = true
		for j, n := range b.Names {
			if !strings.ContainsFunc(n, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
				v.addf(fmt.Sprintf("%s.names[%d]", p, j), "a name needs a letter or a digit")
			}
		}
		if strings.TrimSpace(b.Query) == "" {
			v.addf(p+".query", "required")
		} else if _, err := query.Parse(b.Query); err != nil {
			v.addf(p+".query", "%v", err)
		}
	}

	names := map[string]bool{}
	for i := range c.Sources {
		c.Sources[i].validate(v, fmt.Sprintf("sources[%d]", i), names, brands)
	}

	switch c.Sentiment.Mode {
	case "reputation", "vader":
	default:
		v.addf("sentiment.mode", "unknown mode %q (want reputation or vader)", c.Sentiment.Mode)
	}
	if nb, pa := *c.Sentiment.NegativeBelow, *c.Sentiment.PositiveAbove; nb < -1 || nb > 1 || pa < -1 || pa > 1 || nb >= pa {
		v.addf("sentiment", "thresholds must satisfy -1 <= negative_below < positive_above <= 1")
	}
	words := make([]string, 0, len(c.Sentiment.Lexicon))
	for k := range c.Sentiment.Lexicon {
		words = append(words, k)
	}
	sort.Strings(words) // a stable order of problems
	same := map[string]string{}
	for _, k := range words {
		if s := c.Sentiment.Lexicon[k]; s < -4 || s > 4 {
			v.addf("sentiment.lexicon."+k, "valence %v outside [-4, 4]", s)
		}
		// keys match case-insensitively: "Recall" and "recall" with two
		// valences would leave the choice to chance
		key := sentiment.LexiconKey(k)
		if other, dup := same[key]; dup && c.Sentiment.Lexicon[other] != c.Sentiment.Lexicon[k] {
			v.addf("sentiment.lexicon."+k, "the same entry as %q, with another valence", other)
		}
		same[key] = k
	}
	c.Alerts.validate(v, c)
	return v.result()
}

func (s *Source) validate(v *validator, p string, names, brands map[string]bool) {
	v.name(p+".name", s.Name, "source")
	if names[s.Name] && s.Name != "" {
		v.addf(p+".name", "duplicate source name %q", s.Name)
	}
	names[s.Name] = true
	if err := CheckSchedule(s.Schedule); err != nil {
		v.addf(p+".schedule", "%v", err)
	}
	if s.Timeout <= 0 {
		v.addf(p+".timeout", "must be positive")
	}
	if s.Backfill <= 0 {
		v.addf(p+".backfill", "must be positive")
	}
	if s.MaxPages <= 0 {
		v.addf(p+".max_pages", "must be positive")
	}
	for j, b := range s.Brands {
		if !brands[b] && !v.namesLost("brands") {
			v.addf(fmt.Sprintf("%s.brands[%d]", p, j), "unknown brand %q", b)
		}
	}
	if s.Endpoint != "" {
		v.httpURL(p+".endpoint", s.Endpoint, false)
	}

	// Fields allowed per type; anything else set is a mistake worth reporting.
	allowed := map[string][]string{
		TypeHackerNews: {},
		TypeRSS:        {"feeds", "preset"},
		TypeX:          {"api", "bearer_token"},
		TypeReddit:     {"client_id", "client_secret", "user_agent", "auth_endpoint"},
		TypeMastodon:   {"access_token", "hashtags"},
		TypeBluesky:    {"identifier", "app_password"},
	}
	// A slice, not a map: check-config prints problems in a stable order.
	set := []struct {
		field string
		isSet bool
	}{
		{"feeds", len(s.Feeds) > 0}, {"preset", s.Preset != ""}, {"api", s.API != ""},
		{"bearer_token", s.BearerToken != ""}, {"client_id", s.ClientID != ""}, {"client_secret", s.ClientSecret != ""},
		{"auth_endpoint", s.AuthEndpoint != ""},
		{"access_token", s.AccessToken != ""}, {"hashtags", len(s.Hashtags) > 0},
		{"identifier", s.Identifier != ""}, {"app_password", s.AppPassword != ""},
	}
	fields, ok := allowed[s.Type]
	for _, f := range set {
		if !contains(fields, f.field) {
			v.ignore(p + "." + f.field)
			if f.isSet && ok {
				v.addf(p+"."+f.field, "not valid for source type %s", s.Type)
			}
		}
	}
	if !ok {
		if s.Type == "" {
			v.addf(p+".type", "required")
		} else {
			v.addf(p+".type", "unknown source type %q (want hackernews, rss, x, reddit, mastodon or bluesky)", s.Type)
		}
		return
	}

	switch s.Type {
	case TypeRSS:
		switch s.Preset {
		case "", "google_news":
		default:
			v.addf(p+".preset", "unknown preset %q (want google_news)", s.Preset)
		}
		if len(s.Feeds) == 0 {
			v.addf(p+".feeds", "at least one feed URL is required (or preset: google_news)")
		}
		for j, f := range s.Feeds {
			v.httpURL(fmt.Sprintf("%s.feeds[%d]", p, j), strings.ReplaceAll(f, "{query}", "q"), false)
		}
	case TypeX:
		switch s.API {
		case "v2", "v1.1":
		default:
			v.addf(p+".api", "unknown X API %q (want v2 or v1.1)", s.API)
		}
		v.required(p+".bearer_token", s.BearerToken.Value())
	case TypeReddit:
		v.required(p+".client_id", s.ClientID.Value())
		v.required(p+".client_secret", s.ClientSecret.Value())
		v.httpURL(p+".auth_endpoint", s.AuthEndpoint, false)
	case TypeMastodon:
		if s.Endpoint == "" {
			v.addf(p+".endpoint", "required: the instance URL, e.g. https://mastodon.social")
		}
		for j, h := range s.Hashtags {
			if h == "" || strings.ContainsAny(h, "# \t/") {
				v.addf(fmt.Sprintf("%s.hashtags[%d]", p, j), "invalid hashtag %q: give it without '#'", h)
			}
		}
	case TypeBluesky:
		v.required(p+".identifier", s.Identifier.Value())
		v.required(p+".app_password", s.AppPassword.Value())
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ScheduleGap is the longest wait between two runs of a valid schedule
// (over a year, or 20,000 runs), 0 for an invalid one: a post published
// just after one run is collected up to that long after.
func ScheduleGap(spec string) time.Duration {
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return 0
	}
	if c, ok := sched.(cron.ConstantDelaySchedule); ok {
		return c.Delay
	}
	ref := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	prev := sched.Next(ref)
	var gap time.Duration
	for n := 0; n < 20000 && !prev.IsZero() && prev.Sub(ref) < 366*24*time.Hour; n++ {
		next := sched.Next(prev)
		if next.IsZero() {
			break
		}
		gap = max(gap, next.Sub(prev))
		prev = next
	}
	return gap
}

// CheckSchedule validates a robfig/cron/v3 spec more strictly than the
// library: it rejects steps larger than the field's range ("*/61"), which
// cron would silently treat as "once", and @every below one second.
func CheckSchedule(spec string) error {
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return fmt.Errorf("invalid cron expression %q: %v", spec, err)
	}
	if _, ok := sched.(cron.ConstantDelaySchedule); ok {
		// cron rounds a shorter delay up to one second; say so instead.
		if d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(spec, "@every"))); err != nil || d < time.Second {
			return fmt.Errorf("invalid cron expression %q: @every needs at least 1s", spec)
		}
		return nil
	}
	fields := strings.Fields(spec)
	if len(fields) > 0 && strings.HasPrefix(fields[0], "CRON_TZ=") || len(fields) > 0 && strings.HasPrefix(fields[0], "TZ=") {
		fields = fields[1:]
	}
	maxima := []int{59, 23, 31, 12, 7}
	for i, f := range fields {
		if i >= len(maxima) {
			break
		}
		for _, part := range strings.Split(f, ",") {
			if _, step, ok := strings.Cut(part, "/"); ok {
				n, err := strconv.Atoi(step)
				if err != nil || n < 1 || n > maxima[i] {
					return fmt.Errorf("invalid cron expression %q: step %s out of range", spec, step)
				}
			}
		}
	}
	return nil
}

// validateRetention checks that storage.retention keeps what the monitor
// reads back: a first walk's posts, a volume_spike baseline, the firing
// alerts read back at start.
func (c *Config) validateRetention(v *validator) {
	ret := c.Storage.Retention.D()
	switch {
	case ret < 0:
		v.addf("storage.retention", "must not be negative")
		return
	case ret == 0:
		return
	case ret < MinRetention:
		v.addf("storage.retention", "must be at least %s (0 keeps everything): firing alerts are read back from the last 30 days", Duration(MinRetention))
		return
	}
	for i, s := range c.Sources {
		if s.Backfill.D() > ret {
			v.addf(fmt.Sprintf("sources[%d].backfill", i), "%s reaches past storage.retention (%s)", s.Backfill, c.Storage.Retention)
		}
	}
	for i := range c.Alerts.Rules {
		r := &c.Alerts.Rules[i]
		p := fmt.Sprintf("alerts.rules[%d]", i)
		past := func(field string, d time.Duration, what string) {
			if d > ret {
				v.addf(p+"."+field, "%s %s, past storage.retention (%s)", what, Duration(d), c.Storage.Retention)
			}
		}
		// the last alert, which a restart reads back to go on cooling down
		past("cooldown", r.Cooldown.D(), "the cooldown lasts")
		switch r.Type {
		case RuleVolumeSpike:
			if r.Interval > 0 {
				past("baseline_intervals", r.Interval.D()+r.BaselineSpan(), "the baseline reaches back")
			}
		case RuleNegativeShare:
			past("window", r.Window.D(), "the window reaches back")
		case RuleSourceSilent:
			past("for", SilentBaseline+r.For.D(), "with the 7d baseline it reaches back")
		}
	}
}
