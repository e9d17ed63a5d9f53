//go:build windows

package rundir

import "io/fs"

// NoFollow is 0: Windows has no O_NOFOLLOW, and the per-user profile
// folders keep other users from planting links.
const NoFollow = 0

// checkOwner is a no-op on Windows: the per-user profile directories already
// keep other users out.
func checkOwner(fs.FileInfo) error { return nil }
