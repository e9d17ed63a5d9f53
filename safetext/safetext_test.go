package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "python3", 0, "python3"},
		{"newlines", "a\nb\r\tc", 0, "a b  c"},
		{"ansi csi", "\x1b[31mred\x1b[0m", 0, "red"},
		{"ansi osc", "\x1b]0;title\x07x", 0, "x"},
		{"ansi osc st", "\x1b]8;;http://x\x1b\\link", 0, "link"},
		{"bidi override", "evil\u202egnp.exe", 0, "evilgnp.exe"},
		{"isolate", "a\u2066b\u2069", 0, "ab"},
		{"invalid utf8", "a\xffb", 0, "a\uFFFDb"},
		{"nul and bell", "a\x00b\x07", 0, "ab"},
		{"markup kept as text", "<b>x</b> & y", 0, "<b>x</b> & y"},
		{"bounded", "abcdefgh", 5, "abcde…"},
		{"bounded exact", "abcde", 5, "abcde"},
		{"bounded runes", "ééééé", 3, "ééé…"},
		{"trailing escape", "a\x1b", 0, "a"},
		{"unterminated csi", "a\x1b[12", 0, "a"},
		{"line separator", "a\u2028b", 0, "ab"},
		{"paragraph separator", "a\u2029b", 0, "ab"},
		{"next line", "a\u0085b", 0, "ab"},
		{"marks", "a\u200eb\u200fc\u061cd", 0, "abcd"},
		{"embedding and pop", "a\u202ab\u202cc", 0, "abc"},
	}
	for _, tt := range tests {
		if got := Line(tt.in, tt.max); got != tt.want {
			t.Errorf("%s: Line(%q, %d) = %q, want %q", tt.name, tt.in, tt.max, got, tt.want)
		}
	}
}

func TestLineHuge(t *testing.T) {
	got := Line(strings.Repeat("x\n", 10000), 200)
	if n := utf8.RuneCountInString(got); n < 199 || n > 201 || !strings.HasSuffix(got, Ellipsis) || strings.ContainsRune(got, '\n') {
		t.Fatalf("got %d runes", utf8.RuneCountInString(got))
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "a\x1b[1m", "\u202e", "\xff\xfe", "<a href='x'>"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		got := Line(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid utf8 %q", got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) ||
				r == 0x2028 || r == 0x2029 || r == 0x200e || r == 0x200f || r == 0x061c {
				t.Fatalf("control %U in %q", r, got)
			}
		}
		if max > 0 && utf8.RuneCountInString(got) > max+1 {
			t.Fatalf("too long: %d", utf8.RuneCountInString(got))
		}
	})
}

func TestLines(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"one line", "a\tb", 0, "a b"},
		{"breaks kept", "a\nb\r\nc", 0, "a\nb\nc"},
		{"each line cleaned", "\x1b[2Ja\u2028\nb\u202e", 0, "a\nb"},
		{"lone cr", "a\rb", 0, "a b"},
		{"bounded", "abc\ndef", 5, "abc\nd…"},
	}
	for _, tt := range tests {
		if got := Lines(tt.in, tt.max); got != tt.want {
			t.Errorf("%s: Lines(%q, %d) = %q, want %q", tt.name, tt.in, tt.max, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"Why: x\nWho: y", 9, "Why: x\nW…"},
		{"ééééé", 4, "ééé…"},
		{"abc", 0, ""},
	} {
		if got := Truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
