package policy

import (
	"slices"
	"sort"
	"time"
)

// MaxKnownPrograms bounds GateState.Programs; the least recently seen go
// first.
const MaxKnownPrograms = 1000

// randomPortFloor is where ports a program gets by binding port 0 begin:
// Linux's default ephemeral range starts here, and the IANA dynamic range
// (what macOS and Windows hand out) above it.
const randomPortFloor = 32768

// KnownProgram is a program the user was told about (by an alert or the
// baseline), as it was then: the file (Assessment.Fingerprint) and its
// program signals. A program that binds a new random port on every start
// (Spotify, VS Code, a debugger) is not news again while these stay the
// same.
type KnownProgram struct {
	Identity    string    `json:"identity"`
	Fingerprint string    `json:"fingerprint"`
	Signals     []Trigger `json:"signals,omitempty"`
	Told        time.Time `json:"told"`
	LastSeen    time.Time `json:"last_seen"`
}

// programSignals lists an assessment's program signal triggers, sorted.
func programSignals(a Assessment) []Trigger {
	ts := triggersOf(a.Verdict.Signals)
	slices.Sort(ts)
	return slices.Compact(ts)
}

// randomPortOnly reports whether an alert is about nothing but a port the
// program was likely handed at random: at or above randomPortFloor, with
// no port trigger but the unassigned and dynamic ones (program signals are
// compared by toldBefore) (no malware port, no
// owner change, no changed pin, not strict mode).
func randomPortOnly(a Assessment) bool {
	if a.Port < randomPortFloor || a.Verdict.OwnerChange() {
		return false
	}
	for _, t := range a.Verdict.Triggers {
		if advice[t] == "" && t != TriggerUnassigned && t != TriggerDynamic {
			return false
		}
	}
	return true
}

// toldBefore reports whether the user was told about a's program as it is
// now: same file fingerprint (which must be known), same signals.
func (g *Gate) toldBefore(a Assessment) bool {
	kp, ok := g.state.Programs[Identity(a.Listener)]
	return ok && a.Fingerprint != "" && kp.Fingerprint == a.Fingerprint && slices.Equal(kp.Signals, programSignals(a))
}

// told remembers that the user was told about a's program at now.
func (g *Gate) told(now time.Time, a Assessment) {
	if g.state.Programs == nil {
		g.state.Programs = map[string]KnownProgram{}
	}
	id := Identity(a.Listener)
	g.state.Programs[id] = KnownProgram{Identity: id, Fingerprint: a.Fingerprint, Signals: programSignals(a), Told: now, LastSeen: now}
	g.dirty = true
}

// seen refreshes a known program's last sighting.
func (g *Gate) seen(now time.Time, a Assessment) {
	id := Identity(a.Listener)
	if kp, ok := g.state.Programs[id]; ok {
		kp.LastSeen = now
		g.state.Programs[id] = kp
		g.dirty = true
	}
}

// prunePrograms drops the least recently seen programs past
// MaxKnownPrograms.
func (st *GateState) prunePrograms() {
	if len(st.Programs) <= MaxKnownPrograms {
		return
	}
	keys := make([]string, 0, len(st.Programs))
	for k := range st.Programs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return st.Programs[keys[i]].LastSeen.Before(st.Programs[keys[j]].LastSeen)
	})
	for _, k := range keys[:len(keys)-MaxKnownPrograms] {
		delete(st.Programs, k)
	}
}
