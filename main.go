// Command portlight watches this computer's listening sockets and explains every
// port. With no arguments it starts the tray app; `portlight ui ...` opens a
// window; the other sub-commands are headless (see `portlight --help`).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"portlight/app/resident"
	"portlight/app/ui"
	"portlight/cli"
	"portlight/internal/quietlocale"
)

func main() {
	quietlocale.Restore()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		if errors.Is(err, cli.ErrUsage) {
			fmt.Fprintln(os.Stderr, "portlight:", err)
			os.Exit(2)
		}
		slog.Error("portlight", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return resident.Run(ctx, resident.Options{})
	}
	switch name := args[0]; {
	case name == "ui":
		return ui.Run(args[1:])
	case name == "help" || name == "-h" || name == "--help":
		if len(args) > 1 {
			return cli.Help(ctx, os.Stdout, args[1])
		}
		return cli.Help(ctx, os.Stdout, "")
	case cli.Has(name):
		return cli.Run(ctx, name, cli.Env{Args: args[1:], Stdout: os.Stdout, Stderr: os.Stderr})
	default:
		cli.Usage(os.Stderr)
		return fmt.Errorf("unknown command %q: %w", name, cli.ErrUsage)
	}
}
