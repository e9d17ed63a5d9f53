package resident

import (
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// windowEndWait bounds how long the resident waits, on its way out, for
// the window processes it started to end after SIGTERM before it kills
// them.
const windowEndWait = 3 * time.Second

// windowProcs are the window processes (portlight-ui) a resident
// started and that still run. Quitting Portlight, or SIGTERM and SIGINT to
// it, closes its windows too: none outlives the tray it came from. A
// process a second instance started while handing over is not tracked: it
// is the running session's window, not the second instance's.
type windowProcs struct {
	mu     sync.Mutex
	procs  map[*exec.Cmd]chan struct{} // closed when the process has exited
	ending bool                        // end was called: later processes end at once
}

// add tracks a started process and reaps it when it exits; nil-safe
// (untracked processes are still reaped). A process added after end (a
// window opened on a goroutine as the resident quit) is ended at once.
func (w *windowProcs) add(cmd *exec.Cmd, reaped func(error)) {
	done := make(chan struct{})
	if w != nil {
		w.mu.Lock()
		if w.procs == nil {
			w.procs = map[*exec.Cmd]chan struct{}{}
		}
		w.procs[cmd] = done
		if w.ending {
			cmd.Process.Kill()
		}
		w.mu.Unlock()
	}
	go func() {
		err := cmd.Wait()
		if w != nil {
			w.mu.Lock()
			delete(w.procs, cmd)
			w.mu.Unlock()
		}
		close(done)
		reaped(err)
	}()
}

// end asks every tracked process to quit (SIGTERM: the window process
// closes its windows and exits), waits up to wait, kills the ones left,
// and returns how many had to be killed.
func (w *windowProcs) end(wait time.Duration) (killed int) {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	w.ending = true
	procs := make(map[*exec.Cmd]chan struct{}, len(w.procs))
	for c, d := range w.procs {
		procs[c] = d
	}
	w.mu.Unlock()
	for c := range procs {
		if err := c.Process.Signal(syscall.SIGTERM); err != nil {
			c.Process.Kill() // no SIGTERM on Windows
		}
	}
	timeout := time.After(wait)
	expired := false
	for c, done := range procs {
		if !expired {
			select {
			case <-done:
				continue
			case <-timeout:
				expired = true
			}
		}
		select {
		case <-done:
			continue
		default:
		}
		c.Process.Kill()
		<-done
		killed++
	}
	return killed
}
