package policy

import (
	"fmt"
	"time"
)

// Triggers are the rules that make a new listener alert, each a setting.
// The zero value fires nothing; DefaultRules turns on the defaults.
type Triggers struct {
	// UnassignedOrReserved alerts on a port IANA has assigned to nothing for
	// the protocol, or has reserved: the mission, on by default.
	UnassignedOrReserved bool `toml:"unassigned_or_reserved" json:"unassigned_or_reserved"`
	// MalwarePort alerts on a port with historically reported malware use
	// (see MalwareEvidence for what counts), on by default.
	MalwarePort bool `toml:"malware_port" json:"malware_port"`
	// DynamicFromNetwork alerts on a port in the dynamic range (49152–65535)
	// that is reachable from the network, on by default.
	DynamicFromNetwork bool `toml:"dynamic_from_network" json:"dynamic_from_network"`
	// NotOnAllowList alerts on every listener whose program is not on the
	// allow-list, off by default: strict mode.
	NotOnAllowList bool `toml:"not_on_allow_list" json:"not_on_allow_list"`
	// OwnerChange alerts when a port that one program usually holds (by the
	// history: see Policy.Owners) is held by another, on by default. Only
	// an allow-list entry that names the port silences it.
	OwnerChange bool `toml:"owner_change" json:"owner_change"`
}

// Rules is everything the policy needs from the user's settings.
type Rules struct {
	Triggers Triggers
	// IgnoreLoopback drops alerts for listeners only this computer can reach;
	// otherwise they alert at SeverityLow.
	IgnoreLoopback bool
	// IgnoreEphemeralUDP drops unconnected UDP sockets bound in the kernel's
	// ephemeral range: clients waiting for replies, not services. On by default.
	IgnoreEphemeralUDP bool
	// Allow is the allow-list.
	Allow []AllowEntry
}

// DefaultRules returns the rules a fresh install runs with.
func DefaultRules() Rules {
	return Rules{
		Triggers: Triggers{
			UnassignedOrReserved: true,
			MalwarePort:          true,
			DynamicFromNetwork:   true,
			OwnerChange:          true,
		},
		IgnoreEphemeralUDP: true,
	}
}

// PortRange is an inclusive range of ports, such as the kernel's ephemeral
// range. The zero value contains no port.
type PortRange struct {
	Lo, Hi uint16
}

// Contains reports whether port lies in the range.
func (r PortRange) Contains(port uint16) bool {
	return r.Hi != 0 && port >= r.Lo && port <= r.Hi
}

// String formats the range as "32768–60999".
func (r PortRange) String() string {
	return fmt.Sprintf("%d–%d", r.Lo, r.Hi)
}

// ParsePortRange parses the contents of /proc/sys/net/ipv4/ip_local_port_range:
// two numbers separated by white space.
func ParsePortRange(s string) (PortRange, error) {
	var lo, hi uint32
	if _, err := fmt.Sscan(s, &lo, &hi); err != nil {
		return PortRange{}, fmt.Errorf("parse port range %q: %w", s, err)
	}
	if lo == 0 || hi > 65535 || lo > hi {
		return PortRange{}, fmt.Errorf("parse port range %q: not a range of ports", s)
	}
	return PortRange{Lo: uint16(lo), Hi: uint16(hi)}, nil
}

// IANADynamic is RFC 6335's dynamic range, the ephemeral range of macOS and
// Windows by default.
var IANADynamic = PortRange{Lo: 49152, Hi: 65535}

// Pause silences notifications for a while or until resumed. Listeners are
// still assessed and recorded while paused.
type Pause struct {
	// Until is when the pause ends (zero: not paused by time).
	Until time.Time `toml:"until,omitempty" json:"until,omitzero"`
	// UntilResumed pauses until the user resumes.
	UntilResumed bool `toml:"until_resumed" json:"until_resumed"`
}

// Active reports whether the pause is in force at now.
func (p Pause) Active(now time.Time) bool {
	return p.UntilResumed || now.Before(p.Until)
}
