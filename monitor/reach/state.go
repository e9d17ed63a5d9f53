package reach

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Iface is one network interface as the kernel reports it.
type Iface struct {
	Index int
	Name  string
	// LinkKind is the kernel's kind of virtual link ("bridge", "veth",
	// "wireguard", "tun", "dummy", ...), "" for a physical device.
	LinkKind string
	// ARPType is the link's hardware type (1 Ethernet, 772 loopback,
	// 65534 none: tun and WireGuard).
	ARPType uint16
	Up      bool
	// Loopback is the IFF_LOOPBACK flag.
	Loopback bool
	// Master is the index of the bridge or bond this link is a port of (0:
	// none).
	Master int
	// Wireless: the device is a Wi-Fi card (sysfs says so); Mobile: a
	// mobile broadband modem.
	Wireless, Mobile bool
	Addrs            []netip.Prefix
}

// Conn is a NetworkManager connection active on an interface.
type Conn struct {
	Name, UUID, Type string
}

// State is what decides reach: the interfaces with their addresses, which
// ones carry a default route, and the connection names of NetworkManager
// (nil when it does not run). Classify does no I/O.
type State struct {
	Ifaces []Iface
	// Default holds the indexes of the interfaces that carry an IPv4 or
	// IPv6 default route.
	Default4, Default6 []int
	// Conns maps an interface name to its active connection.
	Conns map[string]Conn
}

// Equal reports whether two states decide the same (the order of the
// kernel's lists aside).
func (s *State) Equal(o *State) bool {
	if s == nil || o == nil {
		return s == o
	}
	return s.key() == o.key()
}

// key is a canonical form of the state for Equal.
func (s *State) key() string {
	var b strings.Builder
	is := slices.Clone(s.Ifaces)
	slices.SortFunc(is, func(a, b Iface) int { return a.Index - b.Index })
	for _, i := range is {
		as := slices.Clone(i.Addrs)
		slices.SortFunc(as, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
		c := s.Conns[i.Name]
		fmt.Fprintf(&b, "%d %q %q %d %t %t %t %t %d %v %q %q %q\n", i.Index, i.Name, i.LinkKind, i.ARPType,
			i.Up, i.Loopback, i.Wireless, i.Mobile, i.Master, as, c.Name, c.UUID, c.Type)
	}
	fmt.Fprintf(&b, "%v %v", slices.Sorted(slices.Values(s.Default4)), slices.Sorted(slices.Values(s.Default6)))
	return b.String()
}

// guestBridgePrefixes are names of the bridges that virtualisation and
// container tools create for their guests.
var guestBridgePrefixes = []string{"virbr", "docker", "br-", "podman", "cni", "lxcbr", "lxdbr", "incusbr", "vmnet", "vboxnet"}

// vpnPrefixes are names VPN and tunnel software gives its interfaces.
var vpnPrefixes = []string{"tailscale", "wg", "tun", "tap", "zt", "nordlynx", "proton", "ipsec", "utun", "ppp-vpn"}

// kindOf says what network an interface joins. A bridge with a physical
// port (br0 holding eth0) is that local network; a bridge with only
// virtual ports, or none, is the guests' network.
func (s *State) kindOf(i Iface) Kind {
	switch {
	case i.Loopback || i.ARPType == 772:
		return KindLoopback
	case i.LinkKind == "veth":
		return KindVeth
	case i.LinkKind == "bridge":
		for _, p := range s.Ifaces {
			if p.Master == i.Index && p.Index != i.Index {
				if k := s.kindOf(p); k == KindEthernet || k == KindWiFi || k == KindOther {
					return KindEthernet
				}
			}
		}
		return KindBridge
	case i.LinkKind == "tun" && i.Master != 0:
		return KindVeth // a virtual machine's tap in a bridge
	case i.LinkKind == "wireguard" || i.LinkKind == "tun" || i.LinkKind == "ipip" ||
		i.LinkKind == "gre" || i.LinkKind == "sit" || i.LinkKind == "ip6tnl" || i.LinkKind == "vti":
		return KindVPN
	case i.ARPType == 65534 || hasPrefix(i.Name, vpnPrefixes):
		return KindVPN
	case hasPrefix(i.Name, guestBridgePrefixes) || strings.HasPrefix(i.Name, "vnet") || strings.HasPrefix(i.Name, "veth"):
		return KindBridge
	case i.Wireless:
		return KindWiFi
	case i.Mobile || i.ARPType == 512: // ppp
		return KindMobile
	case i.ARPType == 1:
		return KindEthernet
	}
	return KindOther
}

// levelOf is how far a network of this kind reaches by itself.
func levelOf(k Kind) Level {
	switch k {
	case KindLoopback:
		return ThisComputer
	case KindBridge, KindVeth:
		return Guests
	case KindVPN:
		return VPN
	}
	return LocalNetwork
}

// hasPrefix reports whether name starts with one of the prefixes.
func hasPrefix(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// network describes interface i as a Network.
func (s *State) network(i Iface) Network {
	k := s.kindOf(i)
	c := s.Conns[i.Name]
	return Network{Interface: i.Name, Kind: k, Name: c.Name, UUID: c.UUID, Type: c.Type, Reach: levelOf(k),
		DefaultRoute: slices.Contains(s.Default4, i.Index) || slices.Contains(s.Default6, i.Index)}
}

// Public reports whether a is a public unicast address: not loopback,
// private (RFC 1918, unique local), link-local, shared (100.64.0.0/10, as
// Tailscale uses), documentation or multicast.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// nonPublic are global unicast ranges that the internet does not route to.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Classify says what a listener bound to addr reaches. A loopback address
// reaches this computer only. A wildcard (0.0.0.0, ::) reaches every
// interface that is up: the widest of them, or everywhere when a default
// route exists (:: takes IPv4 too, as Linux does unless the socket is
// IPv6-only). A multicast or broadcast address reaches the local networks
// of every interface, never further. Any other address reaches the
// networks of the interfaces that hold it, or everywhere when it is public
// on a network that is not a VPN's or the guests'.
func (s *State) Classify(addr netip.Addr) Result {
	a := addr.Unmap()
	switch {
	case a.IsLoopback():
		return Result{Level: ThisComputer, Networks: []Network{}}
	case a.IsUnspecified():
		v4 := addr.Is4() || addr.Is4In6()
		return s.union(func(p netip.Prefix) bool { return !v4 || p.Addr().Is4() }, true, !v4)
	case a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		r := s.union(func(p netip.Prefix) bool { return p.Addr().Is4() == a.Is4() }, false, false)
		return r
	}
	var nets []Network
	for _, i := range s.Ifaces {
		if a.Zone() != "" && i.Name != a.Zone() {
			continue
		}
		for _, p := range i.Addrs {
			if p.Addr().WithZone("") == a.WithZone("") {
				nets = append(nets, s.network(i))
				break
			}
		}
	}
	if len(nets) == 0 {
		// Not on any interface (a non-local bind): only its kind is known.
		if Public(a) {
			return Result{Level: Everywhere, Networks: []Network{}}
		}
		return Result{Level: LocalNetwork, Networks: []Network{}}
	}
	r := widest(nets)
	if Public(a) && r.Level == LocalNetwork {
		r.Level = Everywhere
		for j := range r.Networks {
			if r.Networks[j].Reach == LocalNetwork {
				r.Networks[j].Reach = Everywhere
			}
		}
	}
	return r
}

// Networks returns the networks this computer is on right now: those of
// the interfaces that are up and hold an address, widest first, each
// with NetworkManager's connection name when it has one. It is what a
// wildcard address reaches, network by network.
func (s *State) Networks() []Network {
	return s.union(func(netip.Prefix) bool { return true }, true, true).Networks
}

// union is the reach of a wildcard or multicast address: the networks of
// every interface that is up and holds an address of the family (fam),
// and, when routes count, everywhere if a default route exists.
func (s *State) union(fam func(netip.Prefix) bool, routes, both bool) Result {
	var nets []Network
	for _, i := range s.Ifaces {
		if !i.Up || i.Loopback || i.ARPType == 772 {
			continue
		}
		if slices.ContainsFunc(i.Addrs, fam) {
			nets = append(nets, s.network(i))
		}
	}
	r := widest(nets)
	if r.Level == "" {
		r.Level = ThisComputer
	}
	if routes && (len(s.Default4) > 0 && len(nets) > 0 || both && len(s.Default6) > 0 && len(nets) > 0) {
		r.Level = Everywhere
		for j := range r.Networks {
			if r.Networks[j].DefaultRoute && r.Networks[j].Reach == LocalNetwork {
				r.Networks[j].Reach = Everywhere
			}
		}
		sortWidest(r.Networks)
	}
	return r
}

// widest makes a result of networks, widest first.
func widest(nets []Network) Result {
	r := Result{Networks: nets}
	if r.Networks == nil {
		r.Networks = []Network{}
	}
	sortWidest(r.Networks)
	if len(nets) > 0 {
		r.Level = r.Networks[0].Reach
	}
	return r
}

// sortWidest orders networks widest first, then by interface name.
func sortWidest(ns []Network) {
	slices.SortStableFunc(ns, func(a, b Network) int {
		if d := b.Reach.Rank() - a.Reach.Rank(); d != 0 {
			return d
		}
		return strings.Compare(a.Interface, b.Interface)
	})
}
