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
		"portlight/history/...", "portlight/settings/...", "portlight/autostart/...", "portlight/provenance/...",
		"portlight/content/...", "portlight/cmdline/..."}
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

// TestLayering enforces that data flows one way: the core packages
// (enumeration, judgement, storage, the headless commands) import nothing
// of the GUI under portlight/app, and the GUI does not import the headless
// commands (portlight/cli); what both need lives in the core
// (cmdline.ErrUsage). Test files count too: a fake that drags the GUI into
// a core test drags it into the core's build graph as well.
func TestLayering(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test needs the go command on PATH: %v", err)
	}
	deps := func(patterns ...string) map[string][]string {
		t.Helper()
		args := append([]string{"list", "-deps", "-test", "-f", `{{.ImportPath}}: {{join .Imports " "}}`}, patterns...)
		out, err := exec.Command(goBin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		imports := map[string][]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			pkg, list, _ := strings.Cut(line, ":")
			imports[pkg] = strings.Fields(list)
		}
		if len(imports) < 10 {
			t.Fatalf("go list printed too little to be real: %q", out)
		}
		return imports
	}
	under := func(pkg, root string) bool { return pkg == root || strings.HasPrefix(pkg, root+"/") }

	core := []string{"portlight/monitor/...", "portlight/history/...", "portlight/settings/...",
		"portlight/provenance/...", "portlight/cli/...", "portlight/data/...", "portlight/safetext/...",
		"portlight/cmdline/...", "portlight/content/...", "portlight/autostart/..."}
	for pkg, imports := range deps(core...) {
		for _, imp := range imports {
			if under(imp, "portlight/app") {
				t.Errorf("core package %s imports %s", pkg, imp)
			}
		}
	}
	for pkg, imports := range deps("portlight/app/...") {
		for _, imp := range imports {
			if under(imp, "portlight/cli") {
				t.Errorf("GUI package %s imports %s", pkg, imp)
			}
		}
	}
}
