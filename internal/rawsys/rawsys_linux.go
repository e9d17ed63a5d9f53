package rawsys

import (
	"errors"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

// atFDCWD is AT_FDCWD (-100) as a system call argument.
var atFDCWD = func() uintptr { d := unix.AT_FDCWD; return uintptr(d) }()

// Read is read(2), retried on EINTR.
func Read(fd int, b []byte) (int, error) { return rw(unix.SYS_READ, fd, b) }

// Write is write(2), retried on EINTR.
func Write(fd int, b []byte) (int, error) { return rw(unix.SYS_WRITE, fd, b) }

// rw is read(2) or write(2) (trap), retried on EINTR.
func rw(trap uintptr, fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}

// Openat is openat(2) of the NUL-terminated path, close-on-exec, retried on
// EINTR: for a file generated in memory, such as /proc/loadavg.
func Openat(dirfd int, path *byte, flags int) (int, error) {
	for {
		fd, _, e := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(path)),
			uintptr(flags|unix.O_CLOEXEC), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int(fd), nil
	}
}

// Close is close(2).
func Close(fd int) error {
	if _, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}

// ErrNotLocal is Lstat's answer for a path whose folder is not on a local
// file system (LocalFS): there a stat may wait for a server, which a raw
// call must not. The caller asks the ordinary way, or not at all.
var ErrNotLocal = errors.New("not on a local file system")

// Lstat is lstat(2) of path, made raw only when path's folder is on a
// local file system (else ErrNotLocal). A symbolic link at the end of path
// is not followed (its own mode says S_IFLNK), so the stat stays on that
// file system. A missing file is an error that satisfies
// errors.Is(err, os.ErrNotExist).
func Lstat(path string, st *unix.Stat_t) error {
	if !LocalFS(filepath.Dir(path)) {
		return &os.PathError{Op: "lstat", Path: path, Err: ErrNotLocal}
	}
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return &os.PathError{Op: "lstat", Path: path, Err: err}
	}
	const flags = unix.AT_SYMLINK_NOFOLLOW
	for {
		_, _, e := rawStat(p, st, flags)
		if e == unix.EINTR {
			continue
		}
		if e == unix.ENOSYS {
			// A kernel without this call for this architecture (loong64
			// before 6.11 has only statx): the ordinary way.
			if err := unix.Fstatat(unix.AT_FDCWD, path, st, flags); err != nil {
				return &os.PathError{Op: "lstat", Path: path, Err: err}
			}
			return nil
		}
		if e != 0 {
			return &os.PathError{Op: "lstat", Path: path, Err: e}
		}
		return nil
	}
}
