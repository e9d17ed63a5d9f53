package settings

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
	"portlight/provenance"
)

var (
	ephemeralOnce sync.Once
	ephemeral     policy.PortRange
)

var (
	placesOnce sync.Once
	places     policy.Places
)

// systemPlaces reads the user's home folder once per process.
func systemPlaces() policy.Places {
	placesOnce.Do(func() { places = policy.SystemPlaces() })
	return places
}

// systemEphemeral reads the kernel's ephemeral range once per process.
func systemEphemeral() policy.PortRange {
	ephemeralOnce.Do(func() { ephemeral = policy.SystemEphemeralRange() })
	return ephemeral
}

// Policy returns the policy for the current settings, with the real inputs:
// portinfo.Lookup, the system's ephemeral range, the shared file hasher and
// the usual owners set by SetUsualOwners. It is rebuilt after each change; a
// returned Policy is never modified, so it may be used from any goroutine.
func (s *Store) Policy() *policy.Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pol == nil {
		origin, expected := s.origin, s.expected
		if !s.provenanceSet {
			origin, expected = policy.SystemOrigin, policy.KnownExpected
		}
		s.pol = &policy.Policy{
			Rules:     s.cur.Rules(),
			Ephemeral: systemEphemeral(),
			Lookup:    portinfo.Lookup,
			Hash:      policy.SharedHasher.Sum,
			Owners:    s.owners,
			Places:    systemPlaces(),
			Origin:    origin,
			Expected:  expected,
			Reach:     s.reach,
		}
		if s.pol.Reach == nil {
			s.pol.Reach = policy.ReachOf(reach.System())
		}
	}
	return s.pol
}

// SetUsualOwners gives the policies of this store the history of who
// usually holds each port (a *history.Store), which the owner_change
// trigger needs; nil takes it away (before the history is closed). The
// process that records the history sets it: the resident, `portlight
// watch`.
func (s *Store) SetUsualOwners(u policy.UsualOwners) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.owners, s.pol = u, nil
}

// SetProvenance replaces where the policies of this store learn where
// programs come from (by default the system's package databases, through
// policy.SystemOrigin) and which ports the knowledge file documents for
// them (policy.KnownExpected); nil takes either away. Tests set it.
func (s *Store) SetProvenance(origin func(monitor.Process) provenance.Origin,
	expected func(monitor.Listener, provenance.Origin) (string, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.origin, s.expected, s.provenanceSet, s.pol = origin, expected, true, nil
}

// Assess judges a listener under the current settings: what the CLI, the
// windows and the resident use instead of policy.Assess once a store is open.
func (s *Store) Assess(l monitor.Listener) policy.Assessment {
	return s.Policy().Assess(l)
}

// mergeAllow merges e into the allow-list (Settings.MergeAllow), hashing
// the file when pin is set or the existing entry is pinned: an entry that
// was pinned is pinned again to the file as it is now (allowing a
// "changed" program accepts its new file, it does not drop the pin). It
// returns the entry as stored.
func (s *Store) mergeAllow(e policy.AllowEntry, pin bool) (policy.AllowEntry, error) {
	var stored policy.AllowEntry
	err := s.Update(func(c *Settings) error {
		if old, ok := c.allowFor(e); pin || (ok && old.SHA256 != "") {
			sum, err := policy.SharedHasher.Sum(e.Path)
			if err != nil {
				return fmt.Errorf("allow: pin: %w", err)
			}
			e.SHA256 = sum
		}
		stored = c.MergeAllow(e)
		return nil
	})
	return stored, err
}

// Allower adapts a Store to the explainer's "allow this app" actions, which
// know the executable path only.
type Allower struct {
	Store *Store
}

// AllowApp allows the program at exe on any port. An interpreter is refused:
// allowing it by path would allow every script it runs.
func (a Allower) AllowApp(exe string) error {
	return a.allow(exe, nil, "")
}

// AllowAppOnPort allows the program at exe on one port and protocol.
func (a Allower) AllowAppOnPort(exe string, port uint16, proto monitor.Proto) error {
	return a.allow(exe, []uint16{port}, proto)
}

func (a Allower) allow(exe string, ports []uint16, proto monitor.Proto) error {
	if policy.IsInterpreter(exe) {
		return fmt.Errorf("%s runs scripts: allowing it would allow every script; use Settings, or portlight allow %s --args PATTERN", exe, exe)
	}
	e := policy.AllowEntry{Path: exe, Ports: ports, Proto: proto, Added: time.Now().UTC().Truncate(time.Second)}
	_, err := a.Store.mergeAllow(e, false)
	return err
}

// ResolveExecutable makes a path absolute and symlink-free, as the monitor
// reports executables, and checks that it names a file: what allow-list
// entries are keyed by.
func ResolveExecutable(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	r, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	fi, err := os.Stat(r)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a file", r)
	}
	return r, nil
}

// SetReach gives the policies of this store what decides a listener's
// reach; nil (the default) is this machine's, by reach.System().
func (s *Store) SetReach(f func(monitor.Listener) reach.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reach, s.pol = f, nil
}
