package monitor

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Bounds on what is kept of a process's command line: a process can make it
// megabytes long (up to a quarter of its stack limit), and Portlight keeps
// the facts of every listener's owner.
const (
	// maxCmdlineBytes is how much of /proc/PID/cmdline is read at most.
	maxCmdlineBytes = 64 << 10
	// maxArgs is how many arguments are kept at most.
	maxArgs = 256
	// maxArgBytes is how long one argument is kept at most.
	maxArgBytes = 4 << 10
)

// truncMark ends an argument that was cut, or the last argument kept when
// arguments were left out.
const truncMark = "…"

// splitCmdline turns the NUL-separated bytes of a command line into its
// argument list within the bounds above: at most maxArgs arguments of at
// most maxArgBytes bytes each (cut on a character boundary). more says that
// b is only the start of the command line. Whatever is left out is marked by
// truncMark at the end of the last argument kept.
func splitCmdline(b []byte, more bool) []string {
	// A process that rewrote its title may leave padding NULs.
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	n := min(bytes.Count(b, []byte{0})+1, maxArgs)
	argv := make([]string, 0, n)
	for {
		arg, rest, found := bytes.Cut(b, []byte{0})
		if len(argv) == maxArgs-1 && found {
			// No room for the rest: the last argument kept says so.
			argv = append(argv, boundArg(arg, true))
			return argv
		}
		argv = append(argv, boundArg(arg, !found && more))
		b = rest
		if !found {
			break
		}
	}
	return argv
}

// boundArg returns arg as a string of at most maxArgBytes bytes, marked when
// cut or when cut is true.
func boundArg(arg []byte, cut bool) string {
	if len(arg) > maxArgBytes {
		i := maxArgBytes
		for i > 0 && !utf8.RuneStart(arg[i]) {
			i--
		}
		arg, cut = arg[:i], true
	}
	if cut {
		return string(arg) + truncMark
	}
	return string(arg)
}

// joinArgv is the flat command line: the non-empty arguments joined by
// spaces, as gopsutil and ps print it.
func joinArgv(argv []string) string {
	var sb strings.Builder
	for _, a := range argv {
		if a == "" {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(a)
	}
	return sb.String()
}
