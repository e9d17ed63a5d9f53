package monitor

import (
	"context"
	"os"

	"golang.org/x/sys/unix"
)

// confirm drops the members of sp that left it (exited, or a reused pid)
// and watches the first one left; it reports whether one is left.
func (t *nsTracker) confirm(sp *netSpace) bool {
	for len(sp.members) > 0 {
		pid := sp.members[0]
		// The pidfd first: the readlink after it then vouches for the
		// process the pidfd names.
		t.watchPid(sp, pid)
		if ino, err := t.pidNS(pid); err == nil && ino == sp.ino {
			return true
		}
		sp.members = sp.members[1:]
	}
	sp.unwatch()
	return false
}

// read refreshes the namespaces' socket lists: netlink first (root), then
// /proc/PID/net for the others, each within its budget.
func (t *nsTracker) read(ctx context.Context) {
	if t.root {
		for _, ino := range t.order() {
			sp := t.spaces[ino]
			if sp.nlFD < 0 && !sp.nlFailed && len(sp.members) > 0 {
				t.openNetlink(sp)
			}
		}
	}
	t.schedule(true, t.nlPerScan, 1, func(sp *netSpace) {
		if err := t.dumpNetlink(ctx, sp); err != nil {
			// Closed: read through /proc/PID/net from now on, this
			// scan included.
			sp.read = false
		}
	})
	t.schedule(false, t.perScan, t.minEvery, t.readProcNet)
}

// schedule reads the namespaces read one way (through a kept netlink
// socket, or through /proc/PID/net): at once those never read or marked
// urgent, then up to perScan more a scan, round robin (the least recently
// read first, those marked by soon before them), each at most every
// minEvery scans. So each of n namespaces is read at least every
// max(minEvery, ⌈n/perScan⌉) scans, and a still scan reads perScan at most.
func (t *nsTracker) schedule(netlink bool, perScan, minEvery int, readOne func(*netSpace)) {
	read := func(sp *netSpace) {
		sp.read, sp.urgent, sp.soon, sp.last = true, false, false, t.scan
		readOne(sp)
	}
	for _, ino := range t.order() {
		if sp := t.spaces[ino]; (sp.nlFD >= 0) == netlink && (!sp.read || sp.urgent) {
			read(sp)
		}
	}
	for range perScan {
		var next *netSpace
		for _, ino := range t.order() {
			sp := t.spaces[ino]
			if (sp.nlFD >= 0) != netlink || sp.last == t.scan || sp.last+uint64(minEvery) > t.scan {
				continue
			}
			if next == nil || (sp.soon && !next.soon) || (sp.soon == next.soon && sp.last < next.last) {
				next = sp
			}
		}
		if next == nil {
			return
		}
		read(next)
	}
}

// soon brings sp's next read forward: something happened in it (a process
// started, its watched member exited). Through netlink, this scan; through
// /proc/PID/net, first in line once procnetMinEvery allows.
func (t *nsTracker) soon(sp *netSpace) {
	if sp.nlFD >= 0 {
		sp.urgent = true
		return
	}
	sp.soon = true
}

// watch polls the pidfds of the namespaces' watched members, all in one
// system call; a namespace whose member exited has its members confirmed
// and is read soon. A namespace without a pidfd is confirmed every scan.
// It reports whether a namespace lost its last known member.
func (t *nsTracker) watch() (lost bool) {
	t.polls, t.polled = t.polls[:0], t.polled[:0]
	for _, sp := range t.spaces {
		if sp.pidfd < 0 {
			lost = !t.confirm(sp) || lost
			continue
		}
		t.polls = append(t.polls, unix.PollFd{Fd: int32(sp.pidfd), Events: unix.POLLIN})
		t.polled = append(t.polled, sp)
	}
	defer clear(t.polled)
	if len(t.polls) == 0 {
		return lost
	}
	if n, err := unix.Poll(t.polls, 0); err != nil || n <= 0 {
		return lost // EINTR: the next scan looks again
	}
	for i, p := range t.polls {
		if p.Revents == 0 {
			continue
		}
		sp := t.polled[i]
		sp.unwatch() // an exited process's pidfd stays readable
		t.soon(sp)
		lost = !t.confirm(sp) || lost
	}
	return lost
}

// watchPid makes sp's pidfd name pid (when pidfds work).
func (t *nsTracker) watchPid(sp *netSpace, pid int32) {
	if !t.pidfds || (sp.pidfd >= 0 && sp.pidfdPid == pid) {
		return
	}
	sp.unwatch()
	fd, err := unix.PidfdOpen(int(pid), 0)
	if err != nil {
		return // exited, or not allowed: confirmed by readlink each scan
	}
	sp.pidfd, sp.pidfdPid = fd, pid
}

func (sp *netSpace) unwatch() {
	if sp.pidfd >= 0 {
		unix.Close(sp.pidfd)
		sp.pidfd = -1
	}
}

// pidfdWorks reports whether this kernel has pidfd_open (Linux 5.3).
func pidfdWorks() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}
