package monitor

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"
)

// attributor maps sockets to the pids that hold them; one implementation
// per OS.
type attributor interface {
	// attribute sets pids[i] to the primary holder (the owner) of socks[i],
	// or 0 when hidden.
	attribute(ctx context.Context, socks []Socket, pids []int32) error
	// holders appends to out every pid known to hold s, the primary first;
	// cheap (no system call).
	holders(s Socket, out []int32) []int32
	// holdersGen changes whenever the holders of any socket change, so a
	// scan in which it did not change need not look at holders at all.
	holdersGen() uint64
	// forget drops the cached holders of s (its owner exited mid-scan).
	forget(s Socket)
	// startKey returns a value that, with the pid, identifies one process.
	startKey(pid int32) (uint64, error)
	// exeChanged reports whether pid no longer runs the executable its
	// facts were read with (id, exe): it called execve after binding, or
	// the file's path now names another file; false when it cannot tell.
	exeChanged(pid int32, id ExeIdentity, exe string) bool
}

// namespaces lists the listeners of the network namespaces other than the
// host's (Linux only: nil elsewhere).
type namespaces interface {
	// sockets appends every other namespace's listening sockets to out,
	// each with NetNS set.
	sockets(ctx context.Context, out []Socket) []Socket
	// host is the inode of Portlight's own namespace (0 when unknown).
	host() uint64
	// container is what the cgroup of a member of namespace ino says.
	container(ino uint64) *Container
	// ofPid is the namespace of pid, 0 when it cannot be read.
	ofPid(pid int32) uint64
	// localAddrs are the addresses of namespace ino's interfaces.
	localAddrs(ino uint64) []string
	// servers are the users, besides root, whose forwarder may serve
	// namespace ino (none when it is not known).
	servers(ino uint64) []uint32
	close() error
}

// listenerKey identifies a cached Listener: one socket with one owner.
type listenerKey struct {
	proto Proto
	addr  netip.Addr
	port  uint16
	inode uint64
	uid   uint32
	pid   int32
}

// Scanner takes snapshots of the machine's listeners: the Source enumerates
// sockets, attribution finds their processes, and facts come from a cache,
// so a scan in which nothing changed reads no /proc file beyond a few
// re-checks and makes no gopsutil call. A Scanner is safe for concurrent use;
// scans are serialised.
type Scanner struct {
	mu    sync.Mutex
	src   Source
	ns    namespaces // nil: the host's namespace only
	all   []Socket   // scratch: the host's sockets and the others'
	attr  attributor
	facts *factsCache
	cache map[listenerKey]Listener
	live  map[listenerKey]bool
	pids  []int32
	exeAt int // round-robin cursor of the exe re-checks
	// gen is the attributor's holdersGen when the cached listeners' holders
	// were last brought up to date.
	gen   uint64
	hpids []int32 // scratch: one socket's holders
	// uid is Portlight's own uid, 0 when root or unknown (then a hidden
	// owner is never one of our own programs).
	uid uint32

	// Scratch of dropVanished.
	socks  []Socket
	unsure map[socketKey]bool

	// The last scan, for the still tick: when the source lists the same
	// sockets with the same owners and holders, the last snapshot's
	// listeners are the answer again (see Scan).
	lastSocks     []Socket
	lastPids      []int32
	lastListeners []Listener
	lastReusable  bool

	only *portFilter // WithPort: the one port asked about, or nil
	kept []Socket    // the sockets only keeps, reused

	// The container engines (nil: not asked), and the last merge of their
	// published ports: base listeners, ports generation, result.
	eng     *engines
	pubBase []Listener
	pubGen  uint64
	pubOut  []Listener

	// Test hooks, called between the stages of a scan.
	afterEnumerate, afterAttribute func()
}

// NewScanner returns a Scanner for this machine.
func NewScanner(opts ...Option) *Scanner {
	var c config
	for _, o := range opts {
		o(&c)
	}
	nsOn := c.source == nil
	if c.namespaces != nil {
		nsOn = *c.namespaces
	}
	engOn := c.source == nil
	if c.engines != nil {
		engOn = *c.engines
	}
	if c.source == nil {
		c.source = NewPlatformSource()
	}
	var ns namespaces
	if nsOn {
		ns = newNamespaces(c.procRoot)
	}
	var eng *engines
	if engOn {
		eng = newEngines(engineSockets(), newEngineChecker())
	}
	uid := uint32(0)
	if u := os.Getuid(); u > 0 {
		uid = uint32(u)
	}
	return &Scanner{
		uid:    uid,
		src:    c.source,
		ns:     ns,
		eng:    eng,
		only:   c.only,
		attr:   newAttributor(c.procRoot, c.ownerRetry),
		facts:  newFactsCache(c.procRoot),
		cache:  make(map[listenerKey]Listener),
		live:   make(map[listenerKey]bool),
		unsure: make(map[socketKey]bool),
	}
}

// Scan returns the current listeners, sorted by port, protocol and address.
// When the source lists the same sockets with the same owners and holders as
// last time, the snapshot shares the last one's Listeners (read-only, see
// Snapshot): such a scan costs about the kernel's dump and allocates nothing.
//
// Owners: a socket whose process cannot be seen (another user's, without
// root; or held by no process) is reported with OwnerHidden, PID 0, its uid
// and that uid's user name. A process that exits between enumeration and
// the reading of its facts is not an error: its listener is reported with
// the pid that held it and whatever facts were read (possibly none), and the
// attribution is dropped so the next scan looks for the socket's owner
// afresh — usually the socket is gone by then and a Closed event follows.
// A socket seen for the first time that no process holds by the time its
// owner is looked for, and that a second enumeration no longer lists,
// closed during the scan: it is left out rather than reported with a hidden
// owner.
func (s *Scanner) Scan(ctx context.Context) (Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	socks, err := s.src.Sockets(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("enumerate sockets: %w", err)
	}
	if s.ns != nil {
		s.all = s.ns.sockets(ctx, append(s.all[:0], socks...))
		socks = s.all
	}
	if s.only != nil {
		// Into a buffer of our own: socks may be the source's.
		s.kept = s.only.keep(s.kept[:0], socks)
		socks = s.kept
	}
	if s.afterEnumerate != nil {
		s.afterEnumerate()
	}
	s.pids = slices.Grow(s.pids[:0], len(socks))[:len(socks)]
	if err := s.attr.attribute(ctx, socks, s.pids); err != nil {
		return Snapshot{}, fmt.Errorf("attribute sockets: %w", err)
	}
	if s.afterAttribute != nil {
		s.afterAttribute()
	}
	gen := s.attr.holdersGen()
	if s.lastReusable && gen == s.gen && slices.Equal(socks, s.lastSocks) && slices.Equal(s.pids, s.lastPids) {
		// A still tick, the usual one: nothing to build, sort or look up.
		snap := Snapshot{Time: time.Now(), Listeners: s.lastListeners}
		if s.recheckExe(snap.Listeners) {
			s.lastReusable = false
		}
		snap.Listeners = s.withPublished(snap.Listeners, false)
		return snap, nil
	}
	s.lastSocks = append(s.lastSocks[:0], socks...)
	s.lastPids = append(s.lastPids[:0], s.pids...)
	s.lastReusable = true
	socks = s.dropVanished(ctx, socks)
	snap := Snapshot{Time: time.Now(), Listeners: make([]Listener, len(socks))}
	refresh := gen != s.gen
	for i, so := range socks {
		snap.Listeners[i] = s.listener(ctx, so, s.pids[i], refresh)
	}
	s.gen = gen
	s.linkForwards(snap.Listeners)
	slices.SortFunc(snap.Listeners, compareListeners)
	s.sweep(socks)
	if s.recheckExe(snap.Listeners) {
		s.lastReusable = false
	}
	s.lastListeners = snap.Listeners
	snap.Listeners = s.withPublished(snap.Listeners, true)
	return snap, nil
}

// socketKey identifies a socket across two enumerations.
type socketKey struct {
	proto Proto
	addr  netip.Addr
	port  uint16
	inode uint64
}

// dropVanished leaves out of the scan the sockets without a visible owner
// that were not listed as hidden before and that the source no longer lists:
// they closed between enumeration and attribution (their process closed
// them or exited), and reporting them as listeners of a hidden owner, then
// closed, would be a false pair of events. A socket hidden for good (another
// user's, without root) costs one more enumeration, at its first sight. On
// any doubt (the source fails) the sockets are kept, hidden.
func (s *Scanner) dropVanished(ctx context.Context, socks []Socket) []Socket {
	clear(s.unsure)
	for i, so := range socks {
		// Another namespace's socket is not enumerated again (its
		// namespace was read once this scan): kept, hidden.
		if s.pids[i] != 0 || so.NetNS != 0 {
			continue
		}
		if _, ok := s.cache[listenerKey{so.Proto, so.Address, so.Port, so.Inode, so.UID, 0}]; !ok {
			s.unsure[socketKey{so.Proto, so.Address, so.Port, so.Inode}] = true
		}
	}
	if len(s.unsure) == 0 {
		return socks
	}
	// Sockets not seen before without an owner: the next scan looks again.
	s.lastReusable = false
	// The source may reuse its slice: keep this scan's sockets apart.
	s.socks = append(s.socks[:0], socks...)
	again, err := s.src.Sockets(ctx)
	if err != nil {
		return s.socks
	}
	for _, so := range again {
		delete(s.unsure, socketKey{so.Proto, so.Address, so.Port, so.Inode})
	}
	n := 0
	for i, so := range s.socks {
		if s.pids[i] == 0 && s.unsure[socketKey{so.Proto, so.Address, so.Port, so.Inode}] {
			continue
		}
		s.socks[n], s.pids[n] = so, s.pids[i]
		n++
	}
	s.pids = s.pids[:n]
	return s.socks[:n]
}

// sweep drops cached listeners that no longer exist, when there are enough
// of them to matter.
func (s *Scanner) sweep(socks []Socket) {
	if len(s.cache) <= 2*len(socks)+64 {
		return
	}
	clear(s.live)
	for i, so := range socks {
		s.live[listenerKey{so.Proto, so.Address, so.Port, so.Inode, so.UID, s.pids[i]}] = true
	}
	for k := range s.cache {
		if !s.live[k] {
			delete(s.cache, k)
		}
	}
	s.facts.sweep(len(socks))
}

// Close releases the scanner's source (its netlink socket on Linux) and
// the sockets it keeps in other namespaces.
func (s *Scanner) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ns != nil {
		s.ns.close()
	}
	if s.eng != nil {
		s.eng.close()
	}
	if err := closeIf(s.src); err != nil {
		return fmt.Errorf("close source: %w", err)
	}
	return nil
}

// compareListeners orders listeners as Snapshot.Sort does (port, protocol,
// address, namespace), then by pid and inode so that sockets sharing an endpoint
// (SO_REUSEPORT) have a stable order too.
func compareListeners(a, b Listener) int {
	return cmp.Or(
		cmp.Compare(a.Port, b.Port),
		cmp.Compare(a.Proto, b.Proto),
		cmp.Compare(a.Address, b.Address),
		cmp.Compare(a.netnsKey(), b.netnsKey()),
		cmp.Compare(a.PID, b.PID),
		cmp.Compare(a.Inode, b.Inode),
	)
}
