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

// Text normalises a post body: HTML to text (tags dropped, entities decoded,
// block elements and <br> as line breaks), invalid UTF-8 replaced, runs of
// whitespace folded, ends trimmed. It is cheap on text that has no markup.
func Text(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsAny(s, "<&") {
		s = htmlToText(s)
	}
	return strings.Join(strings.Fields(s), " ")
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
