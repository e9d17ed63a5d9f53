package monitor

import (
	"context"
	"testing"
)

// A listener whose socket goes away between enumeration and attribution (its
// owner closes it, or exits) was enumerated but is held by no process when
// the cached owner is re-checked. It must be reported closed once, in the
// scan after, and not first as an owner change to "hidden", which would be a
// false alarm about a socket that merely closed.
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
			sc := NewScanner(WithSource(portsSource{NewPlatformSource(), c.bound}))
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
// see).
func TestScannerOwnerDroppedOnce(t *testing.T) {
	a := startChild(t, "udp4 127.0.0.1:0")
	b := a.bound[0]
	sc := NewScanner(WithSource(portsSource{NewPlatformSource(), a.bound}))
	defer sc.Close()
	scan(t, sc)
	// Stand in for "handed to a process this user cannot see": an empty
	// /proc, where the cached owner's fd is gone and no walk finds any.
	pa := sc.attr.(*procAttributor)
	if len(pa.held) != 1 {
		t.Fatalf("%d cached owners after the first scan, want 1", len(pa.held))
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

// A listener seen for the first time whose socket goes away before the
// attributor looks for its owner: no process holds it, but it is not
// another user's hidden socket either. It closed during the scan, and is
// left out, not reported opened with a hidden owner and then closed.
func TestScannerNewListenerClosesBeforeAttribution(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(*child)
	}{
		{"close", (*child).closeAll},
		{"exit", (*child).kill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startChild(t, "tcp6 [::1]:0", "udp4 127.0.0.1:0")
			sc := NewScanner(WithSource(portsSource{NewPlatformSource(), c.bound}))
			defer sc.Close()
			sc.afterEnumerate = func() { tc.end(c) }
			during := scan(t, sc)
			sc.afterEnumerate = nil
			for _, b := range c.bound {
				if ls := findBound(during, b); len(ls) != 0 {
					t.Errorf("%s %s closed during the scan, listed as %+v", b.network, b.ap, ls)
				}
			}
			if evs := Diff(during, scan(t, sc)); len(evs) != 0 {
				t.Errorf("scan after: events %v", evs)
			}
		})
	}
}

// A socket no visible process holds and which stays open (another user's,
// seen unprivileged; here, an empty /proc) is listed hidden from its first
// scan on, and the extra enumeration that tells it from a closing one is
// paid once, not every scan.
func TestScannerHiddenListenerListed(t *testing.T) {
	c := startChild(t, "tcp4 127.0.0.1:0")
	src := &countingSource{src: portsSource{NewPlatformSource(), c.bound}}
	sc := NewScanner(WithSource(src))
	defer sc.Close()
	sc.attr.(*procAttributor).fs.root = t.TempDir()
	for i := 1; i <= 3; i++ {
		snap := scan(t, sc)
		if ls := findBound(snap, c.bound[0]); len(ls) != 1 || !ls[0].OwnerHidden {
			t.Errorf("scan %d: %+v, want one hidden listener", i, ls)
		}
	}
	if src.calls != 4 {
		t.Errorf("%d enumerations in 3 scans, want 4 (one extra, at the first sight)", src.calls)
	}
}

// portsSource keeps only the sockets on the ports of bound.
type portsSource struct {
	src   Source
	bound []boundSocket
}

func (p portsSource) Sockets(ctx context.Context) ([]Socket, error) {
	all, err := p.src.Sockets(ctx)
	var out []Socket
	for _, s := range all {
		for _, b := range p.bound {
			if s.Port == b.port {
				out = append(out, s)
				break
			}
		}
	}
	return out, err
}

type countingSource struct {
	src   Source
	calls int
}

func (c *countingSource) Sockets(ctx context.Context) ([]Socket, error) {
	c.calls++
	return c.src.Sockets(ctx)
}
