package cli

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreHasNoGUIDependencies enforces the house rule that the core (monitor/,
// data/, and the headless packages beside them) never depends on Fyne or beeep,
// so it builds without cgo and a resident monitor stays small.
func TestCoreHasNoGUIDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test needs the go command on PATH: %v", err)
	}
	core := []string{"portlight/monitor/...", "portlight/data/...", "portlight/safetext/...", "portlight/cli/...",
		"portlight/history/...", "portlight/settings/...", "portlight/autostart/..."}
	out, err := exec.Command(goBin, append([]string{"list", "-deps"}, core...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed too little to be real: %q", out)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "fyne.io/") || strings.HasPrefix(d, "github.com/gen2brain/beeep") {
			t.Errorf("core depends on GUI package %s", d)
		}
	}
}
