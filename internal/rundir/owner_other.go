//go:build !unix && !windows

package rundir

import "io/fs"

// checkOwner cannot tell owners apart on this build.
func checkOwner(fs.FileInfo) error { return nil }
