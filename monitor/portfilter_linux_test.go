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
