package settings

import (
	"fmt"
	"os"
	"path/filepath"

	"portlight/internal/statedir"
)

// LockFileName is the lock file beside the settings file. Update holds an
// exclusive lock on it from reading the file to replacing it, so two
// processes changing settings at once cannot lose each other's change.
const LockFileName = statedir.SettingsLockFile

// lockDir takes the folder's settings lock, waiting for it, and returns
// the function that releases it.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("settings: lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("settings: lock: %w", err)
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}
