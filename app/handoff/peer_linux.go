//go:build linux

package handoff

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// socketPeer identifies the process at the other end of a unix socket by
// SO_PEERCRED (the credentials the kernel recorded when it connected or
// listened; they cannot be forged).
func socketPeer(conn net.Conn, also []string) (Peer, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return Peer{}, fmt.Errorf("handoff: not a unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{}, fmt.Errorf("handoff: peer credentials: %w", err)
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return Peer{}, fmt.Errorf("handoff: peer credentials: %w", err)
	}
	if cerr != nil {
		return Peer{}, fmt.Errorf("handoff: peer credentials: %w", cerr)
	}
	p := identify(int(cred.Pid), also)
	p.UID = int(cred.Uid)
	p.Same = p.Same && p.UID == os.Getuid()
	return p, nil
}

// identify reads who pid is from /proc: its owner and whether its
// executable is ours or one of also (Portlight's other program).
func identify(pid int, also []string) Peer {
	p := Peer{PID: pid, UID: -1, Known: true}
	proc := "/proc/" + strconv.Itoa(pid)
	if fi, err := os.Stat(proc); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			p.UID = int(st.Uid)
		}
	}
	p.Exe, _ = os.Readlink(proc + "/exe")
	theirs, err := os.Stat(proc + "/exe")
	self, _ := os.Readlink("/proc/self/exe")
	for i, exe := range append([]string{"/proc/self/exe"}, also...) {
		if exe == "" {
			continue
		}
		if fi, serr := os.Stat(exe); err == nil && serr == nil && os.SameFile(theirs, fi) {
			p.Same = true
			break
		}
		// The file was replaced (an upgrade) since one of us started: the
		// kernel names the old one "PATH (deleted)".
		name := self
		if i > 0 {
			name = resolve(exe)
		}
		if p.Exe != "" && name != "" && strings.TrimSuffix(p.Exe, " (deleted)") == strings.TrimSuffix(name, " (deleted)") {
			p.Same = true
			break
		}
	}
	p.Same = p.Same && p.UID == os.Getuid()
	return p
}

// resolve is exe with its symbolic links followed, as /proc/PID/exe names
// a program started through one; exe itself when that fails.
func resolve(exe string) string {
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		return r
	}
	return exe
}

// lockPeer finds the process holding an flock on path, from /proc/locks;
// its Same is true for this program or one of also. Known is false when
// no holder is listed (the lock was just released, or /proc is not
// mounted).
func lockPeer(path string, also []string) Peer {
	fi, err := os.Stat(path)
	if err != nil {
		return Peer{}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return Peer{}
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return Peer{}
	}
	defer f.Close()
	dev := uint64(st.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"; a blocked
		// waiter's line has "->" after the number.
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 || fs[1] != "FLOCK" || fs[5] != want {
			continue
		}
		if pid, err := strconv.Atoi(fs[4]); err == nil && pid > 0 {
			return identify(pid, also)
		}
	}
	return Peer{}
}
