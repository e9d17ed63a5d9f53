// Package monitor enumerates the machine's listening sockets, attributes each to
// the process that owns it, and turns successive snapshots into events.
//
// Nothing here imports a GUI toolkit: the tray app, the windows and the headless
// CLI all consume this package through its small types.
package monitor

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"
)

// Proto is a transport protocol: "tcp", "udp" or "sctp" (listed where the
// kernel has SCTP).
type Proto string

// Transport protocols reported by a Source.
const (
	TCP Proto = "tcp"
	UDP Proto = "udp"
	// SCTP endpoints are listed where the kernel's sctp module is loaded.
	SCTP Proto = "sctp"
)

// ParseProto reads a protocol a person typed ("tcp", "UDP", "sctp"); false
// for anything else.
func ParseProto(s string) (Proto, bool) {
	if p := Proto(strings.ToLower(strings.TrimSpace(s))); p.Known() {
		return p, true
	}
	return "", false
}

// Known reports whether p is one of the protocols a Source lists, spelled
// as it spells them.
func (p Proto) Known() bool { return p == TCP || p == UDP || p == SCTP }

// Family is an address family: "ipv4" or "ipv6".
type Family string

// Address families.
const (
	IPv4 Family = "ipv4"
	IPv6 Family = "ipv6"
)

// Exposure says who can reach a listener: only this computer, or the network.
type Exposure string

// Exposures.
const (
	Loopback Exposure = "loopback"
	Network  Exposure = "network"
)

// Socket is what a Source knows of one listening TCP socket or unconnected bound
// UDP socket, straight from the kernel: no process facts yet.
type Socket struct {
	Proto   Proto
	Family  Family
	Address netip.Addr
	Port    uint16
	// Inode is the socket's inode number (0 when the source cannot tell).
	Inode uint64
	// UID is the socket owner's user id as the kernel records it.
	UID uint32
	// PID is set by sources that report the owner directly (gopsutil on macOS
	// and Windows); 0 when the owner must be found by attribution.
	PID int32
	// NetNS is the network namespace's inode for a socket of another
	// namespace than the host's; 0 for the host's.
	NetNS uint64
}

// Key identifies a listening endpoint across scans: protocol, address and
// port, and the network namespace when it is not the host's. Two snapshots'
// sockets with the same key are the same listener.
func (s Socket) Key() string {
	k := fmt.Sprintf("%s %s", s.Proto, netip.AddrPortFrom(s.Address, s.Port))
	if s.NetNS != 0 {
		k += nsKeySuffix(s.NetNS)
	}
	return k
}

// nsKeySuffix tells an inner namespace's endpoint from the host's same
// address and port; host keys have none, so they are what they always were.
func nsKeySuffix(ns uint64) string { return fmt.Sprintf(" net:[%d]", ns) }

// ExposureOf classifies a bound address: loopback addresses (127.0.0.0/8, ::1,
// and IPv4-mapped loopback) reach only this computer; anything else, the wildcard
// addresses 0.0.0.0 and :: included, is reachable from the network.
func ExposureOf(a netip.Addr) Exposure {
	if a.Unmap().IsLoopback() {
		return Loopback
	}
	return Network
}

// Process holds the facts about a socket's owning process.
type Process struct {
	PID int32 `json:"pid"`
	// Exe is the resolved executable path ("" when it cannot be read).
	Exe     string `json:"exe"`
	Name    string `json:"name"`
	User    string `json:"user"`
	Cmdline string `json:"cmdline"`
	// StartTime is when the process started (zero when unknown).
	StartTime time.Time `json:"start_time,omitzero"`
	// PPID is the parent's pid (0 when unknown).
	PPID int32 `json:"ppid,omitempty"`
	// Argv is the command line as its list of arguments, bounded in count
	// and size (see Cmdline for the flat form).
	Argv []string `json:"argv,omitempty"`
	// Cwd is the process's working directory ("" when unreadable).
	Cwd string `json:"cwd,omitempty"`
	// Script is, for an interpreter, the absolute path of the script it
	// runs, resolved against Cwd ("" when none, or code on the command line).
	Script string `json:"script,omitempty"`
	// Identity is the running executable as a file: device, inode and what
	// became of its path.
	Identity ExeIdentity `json:"exe_identity"`
}

// Listener is one listening socket with its owner, as reported by a scan.
// Its JSON field names are a public interface (see README): keep them stable.
type Listener struct {
	Proto    Proto    `json:"proto"`
	Family   Family   `json:"family"`
	Address  string   `json:"address"`
	Port     uint16   `json:"port"`
	Exposure Exposure `json:"exposure"`
	Inode    uint64   `json:"inode"`
	UID      uint32   `json:"uid"`
	// OwnerHidden is true when the socket's owning process could not be seen,
	// typically another user's process while running unprivileged. The socket
	// is still reported, with its uid.
	OwnerHidden bool `json:"owner_hidden"`
	// SelfHidden is true when the owner is hidden although the socket
	// belongs to Portlight's own user: one of the user's own programs made
	// itself unreadable (non-dumpable), which ordinary programs do not do.
	SelfHidden bool `json:"owner_self_hidden,omitempty"`
	// Holders lists every process that holds the socket (inherited by a
	// child, passed over a Unix socket, shared by SO_REUSEPORT workers),
	// the owner in Process first. Empty when the owner is hidden.
	Holders []Process `json:"holders,omitempty"`
	// Namespace is the network namespace the socket is in; left out of
	// JSON for the host's.
	Namespace Namespace `json:"namespace,omitzero"`
	// Container is the container that namespace belongs to, when its
	// members' cgroup says (nil for the host and when unknown).
	Container *Container `json:"container,omitempty"`
	// ForwardedTo is set on a forwarder's host listener (docker-proxy,
	// pasta, slirp4netns, rootlessport): where it carries connections.
	ForwardedTo *Forward `json:"forwarded_to,omitempty"`
	// Forwarder is set on a listener of another namespace that a host
	// forwarder reaches: how it is reached from the host.
	Forwarder *Forward `json:"forwarder,omitempty"`
	// Forwarders are every host forwarder that reaches it, Forwarder
	// first: a container is often forwarded on both 0.0.0.0 and ::, or on
	// several host ports. JSON shows Forwarder; an assessment's
	// reach_through names the widest-reaching one.
	Forwarders []Forward `json:"-"`
	// Published is set when a container engine publishes this host port
	// for a container: on the forwarder's listener (docker-proxy,
	// rootlessport) that serves it, or on an entry of its own, with no
	// process and NAT set, when only the engine's NAT rules do.
	Published *Published `json:"published,omitempty"`
	Process
}

// Key identifies the listening endpoint (protocol, address, port, and the
// namespace when not the host's); see Socket.Key.
func (l Listener) Key() string {
	var k string
	if a, err := netip.ParseAddr(l.Address); err != nil {
		k = fmt.Sprintf("%s %s:%d", l.Proto, l.Address, l.Port)
	} else {
		k = fmt.Sprintf("%s %s", l.Proto, netip.AddrPortFrom(a, l.Port))
	}
	if l.Namespace.Inner() {
		k += nsKeySuffix(l.Namespace.ID)
	}
	return k
}

// netnsKey is the namespace part of a listener's identity: 0 for the host.
func (l *Listener) netnsKey() uint64 {
	if l.Namespace.Inner() {
		return l.Namespace.ID
	}
	return 0
}

// SameOwner reports whether two listeners belong to the same owner: the same
// process (pid and start time) or, when either is hidden, the same uid.
func (l Listener) SameOwner(o Listener) bool {
	if l.OwnerHidden || o.OwnerHidden {
		return l.OwnerHidden == o.OwnerHidden && l.UID == o.UID
	}
	return l.PID == o.PID && l.Exe == o.Exe && l.StartTime.Equal(o.StartTime)
}

// Snapshot is the set of listeners seen by one scan. Its Listeners are
// read-only: a Scanner hands the same slice out again while nothing changes
// (and Diff then knows at once that nothing did).
type Snapshot struct {
	Time      time.Time
	Listeners []Listener
}

// Sort orders the listeners by port, protocol, address and namespace, for stable output.
func (s *Snapshot) Sort() {
	sort.Slice(s.Listeners, func(i, j int) bool {
		a, b := s.Listeners[i], s.Listeners[j]
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		if a.Proto != b.Proto {
			return a.Proto < b.Proto
		}
		if a.Address != b.Address {
			return a.Address < b.Address
		}
		return a.netnsKey() < b.netnsKey()
	})
}

// EventKind says what happened to a listener between two scans.
type EventKind string

// Event kinds.
const (
	Opened       EventKind = "opened"
	Closed       EventKind = "closed"
	OwnerChanged EventKind = "owner_changed"
)

// Event is one change between two snapshots. For OwnerChanged, Previous holds
// the listener as it was before.
type Event struct {
	Kind     EventKind `json:"event"`
	Time     time.Time `json:"time"`
	Listener Listener  `json:"listener"`
	Previous *Listener `json:"previous,omitempty"`
}
