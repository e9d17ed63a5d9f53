//go:build windows

package handoff

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// noFollow is 0: Windows has no O_NOFOLLOW, and the per-user profile
// folders keep other users from planting links.
const noFollow = 0

// tryLock takes an exclusive, non-blocking lock on f; false when held elsewhere.
func tryLock(f *os.File) (bool, error) {
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}

func unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, new(windows.Overlapped))
}

// checkOwner is a no-op on Windows: the per-user profile directories already
// keep other users out.
func checkOwner(fs.FileInfo) error { return nil }
