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
//   - liveness: one readlink per namespace per scan confirms that a member
//     still is in it (a pid may be reused); a namespace whose known members
//     all left is looked for again in a full discovery, and forgotten when
//     none is found;
//   - listing, as root: a NETLINK_SOCK_DIAG socket opened inside the
//     namespace once (setns on a locked thread), kept, and dumped every scan
//     like the host's: about a tenth of a millisecond;
//   - listing, unprivileged: the member's /proc/PID/net/{tcp,tcp6,udp,udp6},
//     readable for our own user's processes (rootless podman, `unshare -rn`).
//     Each tcp read walks the kernel's whole connection hash, shared by all
//     namespaces (1 to 20 ms, growing with the machine's connections), so a
//     namespace is read at most every procnetMinEvery scans, round robin,
//     procnetPerScan a scan; a new namespace is read at once, and an
//     unchanged file is not parsed again.
type nsTracker struct {
	fs        *procfs
	hostIno   uint64 // 0 when our own namespace cannot be read: tracking is off
	root      bool   // setns is worth trying
	spaces    map[uint64]*netSpace
	scan      uint64
	fullEvery uint64
	perScan   int // namespaces read through /proc/PID/net per scan
	minEvery  int // scans between two /proc/PID/net reads of one namespace
	walked    bool
	lastPid   int64
	needFull  bool

	pids []int32
	ids  []uint64 // scratch: the namespaces in order
	file []byte   // scratch: one /proc/PID/net file
	nl   nlScratch
}

// netSpace is one namespace other than the host's.
type netSpace struct {
	ino       uint64
	members   []int32 // pids seen in it, oldest first
	container *Container
	addrs     []string // its local addresses, read on demand (docker-proxy)
	addrsRead bool

	nlFD     int // NETLINK_SOCK_DIAG socket inside it, -1 when none
	nlFailed bool
	socks    []Socket
	raw      [len(procNetFiles)][]byte // last /proc/PID/net contents
	due      uint64                    // scan of the next /proc/PID/net read
	read     bool                      // read at least once
}

// nlScratch are the buffers every namespace's dump shares.
type nlScratch struct {
	seq uint32
	req []byte
	buf []byte
}

// Tuning of discovery and of the unprivileged path.
const (
	nsFullEvery     = 60 // scans between full discoveries (a minute at 1 s)
	procnetPerScan  = 1  // namespaces read through /proc/PID/net per scan
	procnetMinEvery = 5  // scans between two /proc/PID/net reads of one namespace
)

func newNamespaces(procRoot string) namespaces {
	t := &nsTracker{
		fs:        newProcfs(procRoot),
		spaces:    make(map[uint64]*netSpace),
		fullEvery: nsFullEvery,
		perScan:   procnetPerScan,
		minEvery:  procnetMinEvery,
		root:      os.Geteuid() == 0,
	}
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
// listeners are unknown, not closed, so its last list is kept.
func (t *nsTracker) sockets(ctx context.Context, out []Socket) []Socket {
	if t.hostIno == 0 {
		return out
	}
	t.scan++
	t.discover()
	lost := false
	for _, sp := range t.spaces {
		if !t.confirm(sp) {
			lost = true
		}
	}
	if lost {
		t.full()
		for ino, sp := range t.spaces {
			if len(sp.members) == 0 || !t.confirm(sp) {
				sp.close()
				delete(t.spaces, ino)
			}
		}
	}
	t.read(ctx)
	for _, ino := range t.order() {
		out = append(out, t.spaces[ino].socks...)
	}
	return out
}

// order returns the namespaces' ids sorted, for a stable socket order (a
// still scan compares lists).
func (t *nsTracker) order() []uint64 {
	t.ids = t.ids[:0]
	for ino := range t.spaces {
		t.ids = append(t.ids, ino)
	}
	slices.Sort(t.ids)
	return t.ids
}

// discover records the namespaces of processes created since the last scan,
// or of all processes when a full discovery is due.
func (t *nsTracker) discover() {
	last, err := t.fs.lastPid()
	prev, walked := t.lastPid, t.walked
	if err != nil || !walked || last < prev || t.needFull || t.scan%t.fullEvery == 0 {
		t.full()
		t.walked, t.lastPid = err == nil, last
		return
	}
	t.lastPid = last
	if last == prev {
		return
	}
	t.pids, err = t.fs.listPidsAfter(prev, last, t.pids[:0])
	if err != nil {
		t.full()
		return
	}
	for _, pid := range t.pids {
		t.note(pid)
	}
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
	for _, pid := range t.pids {
		t.note(pid)
	}
}

// note records pid as a member of its namespace when that is not the host's.
func (t *nsTracker) note(pid int32) {
	ino, err := t.pidNS(pid)
	if err != nil || ino == t.hostIno {
		return
	}
	sp := t.spaces[ino]
	if sp == nil {
		sp = &netSpace{ino: ino, nlFD: -1, due: t.scan}
		t.spaces[ino] = sp
	}
	if !slices.Contains(sp.members, pid) {
		sp.members = append(sp.members, pid)
	}
	if sp.container == nil {
		sp.container = t.cgroupContainer(pid)
	}
}

func (t *nsTracker) cgroupContainer(pid int32) *Container {
	b, err := os.ReadFile(t.fs.root + "/" + strconv.Itoa(int(pid)) + "/cgroup")
	if err != nil {
		return nil
	}
	return provenance.ContainerOfCgroup(string(b))
}

// confirm drops the members of sp that left it (exited, or a reused pid);
// it reports whether one is left.
func (t *nsTracker) confirm(sp *netSpace) bool {
	for len(sp.members) > 0 {
		if ino, err := t.pidNS(sp.members[0]); err == nil && ino == sp.ino {
			return true
		}
		sp.members = sp.members[1:]
	}
	return false
}

// read refreshes the namespaces' socket lists: every scan through a kept
// netlink socket, else round robin through /proc/PID/net.
func (t *nsTracker) read(ctx context.Context) {
	budget := t.perScan
	nProcnet := 0
	for _, sp := range t.spaces {
		if t.root && sp.nlFD < 0 && !sp.nlFailed {
			t.openNetlink(sp)
		}
		if sp.nlFD >= 0 {
			if err := t.dumpNetlink(ctx, sp); err == nil {
				continue
			}
		}
		nProcnet++
	}
	every := uint64(max(t.minEvery, (nProcnet+t.perScan-1)/t.perScan))
	for _, ino := range t.order() {
		sp := t.spaces[ino]
		if sp.nlFD >= 0 || sp.due > t.scan || (budget <= 0 && sp.read) {
			continue
		}
		// A namespace seen for the first time is read at once, beyond
		// the budget: its listeners are news.
		if sp.read {
			budget--
		}
		sp.read = true
		sp.due = t.scan + every
		t.readProcNet(sp)
	}
}

func (t *nsTracker) openNetlink(sp *netSpace) {
	fd, err := netlinkInNamespace(t.fs.root, sp.members[0], sp.ino)
	if err != nil {
		sp.nlFailed = true // not allowed here (a sandbox): use /proc/PID/net
		return
	}
	sp.nlFD = fd
}

func (t *nsTracker) dumpNetlink(ctx context.Context, sp *netSpace) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.nl.buf == nil {
		t.nl.buf = make([]byte, recvBufSize)
	}
	socks, req, err := dumpListeners(netlinkFD(sp.nlFD), t.nl.req, t.nl.buf, &t.nl.seq, sp.socks[:0])
	t.nl.req = req
	if err != nil {
		sp.close()
		sp.nlFailed = true
		return err
	}
	for i := range socks {
		socks[i].NetNS = sp.ino
	}
	sp.socks = socks
	return nil
}

// readProcNet reads sp's tables through its first member; a table whose
// content did not change is not parsed again. The member's namespace is
// checked again after the read: were its pid reused since it was
// confirmed, the tables would be another namespace's (the host's).
func (t *nsTracker) readProcNet(sp *netSpace) {
	if len(sp.members) == 0 {
		return
	}
	pid := sp.members[0]
	changed := false
	for i, f := range procNetFiles {
		b, err := t.readNetFile(pid, f.name)
		if err != nil {
			if i == 0 {
				return // unreadable: keep the last list
			}
			b = nil // IPv6 off in there
		}
		if string(b) != string(sp.raw[i]) {
			sp.raw[i] = append(sp.raw[i][:0], b...)
			changed = true
		}
	}
	if ino, err := t.pidNS(pid); err != nil || ino != sp.ino {
		sp.raw[0] = sp.raw[0][:0] // never empty when read: parse the next read
		return
	}
	if !changed {
		return
	}
	socks := sp.socks[:0]
	for i, f := range procNetFiles {
		var err error
		if socks, err = ParseProcNet(bytes.NewReader(sp.raw[i]), f.proto, socks); err != nil {
			return
		}
	}
	for i := range socks {
		socks[i].NetNS = sp.ino
	}
	sp.socks = socks
}

// readNetFile reads /proc/PID/net/NAME whole into t.file.
func (t *nsTracker) readNetFile(pid int32, name string) ([]byte, error) {
	t.fs.pidPath(pid, "/net/"+name)
	fd, err := openat(unix.AT_FDCWD, &t.fs.path[0], unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if t.file == nil {
		t.file = make([]byte, 0, 64<<10)
	}
	b := t.file[:0]
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, cap(b))
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		b = b[:len(b)+n]
	}
	t.file = b
	return b, nil
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
	return nil
}

func (sp *netSpace) close() {
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
