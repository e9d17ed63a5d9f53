// Package settings keeps Portlight's settings in a human-readable TOML file
// that every Portlight process shares: the resident monitor, the windows and
// the CLI. A Store loads it, writes it atomically, watches it for changes made
// by other processes, and never overwrites a file it could not understand
// without keeping a backup first.
//
// The file lives in Portlight's state folder (package statedir:
// $PORTLIGHT_HOME when set, else os.UserConfigDir()/portlight). An
// example, as Portlight writes it:
//
//	schema = 1
//	poll_interval = "1s"
//	sound_on_alert = false
//	start_at_login = false
//	ignore_loopback = false
//	ignore_ephemeral_udp = true
//
//	[triggers]
//	unassigned_or_reserved = true
//	malware_port = true
//	dynamic_from_network = true
//	not_on_allow_list = false
//	owner_change = true
//	exe_in_writable_place = true
//	exe_deleted = true
//	exe_replaced = true
//	exe_memfd = true
//	exe_anonymous = true
//	name_mimics = true
//	interpreter_untrusted_script = true
//	package_mismatch = true
//	self_hidden = true
//
//	[networks]
//	public = ["Café", "3f0c7d2e-…"]
//	trusted = ["0b1c3a6e-3c2f-4a51-9d0e-6f0a1b2c3d4e"] # by connection UUID only
//	unknown_is_public = false
//
//	[pause]
//	until = 2026-11-25T23:00:00Z
//	until_resumed = false
//
//	[snooze]
//	"/usr/bin/noisy" = 2026-11-26T09:00:00Z
//
//	[[allow]]
//	path = "/usr/bin/syncthing"
//	ports = [8384, 22000]
//	proto = "tcp"
//	package = "syncthing"
//	sha256 = "…64 hex digits…"
//	added = 2026-11-25T21:00:00Z
//	note = "file sync"
//
//	[[allow]]
//	path = "/usr/bin/python3.12"
//	script = "/home/me/src/app/server.py"
//
// An entry written by an older Portlight with args = "python3 /srv/app.py
// --port 8000" is read as script = "/srv/app.py" (see
// policy.AllowEntry.Migrated) and written back in that form.
//
// TOML rather than JSON because people edit this file by hand: it allows
// comments, needs no quoting of keys, and an allow-list reads as a list of
// [[allow]] tables. Missing keys take their defaults, so a file with only
// "schema = 1" and one [[allow]] table is complete.
package settings

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"portlight/internal/statedir"
	"portlight/monitor/policy"
)

// Schema is the version of the settings file this Portlight writes. A file
// with a higher version comes from a newer Portlight and is not used.
const Schema = 1

// FileName is the settings file's name inside the state folder.
const FileName = statedir.SettingsFile

// Poll interval bounds: faster costs CPU for nothing, slower misses
// short-lived listeners.
const (
	DefaultPollInterval = time.Second
	MinPollInterval     = 100 * time.Millisecond
	MaxPollInterval     = time.Hour
)

// Settings is everything the user can set.
type Settings struct {
	// Schema is the file's version; Store sets it on write.
	Schema int `toml:"schema"`
	// PollInterval is how often the monitor scans.
	PollInterval time.Duration `toml:"poll_interval"`
	// SoundOnAlert plays a sound with alert notifications.
	SoundOnAlert bool `toml:"sound_on_alert"`
	// StartAtLogin starts Portlight when the user logs in (see package
	// autostart); the resident process applies it.
	StartAtLogin bool `toml:"start_at_login"`
	// IgnoreLoopback drops alerts for listeners only this computer can reach.
	IgnoreLoopback bool `toml:"ignore_loopback"`
	// IgnoreEphemeralUDP drops unconnected UDP sockets in the kernel's
	// ephemeral range: clients, not services.
	IgnoreEphemeralUDP bool            `toml:"ignore_ephemeral_udp"`
	Triggers           policy.Triggers `toml:"triggers"`
	// Pause holds notifications back.
	Pause policy.Pause `toml:"pause"`
	// Snooze silences programs (by executable path) until a time.
	Snooze map[string]time.Time `toml:"snooze,omitempty"`
	// Networks says which networks (by NetworkManager connection name or
	// UUID) are public: a listener reachable from one alerts at high
	// severity; and which (by UUID only) are trusted.
	Networks policy.NetworkRules `toml:"networks"`
	// Allow is the allow-list.
	Allow []policy.AllowEntry `toml:"allow,omitempty"`
}

// Defaults returns the settings of a fresh install.
func Defaults() Settings {
	r := policy.DefaultRules()
	return Settings{
		Schema:             Schema,
		PollInterval:       DefaultPollInterval,
		IgnoreLoopback:     r.IgnoreLoopback,
		IgnoreEphemeralUDP: r.IgnoreEphemeralUDP,
		Triggers:           r.Triggers,
	}
}

// Rules returns what the policy needs from the settings.
func (s Settings) Rules() policy.Rules {
	return policy.Rules{
		Triggers:           s.Triggers,
		IgnoreLoopback:     s.IgnoreLoopback,
		IgnoreEphemeralUDP: s.IgnoreEphemeralUDP,
		Allow:              slices.Clone(s.Allow),
		Networks:           s.Networks.Clone(),
	}
}

// GateConfig returns what the noise gate needs from the settings.
func (s Settings) GateConfig() policy.GateConfig {
	return policy.GateConfig{Pause: s.Pause, Snooze: maps.Clone(s.Snooze)}
}

// Clone returns a deep copy.
func (s Settings) Clone() Settings {
	c := s
	c.Snooze = maps.Clone(s.Snooze)
	c.Networks = s.Networks.Clone()
	c.Allow = make([]policy.AllowEntry, len(s.Allow))
	for i, e := range s.Allow {
		e.Ports = slices.Clone(e.Ports)
		e.Argv = slices.Clone(e.Argv)
		c.Allow[i] = e
	}
	if s.Allow == nil {
		c.Allow = nil
	}
	return c
}

// Validate checks values a hand edit can get wrong.
func (s Settings) Validate() error {
	var errs []error
	if s.PollInterval < MinPollInterval || s.PollInterval > MaxPollInterval {
		errs = append(errs, fmt.Errorf("poll_interval %s is outside %s–%s", s.PollInterval, MinPollInterval, MaxPollInterval))
	}
	for _, e := range s.Allow {
		if err := e.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// AllowEntry adds an allow-list entry, replacing one for the same program
// (see policy.AllowEntry.SameProgram), and returns whether it replaced one.
func (s *Settings) AllowEntry(e policy.AllowEntry) (replaced bool) {
	for i, old := range s.Allow {
		if old.SameProgram(e) {
			s.Allow[i] = e
			return true
		}
	}
	s.Allow = append(s.Allow, e)
	return false
}

// MergeAllow adds an allow-list entry or, when one for the same program
// exists (see policy.AllowEntry.SameProgram), widens that one to cover e too, and returns the
// entry as stored. What "Allow app" asks must not undo what the user set
// before: the existing entry keeps its Note and Added; its ports become
// the union of both (any port when either is), its protocol both when they
// differ; it takes e's SHA-256 when e has one (a re-pin), else keeps its
// own. Use AllowEntry to replace an entry as edited.
func (s *Settings) MergeAllow(e policy.AllowEntry) policy.AllowEntry {
	i := slices.IndexFunc(s.Allow, func(old policy.AllowEntry) bool { return old.SameProgram(e) })
	if i < 0 {
		s.Allow = append(s.Allow, e)
		return e
	}
	m := s.Allow[i]
	if len(m.Ports) == 0 || len(e.Ports) == 0 {
		m.Ports = nil
	} else {
		m.Ports = append(slices.Clone(m.Ports), e.Ports...)
		slices.Sort(m.Ports)
		m.Ports = slices.Compact(m.Ports)
	}
	if m.Proto != e.Proto {
		m.Proto = ""
	}
	if e.SHA256 != "" {
		m.SHA256 = e.SHA256
	}
	if m.Added.IsZero() {
		m.Added = e.Added
	}
	if m.Note == "" {
		m.Note = e.Note
	}
	if e.Package != "" {
		m.Package = e.Package
	}
	if e.ScriptSHA256 != "" {
		m.ScriptSHA256 = e.ScriptSHA256
	}
	s.Allow[i] = m
	return m
}

// allowFor returns the entry for the same program as e, if any.
func (s *Settings) allowFor(e policy.AllowEntry) (policy.AllowEntry, bool) {
	i := slices.IndexFunc(s.Allow, func(old policy.AllowEntry) bool { return old.SameProgram(e) })
	if i < 0 {
		return policy.AllowEntry{}, false
	}
	return s.Allow[i], true
}

// Disallow removes every allow-list entry for path and returns how many.
func (s *Settings) Disallow(path string) int {
	n := len(s.Allow)
	s.Allow = slices.DeleteFunc(s.Allow, func(e policy.AllowEntry) bool { return e.Path == path })
	return n - len(s.Allow)
}

// PauseFor pauses notifications for d from now; d <= 0 pauses until resumed.
func (s *Settings) PauseFor(d time.Duration, now time.Time) {
	if d <= 0 {
		s.Pause = policy.Pause{UntilResumed: true}
		return
	}
	s.Pause = policy.Pause{Until: now.Add(d).UTC().Truncate(time.Second)}
}

// Resume ends a pause.
func (s *Settings) Resume() { s.Pause = policy.Pause{} }

// dropExpired forgets a pause and snoozes that have ended, so the file does
// not collect them.
func (s *Settings) dropExpired(now time.Time) {
	if !s.Pause.UntilResumed && !s.Pause.Until.IsZero() && !now.Before(s.Pause.Until) {
		s.Pause.Until = time.Time{}
	}
	for p, until := range s.Snooze {
		if !now.Before(until) {
			delete(s.Snooze, p)
		}
	}
	if len(s.Snooze) == 0 {
		s.Snooze = nil
	}
}
