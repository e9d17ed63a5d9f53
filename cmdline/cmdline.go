// Package cmdline holds what every command line parser of Portlight shares:
// the command table (Commands: each command's summary, forms and flags,
// from which the usage texts and the man page's synopsis are made) and the
// mark of an error caused by bad arguments. It sits apart from cli so that
// the window process's parser (app/launch) does not depend on the headless
// sub-commands; both programs' main map the mark to exit status 2.
package cmdline

import "errors"

// ErrUsage marks an error caused by bad arguments (exit status 2); wrap it
// with %w.
var ErrUsage = errors.New("usage")
