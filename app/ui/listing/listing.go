// Package listing is the listeners table's model, free of widgets: it turns
// successive scans into rows, marks new rows for a while and keeps closed
// rows briefly (TCPView's habit), and sorts and filters them. The listeners
// window only paints what Rows returns.
package listing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"portlight/content"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/safetext"
)

// Column is one of the table's columns.
type Column int

// Columns, in display order.
const (
	ColPort Column = iota
	ColProto
	ColAddress
	ColExposure
	ColProcess
	ColUser
	ColStatus
	ColVerdict
	NumColumns
)

// Headers are the column titles.
var Headers = [NumColumns]string{"Port", "Proto", "Address", "Reach", "Process", "User", "Status", "Verdict"}

// State is a row's life stage.
type State int

// Row states.
const (
	Live   State = iota // present, seen for a while
	New                 // appeared (or changed owner) recently
	Closed              // gone, kept briefly greyed
)

// Row is one listener in the table.
type Row struct {
	Key   string
	A     policy.Assessment
	State State
	// Changed is when the row became New or Closed.
	Changed time.Time
	// Cells are the row's texts, already made safe.
	Cells [NumColumns]string
}

// Model holds the rows between scans. The zero value is not ready; use New.
type Model struct {
	// NewFor and ClosedFor say how long rows stay highlighted or greyed.
	NewFor, ClosedFor time.Duration

	rows   map[string]*Row
	primed bool
	sort   Column
	desc   bool
	filter string
}

// NewModel returns an empty model with TCPView-like timings (5 s).
func NewModel() *Model {
	return &Model{NewFor: 5 * time.Second, ClosedFor: 5 * time.Second, rows: map[string]*Row{}}
}

// rowKey identifies a row: the endpoint plus its owner, so a new owner on the
// same endpoint shows as a new row and the old one as closed.
func rowKey(a policy.Assessment) string {
	if a.OwnerHidden {
		return fmt.Sprintf("%s uid%d", a.Key(), a.UID)
	}
	return fmt.Sprintf("%s pid%d@%d", a.Key(), a.PID, a.StartTime.UnixNano())
}

// Update merges one scan. Rows not in the scan become Closed; rows that were
// not there before become New, except on the first scan, which only fills
// the table. It also expires old marks, as Tick does.
func (m *Model) Update(scan []policy.Assessment, now time.Time) {
	seen := make(map[string]bool, len(scan))
	for _, a := range scan {
		k := rowKey(a)
		seen[k] = true
		r, ok := m.rows[k]
		switch {
		case !ok:
			r = &Row{Key: k}
			if m.primed {
				r.State, r.Changed = New, now
			}
			m.rows[k] = r
		case r.State == Closed: // came back
			r.State, r.Changed = New, now
		}
		r.A = a
		r.Cells = Cells(a)
	}
	for k, r := range m.rows {
		if !seen[k] && r.State != Closed {
			r.State, r.Changed = Closed, now
		}
	}
	m.primed = true
	m.Tick(now)
}

// Tick expires New marks and drops Closed rows whose time is up. It reports
// whether anything changed.
func (m *Model) Tick(now time.Time) bool {
	changed := false
	for k, r := range m.rows {
		switch {
		case r.State == New && now.Sub(r.Changed) >= m.NewFor:
			r.State = Live
			changed = true
		case r.State == Closed && now.Sub(r.Changed) >= m.ClosedFor:
			delete(m.rows, k)
			changed = true
		}
	}
	return changed
}

// SetSort sorts by col; choosing the current column again reverses the order.
func (m *Model) SetSort(col Column) {
	if col == m.sort {
		m.desc = !m.desc
		return
	}
	m.sort, m.desc = col, false
}

// Sort returns the sort column and whether it is descending.
func (m *Model) Sort() (Column, bool) { return m.sort, m.desc }

// SetFilter keeps only rows whose cells contain s (case-insensitive; all
// space-separated words must match).
func (m *Model) SetFilter(s string) { m.filter = strings.ToLower(strings.TrimSpace(s)) }

// Rows returns the filtered rows in sort order.
func (m *Model) Rows() []Row {
	words := strings.Fields(m.filter)
	out := make([]Row, 0, len(m.rows))
	for _, r := range m.rows {
		if matches(r, words) {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b Row) int {
		c := compare(a, b, m.sort)
		if m.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.A.Port, b.A.Port), cmp.Compare(a.A.Proto, b.A.Proto),
			cmp.Compare(a.A.Address, b.A.Address), cmp.Compare(a.Key, b.Key))
	})
	return out
}

func matches(r *Row, words []string) bool {
	if len(words) == 0 {
		return true
	}
	hay := strings.ToLower(strings.Join(r.Cells[:], " ") + " " + r.A.Exe)
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

func compare(a, b Row, col Column) int {
	if col == ColPort {
		return cmp.Compare(a.A.Port, b.A.Port)
	}
	if col == ColVerdict && a.A.Verdict.Alert != b.A.Verdict.Alert {
		// Alerts first in ascending order: they are what a person looks for.
		if a.A.Verdict.Alert {
			return -1
		}
		return 1
	}
	return cmp.Compare(strings.ToLower(a.Cells[col]), strings.ToLower(b.Cells[col]))
}

// Cells returns the row's texts for each column, safe to show.
func Cells(a policy.Assessment) [NumColumns]string {
	var c [NumColumns]string
	c[ColPort] = fmt.Sprint(a.Port)
	c[ColProto] = string(a.Proto)
	c[ColAddress] = safetext.Line(a.Address, 64)
	c[ColExposure] = content.ReachOf(a).Short()
	switch {
	case a.OwnerHidden:
		c[ColProcess] = "(hidden)"
	case a.Name != "":
		c[ColProcess] = fmt.Sprintf("%s (%d)", safetext.Line(a.Name, 40), a.PID)
	default:
		c[ColProcess] = fmt.Sprintf("pid %d", a.PID)
	}
	c[ColUser] = safetext.Line(a.User, 32)
	if c[ColUser] == "" {
		c[ColUser] = fmt.Sprintf("uid %d", a.UID)
	}
	c[ColStatus] = StatusText(a.PortInfo)
	c[ColVerdict] = VerdictText(a.Verdict)
	return c
}

// StatusText is the port's IANA status in a few words: "ssh", "unassigned".
func StatusText(info portinfo.Info) string {
	switch info.Status {
	case portinfo.Assigned:
		if len(info.Services) > 0 && info.Services[0].Name != "" {
			return "IANA: " + info.Services[0].Name
		}
		return "assigned"
	case portinfo.StatusDynamic:
		return "dynamic"
	case "":
		return "unknown"
	default:
		return string(info.Status)
	}
}

// VerdictText is "alert: unassigned port" or "ok".
func VerdictText(v policy.Verdict) string {
	if v.Alert {
		return "alert: " + strings.Join(v.Reasons, ", ")
	}
	return "ok"
}
