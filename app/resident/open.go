package resident

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"portlight/app/handoff"
)

// windowArgs returns the `portlight` arguments that open the window a
// request asks for, e.g. ["ui", "explain", "2476/tcp"].
func windowArgs(r handoff.Request) []string {
	switch r.Kind {
	case handoff.Explain:
		return []string{"ui", "explain", strconv.Itoa(int(r.Port)) + "/" + r.Proto}
	default:
		return []string{"ui", string(r.Kind)}
	}
}

// openWindow hands the request to the running window process, or starts
// one (`portlight ui ...`, our own executable, never through a shell) and
// reaps it when it exits. It runs on its own goroutine: the monitor loop
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
	exe := r.opts.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("find own executable: %w", err)
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
