package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// Faults the monitor must survive without failing a scan or losing a socket:
// a monitor that stops or misses a listener under churn is worse than none.
// The existing tests cover a dump interrupted a few times
// (retried), a generic netlink failure (fallback), and processes killed
// between enumeration and attribution and between attribution and facts;
// these add the rest.

// intrSource speaks the real dump protocol to a kernel stand-in that flags
// every reply NLM_F_DUMP_INTR, as under endless socket churn.
type intrSource struct {
	calls int
}

func (s *intrSource) Sockets(context.Context) ([]Socket, error) {
	s.calls++
	f := fakeWorld()
	for i := range diagQueries {
		f.intr[i] = 1 << 20
	}
	var d diagDumper
	return d.dump(f, nil)
}

// A dump interrupted on every attempt gives up after maxDumpAttempts, and the
// scan is answered from /proc/net, with every socket still attributed; the
// next scan tries netlink again.
func TestScannerFallsBackOnEndlessDumpIntr(t *testing.T) {
	c := startChild(t, allSpecs...)
	primary := &intrSource{}
	src := &FallbackSource{Primary: primary, Fallback: &ProcNetSource{}}
	sc := NewScanner(WithSource(src))
	defer sc.Close()
	for i := 1; i <= 2; i++ {
		before := primary.calls
		snap := scan(t, sc)
		// A scan may enumerate twice (see Scanner.dropVanished).
		if n := primary.calls - before; !errors.Is(src.PrimaryErr(), errDumpInterrupted) || n == 0 || n > 2 {
			t.Fatalf("scan %d: primary called %d times, error %v, want errDumpInterrupted", i, n, src.PrimaryErr())
		}
		for _, b := range c.bound {
			if ls := findBound(snap, b); len(ls) != 1 || ls[0].PID != c.pid {
				t.Errorf("scan %d: %s %s from /proc/net: %+v, want pid %d", i, b.network, b.ap, ls, c.pid)
			}
		}
	}
}

// A netlink socket that breaks fails one call (answered from /proc/net by
// the platform source); the next call opens a new netlink socket and works.
func TestNetlinkSourceRecovers(t *testing.T) {
	c := startChild(t, "tcp4 127.0.0.1:0", "udp6 [::1]:0")
	nl := NewNetlinkSource()
	defer nl.Close()
	if _, err := nl.Sockets(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Swap the netlink socket for a UDP one: the request cannot be sent.
	bad, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	nl.mu.Lock()
	unix.Close(nl.fd)
	nl.fd = bad
	nl.mu.Unlock()
	src := &FallbackSource{Primary: nl, Fallback: &ProcNetSource{}}
	first := sockets(t, src)
	if src.PrimaryErr() == nil {
		t.Fatal("the broken netlink socket answered")
	}
	if nl.fd != -1 {
		t.Errorf("the broken socket was kept (fd %d)", nl.fd)
	}
	second := sockets(t, src)
	if err := src.PrimaryErr(); err != nil {
		t.Fatalf("netlink did not recover: %v", err)
	}
	for _, b := range c.bound {
		if !containsBound(first, b) || !containsBound(second, b) {
			t.Errorf("%s %s: in the fallback's answer %v, in the recovered netlink's %v", b.network, b.ap,
				containsBound(first, b), containsBound(second, b))
		}
	}
}

// staticSource returns fixed sockets.
type staticSource []Socket

func (s staticSource) Sockets(context.Context) ([]Socket, error) { return s, nil }

// fakeProc is a /proc tree in a temporary directory: loadavg, and per pid a
// stat file and an fd directory of symbolic links, so entries can be made to
// vanish at will.
type fakeProc struct {
	t    *testing.T
	root string
}

func newFakeProc(t *testing.T, lastPid int) *fakeProc {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "loadavg"), []byte(fmt.Sprintf("0.00 0.00 0.00 1/100 %d\n", lastPid)), 0o644); err != nil {
		t.Fatal(err)
	}
	return &fakeProc{t, root}
}

// process adds pid with the given stat content ("" for none) and socket fds.
func (p *fakeProc) process(pid int, stat string, fds map[int]uint64) {
	dir := filepath.Join(p.root, strconv.Itoa(pid))
	if err := os.MkdirAll(filepath.Join(dir, "fd"), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if stat != "" {
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
	for fd, ino := range fds {
		if err := os.Symlink(fmt.Sprintf("socket:[%d]", ino), filepath.Join(dir, "fd", strconv.Itoa(fd))); err != nil {
			p.t.Fatal(err)
		}
	}
}

func (p *fakeProc) remove(rel string) {
	if err := os.RemoveAll(filepath.Join(p.root, rel)); err != nil {
		p.t.Fatal(err)
	}
}

// /proc entries that vanish: a process whose fd directory is gone, one whose
// stat is gone (it exited while being read), a socket whose fd is closed
// between two scans, a whole process directory removed. No scan fails, no
// socket is dropped; owners that vanished become hidden.
func TestScannerVanishingProcEntries(t *testing.T) {
	self := os.Getpid()
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	// A pid that exists in the fake /proc only (the facts come from the real
	// one, where it must be absent).
	gone := 4_000_000 + self%100_000
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", gone)); err == nil {
		t.Fatalf("pid %d exists; the test needs a free pid", gone)
	}
	p := newFakeProc(t, max(self, gone)+1)
	lo := netip.MustParseAddr("127.0.0.1")
	socks := staticSource{
		{Proto: TCP, Family: IPv4, Address: lo, Port: 1001, Inode: 900001},
		{Proto: TCP, Family: IPv4, Address: lo, Port: 1002, Inode: 900002},
		{Proto: UDP, Family: IPv4, Address: lo, Port: 1003, Inode: 900003},
		{Proto: TCP, Family: IPv4, Address: lo, Port: 1004, Inode: 900004},
	}
	p.process(self, string(stat), map[int]uint64{5: 900001, 6: 900004})
	p.process(gone, "", map[int]uint64{3: 900002}) // stat gone: exited mid-read
	p.process(12345, "", nil)
	p.remove("12345/fd") // listed, but its fd directory vanished
	sc := NewScanner(WithSource(socks))
	sc.attr = newProcAttributor(p.root, 0)
	defer sc.Close()

	byPort := func(s Snapshot) map[uint16]Listener {
		m := map[uint16]Listener{}
		for _, l := range s.Listeners {
			m[l.Port] = l
		}
		return m
	}
	first := byPort(scan(t, sc))
	if len(first) != 4 {
		t.Fatalf("first scan: %d listeners, want 4: %v", len(first), first)
	}
	if l := first[1001]; l.PID != int32(self) || l.OwnerHidden || l.Exe == "" {
		t.Errorf("socket of this process: %+v", l)
	}
	if l := first[1002]; l.PID != int32(gone) || l.OwnerHidden || l.Exe != "" {
		t.Errorf("socket of a process that exited mid-read: %+v, want pid %d without facts", l, gone)
	}
	if l := first[1003]; !l.OwnerHidden || l.PID != 0 {
		t.Errorf("socket with no owner: %+v", l)
	}

	// fd 5 is closed and the exited process's directory disappears.
	p.remove(filepath.Join(strconv.Itoa(self), "fd", "5"))
	p.remove(strconv.Itoa(gone))
	// A scanner may keep a vanished owner for one more scan (the socket is
	// most often closing), but the socket stays listed and is hidden by
	// the scan after.
	scan(t, sc)
	second := byPort(scan(t, sc))
	if len(second) != 4 {
		t.Fatalf("third scan: %d listeners, want 4", len(second))
	}
	for _, port := range []uint16{1001, 1002, 1003} {
		if l := second[port]; !l.OwnerHidden || l.PID != 0 {
			t.Errorf("port %d two scans after its owner vanished: %+v, want hidden", port, l)
		}
	}
	if l := second[1004]; l.PID != int32(self) || l.OwnerHidden {
		t.Errorf("the socket still held: %+v", l)
	}

	// The whole /proc tree of this process goes too.
	p.remove(strconv.Itoa(self))
	scan(t, sc)
	third := byPort(scan(t, sc))
	if l := third[1004]; len(third) != 4 || !l.OwnerHidden {
		t.Errorf("third scan: %d listeners, :1004 %+v", len(third), l)
	}
}
