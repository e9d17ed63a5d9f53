package monitor

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
)

// placeNamespace sets the listener's namespace and container from its socket.
func (s *Scanner) placeNamespace(l *Listener, so Socket) {
	if s.ns == nil {
		return
	}
	if so.NetNS == 0 {
		l.Namespace = Namespace{ID: s.ns.host(), Host: true}
		return
	}
	l.Namespace = Namespace{ID: so.NetNS}
	l.Container = s.ns.container(so.NetNS)
}

// linkForwards finds the host listeners held by a forwarder (docker-proxy,
// pasta, slirp4netns, rootlessport) and links each to the listener it
// reaches in another namespace, when that one is seen. It runs only when a
// scan built a new list; the links are not cached with the listeners.
func (s *Scanner) linkForwards(ls []Listener) {
	for i := range ls {
		l := &ls[i]
		if l.Namespace.Inner() || l.PID == 0 {
			continue
		}
		via := forwarderKind(l.Exe, l.Argv)
		if via == "" {
			continue
		}
		f, ok := s.forwardOf(via, l)
		if !ok {
			continue
		}
		if f.Namespace != 0 && !s.mayServe(l.UID, f.Namespace) {
			f.Namespace = 0 // a claim its owner could not make good: linked to nothing
		}
		if j := matchInner(ls, f); j >= 0 {
			if f.InnerPort == 0 {
				f.InnerPort = ls[j].Port
			}
			if ls[j].Forwarder == nil {
				ls[j].Forwarder = &f
			}
			ls[j].Forwarders = append(ls[j].Forwarders, f)
		}
		l.ForwardedTo = &f
	}
}

// mayServe reports whether a forwarder whose host socket belongs to uid may
// serve namespace ino: root's may serve any, another user's only a
// namespace that user may enter (see servers). A forwarder is known by
// its file name and tells its target on its command line, both of which
// any program can take: without this, a program of one's own named pasta
// could claim root's container and set what its listeners reach.
func (s *Scanner) mayServe(uid uint32, ino uint64) bool {
	return uid == 0 || slices.Contains(s.ns.servers(ino), uid)
}

// forwarderKind recognises a forwarder by its executable's (or, when that
// is unreadable, its command's) file name.
func forwarderKind(exe string, argv []string) string {
	name := filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
	arg0 := ""
	if len(argv) > 0 {
		arg0 = filepath.Base(argv[0])
	}
	if exe == "" {
		name = arg0
	}
	isPasta := func(n string) bool { return n == "pasta" || strings.HasPrefix(n, "pasta.") } // pasta.avx2
	switch {
	case name == "docker-proxy":
		return ViaDockerProxy
	case isPasta(name), (name == "passt" || strings.HasPrefix(name, "passt.")) && isPasta(arg0):
		// pasta is passt run under that name: Debian's /usr/bin/pasta
		// links to passt, which the kernel names as the executable.
		return ViaPasta
	case name == "slirp4netns":
		return ViaSlirp4netns
	case name == "rootlessport":
		return ViaRootlessport
	}
	return ""
}

// forwardOf reads what the forwarder process of host listener l forwards
// l's port to.
func (s *Scanner) forwardOf(via string, l *Listener) (Forward, bool) {
	f := Forward{Via: via, PID: l.PID, Proto: l.Proto, HostAddress: l.Address, HostPort: l.Port}
	args := l.Argv
	if len(args) > 0 {
		args = args[1:]
	}
	switch via {
	case ViaDockerProxy:
		d, ok := parseDockerProxy(args)
		if !ok || d.hostPort != l.Port || d.proto != l.Proto {
			return f, false
		}
		f.InnerAddress, f.InnerPort = d.containerIP, d.containerPort
		f.Namespace = s.namespaceWithAddr(d.containerIP)
	case ViaPasta:
		p := parsePasta(args)
		f.InnerPort = p.target(l.Proto, l.Port)
		if f.InnerPort == 0 {
			return f, false // not one of its forwarded ports (pasta listens for nothing else)
		}
		f.Namespace = s.targetNamespace(p.pid, p.netns, l.PID)
	case ViaSlirp4netns:
		pid, path := parseSlirp4netns(args)
		f.Namespace = s.targetNamespace(pid, path, 0)
	case ViaRootlessport:
		f.Namespace = s.targetNamespace(0, "", l.PID)
	}
	return f, true
}

// targetNamespace is the namespace a forwarder serves: the one of pid, or
// of the namespace file path, or of one of parent's children (a command
// pasta started, podman's rootlessport-child); 0 when none can be read.
func (s *Scanner) targetNamespace(pid int32, path string, parent int32) uint64 {
	if s.ns == nil {
		return 0
	}
	host := s.ns.host()
	if pid > 0 {
		if ino := s.ns.ofPid(pid); ino != host {
			return ino
		}
	}
	if path != "" {
		if ino, ok := fileInode(path); ok && ino != host {
			return ino
		}
	}
	if parent > 0 {
		for _, c := range childrenOf(parent) {
			if ino := s.ns.ofPid(c); ino != 0 && ino != host {
				return ino
			}
		}
	}
	return 0
}

// namespaceWithAddr is the namespace one of whose interfaces has addr (a
// docker-proxy's container address); 0 when none seen has it.
func (s *Scanner) namespaceWithAddr(addr string) uint64 {
	if s.ns == nil || addr == "" {
		return 0
	}
	for _, l := range s.lastListenersNS() {
		for _, a := range s.ns.localAddrs(l) {
			if a == addr {
				return l
			}
		}
	}
	return 0
}

// lastListenersNS lists the namespaces the listeners being linked are in.
func (s *Scanner) lastListenersNS() []uint64 {
	var ids []uint64
	seen := map[uint64]bool{}
	for _, so := range s.all {
		if so.NetNS != 0 && !seen[so.NetNS] {
			seen[so.NetNS] = true
			ids = append(ids, so.NetNS)
		}
	}
	return ids
}

// matchInner returns the index of the listener of f's namespace that f
// reaches: same protocol, its inner port (the host port when not known),
// bound to f's inner address or a wildcard; -1 when none.
func matchInner(ls []Listener, f Forward) int {
	if f.Namespace == 0 {
		return -1
	}
	port := f.InnerPort
	if port == 0 {
		port = f.HostPort
	}
	best := -1
	for j := range ls {
		c := &ls[j]
		if c.Namespace.ID != f.Namespace || !c.Namespace.Inner() || c.Proto != f.Proto || c.Port != port {
			continue
		}
		a, err := netip.ParseAddr(c.Address)
		if err != nil {
			continue
		}
		if f.InnerAddress == "" || a.IsUnspecified() || c.Address == f.InnerAddress {
			if best < 0 || !a.IsLoopback() {
				best = j
			}
		}
	}
	return best
}

// parseIfInet6 returns the addresses of a /proc/net/if_inet6 (32 hex digits
// first on each line).
func parseIfInet6(b []byte) []string {
	var out []string
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) == 0 || len(f[0]) != 32 {
			continue
		}
		var a [16]byte
		ok := true
		for i := range a {
			v, err := parseHex(f[0][2*i:2*i+2], 2)
			ok = ok && err == nil
			a[i] = byte(v)
		}
		if ok {
			out = append(out, netip.AddrFrom16(a).String())
		}
	}
	return out
}
