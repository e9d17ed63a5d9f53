// Command portlight watches this computer's listening sockets and explains every
// port. With no arguments it starts the tray app; `portlight ui ...` opens a
// window by running the portlight-ui program installed next to it; the other
// sub-commands are headless (see `portlight --help`). This program never
// links Fyne: the windows are portlight-ui's alone (docs/binaries.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"portlight/app/launch"
	"portlight/app/resident"
	"portlight/cli"
)

func main() {
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
		return openWindow(args[1:])
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

// openWindow runs `portlight ui ARGS` as `portlight-ui ARGS`, in place of
// this process. The arguments are checked first, by the window process's
// own parser: a mistake is a usage error even where portlight-ui is missing.
func openWindow(args []string) error {
	if _, err := launch.Parse(args); err != nil {
		return err
	}
	exe, err := launch.Find(launch.UI)
	if err != nil {
		return fmt.Errorf("ui: %w", err)
	}
	return launch.Replace(exe, args)
}
