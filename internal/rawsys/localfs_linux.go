package rawsys

import (
	"errors"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// localFSTypes are the file systems whose stat is answered from memory or
// a local disk (statfs's f_type). Anything else (NFS, SMB, FUSE, 9p) may
// wait for a server or another process, which a raw call must not.
var localFSTypes = map[int64]bool{
	unix.EXT4_SUPER_MAGIC: true, unix.BTRFS_SUPER_MAGIC: true, unix.XFS_SUPER_MAGIC: true,
	unix.F2FS_SUPER_MAGIC: true, unix.BCACHEFS_SUPER_MAGIC: true, unix.TMPFS_MAGIC: true,
	unix.RAMFS_MAGIC: true, unix.OVERLAYFS_SUPER_MAGIC: true, zfsSuperMagic: true,
}

// zfsSuperMagic is ZFS on Linux's f_type, which x/sys/unix does not name.
const zfsSuperMagic = 0x2fc12fc1

// localRecheck is how long an answer of LocalFS is kept: a file system
// mounted over the folder later is noticed within it.
const localRecheck = time.Minute

var local struct {
	sync.Mutex
	dirs map[string]localAnswer
}

type localAnswer struct {
	local bool
	at    time.Time
}

// LocalFS reports whether dir is on a local file system, so that a raw
// stat of a name in it returns at once. A folder that does not exist yet
// is judged by its nearest existing parent; one that cannot be asked about
// is not local. Answers are kept for a minute (an ordinary statfs each).
func LocalFS(dir string) bool {
	now := time.Now()
	local.Lock()
	defer local.Unlock()
	if a, ok := local.dirs[dir]; ok && now.Sub(a.at) < localRecheck {
		return a.local
	}
	if local.dirs == nil || len(local.dirs) > 64 {
		local.dirs = make(map[string]localAnswer)
	}
	ans := localAnswer{local: isLocal(dir), at: now}
	local.dirs[dir] = ans
	return ans.local
}

func isLocal(dir string) bool {
	for {
		var fs unix.Statfs_t
		err := unix.Statfs(dir, &fs)
		if err == nil {
			return localFSTypes[int64(fs.Type)]
		}
		parent := filepath.Dir(dir)
		if !errors.Is(err, unix.ENOENT) || parent == dir {
			return false
		}
		dir = parent
	}
}
