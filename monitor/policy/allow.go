package policy

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"portlight/monitor"
	"portlight/provenance"
)

// AllowEntry is one allow-list entry: a program, identified by its resolved
// executable path (never by its process name, which any program can choose),
// allowed to listen on any port or on listed ports.
type AllowEntry struct {
	// Path is the absolute, symlink-resolved executable path.
	Path string `toml:"path" json:"path"`
	// Ports limits the entry to these ports; empty means any port.
	Ports []uint16 `toml:"ports,omitempty" json:"ports,omitempty"`
	// Proto limits the entry to "tcp", "udp" or "sctp"; empty means any.
	Proto monitor.Proto `toml:"proto,omitempty" json:"proto,omitempty"`
	// SHA256 pins the entry to the file's hash (lower-case hex); a program at
	// Path whose file hashes differently is "changed", not allowed.
	SHA256 string `toml:"sha256,omitempty" json:"sha256,omitempty"`
	// Package, when set, is the package that shipped the file at Path (as
	// provenance names it). The entry then matches the package's file
	// across its updates (while the running image is an older version, or
	// in the package's sandbox), and nothing else at Path.
	Package string `toml:"package,omitempty" json:"package,omitempty"`
	// Script is, for an interpreter, the absolute path of the one script
	// the entry allows (the monitor resolves the script a process runs
	// against its working folder). It is what makes allowing an
	// interpreter safe: allowing /usr/bin/python3 alone allows every script.
	Script string `toml:"script,omitempty" json:"script,omitempty"`
	// ScriptSHA256 pins the script's content like SHA256 pins the program.
	ScriptSHA256 string `toml:"script_sha256,omitempty" json:"script_sha256,omitempty"`
	// Argv, when set, is the exact list of arguments after argv[0]; for an
	// interpreter given code on its command line, the code is its identity.
	Argv []string `toml:"argv,omitempty" json:"argv,omitempty"`
	// Args is the older form of Script: a glob (see MatchArgs). An entry
	// whose glob names an absolute script without wildcards is read as
	// that Script (see Migrated); any other glob is matched against the
	// absolute path of the script the process runs, never against its flat
	// command line, and must not start with '*'.
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
	if e.Package != "" {
		s += " (package " + e.Package + ")"
	}
	if e.Script != "" {
		s += " running " + e.Script
	}
	if e.Argv != nil {
		s += fmt.Sprintf(" with arguments %q", e.Argv)
	}
	if e.Args != "" {
		s += fmt.Sprintf(" with arguments matching %q", e.Args)
	}
	if e.SHA256 != "" || e.ScriptSHA256 != "" {
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
	case e.Proto != "" && !e.Proto.Known():
		return fmt.Errorf("allow entry %s: proto %q is not tcp, udp or sctp", e.Path, e.Proto)
	case e.SHA256 != "" && !sha256Hex().MatchString(e.SHA256):
		return fmt.Errorf("allow entry %s: sha256 %q is not 64 hex digits", e.Path, e.SHA256)
	case slices.Contains(e.Ports, 0):
		return fmt.Errorf("allow entry %s: port 0 is not a port", e.Path)
	case e.Script != "" && !filepath.IsAbs(e.Script):
		return fmt.Errorf("allow entry %s: the script %q must be an absolute path", e.Path, e.Script)
	case e.ScriptSHA256 != "" && !sha256Hex().MatchString(e.ScriptSHA256):
		return fmt.Errorf("allow entry %s: script_sha256 %q is not 64 hex digits", e.Path, e.ScriptSHA256)
	case strings.HasPrefix(e.Args, "*"):
		return fmt.Errorf("allow entry %s: args %q starts with '*', which matches a script of that name in any folder, "+
			"one anybody can write to included; name the script by its absolute path instead (script = \"/path/to/script\")", e.Path, e.Args)
	}
	return nil
}

var sha256Hex = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{64}$`) })

// SameProgram reports whether two entries name the same program (path and
// script or arguments), whatever their ports, pins and notes: the entries
// the settings merge or replace.
func (e AllowEntry) SameProgram(o AllowEntry) bool {
	return e.Path == o.Path && e.Args == o.Args && e.Script == o.Script && slices.Equal(e.Argv, o.Argv)
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
	changed *AllowEntry // a pinned entry that would allow it but the file differs
	// changedWhy says what changed.
	changedWhy string
	// notes explain entries for the same path that did not apply.
	notes []string
}

// matchAllow checks l, whose program came from o, against entries. The
// executable is matched as a file, not a path string: a process whose
// running image was deleted or replaced, or that lives in another mount
// namespace (where its path names another file), matches only an entry
// that records its package (when the origin is known: originKnown) and
// that package still claims it intact; a memfd or anonymous image matches
// nothing. hash computes a file's SHA-256 and may be nil (then pinned
// entries cannot be verified and do not allow).
func matchAllow(l monitor.Listener, o provenance.Origin, originKnown bool, entries []AllowEntry, hash func(string) (string, error)) allowMatch {
	var m allowMatch
	path, deleted := ExePath(l)
	if path == "" {
		if len(entries) > 0 {
			m.notes = append(m.notes, "owner's executable not visible: the allow-list cannot apply")
		}
		return m
	}
	state := l.Identity.State
	if deleted && state == monitor.ExeUnknown {
		state = monitor.ExeDeleted
	}
	for i := range entries {
		e := entries[i].Migrated()
		if e.Path != path {
			continue
		}
		name := shown(e.Path)
		if !e.Covers(l.Port, l.Proto) {
			m.notes = append(m.notes, fmt.Sprintf("allow-list entry for %s covers %s only", name, e.Scope()))
			continue
		}
		if why, ok := scriptMatches(&e, l.Process); !ok {
			m.notes = append(m.notes, fmt.Sprintf("allow-list entry for %s %s", name, why))
			continue
		}
		samePackage := e.Package != "" && (!originKnown || (o.Package == e.Package && o.Integrity != provenance.IntegrityMismatch))
		if e.Package != "" && originKnown && !samePackage {
			m.notes = append(m.notes, fmt.Sprintf("allow-list entry for %s is for the file of package %s, and this one is not (or no longer matches it)",
				name, shown(e.Package)))
			continue
		}
		switch state {
		case monitor.ExeMemfd, monitor.ExeAnonymous:
			m.notes = append(m.notes, "the program runs from no file on disk: no allow-list entry can apply")
			continue
		case monitor.ExeDeleted, monitor.ExeReplaced:
			if e.SHA256 != "" {
				// The running image is no longer the file at Path: what
				// runs cannot be checked against the pin.
				m.setChanged(&entries[i], fmt.Sprintf("changed: the running %s was replaced or deleted on disk since it started; it was pinned by SHA-256", name))
				continue
			}
			if !samePackage || !originKnown {
				m.notes = append(m.notes, fmt.Sprintf("the running file of %s was replaced or deleted since it started: an entry by path does not apply "+
					"(an entry that records the package does)", name))
				continue
			}
		case monitor.ExeForeignMount:
			if !samePackage || !originKnown {
				m.notes = append(m.notes, fmt.Sprintf("%s runs in another mount namespace, where its path names another file: an entry by path does not apply", name))
				continue
			}
		}
		if e.SHA256 != "" || e.ScriptSHA256 != "" {
			if hash == nil {
				m.notes = append(m.notes, fmt.Sprintf("cannot verify the pinned SHA-256 of %s", name))
				continue
			}
			why, ok, err := pinsHold(e, path, l.Script, hash)
			if err != nil {
				m.notes = append(m.notes, fmt.Sprintf("cannot verify the pinned SHA-256 of %s: %v", name, err))
				continue
			}
			if !ok {
				m.setChanged(&entries[i], why)
				continue
			}
		}
		m.allowed = &entries[i]
		return m
	}
	return m
}

// setChanged records the first pinned entry whose file changed.
func (m *allowMatch) setChanged(e *AllowEntry, why string) {
	if m.changed == nil {
		m.changed, m.changedWhy = e, why
	}
}

// pinsHold checks an entry's pins: the program's file and the script's.
func pinsHold(e AllowEntry, path, script string, hash func(string) (string, error)) (why string, ok bool, err error) {
	if e.SHA256 != "" {
		sum, err := hash(path)
		if err != nil {
			return "", false, err
		}
		if !strings.EqualFold(sum, e.SHA256) {
			return changedReason(e, e.Path), false, nil
		}
	}
	if e.ScriptSHA256 != "" {
		sum, err := hash(script)
		if err != nil {
			return "", false, err
		}
		if !strings.EqualFold(sum, e.ScriptSHA256) {
			return changedReason(e, script), false, nil
		}
	}
	return "", true, nil
}

// changedReason explains a pinned entry whose file no longer matches.
func changedReason(e AllowEntry, file string) string {
	when := ""
	if !e.Added.IsZero() {
		when = " on " + e.Added.Format("2006-01-02")
	}
	return fmt.Sprintf("changed: %s no longer matches the SHA-256 pinned%s", shown(file), when)
}

// EntryFor builds the allow-list entry that allows a listener's program, on
// any port (ports empty) or on the given ports, added at now, without
// knowing its origin; see Policy.EntryFor.
func EntryFor(l monitor.Listener, ports []uint16, now time.Time) (AllowEntry, error) {
	return entryFor(l, provenance.Origin{}, ports, now)
}

// EntryFor builds the allow-list entry that allows a listener's program, on
// any port (ports empty) or on the given ports, added at now. A file a
// package shipped intact is recorded with its package, so that the entry
// survives the package's updates. For an interpreter the entry also names
// the script (its absolute path), or, for code given on the command line,
// the exact arguments, since the program alone would allow every script.
// It fails when the listener's executable, or an interpreter's script and
// arguments, are not known.
func (p *Policy) EntryFor(l monitor.Listener, ports []uint16, now time.Time) (AllowEntry, error) {
	return entryFor(l, p.originOf(l), ports, now)
}

// entryFor is EntryFor with the origin.
func entryFor(l monitor.Listener, o provenance.Origin, ports []uint16, now time.Time) (AllowEntry, error) {
	path, _ := ExePath(l)
	if path == "" {
		return AllowEntry{}, fmt.Errorf("allow: the executable of %s (pid %d) is not visible", shown(l.Name), l.PID)
	}
	e := AllowEntry{Path: path, Ports: slices.Clone(ports), Added: now.UTC().Truncate(time.Second)}
	if o.Packaged() && o.Package != "" && o.Integrity != provenance.IntegrityMismatch {
		e.Package = o.Package
	}
	if IsInterpreter(path) || l.Script != "" {
		switch argv := argvOf(l.Process); {
		case l.Script != "":
			e.Script = l.Script
		case len(argv) > 1:
			e.Argv = slices.Clone(argv[1:])
		default:
			return AllowEntry{}, fmt.Errorf("allow: %s is an interpreter and the script it runs is not visible", path)
		}
	}
	return e, nil
}
