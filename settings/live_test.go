package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portlight/monitor"
	"portlight/monitor/policy"
)

func TestStorePolicyFollowsChangesFromAnotherProcess(t *testing.T) {
	s1, dir := openT(t)
	s2, _ := Open(dir)
	exe := filepath.Join(t.TempDir(), "server")
	if err := os.WriteFile(exe, []byte("v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	// 40000/udp would be an ephemeral client; use TCP on an unassigned port.
	l := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 2476, Exposure: monitor.Network,
		Process: monitor.Process{PID: 1, Exe: exe, Cmdline: exe}}
	if v := s1.Assess(l).Verdict; v.Allowed {
		t.Fatalf("allowed before any entry: %+v", v)
	}
	sum, err := policy.SharedHasher.Sum(exe)
	if err != nil {
		t.Fatal(err)
	}
	// What `portlight allow --pin --port 2476` writes.
	if err := s2.Update(func(c *Settings) error {
		c.AllowEntry(policy.AllowEntry{Path: exe, Ports: []uint16{2476}, SHA256: sum})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !s1.Check() {
		t.Fatal("Check missed the other store's write")
	}
	if v := s1.Assess(l).Verdict; !v.Allowed || v.Alert {
		t.Fatalf("after allow: %+v", v)
	}
	// The pinned file changes under the running monitor.
	if err := os.WriteFile(exe, []byte("v2, longer"), 0o755); err != nil {
		t.Fatal(err)
	}
	if v := s1.Assess(l).Verdict; !v.Changed() {
		t.Fatalf("after replacing the pinned file: %+v", v)
	}
}

func TestAllowerAdapter(t *testing.T) {
	s, _ := openT(t)
	a := Allower{Store: s}
	if err := a.AllowAppOnPort("/usr/bin/syncthing", 8384, monitor.TCP); err != nil {
		t.Fatal(err)
	}
	if err := a.AllowApp("/usr/bin/other"); err != nil {
		t.Fatal(err)
	}
	if err := a.AllowApp("/usr/bin/python3"); err == nil || !strings.Contains(err.Error(), "every script") {
		t.Fatalf("AllowApp of an interpreter: %v", err)
	}
	es := s.Settings().Allow
	if len(es) != 2 || es[0].Scope() != "port 8384/tcp" || es[1].Scope() != "any port" {
		t.Fatalf("entries %+v", es)
	}
}
