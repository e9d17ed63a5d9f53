package monitor

import (
	"context"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"portlight/internal/rawsys"
)

// NetlinkSource enumerates listening sockets with NETLINK_SOCK_DIAG inet_diag
// dumps in which the kernel filters by state: the cost follows the number of
// listeners, not of connections or processes. One netlink socket and one
// receive buffer are reused across calls.
type NetlinkSource struct {
	mu   sync.Mutex
	fd   int  // -1 when closed or not yet opened
	warm bool // a dump has succeeded on fd: the diag modules are loaded
	nl   diagDumper
	out  []Socket
}

// NewNetlinkSource returns a source that opens its netlink socket on first use.
func NewNetlinkSource() *NetlinkSource {
	return &NetlinkSource{fd: -1, nl: diagDumper{sctpLoaded: sctpLoaded}}
}

// sctpLoaded reports whether the kernel's sctp module is loaded: it makes
// /proc/net/sctp. One stat, at most once a minute while it is absent.
func sctpLoaded() bool {
	_, err := os.Stat("/proc/net/sctp")
	return err == nil
}

// netlinkFD adapts a raw netlink socket to nlConn without allocating, with
// raw system calls (package rawsys): the kernel queues a dump's reply as
// it is asked, so a read does not wait.
type netlinkFD int

func (f netlinkFD) Write(b []byte) (int, error) { return rawsys.Write(int(f), b) }
func (f netlinkFD) Read(b []byte) (int, error)  { return rawsys.Read(int(f), b) }

// coldFD is netlinkFD with ordinary system calls, for a new socket's first
// dump: the kernel may then load its diag modules (running modprobe and
// waiting for it), which a raw call must not wait for.
type coldFD int

func (f coldFD) Write(b []byte) (int, error) { return unix.Write(int(f), b) }
func (f coldFD) Read(b []byte) (int, error)  { return unix.Read(int(f), b) }

func (s *NetlinkSource) open() error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return fmt.Errorf("open NETLINK_SOCK_DIAG socket: %w", err)
	}
	// A dump is answered at once; the timeout only guards against a kernel
	// that never answers, so a scan cannot hang forever (once the socket
	// is warm its reads are raw: such a kernel would then hold a processor
	// for those 5 s).
	tv := unix.Timeval{Sec: 5}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return fmt.Errorf("set netlink receive timeout: %w", err)
	}
	s.fd = fd
	return nil
}

// Sockets returns the TCP listeners, unconnected bound UDP sockets and (where
// the kernel has SCTP) listening SCTP endpoints of both address families. The slice is reused: it is valid until the next call.
// After an error the netlink socket is closed, so the next call starts clean
// instead of reading the remains of an aborted dump.
func (s *NetlinkSource) Sockets(ctx context.Context) ([]Socket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		if err := s.open(); err != nil {
			return nil, err
		}
	}
	var conn nlConn = netlinkFD(s.fd)
	if !s.warm {
		conn = coldFD(s.fd)
	}
	out, err := s.nl.dump(conn, s.out[:0])
	s.out = out
	if err != nil {
		s.closeLocked()
		return nil, err
	}
	s.warm = true
	return out, nil
}

// Close closes the netlink socket. The source may be used again afterwards;
// it then opens a new socket.
func (s *NetlinkSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeLocked()
}

func (s *NetlinkSource) closeLocked() error {
	if s.fd < 0 {
		return nil
	}
	err := unix.Close(s.fd)
	s.fd, s.warm = -1, false
	if err != nil {
		return fmt.Errorf("close netlink socket: %w", err)
	}
	return nil
}

// NewPlatformSource returns the best Source for this OS: netlink inet_diag,
// falling back to /proc/net when netlink fails.
func NewPlatformSource() Source {
	return &FallbackSource{Primary: NewNetlinkSource(), Fallback: &ProcNetSource{}}
}
