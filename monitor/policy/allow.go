package policy

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"portlight/monitor"
)

// AllowEntry is one allow-list entry: a program, identified by its resolved
// executable path (never by its process name, which any program can choose),
// allowed to listen on any port or on listed ports.
type AllowEntry struct {
	// Path is the absolute, symlink-resolved executable path.
	Path string `toml:"path" json:"path"`
	// Ports limits the entry to these ports; empty means any port.
	Ports []uint16 `toml:"ports,omitempty" json:"ports,omitempty"`
	// Proto limits the entry to "tcp" or "udp"; empty means both.
	Proto monitor.Proto `toml:"proto,omitempty" json:"proto,omitempty"`
	// SHA256 pins the entry to the file's hash (lower-case hex); a program at
	// Path whose file hashes differently is "changed", not allowed.
	SHA256 string `toml:"sha256,omitempty" json:"sha256,omitempty"`
	// Args, when set, must match the process's command line (see MatchArgs).
	// It is what makes allowing an interpreter safe: allowing
	// /usr/bin/python3 alone allows every script.
	Args string `toml:"args,omitempty" json:"args,omitempty"`
	// Added is when the entry was made.
	Added time.Time `toml:"added,omitempty" json:"added,omitzero"`
	// Note is the user's own words.
	Note string `toml:"note,omitempty" json:"note,omitempty"`
}

// Scope describes the ports an entry covers: "any port", "port 8384/tcp",
// "ports 8384, 22000".
func (e AllowEntry) Scope() string {
	suffix := ""
	if e.Proto != "" {
		suffix = "/" + string(e.Proto)
	}
	switch len(e.Ports) {
	case 0:
		if e.Proto != "" {
			return "any " + string(e.Proto) + " port"
		}
		return "any port"
	case 1:
		return fmt.Sprintf("port %d%s", e.Ports[0], suffix)
	}
	ps := make([]string, len(e.Ports))
	for i, p := range e.Ports {
		ps[i] = fmt.Sprint(p)
	}
	return "ports " + strings.Join(ps, ", ") + suffix
}

// Describe is the entry in plain words, as verdict reasons and the CLI show
// it: "/usr/bin/syncthing on any port".
func (e AllowEntry) Describe() string {
	s := e.Path + " on " + e.Scope()
	if e.Args != "" {
		s += fmt.Sprintf(" with arguments matching %q", e.Args)
	}
	if e.SHA256 != "" {
		s += " (pinned)"
	}
	return s
}

// Covers reports whether the entry's scope covers a port and protocol.
func (e AllowEntry) Covers(port uint16, proto monitor.Proto) bool {
	if e.Proto != "" && e.Proto != proto {
		return false
	}
	return len(e.Ports) == 0 || slices.Contains(e.Ports, port)
}

// Validate checks the fields a user can get wrong by hand.
func (e AllowEntry) Validate() error {
	switch {
	case e.Path == "" || !filepath.IsAbs(e.Path):
		return fmt.Errorf("allow entry %q: the path must be absolute", e.Path)
	case e.Proto != "" && e.Proto != monitor.TCP && e.Proto != monitor.UDP:
		return fmt.Errorf("allow entry %s: proto %q is neither tcp nor udp", e.Path, e.Proto)
	case e.SHA256 != "" && !sha256Hex.MatchString(e.SHA256):
		return fmt.Errorf("allow entry %s: sha256 %q is not 64 hex digits", e.Path, e.SHA256)
	case slices.Contains(e.Ports, 0):
		return fmt.Errorf("allow entry %s: port 0 is not a port", e.Path)
	}
	return nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// MatchArgs reports whether a command line matches an args pattern. The
// pattern is a glob over the whole command line as the monitor reports it
// (arguments joined by spaces): '*' matches any run of characters, spaces and
// slashes included, '?' any one character; everything else is literal. So
// "*/srv/app/server.py*" allows "python3 /srv/app/server.py --port 8000" and
// not "python3 /tmp/server.py". A glob rather than a regular expression,
// because an unanchored regular expression is the classic way to allow too much.
func MatchArgs(pattern, cmdline string) bool {
	p, s := []rune(pattern), []rune(cmdline)
	// Iterative glob match with one backtrack point, linear in practice.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// interpreterBase matches the file names of programs that run whatever
// script they are given, with version suffixes: python3.12, node22, ruby3.2.
var interpreterBase = regexp.MustCompile(`^(python|pypy|node|nodejs|deno|bun|java|javaw|ruby|perl|php|php-cgi|lua|luajit|tclsh|wish|r|rscript|sh|bash|dash|zsh|ksh|mksh|fish|csh|tcsh|busybox|pwsh|powershell|osascript|dotnet|mono|erl|beam\.smp|julia|gjs|electron)[0-9.]*(\.exe)?$`)

// IsInterpreter reports whether an executable path names a script
// interpreter, whose allow-list entries should carry an Args pattern.
func IsInterpreter(path string) bool {
	// Split on both separators: Windows paths reach us on every OS through
	// the settings file.
	base := path[strings.LastIndexAny(path, `/\`)+1:]
	return interpreterBase.MatchString(strings.ToLower(base))
}

// deletedSuffix is what Linux appends to /proc/PID/exe when the running
// binary was deleted or replaced on disk.
const deletedSuffix = " (deleted)"

// ExePath returns a listener's executable path without the " (deleted)"
// marker, and whether the marker was there.
func ExePath(l monitor.Listener) (path string, deleted bool) {
	p, ok := strings.CutSuffix(l.Exe, deletedSuffix)
	return p, ok
}

// Identity is the key that groups a listener's program for noise control:
// its executable path; when that is unknown, its uid and process name, which
// is good enough to group notifications but never to allow.
func Identity(l monitor.Listener) string {
	if p, _ := ExePath(l); p != "" {
		return p
	}
	if l.OwnerHidden || l.Name == "" {
		return fmt.Sprintf("uid %d", l.UID)
	}
	return fmt.Sprintf("uid %d name %s", l.UID, l.Name)
}

// allowMatch is the outcome of checking a listener against the allow-list.
type allowMatch struct {
	allowed *AllowEntry // the entry that allows it
	changed *AllowEntry // a pinned entry that would allow it but the hash differs
	// notes explain entries for the same path that did not apply.
	notes []string
}

// matchAllow checks l against entries. hash computes a file's SHA-256 and
// may be nil (then pinned entries cannot be verified and do not allow).
func matchAllow(l monitor.Listener, entries []AllowEntry, hash func(string) (string, error)) allowMatch {
	var m allowMatch
	path, deleted := ExePath(l)
	if path == "" {
		if len(entries) > 0 {
			m.notes = append(m.notes, "owner's executable not visible: the allow-list cannot apply")
		}
		return m
	}
	for i := range entries {
		e := &entries[i]
		if e.Path != path {
			continue
		}
		if !e.Covers(l.Port, l.Proto) {
			m.notes = append(m.notes, fmt.Sprintf("allow-list entry for %s covers %s only", e.Path, e.Scope()))
			continue
		}
		if e.Args != "" && !MatchArgs(e.Args, l.Cmdline) {
			m.notes = append(m.notes, fmt.Sprintf("allow-list entry for %s needs arguments matching %q", e.Path, e.Args))
			continue
		}
		if e.SHA256 != "" {
			if deleted {
				// The running image is no longer the file at Path: what runs
				// cannot be checked against the pin.
				if m.changed == nil {
					m.changed = e
				}
				continue
			}
			if hash == nil {
				m.notes = append(m.notes, fmt.Sprintf("cannot verify the pinned SHA-256 of %s", e.Path))
				continue
			}
			sum, err := hash(path)
			if err != nil {
				m.notes = append(m.notes, fmt.Sprintf("cannot verify the pinned SHA-256 of %s: %v", e.Path, err))
				continue
			}
			if !strings.EqualFold(sum, e.SHA256) {
				if m.changed == nil {
					m.changed = e
				}
				continue
			}
		}
		m.allowed = e
		return m
	}
	return m
}

// EntryFor builds the allow-list entry that allows a listener's program, on
// any port (ports empty) or on the given ports, added at now. For an
// interpreter the entry also requires the listener's exact command line,
// since the program alone would allow every script; edit Args to widen it.
// It fails when the listener's executable is not known.
func EntryFor(l monitor.Listener, ports []uint16, now time.Time) (AllowEntry, error) {
	path, _ := ExePath(l)
	if path == "" {
		return AllowEntry{}, fmt.Errorf("allow: the executable of %s (pid %d) is not visible", l.Name, l.PID)
	}
	e := AllowEntry{Path: path, Ports: slices.Clone(ports), Added: now.UTC().Truncate(time.Second)}
	if IsInterpreter(path) {
		if l.Cmdline == "" {
			return AllowEntry{}, fmt.Errorf("allow: %s is an interpreter and its command line is not visible", path)
		}
		// MatchArgs has no escapes: a '*' or '?' in the command line stays
		// a wildcard, which widens the match only by what it stands for.
		e.Args = l.Cmdline
	}
	return e, nil
}
