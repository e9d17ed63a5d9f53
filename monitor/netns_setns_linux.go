package monitor

import (
	"fmt"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// netlinkInNamespace opens a NETLINK_SOCK_DIAG socket inside the network
// namespace of pid, which must be ino (checked on the opened namespace
// file, so a reused pid cannot send us elsewhere). A socket belongs for
// good to the namespace it was created in, so the caller dumps it scan
// after scan without entering the namespace again; keeping it also keeps
// the namespace alive, so the caller closes it when the namespace has no
// members left.
//
// setns moves one thread: it is done on a locked OS thread that returns to
// our namespace before it is unlocked. If it cannot return, the thread is
// left locked and dies with its goroutine rather than serve other
// goroutines in the wrong namespace. Needs CAP_SYS_ADMIN (root).
func netlinkInNamespace(procRoot string, pid int32, ino uint64) (int, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		fd, restored, err := enterAndOpen(procRoot, pid, ino)
		if restored {
			runtime.UnlockOSThread()
		}
		ch <- result{fd, err}
	}()
	r := <-ch
	return r.fd, r.err
}

func enterAndOpen(procRoot string, pid int32, ino uint64) (fd int, restored bool, err error) {
	self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, true, fmt.Errorf("open own network namespace: %w", err)
	}
	defer unix.Close(self)
	path := procRoot + "/" + strconv.Itoa(int(pid)) + "/ns/net"
	target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, true, fmt.Errorf("open %s: %w", path, err)
	}
	defer unix.Close(target)
	var st unix.Stat_t
	if err := unix.Fstat(target, &st); err != nil {
		return -1, true, fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Ino != ino {
		return -1, true, fmt.Errorf("%s is net:[%d], not net:[%d]: the pid was reused", path, st.Ino, ino)
	}
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return -1, true, fmt.Errorf("setns net:[%d]: %w", ino, err)
	}
	fd, serr := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err := unix.Setns(self, unix.CLONE_NEWNET); err != nil {
		if serr == nil {
			unix.Close(fd)
		}
		return -1, false, fmt.Errorf("return to own network namespace: %w", err)
	}
	if serr != nil {
		return -1, true, fmt.Errorf("open NETLINK_SOCK_DIAG socket in net:[%d]: %w", ino, serr)
	}
	tv := unix.Timeval{Sec: 5}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, true, fmt.Errorf("set netlink receive timeout: %w", err)
	}
	return fd, true, nil
}
