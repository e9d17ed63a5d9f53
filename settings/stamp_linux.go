//go:build linux

package settings

import (
	"errors"
	"os"
	"path/filepath"
	"sync"

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
// system call (package rawsys), which returns at once. On any other (a
// network home folder, FUSE) a stat may wait for a server; a raw one would
// then keep its processor, and a garbage collection waiting for it would
// stop every goroutine (the tray, the notifications), so it is ordinary.
func stampFile(path string) (fileStamp, error) {
	var st unix.Stat_t
	var err error
	if onLocalFS(filepath.Dir(path)) {
		err = rawsys.Stat(path, &st)
	} else if err = unix.Stat(path, &st); err != nil {
		err = &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if errors.Is(err, os.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{exists: true, dev: uint64(st.Dev), ino: st.Ino, size: st.Size, mtime: st.Mtim}, nil
}

// localFSTypes are the file systems whose stat is answered from memory or
// a local disk (statfs's f_type).
var localFSTypes = map[int64]bool{
	unix.EXT4_SUPER_MAGIC: true, unix.BTRFS_SUPER_MAGIC: true, unix.XFS_SUPER_MAGIC: true,
	unix.F2FS_SUPER_MAGIC: true, unix.BCACHEFS_SUPER_MAGIC: true, unix.TMPFS_MAGIC: true,
	unix.RAMFS_MAGIC: true, unix.OVERLAYFS_SUPER_MAGIC: true, zfsSuperMagic: true,
}

// zfsSuperMagic is ZFS on Linux's f_type, which x/sys/unix does not name.
const zfsSuperMagic = 0x2fc12fc1

// localDir remembers the last folder found on a local file system: the
// resident asks about one folder, every tick.
var localDir struct {
	sync.Mutex
	dir string
}

// onLocalFS reports whether dir is on a local file system. A folder that
// cannot be asked about (not made yet) is not: its stat stays ordinary.
func onLocalFS(dir string) bool {
	localDir.Lock()
	defer localDir.Unlock()
	if localDir.dir == dir {
		return true
	}
	var fs unix.Statfs_t
	if unix.Statfs(dir, &fs) != nil || !localFSTypes[int64(fs.Type)] {
		return false
	}
	localDir.dir = dir
	return true
}

// same reports whether two stamps show the same file content.
func (a fileStamp) same(b fileStamp) bool { return a == b }
