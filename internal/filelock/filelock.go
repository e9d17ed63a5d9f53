// Package filelock is Portlight's one kind of file lock: an exclusive lock
// on a whole file, held through an open file, that the kernel drops when the
// process dies, so a crash never leaves a stale lock behind. It is flock(2)
// on unix and LockFileEx on Windows; where neither exists, locking does
// nothing and every TryLock succeeds.
//
// The settings writers, the history's recorder, the tray app's single
// instance and the window process's socket each lock a file of their own
// with it.
package filelock

import (
	"errors"
	"fmt"
	"os"
)

// ErrLocked means another open file (another process, usually) holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock is a held lock. Release it once.
type Lock struct{ f *os.File }

// open opens path for locking: created mode 0600 when create is set, never
// through a symlink (on unix), so a link planted at the lock's path cannot
// make Portlight create or lock a file elsewhere.
func open(path string, create bool) (*os.File, error) {
	flag := os.O_RDWR | NoFollow
	if create {
		flag |= os.O_CREATE
	}
	return os.OpenFile(path, flag, 0o600)
}

// TryLock takes the lock on path without waiting, creating the file when
// missing. It returns an error wrapping ErrLocked when another holds it.
func TryLock(path string) (*Lock, error) {
	f, err := open(path, true)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	ok, err := tryLock(f)
	if err == nil && !ok {
		err = ErrLocked
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Acquire takes the lock on path, waiting for it as long as another holds
// it, creating the file when missing.
func Acquire(path string) (*Lock, error) {
	f, err := open(path, true)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Held reports whether some open file holds the lock on path now, by trying
// to take it and letting go at once. A missing file is not held, and is not
// created.
func Held(path string) (bool, error) {
	f, err := open(path, false)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open lock %s: %w", path, err)
	}
	defer f.Close()
	ok, err := tryLock(f)
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	if ok {
		_ = unlock(f)
	}
	return !ok, nil
}

// Path returns the locked file's path.
func (l *Lock) Path() string { return l.f.Name() }

// Release lets go of the lock and closes the file.
func (l *Lock) Release() error {
	return errors.Join(unlock(l.f), l.f.Close())
}
