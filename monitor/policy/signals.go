package policy

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"portlight/monitor"
	"portlight/provenance"
	"portlight/safetext"
)

// Program signals: facts about the program behind a listener, whatever its
// port. docs/judgement.md says why each exists and what keeps it quiet.
const (
	// TriggerExeWritable: the executable lives where any program could
	// have written it.
	TriggerExeWritable Trigger = "exe-in-writable-place"
	// TriggerExeDeleted: the running file was deleted since it started.
	TriggerExeDeleted Trigger = "exe-deleted"
	// TriggerExeReplaced: the path now names another file than the one
	// running.
	TriggerExeReplaced Trigger = "exe-replaced"
	// TriggerExeMemfd: the program runs from memory, with no file on disk.
	TriggerExeMemfd Trigger = "exe-memfd"
	// TriggerExeAnonymous: the program runs from no file at all.
	TriggerExeAnonymous Trigger = "exe-anonymous"
	// TriggerNameMimics: the process calls itself like something it is not.
	TriggerNameMimics Trigger = "name-mimics"
	// TriggerInterpreterScript: an interpreter runs a script from a
	// writable place, or code given on its command line.
	TriggerInterpreterScript Trigger = "interpreter-untrusted-script"
	// TriggerPackageMismatch: the executable differs from its package's.
	TriggerPackageMismatch Trigger = "package-mismatch"
	// TriggerSelfHidden: one of the user's own programs hides itself.
	TriggerSelfHidden Trigger = "self-hidden"
)

// Signal is one program signal that fired, in plain words.
type Signal struct {
	Trigger Trigger `json:"trigger"`
	// Reason says what was seen.
	Reason string `json:"reason"`
	// Advice says what it means and what the user can do.
	Advice string `json:"advice"`
	// Weak signals are hints rather than evidence: on loopback they alert
	// at low severity, like a port trigger. Strong ones alert at high
	// severity wherever the listener is reachable from.
	Weak bool `json:"weak,omitempty"`
	// Allowable signals are silenced by an allow-list entry that matches
	// the program: the user chose that file, where it lives. The others
	// (a file that differs from its package, a name posing as the system's,
	// a program that hides) alert even then.
	Allowable bool `json:"allowable,omitempty"`
}

// advice holds each signal's explanation, one wording for every surface.
var advice = map[Trigger]string{
	TriggerExeWritable: "Programs you install live in system folders or in your own application folders. " +
		"A temporary, shared or hidden folder is where downloaded or dropped programs run from. " +
		"If you did not start it, end it and delete the file; if you did, move it to a folder of your own or allow it.",
	TriggerExeDeleted: "The file this program started from is gone, which is how programs hide after they start. " +
		"If no update just ran, end the program and look at how it was started.",
	TriggerExeReplaced: "The file at this path changed after the program started. An update does this; " +
		"so does a program replaced by another. Restart it to run the file that is there now.",
	TriggerExeMemfd: "The program runs from memory only, leaving no file on disk to inspect: " +
		"ordinary programs do not do this. End it and find what started it.",
	TriggerExeAnonymous: "The program runs from no file at all. Ordinary programs always have one. " +
		"End it and find what started it.",
	TriggerNameMimics: "Any program can choose its process name. This one's name does not match its file, " +
		"which is how malware passes for a system process. Look at the file it runs, not the name.",
	TriggerInterpreterScript: "An interpreter (Python, Node, a shell) runs whatever code it is given. " +
		"Here that code comes from a temporary or hidden place, or from its command line. " +
		"If you did not start it, end it; if you did, allow that script.",
	TriggerPackageMismatch: "The program's file differs from the one its package installed: it was modified. " +
		"Reinstall the package and find what changed it.",
	TriggerSelfHidden: "One of your own programs made itself unreadable, so Portlight cannot see which program it is. " +
		"Ordinary programs do not hide from their own user. Find it with your system tools (as root) and end it.",
}

// Advice returns a trigger's explanation: what it means and what the user
// can do ("" for triggers without one).
func Advice(t Trigger) string { return advice[t] }

// newSignal builds a signal with its advice.
func newSignal(t Trigger, reason string, weak, allowable bool) Signal {
	return Signal{Trigger: t, Reason: reason, Advice: advice[t], Weak: weak, Allowable: allowable}
}

// shown bounds and escapes a path or name from another program for a reason.
func shown(s string) string { return safetext.Line(s, 120) }

// ProgramSignals returns the signals a process raises, and the facts worth
// saying that raise none (another mount namespace, an update since start).
// Switched-off triggers are left out. It is pure: the places' Stat is the
// only input from the world.
func ProgramSignals(p monitor.Process, o provenance.Origin, pl Places, on Triggers) (sig []Signal, facts []string) {
	add := func(s Signal) {
		if on.Enabled(s.Trigger) {
			sig = append(sig, s)
		}
	}
	exe, deletedMark := strings.CutSuffix(p.Exe, deletedSuffix)
	state := p.Identity.State
	if deletedMark && state == monitor.ExeUnknown {
		state = monitor.ExeDeleted
	}
	if state == monitor.ExeForeignMount && !sandboxed(o) {
		// Any program can unshare a mount namespace of its own (user
		// namespaces are on by default): outside a container or sandbox
		// Portlight knows, the path is judged as it reads, and the
		// kernel's deleted mark still counts.
		state = monitor.ExeUnknown
		if deletedMark {
			state = monitor.ExeDeleted
		}
	}
	intact := o.Packaged() && o.Integrity != provenance.IntegrityMismatch
	switch state {
	case monitor.ExeMemfd:
		add(newSignal(TriggerExeMemfd, "runs from memory (memfd), with no file on disk", false, false))
	case monitor.ExeAnonymous:
		add(newSignal(TriggerExeAnonymous, "runs from no file at all", false, false))
	case monitor.ExeDeleted, monitor.ExeReplaced:
		t, what := TriggerExeDeleted, "deleted"
		if state == monitor.ExeReplaced {
			t, what = TriggerExeReplaced, "replaced"
		}
		if intact {
			facts = append(facts, fmt.Sprintf("%s was %s on disk since it started, by an update of package %s: restart it to run the new version",
				shown(exe), what, shown(o.Package)))
			break
		}
		add(newSignal(t, fmt.Sprintf("its file %s was %s on disk after it started", shown(exe), what), false, false))
	case monitor.ExeForeignMount:
		facts = append(facts, "runs in another mount namespace (a container or sandbox): its path is the one inside it")
	}
	if o.Integrity == provenance.IntegrityMismatch {
		add(newSignal(TriggerPackageMismatch, fmt.Sprintf("its file %s differs from what package %s %s shipped",
			shown(exe), shown(o.Package), shown(o.Version)), false, false))
	}
	foreign := state == monitor.ExeForeignMount
	where := exe
	if o.AppImage != "" {
		// An AppImage runs from a mount under /tmp by design: where the
		// AppImage file lives is what counts.
		where = o.AppImage
	}
	if !foreign && state != monitor.ExeMemfd && state != monitor.ExeAnonymous {
		if pl, ok := pl.Writable(where); ok {
			add(newSignal(TriggerExeWritable, fmt.Sprintf("runs from %s: %s", pl.Words, shown(where)), pl.Weak(), true))
		}
	}
	interp := p.Script != "" || IsInterpreter(exe)
	if interp {
		if code, shell := inlineCode(exe, p.Argv); code {
			add(newSignal(TriggerInterpreterScript, fmt.Sprintf("%s runs code given on its command line", shown(path.Base(exe))), shell, true))
		} else if p.Script != "" && !foreign {
			if pl, ok := pl.Writable(p.Script); ok {
				add(newSignal(TriggerInterpreterScript, fmt.Sprintf("runs the script %s from %s", shown(p.Script), pl.Words), pl.Weak(), true))
			}
		} else if !foreign {
			if s, ok := scriptArgSignal(p, pl); ok {
				add(s)
			}
		}
	}
	if m, ok := nameMimics(p, o, interp); ok {
		if m.poses != "" {
			add(newSignal(TriggerNameMimics, fmt.Sprintf("calls itself %q like %s, but runs %s", shown(m.name), m.poses, shown(exe)), false, false))
		} else {
			add(newSignal(TriggerNameMimics, fmt.Sprintf("calls itself %q, unlike its file %s", shown(m.name), shown(path.Base(exe))), true, true))
		}
	}
	return sig, facts
}

// selfHiddenSignal is the signal of a listener whose owner, one of the
// user's own programs, hides itself.
func selfHiddenSignal() Signal {
	return newSignal(TriggerSelfHidden, "one of your own programs hides which program it is", false, false)
}

// inlineFlags are, per interpreter family, the options that take code on
// the command line: long options whole, short ones as letters of a cluster
// ("-Ic", "-ne").
var inlineFlags = []struct {
	families []string
	long     []string
	short    string
}{
	{[]string{"python", "pypy"}, nil, "c"},
	{[]string{"node", "nodejs", "bun", "electron"}, []string{"--eval", "--print"}, "ep"},
	{[]string{"deno"}, []string{"eval"}, ""},
	{[]string{"ruby"}, nil, "e"},
	{[]string{"perl"}, nil, "eE"},
	{[]string{"php"}, nil, "r"},
	{[]string{"lua", "luajit"}, nil, "e"},
	{[]string{"osascript"}, nil, "e"},
	{[]string{"pwsh", "powershell"}, []string{"-command", "-c", "-encodedcommand", "-enc", "-e"}, ""},
	{[]string{"sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "csh", "tcsh", "busybox"}, nil, "c"},
}

// inlineCode reports whether an interpreter's argv gives it code to run on
// the command line, and whether the interpreter is a shell (for which "-c"
// is how every command runs, so the signal is weak). Options are read up to
// the first argument that is not one: after a script, "-c" is the script's.
func inlineCode(exe string, argv []string) (code, shell bool) {
	base := strings.ToLower(path.Base(exe))
	base = strings.TrimRight(strings.TrimSuffix(base, ".exe"), "0123456789.")
	for _, f := range inlineFlags {
		if !slices.Contains(f.families, base) {
			continue
		}
		shell = f.families[0] == "sh"
		for i, a := range argv {
			if i == 0 {
				continue
			}
			la := strings.ToLower(a)
			switch {
			case la == "--":
				return false, shell
			case slices.Contains(f.long, la):
				return true, shell
			case strings.HasPrefix(a, "--"):
				if k, _, ok := strings.Cut(la, "="); ok && slices.Contains(f.long, k) {
					return true, shell
				}
			case strings.HasPrefix(a, "-") && len(a) > 1 && f.short != "":
				if strings.ContainsAny(a[1:], f.short) {
					return true, shell
				}
			case strings.HasPrefix(a, "-"):
			default:
				return false, shell
			}
		}
		return false, shell
	}
	return false, false
}

// sandboxed reports whether the origin places the process in a container or
// a sandbox (Flatpak, Snap), where another mount namespace is by design.
func sandboxed(o provenance.Origin) bool {
	return o.Container != nil || o.Manager == "flatpak" || o.Manager == "snap"
}

// maxScriptArgs bounds how many arguments scriptArgSignal looks at.
const maxScriptArgs = 16

// scriptExts are the file name endings of scripts and bundles an
// interpreter runs.
var scriptExts = []string{".js", ".mjs", ".cjs", ".ts", ".mts", ".py", ".pyc", ".rb", ".pl", ".php",
	".lua", ".sh", ".bash", ".zsh", ".fish", ".ps1", ".jar", ".tcl", ".r", ".jl"}

// scriptArgSignal covers interpreters whose script the monitor does not
// resolve (deno, bun, lua, fish, pwsh...). The script is the first argument
// that is a path ("./x", "/tmp/x", "dir/x") or named like a script,
// resolved against the working folder; the arguments after it are the
// script's, and a module's name after -m is not a file. (python -m from a
// working folder in /tmp can load a module planted there, but it is also
// how people share a folder over HTTP: not judged.)
func scriptArgSignal(p monitor.Process, pl Places) (Signal, bool) {
	if len(p.Argv) < 2 {
		return Signal{}, false
	}
	afterM := false
	for _, a := range p.Argv[1:min(len(p.Argv), maxScriptArgs+1)] {
		if afterM {
			afterM = false
			continue // the module's name
		}
		if a == "-m" {
			afterM = true
			continue
		}
		if a == "" || strings.HasPrefix(a, "-") {
			continue
		}
		lower := strings.ToLower(a)
		script := slices.ContainsFunc(scriptExts, func(e string) bool { return strings.HasSuffix(lower, e) })
		if !script && !strings.Contains(a, "/") {
			continue
		}
		f := a
		if !path.IsAbs(f) {
			if p.Cwd == "" {
				continue
			}
			f = path.Join(p.Cwd, f)
		}
		if place, ok := pl.Writable(f); ok {
			return newSignal(TriggerInterpreterScript, fmt.Sprintf("runs %s from %s", shown(f), place.Words), place.Weak(), true), true
		}
		break // the arguments after the script are the script's
	}
	return Signal{}, false
}
