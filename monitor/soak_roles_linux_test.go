package monitor

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The churn soak (soak_test.go) runs two kinds of processes made from the
// test binary. They are selected by soakRoleEnv in an init function, before
// TestMain, so the soak needs nothing from TestMain's own role switch.
const soakRoleEnv = "PORTLIGHT_SOAK_ROLE"

// Settings passed to the soak's processes.
const (
	soakIntervalEnv = "PORTLIGHT_SOAK_INTERVAL" // the watch interval, a Go duration
	soakPortsEnv    = "PORTLIGHT_SOAK_PORTS"    // "LO HI": the worker's (or all workers') ports, HI excluded
	soakOpsEnv      = "PORTLIGHT_SOAK_OPS"      // listener opens the worker makes before it exits
	soakRateEnv     = "PORTLIGHT_SOAK_RATE"     // opens per second the worker aims at
	soakStartEnv    = "PORTLIGHT_SOAK_START"    // where in its port block the worker starts
)

func init() {
	switch os.Getenv(soakRoleEnv) {
	case "":
		return
	case "worker":
		os.Exit(runSoakWorker())
	case "monitor":
		os.Exit(runSoakMonitor())
	default:
		fmt.Fprintln(os.Stderr, "unknown soak role", os.Getenv(soakRoleEnv))
		os.Exit(2)
	}
}

func envInt(name string) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		fmt.Fprintf(os.Stderr, "soak: %s=%q: %v\n", name, os.Getenv(name), err)
		os.Exit(2)
	}
	return n
}

func envPorts() (lo, hi int) {
	f := strings.Fields(os.Getenv(soakPortsEnv))
	if len(f) != 2 {
		fmt.Fprintf(os.Stderr, "soak: %s=%q\n", soakPortsEnv, os.Getenv(soakPortsEnv))
		os.Exit(2)
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || lo <= 0 || hi <= lo || hi > 65536 {
		fmt.Fprintf(os.Stderr, "soak: %s=%q\n", soakPortsEnv, os.Getenv(soakPortsEnv))
		os.Exit(2)
	}
	return lo, hi
}

func envInterval() time.Duration {
	d, err := time.ParseDuration(os.Getenv(soakIntervalEnv))
	if err != nil || d <= 0 {
		fmt.Fprintf(os.Stderr, "soak: %s=%q\n", soakIntervalEnv, os.Getenv(soakIntervalEnv))
		os.Exit(2)
	}
	return d
}

// soakKinds are the four kinds of socket a worker cycles through.
var soakKinds = [4]struct {
	proto Proto
	fam   Family
}{{TCP, IPv4}, {UDP, IPv6}, {TCP, IPv6}, {UDP, IPv4}}

// openSoakSocket binds a loopback listener (TCP, listening) or bound UDP
// socket on port and returns its fd and inode. The listeners never accept a
// connection, so closing them leaves no TIME_WAIT behind (SO_LINGER would
// change nothing).
func openSoakSocket(proto Proto, fam Family, port int) (int, uint64, error) {
	typ := unix.SOCK_STREAM
	if proto == UDP {
		typ = unix.SOCK_DGRAM
	}
	dom, sa := unix.AF_INET, unix.Sockaddr(&unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
	if fam == IPv6 {
		dom, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: port, Addr: [16]byte{15: 1}}
	}
	fd, err := unix.Socket(dom, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, 0, fmt.Errorf("socket: %w", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, 0, fmt.Errorf("bind %d: %w", port, err)
	}
	if proto == TCP {
		if err := unix.Listen(fd, 4); err != nil {
			unix.Close(fd)
			return -1, 0, fmt.Errorf("listen %d: %w", port, err)
		}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, 0, fmt.Errorf("fstat: %w", err)
	}
	return fd, st.Ino, nil
}

// soakHeld is a socket a worker keeps open until due.
type soakHeld struct {
	fd      int
	tracked bool
	kind    int
	port    int
	inode   uint64
	open    time.Time
	due     time.Time
}

// runSoakWorker opens PORTLIGHT_SOAK_OPS listeners on loopback, cycling
// through its port block, at about PORTLIGHT_SOAK_RATE per second. One in
// soakTrackEvery is tracked: it is kept open 2.5 to 4 intervals, and on
// closing it the worker prints
//
//	T proto family port inode open_unix_ns close_unix_ns
//
// The others are short-lived: kept open less than one interval (half of them
// closed at once), so a scan may or may not see them. When done, the worker
// prints "D opens closes bind_failures" and exits.
func runSoakWorker() int {
	interval := envInterval()
	lo, hi := envPorts()
	ops := envInt(soakOpsEnv)
	rate := envInt(soakRateEnv)
	next := lo + envInt(soakStartEnv)%(hi-lo)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()

	var held []soakHeld
	opens, closes, fails := 0, 0, 0
	closeDue := func(now time.Time, all bool) {
		n := 0
		for _, h := range held {
			if !all && now.Before(h.due) {
				held[n] = h
				n++
				continue
			}
			at := time.Now()
			unix.Close(h.fd)
			closes++
			if h.tracked {
				k := soakKinds[h.kind]
				fmt.Fprintf(out, "T %s %s %d %d %d %d\n", k.proto, k.fam, h.port, h.inode, h.open.UnixNano(), at.UnixNano())
			}
		}
		held = held[:n]
	}
	t := time.NewTicker(time.Second / time.Duration(max(rate, 1)))
	defer t.Stop()
	for opens < ops {
		now := time.Now()
		closeDue(now, false)
		// One open per tick; a busy port is skipped for the next.
		for opened := false; !opened && opens < ops; {
			port := next
			if next++; next == hi {
				next = lo
			}
			kind := (opens + fails) % len(soakKinds)
			k := soakKinds[kind]
			fd, ino, err := openSoakSocket(k.proto, k.fam, port)
			if err != nil {
				// Another program holds this port: skip it. Too many
				// failures means the block is not free at all.
				if fails++; fails > ops/10+100 {
					fmt.Fprintf(os.Stderr, "soak worker: %d binds failed, last: %v\n", fails, err)
					return 1
				}
				continue
			}
			opens++
			opened = true
			h := soakHeld{fd: fd, kind: kind, port: port, inode: ino, open: time.Now()}
			switch {
			case opens%soakTrackEvery == 0:
				h.tracked = true
				h.due = h.open.Add(interval*5/2 + rand.N(interval*3/2))
			case opens%2 == 0:
				h.due = h.open.Add(rand.N(interval))
			default:
				unix.Close(fd)
				closes++
				continue
			}
			held = append(held, h)
		}
		if out.Buffered() > 0 {
			out.Flush()
		}
		<-t.C
	}
	for len(held) > 0 {
		closeDue(time.Now(), false)
		out.Flush()
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintf(out, "D %d %d %d\n", opens, closes, fails)
	return 0
}

// soakTrackEvery: one open in this many is a tracked listener.
const soakTrackEvery = 8

// timedScanner reports the wall-clock window of each successful scan, inside
// which the scanner enumerated the sockets.
type timedScanner struct {
	sc   *Scanner
	emit func(format string, args ...any)
}

func (t timedScanner) Scan(ctx context.Context) (Snapshot, error) {
	t0 := time.Now()
	snap, err := t.sc.Scan(ctx)
	if err == nil {
		t.emit("S %d %d %d\n", t0.UnixNano(), time.Now().UnixNano(), len(snap.Listeners))
	}
	return snap, err
}

// runSoakMonitor runs the real Scanner in the watch loop at
// PORTLIGHT_SOAK_INTERVAL until its stdin closes, and prints
//
//	S start_ns end_ns listeners           each successful scan
//	E kind proto port inode pid hidden prev_inode prev_pid
//	                                      each event in PORTLIGHT_SOAK_PORTS
//	X error                               each failed scan
//	M heap_bytes rss_bytes goroutines     answering "mem" on stdin
//
// Only this process runs the monitor, so its memory is the monitor's.
func runSoakMonitor() int {
	interval := envInterval()
	lo, hi := envPorts()
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	emit := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format, args...)
		out.Flush()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sc := NewScanner()
	defer sc.Close()
	go func() {
		done <- Watch(ctx, timedScanner{sc, emit}, interval, func(_ Snapshot, evs []Event) {
			mu.Lock()
			defer mu.Unlock()
			for _, e := range evs {
				l := e.Listener
				if int(l.Port) < lo || int(l.Port) >= hi {
					continue
				}
				var pi uint64
				var pp int32
				if e.Previous != nil {
					pi, pp = e.Previous.Inode, e.Previous.PID
				}
				fmt.Fprintf(out, "E %s %s %d %d %d %t %d %d\n", e.Kind, l.Proto, l.Port, l.Inode, l.PID, l.OwnerHidden, pi, pp)
				if e.Previous != nil && pi == l.Inode {
					// The same socket changed owner: say from what to what.
					p := e.Previous
					fmt.Fprintf(out, "F %d: pid %d exe %q start %d hidden %t -> pid %d exe %q start %d hidden %t\n", l.Inode,
						p.PID, p.Exe, p.StartTime.UnixNano(), p.OwnerHidden, l.PID, l.Exe, l.StartTime.UnixNano(), l.OwnerHidden)
				}
			}
			out.Flush()
		}, OnScanError(func(err error) { emit("X %s\n", strings.ReplaceAll(err.Error(), "\n", " ")) }))
	}()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "mem" {
			heap, rss := soakMemory()
			emit("M %d %d %d\n", heap, rss, runtime.NumGoroutine())
		}
	}
	cancel()
	<-done
	return 0
}

// soakMemory returns the live Go heap after a collection and the process's
// resident set size, after returning freed memory to the system.
func soakMemory() (heap, rss uint64) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, readRSS()
}

// readRSS returns VmRSS from /proc/self/status in bytes (0 if unreadable).
func readRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				n, _ := strconv.ParseUint(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}
