package knownapps

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// pattern is an absolute executable path pattern: "/usr/bin/syncthing",
// "/usr/lib/postgresql/*/bin/postgres", or "~/.dropbox-dist/*/dropbox" under
// the user's home. A "*" matches within one path element, never across a
// "/", and the whole path must match (patterns are anchored at both ends).
type pattern struct {
	raw   string
	home  bool     // starts with "~/"
	elems []string // the elements after "/" or "~/"
}

// unsafeRoots are world-writable folders: anyone can put a file there, so a
// path under them says nothing about where a program came from.
var unsafeRoots = []string{"tmp", "var/tmp", "dev/shm", "run/user"}

// parsePattern checks and splits an executable path pattern. The first
// element must be literal, so a pattern cannot reach every folder
// ("/*/spotify" would match /tmp/spotify).
func parsePattern(s string) (pattern, error) {
	p := pattern{raw: s}
	rest, ok := strings.CutPrefix(s, "~/")
	if ok {
		p.home = true
	} else if rest, ok = strings.CutPrefix(s, "/"); !ok {
		return pattern{}, fmt.Errorf("path pattern %q is not absolute (start it with / or ~/)", s)
	}
	if rest == "" || strings.HasSuffix(rest, "/") {
		return pattern{}, fmt.Errorf("path pattern %q names no file", s)
	}
	if strings.ContainsAny(s, "?[]\\\x00\n\r\t ") {
		return pattern{}, fmt.Errorf("path pattern %q: only * is a wildcard, and no spaces or control characters", s)
	}
	p.elems = strings.Split(rest, "/")
	for i, e := range p.elems {
		switch {
		case e == "" || e == "." || e == "..":
			return pattern{}, fmt.Errorf("path pattern %q is not clean (empty, . or .. element)", s)
		case strings.Contains(e, "**"):
			return pattern{}, fmt.Errorf("path pattern %q: ** is not supported", s)
		case i == 0 && strings.Contains(e, "*"):
			return pattern{}, fmt.Errorf("path pattern %q: the first folder must be literal", s)
		}
	}
	if !p.home {
		for _, u := range unsafeRoots {
			if rest == u || strings.HasPrefix(rest, u+"/") {
				return pattern{}, fmt.Errorf("path pattern %q is under /%s, where anyone can write", s, u)
			}
		}
	}
	return p, nil
}

// match reports whether exe matches the pattern; home is the user's home
// folder for "~/" patterns ("" matches none). Both were vetted by
// Program.checked: absolute and clean, or empty.
func (p pattern) match(exe, home string) bool {
	rest, ok := strings.CutPrefix(exe, "/")
	if !ok {
		return false
	}
	if p.home {
		if home == "" {
			return false
		}
		if rest, ok = strings.CutPrefix(exe, home+"/"); !ok {
			return false
		}
	}
	for i, e := range p.elems {
		el := rest
		if i < len(p.elems)-1 {
			if el, rest, ok = strings.Cut(rest, "/"); !ok {
				return false
			}
		} else if strings.Contains(el, "/") {
			return false
		}
		if el == "" || !globMatch(e, el) {
			return false
		}
	}
	return true
}

// cleanAbs reports whether s is an absolute path with no empty, "." or
// ".." elements and no trailing slash.
func cleanAbs(s string) bool {
	return strings.HasPrefix(s, "/") && path.Clean(s) == s
}

// globMatch matches a name against a pattern whose only wildcard is "*".
// Patterns were checked by parsePattern or parsePackage, so path.Match's
// error (a malformed pattern) cannot happen; it reads as no match.
func globMatch(pat, name string) bool {
	if !strings.Contains(pat, "*") {
		return pat == name
	}
	ok, err := path.Match(pat, name)
	return err == nil && ok
}

// errNoPackage is returned for an empty package name.
var errNoPackage = errors.New("empty package name")

// parsePackage checks a package name pattern: Debian/RPM/pacman package
// name characters, with "*" as the only wildcard, not leading.
func parsePackage(s string) error {
	if s == "" {
		return errNoPackage
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '+' || c == '-' || c == '.' || c == '_' || c == '*'):
		default:
			return fmt.Errorf("package %q: unexpected %q (lower-case letters, digits, + - . _ and a non-leading *)", s, c)
		}
	}
	return nil
}

// parseAppID checks a Flatpak application id (reverse DNS, at least three
// parts: com.spotify.Client) or a Snap name (lower-case letters, digits and
// hyphens). No wildcards: an app id is matched exactly.
func parseAppID(s string) error {
	if s == "" || len(s) > 255 {
		return fmt.Errorf("app id %q: empty or too long", s)
	}
	if !strings.Contains(s, ".") {
		for _, c := range s {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("snap name %q: unexpected %q", s, c)
			}
		}
		return nil
	}
	parts := strings.Split(s, ".")
	if len(parts) < 3 {
		return fmt.Errorf("flatpak id %q: needs at least three parts", s)
	}
	for _, part := range parts {
		if part == "" || part[0] >= '0' && part[0] <= '9' {
			return fmt.Errorf("flatpak id %q: empty part or part starting with a digit", s)
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return fmt.Errorf("flatpak id %q: unexpected %q", s, c)
			}
		}
	}
	return nil
}
