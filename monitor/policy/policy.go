package policy

import (
	"fmt"
	"slices"

	"portlight/monitor"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
	"portlight/provenance"
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
	// Origin returns where a process's program came from; nil = unknown.
	Origin func(p monitor.Process) provenance.Origin
	// Expected reports that the knowledge file documents this program on
	// this port (purpose, source); nil = none.
	Expected func(l monitor.Listener, o provenance.Origin) (purpose string, ok bool)
	// Places says where programs live, for the writable-place signals; the
	// zero value judges by path alone.
	Places Places
	// Reach says what a listener's address reaches (a reach.Watcher's
	// Classify); nil takes the listener's Exposure: loopback reaches this
	// computer, anything else everywhere.
	Reach func(l monitor.Listener) reach.Result
}

// Assess looks the listener's port up and judges it.
func (p *Policy) Assess(l monitor.Listener) Assessment {
	lookup := p.Lookup
	if lookup == nil {
		lookup = portinfo.Lookup
	}
	info := lookup(l.Port, string(l.Proto))
	rr := p.reachOf(l)
	v, o := p.judge(l, info, rr)
	a := Assessment{Listener: l, PortInfo: info, Verdict: v, Origin: o, Reach: rr.Level, ReachNetworks: rr.Networks,
		ReachInside: rr.Inside, ReachThrough: rr.Through}
	if v.Alert {
		a.Fingerprint = p.Fingerprint(l.Process, o)
	}
	return a
}

// Judge decides on a listener whose port facts are known: the worst verdict
// over every process that holds the socket (Holders; the owner alone when
// there is no list), each judged by judgeHolder.
func (p *Policy) Judge(l monitor.Listener, info portinfo.Info) Verdict {
	v, _ := p.judge(l, info, p.reachOf(l))
	return v
}

// judge is Judge, also returning the owner's origin; rr is what the
// listener reaches.
func (p *Policy) judge(l monitor.Listener, info portinfo.Info, rr reach.Result) (Verdict, provenance.Origin) {
	o := p.originOf(l)
	best := p.judgeHolder(l, info, o, rr)
	for _, h := range l.Holders {
		if h.PID == l.PID {
			continue
		}
		hl := l
		hl.Process = h
		hv := p.judgeHolder(hl, info, p.originOf(hl), rr)
		if rank(hv) > rank(best) {
			who := h.Exe
			if who == "" {
				who = "a program whose file is not visible"
			}
			hv.Reasons = append([]string{fmt.Sprintf("also held by pid %d, %s", h.PID, shown(who))}, hv.Reasons...)
			best = hv
		}
	}
	return best, o
}

// rank orders verdicts for "worst": high alert, medium, low, anything
// quiet.
func rank(v Verdict) int {
	if !v.Alert {
		return 0
	}
	return max(v.Severity.Rank(), 1)
}

// originOf asks p.Origin about a visible owner.
func (p *Policy) originOf(l monitor.Listener) provenance.Origin {
	if p.Origin == nil || l.OwnerHidden || (l.Exe == "" && l.PID == 0) {
		return provenance.Origin{}
	}
	return p.Origin(l.Process)
}

// judgeHolder judges the listener as held by l.Process.
//
// The program comes first: its signals (see ProgramSignals) alert whatever
// the port; strong ones at high severity even on loopback and even with
// loopback alerts off, weak ones like a port trigger. Then where it came
// from, in words. Then the port, by judgePort: the allow-list, the owner
// change and the port triggers. A program the knowledge file documents on
// this port (Expected), with no signal and an intact file, has its port
// triggers lowered to information: the triggers stay, the alert goes, and
// a reason says what the port is for. The process name decides nothing.
//
// An ephemeral UDP client socket is dropped (by setting) unless a strong
// signal fired: then the program alerts, its socket a client or not.
func (p *Policy) judgeHolder(l monitor.Listener, info portinfo.Info, o provenance.Origin, rr reach.Result) Verdict {
	r := p.Rules
	var sig []Signal
	var facts []string
	if l.SelfHidden && r.Triggers.SelfHidden {
		sig = append(sig, selfHiddenSignal())
	}
	if !l.OwnerHidden {
		s, f := ProgramSignals(l.Process, o, p.Places, r.Triggers)
		sig, facts = append(sig, s...), f
	}
	var lead []string
	for _, s := range sig {
		lead = append(lead, s.Reason)
	}
	lead = append(lead, facts...)
	if l.Published != nil {
		// What the port leads to, said by the engine (Describe cleans it).
		lead = append(lead, l.Published.Describe())
	}
	if p.Origin != nil && !l.OwnerHidden && l.Exe != "" {
		lead = append(lead, provenanceReasons(o)...)
	}

	if l.Proto == monitor.UDP && r.IgnoreEphemeralUDP && p.Ephemeral.Contains(l.Port) {
		ephemeral := fmt.Sprintf("UDP port in the ephemeral range %s: a client waiting for replies, not a service", p.Ephemeral)
		if !hasStrong(sig, false) {
			return Verdict{Ignored: true, Reasons: []string{ephemeral}}
		}
		return Verdict{Alert: true, Severity: SeverityHigh, Triggers: triggersOf(sig), Signals: sig,
			Reasons: append(lead, ephemeral, rr.Text())}
	}

	pv := p.judgePort(l, info, o, rr)
	v := pv.v
	if len(sig) == 0 && pv.want && !pv.strict && p.Expected != nil && !l.OwnerHidden &&
		o.Integrity != provenance.IntegrityMismatch {
		if purpose, ok := p.Expected(l, o); ok {
			pv.want = false
			v.Reasons = append(v.Reasons, shown(purpose)+" (documented)")
		}
	}
	v.Signals = sig
	v.Triggers = append(triggersOf(sig), v.Triggers...)
	v.Reasons = append(lead, v.Reasons...)
	// A notification shows the first reasons, cut short: what decided goes
	// first. A pinned program whose file changed is the user's own rule
	// broken, ahead of any signal; with no program signal, the takeover of
	// another program's port is what decided.
	switch {
	case pv.changed && len(pv.v.Reasons) > 0:
		toFront(v.Reasons, pv.v.Reasons[0])
	case len(sig) == 0 && v.UsualOwner != "":
		toFront(v.Reasons, OwnerChangeReason(l, v.UsualOwner))
	}
	switch {
	case pv.changed || hasStrong(sig, v.Allowed):
		v.Alert, v.Severity = true, SeverityHigh
		v.Reasons = append(v.Reasons, rr.Text())
	case pv.want || hasWeak(sig, v.Allowed):
		v = grade(v, rr, r)
	}
	return v
}

// hasStrong reports whether a strong signal fired that an allow-list match
// (allowed) does not silence.
func hasStrong(sig []Signal, allowed bool) bool {
	for _, s := range sig {
		if !s.Weak && !(allowed && s.Allowable) {
			return true
		}
	}
	return false
}

// hasWeak reports whether a weak signal fired that allowed does not silence.
func hasWeak(sig []Signal, allowed bool) bool {
	for _, s := range sig {
		if s.Weak && !(allowed && s.Allowable) {
			return true
		}
	}
	return false
}

// triggersOf lists the signals' triggers.
func triggersOf(sig []Signal) []Trigger {
	var ts []Trigger
	for _, s := range sig {
		ts = append(ts, s.Trigger)
	}
	return ts
}

// portVerdict is the port's part of a verdict: Triggers, Reasons, Allowed
// and UsualOwner filled, the alert left to judgeHolder.
type portVerdict struct {
	v Verdict
	// want: port triggers fired that alert as exposure grades them.
	want bool
	// changed: a pinned program changed (alerts at high severity).
	changed bool
	// strict: the not-on-allow-list trigger fired, which documentation
	// does not lower.
	strict bool
}

// judgePort applies the allow-list, the owner change and the port
// triggers.
//
// The order: the allow-list, where a pinned program whose file changed
// alerts at high severity whatever its port; then the triggers; last (in
// grade), loopback-only listeners are lowered or dropped.
//
// An owner change (another program usually holds the port) is a trigger
// that the allow-list does not silence unless the entry names the port:
// "allowed on any port" says a program may listen, not that it may take
// over the port the database usually serves, and that takeover is the
// signal. Such a verdict is both Allowed and Alert, and its reasons say so.
// An entry that lists the port is the user saying the program belongs
// there, and wins.
func (p *Policy) judgePort(l monitor.Listener, info portinfo.Info, o provenance.Origin, rr reach.Result) portVerdict {
	r := p.Rules
	var v Verdict
	portReason := statusReason(info)
	m := matchAllow(l, o, p.Origin != nil, r.Allow, p.Hash)
	if m.allowed != nil && namesPort(m.allowed, l) {
		v.Allowed = true
		v.Reasons = []string{portReason, "allowed: " + m.allowed.Describe()}
		return portVerdict{v: v}
	}
	usual, moved := p.ownerChange(l)
	if moved {
		v.UsualOwner = usual
	}
	if m.allowed != nil {
		v.Allowed = true
		if !moved {
			v.Reasons = []string{portReason, "allowed: " + m.allowed.Describe()}
			return portVerdict{v: v}
		}
		v.Triggers = []Trigger{TriggerOwnerChange}
		v.Reasons = []string{OwnerChangeReason(l, usual), portReason, allowedDespite(m.allowed)}
		return portVerdict{v: v, want: true}
	}
	if m.changed != nil {
		v.Triggers = []Trigger{TriggerChanged}
		v.Reasons = []string{m.changedWhy, portReason}
		if moved {
			v.Triggers = append(v.Triggers, TriggerOwnerChange)
			v.Reasons = append(v.Reasons, OwnerChangeReason(l, usual))
		}
		return portVerdict{v: v, changed: true}
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
	if t.DynamicFromNetwork && dynamic && rr.Level != reach.ThisComputer {
		v.Triggers = append(v.Triggers, TriggerDynamic)
	}
	pv := portVerdict{}
	if t.NotOnAllowList {
		v.Triggers = append(v.Triggers, TriggerNotAllowed)
		v.Reasons = append(v.Reasons, "not on the allow-list")
		pv.strict = true
	}
	v.Reasons = append(v.Reasons, m.notes...)
	pv.v, pv.want = v, len(v.Triggers) > 0
	return pv
}

// grade finishes a verdict whose triggers fired: it says who can reach the
// listener and grades the alert by it (see gradeReach).
func grade(v Verdict, rr reach.Result, r Rules) Verdict {
	v.Reasons = append(v.Reasons, rr.Text())
	return gradeReach(v, rr, r)
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

// toFront moves the reason r to the front of rs, keeping the others' order.
func toFront(rs []string, r string) {
	if i := slices.Index(rs, r); i > 0 {
		copy(rs[1:i+1], rs[:i])
		rs[0] = r
	}
}
