package content

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/provenance"
	"portlight/safetext"
)

// ProgramTitle is the title of the section that says who a program is.
const ProgramTitle = "Who is this program"

// maxParents bounds the parent chain shown, maxHolders the processes
// named as holding a socket (SO_REUSEPORT servers run dozens).
const (
	maxParents = 6
	maxHolders = 4
)

// ExeStateText says in words what became of a program's file since it
// started: "deleted after it started", "runs from memory (memfd), no file
// on disk"… It is "" for a file that is the one running, and when unknown.
func ExeStateText(s monitor.ExeState) string {
	switch s {
	case monitor.ExeDeleted:
		return "deleted after it started"
	case monitor.ExeReplaced:
		return "replaced on disk after it started: the file there now is not the one running"
	case monitor.ExeMemfd:
		return "runs from memory (memfd), no file on disk"
	case monitor.ExeAnonymous:
		return "runs from no file at all"
	case monitor.ExeForeignMount:
		return "in another mount namespace (a container or sandbox): the path is the one inside it"
	}
	return ""
}

// exeState is the listener's executable state, the kernel's " (deleted)"
// mark counting as deleted when the scanner could not tell more.
func exeState(p monitor.Process) (path string, st monitor.ExeState) {
	path, deleted := strings.CutSuffix(p.Exe, " (deleted)")
	st = p.Identity.State
	if deleted && st == monitor.ExeUnknown {
		st = monitor.ExeDeleted
	}
	return path, st
}

// ProgramName names the assessment's program for people (see
// policy.ProgramName), with a stand-in when neither its application nor its
// file is known: never its process name, which the program chose.
func ProgramName(a policy.Assessment) string {
	if n := policy.ProgramName(a); n != "" {
		return n
	}
	if a.OwnerHidden {
		return fmt.Sprintf("a hidden program of user %d", a.UID)
	}
	return "an unknown program"
}

// CallsItself is "calls itself “sshd”" when the process name differs from
// its file's name (any program chooses its process name), else "".
func CallsItself(p monitor.Process) string {
	name := safetext.Line(p.Name, MaxName)
	path, _ := exeState(p)
	if name == "" || path == "" || alike(name, filepath.Base(path)) {
		return ""
	}
	return "calls itself “" + name + "”"
}

// alike reports whether a process name is its file's: one a prefix of the
// other, ignoring case ("python3" runs python3.11; comm is cut to 15 bytes).
func alike(name, base string) bool {
	n, b := strings.ToLower(name), strings.ToLower(base)
	return strings.HasPrefix(b, n) || strings.HasPrefix(n, b)
}

// FileText is the program's file with its state: "/usr/bin/x", "/tmp/x,
// deleted after it started", "no file: runs from memory (memfd), no file
// on disk"; "not readable" when unknown.
func FileText(p monitor.Process) string {
	path, st := exeState(p)
	path = safetext.Line(path, MaxPath)
	state := ExeStateText(st)
	switch {
	case st == monitor.ExeMemfd || st == monitor.ExeAnonymous:
		if path != "" {
			return path + ", which " + state
		}
		return "none: it " + state
	case path == "" && state == "":
		return "not readable"
	case path == "":
		return state
	case state == "":
		return path
	}
	return path + ", " + state
}

// OriginText says which package or bundle shipped the program and whether
// its file still matches: "shipped by package x 1.2 (dpkg); the file
// matches the package", "not from any package", "Flatpak app org.x 1.2".
// The words are the verdict's own (policy.OriginReasons).
func OriginText(o provenance.Origin) string {
	s := policy.OriginReasons(o)[0]
	switch o.Integrity {
	case provenance.IntegrityMatch:
		s += "; the file matches the package"
	case provenance.IntegrityMismatch:
		s += "; the file differs from what the package shipped"
	default:
		if o.Manager == "dpkg" || o.Manager == "rpm" || o.Manager == "pacman" {
			s += "; the package records no checksum to compare the file with"
		}
	}
	return s
}

// OriginShort is the origin in a word or two, for a table column:
// "dpkg python3.11-minimal", "flatpak org.x", "appimage", "no package".
func OriginShort(o provenance.Origin) string {
	var s string
	switch o.Manager {
	case "":
		return "no package"
	case "appimage":
		s = "appimage"
	case "flatpak", "snap":
		s = o.Manager + " " + firstNonEmpty(o.AppID, o.Package)
	default:
		s = o.Manager + " " + o.Package
	}
	if o.Integrity == provenance.IntegrityMismatch {
		s += " (modified)"
	}
	return safetext.Line(s, 32)
}

// OriginColumn is the origin for a table (see OriginShort), "-" when the
// origin was not looked up or the owner is hidden.
func OriginColumn(a policy.Assessment) string {
	if a.OwnerHidden || !originKnown(a) {
		return "-"
	}
	return OriginShort(a.Origin)
}

// StartedByText says what started the program: its container, systemd
// unit, autostart entry, or a terminal; "" when none of these is known.
func StartedByText(o provenance.Origin) string {
	var parts []string
	if rs := policy.OriginReasons(o); len(rs) > 1 {
		parts = append(parts, rs[1:]...)
	}
	if o.Unit != "" {
		who := "the system's service manager"
		if o.UnitScope == "user" {
			who = "your session's service manager"
		}
		parts = append(parts, "started by "+who+" as "+safetext.Line(o.Unit, MaxName))
	}
	if o.Autostart != "" {
		parts = append(parts, "started at login by the autostart entry "+safetext.Line(o.Autostart, MaxPath))
	}
	if o.Terminal {
		parts = append(parts, "started from a terminal")
	}
	return strings.Join(parts, "; ")
}

// ParentsText is the parent chain, nearest first: "bash, then
// gnome-terminal-server, then systemd".
func ParentsText(parents []string) string {
	var names []string
	for i, p := range parents {
		if i == maxParents {
			names = append(names, fmt.Sprintf("%d more", len(parents)-maxParents))
			break
		}
		names = append(names, safetext.Line(p, MaxName))
	}
	return strings.Join(names, ", then ")
}

// HolderText names one process holding a socket: "pid 1234, x, user alice".
func HolderText(p monitor.Process) string {
	s := fmt.Sprintf("pid %d", p.PID)
	path, _ := exeState(p)
	if path = safetext.Line(filepath.Base(path), MaxName); path != "" && path != "." {
		s += ", " + path
	} else {
		s += ", file not readable"
	}
	if u := safetext.Line(p.User, MaxName); u != "" {
		s += ", user " + u
	}
	return s
}

// SignalLines are one program signal in words: what was seen ("Seen: its
// file … was deleted on disk after it started."), then, on its own line,
// what it means and what the user can do (Signal.Advice).
func SignalLines(s policy.Signal) []string {
	lines := []string{"Seen: " + safetext.Line(s.Reason, MaxCmdline) + "."}
	if s.Advice != "" {
		lines = append(lines, s.Advice)
	}
	return lines
}

// ProgramLines is the "Who is this program" section of an assessment: its
// application and icon, its file and what became of it, the name it calls
// itself, the script it runs, its package, what started it and, when full,
// its parents, every process that holds the socket and what each signal
// means. The compact form (full false) is the explainer's first screen.
// Text from other programs passes through safetext.
func ProgramLines(a policy.Assessment, full bool) []string {
	if a.OwnerHidden {
		lines := []string{fmt.Sprintf("A program of user %d: Portlight cannot see which program it is without more privileges.", a.UID)}
		lines = append(lines, PlaceLines(a.Listener)...)
		if full {
			for _, s := range a.Verdict.Signals {
				lines = append(lines, SignalLines(s)...)
			}
		}
		return lines
	}
	var lines []string
	o := a.Origin
	if o.AppName != "" {
		s := "Application: " + safetext.Line(o.AppName, MaxName)
		if o.Icon != "" {
			s += " (icon " + safetext.Line(o.Icon, MaxName) + ")"
		}
		lines = append(lines, s)
	}
	lines = append(lines, "Program file: "+FileText(a.Process))
	if c := CallsItself(a.Process); c != "" {
		lines = append(lines, "It "+c+".")
	}
	if a.Script != "" {
		lines = append(lines, "Runs the script "+safetext.Line(a.Script, MaxPath))
	}
	if originKnown(a) {
		lines = append(lines, "Package: "+OriginText(o))
	}
	if s := StartedByText(o); s != "" {
		lines = append(lines, upperFirst(s)+".")
	}
	lines = append(lines, PlaceLines(a.Listener)...)
	if !full {
		return lines
	}
	if len(o.Parents) > 0 {
		lines = append(lines, "Parent processes, nearest first: "+ParentsText(o.Parents))
	}
	if len(a.Holders) > 1 {
		hs := make([]string, 0, maxHolders+1)
		for i, h := range a.Holders {
			if i == maxHolders {
				hs = append(hs, fmt.Sprintf("and %d more", len(a.Holders)-maxHolders))
				break
			}
			hs = append(hs, HolderText(h))
		}
		lines = append(lines, fmt.Sprintf("%d processes hold this socket: %s.", len(a.Holders), strings.Join(hs, "; ")))
	}
	for _, s := range a.Verdict.Signals {
		lines = append(lines, SignalLines(s)...)
	}
	return lines
}

// WhoLine says who a listener's program is in one line, for a
// notification: its file and pid, its package or "not from any package",
// and what started it.
func WhoLine(a policy.Assessment) string {
	if a.OwnerHidden {
		return fmt.Sprintf("a program of user %d that Portlight cannot see", a.UID)
	}
	parts := []string{FileText(a.Process)}
	if a.PID != 0 {
		parts[0] += fmt.Sprintf(" (pid %d)", a.PID)
	}
	if originKnown(a) {
		parts = append(parts, policy.OriginReasons(a.Origin)[0])
		if a.Origin.Integrity == provenance.IntegrityMismatch {
			parts = append(parts, "modified since")
		}
	}
	if s := StartedByText(a.Origin); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// originKnown reports whether the assessment knows where its program
// came from: a package claims it, or the policy looked and said "not from
// any package" among its reasons. A policy that cannot look (no origin
// lookup) must not make a program look unpackaged.
func originKnown(a policy.Assessment) bool {
	if a.Origin.Packaged() {
		return true
	}
	return a.Exe != "" && slices.Contains(a.Verdict.Reasons, policy.OriginReasons(a.Origin)[0])
}

// DecidingReasons are the reasons of the verdict that decided, at most n
// (n <= 0: all): the verdict's reasons without those that only say where
// the program came from, which the program's section says.
func DecidingReasons(a policy.Assessment, n int) []string {
	var origin []string
	if !a.OwnerHidden && a.Exe != "" {
		origin = policy.OriginReasons(a.Origin)
	}
	var out []string
	for _, r := range a.Verdict.Reasons {
		if n > 0 && len(out) == n {
			break
		}
		if slices.Contains(origin, r) {
			continue
		}
		out = append(out, safetext.Line(r, MaxCmdline))
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// PlaceLines says, for a listener in another network namespace than the
// host's, which one (and its container), and for either side of a
// forwarder's link, where connections come from or go to; none for a plain
// host listener.
func PlaceLines(l monitor.Listener) []string {
	var lines []string
	if l.Namespace.Inner() {
		s := "Listens inside network namespace " + l.Namespace.String()
		if c := l.Container; c != nil {
			s += ", container " + safetext.Line(firstNonEmpty(c.Name, shortID(c.ID)), MaxName) + " (" + safetext.Line(c.Engine, MaxName) + ")"
		}
		lines = append(lines, s+", not in the host's: only programs in that namespace reach it directly.")
	}
	if f := l.Forwarder; f != nil {
		lines = append(lines, "Reached from the host: "+safetext.Line(f.Describe(), MaxPath)+".")
	}
	if f := l.ForwardedTo; f != nil {
		lines = append(lines, "A forwarder: "+safetext.Line(f.Describe(), MaxPath)+".")
	}
	return lines
}

// shortID is a container id as engines print it: 12 digits.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
