package resident

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"portlight/app/handoff"
	"portlight/content"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
	"portlight/safetext"
)

// Bounds of the tray menu: labels come from untrusted process names, and
// a menu of thousands of entries helps nobody.
const (
	maxLabelName   = 32
	maxMenuEntries = 40
	maxRecent      = 10
	alertMark      = "⚠ "
	unreadMark     = "● "
)

// Entry is one listener line of the tray's "Listening now" submenu: one
// port and protocol of one owner, all its addresses together.
type Entry struct {
	Label string
	Port  uint16
	Proto string
	Alert bool
}

// MenuModel is everything the tray shows, computed by BuildMenu from the
// resident's state; the tray only lays it out.
type MenuModel struct {
	Header    string
	Tooltip   string
	Unread    bool
	Listeners []Entry
	// More counts listeners left out of the submenu.
	More   int
	Recent []RecentEntry
	Pause  string // the "Pause alerts" submenu's title
	Paused bool
	NoScan string // non-empty when scanning fails: why
	// Public says how many alerting listeners a network taken as public
	// reaches ("2 listeners reachable from Wi-Fi 'Café'"), "" for none.
	Public  string
	ListLen int // number of distinct listener entries before bounding
}

// RecentEntry is one line of the "Recent alerts" submenu.
type RecentEntry struct {
	Label string
	ID    string
	Port  uint16
	Proto string
}

// ListenerLabel formats one listener entry, e.g. "2476/tcp  python3  ·
// Wi-Fi 'Café'", prefixed with a warning sign when it alerts; where is
// what the listener reaches in a word or two (reach.Result.Short).
func ListenerLabel(port uint16, proto string, owner string, where string, alert bool) string {
	s := fmt.Sprintf("%d/%s  %s  · %s", port, proto, owner, where)
	if alert {
		return alertMark + s
	}
	return s
}

// ownerLabel is the bounded, cleaned name of a listener's program for a
// menu: its application or file name (policy.ProgramName), never the
// process name it chose.
func ownerLabel(a policy.Assessment) string {
	if a.OwnerHidden {
		return fmt.Sprintf("uid %d (hidden)", a.UID)
	}
	if s := policy.ProgramName(a); s != "" {
		return safetext.Line(s, maxLabelName)
	}
	return "unknown"
}

// RecentLabel formats one recent alert, e.g. "● 14:02  5173/tcp  python3", the
// dot marking it unread.
func RecentLabel(a Alert, now time.Time) string {
	when := a.Time.Format("15:04")
	if now.Sub(a.Time) >= 24*time.Hour || now.YearDay() != a.Time.YearDay() {
		when = a.Time.Format("Jan 2 15:04")
	}
	s := fmt.Sprintf("%s  %d/%s  %s", when, a.Assessment.Port, a.Assessment.Proto, ownerLabel(a.Assessment))
	if !a.Open {
		s += "  (closed)"
	}
	if !a.Read {
		return unreadMark + s
	}
	return s
}

// Counts formats the figures of the header and tooltip.
func Counts(listening, alerting, unread int) string {
	parts := []string{plural(listening, "listener", "listeners")}
	if alerting > 0 {
		parts = append(parts, fmt.Sprintf("%d alerting", alerting))
	}
	if unread > 0 {
		parts = append(parts, plural(unread, "unread alert", "unread alerts"))
	}
	return strings.Join(parts, " · ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// PauseLabel titles the "Pause alerts" submenu.
func PauseLabel(pausedUntil time.Time, forever bool) string {
	switch {
	case forever:
		return "Alerts paused"
	case !pausedUntil.IsZero():
		return "Alerts paused until " + pausedUntil.Format("15:04")
	}
	return "Pause alerts"
}

// State is what BuildMenu needs from the resident.
type State struct {
	Now         time.Time
	Listeners   []policy.Assessment
	Alerts      []Alert
	Unread      int
	PausedUntil time.Time
	PausedAll   bool
	ScanErr     error
	// Problem is what is wrong with the settings file ("" when nothing).
	Problem string
	// Networks are the user's words about networks (the settings'
	// [networks]): which are public.
	Networks policy.NetworkRules
}

// pressing reports whether an alert is unread and reachable from the network.
func pressing(a Alert) bool {
	return !a.Read && a.Assessment.Exposure == monitor.Network
}

// BuildMenu computes the tray's contents: listeners grouped by port,
// protocol and owner (see listenerEntries), recent alerts (see
// recentEntries), counts for the header and tooltip, and what is wrong.
func BuildMenu(s State) MenuModel {
	entries, alerting := listenerEntries(s.Listeners)
	m := MenuModel{ListLen: len(entries)}
	if len(entries) > maxMenuEntries {
		m.More = len(entries) - maxMenuEntries
		entries = entries[:maxMenuEntries]
	}
	m.Listeners = entries
	m.Recent = recentEntries(s.Alerts, s.Now)
	counts := Counts(m.ListLen, alerting, s.Unread)
	m.Header = "Portlight — " + counts
	m.Tooltip = "Portlight\n" + counts
	if m.Public = PublicLine(s.Listeners, s.Networks); m.Public != "" {
		m.Header = "Portlight — " + alertMark + m.Public
		m.Tooltip += "\n" + m.Public
	}
	m.Unread = s.Unread > 0
	if s.ScanErr != nil {
		m.NoScan = safetext.Truncate("Scan failed: "+strings.TrimSpace(safetext.Line(s.ScanErr.Error(), 0)), 80)
		m.Header = "Portlight — scan failed"
		m.Tooltip = "Portlight\n" + m.NoScan
	}
	m.Paused = s.PausedAll || s.PausedUntil.After(s.Now)
	m.Pause = PauseLabel(s.PausedUntil, s.PausedAll)
	if !m.Paused {
		m.Pause = PauseLabel(time.Time{}, false)
	}
	if m.Paused {
		m.Tooltip += "\n" + m.Pause
	}
	if s.Problem != "" {
		m.Tooltip += "\n" + safetext.Truncate("Settings: "+safetext.Line(s.Problem, 0), 120)
	}
	return m
}

// listenerEntries groups listeners by port, protocol and owner (an owner
// on 0.0.0.0 and :: is one entry, saying the wider reach of the two),
// alerting ones first, then the widest-reaching, then by port; it counts
// the alerting entries.
func listenerEntries(as []policy.Assessment) (entries []Entry, alerting int) {
	type group struct {
		e     Entry
		owner string
		reach reach.Result
	}
	groups := map[string]*group{}
	var order []*group
	for _, a := range as {
		owner := ownerLabel(a)
		k := groupKey(a, owner)
		r := content.ReachOf(a)
		g, ok := groups[k]
		if !ok {
			g = &group{e: Entry{Port: a.Port, Proto: string(a.Proto)}, owner: owner, reach: r}
			groups[k] = g
			order = append(order, g)
		}
		if r.Level.Rank() > g.reach.Level.Rank() {
			g.reach = r
		}
		g.e.Alert = g.e.Alert || a.Verdict.Alert
	}
	for _, g := range order {
		g.e.Label = ListenerLabel(g.e.Port, g.e.Proto, g.owner, g.reach.Short(), g.e.Alert)
		if g.e.Alert {
			alerting++
		}
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		switch {
		case a.e.Alert != b.e.Alert:
			return a.e.Alert
		case a.reach.Level.Rank() != b.reach.Level.Rank():
			return a.reach.Level.Rank() > b.reach.Level.Rank()
		case a.e.Port != b.e.Port:
			return a.e.Port < b.e.Port
		case a.e.Proto != b.e.Proto:
			return a.e.Proto < b.e.Proto
		}
		return a.e.Label < b.e.Label
	})
	entries = make([]Entry, len(order))
	for i, g := range order {
		entries[i] = g.e
	}
	return entries, alerting
}

// groupKey is the menu entry a listener belongs to: its port, protocol
// and owner.
func groupKey(a policy.Assessment, owner string) string {
	return fmt.Sprintf("%d/%s %s %d", a.Port, a.Proto, owner, a.PID)
}

// PublicLine says how many alerting listeners (menu entries) a network
// the rules take as public reaches, naming the network most of them
// reach: "2 listeners reachable from Wi-Fi 'Café'"; "" when none does.
func PublicLine(as []policy.Assessment, rules policy.NetworkRules) string {
	type tally struct {
		n      reach.Network
		groups map[string]bool
	}
	var nets []*tally
	for _, a := range as {
		if !a.Verdict.Alert {
			continue
		}
		n, _, ok := rules.PublicNetwork(a.ReachNetworks)
		if !ok {
			continue
		}
		i := slices.IndexFunc(nets, func(t *tally) bool { return t.n.Interface == n.Interface && t.n.UUID == n.UUID })
		if i < 0 {
			nets = append(nets, &tally{n: n, groups: map[string]bool{}})
			i = len(nets) - 1
		}
		nets[i].groups[groupKey(a, ownerLabel(a))] = true
	}
	if len(nets) == 0 {
		return ""
	}
	best := nets[0]
	for _, t := range nets[1:] {
		if len(t.groups) > len(best.groups) {
			best = t
		}
	}
	return plural(len(best.groups), "listener", "listeners") + " reachable from " + best.n.ShortLabel()
}

// recentEntries are the "Recent alerts" lines: unread ones reachable from
// the network first, so a flood of local alerts cannot push them out of
// the submenu; then the rest, newest first.
func recentEntries(alerts []Alert, now time.Time) []RecentEntry {
	recent := slices.Clone(alerts)
	sort.SliceStable(recent, func(i, j int) bool { return pressing(recent[i]) && !pressing(recent[j]) })
	var out []RecentEntry
	for _, a := range recent[:min(len(recent), maxRecent)] {
		out = append(out, RecentEntry{
			Label: RecentLabel(a, now), ID: a.ID,
			Port: a.Assessment.Port, Proto: string(a.Assessment.Proto),
		})
	}
	return out
}

// windowItem is one of the tray menu's fixed items that opens a window.
type windowItem struct {
	label string
	act   action
}

// windowItems are the tray menu's window items, in order: each runs
// portlight-ui <window> (or hands the request to the running window
// process), as windowRequest and windowArgs say.
var windowItems = []windowItem{
	{"Listeners…", action{kind: actListeners}},
	{"History…", action{kind: actHistory}},
	{"Settings…", action{kind: actSettings}},
}

// windowRequest is the window a window item's action opens; ok is false for
// the other actions.
func windowRequest(a action) (req handoff.Request, ok bool) {
	switch a.kind {
	case actListeners:
		return handoff.Request{Kind: handoff.Listeners}, true
	case actHistory:
		return handoff.Request{Kind: handoff.History}, true
	case actSettings:
		return handoff.Request{Kind: handoff.Settings}, true
	}
	return handoff.Request{}, false
}
