//go:build linux

package settings

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"portlight/internal/rawsys"
)

// fileStamp is what tells that a file changed: its identity, size and
// modification time. A rename (our atomic write) changes the identity even
// when size and time are equal.
type fileStamp struct {
	exists   bool
	dev, ino uint64
	size     int64
	mtime    unix.Timespec
}

// stampFile stats path; a missing file has the zero stamp. The resident
// calls it on every tick, so the stat is a raw system call (package
// rawsys): a stat of the settings file returns at once, and where it
// would not (a hung network home folder) an ordinary one would hold the
// loop all the same.
func stampFile(path string) (fileStamp, error) {
	var st unix.Stat_t
	err := rawsys.Stat(path, &st)
	if errors.Is(err, os.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{exists: true, dev: uint64(st.Dev), ino: st.Ino, size: st.Size, mtime: st.Mtim}, nil
}

// same reports whether two stamps show the same file content.
func (a fileStamp) same(b fileStamp) bool { return a == b }
