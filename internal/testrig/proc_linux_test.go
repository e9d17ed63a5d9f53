package testrig

import (
	"errors"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAsNobodyRunsAsNobody(t *testing.T) {
	RequireRoot(t, "to start a process as nobody")
	out, err := AsNobody(exec.Command("id", "-u")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "65534" {
		t.Fatalf("id -u = %q, want 65534", got)
	}
}

func TestNobodyExeIsRunnableByNobody(t *testing.T) {
	RequireRoot(t, "to chown nobody's home")
	exe, env := NobodyExe(t)
	cmd := AsNobody(exec.Command(exe, "-test.run=^$"))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nobody runs the copy: %v\n%s", err, out)
	}
	var home string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			home = v
		}
	}
	if home == "" {
		t.Fatal("no HOME in nobody's environment")
	}
}

// A child started with DieWithParent is killed when the thread that started
// it ends.
func TestDieWithParentKillsTheChild(t *testing.T) {
	started := make(chan *exec.Cmd, 1)
	go func() {
		// Never unlocked: the thread exits with this goroutine.
		runtime.LockOSThread()
		cmd := DieWithParent(exec.Command("sleep", "60"))
		if err := cmd.Start(); err != nil {
			t.Error(err)
			started <- nil
			return
		}
		started <- cmd
	}()
	cmd := <-started
	if cmd == nil {
		return
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child ended with %v, want killed by SIGKILL", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child outlived its parent thread by 10 s")
	}
}
