package settings

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"portlight/internal/statedir"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
	"portlight/provenance"
)

// Store is the settings file of one folder, shared with other processes.
// Settings returns the current settings; Update changes them on disk; Check
// (or Watch) picks up changes made by other processes and tells subscribers.
// It is safe for concurrent use.
type Store struct {
	path string
	now  func() time.Time

	mu      sync.Mutex
	cur     Settings
	problem string
	stamp   fileStamp
	// readErr is set while the file exists but cannot be read: writing over
	// it would lose what it holds, so Update refuses.
	readErr error
	// unsaved holds the bytes of a file that parsed with problems, to be
	// kept as a backup before the first write over it.
	unsaved []byte
	subs    map[chan Settings]struct{}
	// pol is the policy for cur, built on demand (see Policy).
	pol *policy.Policy
	// origin and expected are the provenance inputs of pol (see
	// SetProvenance).
	origin   func(monitor.Process) provenance.Origin
	expected func(monitor.Listener, provenance.Origin) (string, bool)
	// provenanceSet: SetProvenance chose origin and expected (else the
	// system's are used).
	provenanceSet bool
	// reach decides reach (nil: this machine's; see SetReach).
	reach func(monitor.Listener) reach.Result
	// owners is the history the policy asks about usual port owners (see
	// SetUsualOwners); nil: the owner_change trigger cannot fire.
	owners policy.UsualOwners
}

// Open opens the settings in dir, creating dir (mode 0700) if needed. It
// fails only when dir cannot be created; a bad file yields defaults and a
// Problem instead.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	s := &Store{path: filepath.Join(dir, FileName), now: time.Now, subs: map[chan Settings]struct{}{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reload()
	return s, nil
}

// OpenDefault opens the settings in Portlight's state folder (see package
// statedir).
func OpenDefault() (*Store, error) {
	dir, err := statedir.Dir()
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return Open(dir)
}

// Path returns the settings file's path.
func (s *Store) Path() string { return s.path }

// Dir returns the folder of the settings file, where state goes too.
func (s *Store) Dir() string { return filepath.Dir(s.path) }

// Settings returns a copy of the current settings.
func (s *Store) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.Clone()
}

// Problem describes what went wrong loading the file, for the tray and the
// settings window to show, or returns "" when all is well.
func (s *Store) Problem() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.problem
}

// Check looks at the file and reloads it if another process or a hand edit
// changed it, notifying subscribers when the settings or the problem
// changed. It costs one stat when nothing changed: call it every monitor
// tick. It reports whether subscribers were notified.
func (s *Store) Check() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := stampFile(s.path)
	if err == nil && st.same(s.stamp) && s.readErr == nil {
		// Unchanged. An unreadable file is retried every time: a chmod
		// makes it readable without changing its size or time.
		return false
	}
	before, problem := s.cur, s.problem
	s.reload()
	if reflect.DeepEqual(before, s.cur) && problem == s.problem {
		return false
	}
	s.notify()
	return true
}

// Watch calls Check every interval until ctx is done: for processes without
// a monitor tick of their own, such as the settings window.
func (s *Store) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Check()
		}
	}
}

// Subscribe returns a channel that receives the settings after each change,
// and a function that ends the subscription. A slow reader misses
// intermediate values but always gets the latest: the channel holds one.
func (s *Store) Subscribe() (<-chan Settings, func()) {
	ch := make(chan Settings, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

// Update changes the settings: it reloads the file (so a change made by
// another process is not lost), applies change, validates the result and
// writes it atomically. change may return an error to abandon the update.
func (s *Store) Update(change func(*Settings) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockDir(filepath.Dir(s.path))
	if err != nil {
		return err
	}
	defer unlock()
	if st, err := stampFile(s.path); err != nil || !st.same(s.stamp) {
		s.reload()
	}
	if s.readErr != nil {
		return fmt.Errorf("settings: not saving over %s, which cannot be read: %w", s.path, s.readErr)
	}
	next := s.cur.Clone()
	if err := change(&next); err != nil {
		return err
	}
	next.Schema = Schema
	next.dropExpired(s.now())
	if err := next.Validate(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	data, err := encode(next)
	if err != nil {
		return err
	}
	if s.unsaved != nil {
		if _, err := backup(s.path, s.unsaved, "before-fix", s.now()); err != nil {
			return err
		}
		s.unsaved = nil
	}
	// What was in the file before this write, if it did not come from
	// Portlight, stays on record: writing over it must not hide it.
	w, _, pend, _ := s.outsideLocked()
	if err := writeAtomic(s.path, data); err != nil {
		return err
	}
	// A record not written makes this change look like one made outside
	// Portlight, later: said, but the settings are saved.
	recErr := s.recordWrite(w, pend, data)
	st, err := stampFile(s.path)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	s.stamp, s.cur, s.problem, s.pol = st, next, "", nil
	s.notify()
	return recErr
}

// reload reads the file into cur and problem. Called with mu held.
func (s *Store) reload() {
	st, statErr := stampFile(s.path)
	data, err := os.ReadFile(s.path)
	s.stamp, s.readErr, s.unsaved, s.pol = st, nil, nil, nil
	switch {
	case errors.Is(err, os.ErrNotExist):
		s.cur, s.problem = Defaults(), ""
		return
	case err != nil || statErr != nil:
		s.readErr = errors.Join(err, statErr)
		s.cur = Defaults()
		s.problem = fmt.Sprintf("Cannot read the settings file %s (%v); Portlight runs on defaults and will not save over it.", s.path, s.readErr)
		return
	}
	d := decode(data)
	s.cur = d.s
	switch d.kind {
	case fileOK:
		s.problem = ""
	case fileInvalid:
		s.unsaved = data
		s.problem = fmt.Sprintf("Some settings in %s were not used: %s. The file is kept as it is until the next change, which first saves a copy.", s.path, d.detail)
	default:
		name, err := keepBackup(s.path, data, d.kind, s.now())
		if err != nil {
			// Without a backup, the file must not be written over.
			s.readErr = err
			s.problem = fmt.Sprintf("The settings file %s is unusable (%s) and could not be backed up (%v); Portlight runs on defaults and will not save over it.", s.path, d.detail, err)
			return
		}
		s.problem = fmt.Sprintf("The settings file %s was not used: %s. It was kept as %s; Portlight runs on defaults until you change a setting.", s.path, d.detail, filepath.Base(name))
	}
}

// keepBackup keeps a copy of data, the bytes of an unusable settings file,
// unless the newest backup already holds exactly these bytes: each process
// start reads the file again, and must not add a copy each time. The file
// itself is left in place either way. It returns the backup's path.
func keepBackup(path string, data []byte, kind problemKind, now time.Time) (string, error) {
	if name, size := newestBackup(path); name != "" && size == int64(len(data)) {
		if b, err := os.ReadFile(name); err == nil && bytes.Equal(b, data) {
			return name, nil
		}
	}
	return backup(path, data, string(kind), now)
}

// newestBackup finds the newest backup of an unusable file at path
// (path.corrupt-<time>[-n] or path.future-<time>[-n]) by the time and
// number in its name, which backup chose; "" when there is none.
func newestBackup(path string) (name string, size int64) {
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return "", 0
	}
	var bestStamp string
	bestN := -1
	for _, e := range ents {
		stamp, n, ok := backupKey(filepath.Base(path), e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if stamp < bestStamp || (stamp == bestStamp && n <= bestN) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		bestStamp, bestN = stamp, n
		name, size = filepath.Join(filepath.Dir(path), e.Name()), fi.Size()
	}
	return name, size
}

// backupKey parses the name of a backup of the file base: its UTC time
// stamp and its number (1 for the first of that second).
func backupKey(base, name string) (stamp string, n int, ok bool) {
	var rest string
	for _, kind := range []problemKind{fileCorrupt, fileFuture} {
		if r, found := strings.CutPrefix(name, base+"."+string(kind)+"-"); found {
			rest, ok = r, true
		}
	}
	const stampLen = len("20060102T150405Z")
	if !ok || len(rest) < stampLen {
		return "", 0, false
	}
	stamp, rest = rest[:stampLen], rest[stampLen:]
	if _, err := time.Parse("20060102T150405Z", stamp); err != nil {
		return "", 0, false
	}
	if rest == "" {
		return stamp, 1, true
	}
	n, err := strconv.Atoi(strings.TrimPrefix(rest, "-"))
	if err != nil || !strings.HasPrefix(rest, "-") || n < 2 {
		return "", 0, false
	}
	return stamp, n, true
}

// notify sends the current settings to every subscriber, replacing a value
// not yet read. Called with mu held.
func (s *Store) notify() {
	for ch := range s.subs {
		v := s.cur.Clone()
		select {
		case <-ch:
		default:
		}
		select {
		case ch <- v:
		default:
		}
	}
}
