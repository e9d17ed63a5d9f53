// Package osact does the two things the explainer's buttons ask of the
// operating system: show a program's folder in the file manager, and end a
// process. Both run programs directly, never through a shell, so a folder or
// process name cannot smuggle in a command.
package osact

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/shirou/gopsutil/v3/process"

	"portlight/monitor"
	"portlight/safetext"
)

// ErrNotSameProcess means the pid now belongs to another program than the one
// the user agreed to end (it exited and the pid was reused), so nothing was sent.
var ErrNotSameProcess = errors.New("the process has changed since it was shown")

// maxShown bounds a path quoted in an error, which a dialog shows: paths
// come from other programs and are cleaned with safetext.Line.
const maxShown = 300

// Reveal opens dir in the desktop's file manager and returns once the opener
// has started (it is not waited for beyond a short check for an early failure).
func Reveal(dir string) error {
	shown := safetext.Line(dir, maxShown)
	fi, err := os.Stat(dir)
	if err != nil {
		// The *PathError would quote dir again, raw: keep its cause only.
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("reveal %s: %w", shown, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("reveal %s: not a folder", shown)
	}
	name, args := opener(dir)
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("reveal %s: start %s: %w", shown, name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil && !ignoreExit(err) {
			return fmt.Errorf("reveal %s: %s: %w", shown, name, err)
		}
	case <-time.After(2 * time.Second): // a file manager that stays in the foreground
	}
	return nil
}

// Verify checks that the process with p.PID is still the one described by p:
// same start time (when known) and same executable (when known).
func Verify(ctx context.Context, p monitor.Process) error {
	if p.PID <= 0 {
		return fmt.Errorf("no process to end (pid %d)", p.PID)
	}
	gp, err := process.NewProcessWithContext(ctx, p.PID)
	if err != nil {
		return fmt.Errorf("process %d: %w", p.PID, err)
	}
	if !p.StartTime.IsZero() {
		ms, err := gp.CreateTimeWithContext(ctx)
		if err != nil {
			return fmt.Errorf("process %d start time: %w", p.PID, err)
		}
		if d := time.UnixMilli(ms).Sub(p.StartTime); d > time.Second || d < -time.Second {
			return fmt.Errorf("process %d: %w", p.PID, ErrNotSameProcess)
		}
	}
	if p.Exe != "" {
		if exe, err := gp.ExeWithContext(ctx); err == nil && exe != p.Exe {
			return fmt.Errorf("process %d runs %s: %w", p.PID, safetext.Line(exe, maxShown), ErrNotSameProcess)
		}
	}
	return nil
}

// Terminate asks the process described by p to end (SIGTERM on Unix; on
// Windows, which has no such signal, it is killed), after Verify.
func Terminate(ctx context.Context, p monitor.Process) error {
	if err := Verify(ctx, p); err != nil {
		return fmt.Errorf("end process: %w", err)
	}
	if err := terminate(int(p.PID)); err != nil {
		return fmt.Errorf("end process %d: %w", p.PID, err)
	}
	return nil
}
