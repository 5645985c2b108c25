package collectors

import (
	"net/url"
	"sort"
	"strings"
)

// CanonicalURL normalises a post link so that one post reached through two
// feeds has one URL: lowercase scheme and host, no default port, no
// tracking parameters (utm_*, fbclid, gclid, ref_src, mc_cid, mc_eid, xtor),
// sorted query. A value that is not an absolute http(s) URL is returned
// unchanged.
//
// The fragment is kept: the store keeps one mention per (brand, URL), and a
// fragment can be all that tells two items apart, as in a comments feed
// whose items link to post#comment-101 and post#comment-102. Only a
// fragment made of tracking parameters alone (#xtor=RSS-3208) is dropped,
// since feeds of one site tag the same post differently there.
func CanonicalURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if h, p, ok := strings.Cut(u.Host, ":"); ok && (p == "80" && u.Scheme == "http" || p == "443" && u.Scheme == "https") {
		u.Host = h
	}
	if trackingOnly(u.Fragment) {
		u.Fragment, u.RawFragment = "", ""
	}
	q := u.Query()
	for k := range q {
		if tracking(k) {
			q.Del(k)
		}
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		for j, v := range q[k] {
			if i+j > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	u.RawQuery = b.String()
	if u.Path == "/" {
		u.Path = ""
	}
	return u.String()
}

// tracking reports whether a query parameter only tags where a visit came
// from.
func tracking(key string) bool {
	k := strings.ToLower(key)
	return strings.HasPrefix(k, "utm_") || k == "fbclid" || k == "gclid" || k == "ref_src" || k == "mc_cid" || k == "mc_eid" || k == "xtor"
}

// trackingOnly reports whether a fragment is nothing but tracking
// parameters ("xtor=RSS-3208", "utm_source=rss&utm_medium=feed").
func trackingOnly(fragment string) bool {
	if fragment == "" {
		return false
	}
	for _, kv := range strings.Split(fragment, "&") {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || !tracking(k) {
			return false
		}
	}
	return true
}
