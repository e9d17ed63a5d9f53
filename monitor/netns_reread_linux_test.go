//go:build linux

package monitor

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeMember makes root/PID a process whose network namespace is ino and
// whose /proc/PID/net tables are the recorded fixture's.
func fakeMember(t *testing.T, root, pid string, ino string) {
	t.Helper()
	dir := filepath.Join(root, pid)
	for _, d := range []string{"ns", "net"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "ns", "net")
	os.Remove(link)
	if err := os.Symlink("net:["+ino+"]", link); err != nil {
		t.Fatal(err)
	}
	for _, f := range procNetFiles {
		b, err := os.ReadFile(filepath.Join("testdata", "procnet", "recorded", f.name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "net", f.name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The tables of a member whose pid now is another namespace's process (a
// reused pid) are not taken as its namespace's; once it is back in, they
// are.
func TestReadProcNetChecksTheMemberAfterReading(t *testing.T) {
	root := t.TempDir()
	fakeMember(t, root, "42", "4026531840") // the pid now is a host process's
	tr := newNamespaces(root).(*nsTracker)
	sp := &netSpace{ino: 4026532177, members: []int32{42}, nlFD: -1}
	tr.spaces[sp.ino] = sp
	tr.readProcNet(sp)
	if len(sp.socks) != 0 {
		t.Fatalf("%d sockets of another namespace listed under net:[%d]", len(sp.socks), sp.ino)
	}
	fakeMember(t, root, "42", "4026532177")
	tr.readProcNet(sp)
	if len(sp.socks) == 0 {
		t.Fatal("no sockets read from a member in the namespace")
	}
	for _, so := range sp.socks {
		if so.NetNS != sp.ino {
			t.Fatalf("socket %+v not in net:[%d]", so, sp.ino)
		}
	}
}
