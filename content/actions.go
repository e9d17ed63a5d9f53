package content

import (
	"fmt"
	"runtime"
	"strings"
)

// EndProcessTitle is the title of the confirmation before ending a process.
const EndProcessTitle = "End this process?"

// EndProcessQuestion is the confirmation's text: it names the process, its
// pid and its program, and what ending it does on goos ("linux", "windows"…).
func EndProcessQuestion(o Owner, goos string) string {
	exe := o.Exe
	if exe == "" {
		exe = "path not readable"
	}
	ts := EndTargets(o)
	it, them := "it", "it"
	if len(ts) > 1 {
		it, them = "each", "them"
	}
	how := "Portlight asks " + it + " to quit (SIGTERM); unsaved work in " + them + " may be lost."
	if goos == "windows" {
		how = "Windows has no polite way to ask, so Portlight ends " + it + " at once; unsaved work in " + them + " will be lost."
	}
	if len(ts) > 1 {
		var b strings.Builder
		fmt.Fprintf(&b, "End the %d processes that hold this socket?\n", len(ts))
		for _, p := range ts {
			b.WriteString("\n" + HolderText(p))
		}
		b.WriteString("\n\n" + how)
		return b.String()
	}
	return fmt.Sprintf("End %s (pid %d)?\n\nProgram: %s\n\n%s", o.DisplayName(), o.PID, exe, how)
}

// EndProcessQuestionHere is EndProcessQuestion for the running system.
func EndProcessQuestionHere(o Owner) string { return EndProcessQuestion(o, runtime.GOOS) }

// AllowedText confirms an allow-list change.
func AllowedText(o Owner, port uint16, proto string, allPorts bool) string {
	if allPorts {
		return fmt.Sprintf("Allowed %s on every port: Portlight will not alert about it.", o.Exe)
	}
	return fmt.Sprintf("Allowed %s on %s: Portlight will not alert about it there.", o.Exe, PortProto(port, proto))
}

// EndedText confirms that a process was asked to end.
func EndedText(o Owner) string {
	if ts := EndTargets(o); len(ts) > 1 {
		return "Asked process " + processList(ts) + " to end."
	}
	return fmt.Sprintf("Asked %s (pid %d) to end.", o.DisplayName(), o.PID)
}
