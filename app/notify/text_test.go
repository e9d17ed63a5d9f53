package notify

import "testing"

func TestMarkup(t *testing.T) {
	for in, want := range map[string]string{
		"<b>bold</b>":              "&lt;b&gt;bold&lt;/b&gt;",
		`<a href="http://x">y</a>`: `&lt;a href="http://x"&gt;y&lt;/a&gt;`,
		"a & b":                    "a &amp; b",
		"&amp;":                    "&amp;amp;",
		"<img src=x>":              "&lt;img src=x&gt;",
	} {
		if got := Markup(in); got != want {
			t.Errorf("Markup(%q) = %q, want %q", in, got, want)
		}
	}
}
