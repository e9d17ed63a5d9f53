package monitor

import "testing"

// TestWithPortSeesOnlyThatPort binds two listeners in a child and scans for
// one of them: only its sockets are listed, with their real owner.
func TestWithPortSeesOnlyThatPort(t *testing.T) {
	c := startChild(t)
	want := c.bind("tcp4 127.0.0.1:0")
	other := c.bind("tcp4 127.0.0.1:0")
	udp := c.bind("udp4 127.0.0.1:0")
	sc := NewScanner(WithPort(TCP, want.port))
	defer sc.Close()
	snap := scan(t, sc)
	if len(snap.Listeners) != 1 {
		t.Fatalf("WithPort(tcp, %d) listed %d listeners: %+v", want.port, len(snap.Listeners), snap.Listeners)
	}
	l := snap.Listeners[0]
	if l.Port != want.port || l.Proto != TCP || l.PID != c.pid {
		t.Fatalf("listed %s %d pid %d, want tcp %d pid %d", l.Proto, l.Port, l.PID, want.port, c.pid)
	}
	if got := findBound(snap, other); len(got) != 0 {
		t.Errorf("the other port %d was listed", other.port)
	}
	usc := NewScanner(WithPort(UDP, udp.port))
	defer usc.Close()
	if len(findBound(scan(t, usc), udp)) != 1 {
		t.Errorf("WithPort(udp, %d) did not list the UDP socket", udp.port)
	}
}

// TestWithPortReadsNoProcessForAnEmptyPort scans a port nothing listens on:
// the answer is empty and no process's descriptors were read.
func TestWithPortReadsNoProcessForAnEmptyPort(t *testing.T) {
	c := startChild(t)
	b := c.bind("tcp4 127.0.0.1:0")
	c.closeAll()
	sc := NewScanner(WithPort(TCP, b.port))
	defer sc.Close()
	if snap := scan(t, sc); len(snap.Listeners) != 0 {
		t.Fatalf("listed %+v on a closed port", snap.Listeners)
	}
	if a := sc.attr.(*procAttributor); a.walked || len(a.held) != 0 {
		t.Errorf("a scan that found no socket walked processes (walked %v, %d inodes held)", a.walked, len(a.held))
	}
}

// TestParallelFirstWalkFindsWhatOneWalkerFinds scans the machine's first
// walk with one walker and with two: the same owners and holders.
func TestParallelFirstWalkFindsWhatOneWalkerFinds(t *testing.T) {
	c := startChild(t, "tcp4 127.0.0.1:0", "udp6 [::1]:0", "tcp [::]:0")
	defer func(n int) { walkWorkers = n }(walkWorkers)
	var snaps [2]Snapshot
	for i, workers := range []int{1, 2} {
		walkWorkers = workers
		sc := NewScanner()
		snaps[i] = scan(t, sc)
		sc.Close()
		if a := sc.attr.(*procAttributor); len(a.pids) < parallelWalkMin && workers > 1 {
			t.Skipf("only %d processes: the walk does not go parallel", len(a.pids))
		}
	}
	for _, b := range c.bound {
		one, two := findBound(snaps[0], b), findBound(snaps[1], b)
		if len(one) != 1 || len(two) != 1 || one[0].PID != c.pid || two[0].PID != c.pid ||
			len(one[0].Holders) != len(two[0].Holders) {
			t.Errorf("%s: one walker %+v, two %+v", b.ap, one, two)
		}
	}
}
