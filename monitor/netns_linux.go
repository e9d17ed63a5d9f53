package monitor

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"

	"portlight/provenance"
)

// nsTracker lists the listeners of every network namespace other than the
// host's that Portlight can see a process of. What it costs (figures in
// docs/namespaces.md):
//
//   - discovery: a namespace is found through its members' /proc/PID/ns/net
//     links (one readlink per process). All processes are read at the first
//     scan and every fullEvery scans after; in between only the processes
//     created since the last scan (the newest pid, from /proc/loadavg, says
//     whether there are any), so a steady scan lists no directory;
//   - liveness: a pidfd of one member per namespace, all polled in one
//     system call a scan, says when that member exits; only then are the
//     namespace's members read again (one readlink each), and a namespace
//     whose known members all left is looked for in a full discovery and
//     forgotten when none is found. Without pidfds (a kernel before 5.3, a
//     fake /proc in tests), one readlink per namespace per scan;
//   - listing, as root: a NETLINK_SOCK_DIAG socket opened inside the
//     namespace once (setns on a locked thread), kept, and dumped like the
//     host's (about 0.06 ms a namespace), round robin: nlPerScan namespaces
//     a scan, so each is dumped every ⌈N/nlPerScan⌉ scans;
//   - listing, unprivileged: the member's /proc/PID/net/{tcp,tcp6,udp,udp6},
//     readable for our own user's processes (rootless podman, `unshare -rn`).
//     Each tcp read walks the kernel's whole connection hash, shared by all
//     namespaces (1 to 20 ms, growing with the machine's connections), so a
//     namespace is read at most every procnetMinEvery scans, round robin,
//     procnetPerScan a scan; an unchanged file is not parsed again.
//
// Either way a namespace is read at once when it is found, and brought
// forward when a process starts in it or its watched member exits (most new
// listeners come with a new process, most closes with an exit): at once
// through netlink, as soon as procnetMinEvery allows through /proc.
type nsTracker struct {
	fs        *procfs
	hostIno   uint64 // 0 when our own namespace cannot be read: tracking is off
	root      bool   // setns is worth trying
	spaces    map[uint64]*netSpace
	scan      uint64
	fullEvery uint64
	perScan   int  // namespaces read through /proc/PID/net per scan
	minEvery  int  // scans between two /proc/PID/net reads of one namespace
	nlPerScan int  // namespaces dumped through netlink per scan
	pidfds    bool // members are watched through pidfds
	walked    bool
	inFull    bool // in a full discovery
	lastPid   int64
	needFull  bool

	pids     []int32
	ids      []uint64 // the namespaces' ids, sorted when !idsDirty
	idsDirty bool
	file     []byte        // scratch: one /proc/PID/net file
	nl       diagDumper    // shared by every namespace's dump
	polls    []unix.PollFd // scratch of watch
	polled   []*netSpace
}

// netSpace is one namespace other than the host's.
type netSpace struct {
	ino       uint64
	members   []int32 // pids seen in it, oldest first
	container *Container
	addrs     []string // its local addresses, read on demand (docker-proxy)
	addrsRead bool

	nlFD     int    // NETLINK_SOCK_DIAG socket inside it, -1 when none
	nl       nlConn // nlFD as diagDumper.dump takes it
	nlFailed bool
	socks    []Socket
	raw      [len(procNetFiles)][]byte // last /proc/PID/net contents
	last     uint64                    // scan of the last read
	read     bool                      // read at least once
	urgent   bool                      // read this scan, beyond the budget
	soon     bool                      // read first when the budget allows

	pidfd    int // pidfd of pidfdPid (members[0] when confirmed), -1 when none
	pidfdPid int32
}

// Tuning of discovery and of the unprivileged path.
const (
	nsFullEvery     = 60 // scans between full discoveries (a minute at 1 s)
	procnetPerScan  = 1  // namespaces read through /proc/PID/net per scan
	procnetMinEvery = 5  // scans between two /proc/PID/net reads of one namespace
	nlPerScan       = 1  // namespaces dumped through netlink per scan
)

func newNamespaces(procRoot string) namespaces {
	t := &nsTracker{
		fs:        newProcfs(procRoot),
		spaces:    make(map[uint64]*netSpace),
		fullEvery: nsFullEvery,
		perScan:   procnetPerScan,
		minEvery:  procnetMinEvery,
		nlPerScan: nlPerScan,
		root:      os.Geteuid() == 0,
		nl:        diagDumper{sctpLoaded: sctpLoaded}, // the module is the kernel's, for every namespace
	}
	// A pidfd names a process of our own pid namespace, which is what
	// /proc shows unless a test points procRoot elsewhere.
	t.pidfds = t.fs.root == "/proc" && pidfdWorks()
	t.hostIno, _ = t.pidNS(int32(os.Getpid()))
	return t
}

// pidNS returns the inode of pid's network namespace (readlink
// /proc/PID/ns/net: "net:[INODE]"). It fails for another user's process
// while unprivileged, and for one that exited.
func (t *nsTracker) pidNS(pid int32) (uint64, error) {
	t.fs.pidPath(pid, "/ns/net")
	n, err := readlinkat(unix.AT_FDCWD, &t.fs.path[0], t.fs.link)
	if err != nil {
		return 0, err
	}
	return parseNSLink(t.fs.link[:n])
}

// parseNSLink parses "net:[4026531833]".
func parseNSLink(b []byte) (uint64, error) {
	const pre = "net:["
	if len(b) < len(pre)+2 || string(b[:len(pre)]) != pre || b[len(b)-1] != ']' {
		return 0, errBadNumber
	}
	return parseDec(b[len(pre) : len(b)-1])
}

func (t *nsTracker) host() uint64 { return t.hostIno }

func (t *nsTracker) ofPid(pid int32) uint64 {
	ino, err := t.pidNS(pid)
	if err != nil {
		return 0
	}
	return ino
}

func (t *nsTracker) container(ino uint64) *Container {
	if sp := t.spaces[ino]; sp != nil {
		return sp.container
	}
	return nil
}

// sockets appends the listening sockets of every other namespace to out,
// each with its NetNS set. A namespace that cannot be read is skipped: its
// listeners are unknown, not closed, so its last list is kept; so is the
// list of a namespace not read this scan.
func (t *nsTracker) sockets(ctx context.Context, out []Socket) []Socket {
	if t.hostIno == 0 {
		return out
	}
	t.scan++
	full := t.discover()
	if t.watch() {
		t.full()
		full = true
	}
	if full {
		t.prune()
	}
	t.read(ctx)
	for _, ino := range t.order() {
		out = append(out, t.spaces[ino].socks...)
	}
	return out
}

// prune forgets the namespaces in which no member is left, after a full
// discovery.
func (t *nsTracker) prune() {
	for ino, sp := range t.spaces {
		if !t.confirm(sp) {
			sp.close()
			delete(t.spaces, ino)
			t.idsDirty = true
		}
	}
}

// order returns the namespaces' ids sorted, for a stable socket order (a
// still scan compares lists); sorted again only when the set changed.
func (t *nsTracker) order() []uint64 {
	if !t.idsDirty {
		return t.ids
	}
	t.idsDirty = false
	t.ids = t.ids[:0]
	for ino := range t.spaces {
		t.ids = append(t.ids, ino)
	}
	slices.Sort(t.ids)
	return t.ids
}

// discover records the namespaces of processes created since the last scan,
// or of all processes when a full discovery is due; it reports a full one.
func (t *nsTracker) discover() bool {
	last, err := t.fs.lastPid()
	prev, walked := t.lastPid, t.walked
	if err != nil || !walked || last < prev || t.needFull || t.scan%t.fullEvery == 0 {
		t.full()
		t.walked, t.lastPid = err == nil, last
		return true
	}
	t.lastPid = last
	if last == prev {
		return false
	}
	t.pids, err = t.fs.listPidsAfter(prev, last, t.pids[:0])
	if err != nil {
		t.full()
		return true
	}
	for _, pid := range t.pids {
		if sp := t.note(pid); sp != nil {
			t.soon(sp) // a new process: perhaps a new listener
		}
	}
	return false
}

// full reads every process's namespace and replaces the members of every
// known namespace with those found.
func (t *nsTracker) full() {
	t.needFull = false
	var err error
	if t.pids, err = t.fs.listPids(t.pids[:0]); err != nil {
		return // keep what is known; try again next scan
	}
	for _, sp := range t.spaces {
		sp.members = sp.members[:0]
	}
	t.inFull = true
	for _, pid := range t.pids {
		// A process newer than the last scan's newest: news, as in an
		// incremental discovery.
		if sp := t.note(pid); sp != nil && t.walked && int64(pid) > t.lastPid {
			t.soon(sp)
		}
	}
	t.inFull = false
}

// note records pid as a member of its namespace when that is not the
// host's, and returns that namespace (nil for the host's).
func (t *nsTracker) note(pid int32) *netSpace {
	ino, err := t.pidNS(pid)
	if err != nil || ino == t.hostIno {
		return nil
	}
	sp := t.spaces[ino]
	created := sp == nil
	if created {
		sp = &netSpace{ino: ino, nlFD: -1, pidfd: -1}
		t.spaces[ino] = sp
		t.idsDirty = true
	}
	if !slices.Contains(sp.members, pid) {
		sp.members = append(sp.members, pid)
	}
	if sp.container == nil && (created || !t.inFull) {
		// A namespace's container is looked for when it is found and
		// when a process starts in it, not at every full discovery: one
		// that belongs to no container (unshare) stays without.
		sp.container = t.cgroupContainer(pid)
	}
	return sp
}

func (t *nsTracker) cgroupContainer(pid int32) *Container {
	b, err := os.ReadFile(t.fs.root + "/" + strconv.Itoa(int(pid)) + "/cgroup")
	if err != nil {
		return nil
	}
	return provenance.ContainerOfCgroup(string(b))
}

func (t *nsTracker) openNetlink(sp *netSpace) {
	fd, err := netlinkInNamespace(t.fs.root, sp.members[0], sp.ino)
	if err != nil {
		sp.nlFailed = true // not allowed here (a sandbox): use /proc/PID/net
		return
	}
	sp.nlFD = fd
	sp.nl = netlinkFD(fd) // converted once: an fd above 255 would allocate each dump
}

func (t *nsTracker) dumpNetlink(ctx context.Context, sp *netSpace) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	socks, err := t.nl.dump(sp.nl, sp.socks[:0])
	if err != nil {
		sp.closeNetlink()
		sp.nlFailed = true
		return err
	}
	for i := range socks {
		socks[i].NetNS = sp.ino
	}
	sp.socks = socks
	return nil
}

// localAddrs returns the addresses of ino's interfaces, from a member's
// /proc/PID/net/fib_trie (IPv4) and if_inet6; read once per namespace.
func (t *nsTracker) localAddrs(ino uint64) []string {
	sp := t.spaces[ino]
	if sp == nil || len(sp.members) == 0 {
		return nil
	}
	if !sp.addrsRead {
		sp.addrsRead = true
		pid := strconv.Itoa(int(sp.members[0]))
		if b, err := os.ReadFile(t.fs.root + "/" + pid + "/net/fib_trie"); err == nil {
			sp.addrs = append(sp.addrs, parseFibTrieLocal(b)...)
		}
		if b, err := os.ReadFile(t.fs.root + "/" + pid + "/net/if_inet6"); err == nil {
			sp.addrs = append(sp.addrs, parseIfInet6(b)...)
		}
	}
	return sp.addrs
}

func (t *nsTracker) close() error {
	for ino, sp := range t.spaces {
		sp.close()
		delete(t.spaces, ino)
	}
	t.idsDirty = true
	return nil
}

func (sp *netSpace) close() {
	sp.closeNetlink()
	sp.unwatch()
}

func (sp *netSpace) closeNetlink() {
	if sp.nlFD >= 0 {
		unix.Close(sp.nlFD)
		sp.nlFD = -1
	}
}

// fileInode is the inode of a namespace file (a bind-mounted netns such as
// /run/user/1000/netns/netns-…).
func fileInode(path string) (uint64, bool) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, false
	}
	return st.Ino, true
}

// childrenOf lists pid's children (/proc/PID/task/PID/children).
func childrenOf(pid int32) []int32 {
	p := strconv.Itoa(int(pid))
	b, err := os.ReadFile("/proc/" + p + "/task/" + p + "/children")
	if err != nil {
		return nil
	}
	var out []int32
	for _, f := range bytes.Fields(b) {
		if v, err := parseDec(f); err == nil && v < 1<<31 {
			out = append(out, int32(v))
		}
	}
	return out
}
