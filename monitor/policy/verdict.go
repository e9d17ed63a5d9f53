// Package policy decides whether a listener deserves an alert, and says why;
// its Gate decides which alerts become notifications, so that Portlight stays
// quiet for reasons it can show.
//
// Policy.Assess and Gate are pure: what they need from the system (the port
// facts, a file hasher, the kernel's ephemeral range, the usual owners of
// ports, the clock) is injected by the caller. FileHasher and SystemEphemeralRange are the real
// implementations of those inputs.
package policy

import (
	"sync"

	"portlight/monitor"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
	"portlight/provenance"
)

// Severity grades an alert.
type Severity string

// Severities. A verdict without an alert has no severity.
const (
	// SeverityLow: only this computer, or its virtual machines and
	// containers, can reach the listener.
	SeverityLow Severity = "low"
	// SeverityMedium: a VPN or a local network can reach the listener,
	// and the user did not mark that network public.
	SeverityMedium Severity = "medium"
	// SeverityHigh: reachable from everywhere or from a public network,
	// or a pinned program changed.
	SeverityHigh Severity = "high"
)

// Rank orders severities: 0 for none, then low, medium, high.
func (s Severity) Rank() int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	}
	return 0
}

// Trigger names a rule that fired.
type Trigger string

// Triggers, as they appear in Verdict.Triggers and JSON output.
const (
	TriggerUnassigned  Trigger = "unassigned"
	TriggerReserved    Trigger = "reserved"
	TriggerMalwarePort Trigger = "malware-port"
	TriggerDynamic     Trigger = "dynamic-from-network"
	TriggerNotAllowed  Trigger = "not-allowed"
	// TriggerChanged: the program's path is allowed with a SHA-256 pin, and
	// the file no longer matches it.
	TriggerChanged Trigger = "changed"
	// TriggerOwnerChange: another program usually holds the port (the
	// history says so), and this one holds it now.
	TriggerOwnerChange Trigger = "owner-change"
)

// Verdict is the judgement on one listener, with the reasons behind it in
// plain words, whether it alerts or not.
type Verdict struct {
	Alert bool `json:"alert"`
	// Severity is set when Alert is.
	Severity Severity `json:"severity,omitempty"`
	// Triggers are the rules that fired (also when a setting then dropped
	// the alert, e.g. loopback ignored).
	Triggers []Trigger `json:"triggers,omitempty"`
	// Allowed is true when an allow-list entry covers the listener.
	Allowed bool `json:"allowed,omitempty"`
	// Ignored is true when a setting dropped the listener or its alert: an
	// ephemeral UDP client socket, or loopback alerts switched off.
	Ignored bool `json:"ignored,omitempty"`
	// UsualOwner is, when TriggerOwnerChange fired, the executable that
	// usually holds the port.
	UsualOwner string `json:"usual_owner,omitempty"`
	// Signals are the program signals that fired, with their advice (their
	// triggers are in Triggers too, first).
	Signals []Signal `json:"signals,omitempty"`
	// Reasons say why, in order: program signals, then where the program
	// came from, then the port's facts.
	Reasons []string `json:"reasons"`
}

// Changed reports whether the verdict is a pinned program that changed.
func (v Verdict) Changed() bool {
	for _, t := range v.Triggers {
		if t == TriggerChanged {
			return true
		}
	}
	return false
}

// OwnerChange reports whether another program usually holds the port.
func (v Verdict) OwnerChange() bool {
	return v.UsualOwner != ""
}

// Assessment is a listener with its port facts and verdict: the unit that
// `portlight scan --json`, the tray and the windows show.
type Assessment struct {
	monitor.Listener
	PortInfo portinfo.Info `json:"port_info"`
	Verdict  Verdict       `json:"verdict"`
	// Origin is where the owner's program came from (zero when unknown).
	Origin provenance.Origin `json:"origin"`
	// Reach is what the listener's address reaches right now (see package
	// reach); Exposure keeps the older loopback/network split.
	Reach reach.Level `json:"reach"`
	// ReachNetworks are the networks it is reachable from, widest first
	// (empty for this computer only, or when none could be named).
	ReachNetworks []reach.Network `json:"reach_networks"`
	// ReachInside names the other network namespace the listener is in
	// (nil for the host's): its reach is not the host's interfaces' (see
	// reach.Inside).
	ReachInside *reach.Inside `json:"reach_inside,omitempty"`
	// ReachThrough is the host forwarder that listener is reached through
	// (nil when none): Reach and ReachNetworks are its host port's.
	ReachThrough *reach.Through `json:"reach_through,omitempty"`
	// Fingerprint identifies the owner's program file beyond its path, for
	// an alerting listener: its package and version, else its SHA-256 (see
	// Policy.Fingerprint). The noise gate compares it to tell a program it
	// already told about from a changed one.
	Fingerprint string `json:"fingerprint,omitempty"`
}

var (
	defaultOnce   sync.Once
	defaultPolicy *Policy
)

// Default returns the policy with default rules and no allow-list, using
// portinfo.Lookup, the system's ephemeral range and a shared FileHasher.
func Default() *Policy {
	defaultOnce.Do(func() {
		defaultPolicy = &Policy{
			Rules:     DefaultRules(),
			Ephemeral: SystemEphemeralRange(),
			Lookup:    portinfo.Lookup,
			Hash:      SharedHasher.Sum,
			Places:    SystemPlaces(),
			Origin:    SystemOrigin,
			Expected:  KnownExpected,
			Reach:     ReachOf(reach.System()),
		}
	})
	return defaultPolicy
}

// Judge judges a listener with known port facts under the default rules.
func Judge(l monitor.Listener, info portinfo.Info) Verdict {
	return Default().Judge(l, info)
}

// Assess looks the listener's port up and judges it under the default rules
// (no allow-list). Callers that have the user's settings use Policy.Assess.
func Assess(l monitor.Listener) Assessment {
	return Default().Assess(l)
}
