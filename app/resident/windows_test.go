//go:build unix

package resident

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"portlight/app/handoff"
)

// TestWindowsEndWithResident starts real window processes the way the tray
// does (the executable is a script standing in for portlight-ui) and
// ends them as Run does on its way out: one that quits on SIGTERM, one
// that ignores it and is killed after the wait. Neither outlives end.
func TestWindowsEndWithResident(t *testing.T) {
	// Each script creates its ready file once its SIGTERM disposition is
	// set (an ignored signal stays ignored across exec). wait is how long
	// end waits before it kills: it returns as soon as the processes exit,
	// so the one that quits gets a bound a loaded machine cannot reach.
	for _, c := range []struct {
		name, setup string
		wait        time.Duration
		wantKilled  int
	}{
		{"quits on SIGTERM", "", 10 * time.Second, 0},
		{"ignores SIGTERM", "trap '' TERM\n", time.Second, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			script, ready := filepath.Join(dir, "portlight-ui"), filepath.Join(dir, "ready")
			body := "#!/bin/sh\n" + c.setup + ": > '" + ready + "'\nexec sleep 60\n"
			if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
			r, _ := newTestResident(&fakeScanner{}, &fakeNotifier{}, nil, alertAbove40000)
			r.opts.UIExecutable = script
			r.windows = &windowProcs{}
			if err := r.startWindow(handoff.Request{Kind: handoff.Listeners}); err != nil {
				t.Fatalf("startWindow: %v", err)
			}
			var pid int
			r.windows.mu.Lock()
			for c := range r.windows.procs {
				pid = c.Process.Pid
			}
			r.windows.mu.Unlock()
			if pid == 0 {
				t.Fatal("the window process is not tracked")
			}
			waitForFile(t, ready, "the window script never became ready (needs /bin/sh)")
			start := time.Now()
			if killed := r.windows.end(c.wait); killed != c.wantKilled {
				t.Errorf("killed %d, want %d", killed, c.wantKilled)
			}
			t.Logf("ended in %v", time.Since(start).Round(time.Millisecond))
			if err := syscall.Kill(pid, 0); err == nil {
				t.Errorf("window process %d still runs after end", pid)
			}
			if n := len(r.windows.procs); n != 0 {
				t.Errorf("%d processes still tracked", n)
			}
		})
	}
}

// TestWindowAfterEnd: a window process that starts after the resident
// began ending (openWindow runs on a goroutine) is ended at once.
func TestWindowAfterEnd(t *testing.T) {
	script := filepath.Join(t.TempDir(), "portlight-ui")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, _ := newTestResident(&fakeScanner{}, &fakeNotifier{}, nil, alertAbove40000)
	r.opts.UIExecutable = script
	r.windows = &windowProcs{}
	r.windows.end(time.Second)
	if err := r.startWindow(handoff.Request{Kind: handoff.Settings}); err != nil {
		t.Fatalf("startWindow: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.windows.mu.Lock()
		n := len(r.windows.procs)
		r.windows.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a window started after end still runs 10 s later")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitForFile waits up to 10 s for path to exist, then fails with msg.
func waitForFile(t *testing.T, path, msg string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
