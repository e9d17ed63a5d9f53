//go:build !unix && !windows

package settings

import "os"

// lockFile does nothing where there is no file locking: Update still
// rereads the file before writing, which narrows the race to a moment.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
