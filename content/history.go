package content

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"portlight/history"
	"portlight/monitor"
	"portlight/safetext"
)

// HistoryTitle is the history window's title.
const HistoryTitle = "History — Portlight"

// HistoryNoStore is the history window's text while no history store exists.
const HistoryNoStore = "History is not recorded yet: it starts when the tray app or `portlight watch` runs."

// HistoryColumn is one column of the history table.
type HistoryColumn int

// The history table's columns, in order.
const (
	HColTime HistoryColumn = iota
	HColEvent
	HColPort
	HColAddress
	HColPID
	HColUser
	HColExe
	HColDetail
	NumHistoryColumns
)

// HistoryHeaders are the history table's column titles.
var HistoryHeaders = [NumHistoryColumns]string{"Time", "Event", "Port", "Address", "PID", "User", "Program", "Detail"}

// HistoryTimeFormat is how the table writes an event's time (local).
const HistoryTimeFormat = "2006-01-02 15:04:05"

// HistoryRow is one event of the history table: the cleaned cells, and what
// a click on it opens (the explainer of Port/Proto focused on PID).
type HistoryRow struct {
	Cells [NumHistoryColumns]string
	Port  uint16
	Proto string
	PID   int32
	Alert bool
}

// HistoryRows turns stored events (oldest first, as history.Store.Events
// returns them) into table rows, newest first. Every text from the store
// passes through safetext.Line: the database holds what other programs chose
// to call themselves.
func HistoryRows(lines []history.Line) []HistoryRow {
	rows := make([]HistoryRow, 0, len(lines))
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		proto := safetext.Line(string(l.Proto), 8)
		r := HistoryRow{Port: l.Port, Proto: proto, PID: l.PID, Alert: l.Alert || l.Event == history.EventAlert}
		r.Cells[HColTime] = l.Time.Local().Format(HistoryTimeFormat)
		r.Cells[HColEvent] = EventText(l.Event)
		r.Cells[HColPort] = PortProto(l.Port, proto)
		r.Cells[HColAddress] = dash(safetext.Line(l.Address, 64))
		r.Cells[HColPID] = "-"
		if l.PID > 0 {
			r.Cells[HColPID] = strconv.Itoa(int(l.PID))
		}
		r.Cells[HColUser] = dash(safetext.Line(l.User, MaxName))
		r.Cells[HColExe] = dash(safetext.Line(l.Exe, MaxPath))
		r.Cells[HColDetail] = dash(HistoryDetail(l))
		rows = append(rows, r)
	}
	return rows
}

// EventText names an event kind in the table.
func EventText(kind string) string {
	switch kind {
	case string(monitor.Opened):
		return "opened"
	case string(monitor.Closed):
		return "closed"
	case string(monitor.OwnerChanged):
		return "owner changed"
	case history.EventAlert:
		return "alert"
	case "stopped":
		return "watch stopped"
	}
	return safetext.Line(kind, 20)
}

// HistoryDetail is the last column: which namespace or container, for a
// listener not in the host's; the previous owner, or an alert's reasons and
// what the user did about it.
func HistoryDetail(l history.Line) string {
	var parts []string
	if w := l.Where(); w != "" {
		parts = append(parts, safetext.Line(w, MaxPath))
	}
	if l.PreviousExe != "" {
		parts = append(parts, "was "+safetext.Line(l.PreviousExe, MaxPath))
	}
	if len(l.Reasons) > 0 {
		parts = append(parts, safetext.Line(strings.Join(l.Reasons, "; "), MaxCmdline))
	}
	if l.Action != "" {
		parts = append(parts, "("+safetext.Line(l.Action, 20)+")")
	}
	return strings.Join(parts, " ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ParseHistoryPort reads the port field of the history search: "" (any
// port), "5432" (either protocol) or "53/udp".
func ParseHistoryPort(s string) (uint16, monitor.Proto, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "", nil
	}
	port, proto, err := ParsePortSpec(s)
	if err != nil {
		return 0, "", err
	}
	if !strings.Contains(s, "/") {
		proto = ""
	}
	return port, monitor.Proto(proto), nil
}

// The choices of the history search's time field; a person may also type
// anything history.ParseSince reads (90m, 7d, 2w, 2026-11-17, RFC 3339).
const (
	SinceHour  = "Last hour"
	SinceDay   = "Last 24 hours"
	SinceWeek  = "Last 7 days"
	SinceMonth = "Last 30 days"
	SinceAll   = "All time"
)

// SinceChoices are the time field's choices, shortest first.
var SinceChoices = []string{SinceHour, SinceDay, SinceWeek, SinceMonth, SinceAll}

// ParseHistorySince reads the time field: a choice, or a history.ParseSince
// form. "" and SinceAll mean no bound (the zero time).
func ParseHistorySince(s string, now time.Time) (time.Time, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", strings.ToLower(SinceAll), "all":
		return time.Time{}, nil
	case strings.ToLower(SinceHour):
		return now.Add(-time.Hour), nil
	case strings.ToLower(SinceDay):
		return now.Add(-24 * time.Hour), nil
	case strings.ToLower(SinceWeek):
		return now.AddDate(0, 0, -7), nil
	case strings.ToLower(SinceMonth):
		return now.AddDate(0, 0, -30), nil
	}
	t, err := history.ParseSince(s, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s", safetext.Line(err.Error(), MaxCmdline))
	}
	return t, nil
}

// HistoryFilter is what the history window's search row holds.
type HistoryFilter struct {
	Port  string
	App   string
	Since string
}

// HistorySearch is a HistoryFilter read into a store query.
type HistorySearch struct {
	Query history.Query
	// App is the app field, trimmed: a program's full path (asked of the
	// store exactly) or part of one (matched among the latest events).
	App string
}

// Search reads the filter. limit is how many events the table shows.
func (f HistoryFilter) Search(now time.Time, limit int) (HistorySearch, error) {
	port, proto, err := ParseHistoryPort(f.Port)
	if err != nil {
		return HistorySearch{}, fmt.Errorf("port: %w", err)
	}
	since, err := ParseHistorySince(f.Since, now)
	if err != nil {
		return HistorySearch{}, fmt.Errorf("time: %w", err)
	}
	return HistorySearch{Query: history.Query{Port: port, Proto: proto, Since: since, Limit: limit},
		App: strings.TrimSpace(f.App)}, nil
}

// LooksLikePath reports whether the app field holds a full path, which the
// store can look up exactly (an index walk, however old the events).
func LooksLikePath(app string) bool {
	return filepath.IsAbs(app) || strings.HasPrefix(app, "/")
}

// MatchApp reports whether a program's path contains app, ignoring case.
func MatchApp(exe, app string) bool {
	return strings.Contains(strings.ToLower(exe), strings.ToLower(app))
}

// HistoryStatus is the line under the history table. shown is the number of
// rows, limit the most the table shows; scanned, when not 0, is how many of
// the latest events a partial program name was matched among.
func HistoryStatus(shown, limit, scanned int, filtered bool) string {
	var s string
	switch {
	case shown == 0 && !filtered:
		return "No events recorded yet. Listeners are recorded while the tray app or `portlight watch` runs."
	case shown == 0:
		s = "No matching events."
	case shown >= limit:
		s = fmt.Sprintf("Showing the latest %d matching events, newest first; narrow the search to see older ones.", shown)
	case shown == 1:
		s = "1 matching event."
	default:
		s = fmt.Sprintf("%d matching events, newest first.", shown)
	}
	if scanned > 0 {
		s += fmt.Sprintf(" A partial program name is matched among the latest %d events; type the full path to search them all.", scanned)
	}
	if shown > 0 {
		s += " Click a row to explain its port."
	}
	return s
}

// KeyAppBefore is the key of the explainer's "This app before" section.
const KeyAppBefore = "app_before"

// maxAppPorts bounds the ports listed per program in "This app before".
const maxAppPorts = 8

// AppPort is one port a program listened on, summed up from its events.
type AppPort struct {
	Port  uint16
	Proto string
	// Times counts the sessions it started there; Alerts the alerts raised.
	Times  int
	Alerts int
	Last   time.Time
}

// AppPorts sums up one program's events by port, most recently seen first,
// leaving out the port being explained.
func AppPorts(lines []history.Line, skipPort uint16, skipProto string) []AppPort {
	index := map[string]int{}
	var out []AppPort
	for _, l := range lines {
		if l.Port == skipPort && string(l.Proto) == skipProto {
			continue
		}
		k := PortProto(l.Port, string(l.Proto))
		i, ok := index[k]
		if !ok {
			out = append(out, AppPort{Port: l.Port, Proto: safetext.Line(string(l.Proto), 8)})
			i = len(out) - 1
			index[k] = i
		}
		p := &out[i]
		switch l.Event {
		case string(monitor.Opened), string(monitor.OwnerChanged):
			p.Times++
		case history.EventAlert:
			p.Alerts++
		}
		if l.Time.After(p.Last) {
			p.Last = l.Time
		}
	}
	slices.SortStableFunc(out, func(a, b AppPort) int { return b.Last.Compare(a.Last) })
	return out
}

// AppPast is what the history says about one program listening now.
type AppPast struct {
	// Exe is the program's path as the monitor reported it (cleaned here).
	Exe   string
	Ports []AppPort
}

// AppBeforeInput is what the "This app before" section shows.
type AppBeforeInput struct {
	HasHistory bool
	Pending    bool
	Err        error
	// Listening is false when nothing (with a known program) listens now.
	Listening bool
	Apps      []AppPast
}

// AppBeforeSection is the explainer's "This app before": the other ports
// the programs listening now have listened on.
func AppBeforeSection(in AppBeforeInput) Section {
	return Section{Key: KeyAppBefore, Title: "This app before", Lines: AppBeforeLines(in)}
}

// AppBeforeLines is the text of AppBeforeSection.
func AppBeforeLines(in AppBeforeInput) []string {
	switch {
	case !in.HasHistory:
		return []string{"History not recorded yet."}
	case !in.Listening:
		return []string{"No program with a known path listens here now."}
	case in.Pending:
		return []string{"Looking…"}
	case in.Err != nil:
		return []string{"Could not read the history: " + safetext.Line(in.Err.Error(), MaxCmdline)}
	}
	var lines []string
	for _, a := range in.Apps {
		exe := safetext.Line(a.Exe, MaxPath)
		if len(a.Ports) == 0 {
			lines = append(lines, exe+" has not listened on any other port in the history.")
			continue
		}
		lines = append(lines, exe+" also listened on:")
		for i, p := range a.Ports {
			if i == maxAppPorts {
				lines = append(lines, fmt.Sprintf("  and %d more ports (see History).", len(a.Ports)-maxAppPorts))
				break
			}
			lines = append(lines, "  "+AppPortLine(p))
		}
	}
	return lines
}

// AppPortLine is one port of AppBeforeLines, e.g.
// "3000/tcp: 4 times, last 2026-11-20 10:02, 1 alert".
func AppPortLine(p AppPort) string {
	var facts []string
	switch {
	case p.Times == 1:
		facts = append(facts, "once")
	case p.Times > 1:
		facts = append(facts, fmt.Sprintf("%d times", p.Times))
	}
	facts = append(facts, "last "+p.Last.Local().Format("2006-01-02 15:04"))
	switch {
	case p.Alerts == 1:
		facts = append(facts, "1 alert")
	case p.Alerts > 1:
		facts = append(facts, fmt.Sprintf("%d alerts", p.Alerts))
	}
	return PortProto(p.Port, p.Proto) + ": " + strings.Join(facts, ", ")
}

// WithSection returns secs with s inserted after the section keyed after
// (at the end when there is none).
func WithSection(secs []Section, after string, s Section) []Section {
	out := make([]Section, 0, len(secs)+1)
	done := false
	for _, x := range secs {
		out = append(out, x)
		if x.Key == after && !done {
			out = append(out, s)
			done = true
		}
	}
	if !done {
		out = append(out, s)
	}
	return out
}
