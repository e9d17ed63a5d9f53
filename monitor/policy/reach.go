package policy

import (
	"net/netip"
	"slices"

	"portlight/monitor"
	"portlight/monitor/reach"
)

// NetworkRules are the user's words about networks: which are public (a
// café's Wi-Fi), by NetworkManager connection name or UUID; which are
// trusted (home), by UUID only; and how to take one on neither list. A
// listener reachable from a public network alerts at high severity, as
// one reachable from everywhere does. Trust goes by UUID because an
// access point or a hotspot can take any name, "Home" included, but not
// the profile this computer saved; calling a network public by name only
// ever raises severity.
type NetworkRules struct {
	// Public lists networks to treat as public, by name or UUID.
	Public []string `toml:"public,omitempty" json:"public,omitempty"`
	// Trusted lists networks, by connection UUID, that are not public,
	// whatever UnknownIsPublic says. A name here is ignored (settings say
	// so when they load).
	Trusted []string `toml:"trusted,omitempty" json:"trusted,omitempty"`
	// UnknownIsPublic treats a local network on neither list (or one
	// NetworkManager does not name) as public.
	UnknownIsPublic bool `toml:"unknown_is_public" json:"unknown_is_public"`
}

// Clone returns a deep copy.
func (nr NetworkRules) Clone() NetworkRules {
	nr.Public, nr.Trusted = slices.Clone(nr.Public), slices.Clone(nr.Trusted)
	return nr
}

// MarkedPublic reports whether the rules list n as public, by connection
// name or UUID.
func (nr NetworkRules) MarkedPublic(n reach.Network) bool {
	return slices.ContainsFunc(nr.Public, func(s string) bool { return s != "" && (s == n.Name || s == n.UUID) })
}

// Trusts reports whether the rules list n as trusted: by its connection
// UUID only.
func (nr NetworkRules) Trusts(n reach.Network) bool {
	return n.UUID != "" && slices.Contains(nr.Trusted, n.UUID)
}

// PublicNetwork returns the first network among ns that the rules take as
// public, and whether it was listed so (false: unknown, taken as public).
// A VPN or the guests' network is public only when listed.
func (nr NetworkRules) PublicNetwork(ns []reach.Network) (n reach.Network, marked, ok bool) {
	for _, n := range ns {
		switch {
		case nr.MarkedPublic(n):
			return n, true, true
		case nr.Trusts(n):
		case nr.UnknownIsPublic && n.Reach.Rank() >= reach.LocalNetwork.Rank():
			return n, false, true
		}
	}
	return reach.Network{}, false, false
}

// LooksLikeUUID reports whether s has the form of a connection UUID
// (8-4-4-4-12 hexadecimal digits), as NetworkManager writes them.
func LooksLikeUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
				return false
			}
		}
	}
	return true
}

// reachOf says what the listener reaches: a host listener by its own
// address (hostReach), a listener of another namespace by the rule of
// innerReach.
func (p *Policy) reachOf(l monitor.Listener) reach.Result {
	if l.Namespace.Inner() {
		return p.innerReach(l)
	}
	return p.hostReach(l)
}

// hostReach says what a host address reaches: by p.Reach, or else by its
// Exposure (loopback: this computer; anything else: everywhere, no network
// named), the rule before reach was known.
func (p *Policy) hostReach(l monitor.Listener) reach.Result {
	if p.Reach != nil {
		return p.Reach(l)
	}
	if l.Exposure == monitor.Loopback {
		return reach.Result{Level: reach.ThisComputer, Networks: []reach.Network{}}
	}
	return reach.Result{Level: reach.Everywhere, Networks: []reach.Network{}}
}

// innerReach says what a listener of another network namespace reaches.
// The host's interfaces do not decide it. Without a forwarder, only its
// namespace reaches it, and this computer and its guests when a bridge or
// veth joins that namespace: on loopback, that namespace alone
// (this-computer, narrowed by Inside), otherwise this-machine-guests at
// most. The forwarders on the host that carry connections to it (pasta,
// slirp4netns, rootlessport, docker-proxy) can only widen that: it
// reaches what the widest-reaching of their host listeners reaches when
// that is wider. A forwarder on the host's loopback does not hide a
// wildcard listener from the guests that reach the namespace directly
// (`docker run -p 127.0.0.1:8080:80` leaves the container's port open to
// the bridge).
func (p *Policy) innerReach(l monitor.Listener) reach.Result {
	in := insideOf(l)
	level := reach.Guests
	if a, err := netip.ParseAddr(l.Address); err == nil && a.IsLoopback() {
		level = reach.ThisComputer
	}
	alone := reach.Result{Level: level, Networks: []reach.Network{}, Inside: in}
	fs := l.Forwarders
	if len(fs) == 0 && l.Forwarder != nil {
		fs = []monitor.Forward{*l.Forwarder}
	}
	var best reach.Result
	for _, f := range fs {
		h := monitor.Listener{Proto: f.Proto, Address: f.HostAddress, Port: f.HostPort, Exposure: monitor.Network}
		if a, err := netip.ParseAddr(f.HostAddress); err == nil {
			h.Exposure = monitor.ExposureOf(a)
		}
		r := p.hostReach(h)
		if best.Through == nil || r.Level.Rank() > best.Level.Rank() {
			best = r
			best.Through = &reach.Through{Via: f.Via, PID: f.PID, Address: f.HostAddress, Port: f.HostPort}
		}
	}
	if best.Through == nil || best.Level.Rank() < alone.Level.Rank() {
		in.Forwarded = best.Through != nil
		return alone
	}
	best.Inside = in
	return best
}

// insideOf names a listener's namespace and container for its reach.
func insideOf(l monitor.Listener) *reach.Inside {
	in := &reach.Inside{Namespace: l.Namespace.String()}
	if c := l.Container; c != nil {
		in.Container, in.Engine = c.Name, c.Engine
		if in.Container == "" {
			in.Container = c.ID
			if len(in.Container) > 12 {
				in.Container = in.Container[:12]
			}
		}
	}
	return in
}

// gradeReach sets the severity of an alert whose port triggers fired, by
// what the listener reaches: low for this computer (or ignored, by
// setting) and for its guests; medium for a VPN or a local network; high
// for everywhere, or a network the rules take as public.
func gradeReach(v Verdict, rr reach.Result, r Rules) Verdict {
	v.Alert = true
	switch rr.Level {
	case reach.ThisComputer:
		if r.IgnoreLoopback {
			v.Alert, v.Ignored = false, true
			v.Reasons = append(v.Reasons, "loopback only: ignored by settings")
			return v
		}
		v.Severity = SeverityLow
		v.Reasons = append(v.Reasons, "loopback only: lower severity")
	case reach.Guests:
		v.Severity = SeverityLow
		v.Reasons = append(v.Reasons, "this computer's guests only: lower severity")
	case reach.VPN, reach.LocalNetwork:
		if n, marked, ok := r.Networks.PublicNetwork(rr.Networks); ok {
			v.Severity = SeverityHigh
			v.Reasons = append(v.Reasons, publicReason(n, marked))
			return v
		}
		v.Severity = SeverityMedium
		v.Reasons = append(v.Reasons, "not reachable beyond this network: medium severity")
	default:
		v.Severity = SeverityHigh
	}
	return v
}

// publicReason says why a network counts as public.
func publicReason(n reach.Network, marked bool) string {
	if marked {
		return n.Label() + " is marked public: high severity"
	}
	return n.Label() + " is on no list of networks, and unknown networks count as public: high severity"
}

// Classifier says what an address reaches; a *reach.Watcher is one.
type Classifier interface {
	Classify(addr netip.Addr) reach.Result
}

// ReachOf is a Policy.Reach that asks c about the listener's address; an
// address that does not parse is taken as reaching everywhere.
func ReachOf(c Classifier) func(monitor.Listener) reach.Result {
	return func(l monitor.Listener) reach.Result {
		a, err := netip.ParseAddr(l.Address)
		if err != nil {
			return reach.Result{Level: reach.Everywhere, Networks: []reach.Network{}}
		}
		return c.Classify(a)
	}
}
