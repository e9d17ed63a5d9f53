package policy

import (
	"fmt"

	"portlight/monitor"
	"portlight/monitor/portinfo"
)

// Policy judges listeners under the user's rules. Its fields are its inputs
// from the world; Assess and Judge do no I/O beyond calling them.
type Policy struct {
	Rules Rules
	// Ephemeral is the kernel's ephemeral port range (the zero range when
	// unknown: then no UDP socket is taken for a client).
	Ephemeral PortRange
	// Lookup returns a port's facts; nil means portinfo.Lookup.
	Lookup func(port uint16, proto string) portinfo.Info
	// Hash returns the lower-case hex SHA-256 of a file; nil means pinned
	// allow-list entries cannot be verified and allow nothing.
	Hash func(path string) (string, error)
	// Owners says who usually holds a port (the history); nil means the
	// owner_change trigger cannot fire.
	Owners UsualOwners
}

// Assess looks the listener's port up and judges it.
func (p *Policy) Assess(l monitor.Listener) Assessment {
	lookup := p.Lookup
	if lookup == nil {
		lookup = portinfo.Lookup
	}
	info := lookup(l.Port, string(l.Proto))
	return Assessment{Listener: l, PortInfo: info, Verdict: p.Judge(l, info)}
}

// Judge decides on a listener whose port facts are known.
//
// The order of the rules: an ephemeral UDP client socket is dropped first
// (when the setting says so); then the allow-list, where a pinned program
// whose file changed alerts at high severity whatever its port; then the
// triggers; last, loopback-only listeners are lowered or dropped.
//
// An owner change (another program usually holds the port) is a trigger
// that the allow-list does not silence unless the entry names the port:
// "allowed on any port" says a program may listen, not that it may take
// over the port the database usually serves, and that takeover is the
// signal. Such a verdict is both Allowed and Alert, and its reasons say so.
// An entry that lists the port is the user saying the program belongs
// there, and wins.
func (p *Policy) Judge(l monitor.Listener, info portinfo.Info) Verdict {
	r := p.Rules
	if l.Proto == monitor.UDP && p.Rules.IgnoreEphemeralUDP && p.Ephemeral.Contains(l.Port) {
		return Verdict{Ignored: true, Reasons: []string{fmt.Sprintf(
			"UDP port in the ephemeral range %s: a client waiting for replies, not a service", p.Ephemeral)}}
	}
	var v Verdict
	portReason := statusReason(info)
	m := matchAllow(l, r.Allow, p.Hash)
	if m.allowed != nil && namesPort(m.allowed, l) {
		v.Allowed = true
		v.Reasons = []string{portReason, "allowed: " + m.allowed.Describe()}
		return v
	}
	usual, moved := p.ownerChange(l)
	if moved {
		v.UsualOwner = usual
	}
	if m.allowed != nil {
		v.Allowed = true
		if !moved {
			v.Reasons = []string{portReason, "allowed: " + m.allowed.Describe()}
			return v
		}
		v.Triggers = []Trigger{TriggerOwnerChange}
		v.Reasons = []string{OwnerChangeReason(l, usual), portReason, allowedDespite(m.allowed)}
		return grade(v, l, r)
	}
	if m.changed != nil {
		v.Alert, v.Severity = true, SeverityHigh
		v.Triggers = []Trigger{TriggerChanged}
		v.Reasons = []string{changedReason(l, m.changed), portReason, exposureReason(l.Exposure)}
		if moved {
			v.Triggers = append(v.Triggers, TriggerOwnerChange)
			v.Reasons = append(v.Reasons, OwnerChangeReason(l, usual))
		}
		return v
	}

	if moved {
		// First: the notification shows the reasons in order, cut short.
		v.Triggers = append(v.Triggers, TriggerOwnerChange)
		v.Reasons = append(v.Reasons, OwnerChangeReason(l, usual))
	}
	v.Reasons = append(v.Reasons, portReason)
	t := r.Triggers
	if t.UnassignedOrReserved {
		switch info.Status {
		case portinfo.Unassigned:
			v.Triggers = append(v.Triggers, TriggerUnassigned)
		case portinfo.Reserved:
			v.Triggers = append(v.Triggers, TriggerReserved)
		}
	}
	if t.MalwarePort {
		if ev := MalwareEvidence(info); len(ev) > 0 {
			v.Triggers = append(v.Triggers, TriggerMalwarePort)
			v.Reasons = append(v.Reasons, fmt.Sprintf("historically reported malware port (%s)", reports(len(ev))))
		}
	}
	dynamic := info.Status == portinfo.StatusDynamic || portinfo.RangeOf(l.Port) == portinfo.Dynamic
	if t.DynamicFromNetwork && dynamic && l.Exposure == monitor.Network {
		v.Triggers = append(v.Triggers, TriggerDynamic)
	}
	if t.NotOnAllowList {
		v.Triggers = append(v.Triggers, TriggerNotAllowed)
		v.Reasons = append(v.Reasons, "not on the allow-list")
	}
	v.Reasons = append(v.Reasons, m.notes...)
	if len(v.Triggers) == 0 {
		return v
	}
	return grade(v, l, r)
}

// grade finishes a verdict whose triggers fired: it says who can reach the
// listener, and alerts at high severity when the network can, at low
// severity (or not at all, by setting) when only this computer can.
func grade(v Verdict, l monitor.Listener, r Rules) Verdict {
	v.Reasons = append(v.Reasons, exposureReason(l.Exposure))
	if l.Exposure == monitor.Loopback {
		if r.IgnoreLoopback {
			v.Ignored = true
			v.Reasons = append(v.Reasons, "loopback only: ignored by settings")
			return v
		}
		v.Alert, v.Severity = true, SeverityLow
		v.Reasons = append(v.Reasons, "loopback only: lower severity")
		return v
	}
	v.Alert, v.Severity = true, SeverityHigh
	return v
}

// statusReason names IANA's position on the port: "unassigned port",
// "reserved port", "dynamic port", "assigned port (https)".
func statusReason(info portinfo.Info) string {
	switch info.Status {
	case portinfo.Assigned:
		if len(info.Services) > 0 && info.Services[0].Name != "" {
			return fmt.Sprintf("assigned port (%s)", info.Services[0].Name)
		}
		return "assigned port"
	case "":
		return "unknown port"
	}
	return string(info.Status) + " port"
}

// exposureReason says who can reach a listener.
func exposureReason(e monitor.Exposure) string {
	if e == monitor.Loopback {
		return "this computer only"
	}
	return "reachable from the network"
}

// changedReason explains a pinned entry whose program no longer matches.
func changedReason(l monitor.Listener, e *AllowEntry) string {
	if _, deleted := ExePath(l); deleted {
		return fmt.Sprintf("changed: the running %s was replaced or deleted on disk since it started; it was pinned by SHA-256", e.Path)
	}
	when := ""
	if !e.Added.IsZero() {
		when = " on " + e.Added.Format("2006-01-02")
	}
	return fmt.Sprintf("changed: %s no longer matches the SHA-256 pinned%s", e.Path, when)
}

// reports counts ATT&CK reports in words.
func reports(n int) string {
	if n == 1 {
		return "1 MITRE ATT&CK report"
	}
	return fmt.Sprintf("%d MITRE ATT&CK reports", n)
}

// AssessAll assesses listeners in order; never nil, so JSON shows [] not
// null.
func (p *Policy) AssessAll(ls []monitor.Listener) []Assessment {
	out := make([]Assessment, 0, len(ls))
	for _, l := range ls {
		out = append(out, p.Assess(l))
	}
	return out
}
