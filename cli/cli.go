// Package cli implements Portlight's headless sub-commands (scan, explain,
// watch, allow, history, ...). main.go only dispatches to Run.
package cli

import (
	"context"
	"fmt"
	"io"
	"sort"

	"portlight/cmdline"
)

// Env is what a sub-command gets from its caller: its arguments (after the
// sub-command's name) and where to write.
type Env struct {
	Args   []string
	Stdout io.Writer
	Stderr io.Writer
}

// command is one sub-command. Files of this package add theirs in init.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env) error
}

var commands = map[string]command{}

// register adds a sub-command; each command's file calls it from init.
func register(name, summary string, run func(ctx context.Context, env Env) error) {
	commands[name] = command{name: name, summary: summary, run: run}
}

// ErrUsage marks an error caused by bad arguments (exit status 2). It is
// cmdline.ErrUsage, which the window process's parser wraps too.
var ErrUsage = cmdline.ErrUsage

// Has reports whether name is a headless sub-command.
func Has(name string) bool {
	_, ok := commands[name]
	return ok
}

// Run runs the named sub-command.
func Run(ctx context.Context, name string, env Env) error {
	c, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q: %w", name, ErrUsage)
	}
	return c.run(ctx, env)
}

// Usage writes the list of sub-commands.
func Usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Usage: portlight [command] [flags]")
	fmt.Fprintln(w, "\nWith no command, Portlight starts the tray app on the desktop session.")
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "  ui               open a Portlight window (explain PORT/PROTO | listeners | settings)")
	fmt.Fprintln(w, "\nRun 'portlight COMMAND --help' for a command's flags.")
}
