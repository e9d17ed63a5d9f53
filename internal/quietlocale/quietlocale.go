// Package quietlocale keeps Fyne's package initialisation from printing
// "Fyne error: Error parsing user locale C" under the C.UTF-8 locale, which
// the window program portlight-ui would otherwise show on stderr each time
// it starts. (portlight itself links no Fyne and needs none of this.)
//
// Fyne's lang package picks a translation in its init, from the locale that
// github.com/jeandeaual/go-locale reads from LC_ALL, LC_MESSAGES or LANG. That
// library treats "C" and "POSIX" as "no locale" (Fyne falls back to English)
// but turns "C.UTF-8" into the language tag "C", which fails to parse and is
// logged, whatever the program then does.
//
// This package's init runs first and, for the duration of package
// initialisation only, shows Fyne the plain "C" it already understands: the
// same English result, without the log. main calls Restore before anything
// else, so the windows and the programs they start see the user's locale
// as it was.
//
// Why this init runs before Fyne's: Go initialises packages in import-path
// order, each as soon as its imports are initialised. This package imports
// only os; Fyne's lang package imports text/template, whose imports include
// os and whose path sorts after "portlight/...". So once text/template could
// run, this package can too and sorts ahead of it.
package quietlocale

import "os"

// saved is the variable replaced during initialisation and its value.
var saved struct {
	name, value string
	set         bool
}

func init() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if plainC(v) && v != "C" && v != "POSIX" {
			if os.Setenv(name, "C") == nil {
				saved.name, saved.value, saved.set = name, v, true
			}
		}
		return
	}
}

// plainC reports whether a locale is C or POSIX with a codeset or modifier,
// such as "C.UTF-8" or "POSIX@euro".
func plainC(v string) bool {
	for _, base := range []string{"C", "POSIX"} {
		if len(v) >= len(base) && v[:len(base)] == base &&
			(len(v) == len(base) || v[len(base)] == '.' || v[len(base)] == '@') {
			return true
		}
	}
	return false
}

// Restore puts back the locale variable changed during initialisation; call
// it first thing in main. Calling it again does nothing.
func Restore() {
	if saved.set {
		_ = os.Setenv(saved.name, saved.value)
		saved.set = false
	}
}
