package monitor

import (
	"context"
	"testing"
)

// portSource keeps only the sockets of one port from the platform's source,
// so the attributor's round-robin re-check reaches that socket in every
// scan.
type portSource struct {
	src  Source
	port uint16
}

func (p portSource) Sockets(ctx context.Context) ([]Socket, error) {
	all, err := p.src.Sockets(ctx)
	var out []Socket
	for _, s := range all {
		if s.Port == p.port {
			out = append(out, s)
		}
	}
	return out, err
}

// A listener whose socket goes away between enumeration and attribution (its
// owner closes it, or exits) was enumerated but is held by no process when
// the cached owner is re-checked. It must be reported closed once, in the
// scan after, and not first as an owner change to "hidden" (issue 6).
func TestScannerListenerClosesBeforeAttribution(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(*child)
	}{
		{"close", (*child).closeAll},
		{"exit", (*child).kill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startChild(t, "tcp4 127.0.0.1:0")
			b := c.bound[0]
			sc := NewScanner(WithSource(portSource{NewPlatformSource(), b.port}))
			defer sc.Close()
			first := scan(t, sc)
			if ls := findBound(first, b); len(ls) != 1 || ls[0].PID != c.pid {
				t.Fatalf("before: %+v, want pid %d", ls, c.pid)
			}
			sc.afterEnumerate = func() { tc.end(c) }
			during := scan(t, sc)
			sc.afterEnumerate = nil
			after := scan(t, sc)
			if evs := Diff(first, during); len(evs) != 0 {
				t.Errorf("scan during the close: events %v, want none (the closing socket keeps its owner)", evs)
			}
			if ls := findBound(during, b); len(ls) != 1 || ls[0].PID != c.pid || ls[0].OwnerHidden {
				t.Errorf("scan during the close: %+v, want pid %d", ls, c.pid)
			}
			evs := Diff(during, after)
			if closed := eventsFor(evs, Closed, b); len(closed) != 1 || len(evs) != 1 || closed[0].Listener.PID != c.pid {
				t.Errorf("scan after the close: events %v, want one closed by pid %d", evs, c.pid)
			}
		})
	}
}

// A socket whose cached owner no longer holds it, and which no other process
// holds, keeps that owner for the one scan in which this is found, and is
// hidden from the next scan on (it was handed to a process this user cannot
// see); one that another process holds is given to it at once.
func TestScannerOwnerDroppedOnce(t *testing.T) {
	a := startChild(t, "udp4 127.0.0.1:0")
	b := a.bound[0]
	sc := NewScanner(WithSource(portSource{NewPlatformSource(), b.port}))
	defer sc.Close()
	scan(t, sc)
	// Stand in for "handed to a process this user cannot see": an empty
	// /proc, where the cached owner's fd is gone and no walk finds any.
	pa := sc.attr.(*procAttributor)
	if len(pa.owners) != 1 {
		t.Fatalf("%d cached owners after the first scan, want 1", len(pa.owners))
	}
	pa.fs.root = t.TempDir()
	s2 := scan(t, sc)
	if ls := findBound(s2, b); len(ls) != 1 || ls[0].PID != a.pid {
		t.Errorf("scan that drops the owner: %+v, want pid %d kept", ls, a.pid)
	}
	s3 := scan(t, sc)
	if ls := findBound(s3, b); len(ls) != 1 || !ls[0].OwnerHidden || ls[0].PID != 0 {
		t.Errorf("scan after: %+v, want hidden", ls)
	}
}
