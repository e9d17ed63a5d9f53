package monitor

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

type sockID struct {
	proto Proto
	ap    string
	inode uint64
	uid   uint32
}

func sockSet(socks []Socket) map[sockID]bool {
	m := make(map[sockID]bool, len(socks))
	for _, s := range socks {
		m[sockID{s.Proto, fmt.Sprintf("%s/%s:%d", s.Family, s.Address, s.Port), s.Inode, s.UID}] = true
	}
	return m
}

func sockets(t *testing.T, src Source) map[sockID]bool {
	t.Helper()
	socks, err := src.Sockets(context.Background())
	if err != nil {
		t.Fatalf("%T: %v", src, err)
	}
	return sockSet(socks)
}

// Netlink and /proc/net must report the same sockets. Other processes on the
// machine may open and close sockets meanwhile, so the /proc/net read is
// bracketed by two netlink reads: every socket in both netlink reads must be
// in /proc/net, and every /proc/net socket in at least one netlink read.
func TestNetlinkMatchesProcNet(t *testing.T) {
	c := startChild(t, allSpecs...)
	nl := NewNetlinkSource()
	defer nl.Close()
	pn := &ProcNetSource{}
	var problems []string
	for attempt := 0; attempt < 5; attempt++ {
		a := sockets(t, nl)
		p := sockets(t, pn)
		b := sockets(t, nl)
		problems = problems[:0]
		for id := range a {
			if b[id] && !p[id] {
				problems = append(problems, fmt.Sprintf("netlink only: %v", id))
			}
		}
		for id := range p {
			if !a[id] && !b[id] {
				problems = append(problems, fmt.Sprintf("/proc/net only: %v", id))
			}
		}
		if len(problems) == 0 {
			for _, bs := range c.bound {
				if !containsBound(p, bs) {
					t.Errorf("child socket %s %s in neither source", bs.network, bs.ap)
				}
			}
			return
		}
	}
	t.Errorf("netlink and /proc/net disagree: %v", problems)
}

func containsBound(m map[sockID]bool, b boundSocket) bool {
	proto, fam, addr := b.expect()
	want := fmt.Sprintf("%s/%s:%d", fam, addr, b.port)
	for id := range m {
		if id.proto == proto && id.ap == want {
			return true
		}
	}
	return false
}

type failingSource struct{ calls int }

func (f *failingSource) Sockets(context.Context) ([]Socket, error) {
	f.calls++
	return nil, errors.New("netlink: operation not permitted (simulated)")
}

// When netlink fails the scanner falls back to /proc/net and still finds and
// attributes the child's sockets.
func TestScannerFallsBackToProcNet(t *testing.T) {
	c := startChild(t, allSpecs...)
	primary := &failingSource{}
	src := &FallbackSource{Primary: primary, Fallback: &ProcNetSource{}}
	sc := NewScanner(WithSource(src))
	defer sc.Close()
	snap := scan(t, sc)
	// A scan may enumerate twice (see Scanner.dropVanished).
	if primary.calls == 0 || primary.calls > 2 || src.PrimaryErr() == nil {
		t.Fatalf("primary called %d times, PrimaryErr %v", primary.calls, src.PrimaryErr())
	}
	for _, b := range c.bound {
		ls := findBound(snap, b)
		if len(ls) != 1 || ls[0].PID != c.pid {
			t.Errorf("%s %s via /proc/net: %+v, want pid %d", b.network, b.ap, ls, c.pid)
		}
	}
}

// Both sources failing is an error naming both.
func TestFallbackBothFail(t *testing.T) {
	src := &FallbackSource{Primary: &failingSource{}, Fallback: &failingSource{}}
	if _, err := src.Sockets(context.Background()); err == nil {
		t.Fatal("no error when both sources fail")
	}
}
