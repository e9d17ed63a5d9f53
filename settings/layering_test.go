package settings

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoGUIDependencies keeps the settings store, the policy and autostart
// free of Fyne and beeep: the resident monitor links them without a GUI.
func TestNoGUIDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test needs the go command on PATH: %v", err)
	}
	pkgs := []string{"portlight/settings/...", "portlight/autostart/...", "portlight/monitor/policy/..."}
	out, err := exec.Command(goBin, append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed too little to be real: %q", out)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "fyne.io/") || strings.HasPrefix(d, "github.com/gen2brain/beeep") {
			t.Errorf("depends on GUI package %s", d)
		}
	}
}
