package resident

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"portlight/app/handoff"
	"portlight/app/launch"
)

// windowArgs returns the portlight-ui arguments that open the window a
// request asks for, e.g. ["explain", "2476/tcp"].
func windowArgs(r handoff.Request) []string { return launch.Args(r) }

// openWindow hands the request to the running window process, or starts
// one (portlight-ui, next to our own executable or on PATH, never through a
// shell) and reaps it when it exits. It runs on its own goroutine: the monitor loop
// never waits for a window.
func (r *resident) openWindow(ctx context.Context, req handoff.Request) {
	if r.opts.OpenWindow != nil {
		r.opts.OpenWindow(req)
		return
	}
	go func() {
		sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		handled, err := handoff.Send(sctx, req)
		cancel()
		if handled {
			return
		}
		if err != nil {
			r.log.Warn("hand over to the window process", "err", err)
			r.avoidImpostor(err)
		}
		if err := r.startWindow(req); err != nil {
			r.log.Error("open window", "err", err)
		}
	}()
}

func (r *resident) startWindow(req handoff.Request) error {
	exe := r.opts.UIExecutable
	if exe == "" {
		var err error
		if exe, err = launch.Find(launch.UI); err != nil {
			return fmt.Errorf("open a window: %w", err)
		}
	}
	cmd := exec.Command(exe, windowArgs(req)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", exe, err)
	}
	r.log.Info("window process started", "pid", cmd.Process.Pid, "args", cmd.Args[1:])
	r.windows.add(cmd, func(err error) {
		if err != nil {
			r.log.Warn("window process", "err", err)
		}
	})
	return nil
}
