package testrig

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
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

// A child started with DieWithParent dies with its parent: a helper process
// (this test binary in the "orphan" role) starts `sleep 60`, prints its pid
// and exits; the sleep must be gone soon after.
func TestDieWithParentKillsTheChild(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"=orphan")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("helper printed %q", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); strings.Contains(string(stat), ") Z ") {
			break // a zombie: dead, waiting for init to reap it
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("sleep (pid %d) outlived its parent by 10 s", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
