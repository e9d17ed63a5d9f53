package settings

import (
	"fmt"
	"path/filepath"

	"portlight/internal/filelock"
	"portlight/internal/statedir"
)

// LockFileName is the lock file beside the settings file. Update holds an
// exclusive lock on it from reading the file to replacing it, so two
// processes changing settings at once cannot lose each other's change.
// Where the OS has no file locking, Update still rereads the file before
// writing, which narrows the race to a moment.
const LockFileName = statedir.SettingsLockFile

// lockDir takes the folder's settings lock, waiting for it, and returns
// the function that releases it.
func lockDir(dir string) (func(), error) {
	l, err := filelock.Acquire(filepath.Join(dir, LockFileName))
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return func() { l.Release() }, nil
}
