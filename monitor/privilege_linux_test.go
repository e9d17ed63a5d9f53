package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"portlight/internal/testrig"
)

// Run as root, the test re-runs the scanner as nobody: root's sockets must be
// listed with their uid and owner_hidden, the scan must not fail, and the
// socket nobody's own process holds must still be attributed.
func TestScannerUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		checkOthersHidden(t)
		return
	}
	c := startChild(t, "tcp4 127.0.0.1:0", "tcp6 [::1]:0", "udp [::]:0")
	exe, _ := testrig.NobodyExe(t)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), roleEnv+"=scan")
	cmd.Dir = "/"
	testrig.AsNobody(cmd)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("scan as nobody: %v\n%s", err, stderr.String())
	}
	var r scanAsReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("scan as nobody printed %q: %v", stdout.String(), err)
	}
	if r.UID != testrig.NobodyUID || r.Error != "" {
		t.Fatalf("scan as uid %d: error %q", r.UID, r.Error)
	}
	for _, b := range c.bound {
		ls := findBound(r.Snapshot, b)
		if len(ls) != 1 {
			t.Errorf("%s %s: %d listeners seen by nobody, want 1", b.network, b.ap, len(ls))
			continue
		}
		l := ls[0]
		if !l.OwnerHidden || l.PID != 0 || l.UID != 0 || l.User != "root" || l.Exe != "" {
			t.Errorf("%s %s: root's socket seen by nobody as %+v, want owner_hidden, pid 0, uid 0", b.network, b.ap, l)
		}
	}
	self := findBound(r.Snapshot, boundSocket{network: "tcp4", ap: "127.0.0.1:0", port: r.SelfPort})
	if len(self) != 1 {
		t.Fatalf("nobody's own socket :%d: %d listeners", r.SelfPort, len(self))
	}
	if l := self[0]; l.OwnerHidden || l.PID != r.PID || l.Exe != r.Exe || l.UID != testrig.NobodyUID || l.User != "nobody" {
		t.Errorf("nobody's own socket: %+v, want pid %d exe %q", l, r.PID, r.Exe)
	}
}

// checkOthersHidden is the unprivileged check when the test is not root:
// every socket of another uid the kernel reports is in the snapshot with its
// uid, hidden unless one of our own processes holds it.
func checkOthersHidden(t *testing.T) {
	sc := NewScanner()
	defer sc.Close()
	snap := scan(t, sc)
	seen := map[uint64]Listener{}
	for _, l := range snap.Listeners {
		seen[l.Inode] = l
	}
	socks, err := NewNetlinkSource().Sockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	others := 0
	for _, s := range socks {
		if s.UID == uint32(os.Getuid()) {
			continue
		}
		others++
		l, ok := seen[s.Inode]
		if !ok {
			t.Errorf("socket of uid %d (%s:%d) dropped from the snapshot", s.UID, s.Address, s.Port)
		} else if l.UID != s.UID || l.OwnerHidden != (l.PID == 0) {
			// Usually hidden; attributed only if a process of ours holds it.
			t.Errorf("socket of uid %d: %+v, want its uid, and owner_hidden exactly when pid is 0", s.UID, l)
		}
	}
	if others == 0 {
		t.Skip("running unprivileged, but no other user's listening socket exists to check")
	}
}
