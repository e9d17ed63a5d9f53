package monitor

import (
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// deletedMark is what the kernel appends to the target of /proc/PID/exe
// when the running file has no name any more.
const deletedMark = " (deleted)"

// statxAt stats the NUL-terminated path, following links (the magic links
// of /proc/PID included: stat of /proc/PID/exe is the running file, even
// deleted), without allocating.
func statxAt(path *byte, st *unix.Statx_t) error {
	dirfd := unix.AT_FDCWD
	_, _, e := unix.Syscall6(unix.SYS_STATX, uintptr(dirfd), uintptr(unsafe.Pointer(path)),
		0, unix.STATX_TYPE|unix.STATX_INO, uintptr(unsafe.Pointer(st)), 0)
	if e != 0 {
		return e
	}
	return nil
}

// statxDev is a statx result's device as stat(2) encodes it (st_dev).
func statxDev(st *unix.Statx_t) uint64 { return unix.Mkdev(st.Dev_major, st.Dev_minor) }

// mountNS returns the inode of the mount namespace at p.path (a
// /proc/PID/ns/mnt link, "mnt:[4026531841]"); 0 when unreadable.
func (p *procfs) mountNS() uint64 {
	n, err := readlinkat(unix.AT_FDCWD, &p.path[0], p.link)
	if err != nil {
		return 0
	}
	l := p.link[:n]
	const pre = "mnt:["
	if len(l) < len(pre)+2 || string(l[:len(pre)]) != pre || l[len(l)-1] != ']' {
		return 0
	}
	v, err := parseDec(l[len(pre) : len(l)-1])
	if err != nil {
		return 0
	}
	return v
}

// selfMountNS returns the inode of Portlight's own mount namespace.
func (p *procfs) selfMountNS() uint64 {
	p.rootPath("/self/ns/mnt")
	return p.mountNS()
}

// exeIdentity reads what /proc/PID/exe says of pid's executable: the link's
// target (exe, as the kernel prints it, " (deleted)" included) and the
// running file's identity, judged against selfNS, our mount namespace.
// The order of the checks matters: a memfd's link also ends in " (deleted)",
// and a path means nothing in our namespace when the process lives in
// another one. A link marked " (deleted)" is ExeDeleted when nothing is at
// its path any more, ExeReplaced when another file is. Unreadable (another user's process without root): "" and
// ExeUnknown.
func (p *procfs) exeIdentity(pid int32, selfNS uint64) (exe string, id ExeIdentity) {
	p.pidPath(pid, "/exe")
	n, err := readlinkat(unix.AT_FDCWD, &p.path[0], p.link)
	if err != nil || n == len(p.link) {
		return "", id
	}
	exe = string(p.link[:n])
	var st unix.Statx_t
	if err := statxAt(&p.path[0], &st); err != nil {
		return exe, id
	}
	id.Dev, id.Inode = statxDev(&st), st.Ino
	p.pidPath(pid, "/ns/mnt")
	id.MountNS = p.mountNS()
	path, deleted := strings.CutSuffix(exe, deletedMark)
	switch {
	case strings.HasPrefix(path, "/memfd:"):
		id.State = ExeMemfd
	case len(path) == 0 || path[0] != '/':
		id.State = ExeAnonymous
	case id.MountNS != 0 && selfNS != 0 && id.MountNS != selfNS:
		id.State = ExeForeignMount
	case p.sameFile(exe, id):
		// Checked before the mark: a file may really be named "x (deleted)".
		id.State = ExeOK
	case deleted && !p.exists(path):
		id.State = ExeDeleted
	default:
		// Another file at the path. The kernel marks the link " (deleted)"
		// also when a new file was renamed over the old one (how package
		// managers update): that is a replacement, not a removal.
		id.State = ExeReplaced
	}
	return exe, id
}

// sameFile reports whether path, in our mount namespace, is the file id
// names (same device and inode).
func (p *procfs) sameFile(path string, id ExeIdentity) bool {
	p.path = append(append(p.path[:0], path...), 0)
	var st unix.Statx_t
	return statxAt(&p.path[0], &st) == nil && statxDev(&st) == id.Dev && st.Ino == id.Inode
}

// exists reports whether path names anything in our mount namespace.
func (p *procfs) exists(path string) bool {
	p.path = append(append(p.path[:0], path...), 0)
	var st unix.Statx_t
	return statxAt(&p.path[0], &st) == nil
}

// exeChanged reports whether pid's executable is no longer what was read
// with its facts: it runs another file (it called execve: compared by
// device and inode, so a new file at the same path counts), or the path
// that named its file now names another one or none (the file was replaced
// or deleted on disk). Without an identity it falls back to the link's text.
// An unreadable link (the process exited, or is another user's) is no
// change: exiting is caught elsewhere, and the facts were read the same way.
// Cost: one or two statx calls, no allocation.
func (p *procfs) exeChanged(pid int32, was ExeIdentity, exe string) bool {
	p.pidPath(pid, "/exe")
	if was.Inode == 0 {
		n, err := readlinkat(unix.AT_FDCWD, &p.path[0], p.link)
		if err != nil || n == len(p.link) {
			return false
		}
		return string(p.link[:n]) != exe
	}
	var st unix.Statx_t
	if err := statxAt(&p.path[0], &st); err != nil {
		return false
	}
	if statxDev(&st) != was.Dev || st.Ino != was.Inode {
		return true
	}
	return was.State == ExeOK && !p.sameFile(exe, was)
}
