package monitor

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"portlight/internal/testrig"
)

// A decoy: the owner forks a child that execs another program, both holding
// the listening socket. Every holder is listed, the parent (oldest) first,
// each with its own executable; a scanner that knew the socket before learns
// of the new holder from the new process alone, and a fresh scanner's first
// walk finds both. When the parent exits, the child becomes the owner.
func TestHoldersForkedDecoy(t *testing.T) {
	sleep, err := filepath.EvalSymlinks("/bin/sleep")
	if err != nil {
		t.Fatalf("this test spawns /bin/sleep (coreutils): %v", err)
	}
	c := startChild(t, "tcp4 127.0.0.1:0")
	b := c.bound[0]
	sc := NewScanner(WithSource(portsSource{NewPlatformSource(), c.bound}))
	defer sc.Close()
	if l := ownListener(t, sc, b); len(l.Holders) != 1 || l.Holders[0].PID != c.pid {
		t.Fatalf("one holder: %+v", l.Holders)
	}
	f := strings.Fields(c.send("spawn "+sleep, "spawned "))
	decoy, _ := strconv.Atoi(f[1])
	t.Cleanup(func() { syscall.Kill(decoy, syscall.SIGKILL) })

	check := func(name string, l Listener) {
		t.Helper()
		if l.PID != c.pid || len(l.Holders) != 2 || l.Holders[0].PID != c.pid || l.Holders[1].PID != int32(decoy) {
			t.Fatalf("%s: owner %d holders %+v, want %d then %d", name, l.PID, l.Holders, c.pid, decoy)
		}
		h := l.Holders[1]
		dev, ino := fileID(t, sleep)
		if h.Exe != sleep || h.Identity.Dev != dev || h.Identity.Inode != ino || h.PPID != c.pid || l.Holders[0].Exe != testExe(t) {
			t.Errorf("%s: holders' exes %q, %q (decoy %+v), want %q then %q", name, l.Holders[0].Exe, h.Exe, h, testExe(t), sleep)
		}
	}
	var l Listener
	for i := 0; i < 10; i++ {
		if l = findBound(scan(t, sc), b)[0]; len(l.Holders) == 2 {
			break
		}
	}
	check("known socket, new holder", l)

	fresh := NewScanner(WithSource(portsSource{NewPlatformSource(), c.bound}))
	defer fresh.Close()
	check("fresh scanner", ownListener(t, fresh, b))

	// The parent goes: the decoy is the owner.
	prev := scan(t, sc)
	c.kill()
	for i := 0; i < 50; i++ {
		next := scan(t, sc)
		ls := findBound(next, b)
		if len(ls) == 1 && ls[0].PID == int32(decoy) {
			if len(ls[0].Holders) != 1 || ls[0].Exe != sleep {
				t.Errorf("after the parent exited: %+v", ls[0])
			}
			return
		}
		prev = next
	}
	t.Fatalf("the decoy never became the owner: %+v", findBound(prev, b))
}

// Running unprivileged, a socket of our own uid whose holder made itself
// non-dumpable is hidden like another user's, but marked owner_self_hidden.
// As root the scanner runs as nobody next to a nobody child; otherwise both
// are this user.
func TestSelfHiddenOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		c := startChild(t, "tcp4 127.0.0.1:0")
		c.send("nodump", "nodump")
		sc := NewScanner()
		defer sc.Close()
		ls := findBound(scan(t, sc), c.bound[0])
		if len(ls) != 1 || !ls[0].OwnerHidden || !ls[0].SelfHidden || ls[0].UID != uint32(os.Getuid()) {
			t.Errorf("non-dumpable own process: %+v, want hidden and self-hidden", ls)
		}
		return
	}
	exe, _ := testrig.NobodyExe(t)
	cmd := testrig.AsNobody(exec.Command(exe))
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	cmd.Dir = "/"
	hider := startChildCmd(t, cmd, "tcp4 127.0.0.1:0")
	hider.send("nodump", "nodump")
	rootChild := startChild(t, "tcp4 127.0.0.1:0")

	scanCmd := testrig.AsNobody(exec.Command(exe))
	scanCmd.Env = append(os.Environ(), roleEnv+"=scan")
	scanCmd.Dir = "/"
	var stdout, stderr bytes.Buffer
	scanCmd.Stdout, scanCmd.Stderr = &stdout, &stderr
	if err := scanCmd.Run(); err != nil {
		t.Fatalf("scan as nobody: %v\n%s", err, stderr.String())
	}
	var r scanAsReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil || r.Error != "" {
		t.Fatalf("scan as nobody printed %q: %v", stdout.String(), err)
	}
	ls := findBound(r.Snapshot, hider.bound[0])
	if len(ls) != 1 || !ls[0].OwnerHidden || !ls[0].SelfHidden || ls[0].UID != testrig.NobodyUID || ls[0].PID != 0 {
		t.Errorf("nobody's non-dumpable process seen by nobody: %+v, want hidden and self-hidden", ls)
	}
	ls = findBound(r.Snapshot, rootChild.bound[0])
	if len(ls) != 1 || !ls[0].OwnerHidden || ls[0].SelfHidden {
		t.Errorf("root's process seen by nobody: %+v, want hidden, not self-hidden", ls)
	}
	self := findBound(r.Snapshot, boundSocket{network: "tcp4", ap: "127.0.0.1:0", port: r.SelfPort})
	if len(self) != 1 || self[0].OwnerHidden || self[0].SelfHidden || len(self[0].Holders) != 1 {
		t.Errorf("nobody's own readable process: %+v", self)
	}
}
