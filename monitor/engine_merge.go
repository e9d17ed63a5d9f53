package monitor

// Merging what the container engines publish into a scan's listeners.

import (
	"cmp"
	"net/netip"
	"path/filepath"
	"slices"
)

// withPublished adds the engines' published ports to a scan's listeners:
// on the host listener that serves one (docker-proxy, rootlessport, or one
// whose owner is hidden), as Published; for one no host socket serves, as a
// listener of its own with no process. changed says the scan built a new
// list. While neither the list nor the published ports change, the same
// merged slice is returned, so Diff sees a still tick.
func (s *Scanner) withPublished(base []Listener, changed bool) []Listener {
	if s.eng == nil {
		return base
	}
	ports, gen := s.eng.published(changed)
	if len(ports) == 0 {
		return base
	}
	if gen == s.pubGen && sameSlice(base, s.pubBase) && s.pubOut != nil {
		return s.pubOut
	}
	s.pubGen, s.pubBase = gen, base
	s.pubOut = s.mergePublished(base, ports)
	return s.pubOut
}

func sameSlice(a, b []Listener) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// mergePublished returns a copy of base with ports merged in (see
// withPublished), sorted.
func (s *Scanner) mergePublished(base []Listener, ports []pubPort) []Listener {
	out := make([]Listener, len(base), len(base)+len(ports))
	copy(out, base)
	added := false
	for _, p := range ports {
		if s.only != nil && (p.proto != s.only.proto || p.HostPort != s.only.port) {
			continue
		}
		pp := p.Published
		if i := coveringListener(out[:len(base)], p); i >= 0 {
			pp.NAT = isConmon(&out[i], p.uid)
			out[i].Published = &pp
			continue
		}
		if p.uid != 0 {
			// A rootless engine publishes through a forwarder of its
			// user's, never through NAT rules: a port it claims that no
			// such forwarder holds is not listed on its word.
			continue
		}
		pp.NAT = true
		out = append(out, s.publishedListener(p, pp))
		added = true
	}
	s.nameContainers(out[:len(base)], ports)
	if added {
		slices.SortStableFunc(out, compareListeners)
	}
	return out
}

// publishedListener is the entry for a port published with no host socket:
// owned by the engine (the uid its API socket belongs to), with no process.
func (s *Scanner) publishedListener(p pubPort, pp Published) Listener {
	fam := IPv4
	if p.addr.Is6() {
		fam = IPv6
	}
	l := Listener{Proto: p.proto, Family: fam, Address: p.addr.String(), Port: p.HostPort,
		Exposure: ExposureOf(p.addr), UID: p.uid, Published: &pp,
		Container: &Container{Engine: p.Engine, ID: p.ContainerID, Name: p.Container, Image: p.Image}}
	if s.ns != nil {
		l.Namespace = Namespace{ID: s.ns.host(), Host: true}
	}
	l.Name = p.Engine
	l.User = s.facts.userName(p.uid)
	return l
}

// coveringListener is the index of the host listener that serves published
// port p: same protocol and port, bound to its address (or to the IPv6
// wildcard for the IPv4 one: a dual-stack socket), and held by a
// forwarder, by rootful Podman's conmon, or by an owner hidden from us
// (root's docker-proxy or conmon, seen unprivileged); -1 when none. Another program on that port does not
// serve it: the engine's NAT rules take the connections first. A rootless
// engine (its socket owned by a user, which any program of that user can
// serve) speaks only for that user's listeners.
func coveringListener(ls []Listener, p pubPort) int {
	for i := range ls {
		l := &ls[i]
		if l.Namespace.Inner() || l.Port != p.HostPort || l.Proto != p.proto || (p.uid != 0 && l.UID != p.uid) {
			continue
		}
		a, err := netip.ParseAddr(l.Address)
		if err != nil {
			continue
		}
		a = a.Unmap()
		if a != p.addr && !(a == netip.IPv6Unspecified() && p.addr == netip.IPv4Unspecified()) {
			continue
		}
		if l.OwnerHidden || l.ForwardedTo != nil || forwarderKind(l.Exe, l.Argv) != "" || isConmon(l, p.uid) {
			return i
		}
	}
	return -1
}

// isConmon reports whether the listener is held by conmon, the monitor
// rootful Podman runs beside each container: it binds the container's
// published ports and never accepts, so that no host program takes them
// while the NAT rules carry the connections. Its name is not enough (any
// program may be called conmon): the engine must be root's (engineUID 0),
// the listener root's, and the running file the one at its path, a
// system executable (root's, in a system folder no one else can write).
func isConmon(l *Listener, engineUID uint32) bool {
	return engineUID == 0 && l.UID == 0 && l.PID != 0 && filepath.Base(l.Exe) == "conmon" &&
		l.Identity.HasFile() && systemExecutable(l.Exe)
}

// nameContainers gives the inner listeners of a published container the
// name and image the engine reports (their cgroup names only the id).
func (s *Scanner) nameContainers(ls []Listener, ports []pubPort) {
	for i := range ls {
		c := ls[i].Container
		if c == nil || c.ID == "" || (c.Name != "" && c.Image != "") {
			continue
		}
		for _, p := range ports {
			if p.ContainerID == c.ID && p.Engine == c.Engine && (p.uid == 0 || ls[i].UID == p.uid) {
				n := *c // shared with the namespace cache: copied, not changed
				n.Name, n.Image = cmp.Or(n.Name, p.Container), cmp.Or(n.Image, p.Image)
				ls[i].Container = &n
				break
			}
		}
	}
}
