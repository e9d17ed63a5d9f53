package monitor

import (
	"net/netip"
	"strings"

	gnet "github.com/shirou/gopsutil/v3/net"
)

// Socket types as gopsutil reports them (the BSD values, the same on Linux,
// macOS and Windows).
const (
	sockStream = 1
	sockDgram  = 2
)

// socketsFromConnections maps gopsutil connections to listening sockets: TCP
// in state LISTEN, and UDP with no remote address (gopsutil labels every UDP
// socket "NONE"; an unconnected one has an empty remote address). The owner's
// pid comes with each connection. Kept free of build tags so it is tested on
// Linux against recorded connection lists.
func socketsFromConnections(conns []gnet.ConnectionStat, out []Socket) []Socket {
	for _, c := range conns {
		var proto Proto
		switch {
		case c.Type == sockStream && c.Status == "LISTEN":
			proto = TCP
		case c.Type == sockDgram && unconnected(c.Raddr):
			proto = UDP
		default:
			continue
		}
		if c.Laddr.Port == 0 || c.Laddr.Port > 65535 {
			continue
		}
		addr, fam, ok := connAddr(c.Laddr.IP, c.Family)
		if !ok {
			continue
		}
		s := Socket{Proto: proto, Family: fam, Address: addr, Port: uint16(c.Laddr.Port), PID: c.Pid}
		// gopsutil knows the owning process's uids (real, effective, ...), not
		// the socket's; the effective uid is the closest. None: 0.
		switch len(c.Uids) {
		case 0:
		case 1:
			s.UID = uint32(c.Uids[0])
		default:
			s.UID = uint32(c.Uids[1])
		}
		out = append(out, s)
	}
	return out
}

func unconnected(r gnet.Addr) bool {
	switch r.IP {
	case "", "*":
		return true
	case "0.0.0.0", "::":
		return r.Port == 0
	}
	return false
}

// afInetAny is AF_INET on every OS gopsutil supports; any other family value
// (10 on Linux, 30 on macOS, 23 on Windows, 28 on FreeBSD) is IPv6.
const afInetAny = 2

// connAddr parses a gopsutil address. "*" and "" (wildcard in lsof and
// netstat output) become 0.0.0.0 or ::, by family. The family follows the
// socket, so a v6 socket bound to an IPv4-mapped address stays IPv6.
func connAddr(ip string, family uint32) (netip.Addr, Family, bool) {
	fam := IPv6
	if family == afInetAny {
		fam = IPv4
	}
	if ip == "*" || ip == "" {
		if fam == IPv4 {
			return netip.IPv4Unspecified(), fam, true
		}
		return netip.IPv6Unspecified(), fam, true
	}
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return netip.Addr{}, "", false
	}
	a = a.WithZone("")
	if fam == IPv4 {
		if !a.Unmap().Is4() {
			return netip.Addr{}, "", false
		}
		a = a.Unmap()
	} else if a.Is4() {
		a = netip.AddrFrom16(a.As16())
	}
	return a, fam, true
}
