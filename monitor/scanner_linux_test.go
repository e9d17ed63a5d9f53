package monitor

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// allSpecs binds TCP and UDP, IPv4, IPv6 and dual-stack `::`, on free ports.
var allSpecs = []string{
	"tcp4 127.0.0.1:0", "tcp6 [::1]:0", "tcp [::]:0",
	"udp4 127.0.0.1:0", "udp6 [::1]:0", "udp [::]:0",
}

// expect describes the listener a bound socket should appear as.
func (b boundSocket) expect() (Proto, Family, string) {
	ap := netip.MustParseAddrPort(b.ap)
	proto := TCP
	if strings.HasPrefix(b.network, "udp") {
		proto = UDP
	}
	fam := IPv6
	if ap.Addr().Is4() {
		fam = IPv4
	}
	return proto, fam, ap.Addr().String()
}

// findBound returns the listeners of snap at b's endpoint.
func findBound(snap Snapshot, b boundSocket) []Listener {
	proto, _, addr := b.expect()
	var out []Listener
	for _, l := range snap.Listeners {
		if l.Proto == proto && l.Port == b.port && l.Address == addr {
			out = append(out, l)
		}
	}
	return out
}

func scan(t *testing.T, sc *Scanner) Snapshot {
	t.Helper()
	snap, err := sc.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return snap
}

func eventsFor(evs []Event, kind EventKind, b boundSocket) []Event {
	proto, _, addr := b.expect()
	var out []Event
	for _, e := range evs {
		if e.Kind == kind && e.Listener.Proto == proto && e.Listener.Port == b.port && e.Listener.Address == addr {
			out = append(out, e)
		}
	}
	return out
}

func TestScannerFindsChildSockets(t *testing.T) {
	sc := NewScanner()
	defer sc.Close()
	before := scan(t, sc)
	c := startChild(t, allSpecs...)
	exe := testExe(t)
	after := scan(t, sc)
	opened := Diff(before, after)
	for _, b := range c.bound {
		proto, fam, addr := b.expect()
		ls := findBound(after, b)
		if len(ls) != 1 {
			t.Errorf("%s %s: %d listeners, want 1", b.network, b.ap, len(ls))
			continue
		}
		l := ls[0]
		if l.PID != c.pid || l.Exe != exe || l.OwnerHidden {
			t.Errorf("%s %s: owner pid %d exe %q hidden %v, want pid %d exe %q", b.network, b.ap, l.PID, l.Exe, l.OwnerHidden, c.pid, exe)
		}
		if l.Proto != proto || l.Family != fam || l.Address != addr || l.Inode == 0 || l.UID != uint32(os.Getuid()) {
			t.Errorf("%s %s: got %+v", b.network, b.ap, l)
		}
		if l.Name == "" || l.User == "" || !strings.Contains(l.Cmdline, exe) || l.StartTime.IsZero() {
			t.Errorf("%s %s: facts missing: %+v", b.network, b.ap, l.Process)
		}
		if want := ExposureOf(netip.MustParseAddr(addr)); l.Exposure != want {
			t.Errorf("%s %s: exposure %s, want %s", b.network, b.ap, l.Exposure, want)
		}
		if len(eventsFor(opened, Opened, b)) != 1 {
			t.Errorf("%s %s: no opened event in %v", b.network, b.ap, opened)
		}
	}
	// A steady scan sees the same thing, from the caches.
	again := scan(t, sc)
	if evs := eventsForChild(Diff(after, again), c.pid); len(evs) != 0 {
		t.Errorf("steady scan: events %v", evs)
	}
	c.closeAll()
	closed := Diff(again, scan(t, sc))
	for _, b := range c.bound {
		if len(eventsFor(closed, Closed, b)) != 1 {
			t.Errorf("%s %s: no closed event in %v", b.network, b.ap, closed)
		}
	}
}

func eventsForChild(evs []Event, pid int32) []Event {
	var out []Event
	for _, e := range evs {
		if e.Listener.PID == pid || (e.Previous != nil && e.Previous.PID == pid) {
			out = append(out, e)
		}
	}
	return out
}

func TestScannerOwnerChange(t *testing.T) {
	sc := NewScanner()
	defer sc.Close()
	a := startChild(t, "tcp4 127.0.0.1:0", "udp6 [::1]:0")
	s1 := scan(t, sc)
	a.closeAll()
	b := startChild(t, "tcp4 "+a.bound[0].ap, "udp6 "+a.bound[1].ap)
	s2 := scan(t, sc)
	evs := Diff(s1, s2)
	for i, bs := range b.bound {
		ch := eventsFor(evs, OwnerChanged, bs)
		if len(ch) != 1 {
			t.Errorf("%s %s: owner_changed events %v in %v", bs.network, bs.ap, ch, evs)
			continue
		}
		if ch[0].Previous == nil || ch[0].Previous.PID != a.pid || ch[0].Listener.PID != b.pid {
			t.Errorf("%s: owner change %+v, want pid %d -> %d", a.bound[i].ap, ch[0], a.pid, b.pid)
		}
	}
}

// A child killed between enumeration and attribution: its sockets were
// enumerated but no process holds them any more, and they are gone when the
// scanner asks again, so the scan leaves them out.
func TestScannerChildExitsBeforeAttribution(t *testing.T) {
	sc := NewScanner()
	defer sc.Close()
	scan(t, sc)
	c := startChild(t, "tcp4 127.0.0.1:0", "udp4 127.0.0.1:0")
	sc.afterEnumerate = c.kill
	snap := scan(t, sc)
	sc.afterEnumerate = nil
	for _, b := range c.bound {
		if ls := findBound(snap, b); len(ls) != 0 {
			t.Errorf("%s: a socket closed during the scan, listed as %+v", b.ap, ls)
		}
	}
	next := scan(t, sc)
	for _, b := range c.bound {
		if ls := findBound(next, b); len(ls) != 0 {
			t.Errorf("%s still listed after its owner died: %+v", b.ap, ls)
		}
	}
}

// A child killed between attribution and the reading of its facts.
func TestScannerChildExitsBeforeFacts(t *testing.T) {
	sc := NewScanner()
	defer sc.Close()
	c := startChild(t, "tcp6 [::1]:0")
	sc.afterAttribute = c.kill
	snap := scan(t, sc)
	sc.afterAttribute = nil
	ls := findBound(snap, c.bound[0])
	if len(ls) != 1 || ls[0].PID != c.pid || ls[0].OwnerHidden {
		t.Fatalf("listener of a process that exited mid-scan: %+v, want pid %d", ls, c.pid)
	}
	if ls := findBound(scan(t, sc), c.bound[0]); len(ls) != 0 {
		t.Errorf("still listed after its owner died: %+v", ls)
	}
}

// Children that bind and exit while scans run: no scan fails.
func TestScannerChurn(t *testing.T) {
	sc := NewScanner()
	defer sc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	exe := testExe(t)
	var wg sync.WaitGroup
	children := make([]int, 2)
	for w := range children {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				cmd := exec.Command(exe)
				cmd.Env = append(os.Environ(), roleEnv+"=child")
				cmd.Stdin = strings.NewReader("bind tcp4 127.0.0.1:0\nbind udp6 [::1]:0\nexit\n")
				if out, err := cmd.Output(); err != nil || strings.Count(string(out), "bound ") != 2 {
					t.Errorf("churn child: %v, output %q", err, out)
					return
				}
				children[w]++
			}
		}()
	}
	scans := 0
	for ctx.Err() == nil {
		if _, err := sc.Scan(context.Background()); err != nil {
			t.Errorf("scan %d during churn: %v", scans, err)
		}
		scans++
	}
	wg.Wait()
	if scans < 10 || children[0] == 0 || children[1] == 0 {
		t.Errorf("only %d scans and %v children in 2 s", scans, children)
	}
	t.Logf("%d scans while %d children bound two sockets each and exited", scans, children[0]+children[1])
}

// The watch loop over the real scanner: a baseline, then the events of a
// child binding and closing.
func TestWatchRealScanner(t *testing.T) {
	sc := NewScanner()
	defer sc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var c *child
	var b boundSocket
	step := 0
	err := Watch(ctx, sc, 50*time.Millisecond, func(s Snapshot, evs []Event) {
		switch step {
		case 0: // baseline
			if evs != nil {
				t.Errorf("baseline with events %v", evs)
			}
			c = startChild(t)
			b = c.bind("tcp6 [::1]:0")
			step++
		case 1:
			if e := eventsFor(evs, Opened, b); len(e) != 1 || e[0].Listener.PID != c.pid {
				t.Errorf("want opened by %d, got %v", c.pid, evs)
			}
			c.closeAll()
			step++
		case 2:
			if e := eventsFor(evs, Closed, b); len(e) != 1 {
				t.Errorf("want closed, got %v", evs)
			}
			step++
			cancel()
		}
	}, OnScanError(func(err error) { t.Errorf("scan: %v", err) }))
	if step != 3 || !errors.Is(err, context.Canceled) {
		t.Errorf("watch ended at step %d with %v", step, err)
	}
}

// A process that binds and then execs another program keeps its pid and
// start time: the scanner must notice the new executable.
func TestScannerSeesExec(t *testing.T) {
	sleep, err := filepath.EvalSymlinks("/bin/sleep")
	if err != nil {
		t.Fatalf("this test execs /bin/sleep (coreutils): %v", err)
	}
	sc := NewScanner()
	defer sc.Close()
	c := startChild(t, "tcp4 127.0.0.1:0")
	first := scan(t, sc)
	if ls := findBound(first, c.bound[0]); len(ls) != 1 || ls[0].Exe != testExe(t) {
		t.Fatalf("before exec: %+v", ls)
	}
	c.send("exec /bin/sleep", "exec")
	prev := first
	for i := 0; i < 500; i++ {
		next := scan(t, sc)
		ls := findBound(next, c.bound[0])
		if len(ls) != 1 || ls[0].PID != c.pid {
			t.Fatalf("after exec: %+v, want pid %d", ls, c.pid)
		}
		if ls[0].Exe == sleep {
			if evs := eventsFor(Diff(prev, next), OwnerChanged, c.bound[0]); len(evs) != 1 {
				t.Errorf("exe changed without an owner_changed event")
			}
			t.Logf("exec seen after %d scans", i+1)
			return
		}
		prev = next
	}
	t.Fatalf("exec into %s not seen after 500 scans", sleep)
}
