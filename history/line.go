package history

import (
	"encoding/json"
	"time"

	"portlight/monitor"
)

// EventAlert is the Line.Event of an alert; the other events are the
// monitor's kinds (opened, closed, owner_changed).
const EventAlert = "alert"

// Line is one event as exported by `portlight history --json` and `portlight
// watch --json`: one JSON object per line with flat, stable fields that a log
// shipper (Fluent Bit, Vector, Elastic Agent, Wazuh) can forward unchanged.
// Adding fields is fine; renaming or retyping one breaks users' pipelines.
type Line struct {
	// Time is when it happened, RFC 3339 in UTC.
	Time time.Time `json:"time"`
	// Host is the machine's host name.
	Host string `json:"host"`
	// Event is opened, closed, owner_changed or alert; or, for what
	// Portlight records about itself, settings_changed or not_watching
	// (see EventSettingsChanged), whose Reasons say what happened and whose
	// listener fields are empty.
	Event    string           `json:"event"`
	Proto    monitor.Proto    `json:"proto"`
	Port     uint16           `json:"port"`
	Address  string           `json:"address"`
	Exposure monitor.Exposure `json:"exposure"`
	Exe      string           `json:"exe"`
	User     string           `json:"user"`
	PID      int32            `json:"pid"`
	// Alert is true for alert events (and for watch events the policy alerts on).
	Alert bool `json:"alert"`
	// Reasons are the policy's reasons; never null, [] when none.
	Reasons []string `json:"reasons"`
	// PreviousExe is the former owner, for owner_changed.
	PreviousExe string `json:"previous_exe,omitempty"`
	// Action is what the user did with an alert: opened, allowed, dismissed.
	Action string `json:"action,omitempty"`
	// Namespace is, for a listener in another network namespace than the
	// host's, that namespace's inode number (net:[N]); omitted for the
	// host's, so a host event's line is what it always was. An inode is
	// reused once its namespace is gone: with the time, it names one
	// namespace (see docs/namespaces.md).
	Namespace uint64 `json:"namespace,omitempty"`
	// Container is the container that namespace belongs to, when known:
	// engine, id, name, image as in `portlight scan --json`.
	Container *monitor.Container `json:"container,omitempty"`
	// Until is, for not_watching, when Portlight watched again (omitted
	// otherwise); written in TimeFormat by MarshalJSON.
	Until time.Time `json:"-"`
}

// LineFromEvent builds the line for a monitor event, so that `portlight watch
// --json` emits the same shape as the history. Alert is left false: the
// caller sets it from its verdict.
func LineFromEvent(e monitor.Event, host string, reasons []string) Line {
	l := e.Listener
	line := Line{
		Time: e.Time.UTC(), Host: host, Event: string(e.Kind),
		Proto: l.Proto, Port: l.Port, Address: l.Address, Exposure: l.Exposure,
		Exe: l.Exe, User: l.User, PID: l.PID, Reasons: reasons,
	}
	if line.Reasons == nil {
		line.Reasons = []string{}
	}
	if e.Kind == monitor.OwnerChanged && e.Previous != nil {
		line.PreviousExe = e.Previous.Exe
	}
	if l.Namespace.Inner() {
		line.Namespace, line.Container = l.Namespace.ID, l.Container
	}
	return line
}

// TimeFormat is how Line.Time is written: RFC 3339 in UTC with exactly three
// fractional digits, so that shippers can parse it with one fixed pattern
// (Go's default drops trailing zeros and even the dot).
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON writes the line with Time in TimeFormat.
func (l Line) MarshalJSON() ([]byte, error) {
	type plain Line // without the method, to avoid recursion
	var until string
	if !l.Until.IsZero() {
		until = l.Until.UTC().Format(TimeFormat)
	}
	return json.Marshal(struct {
		Time string `json:"time"`
		plain
		Until string `json:"until,omitempty"`
	}{Time: l.Time.UTC().Format(TimeFormat), plain: plain(l), Until: until})
}
