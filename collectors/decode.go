package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// getJSON sends req through c and decodes a 2xx JSON body into v. Malformed,
// truncated and oversized bodies are ReasonBadResponse.
func (c *Client) getJSON(ctx context.Context, req *http.Request, v any) error {
	b, _, err := fetchBody(ctx, c, req)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badResponse(c, fmt.Errorf("decode: %w", err))
	}
	return nil
}

// newRequest builds a GET request; the URL never reaches an error message.
func newRequest(ctx context.Context, method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, errors.New("build request: invalid URL")
	}
	return req, nil
}

// Text normalises a plain-text post body: invalid UTF-8 replaced, runs of
// whitespace folded, ends trimmed. It keeps every other character as
// written: "<" and "&" in plain text are what the author typed, not markup.
// The runner applies it to every post.
func Text(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Join(strings.Fields(s), " ")
}

// HTMLText normalises a post body that is HTML, as Mastodon content, feed
// descriptions and Hacker News story and comment text are: tags dropped,
// script and style skipped, entities decoded, block elements and <br> kept
// as word breaks, then Text. Collectors call it on those fields only: on
// plain text it would eat whatever follows a "<" and decode entities that
// the author typed literally.
func HTMLText(s string) string {
	if strings.ContainsAny(s, "<&") {
		s = htmlToText(s)
	}
	return Text(s)
}

func htmlToText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "br", "p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr":
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "blockquote":
				b.WriteByte('\n')
			}
		}
	}
}
