package testrig

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// WorldSize is the shape of a benchmark world.
type WorldSize struct {
	Procs     int // idle processes in all, holders included
	Listeners int // half TCP, half UDP; half 127.0.0.1, half ::1
	Conns     int // established loopback TCP connections
}

// The busy desktop the scanning costs were measured in (docs/scanning.md),
// and a quick one.
var (
	FullWorld  = WorldSize{Procs: 500, Listeners: 200, Conns: 20000}
	SmallWorld = WorldSize{Procs: 50, Listeners: 20, Conns: 1000}
)

// BenchWorldSize is FullWorld, or SmallWorld when PORTLIGHT_BENCH_SMALL=1.
func BenchWorldSize() WorldSize {
	if os.Getenv("PORTLIGHT_BENCH_SMALL") == "1" {
		return SmallWorld
	}
	return FullWorld
}

const (
	listenersPerHolder = 10
	// connsPerHolder keeps each holder at 4,000 fds, well under the hard
	// limit of 20,000 open files per process.
	connsPerHolder = 2000
	hubs           = 4
)

// World is a bounded, loopback-only set of processes, listeners and
// connections. Every process it starts is a /bin/sleep holding some of the
// sockets (passed as extra files), dies with the benchmark (Pdeathsig) and
// is killed by close.
type World struct {
	Size      WorldSize
	Ports     []uint16      // the listeners' ports
	Built     time.Duration // how long building took
	procs     []*exec.Cmd
	listeners []listenerFD // the parent's copies, closed once handed over
}

type listenerFD struct {
	fd   int
	udp  bool
	port uint16
}

// BuildWorld builds a world of the given size; it is torn down at cleanup.
// Building the full one takes seconds and needs some 41,000 descriptors,
// spread over processes (the hard limit is 20,000 per process).
func BuildWorld(tb testing.TB, size WorldSize) *World {
	tb.Helper()
	w := &World{Size: size}
	tb.Cleanup(w.close)
	start := time.Now()
	if err := w.build(); err != nil {
		tb.Fatalf("build world: %v", err)
	}
	w.Built = time.Since(start)
	return w
}

func (w *World) build() error {
	low, err := EphemeralLow()
	if err != nil {
		return err
	}
	// Listeners below the ephemeral range, so that no connection's local
	// port can collide with them.
	port := low - 12000
	for len(w.listeners) < w.Size.Listeners {
		if port >= low {
			return errors.New("no free ports below the ephemeral range")
		}
		i := len(w.listeners)
		udp := i%2 == 1
		fam, addr := unix.AF_INET, unix.Sockaddr(&unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
		if (i/2)%2 == 1 {
			fam, addr = unix.AF_INET6, &unix.SockaddrInet6{Port: port, Addr: [16]byte{15: 1}}
		}
		// The hubs that accept the connections are the first IPv4 TCP ones.
		fd, err := BindRaw(fam, udp, addr)
		port++
		if err != nil {
			continue // in use
		}
		w.listeners = append(w.listeners, listenerFD{fd, udp, uint16(port - 1)})
	}
	var hubFDs []listenerFD
	for _, l := range w.listeners {
		if !l.udp && len(hubFDs) < hubs && l.port != 0 {
			if sa, _ := unix.Getsockname(l.fd); sa != nil {
				if _, ok := sa.(*unix.SockaddrInet4); ok {
					hubFDs = append(hubFDs, l)
				}
			}
		}
	}
	if len(hubFDs) == 0 {
		return errors.New("no IPv4 TCP listener to connect to")
	}
	for made := 0; made < w.Size.Conns; {
		n := min(connsPerHolder, w.Size.Conns-made)
		fds, err := connectBatch(hubFDs, made, n)
		if err != nil {
			return err
		}
		if err := w.spawn(fds); err != nil {
			return err
		}
		made += n
	}
	for i := 0; i < len(w.listeners); i += listenersPerHolder {
		var fds []int
		for j := i; j < min(i+listenersPerHolder, len(w.listeners)); j++ {
			fds = append(fds, w.listeners[j].fd)
			w.Ports = append(w.Ports, w.listeners[j].port)
			w.listeners[j].fd = -1 // spawn owns it now
		}
		if err := w.spawn(fds); err != nil {
			return err
		}
	}
	w.listeners = nil
	for len(w.procs) < w.Size.Procs {
		if err := w.spawn(nil); err != nil {
			return err
		}
	}
	return nil
}

// EphemeralLow returns the start of the kernel's ephemeral port range.
func EphemeralLow() (int, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, fmt.Errorf("ip_local_port_range: %q", b)
	}
	return strconv.Atoi(f[0])
}

// BindRaw binds a TCP (listening) or UDP socket of family fam to sa and
// returns its descriptor; an IPv6 one is IPv6-only.
func BindRaw(fam int, udp bool, sa unix.Sockaddr) (int, error) {
	typ := unix.SOCK_STREAM
	if udp {
		typ = unix.SOCK_DGRAM
	}
	fd, err := unix.Socket(fam, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if fam == unix.AF_INET6 {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if !udp {
		if err := unix.Listen(fd, 4096); err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	return fd, nil
}

// connectBatch makes n connections to the hubs and returns both ends of
// each, set to reset on close (SO_LINGER 0) so no TIME_WAIT outlives the
// world.
func connectBatch(hub []listenerFD, from, n int) ([]int, error) {
	fds := make([]int, 0, 2*n)
	linger := &unix.Linger{Onoff: 1, Linger: 0}
	for i := 0; i < n; i++ {
		h := hub[(from+i)%len(hub)]
		c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			closeAll(fds)
			return nil, fmt.Errorf("socket: %w", err)
		}
		fds = append(fds, c)
		if err := unix.Connect(c, &unix.SockaddrInet4{Port: int(h.port), Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			closeAll(fds)
			return nil, fmt.Errorf("connect to hub :%d (connection %d): %w", h.port, from+i, err)
		}
		s, _, err := unix.Accept4(h.fd, unix.SOCK_CLOEXEC)
		if err != nil {
			closeAll(fds)
			return nil, fmt.Errorf("accept: %w", err)
		}
		fds = append(fds, s)
		unix.SetsockoptLinger(c, unix.SOL_SOCKET, unix.SO_LINGER, linger)
		unix.SetsockoptLinger(s, unix.SOL_SOCKET, unix.SO_LINGER, linger)
	}
	return fds, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// spawn starts an idle /bin/sleep that holds fds (duplicated into it), and
// closes the parent's copies whatever happens.
func (w *World) spawn(fds []int) error {
	cmd := exec.Command("/bin/sleep", "infinity")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	for _, fd := range fds {
		cmd.ExtraFiles = append(cmd.ExtraFiles, os.NewFile(uintptr(fd), "socket"))
	}
	err := cmd.Start()
	for _, f := range cmd.ExtraFiles {
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("start /bin/sleep with %d fds: %w", len(fds), err)
	}
	w.procs = append(w.procs, cmd)
	return nil
}

// close kills every process of the world and closes what the parent holds.
func (w *World) close() {
	for _, c := range w.procs {
		c.Process.Kill()
	}
	for _, c := range w.procs {
		c.Wait()
	}
	w.procs = nil
	for _, l := range w.listeners {
		if l.fd >= 0 {
			unix.Close(l.fd)
		}
	}
	w.listeners = nil
}
