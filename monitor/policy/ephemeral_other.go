//go:build !linux

package policy

// SystemEphemeralRange returns the ephemeral port range: RFC 6335's dynamic
// range, the default of macOS (net.inet.ip.portrange.first/last) and of
// Windows since Vista.
func SystemEphemeralRange() PortRange {
	return IANADynamic
}
