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
// calls it on every tick, so on a local file system the stat is a raw
// system call (package rawsys), which returns at once, and does not follow
// a symbolic link off that file system. A settings file that is a link
// (a dotfile manager's), or a folder on any other file system (a network
// home folder, FUSE), gets an ordinary stat: there it may wait for a
// server, and a raw call would keep its processor meanwhile, so that a
// garbage collection waiting for it would stop every goroutine (the tray,
// the notifications).
func stampFile(path string) (fileStamp, error) {
	var st unix.Stat_t
	err := rawsys.Lstat(path, &st)
	if errors.Is(err, rawsys.ErrNotLocal) || (err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK) {
		if err = unix.Stat(path, &st); err != nil {
			err = &os.PathError{Op: "stat", Path: path, Err: err}
		}
	}
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
