package content

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
	"portlight/safetext"
)

// Owner is one process (or one hidden owner) listening on a port, with all
// the addresses it listens on there. Its Process fields are cleaned for
// display (see Owners); Raw is the process as the monitor reported it.
type Owner struct {
	monitor.Process
	// Raw is the process uncleaned: what actions use (allow-list entries
	// match the real executable path, a folder is opened by its real name,
	// ending a process checks the real executable). Never shown.
	Raw         monitor.Process
	UID         uint32
	OwnerHidden bool
	Addresses   []string
	// Exposure is Network if any of its sockets is reachable from the network.
	Exposure monitor.Exposure
	// Reach is the widest reach among its sockets.
	Reach   reach.Result
	Verdict policy.Verdict
	// Focus is true for the process the window was opened for.
	Focus bool
	// Holders are every process that holds the socket, the owner first,
	// as reported (uncleaned, for ending them); empty when only the owner
	// is known.
	Holders []monitor.Process
	// Judged is the owner's assessment (its worst on this port): its
	// origin, signals and holders, uncleaned; the program's section
	// cleans what it shows.
	Judged policy.Assessment
}

// Owners groups listeners by owner, keeping first the focus pid, then the
// order of the input. Text fields are made safe here, for display; each
// Owner keeps the process as reported in Raw, for actions.
func Owners(now []policy.Assessment, focus int32) []Owner {
	var out []Owner
	index := map[string]int{}
	for _, a := range now {
		k := fmt.Sprintf("%d|%d|%v|%d", a.PID, a.StartTime.UnixNano(), a.OwnerHidden, a.UID)
		i, ok := index[k]
		if !ok {
			p := a.Process
			p.Name = safetext.Line(p.Name, MaxName)
			p.Exe = safetext.Line(p.Exe, MaxPath)
			p.User = safetext.Line(p.User, MaxName)
			p.Cmdline = safetext.Line(p.Cmdline, MaxCmdline)
			out = append(out, Owner{Process: p, Raw: a.Process, UID: a.UID, OwnerHidden: a.OwnerHidden, Exposure: monitor.Loopback,
				Verdict: a.Verdict, Focus: focus != 0 && a.PID == focus, Holders: a.Holders, Judged: a})
			i = len(out) - 1
			index[k] = i
		}
		o := &out[i]
		addr := safetext.Line(a.Address, 64)
		if !slices.Contains(o.Addresses, addr) {
			o.Addresses = append(o.Addresses, addr)
		}
		if a.Exposure == monitor.Network {
			o.Exposure = monitor.Network
		}
		if r := ReachOf(a); r.Level.Rank() > o.Reach.Level.Rank() {
			o.Reach = r
		}
		if rank(LevelOf(a.Verdict)) > rank(LevelOf(o.Verdict)) {
			o.Verdict, o.Judged, o.Holders = a.Verdict, a, a.Holders
		}
	}
	slices.SortStableFunc(out, func(a, b Owner) int {
		switch {
		case a.Focus == b.Focus:
			return 0
		case a.Focus:
			return -1
		default:
			return 1
		}
	})
	return out
}

// DisplayName names the owner's program (see policy.ProgramName: its
// application or file name, never the process name it chose), or a
// stand-in when unknown.
func (o Owner) DisplayName() string {
	switch {
	case o.OwnerHidden:
		return "a hidden process"
	}
	if n := policy.ProgramName(policy.Assessment{Listener: monitor.Listener{Process: o.Raw}, Origin: o.Judged.Origin}); n != "" {
		return n
	}
	return fmt.Sprintf("process %d", o.PID)
}

// OwnerShort is "python3 (pid 1234)" or "a hidden process of uid 0".
func OwnerShort(o Owner) string {
	if o.OwnerHidden {
		return fmt.Sprintf("a hidden process of uid %d", o.UID)
	}
	return fmt.Sprintf("%s (pid %d)", o.DisplayName(), o.PID)
}

// ExposureText says who can reach a listener, in plain words.
func ExposureText(e monitor.Exposure) string {
	if e == monitor.Network {
		return "reachable from the network"
	}
	return "reachable from this computer only"
}

// ReachOf is what an assessment says its listener reaches; one made
// without reach (an older record) falls back to its exposure: loopback
// reaches this computer, anything else the network.
func ReachOf(a policy.Assessment) reach.Result {
	r := reach.Result{Level: a.Reach, Networks: a.ReachNetworks, Inside: a.ReachInside, Through: a.ReachThrough}
	if r.Level == "" {
		r.Level = reach.Everywhere
		if a.Exposure == monitor.Loopback {
			r.Level = reach.ThisComputer
		}
	}
	return r
}

// ReachReason says who can reach the listener in the words of the
// verdict's reasons: "this computer only", "reachable from Wi-Fi 'Café'
// right now".
func ReachReason(a policy.Assessment) string { return ReachOf(a).Text() }

// WidestReason is ReachReason for the widest-reaching of several
// listeners ("" for none).
func WidestReason(as []policy.Assessment) string {
	var best reach.Result
	for _, a := range as {
		if r := ReachOf(a); r.Level.Rank() > best.Level.Rank() {
			best = r
		}
	}
	if best.Level == "" {
		return ""
	}
	return best.Text()
}

// reachText says who can reach an owner's sockets, in a sentence's words.
func reachText(o Owner) string {
	if o.Reach.Inside == nil && (o.Reach.Level == "" || o.Reach.Level == reach.ThisComputer) {
		return ExposureText(o.Exposure)
	}
	return o.Reach.Text()
}

// Since says when a process started: "since 2026-11-25 21:03 (12 minutes ago)".
func Since(start, at time.Time) string {
	if start.IsZero() {
		return "start time unknown"
	}
	s := "since " + start.Local().Format("2006-01-02 15:04")
	if !at.IsZero() && !at.Before(start) {
		s += " (" + Ago(at.Sub(start)) + ")"
	}
	return s
}

// Ago renders a duration coarsely: "less than a minute ago", "12 minutes
// ago", "3 hours ago", "5 days ago". It changes at most once a minute, so a
// window refreshed every second does not redraw for it.
func Ago(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d < time.Minute:
		return "less than a minute ago"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	default:
		return plural(int(d/(24*time.Hour)), "day")
	}
}

// HiddenOwnerCommand is the command that shows a hidden owner on Linux.
func HiddenOwnerCommand(port uint16, proto string) string {
	flag := "-tlnp"
	if proto == "udp" {
		flag = "-ulnp"
	}
	return fmt.Sprintf("sudo ss %s 'sport = :%d'", flag, port)
}

// OwnerLines describes one owner: who, where from, since when, exposure.
func OwnerLines(o Owner, port uint16, proto string, at time.Time) []string {
	addrs := strings.Join(o.Addresses, ", ")
	if o.OwnerHidden {
		return []string{
			fmt.Sprintf("A process of uid %d listens on %s, %s. Portlight cannot see which process without more privileges.", o.UID, addrs, reachText(o)),
			"To see it, run: " + HiddenOwnerCommand(port, proto),
		}
	}
	head := OwnerShort(o)
	if o.User != "" {
		head += ", user " + o.User
	}
	if o.Focus {
		head += " — the process Portlight alerted about"
	}
	lines := []string{head}
	j := o.Judged
	j.Process, j.OwnerHidden = o.Raw, false
	lines = append(lines, ProgramLines(j, true)...)
	if o.Cmdline != "" {
		lines = append(lines, "Command line: "+o.Cmdline)
	}
	lines = append(lines,
		"Running "+Since(o.StartTime, at)+".",
		fmt.Sprintf("Listens on %s, %s.", addrs, reachText(o)))
	if o.Verdict.Alert {
		lines = append(lines, "Portlight alerts: "+safetext.Line(strings.Join(DecidingReasons(j, 0), ", "), MaxCmdline)+".")
	}
	return lines
}

// NowLines is the "Listening now" section.
func NowLines(in Input) []string {
	pp := PortProto(in.Port, in.Proto)
	switch {
	case in.ScanErr != nil:
		return []string{"Could not look at this computer's listening ports: " + safetext.Line(in.ScanErr.Error(), MaxCmdline)}
	case !in.Scanned:
		return []string{"Looking…"}
	case len(in.Now) == 0:
		return []string{fmt.Sprintf("Nothing listens on %s right now.", pp)}
	}
	var lines []string
	for _, o := range Owners(in.Now, in.FocusPID) {
		lines = append(lines, OwnerLines(o, in.Port, in.Proto, in.At)...)
	}
	return lines
}

// BeforeLines is the "Listened before" section.
func BeforeLines(in Input) []string {
	switch {
	case !in.HasHistory:
		return []string{"History not recorded yet."}
	case in.PastPending:
		return []string{"Looking…"}
	case in.PastErr != nil:
		return []string{"Could not read the history: " + safetext.Line(in.PastErr.Error(), MaxCmdline)}
	case len(in.Past) == 0:
		return []string{"The history has no record of a program listening here."}
	}
	var lines []string
	for _, p := range in.Past {
		lines = append(lines, PastLine(p))
	}
	return lines
}

// PastLine describes one past owner: who, how often and how long, when.
func PastLine(p PastOwner) string {
	var who string
	switch {
	case p.OwnerHidden:
		who = fmt.Sprintf("a hidden process of uid %d", p.UID)
	case p.Process.Name != "" && p.Process.PID != 0:
		who = fmt.Sprintf("%s (pid %d)", safetext.Line(p.Process.Name, MaxName), p.Process.PID)
	case p.Process.Name != "":
		who = safetext.Line(p.Process.Name, MaxName)
	}
	if exe := safetext.Line(p.Process.Exe, MaxPath); exe != "" {
		if who != "" {
			who += ", "
		}
		who += exe
	}
	if who == "" {
		who = "an unknown program"
	}
	var facts []string
	switch {
	case p.Sessions == 1:
		facts = append(facts, "once")
	case p.Sessions > 1:
		facts = append(facts, fmt.Sprintf("%d times", p.Sessions))
	}
	if p.Held > 0 {
		facts = append(facts, Duration(p.Held)+" in all")
	}
	when := fmt.Sprintf("%s to %s", p.FirstSeen.Local().Format("2006-01-02 15:04"), p.LastSeen.Local().Format("2006-01-02 15:04"))
	if len(facts) > 0 {
		return fmt.Sprintf("%s: %s, %s.", who, strings.Join(facts, ", "), when)
	}
	return fmt.Sprintf("%s: %s.", who, when)
}

// Duration renders a length of time coarsely: "40 seconds", "12 minutes",
// "3 hours", "5 days".
func Duration(d time.Duration) string {
	return strings.TrimSuffix(strings.Replace(Ago(d), "less than a minute", "under a minute", 1), " ago")
}

// WhyItMatters says, in two sentences, why this port deserves attention.
func WhyItMatters(in Input) string {
	network := false
	for _, a := range in.Now {
		if a.Exposure == monitor.Network {
			network = true
		}
	}
	switch {
	case len(in.Now) == 0:
		return "A listening port is a door into a program, and nothing holds this one open right now. If a program starts listening here, Portlight shows which one and whether the network can reach it."
	case network:
		return "Other computers on your network can connect to this port, so whatever the program serves, it serves to them too. If you do not recognise the program, end it or block the port until you know what it is."
	default:
		return "Only programs on this computer can connect to this port, which limits the risk without removing it: a web page or another local program can still talk to it. If you did not start this program, find out what it is before you trust it."
	}
}

// DefaultChecks are the commands that show who listens on a port, per OS,
// from portinfo.Checks.
func DefaultChecks(port uint16, proto string) []Command {
	return FromChecks(portinfo.Checks(port, proto))
}

// osNames maps portinfo's OS keys to the names people know.
var osNames = map[string]string{"linux": "Linux", "macos": "macOS", "windows": "Windows"}

// FromChecks converts portinfo's checks to commands with OS display names.
func FromChecks(cs []portinfo.Check) []Command {
	out := make([]Command, 0, len(cs))
	for _, c := range cs {
		name, ok := osNames[c.OS]
		if !ok {
			name = c.OS
		}
		out = append(out, Command{OS: name, Title: c.Title, Command: c.Command})
	}
	return out
}
