// Command portlight-ui is Portlight's window process: the explainer,
// listeners, history, settings, home and welcome windows, built with Fyne.
// The tray (`portlight`) starts it when a window is wanted, and `portlight
// ui FORM ...` runs it as `portlight-ui FORM ...`; its arguments are those
// of `portlight ui` (see `portlight help ui`). A second one hands its
// request to the running one and exits; the process exits when its last
// window closes. It is a program of its own so that `portlight`, which runs
// all day and for every command line, never loads Fyne (docs/binaries.md).
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"portlight/app/launch"
	"portlight/app/ui"
	"portlight/cmdline"
	"portlight/internal/quietlocale"
)

func main() {
	quietlocale.Restore()
	if len(os.Args) == 2 && (os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help") {
		fmt.Println(launch.Usage())
		return
	}
	if err := ui.Run(os.Args[1:]); err != nil {
		if errors.Is(err, cmdline.ErrUsage) {
			fmt.Fprintln(os.Stderr, "portlight-ui:", err)
			os.Exit(2)
		}
		slog.Error("portlight-ui", "err", err)
		os.Exit(1)
	}
}
