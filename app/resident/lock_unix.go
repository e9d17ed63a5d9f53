//go:build unix

package resident

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"portlight/app/handoff"
	"portlight/internal/filelock"
	"portlight/internal/rundir"
)

// errRunning means another resident process holds the lock.
var errRunning = errors.New("another Portlight is running")

// lockResident takes the resident's single-instance lock, a flock on
// resident.lock beside the window process's socket (a 0700 folder). The
// kernel drops it when the process dies, so a crash leaves no stale lock.
func lockResident() (release func(), err error) {
	// Only in a folder of ours: in someone else's, they could hold the lock
	// and answer the hand-over, so that this process quits and nothing
	// watches the machine. rundir.Ensure falls back to a private folder.
	dir, err := rundir.Ensure()
	if err != nil {
		return nil, err
	}
	release, err = flockIn(dir)
	if !errors.Is(err, errRunning) {
		return release, err
	}
	path := filepath.Join(dir, residentLock)
	holder := handoff.LockHolder(path)
	if !holder.Known || holder.Same {
		return nil, errRunning
	}
	// Someone of ours that is not Portlight holds the lock: run anyway,
	// from a private folder, and say so.
	priv, ferr := rundir.Fallback()
	if ferr != nil {
		return nil, fmt.Errorf("%s is held by %s, which is not Portlight, and no private folder could be made instead: %w", path, holder, ferr)
	}
	fmt.Fprintf(os.Stderr, "portlight: %s is held by %s, which is not Portlight; ignoring it and running from %s\n", path, holder, priv)
	return flockIn(priv)
}

// flockIn takes the resident lock in dir; errRunning when it is held.
func flockIn(dir string) (release func(), err error) {
	l, err := filelock.TryLock(filepath.Join(dir, residentLock))
	if errors.Is(err, filelock.ErrLocked) {
		return nil, errRunning
	}
	if err != nil {
		return nil, err
	}
	return func() { l.Release() }, nil
}
