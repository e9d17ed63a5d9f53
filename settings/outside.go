package settings

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"portlight/internal/statedir"
	"portlight/monitor/policy"
)

// Changes made outside Portlight. Every Portlight writer (the windows, the
// tray, `portlight allow` and `disallow`) goes through Store.Update, which
// keeps, beside the settings, a record of the guarded settings it wrote: the
// allow-list, the triggers, the ignore switches and the snoozes, what decides
// whether a program is reported at all. A settings file whose guarded part
// differs from that record was changed by something else: a hand edit, or a
// program of the same user. The record proves nothing against such a
// program, which can rewrite it too; it makes a silent change visible to a
// user whose Portlight is not itself rewritten.

// WrittenFileName is the record of the last settings Portlight wrote, inside
// the state folder: machine state, JSON, not meant for editing.
const WrittenFileName = statedir.WrittenFile

// writtenVersion is the version of the record's format.
const writtenVersion = 1

// guarded is the part of the settings whose change outside Portlight is
// reported: what can silence an alert.
type guarded struct {
	Triggers           policy.Triggers      `json:"triggers"`
	IgnoreLoopback     bool                 `json:"ignore_loopback"`
	IgnoreEphemeralUDP bool                 `json:"ignore_ephemeral_udp"`
	Allow              []policy.AllowEntry  `json:"allow"`
	Snooze             map[string]time.Time `json:"snooze"`
}

// guardOf returns the guarded part of s, normalised (times in UTC, empty
// lists as empty) so that equal settings have equal digests.
func guardOf(s Settings) guarded {
	g := guarded{Triggers: s.Triggers, IgnoreLoopback: s.IgnoreLoopback,
		IgnoreEphemeralUDP: s.IgnoreEphemeralUDP, Allow: []policy.AllowEntry{}, Snooze: map[string]time.Time{}}
	for _, e := range s.Allow {
		e.Ports = slices.Clone(e.Ports)
		e.Argv = slices.Clone(e.Argv)
		e.Added = e.Added.UTC()
		g.Allow = append(g.Allow, e)
	}
	for p, t := range s.Snooze {
		g.Snooze[p] = t.UTC()
	}
	return g
}

// digest is the SHA-256 of g's JSON (map keys sorted by encoding/json).
func (g guarded) digest() string {
	b, err := json.Marshal(g)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// OutsideChange is a change of the guarded settings (allow-list, triggers,
// ignore switches, snoozes) that did not come from Portlight.
type OutsideChange struct {
	// Noticed is when Portlight saw it.
	Noticed time.Time `json:"noticed"`
	// Changes say what changed, one line each: "added /tmp/x (any port)",
	// "removed /usr/bin/foo", "trigger malware_port switched off".
	Changes []string `json:"changes"`
	// NoRecord is set when Portlight had no usable record of what it
	// wrote (a first run of a Portlight that keeps one, or the record was
	// deleted): Changes are then against the defaults.
	NoRecord bool `json:"no_record,omitempty"`
	// Reported is set once the resident told the user (notification and
	// history).
	Reported bool `json:"reported"`
}

// written is the record kept in WrittenFileName.
type written struct {
	Version int       `json:"version"`
	Digest  string    `json:"digest"`
	At      time.Time `json:"at"`
	Guarded guarded   `json:"guarded"`
	// Outside is the last change made outside Portlight, kept until the
	// user dismisses it in the settings window.
	Outside *OutsideChange `json:"outside,omitempty"`
}

// readWritten reads the record in dir; ok is false when it is missing or
// unusable (which is reported like a missing one).
func readWritten(dir string) (w written, ok bool) {
	data, err := os.ReadFile(filepath.Join(dir, WrittenFileName))
	if err != nil {
		return written{}, false
	}
	if err := json.Unmarshal(data, &w); err != nil || w.Version != writtenVersion || w.Digest != w.Guarded.digest() {
		return written{}, false
	}
	return w, true
}

// saveWritten writes the record atomically, mode 0600.
func saveWritten(dir string, w written) error {
	w.Version = writtenVersion
	w.Digest = w.Guarded.digest()
	data, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return fmt.Errorf("settings: encode %s: %w", WrittenFileName, err)
	}
	return writeAtomic(filepath.Join(dir, WrittenFileName), data)
}

// pending is the outside change of the guarded settings cur against the
// record w (ok: w was usable); nil when there is none. A missing settings
// file with no record is a fresh install: nothing to report.
func pending(w written, ok bool, cur Settings, fileExists bool, now time.Time) *OutsideChange {
	base := guardOf(Defaults())
	if ok {
		base = w.Guarded
	} else if !fileExists {
		return nil
	}
	g := guardOf(cur)
	if ok && g.digest() == w.Digest {
		return nil
	}
	changes := diffGuarded(base, g)
	if len(changes) == 0 && ok {
		return nil
	}
	if !ok && len(changes) == 0 {
		changes = []string{"no change from the defaults"}
	}
	return &OutsideChange{Noticed: now.UTC().Truncate(time.Second), Changes: changes, NoRecord: !ok}
}

// merge adds the changes of next to an earlier change not yet reported;
// a reported one gives way to next, and stays when there is no next.
func merge(prev, next *OutsideChange) *OutsideChange {
	if next == nil {
		return prev
	}
	if prev == nil || prev.Reported {
		return next
	}
	m := *prev
	m.Changes = append(slices.Clone(prev.Changes), next.Changes...)
	m.NoRecord = prev.NoRecord || next.NoRecord
	return &m
}

// outsideLocked is the outside change to know of: an earlier one the record
// holds, merged with one pending in the file now. Called with mu held.
func (s *Store) outsideLocked() (w written, ok bool, pend, all *OutsideChange) {
	w, ok = readWritten(s.Dir())
	_, statErr := os.Stat(s.path)
	if !ok && statErr == nil && firstRunOfRecord(s.Dir()) {
		// Settings written by a Portlight that kept no record: take them
		// as they are, silently, rather than greet an upgrade with an
		// alarm. A record deleted later is still reported: by then the
		// resident's heartbeat file exists.
		w = written{Guarded: guardOf(s.cur)}
		if err := saveWritten(s.Dir(), w); err == nil {
			w, ok = readWritten(s.Dir())
		}
	}
	pend = pending(w, ok, s.cur, statErr == nil, s.now())
	return w, ok, pend, merge(w.Outside, pend)
}

// OutsideChange returns the last change of the allow-list, triggers,
// ignore switches or snoozes made outside Portlight, reported or not, until
// the user dismisses it (DismissOutsideChange): what the settings window
// shows. It reads the record; it writes nothing.
func (s *Store) OutsideChange() (OutsideChange, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, err := stampFile(s.path); err != nil || !st.same(s.stamp) {
		s.reload()
		s.notify()
	}
	_, _, _, all := s.outsideLocked()
	if all == nil {
		return OutsideChange{}, false
	}
	return *all, true
}

// TakeOutsideChange returns, once, a change made outside Portlight that was
// not reported yet, and records that it was: the resident calls it after
// each reload and reports what it returns. It returns false when there is
// nothing new.
func (s *Store) TakeOutsideChange() (OutsideChange, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockDir(s.Dir())
	if err != nil {
		return OutsideChange{}, false, err
	}
	defer unlock()
	if st, err := stampFile(s.path); err != nil || !st.same(s.stamp) {
		s.reload()
	}
	if s.readErr != nil {
		return OutsideChange{}, false, nil
	}
	w, ok, pend, all := s.outsideLocked()
	if all == nil || all.Reported {
		if !ok && pend == nil {
			// A fresh install: start the record.
			w.Guarded = guardOf(s.cur)
			w.At = s.now().UTC()
			return OutsideChange{}, false, saveWritten(s.Dir(), w)
		}
		return OutsideChange{}, false, nil
	}
	all.Reported = true
	w.Guarded, w.At, w.Outside = guardOf(s.cur), s.now().UTC(), all
	if err := saveWritten(s.Dir(), w); err != nil {
		return OutsideChange{}, false, err
	}
	return *all, true, nil
}

// DismissOutsideChange forgets the last outside change once reported: the
// settings window's "Dismiss". One not yet reported is kept.
func (s *Store) DismissOutsideChange() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockDir(s.Dir())
	if err != nil {
		return err
	}
	defer unlock()
	w, ok := readWritten(s.Dir())
	if !ok || w.Outside == nil || !w.Outside.Reported {
		return nil
	}
	w.Outside = nil
	return saveWritten(s.Dir(), w)
}

// recordWrite updates the record after Update wrote data, keeping an outside
// change found in the file before (pend, merged into the record's earlier
// one) so that writing over it does not hide it. Called with mu and the
// folder lock held.
func (s *Store) recordWrite(w written, pend *OutsideChange, data []byte) error {
	w.Guarded = guardOf(decode(data).s)
	w.At = s.now().UTC()
	w.Outside = merge(w.Outside, pend)
	return saveWritten(s.Dir(), w)
}

// diffGuarded says what changed from old to cur, one line per change.
func diffGuarded(old, cur guarded) []string {
	var out []string
	out = append(out, diffAllow(old.Allow, cur.Allow)...)
	out = append(out, diffSwitches("trigger ", reflect.ValueOf(old.Triggers), reflect.ValueOf(cur.Triggers))...)
	out = append(out, diffSwitches("", reflect.ValueOf(old), reflect.ValueOf(cur))...)
	for _, p := range slices.Sorted(maps.Keys(cur.Snooze)) {
		if t, was := old.Snooze[p]; !was || !t.Equal(cur.Snooze[p]) {
			out = append(out, fmt.Sprintf("snoozed %s until %s", p, cur.Snooze[p].Format(time.RFC3339)))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(old.Snooze)) {
		if _, is := cur.Snooze[p]; !is {
			out = append(out, "snooze of "+p+" removed")
		}
	}
	return out
}

// diffSwitches lists the bool fields of two structs that differ, by their
// JSON names (the settings file's keys).
func diffSwitches(prefix string, old, cur reflect.Value) []string {
	var out []string
	for i := range old.NumField() {
		f := old.Type().Field(i)
		if f.Type.Kind() != reflect.Bool || old.Field(i).Bool() == cur.Field(i).Bool() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		state := "off"
		if cur.Field(i).Bool() {
			state = "on"
		}
		out = append(out, prefix+name+" switched "+state)
	}
	return out
}

// diffAllow lists the allow-list entries added, removed and changed, by
// program (policy.AllowEntry.SameProgram).
func diffAllow(old, cur []policy.AllowEntry) []string {
	var out []string
	for _, e := range cur {
		i := slices.IndexFunc(old, e.SameProgram)
		switch {
		case i < 0:
			out = append(out, "added "+entryName(e)+" ("+e.Scope()+")")
		case !reflect.DeepEqual(old[i], e):
			out = append(out, "changed "+entryName(e)+": "+entryChange(old[i], e))
		}
	}
	for _, e := range old {
		if !slices.ContainsFunc(cur, e.SameProgram) {
			out = append(out, "removed "+entryName(e))
		}
	}
	return out
}

// entryName names an entry's program: its path, and the script or
// arguments that narrow it.
func entryName(e policy.AllowEntry) string {
	switch {
	case e.Script != "":
		return e.Path + " " + e.Script
	case e.Args != "":
		return e.Path + " " + e.Args
	case len(e.Argv) > 0:
		return e.Path + " " + strings.Join(e.Argv, " ")
	}
	return e.Path
}

// entryChange says how an entry for the same program changed.
func entryChange(old, cur policy.AllowEntry) string {
	var parts []string
	if old.Scope() != cur.Scope() {
		parts = append(parts, old.Scope()+" → "+cur.Scope())
	}
	pin := func(name, was, is string) {
		switch {
		case was != "" && is == "":
			parts = append(parts, name+" pin removed")
		case was == "" && is != "":
			parts = append(parts, name+" pinned")
		case was != is:
			parts = append(parts, name+" pin changed")
		}
	}
	pin("file", old.SHA256, cur.SHA256)
	pin("script", old.ScriptSHA256, cur.ScriptSHA256)
	if old.Package != cur.Package {
		parts = append(parts, fmt.Sprintf("package %q → %q", old.Package, cur.Package))
	}
	if len(parts) == 0 {
		parts = append(parts, "note or date")
	}
	return strings.Join(parts, ", ")
}

// HeartbeatFileName is the resident's heartbeat in the state folder
// (written by the tray app): once it exists, this version of Portlight has
// run there and keeps a record of the settings it writes.
const HeartbeatFileName = statedir.HeartbeatFile

// firstRunOfRecord reports whether no record of Portlight's own writes was
// ever kept in dir: neither the record, nor the resident's heartbeat, nor a
// history exists. The history is there too because deleting it to hide a
// change would lose (and show the loss of) everything Portlight remembers.
func firstRunOfRecord(dir string) bool {
	for _, name := range []string{WrittenFileName, HeartbeatFileName, statedir.HistoryFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			return false
		}
	}
	return true
}
