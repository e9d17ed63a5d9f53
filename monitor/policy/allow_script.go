package policy

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"portlight/monitor"
)

// Migrated returns the entry in today's form: an Args glob written by an
// older Portlight that names an absolute script without wildcards
// ("python3 /srv/app.py --port 8000", as "Allow" recorded it) becomes
// Script = "/srv/app.py". The script is the program's identity; the
// arguments that followed it are dropped, so the entry keeps allowing the
// script after its options change. Any other Args is kept (and matched
// against the resolved script; see AllowEntry.Args).
func (e AllowEntry) Migrated() AllowEntry {
	if e.Args == "" || e.Script != "" || strings.HasPrefix(e.Args, "*") {
		return e
	}
	if s, ok := scriptIn(e.Path, e.Args); ok {
		e.Script, e.Args = s, ""
	}
	return e
}

// scriptIn finds the script in an old command-line glob: the first word
// that is not the interpreter or an option. It must be an absolute path
// without wildcards.
func scriptIn(interp, args string) (string, bool) {
	words := strings.Fields(args)
	if len(words) > 0 {
		b := filepath.Base(words[0])
		if IsInterpreter(words[0]) || strings.HasPrefix(filepath.Base(interp), b) {
			words = words[1:]
		}
	}
	for _, w := range words {
		if w == "-m" || w == "-c" || w == "-e" {
			return "", false // a module or code, not a script
		}
		if strings.HasPrefix(w, "-") {
			continue
		}
		if strings.ContainsAny(w, "*?") || !filepath.IsAbs(w) {
			return "", false
		}
		return filepath.Clean(w), true
	}
	return "", false
}

// MatchArgs reports whether a command line matches an args pattern. The
// pattern is a glob over the whole command line as the monitor reports it
// (arguments joined by spaces): '*' matches any run of characters, spaces and
// slashes included, '?' any one character; everything else is literal. So
// "*/srv/app/server.py*" allows "python3 /srv/app/server.py --port 8000" and
// not "python3 /tmp/server.py". A glob rather than a regular expression,
// because an unanchored regular expression is the classic way to allow too much.
func MatchArgs(pattern, cmdline string) bool {
	p, s := []rune(pattern), []rune(cmdline)
	// Iterative glob match with one backtrack point, linear in practice.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// interpreterBase matches the file names of programs that run whatever
// script they are given, with version suffixes: python3.12, node22, ruby3.2.
var interpreterBase = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(python|pypy|node|nodejs|deno|bun|java|javaw|ruby|perl|php|php-cgi|lua|luajit|tclsh|wish|r|rscript|sh|bash|dash|zsh|ksh|mksh|fish|csh|tcsh|busybox|pwsh|powershell|osascript|dotnet|mono|erl|beam\.smp|julia|gjs|electron)[0-9.]*(\.exe)?$`)
})

// IsInterpreter reports whether an executable path names a script
// interpreter, whose allow-list entries should carry an Args pattern.
func IsInterpreter(path string) bool {
	// Split on both separators: Windows paths reach us on every OS through
	// the settings file.
	base := path[strings.LastIndexAny(path, `/\`)+1:]
	return interpreterBase().MatchString(strings.ToLower(base))
}

// scriptMatches checks an entry's script and arguments against a process,
// and says what the entry needed when they do not match.
func scriptMatches(e *AllowEntry, p monitor.Process) (why string, ok bool) {
	if e.Script != "" && p.Script != e.Script {
		return "allows the script " + shown(e.Script) + " only", false
	}
	if e.Argv != nil {
		argv := argvOf(p)
		if len(argv) == 0 || !slices.Equal(e.Argv, argv[1:]) {
			return fmt.Sprintf("needs the arguments %q", e.Argv), false
		}
	}
	if e.Args != "" {
		if strings.HasPrefix(e.Args, "*") || p.Script == "" || !MatchArgs(e.Args, p.Script) {
			return fmt.Sprintf("needs a script matching %q", e.Args), false
		}
	}
	return "", true
}

// argvOf is a process's argument list: Argv, or its flat command line split
// on spaces when only that is known.
func argvOf(p monitor.Process) []string {
	if len(p.Argv) > 0 {
		return p.Argv
	}
	return strings.Fields(p.Cmdline)
}
