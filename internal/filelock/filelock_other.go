//go:build !unix && !windows

package filelock

import "os"

// NoFollow is 0: this build has no O_NOFOLLOW.
const NoFollow = 0

// tryLock always succeeds: this build has no file locking, so two holders
// can run at once (the settings writers still reread before writing).
func tryLock(*os.File) (bool, error) { return true, nil }

func lock(*os.File) error { return nil }

func unlock(*os.File) error { return nil }
