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

// roleEnv makes the test binary a helper process instead of running tests.
const roleEnv = "PORTLIGHT_TESTRIG_ROLE"

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "orphan" {
		// Start a child tied to this process, say its pid, and exit.
		cmd := DieWithParent(exec.Command("sleep", "60"))
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(cmd.Process.Pid)
		os.Exit(0)
	}
	os.Exit(m.Run())
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
