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
		handled, err := handoff.Send(sctx, req, r.uiTrusted()...)
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

// uiExecutable is the window program this resident starts: the one it was
// given, else portlight-ui as launch.Find finds it now.
func (r *resident) uiExecutable() (string, error) {
	if r.opts.UIExecutable != "" {
		return r.opts.UIExecutable, nil
	}
	exe, err := launch.Find(launch.UI)
	if err != nil {
		return "", fmt.Errorf("open a window: %w", err)
	}
	return exe, nil
}

// uiTrusted names the window program for handoff.Send: the window process
// answering on the socket is portlight-ui, not this program, and is
// believed only if it is the very file this resident would start. Found
// at each request, so that an upgrade or a move is followed.
func (r *resident) uiTrusted() []string {
	exe, err := r.uiExecutable()
	if err != nil {
		return nil
	}
	return []string{exe}
}

func (r *resident) startWindow(req handoff.Request) error {
	exe, err := r.uiExecutable()
	if err != nil {
		return err
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
