package monitor

import (
	"path/filepath"
	"slices"
	"strings"
)

// ScriptOf tells, for a command line whose program (argv[0]) is an
// interpreter, which script it runs: the first argument that is not an
// option, made absolute against cwd and cleaned. inline is true when the
// code is on the command line itself (python -c, node -e, ruby -e, perl -e,
// php -r, sh -c): then script is "". For any other program, a script read
// from standard input, a module (python -m, java -m) or a relative path with
// no cwd to resolve it against, both are zero.
//
// Interpreters are told by the base name of argv[0]: python*, pypy*, node,
// nodejs, ruby*, perl*, php*, bash, sh, dash, zsh, ksh, and java (its
// script is the jar of -jar). argv[0] is what the process says it is: the
// scanner passes the true executable's name in its place.
func ScriptOf(argv []string, cwd string) (script string, inline bool) {
	if len(argv) == 0 {
		return "", false
	}
	return scriptOf(interpreterOf(argv[0]), argv[1:], cwd)
}

// ScriptOfNode is ScriptOf for a program that runs as Node.js whatever its
// name: an Electron application started with ELECTRON_RUN_AS_NODE set.
func ScriptOfNode(argv []string, cwd string) (script string, inline bool) {
	if len(argv) == 0 {
		return "", false
	}
	return scriptOf(langNode, argv[1:], cwd)
}

// lang is an interpreter family: each parses its options its own way.
type lang int

const (
	langNone lang = iota
	langPython
	langNode
	langRuby
	langPerl
	langPHP
	langShell
	langJava
)

// interpreterOf names the interpreter family of a program path.
func interpreterOf(prog string) lang {
	b := filepath.Base(prog)
	switch {
	case versioned(b, "python"), versioned(b, "pypy"):
		return langPython
	case b == "node", b == "nodejs":
		return langNode
	case versioned(b, "ruby"):
		return langRuby
	case versioned(b, "perl"):
		return langPerl
	case versioned(b, "php"):
		return langPHP
	case b == "bash", b == "sh", b == "dash", b == "zsh", b == "ksh":
		return langShell
	case b == "java":
		return langJava
	}
	return langNone
}

// versioned reports whether name is stem followed only by a version
// ("python", "python3", "python3.12", "ruby3.1", "php8.2").
func versioned(name, stem string) bool {
	v, ok := strings.CutPrefix(name, stem)
	if !ok {
		return false
	}
	for _, r := range v {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// optSyntax says how one interpreter's options look: which put code inline,
// which name the script, which take the next argument as their value, and
// which end the search without a script.
type optSyntax struct {
	inline  string // short option letters whose value is code
	script  string // short option letters whose value is the script (php -f)
	withArg string // short option letters that take a value
	// attached are short option letters whose value, if any, is only the
	// rest of their cluster (perl -Mstrict, ruby -Fpattern).
	attached string
	stop     string // short option letters after which there is no script file
	// Long options, with their leading dashes.
	longInline, longWithArg, longStop []string
}

var syntaxes = map[lang]optSyntax{
	langPython: {inline: "c", withArg: "WXQ", stop: "m",
		longWithArg: []string{"--check-hash-based-pycs"}},
	langNode: {inline: "ep", withArg: "rC",
		longInline:  []string{"--eval", "--print"},
		longWithArg: []string{"--require", "--import", "--loader", "--experimental-loader", "--conditions", "--input-type", "--title", "--env-file", "--redirect-warnings", "--inspect-port"}},
	langRuby: {inline: "e", withArg: "IrCE", attached: "FxiKTW"},
	langPerl: {inline: "eE", withArg: "I", attached: "MmxiDC"},
	langPHP:  {inline: "rBRE", script: "f", withArg: "cdzStF"},
	langShell: {inline: "c", withArg: "oO", stop: "s",
		longWithArg: []string{"--rcfile", "--init-file"}},
}

// javaWithArg are java's options that take the next argument as value.
var javaWithArg = []string{"-cp", "-classpath", "--class-path", "-p", "--module-path",
	"--upgrade-module-path", "--add-modules", "--limit-modules", "--add-exports",
	"--add-opens", "--add-reads", "--patch-module", "--enable-native-access", "--source"}

func scriptOf(l lang, args []string, cwd string) (string, bool) {
	switch l {
	case langNone:
		return "", false
	case langJava:
		return javaScript(args, cwd)
	}
	syn := syntaxes[l]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return absScript(args[i+1], cwd), false
			}
			return "", false
		case a == "-" && l == langShell:
			// For a shell, a lone "-" ends the options, like "--".
			if i+1 < len(args) {
				return absScript(args[i+1], cwd), false
			}
			return "", false
		case a == "-" || a == "":
			return "", false // standard input
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a, "=")
			switch {
			case slices.Contains(syn.longInline, name):
				return "", true
			case slices.Contains(syn.longStop, name):
				return "", false
			case slices.Contains(syn.longWithArg, name) && !hasValue:
				i++
			}
		case a[0] == '-' || (l == langShell && a[0] == '+'):
			// A cluster of short options ("-uc", "-Ilib", "-ec"): a letter
			// that takes a value takes the rest of the cluster, or else the
			// next argument.
			for j := 1; j < len(a); j++ {
				c := a[j]
				rest := j+1 < len(a)
				switch {
				case strings.IndexByte(syn.inline, c) >= 0:
					return "", true
				case strings.IndexByte(syn.stop, c) >= 0:
					return "", false
				case strings.IndexByte(syn.script, c) >= 0:
					if rest {
						return absScript(a[j+1:], cwd), false
					}
					if i+1 < len(args) {
						return absScript(args[i+1], cwd), false
					}
					return "", false
				case strings.IndexByte(syn.withArg, c) >= 0:
					if !rest {
						i++
					}
					j = len(a)
				case strings.IndexByte(syn.attached, c) >= 0:
					j = len(a)
				}
			}
		default:
			return absScript(a, cwd), false
		}
	}
	return "", false
}

// javaScript finds the jar of "java -jar app.jar"; a main class or a module
// is no file.
func javaScript(args []string, cwd string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-jar":
			if i+1 < len(args) {
				return absScript(args[i+1], cwd), false
			}
			return "", false
		case a == "-m" || a == "--module" || strings.HasPrefix(a, "--module="):
			return "", false
		case slices.Contains(javaWithArg, a):
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return "", false // a main class
		}
	}
	return "", false
}

// absScript makes a script path absolute against cwd; "" when it is
// relative and cwd is unknown.
func absScript(p, cwd string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	if !filepath.IsAbs(cwd) {
		return ""
	}
	return filepath.Join(cwd, p)
}
