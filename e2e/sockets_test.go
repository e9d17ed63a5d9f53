package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"portlight/monitor/portinfo"
)

// inetInodes returns the inodes of every inet socket on the machine, from
// /proc/net/{tcp,tcp6,udp,udp6,raw,raw6}.
func inetInodes(t testing.TB) map[string]bool {
	t.Helper()
	inodes := map[string]bool{}
	for _, f := range []string{"tcp", "tcp6", "udp", "udp6", "raw", "raw6", "udplite", "udplite6"} {
		fh, err := os.Open(filepath.Join("/proc/net", f))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) > 9 {
				inodes[fields[9]] = true
			}
		}
		fh.Close()
	}
	return inodes
}

// socketInodes returns the socket inodes among pid's open files.
func socketInodes(t testing.TB, pid int) []string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var out []string
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if ino, ok := strings.CutPrefix(target, "socket:["); ok {
			out = append(out, strings.TrimSuffix(ino, "]"))
		}
	}
	return out
}

// assertNoInetSocket checks that pid holds no inet socket: none of its
// socket fds is in /proc/net's tables, and `ss -tuanp` names no socket of it.
func assertNoInetSocket(t testing.TB, pid int) {
	t.Helper()
	inet := inetInodes(t)
	socks := socketInodes(t, pid)
	if len(socks) == 0 {
		t.Fatalf("pid %d holds no socket at all: the check would prove nothing (no D-Bus?)", pid)
	}
	for _, ino := range socks {
		if inet[ino] {
			t.Errorf("portlight (pid %d) holds inet socket inode %s", pid, ino)
		}
	}
	out, err := exec.Command("ss", "-tuanp").CombinedOutput()
	if err != nil {
		t.Fatalf("ss -tuanp: %v\n%s", err, out)
	}
	if needle := fmt.Sprintf("pid=%d,", pid); strings.Contains(string(out), needle) {
		t.Errorf("ss -tuanp lists a socket of portlight:\n%s", out)
	}
}

// unassignedPort picks a free TCP port that IANA has not assigned and for
// which the data knows no unofficial use, so the policy alerts on it; from
// the first such port after `after`. The ports lie below Linux's ephemeral
// range (32768–60999): tests pick a port long before they bind it, and an
// outgoing connection or a bind to port 0 meanwhile never takes one of these.
func unassignedPort(t testing.TB, after uint16) uint16 {
	t.Helper()
	for p := max(after+1, 28001); p < 32768; p++ {
		info := portinfo.Lookup(p, "tcp")
		if info.Status != portinfo.Unassigned || len(info.Unofficial) > 0 {
			continue
		}
		ln, err := net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		return p
	}
	t.Fatal("no free unassigned port in 28001-32767")
	return 0
}
