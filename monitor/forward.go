package monitor

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
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

// dockerProxy is what docker-proxy's command line says it forwards.
type dockerProxy struct {
	proto         Proto
	hostIP        string
	hostPort      uint16
	containerIP   string
	containerPort uint16
}

// parseDockerProxy reads docker-proxy's flags (Go flag syntax: -name value,
// -name=value, one or two dashes): -proto -host-ip -host-port
// -container-ip -container-port.
func parseDockerProxy(args []string) (dockerProxy, bool) {
	d := dockerProxy{proto: TCP}
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				break
			}
			i++
			val = args[i]
		}
		switch name {
		case "proto":
			d.proto = Proto(val)
		case "host-ip":
			d.hostIP = val
		case "host-port":
			d.hostPort = parsePort(val)
		case "container-ip":
			d.containerIP = val
		case "container-port":
			d.containerPort = parsePort(val)
		}
	}
	return d, d.hostPort != 0 && d.containerPort != 0 && (d.proto == TCP || d.proto == UDP)
}

func parsePort(s string) uint16 {
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0
	}
	return uint16(v)
}

// pastaArgs is what pasta's command line says: the ports it forwards from
// the host (-t/--tcp-ports, -u/--udp-ports) and the namespace it serves (a
// PID, --netns PATH, or else the command it started).
type pastaArgs struct {
	tcp, udp []portMap
	pid      int32
	netns    string
}

// portMap maps host ports [first, last] to target ports starting at to.
type portMap struct {
	first, last, to uint16
}

// target is the port inside that host port maps to; 0 when not forwarded.
func (p pastaArgs) target(proto Proto, port uint16) uint16 {
	maps := p.tcp
	if proto == UDP {
		maps = p.udp
	}
	for _, m := range maps {
		if port >= m.first && port <= m.last {
			return m.to + (port - m.first)
		}
	}
	return 0
}

// pastaValued are pasta's options that take a value as the next argument.
var pastaValued = map[string]bool{
	"-t": true, "--tcp-ports": true, "-u": true, "--udp-ports": true, "-T": true, "-U": true,
	"--tcp-ns": true, "--udp-ns": true, "--netns": true, "--userns": true, "-i": true, "--interface": true,
	"-o": true, "--outbound": true, "-a": true, "--address": true, "-n": true, "--netmask": true,
	"-g": true, "--gateway": true, "-D": true, "--dns": true, "-m": true, "--mtu": true,
	"-M": true, "--mac-addr": true, "-P": true, "--pid": true, "-l": true, "--log-file": true,
	"-I": true, "--ns-ifname": true, "--runas": true, "--dns-forward": true, "-S": true, "--search": true,
	"--map-host-loopback": true, "--map-guest-addr": true, "--outbound-if4": true, "--outbound-if6": true,
	"--fd": true, "-F": true,
}

// parsePasta reads the port forwards and the target of a pasta command line.
// Port specs: [ADDR[%IF]/]FIRST[-LAST][:TO[-TOLAST]], comma separated, as
// in pasta(1); "auto", "all", "none" and exclusions (~) name no fixed map.
func parsePasta(args []string) pastaArgs {
	var p pastaArgs
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break // the command pasta starts: its namespace is pasta's children's
		}
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			name, val, hasVal = strings.Cut(a, "=")
		} else if len(a) > 2 && a[0] == '-' && pastaValued[a[:2]] {
			name, val, hasVal = a[:2], a[2:], true
		}
		if pastaValued[name] && !hasVal {
			if i+1 >= len(args) {
				break
			}
			i++
			val = args[i]
		}
		switch {
		case name == "-t" || name == "--tcp-ports":
			p.tcp = append(p.tcp, parsePortSpecs(val)...)
		case name == "-u" || name == "--udp-ports":
			p.udp = append(p.udp, parsePortSpecs(val)...)
		case name == "--netns":
			p.netns = val
		case !strings.HasPrefix(a, "-"):
			if v, err := strconv.ParseInt(a, 10, 32); err == nil && v > 0 {
				p.pid = int32(v)
			} else if strings.HasPrefix(a, "/") {
				p.netns = a
			}
			return p // the rest is a command
		}
	}
	return p
}

func parsePortSpecs(spec string) []portMap {
	var out []portMap
	for _, part := range strings.Split(spec, ",") {
		if i := strings.LastIndexByte(part, '/'); i >= 0 {
			part = part[i+1:]
		}
		if part == "" || strings.HasPrefix(part, "~") {
			continue
		}
		host, to, mapped := strings.Cut(part, ":")
		first, last, ok := parseRange(host)
		if !ok {
			continue
		}
		m := portMap{first: first, last: last, to: first}
		if mapped {
			t, _, ok := parseRange(to)
			if !ok {
				continue
			}
			m.to = t
		}
		out = append(out, m)
	}
	return out
}

func parseRange(s string) (first, last uint16, ok bool) {
	a, b, isRange := strings.Cut(s, "-")
	first = parsePort(a)
	last = first
	if isRange {
		last = parsePort(b)
	}
	return first, last, first != 0 && last >= first
}

// parseSlirp4netns reads slirp4netns's target: its first positional
// argument, a PID or (with --netns-type=path) a namespace file.
func parseSlirp4netns(args []string) (pid int32, path string) {
	valued := map[string]bool{"-r": true, "-e": true, "-a": true, "-m": true, "--ready-fd": true,
		"--exit-fd": true, "--api-socket": true, "--mtu": true, "--cidr": true, "--netns-type": true,
		"--userns-path": true, "--outbound-addr": true, "--outbound-addr6": true, "--macaddress": true,
		"--target-type": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if valued[a] {
				i++
			}
			continue
		}
		if v, err := strconv.ParseInt(a, 10, 32); err == nil && v > 0 {
			return int32(v), ""
		}
		return 0, a
	}
	return 0, ""
}

// parseFibTrieLocal returns the local IPv4 addresses of a /proc/net/fib_trie:
// an address line ("|-- 10.88.0.2") followed by "/32 host LOCAL".
func parseFibTrieLocal(b []byte) []string {
	var out []string
	last := ""
	for _, line := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if a, ok := bytes.CutPrefix(t, []byte("|-- ")); ok {
			last = string(a)
			continue
		}
		if bytes.HasPrefix(t, []byte("/32 host LOCAL")) && last != "" {
			dup := false
			for _, o := range out {
				dup = dup || o == last
			}
			if !dup {
				out = append(out, last)
			}
		}
	}
	return out
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
