package monitor

import (
	"bytes"
	"errors"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"portlight/internal/rawsys"
)

// procfs reads the few /proc files attribution needs with raw system calls
// and reused buffers: a walk of thousands of fds must not allocate per fd.
// Paths are built NUL-terminated in path and handed to the kernel directly.
type procfs struct {
	root  string // "/proc"
	path  []byte
	dents []byte
	link  []byte
	file  []byte
}

func newProcfs(root string) *procfs {
	if root == "" {
		root = "/proc"
	}
	return &procfs{
		root:  root,
		path:  make([]byte, 0, 64),
		dents: make([]byte, 32<<10),
		link:  make([]byte, 4096),
		file:  make([]byte, 1024),
	}
}

// pidPath sets p.path to "<root>/<pid><suffix>\x00".
func (p *procfs) pidPath(pid int32, suffix string) {
	p.path = append(p.path[:0], p.root...)
	p.path = append(p.path, '/')
	p.path = strconv.AppendInt(p.path, int64(pid), 10)
	p.path = append(p.path, suffix...)
	p.path = append(p.path, 0)
}

func (p *procfs) rootPath(suffix string) {
	p.path = append(p.path[:0], p.root...)
	p.path = append(p.path, suffix...)
	p.path = append(p.path, 0)
}

// openat opens the NUL-terminated path (relative to dirfd) without allocating.
func openat(dirfd int, path *byte, flags int) (int, error) {
	for {
		fd, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(path)),
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

// readlinkat reads the link at the NUL-terminated name into buf.
func readlinkat(dirfd int, name *byte, buf []byte) (int, error) {
	n, _, e := unix.Syscall6(unix.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// readFile reads up to len(p.file) bytes of the file at p.path, with raw
// system calls when raw (a file the resident reads every tick: see package
// rawsys).
func (p *procfs) readFile(raw bool) ([]byte, error) {
	open, read, closeFD := openat, unix.Read, unix.Close
	if raw {
		open, read, closeFD = rawsys.Openat, rawsys.Read, rawsys.Close
	}
	fd, err := open(unix.AT_FDCWD, &p.path[0], unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer closeFD(fd)
	n := 0
	for n < len(p.file) {
		m, err := read(fd, p.file[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return p.file[:n], nil
}

// eachDirent calls fn with the NUL-terminated name of every entry of the open
// directory fd except "." and "..". fn returns false to stop.
func (p *procfs) eachDirent(fd int, fn func(name []byte) bool) error {
	for {
		n, err := unix.Getdents(fd, p.dents)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		b := p.dents[:n]
		for len(b) >= 19 {
			// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
			reclen := int(*(*uint16)(unsafe.Pointer(&b[16])))
			if reclen < 19 || reclen > len(b) {
				return errors.New("getdents: bad record length")
			}
			name := b[19:reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i+1] // keep the NUL for readlinkat
			}
			b = b[reclen:]
			if len(name) < 2 || name[0] == '.' {
				continue
			}
			if !fn(name) {
				return nil
			}
		}
	}
}

// listPids appends the pids of /proc (processes, not threads) to out.
func (p *procfs) listPids(out []int32) ([]int32, error) {
	p.rootPath("")
	fd, err := openat(unix.AT_FDCWD, &p.path[0], unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return out, err
	}
	defer unix.Close(fd)
	err = p.eachDirent(fd, func(name []byte) bool {
		if v, err := parseDec(name[:len(name)-1]); err == nil && v > 0 && v < 1<<31 {
			out = append(out, int32(v))
		}
		return true
	})
	return out, err
}

// tgidOffset is where pids start in /proc's directory positions: position
// tgidOffset+N lists the processes with pid >= N (fs/proc/base.c,
// TGID_OFFSET = FIRST_PROCESS_ENTRY + 2).
const tgidOffset = 256 + 2

// listPidsAfter appends the pids of /proc in (after, upto], seeking the
// directory so that older processes are not even listed. Pids are allocated
// cyclically, so after a wrap the caller lists everything instead.
func (p *procfs) listPidsAfter(after, upto int64, out []int32) ([]int32, error) {
	p.rootPath("")
	fd, err := openat(unix.AT_FDCWD, &p.path[0], unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return out, err
	}
	defer unix.Close(fd)
	if _, err := unix.Seek(fd, tgidOffset+after+1, 0); err != nil {
		return out, err
	}
	err = p.eachDirent(fd, func(name []byte) bool {
		v, err := parseDec(name[:len(name)-1])
		if err != nil || v == 0 {
			return true
		}
		if int64(v) > upto {
			return false
		}
		if int64(v) > after {
			out = append(out, int32(v))
		}
		return true
	})
	return out, err
}

// socketInode parses a /proc/PID/fd link "socket:[12345]".
func socketInode(link []byte) (uint64, bool) {
	const pre = "socket:["
	if len(link) < len(pre)+2 || string(link[:len(pre)]) != pre || link[len(link)-1] != ']' {
		return 0, false
	}
	v, err := parseDec(link[len(pre) : len(link)-1])
	return v, err == nil
}

// fdHit is a wanted socket found at /proc/PID/fd/FD.
type fdHit struct {
	inode uint64
	pid   int32
	fd    int32
}

// walkFDs appends to hits every socket fd of pid whose inode is in want or
// in known. It returns the error of opening /proc/PID/fd (EACCES for another
// user's process, ENOENT for one that has exited).
func (p *procfs) walkFDs(pid int32, want map[uint64]bool, known map[uint64][]holder, hits []fdHit) ([]fdHit, error) {
	p.pidPath(pid, "/fd")
	dfd, err := openat(unix.AT_FDCWD, &p.path[0], unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return hits, err
	}
	defer unix.Close(dfd)
	err = p.eachDirent(dfd, func(name []byte) bool {
		n, err := readlinkat(dfd, &name[0], p.link)
		if err != nil {
			return true // the fd was closed meanwhile
		}
		ino, ok := socketInode(p.link[:n])
		if !ok {
			return true
		}
		_, ok = want[ino]
		if !ok {
			_, ok = known[ino]
		}
		if ok {
			fd, _ := parseDec(name[:len(name)-1])
			hits = append(hits, fdHit{inode: ino, pid: pid, fd: int32(fd)})
		}
		return true
	})
	return hits, err
}

// fdIsSocket reports whether /proc/PID/fd/FD still is the socket inode.
func (p *procfs) fdIsSocket(pid, fd int32, inode uint64) bool {
	p.path = append(p.path[:0], p.root...)
	p.path = append(p.path, '/')
	p.path = strconv.AppendInt(p.path, int64(pid), 10)
	p.path = append(p.path, "/fd/"...)
	p.path = strconv.AppendInt(p.path, int64(fd), 10)
	p.path = append(p.path, 0)
	n, err := readlinkat(unix.AT_FDCWD, &p.path[0], p.link)
	if err != nil {
		return false
	}
	got, ok := socketInode(p.link[:n])
	return ok && got == inode
}

// lastPid returns the most recently allocated pid, the last field of
// /proc/loadavg: a change means a process or thread was created since the
// previous read, at the cost of one small read instead of listing /proc.
func (p *procfs) lastPid() (int64, error) {
	p.rootPath("/loadavg")
	b, err := p.readFile(true) // every tick
	if err != nil {
		return 0, err
	}
	b = bytes.TrimSpace(b)
	i := bytes.LastIndexByte(b, ' ')
	v, err := parseDec(b[i+1:])
	return int64(v), err
}

// startTime returns the start time of pid in clock ticks after boot (field 22
// of /proc/PID/stat), which with the pid identifies one process for good.
func (p *procfs) startTime(pid int32) (uint64, error) {
	p.pidPath(pid, "/stat")
	b, err := p.readFile(false)
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: skip to
	// the last ')'. Field 3 (state) follows; starttime is field 22.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 {
		return 0, errors.New("stat: too few fields")
	}
	return parseDec(f[19])
}
