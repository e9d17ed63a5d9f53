package monitor

import (
	"context"
	"testing"
)

// childSource lists the platform source's sockets on the ports a child has
// bound so far, so other programs' listeners do not disturb a still world.
type childSource struct {
	src Source
	c   *child
}

func (s childSource) Sockets(ctx context.Context) ([]Socket, error) {
	return portsSource{s.src, s.c.bound}.Sockets(ctx)
}

// A scan in which nothing changed hands out the last snapshot's listeners
// again (the still tick: nothing built, sorted or diffed), and Diff sees it
// at once; a new listener and closed ones end it (a new holder does too:
// TestHoldersForkedDecoy).
func TestScannerStillTick(t *testing.T) {
	c := startChild(t, "tcp4 127.0.0.1:0", "udp6 [::1]:0")
	sc := NewScanner(WithSource(childSource{NewPlatformSource(), c}))
	defer sc.Close()
	same := func(a, b Snapshot) bool {
		return len(a.Listeners) == len(b.Listeners) && len(a.Listeners) > 0 && &a.Listeners[0] == &b.Listeners[0]
	}
	first := scan(t, sc)
	if len(first.Listeners) != 2 || first.Listeners[0].PID != c.pid || first.Listeners[1].PID != c.pid {
		t.Fatalf("first scan: %+v", first.Listeners)
	}
	// The first scans may still settle (a holder re-check, a walk of new
	// processes); then the world is still.
	prev := first
	still := 0
	for i := 0; i < 20 && still < 3; i++ {
		next := scan(t, sc)
		if same(prev, next) {
			still++
			if evs := Diff(prev, next); evs != nil {
				t.Fatalf("still tick with events: %+v", evs)
			}
			if next.Time.Equal(prev.Time) {
				t.Error("a still tick keeps the last snapshot's time")
			}
		}
		prev = next
	}
	if still < 3 {
		t.Fatal("no still tick in 20 scans of an unchanged world")
	}

	b := c.bind("tcp6 [::1]:0")
	next := scan(t, sc)
	if same(prev, next) {
		t.Fatal("a new listener did not end the still tick")
	}
	if evs := eventsFor(Diff(prev, next), Opened, b); len(evs) != 1 || evs[0].Listener.PID != c.pid {
		t.Fatalf("new listener: %+v", Diff(prev, next))
	}
	if got := scan(t, sc); !same(next, got) && len(got.Listeners) != 3 {
		t.Fatalf("after the new listener: %+v", got.Listeners)
	}

	prev = scan(t, sc)
	c.closeAll()
	next = scan(t, sc)
	if same(prev, next) || len(next.Listeners) != 0 {
		t.Fatalf("closed listeners still listed: %+v", next.Listeners)
	}
	if evs := Diff(prev, next); len(evs) != 3 {
		t.Fatalf("closing three listeners: %d events, want 3: %+v", len(evs), evs)
	}
}
