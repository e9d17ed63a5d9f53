// Package safetext makes text that comes from other programs (process names,
// command lines, paths) safe to show: one line, no control characters, no
// terminal escape sequences, no bidirectional overrides, valid UTF-8, bounded.
//
// Any program can name itself anything, so every label, notification, window
// and CLI line that shows such text passes it through Line first.
package safetext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis ends a string that Line had to shorten.
const Ellipsis = "…"

// Line returns s as one printable line of at most max runes (max <= 0: no
// bound). Invalid UTF-8 becomes U+FFFD; ANSI/VT escape sequences are dropped;
// newlines and tabs become spaces; other control and format characters (the
// bidi controls U+061C, U+200E–U+200F, U+202A–U+202E and U+2066–U+2069 among
// them) are dropped, and so are the line and paragraph separators U+2028 and
// U+2029 (Pango and other layout engines break lines on them).
func Line(s string, max int) string {
	if printableASCII(s) && (max <= 0 || len(s) <= max) {
		return s // nothing to change: most text is like this
	}
	var b strings.Builder
	b.Grow(min(len(s), 256))
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			r = unicode.ReplacementChar
		case r == 0x1b: // ESC: skip a CSI/OSC sequence or a two-byte escape
			i = skipEscape(s, i)
			continue
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
			continue
		}
		if max > 0 && n == max {
			return strings.TrimRight(b.String(), " ") + Ellipsis
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// printableASCII reports whether every byte of s is in ' '..'~', which Line
// keeps as it is.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// skipEscape returns the index just past the escape sequence whose ESC ended
// before i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[': // CSI: parameters then one final byte in 0x40–0x7e
		for i++; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
		}
		return i
	case ']', 'P', '_', '^': // OSC/DCS/APC/PM: up to BEL or ESC \
		for i++; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return i
	default:
		return i + 1
	}
}

// Lines is Line for text of several lines, such as a registry's notes:
// each line of s is cleaned by Line and the "\n" between them kept ("\r\n"
// counts as one break); the whole is bounded to max runes (max <= 0: no
// bound), the breaks counted.
func Lines(s string, max int) string {
	if !strings.ContainsAny(s, "\n\r") {
		return Line(s, max)
	}
	parts := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, p := range parts {
		parts[i] = Line(p, 0)
	}
	out := strings.Join(parts, "\n")
	if max > 0 && utf8.RuneCountInString(out) > max {
		rs := []rune(out)
		out = strings.TrimRight(string(rs[:max]), " \n") + Ellipsis
	}
	return out
}

// Truncate cuts s to at most max runes, ending with Ellipsis when it cut
// (max <= 0: ""). Unlike Line it cleans nothing and keeps line breaks: it
// bounds text already made of clean parts, such as a notification's body.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + Ellipsis
}
