package reach

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ReadKernel reads the interfaces, their addresses and the default routes
// from the kernel over netlink (three dumps: links, addresses, routes), and
// asks sysfs which Ethernet-like devices are Wi-Fi cards or modems. The
// state has no connection names.
func ReadKernel() (*State, error) {
	s := &State{}
	byIndex := map[int]int{}
	if err := dump(unix.RTM_GETLINK, func(m syscall.NetlinkMessage) error {
		if m.Header.Type != unix.RTM_NEWLINK || len(m.Data) < unix.SizeofIfInfomsg {
			return nil
		}
		ifi := (*unix.IfInfomsg)(unsafe.Pointer(&m.Data[0]))
		i := Iface{Index: int(ifi.Index), ARPType: ifi.Type, Up: ifi.Flags&unix.IFF_UP != 0,
			Loopback: ifi.Flags&unix.IFF_LOOPBACK != 0}
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			return fmt.Errorf("parse link attributes: %w", err)
		}
		for _, a := range attrs {
			switch a.Attr.Type {
			case unix.IFLA_IFNAME:
				i.Name = cString(a.Value)
			case unix.IFLA_MASTER:
				if len(a.Value) >= 4 {
					i.Master = int(binary.NativeEndian.Uint32(a.Value))
				}
			case unix.IFLA_LINKINFO:
				i.LinkKind = linkKind(a.Value)
			}
		}
		if i.LinkKind == "" && i.ARPType == unix.ARPHRD_ETHER {
			i.Wireless, i.Mobile = sysfsDevType(i.Name)
		}
		byIndex[i.Index] = len(s.Ifaces)
		s.Ifaces = append(s.Ifaces, i)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := dump(unix.RTM_GETADDR, func(m syscall.NetlinkMessage) error {
		if m.Header.Type != unix.RTM_NEWADDR || len(m.Data) < unix.SizeofIfAddrmsg {
			return nil
		}
		ifa := (*unix.IfAddrmsg)(unsafe.Pointer(&m.Data[0]))
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			return fmt.Errorf("parse address attributes: %w", err)
		}
		var addr, local netip.Addr
		for _, a := range attrs {
			switch a.Attr.Type {
			case unix.IFA_ADDRESS:
				addr, _ = netip.AddrFromSlice(a.Value)
			case unix.IFA_LOCAL:
				local, _ = netip.AddrFromSlice(a.Value)
			}
		}
		if local.IsValid() {
			addr = local // IFA_ADDRESS is the peer's on a point-to-point link
		}
		j, ok := byIndex[int(ifa.Index)]
		if !addr.IsValid() || !ok {
			return nil
		}
		s.Ifaces[j].Addrs = append(s.Ifaces[j].Addrs, netip.PrefixFrom(addr, int(ifa.Prefixlen)))
		return nil
	}); err != nil {
		return nil, err
	}
	if err := dump(unix.RTM_GETROUTE, func(m syscall.NetlinkMessage) error {
		if m.Header.Type != unix.RTM_NEWROUTE || len(m.Data) < unix.SizeofRtMsg {
			return nil
		}
		rt := (*unix.RtMsg)(unsafe.Pointer(&m.Data[0]))
		if rt.Dst_len != 0 || rt.Type != unix.RTN_UNICAST || rt.Table == unix.RT_TABLE_LOCAL {
			return nil
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			return fmt.Errorf("parse route attributes: %w", err)
		}
		for _, oif := range routeInterfaces(attrs) {
			if rt.Family == unix.AF_INET {
				s.Default4 = append(s.Default4, oif)
			} else {
				s.Default6 = append(s.Default6, oif)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// dump asks the kernel for one table (links, addresses or routes) of
// every family and hands each message to f.
func dump(kind int, f func(syscall.NetlinkMessage) error) error {
	what := map[int]string{unix.RTM_GETLINK: "links", unix.RTM_GETADDR: "addresses", unix.RTM_GETROUTE: "routes"}[kind]
	b, err := syscall.NetlinkRIB(kind, unix.AF_UNSPEC)
	if err != nil {
		return fmt.Errorf("netlink dump of %s: %w", what, err)
	}
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return fmt.Errorf("parse netlink dump of %s: %w", what, err)
	}
	for _, m := range msgs {
		if m.Header.Type == unix.NLMSG_ERROR {
			return fmt.Errorf("netlink dump of %s: the kernel answered an error", what)
		}
		if err := f(m); err != nil {
			return err
		}
	}
	return nil
}

// routeInterfaces returns a route's output interfaces: RTA_OIF, or each
// next hop of a multipath route.
func routeInterfaces(attrs []syscall.NetlinkRouteAttr) []int {
	var out []int
	for _, a := range attrs {
		switch a.Attr.Type {
		case unix.RTA_OIF:
			if len(a.Value) >= 4 {
				out = append(out, int(binary.NativeEndian.Uint32(a.Value)))
			}
		case unix.RTA_MULTIPATH:
			for v := a.Value; len(v) >= unix.SizeofRtNexthop; {
				nh := (*unix.RtNexthop)(unsafe.Pointer(&v[0]))
				n := int(nh.Len)
				if n < unix.SizeofRtNexthop || n > len(v) {
					break
				}
				out = append(out, int(nh.Ifindex))
				v = v[min((n+3)&^3, len(v)):]
			}
		}
	}
	return out
}

// linkKind reads IFLA_INFO_KIND out of a nested IFLA_LINKINFO attribute.
func linkKind(b []byte) string {
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b[0:2]))
		t := binary.NativeEndian.Uint16(b[2:4])
		if l < 4 || l > len(b) {
			return ""
		}
		if t == unix.IFLA_INFO_KIND {
			return cString(b[4:l])
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	return ""
}

// cString is a NUL-terminated string's text.
func cString(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\x00")
	return s
}

// sysfsDevType asks sysfs whether an Ethernet-like device is a Wi-Fi card
// or a mobile broadband modem. In a network namespace whose sysfs is the
// host's, a missing or foreign entry just leaves both false.
func sysfsDevType(name string) (wireless, mobile bool) {
	if name == "" || strings.ContainsAny(name, "/") || name == "." || name == ".." {
		return false, false
	}
	dir := "/sys/class/net/" + name
	if _, err := os.Stat(dir + "/wireless"); err == nil {
		return true, false
	}
	b, err := os.ReadFile(dir + "/uevent")
	if err != nil {
		return false, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		switch line {
		case "DEVTYPE=wlan":
			return true, false
		case "DEVTYPE=wwan":
			return false, true
		}
	}
	return false, false
}
