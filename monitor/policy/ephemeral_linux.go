package policy

import "os"

// SystemEphemeralRange reads the kernel's ephemeral port range from
// /proc/sys/net/ipv4/ip_local_port_range, falling back to Linux's default
// 32768–60999 when it cannot be read.
func SystemEphemeralRange() PortRange {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return PortRange{Lo: 32768, Hi: 60999}
	}
	r, err := ParsePortRange(string(b))
	if err != nil {
		return PortRange{Lo: 32768, Hi: 60999}
	}
	return r
}
