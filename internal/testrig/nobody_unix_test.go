//go:build unix

package testrig

import (
	"os/exec"
	"strings"
	"testing"
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
