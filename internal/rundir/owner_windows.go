//go:build windows

package rundir

import "io/fs"

// checkOwner is a no-op on Windows: the per-user profile directories already
// keep other users out.
func checkOwner(fs.FileInfo) error { return nil }
