package settingsui

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/safetext"
)

// columns are the allow-list table's headings.
var columns = []string{"App", "Path", "Scope", "Pin", "Added", "Note"}

// Bounds of text shown from an allow-list entry: paths and command lines
// come from other programs (an entry added from a listener or a
// notification), so they are cleaned with safetext.Line and cut.
const (
	maxName = 80
	maxPath = 300
)

// rowCells is one allow-list entry as the table shows it.
func rowCells(e policy.AllowEntry) []string {
	scope := e.Scope()
	if e.Script != "" {
		scope += fmt.Sprintf(", script %q", safetext.Line(e.Script, maxPath))
	}
	if e.Args != "" {
		scope += fmt.Sprintf(", args %q", safetext.Line(e.Args, maxPath))
	}
	pin := "—"
	if e.SHA256 != "" {
		pin = "SHA-256 " + e.SHA256[:12] + "…"
	}
	added := "—"
	if !e.Added.IsZero() {
		added = e.Added.Local().Format("2006-01-02")
	}
	return []string{safetext.Line(filepath.Base(e.Path), maxName), safetext.Line(e.Path, maxPath), scope, pin, added, oneLine(e.Note)}
}

// oneLine keeps a note on one line in a table cell, cleaned.
func oneLine(s string) string { return strings.Join(strings.Fields(safetext.Line(s, maxPath)), " ") }

// parsePorts reads "8384, 22000" into ports; empty means any port.
func parsePorts(s string) ([]uint16, error) {
	var ports []uint16
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.ParseUint(f, 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q is not a port (1–65535)", f)
		}
		ports = append(ports, uint16(n))
	}
	return ports, nil
}

// formatPorts writes ports the way parsePorts reads them.
func formatPorts(ports []uint16) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ", ")
}

// Protocol choices in the entry form.
const (
	protoAny = "TCP and UDP"
	protoTCP = "TCP only"
	protoUDP = "UDP only"
)

// protoChoice maps an entry's protocol to its choice, and back.
func protoChoice(p monitor.Proto) string {
	switch p {
	case monitor.TCP:
		return protoTCP
	case monitor.UDP:
		return protoUDP
	}
	return protoAny
}

func protoOf(choice string) monitor.Proto {
	switch choice {
	case protoTCP:
		return monitor.TCP
	case protoUDP:
		return monitor.UDP
	}
	return ""
}

// pollChoices are the poll intervals offered, in order.
var pollChoices = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}

// pollLabel names an interval: "every 1 s", "every 500 ms".
func pollLabel(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("every %d ms", d.Milliseconds())
	}
	return fmt.Sprintf("every %g s", d.Seconds())
}

// pauseStatus says whether alerts are paused, in words.
func pauseStatus(p policy.Pause, now time.Time) string {
	switch {
	case p.UntilResumed:
		return "Alerts are paused until you resume them."
	case p.Active(now):
		return "Alerts are paused until " + p.Until.Local().Format("15:04 on Jan 2") + "."
	}
	return "Alerts are on."
}

// snoozeStatus lists the snoozed programs still silenced at now.
func snoozeStatus(snooze map[string]time.Time, now time.Time) string {
	var lines []string
	for _, p := range slices.Sorted(maps.Keys(snooze)) {
		if until := snooze[p]; now.Before(until) {
			lines = append(lines, fmt.Sprintf("%s until %s", safetext.Line(p, maxPath), until.Local().Format("15:04 on Jan 2")))
		}
	}
	if len(lines) == 0 {
		return "No app is snoozed."
	}
	return "Snoozed: " + strings.Join(lines, "; ") + "."
}
