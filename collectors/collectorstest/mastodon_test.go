package collectorstest

import "testing"

func TestContentHTML(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"escaped", `northwind's <b> & "co"`, `northwind&#39;s &lt;b&gt; &amp; &#34;co&#34;`},
		{"hashtag linked", "Loving #Northwind",
			`Loving <a href="https://m.example/tags/northwind" class="mention hashtag" rel="tag">#<span>Northwind</span></a>`},
		{"escaped apostrophe is no hashtag", "northwind's #app",
			`northwind&#39;s <a href="https://m.example/tags/app" class="mention hashtag" rel="tag">#<span>app</span></a>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := contentHTML("m.example", tc.text); got != tc.want {
				t.Errorf("contentHTML(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}
