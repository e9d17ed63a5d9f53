//go:build unix

package resident

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"portlight/app/handoff"
)

// errRunning means another resident process holds the lock.
var errRunning = errors.New("another Portlight is running")

// lockResident takes the resident's single-instance lock, a flock on
// resident.lock beside the window process's socket (a 0700 folder). The
// kernel drops it when the process dies, so a crash leaves no stale lock.
func lockResident() (release func(), err error) {
	dir := handoff.Dir()
	// Only in a folder of ours: in someone else's, they could hold the lock
	// and answer the hand-over, so that this process quits and nothing
	// watches the machine.
	if err := handoff.PrepareDir(dir); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "resident.lock"), os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errRunning
		}
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}
