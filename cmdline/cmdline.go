// Package cmdline holds what every command line parser of Portlight shares:
// the command table (Commands: each command's summary, forms and flags,
// from which the usage texts and the man page's synopsis are made) and the
// mark of an error caused by bad arguments. It sits apart from cli so
// that the window process (app/ui) parses its arguments without depending on
// the headless sub-commands, and main maps the mark to exit status 2 for both.
package cmdline

import "errors"

// ErrUsage marks an error caused by bad arguments (exit status 2); wrap it
// with %w.
var ErrUsage = errors.New("usage")
