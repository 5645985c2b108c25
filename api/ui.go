package api

import (
	"html/template"
	"net/http"

	"github.com/repmon/repmon"
)

// The UI is one server-rendered page: the latest mentions with the same
// filters as the API, so a support lead can read what was flagged without
// Grafana. It needs no JavaScript.
var page = template.Must(template.New("ui").Funcs(template.FuncMap{"trim": trim}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>repmon</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}
.negative{color:#b00020}.positive{color:#1b7f3b}.neutral{color:#666}.num{text-align:right;white-space:nowrap}
form{margin-bottom:1rem}input,select{margin-right:.5rem}.why{color:#666;font-size:12px}
</style></head><body>
<h1>repmon: latest mentions</h1>
<form method="get">
<input name="brand" placeholder="brand" value="{{.Q.Brand}}">
<input name="source" placeholder="source" value="{{.Q.Source}}">
<select name="sentiment"><option value="">any sentiment</option>
{{range .Labels}}<option {{if eq . $.Q.Sentiment}}selected{{end}}>{{.}}</option>{{end}}</select>
<input name="since" placeholder="since (24h, 7d)" value="{{.Since}}">
<button>Filter</button></form>
{{if .Err}}<p class="negative">{{.Err}}</p>{{end}}
<table><tr><th>Created</th><th>Brand</th><th>Source</th><th>Author</th><th class="num">Reach</th><th>Score</th><th>Post</th></tr>
{{range .Mentions}}<tr>
<td>{{.CreatedAt.Format "2006-01-02 15:04"}}</td><td>{{.Brand}}</td><td>{{.Source}}</td><td>{{.Author}}</td>
<td class="num">{{.AuthorFollowers}}</td><td class="{{.Sentiment.Label}} num">{{printf "%.3f" .Sentiment.Compound}}</td>
<td>{{if .URL}}<a href="{{.URL}}" rel="noopener noreferrer">{{trim .Text 280}}</a>{{else}}{{trim .Text 280}}{{end}}
{{if .Why}}<div class="why">why: {{.Why}}</div>{{end}}</td>
</tr>{{else}}{{if not .Err}}<tr><td colspan="7">No mentions yet.</td></tr>{{end}}{{end}}
</table>
{{if .Next}}<p><a href="?brand={{.Q.Brand}}&source={{.Q.Source}}&sentiment={{.Q.Sentiment}}&since={{.Since}}&cursor={{.Next}}">Older</a></p>{{end}}
</body></html>`))

func (s *server) ui(w http.ResponseWriter, r *http.Request) {
	q, _, err := s.parseQuery(r)
	type row struct {
		repmon.Mention
		Why string // see Options.Summarize
	}
	data := struct {
		Q        any
		Since    string
		Labels   []string
		Mentions []row
		Next     string
		Err      string
	}{Q: q, Since: r.URL.Query().Get("since"), Labels: []string{repmon.LabelNegative, repmon.LabelNeutral, repmon.LabelPositive}}
	if err == nil {
		q.Limit = 50
		var ms []repmon.Mention
		ms, data.Next, err = s.Store.Mentions(r.Context(), q)
		for _, m := range ms {
			rw := row{Mention: m}
			if s.Summarize != nil {
				rw.Why = s.Summarize(m)
			}
			data.Mentions = append(data.Mentions, rw)
		}
	}
	if err != nil {
		data.Err = "Could not list mentions: check the filters."
		data.Mentions = nil
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page.Execute(w, data); err != nil {
		s.Logger.Error("render ui", "err", err)
	}
}
