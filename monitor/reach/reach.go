// Package reach says who can reach a listening address, from the
// interfaces, addresses and routes the machine has right now: only this
// computer, the virtual machines and containers it runs, a VPN, the local
// network of an Ethernet or Wi-Fi interface, or everywhere.
//
// A Watcher keeps the kernel's view (read over netlink) and, when
// NetworkManager runs, the names of the active connections (read over the
// system D-Bus), and refreshes them only when the kernel or NetworkManager
// says something changed. A signal never decides anything by itself: on any
// signal the Watcher reads the state again and judges from what it read.
//
// Nothing here imports a GUI toolkit, and nothing opens a network port: a
// netlink socket and a D-Bus connection are all it uses.
package reach

import (
	"fmt"
	"strings"

	"portlight/safetext"
)

// Level is how far a listening address reaches, narrowest first.
type Level string

// Levels, in order of reach.
const (
	// ThisComputer: loopback only.
	ThisComputer Level = "this-computer"
	// Guests: only the virtual machines and containers of this machine
	// (addresses on bridges such as virbr0 or docker0, veth peers).
	Guests Level = "this-machine-guests"
	// VPN: the peers of a VPN or tunnel (tailscale0, wg0, tun0).
	VPN Level = "vpn"
	// LocalNetwork: the subnet of an Ethernet or Wi-Fi interface.
	LocalNetwork Level = "local-network"
	// Everywhere: a wildcard address on a machine with a default route,
	// or a public address.
	Everywhere Level = "everywhere"
)

// Rank orders levels: 0 for this computer up to 4 for everywhere; -1 for
// anything else (an empty or unknown level).
func (l Level) Rank() int {
	switch l {
	case ThisComputer:
		return 0
	case Guests:
		return 1
	case VPN:
		return 2
	case LocalNetwork:
		return 3
	case Everywhere:
		return 4
	}
	return -1
}

// Kind is what sort of network an interface joins.
type Kind string

// Kinds of interface.
const (
	KindLoopback Kind = "loopback"
	KindBridge   Kind = "bridge" // a bridge of virtual machines or containers
	KindVeth     Kind = "veth"   // a container's virtual Ethernet peer
	KindVPN      Kind = "vpn"    // WireGuard, tun/tap, other tunnels
	KindEthernet Kind = "ethernet"
	KindWiFi     Kind = "wifi"
	KindMobile   Kind = "mobile" // a mobile broadband modem
	KindOther    Kind = "other"
)

// Network is one network a listening address can be reached from: an
// interface, what it is and, when NetworkManager knows it, the name of the
// connection it carries.
type Network struct {
	Interface string `json:"interface"`
	Kind      Kind   `json:"kind"`
	// Name is NetworkManager's connection name ("" when unknown).
	Name string `json:"name,omitempty"`
	// UUID is NetworkManager's connection UUID ("" when unknown).
	UUID string `json:"uuid,omitempty"`
	// Type is NetworkManager's connection type, e.g. "802-11-wireless"
	// ("" when unknown).
	Type string `json:"type,omitempty"`
	// Reach is how far this network alone reaches.
	Reach Level `json:"reach"`
	// DefaultRoute is true when the machine's default route goes through
	// this interface.
	DefaultRoute bool `json:"default_route,omitempty"`
}

// Label names the network for people: "Wi-Fi 'Café'", "Ethernet eth0",
// "VPN 'Office' (wg0)". Names come from the network (a Wi-Fi's name is
// chosen by whoever runs it): they are escaped and bounded here.
func (n Network) Label() string {
	word := map[Kind]string{
		KindLoopback: "loopback", KindBridge: "the virtual machines' and containers' network",
		KindVeth: "a container's link", KindVPN: "VPN", KindEthernet: "Ethernet", KindWiFi: "Wi-Fi",
		KindMobile: "mobile broadband", KindOther: "network",
	}[n.Kind]
	if word == "" {
		word = "network"
	}
	iface := safetext.Line(n.Interface, 32)
	if n.Name == "" {
		return word + " " + iface
	}
	s := fmt.Sprintf("%s '%s'", word, safetext.Line(n.Name, 48))
	if n.Kind == KindVPN || n.Kind == KindBridge || n.Kind == KindVeth {
		s += " (" + iface + ")"
	}
	return s
}

// maxShortName bounds a network's name in Short.
const maxShortName = 24

// ShortLabel names the network in a few words, for a menu: "Wi-Fi
// 'Café'", "VPN 'Office'", "Ethernet eth0". The name is escaped and
// bounded.
func (n Network) ShortLabel() string {
	word := KindWord(n.Kind)
	if n.Name == "" {
		return word + " " + safetext.Line(n.Interface, 16)
	}
	return fmt.Sprintf("%s '%s'", word, safetext.Line(n.Name, maxShortName))
}

// KindWord names a kind of network in a word or two, capitalised for a
// table or a list: "Wi-Fi", "Ethernet", "VPN", "Bridge (VMs and
// containers)".
func KindWord(k Kind) string {
	switch k {
	case KindLoopback:
		return "Loopback"
	case KindBridge:
		return "Bridge (VMs and containers)"
	case KindVeth:
		return "Container link"
	case KindVPN:
		return "VPN"
	case KindEthernet:
		return "Ethernet"
	case KindWiFi:
		return "Wi-Fi"
	case KindMobile:
		return "Mobile broadband"
	}
	return "Network"
}

// Result is what an address reaches: the widest level and the networks
// behind it, widest first.
type Result struct {
	Level    Level     `json:"reach"`
	Networks []Network `json:"reach_networks"`
	// Inside is set for an address in another network namespace than the
	// host's: then Level and Networks are those of Through's host port,
	// or, with no forwarder, that namespace's alone (see Inside).
	Inside *Inside `json:"reach_inside,omitempty"`
	// Through is the host forwarder the address is reached through (nil
	// when none).
	Through *Through `json:"reach_through,omitempty"`
}

// Widest returns the networks at the result's level.
func (r Result) Widest() []Network {
	var out []Network
	for _, n := range r.Networks {
		if n.Reach == r.Level {
			out = append(out, n)
		}
	}
	return out
}

// maxNamed bounds how many networks a sentence names.
const maxNamed = 2

// Text says who can reach the address, in the words every surface uses:
// "this computer only", "reachable from Wi-Fi 'Café' right now",
// "reachable from everywhere, through Wi-Fi 'Café' right now"; for a
// listener in another namespace, "only programs inside its container
// 'web'" or "reachable from Wi-Fi 'Café' through pasta on port 8080 right
// now".
func (r Result) Text() string {
	if r.Inside != nil && r.Through == nil {
		return r.insideText()
	}
	via := ""
	if r.Through != nil {
		via = " " + r.Through.phrase()
	}
	switch r.Level {
	case ThisComputer:
		if via != "" {
			return "this computer only," + via
		}
		return "this computer only"
	case "":
		return "reach unknown"
	}
	names := listed(r.Widest())
	switch r.Level {
	case Guests:
		if names == "" {
			return "reachable from the virtual machines and containers on this computer" + via
		}
		return "reachable from the virtual machines and containers on this computer (" + ifaces(r.Widest()) + ")" + via
	case Everywhere:
		var through []Network
		for _, n := range r.Networks {
			if n.DefaultRoute {
				through = append(through, n)
			}
		}
		if len(through) == 0 {
			through = r.Widest()
		}
		if len(through) == 0 {
			through = r.Networks
		}
		switch {
		case len(through) == 0:
			return "reachable from the network" + via
		case via != "":
			return "reachable from everywhere (" + listed(through) + " right now)" + via
		}
		return "reachable from everywhere, through " + listed(through) + " right now"
	}
	if names == "" {
		return "reachable from the network" + via
	}
	return "reachable from " + names + via + " right now"
}

// Short is the result in a word or two, for a table column or a menu: the
// network when a VPN or a local network is all it reaches and it is one
// ("Wi-Fi 'Café'", "VPN 'Office'", "Ethernet eth0"), else the level's (see
// Level.Short), or "inside container" / "inside namespace" for a listener
// of another namespace that no forwarder reaches.
func (r Result) Short() string {
	if r.Inside != nil && r.Through == nil && r.Level == ThisComputer {
		if r.Inside.Container != "" {
			return "inside container"
		}
		return "inside namespace"
	}
	if r.Level == LocalNetwork || r.Level == VPN {
		if w := r.Widest(); len(w) == 1 {
			return w[0].ShortLabel()
		}
	}
	return r.Level.Short()
}

// listed names up to maxNamed networks: "Wi-Fi 'Café' and Ethernet eth0",
// "… and 2 more".
func listed(ns []Network) string {
	var parts []string
	for i, n := range ns {
		if i == maxNamed {
			parts = append(parts, fmt.Sprintf("%d more", len(ns)-maxNamed))
			break
		}
		parts = append(parts, n.Label())
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// ifaces lists interface names: "virbr0, docker0".
func ifaces(ns []Network) string {
	var parts []string
	for i, n := range ns {
		if i == maxNamed {
			parts = append(parts, fmt.Sprintf("%d more", len(ns)-maxNamed))
			break
		}
		parts = append(parts, safetext.Line(n.Interface, 32))
	}
	return strings.Join(parts, ", ")
}

// Short is the level in a word or two, for a table column or a menu:
// "this computer", "VMs and containers", "VPN", "local network",
// "everywhere".
func (l Level) Short() string {
	switch l {
	case ThisComputer:
		return "this computer"
	case Guests:
		return "VMs and containers"
	case VPN:
		return "VPN"
	case LocalNetwork:
		return "local network"
	case Everywhere:
		return "everywhere"
	}
	return "network"
}
