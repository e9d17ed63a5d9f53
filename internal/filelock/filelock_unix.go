//go:build unix

package filelock

import (
	"errors"
	"os"
	"syscall"
)

// NoFollow, or-ed into OpenFile's flags, makes it refuse a symlink instead of following it.
const NoFollow = syscall.O_NOFOLLOW

// tryLock takes an exclusive, non-blocking flock on f; false when held elsewhere.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// lock takes an exclusive flock on f, waiting for it.
func lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

func unlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
