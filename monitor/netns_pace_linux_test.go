//go:build linux

package monitor

import (
	"os/exec"
	"strconv"
	"testing"

	"portlight/internal/testrig"
)

// The round robin: every namespace is read at first sight, then perScan a
// scan, the longest overdue first, so each is read every ⌈n/perScan⌉
// scans; an urgent one is read beyond the budget. Pure logic: the read is
// a callback.
func TestScheduleRoundRobin(t *testing.T) {
	const n, perScan = 10, 3 // not the default, to test a budget above one
	tr := &nsTracker{spaces: map[uint64]*netSpace{}}
	for i := range n {
		tr.spaces[uint64(100+i)] = &netSpace{ino: uint64(100 + i), nlFD: 1000 + i, pidfd: -1}
	}
	tr.idsDirty = true
	lastRead := map[uint64]uint64{}
	gaps := map[uint64]uint64{}
	run := func() (reads []uint64) {
		tr.scan++
		tr.schedule(true, perScan, 1, func(sp *netSpace) {
			if l, ok := lastRead[sp.ino]; ok {
				gaps[sp.ino] = max(gaps[sp.ino], tr.scan-l)
			}
			lastRead[sp.ino] = tr.scan
			reads = append(reads, sp.ino)
		})
		return reads
	}
	if r := run(); len(r) != n {
		t.Fatalf("first scan read %d namespaces, want all %d", len(r), n)
	}
	for range 40 {
		if r := run(); len(r) != perScan {
			t.Fatalf("scan %d read %v, want %d namespaces", tr.scan, r, perScan)
		}
	}
	want := uint64((n + perScan - 1) / perScan)
	for ino, g := range gaps {
		if g > want {
			t.Errorf("net:[%d] went %d scans unread, want at most %d", ino, g, want)
		}
	}
	// Urgent: read this scan, beyond the budget, once.
	sp := tr.spaces[105]
	tr.soon(sp)
	if r := run(); len(r) != perScan+1 || r[0] != 105 {
		t.Errorf("with net:[105] urgent, read %v, want it first and %d more", r, perScan)
	}
	if r := run(); len(r) != perScan {
		t.Errorf("the scan after: read %v, want %d", r, perScan)
	}
	// The /proc path: soon puts a namespace first in line, once minEvery
	// allows, not beyond the budget.
	for _, sp := range tr.spaces {
		sp.nlFD, sp.last = -1, 0 // long unread
	}
	procnet := func() (reads []uint64) {
		tr.scan++
		tr.schedule(false, 1, 5, func(sp *netSpace) { reads = append(reads, sp.ino) })
		return reads
	}
	sp.last = tr.scan // just read
	tr.soon(sp)
	for i := 1; i <= 5; i++ {
		r := procnet()
		if len(r) != 1 {
			t.Fatalf("/proc path read %v, want one namespace a scan", r)
		}
		if got := r[0] == 105; got != (i == 5) {
			t.Errorf("/proc path, %d scans after the last read of net:[105] (marked soon): read %v", i, r)
		}
	}
}

// As root, with the round robin at one namespace a scan: a listener bound
// in a known namespace by a process already there shows within n scans;
// with no round robin at all, a new process in a namespace has it read at
// the next scan, and the exit of a namespace's only member closes its
// listeners at the next scan.
func TestNamespacePacingRoot(t *testing.T) {
	testrig.RequireRoot(t, "to create network namespaces")
	testrig.RequireTool(t, "nsenter")
	cs := []*child{startNSChild(t, "tcp4 0.0.0.0:0"), startNSChild(t, "tcp4 0.0.0.0:0"), startNSChild(t, "tcp4 0.0.0.0:0")}
	sc := NewScanner()
	defer sc.Close()
	tr := sc.ns.(*nsTracker)
	tr.nlPerScan = 1
	snap := scanOnceT(t, sc)
	for _, c := range cs {
		if len(findPort(snap, TCP, c.bound[0].port)) != 1 {
			t.Fatalf("first scan: namespace of pid %d not read", c.pid)
		}
	}
	p := cs[0].bind("tcp4 0.0.0.0:0").port
	// Other namespaces of the machine (other tests') take their turns too:
	// within N scans, N the namespaces known (the budget itself is
	// TestScheduleRoundRobin's).
	seen := false
	for i := 1; i <= len(tr.spaces) && !seen; i++ {
		seen = len(findPort(scanOnceT(t, sc), TCP, p)) == 1
	}
	if !seen {
		t.Fatalf("port %d bound in net:[%d] not seen within %d scans", p, netnsOf(t, cs[0].pid), len(tr.spaces))
	}

	tr.nlPerScan = 0 // no round robin: only what is news is read
	cmd := exec.Command("nsenter", "-t", strconv.Itoa(int(cs[1].pid)), "-n", testExe(t))
	cmd.Env = append(cmd.Environ(), roleEnv+"=child")
	in := startChildCmd(t, cmd, "tcp4 0.0.0.0:0")
	if ls := findPort(scanOnceT(t, sc), TCP, in.bound[0].port); len(ls) != 1 || ls[0].PID != in.pid {
		t.Errorf("a new process's listener in a known namespace, the next scan: %+v, want pid %d's", ls, in.pid)
	}
	last := cs[2].bound[0].port
	cs[2].kill()
	if ls := findPort(scanOnceT(t, sc), TCP, last); len(ls) != 0 {
		t.Errorf("after the only member of its namespace exited, the next scan: %+v", ls)
	}
}
