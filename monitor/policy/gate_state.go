package policy

import (
	"fmt"
	"sort"
	"time"

	"portlight/monitor"
)

// GateStateVersion is the version of GateState's JSON form.
const GateStateVersion = 1

// MaxKnownPorts bounds GateState.Known; the least recently seen go first.
const MaxKnownPorts = 5000

// GateState is what the Gate remembers across runs: whether the baseline was
// taken, and which program listened on which port. Persist it as JSON (see
// settings.SaveState) whenever Gate.Dirty says so.
type GateState struct {
	Version       int       `json:"version"`
	BaselineTaken bool      `json:"baseline_taken"`
	BaselineTime  time.Time `json:"baseline_time,omitzero"`
	// Known is keyed by "identity|port/proto".
	Known map[string]KnownPort `json:"known"`
	// Programs is keyed by identity: the programs the user was told about
	// (absent from files written before it existed: an empty memory).
	Programs map[string]KnownProgram `json:"programs,omitempty"`
}

// KnownPort is one program seen listening on one port.
type KnownPort struct {
	Identity  string        `json:"identity"`
	Port      uint16        `json:"port"`
	Proto     monitor.Proto `json:"proto"`
	FirstSeen time.Time     `json:"first_seen"`
	LastSeen  time.Time     `json:"last_seen"`
	// ChangeNotified is set once a "changed" notice went out for this
	// program and port, until the program matches its pin again.
	ChangeNotified bool `json:"change_notified,omitempty"`
}

// prune drops the least recently seen entries past MaxKnownPorts.
func (st *GateState) prune() {
	st.Version = GateStateVersion
	st.prunePrograms()
	if len(st.Known) <= MaxKnownPorts {
		return
	}
	keys := make([]string, 0, len(st.Known))
	for k := range st.Known {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return st.Known[keys[i]].LastSeen.Before(st.Known[keys[j]].LastSeen)
	})
	for _, k := range keys[:len(keys)-MaxKnownPorts] {
		delete(st.Known, k)
	}
}

// knownKey identifies a program on a port: "identity|port/proto". The
// address is left out on purpose: a program that rebinds its port on another
// address is not news.
func knownKey(a Assessment) string {
	return Identity(a.Listener) + "|" + portKey(a)
}

// portKey is "port/proto".
func portKey(a Assessment) string {
	return fmt.Sprintf("%d/%s", a.Port, a.Proto)
}
