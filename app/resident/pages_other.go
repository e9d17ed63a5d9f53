//go:build !linux

package resident

// releaseCodePages does nothing where /proc/self/smaps is not there.
func releaseCodePages() (int64, error) { return 0, nil }
