package collectors

import (
	"net/url"
	"sort"
	"strings"
)

// CanonicalURL normalises a post link so that one post reached through two
// feeds has one URL: lowercase scheme and host, no default port, no fragment,
// no tracking parameters (utm_*, fbclid, gclid, ref_src), sorted query. A
// value that is not an absolute http(s) URL is returned unchanged.
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
	u.Fragment, u.RawFragment = "", ""
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "utm_") || lk == "fbclid" || lk == "gclid" || lk == "ref_src" || lk == "mc_cid" || lk == "mc_eid" {
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
