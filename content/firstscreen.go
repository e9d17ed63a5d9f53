package content

import (
	"fmt"
	"path/filepath"
	"strings"

	"portlight/monitor"
	"portlight/monitor/knownapps"
	"portlight/monitor/policy"
	"portlight/safetext"
)

// Keys of the explainer's first screen, which answers what a worried
// person asks first, before the port's facts.
const (
	KeyWorry = "worry"
	KeyWhy   = "why"
	KeyWho   = "who"
	KeyDo    = "do"
)

// maxWhy is how many deciding reasons the first screen shows.
const maxWhy = 3

// Level grades the "Should I worry?" line; a window colours it.
type Level string

// Levels: high is an alert at high severity, low one at low severity,
// none no alert; unknown while nothing is known (looking, a failed scan).
const (
	LevelUnknown Level = ""
	LevelNone    Level = "none"
	LevelLow     Level = "low"
	LevelHigh    Level = "high"
)

// LevelOf grades a verdict.
func LevelOf(v policy.Verdict) Level {
	switch {
	case v.Alert && v.Severity == policy.SeverityLow:
		return LevelLow
	case v.Alert:
		return LevelHigh
	}
	return LevelNone
}

// rank orders levels for "worst first".
func rank(l Level) int {
	switch l {
	case LevelHigh:
		return 3
	case LevelLow:
		return 2
	case LevelNone:
		return 1
	}
	return 0
}

// Primary is the listener the first screen is about: the worst of the
// focus process's listeners when it still listens, else the worst of all.
// ok is false when nothing listens.
func Primary(now []policy.Assessment, focus int32) (a policy.Assessment, ok bool) {
	pick := func(match func(policy.Assessment) bool) {
		for _, x := range now {
			if match(x) && (!ok || rank(LevelOf(x.Verdict)) > rank(LevelOf(a.Verdict))) {
				a, ok = x, true
			}
		}
	}
	if focus != 0 {
		pick(func(x policy.Assessment) bool { return x.PID == focus })
	}
	if !ok {
		pick(func(policy.Assessment) bool { return true })
	}
	return a, ok
}

// PrimaryOwner is the owner of the primary listener (see Primary), with
// all its addresses on the port.
func PrimaryOwner(in Input) (Owner, bool) {
	a, ok := Primary(in.Now, in.FocusPID)
	if !ok {
		return Owner{}, false
	}
	for _, o := range Owners(in.Now, in.FocusPID) {
		if o.PID == a.PID && o.OwnerHidden == a.OwnerHidden && o.UID == a.UID && o.StartTime.Equal(a.StartTime) {
			return o, true
		}
	}
	return Owner{}, false
}

// WorryLine answers "Should I worry?" for the port: a verdict line and its
// level, from the primary listener (see Primary).
func WorryLine(in Input) (Level, string) {
	switch {
	case in.ScanErr != nil:
		return LevelUnknown, "Portlight could not look at who listens on this port, so it cannot tell."
	case !in.Scanned:
		return LevelUnknown, "Looking…"
	}
	a, ok := Primary(in.Now, in.FocusPID)
	if !ok {
		return LevelNone, fmt.Sprintf("No: nothing listens on %s now.", PortProto(in.Port, in.Proto))
	}
	return Worry(a)
}

// Worry is the verdict line of one listener.
func Worry(a policy.Assessment) (Level, string) {
	name := ProgramName(a)
	v := a.Verdict
	l := LevelOf(v)
	switch {
	case l == LevelHigh:
		return l, "Yes, look at this now: Portlight alerts about " + name + " at high severity."
	case l == LevelLow:
		return l, "Maybe: Portlight alerts about " + name + ", but only this computer can reach it (low severity)."
	case v.Allowed:
		return l, "No: you allowed " + name + " here."
	case v.Ignored:
		return l, "No: your settings ignore this listener of " + name + "."
	}
	return l, "No: nothing about " + name + " on this port is unusual."
}

// WhyLines are the first screen's deciding reasons (at most three).
func WhyLines(a policy.Assessment) []string {
	rs := DecidingReasons(a, maxWhy)
	if len(rs) == 0 {
		return []string{"Portlight has no reason to give."}
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = upperFirst(r) + "."
	}
	return out
}

// EndTargets are the processes "End process" ends for an owner: every
// process that holds its socket when there are several, else the owner.
func EndTargets(o Owner) []monitor.Process {
	if len(o.Holders) > 1 {
		return o.Holders
	}
	return []monitor.Process{o.Raw}
}

// EndLabel is the End button's text: "End process…" for one process, and
// for several it names them: "End process 1234 (x) and 1240 (x)…".
func EndLabel(o Owner) string {
	ts := EndTargets(o)
	if len(ts) < 2 {
		return "End process…"
	}
	return "End process " + processList(ts) + "…"
}

// processList is "1234 (x), 1240 (y) and 1250 (x)".
func processList(ps []monitor.Process) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		base := "?"
		if path, _ := exeState(p); path != "" {
			base = safetext.Line(filepath.Base(path), 32)
		}
		names[i] = fmt.Sprintf("%d (%s)", p.PID, base)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// DoLines say what the user can do about the primary listener: allow it,
// end it, look at its folder, check by hand. The window shows them as
// buttons; the report and `portlight explain` as these lines.
func DoLines(in Input) []string {
	o, ok := PrimaryOwner(in)
	if !ok {
		return nil
	}
	check := "Check by hand: the commands under “Check by hand” show who listens here."
	if o.OwnerHidden {
		return []string{"See which program it is: " + HiddenOwnerCommand(in.Port, in.Proto), check}
	}
	var lines []string
	if exe := o.Exe; exe != "" && o.Raw.Identity.State != monitor.ExeMemfd {
		allow := "Allow it, if you know it and want it here: "
		if exe == o.Raw.Exe {
			allow += fmt.Sprintf("portlight allow %s --port %d --proto %s", shellQuote(exe), in.Port, in.Proto)
		} else {
			// A path cleaned or cut for display is not the file: no command.
			allow += "use the allow buttons in the explainer window"
		}
		lines = append(lines, allow, "Show its folder: "+safetext.Line(filepath.Dir(exe), MaxPath))
	}
	lines = append(lines, "End it: ends process "+processList(EndTargets(o))+".", check)
	return lines
}

// DocumentedLines are the knowledge file's documented uses of a port, each
// with its source: "Syncthing uses 21027/udp to discover other devices on
// the local network (source: https://…, checked 2026-12-02)."
func DocumentedLines(uses []knownapps.Use) []string {
	var out []string
	for _, u := range uses {
		s := strings.TrimSuffix(strings.TrimSpace(u.Purpose), ".")
		var src []string
		if u.Source != "" {
			src = append(src, "source: "+u.Source)
		}
		if u.Checked != "" {
			src = append(src, "checked "+u.Checked)
		}
		if len(src) > 0 {
			s += " (" + strings.Join(src, ", ") + ")"
		}
		out = append(out, s+".")
	}
	return out
}

// firstScreen is the sections that come before the port's facts.
func firstScreen(in Input) []Section {
	_, line := WorryLine(in)
	secs := []Section{{Key: KeyWorry, Title: "Should I worry?", Lines: []string{line}}}
	a, ok := Primary(in.Now, in.FocusPID)
	if !ok || !in.Scanned || in.ScanErr != nil {
		return secs
	}
	return append(secs,
		Section{Key: KeyWhy, Title: "Why", Lines: WhyLines(a)},
		Section{Key: KeyWho, Title: ProgramTitle, Lines: ProgramLines(a, false)},
		Section{Key: KeyDo, Title: "What you can do", Lines: DoLines(in)},
	)
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@:,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
