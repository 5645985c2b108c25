package collectors

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/dghubble/go-twitter/twitter"
)

func TestXV1Fetch(t *testing.T) {
	var got atomic.Pointer[http.Request]
	srv := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r)
		writeJSON(w, 200, loadFixture(t, "xv1/search_tweets.json"))
	})
	src := xSource(srv.URL)
	src.API = "v1.1"
	x := newTestX(t, src)
	p, err := x.Fetch(context.Background(), socialBrand(t, "northwind"), "")
	if err != nil {
		t.Fatal(err)
	}
	r := got.Load()
	q := r.URL.Query()
	if r.URL.Path != "/1.1/search/tweets.json" || r.Header.Get("Authorization") != "Bearer "+xToken || r.UserAgent() != "repmon-test" {
		t.Fatalf("request %s %q %q", r.URL.Path, r.Header.Get("Authorization"), r.UserAgent())
	}
	for k, v := range map[string]string{"q": "northwind", "count": "100", "tweet_mode": "extended", "result_type": "recent", "since_id": "", "max_id": ""} {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(p.Posts) != 2 || !p.More {
		t.Fatalf("page = %+v", p)
	}
	rt := p.Posts[0] // a retweet is reported as the original
	if rt.ID != "1899071465927413842" || rt.Author != "danak_travels" || rt.AuthorFollowers != 48211 || rt.Likes != 31 ||
		rt.URL != "https://x.com/danak_travels/status/1899071465927413842" || rt.Text != "Northwind support kept me on hold for two hours. Never again. https://t.co/aBcD3fGh1J" {
		t.Fatalf("retweet = %+v", rt)
	}
	if got, want := p.Posts[1].Text, "@northwind where is my refund? Third email & no answer >:("; got != want {
		t.Errorf("text = %q, want %q", got, want) // unescaped as on v2
	}
	if p.Cursor != `{"start":1741521600,"max_id":1899047291530051922,"newest":1899073465927413001}` {
		t.Fatalf("cursor %s", p.Cursor)
	}
	// The next page asks below the lowest id, with the old lower bound.
	srv2 := serveCounted(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("max_id") != "1899047291530051922" {
			t.Errorf("max_id %q", r.URL.Query().Get("max_id"))
		}
		writeJSON(w, 200, []byte(`{"statuses":[],"search_metadata":{"count":100}}`))
	})
	src.Endpoint = srv2.URL
	p, err = newTestX(t, src).Fetch(context.Background(), socialBrand(t, "northwind"), p.Cursor)
	if err != nil || p.More || p.Cursor != `{"since_id":1899073465927413001}` {
		t.Fatalf("end of walk: %+v %v", p, err)
	}
}

func TestXV1Faults(t *testing.T) {
	faults := append(commonFaults(x429, loadFixture(t, "xv1/search_tweets.json")),
		faultCase{name: "revoked bearer token", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, loadFixture(t, "xv1/errors.json"))
		}, want: ReasonAuth},
	)
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveCounted(t, tc.handler)
			src := xSource(srv.URL)
			src.API = "v1.1"
			x := newTestX(t, src)
			b := socialBrand(t, "northwind")
			checkFault(t, tc, srv, func(ctx context.Context) (Page, error) { return x.Fetch(ctx, b, "") }, xToken, srv.URL)
		})
	}
}

func TestXV1ErrorMapping(t *testing.T) {
	c := socialClient(t)
	for _, tc := range []struct {
		err  error
		want Reason
	}{
		{twitter.APIError{Errors: []twitter.ErrorDetail{{Code: 88, Message: "Rate limit exceeded"}}}, ReasonRateLimited},
		{twitter.APIError{Errors: []twitter.ErrorDetail{{Code: 89, Message: "Invalid or expired token."}}}, ReasonAuth},
		{twitter.APIError{Errors: []twitter.ErrorDetail{{Code: 131, Message: "Internal error"}}}, ReasonBadResponse},
		{ErrTooLarge, ReasonBadResponse},
		{&Error{Reason: ReasonAuth}, ReasonAuth},
		{errors.New("dial tcp: connection refused"), ReasonUnavailable},
	} {
		if got := ReasonOf(xV1Error(c, tc.err)); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

func FuzzDecodeXV1(f *testing.F) {
	f.Add(loadFixture(f, "xv1/search_tweets.json"))
	f.Add([]byte(`{"statuses":[{"id":1,"retweeted_status":{"id":-1}},{"id":2,"created_at":"bad","user":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		posts, err := decodeXV1(b)
		if err != nil && posts != nil {
			t.Fatal("posts with an error")
		}
	})
}
