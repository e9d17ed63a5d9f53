package monitor

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitCmdline(t *testing.T) {
	long := strings.Repeat("x", maxArgBytes+10)
	tests := []struct {
		name string
		in   string
		more bool
		want []string
	}{
		{"empty", "", false, nil},
		{"only NULs", "\x00\x00", false, nil},
		{"plain", "/usr/bin/python3\x00app.py\x00", false, []string{"/usr/bin/python3", "app.py"}},
		{"empty argument kept", "a\x00\x00b\x00", false, []string{"a", "", "b"}},
		{"title without NULs", "nginx: worker process", false, []string{"nginx: worker process"}},
		{"padding NULs", "postgres: writer\x00\x00\x00\x00", false, []string{"postgres: writer"}},
		{"long argument cut", "a\x00" + long + "\x00b\x00", false, []string{"a", long[:maxArgBytes] + truncMark, "b"}},
		{"read cut short", "a\x00bc", true, []string{"a", "bc" + truncMark}},
	}
	for _, tt := range tests {
		got := splitCmdline([]byte(tt.in), tt.more)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("%s: splitCmdline = %q, want %q", tt.name, got, tt.want)
		}
	}

	// Too many arguments: maxArgs kept, the last one marked.
	many := strings.Repeat("arg\x00", 1000)
	got := splitCmdline([]byte(many), false)
	if len(got) != maxArgs || got[maxArgs-1] != "arg"+truncMark || got[maxArgs-2] != "arg" {
		t.Errorf("1000 arguments: kept %d, last %q", len(got), got[len(got)-1])
	}
	// Exactly maxArgs arguments: none marked.
	exact := strings.Repeat("arg\x00", maxArgs)
	if got := splitCmdline([]byte(exact), false); len(got) != maxArgs || got[maxArgs-1] != "arg" {
		t.Errorf("%d arguments: kept %d, last %q", maxArgs, len(got), got[len(got)-1])
	}

	// A cut never splits a character.
	wide := strings.Repeat("é", maxArgBytes) // 2 bytes each
	got = splitCmdline([]byte("x"+wide), false)
	if !utf8.ValidString(got[0]) || len(got[0]) > maxArgBytes+len(truncMark) || !strings.HasSuffix(got[0], truncMark) {
		t.Errorf("cut inside a character: %d bytes, valid %v", len(got[0]), utf8.ValidString(got[0]))
	}
}

func TestJoinArgv(t *testing.T) {
	if got := joinArgv([]string{"a", "", "b c"}); got != "a b c" {
		t.Errorf("joinArgv = %q", got)
	}
}
