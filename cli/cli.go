// Package cli implements Portlight's headless sub-commands (scan, explain,
// watch, allow, history, ...). main.go only dispatches to Run.
package cli

import (
	"context"
	"fmt"
	"io"

	"portlight/cmdline"
)

// Env is what a sub-command gets from its caller: its arguments (after the
// sub-command's name) and where to write.
type Env struct {
	Args   []string
	Stdout io.Writer
	Stderr io.Writer
}

// command is one sub-command. Files of this package add theirs in init;
// its usage and summary are in cmdline.Commands.
type command struct {
	name string
	run  func(ctx context.Context, env Env) error
}

var commands = map[string]command{}

// register adds a sub-command; each command's file calls it from init.
func register(name string, run func(ctx context.Context, env Env) error) {
	commands[name] = command{name: name, run: run}
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

// Usage writes the list of commands, from cmdline.Commands.
func Usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: portlight [command] [flags]")
	fmt.Fprintln(w, "\nWith no command, Portlight starts the tray app on the desktop session.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range cmdline.Commands {
		if c.Name != "" {
			fmt.Fprintf(w, "  %-16s %s\n", c.Name, c.Summary)
		}
	}
	fmt.Fprintln(w, "\nRun 'portlight help COMMAND' for a command's usage and flags.")
}

// Help writes `portlight help [NAME]`: the list of commands, or one
// command's usage, description and flags. An unknown name is a usage error.
func Help(ctx context.Context, w io.Writer, name string) error {
	switch _, known := cmdline.Lookup(name); {
	case name == "":
		Usage(w)
		return nil
	case Has(name):
		return Run(ctx, name, Env{Args: []string{"--help"}, Stdout: w, Stderr: w})
	case known:
		fmt.Fprint(w, Description(name))
		return nil
	default:
		return fmt.Errorf("help: unknown command %q: %w", name, ErrUsage)
	}
}
