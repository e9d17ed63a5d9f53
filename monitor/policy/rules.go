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

	// The program signals (see signals.go and docs/judgement.md): facts
	// about the program behind a listener, whatever its port. All on by
	// default.

	// ExeInWritablePlace: the executable lives where any program could
	// have written it (/tmp, a world-writable folder, a hidden folder of a
	// home).
	ExeInWritablePlace bool `toml:"exe_in_writable_place" json:"exe_in_writable_place"`
	// ExeDeleted, ExeReplaced, ExeMemfd, ExeAnonymous: the running image is
	// not the file its path names.
	ExeDeleted   bool `toml:"exe_deleted" json:"exe_deleted"`
	ExeReplaced  bool `toml:"exe_replaced" json:"exe_replaced"`
	ExeMemfd     bool `toml:"exe_memfd" json:"exe_memfd"`
	ExeAnonymous bool `toml:"exe_anonymous" json:"exe_anonymous"`
	// NameMimics: the process calls itself like a kernel thread or a system
	// service it is not, or unlike its executable.
	NameMimics bool `toml:"name_mimics" json:"name_mimics"`
	// InterpreterUntrustedScript: an interpreter runs a script from a
	// writable place, or code given on its command line.
	InterpreterUntrustedScript bool `toml:"interpreter_untrusted_script" json:"interpreter_untrusted_script"`
	// PackageMismatch: the executable differs from what its package shipped.
	PackageMismatch bool `toml:"package_mismatch" json:"package_mismatch"`
	// SelfHidden: one of the user's own programs hides itself from
	// Portlight.
	SelfHidden bool `toml:"self_hidden" json:"self_hidden"`
}

// Enabled reports whether the setting for a program signal's trigger is on;
// triggers that are not program signals report false.
func (t Triggers) Enabled(tr Trigger) bool {
	switch tr {
	case TriggerExeWritable:
		return t.ExeInWritablePlace
	case TriggerExeDeleted:
		return t.ExeDeleted
	case TriggerExeReplaced:
		return t.ExeReplaced
	case TriggerExeMemfd:
		return t.ExeMemfd
	case TriggerExeAnonymous:
		return t.ExeAnonymous
	case TriggerNameMimics:
		return t.NameMimics
	case TriggerInterpreterScript:
		return t.InterpreterUntrustedScript
	case TriggerPackageMismatch:
		return t.PackageMismatch
	case TriggerSelfHidden:
		return t.SelfHidden
	}
	return false
}

// AllSignals returns t with every program signal switched on.
func (t Triggers) AllSignals() Triggers {
	t.ExeInWritablePlace, t.ExeDeleted, t.ExeReplaced, t.ExeMemfd, t.ExeAnonymous = true, true, true, true, true
	t.NameMimics, t.InterpreterUntrustedScript, t.PackageMismatch, t.SelfHidden = true, true, true, true
	return t
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
	// Networks says which networks are public.
	Networks NetworkRules
}

// DefaultRules returns the rules a fresh install runs with.
func DefaultRules() Rules {
	return Rules{
		Triggers: Triggers{
			UnassignedOrReserved: true,
			MalwarePort:          true,
			DynamicFromNetwork:   true,
			OwnerChange:          true,
		}.AllSignals(),
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
