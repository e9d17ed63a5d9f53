// Package policy decides whether a listener deserves an alert, and says why.
// It is pure: no I/O, no GUI; the monitor's consumers call it.
package policy

import (
	"portlight/monitor"
	"portlight/monitor/portinfo"
)

// Verdict is the judgement on one listener, with the reasons behind it.
type Verdict struct {
	Alert   bool     `json:"alert"`
	Reasons []string `json:"reasons"`
}

// Assessment is a listener with its port facts and verdict: the unit that
// `portlight scan --json`, the tray and the windows show.
type Assessment struct {
	monitor.Listener
	PortInfo portinfo.Info `json:"port_info"`
	Verdict  Verdict       `json:"verdict"`
}

// Judge applies the first rule: alert when a listener's port is unassigned or
// reserved for its protocol.
func Judge(l monitor.Listener, info portinfo.Info) Verdict {
	switch info.Status {
	case portinfo.Unassigned:
		return Verdict{Alert: true, Reasons: []string{"unassigned port"}}
	case portinfo.Reserved:
		return Verdict{Alert: true, Reasons: []string{"reserved port"}}
	}
	return Verdict{Reasons: []string{string(info.Status) + " port"}}
}

// Assess looks the listener's port up and judges it.
func Assess(l monitor.Listener) Assessment {
	info := portinfo.Lookup(l.Port, string(l.Proto))
	return Assessment{Listener: l, PortInfo: info, Verdict: Judge(l, info)}
}
