package rawsys

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// atFDCWD is AT_FDCWD (-100) as a system call argument.
var atFDCWD = func() uintptr { d := unix.AT_FDCWD; return uintptr(d) }()

// Read is read(2), retried on EINTR.
func Read(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}

// Write is write(2), retried on EINTR.
func Write(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}

// ReadFile reads the NUL-terminated path, a small file generated in memory
// such as /proc/loadavg, into buf and returns what it read (at most
// len(buf) bytes).
func ReadFile(path *byte, buf []byte) ([]byte, error) {
	var fd uintptr
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_OPENAT, atFDCWD, uintptr(unsafe.Pointer(path)),
			uintptr(unix.O_RDONLY|unix.O_CLOEXEC), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return nil, e
		}
		fd = r
		break
	}
	defer unix.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
	n := 0
	for n < len(buf) {
		m, err := Read(int(fd), buf[n:])
		if err != nil {
			return nil, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return buf[:n], nil
}

// Stat is stat(2) of path (symbolic links followed). A missing file is an
// error that satisfies errors.Is(err, os.ErrNotExist).
func Stat(path string, st *unix.Stat_t) error { return stat(path, st, 0) }

// Lstat is lstat(2) of path: a symbolic link at the end of path is not
// followed (its own mode says S_IFLNK), so the stat stays on path's own
// file system.
func Lstat(path string, st *unix.Stat_t) error {
	return stat(path, st, unix.AT_SYMLINK_NOFOLLOW)
}

func stat(path string, st *unix.Stat_t, flags int) error {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return &os.PathError{Op: "stat", Path: path, Err: err}
	}
	for {
		_, _, e := rawStat(p, st, flags)
		if e == unix.EINTR {
			continue
		}
		if e == unix.ENOSYS {
			// A kernel without this call for this architecture (loong64
			// before 6.11 has only statx): the ordinary way.
			if err := unix.Fstatat(unix.AT_FDCWD, path, st, flags); err != nil {
				return &os.PathError{Op: "stat", Path: path, Err: err}
			}
			return nil
		}
		if e != 0 {
			return &os.PathError{Op: "stat", Path: path, Err: e}
		}
		return nil
	}
}
