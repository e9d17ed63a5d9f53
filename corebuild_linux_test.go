//go:build linux

package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"strings"
	"testing"

	"portlight/internal/testrig"
)

// TestCoreBuiltWithoutCgo holds the build of docs/binaries.md: portlight is
// built without cgo, a static executable that needs no dynamic loader, by
// every path that builds it: `make build` (and so `make run`), `make
// install`, packaging/package.sh and the tests' own build (internal/testrig),
// whose binary is checked here as built.
func TestCoreBuiltWithoutCgo(t *testing.T) {
	bin := binary(t)
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	if !strings.Contains(string(out), "\tbuild\tCGO_ENABLED=0\n") {
		t.Errorf("the tests' portlight is not built with CGO_ENABLED=0:\n%s", out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the tests' portlight has a dynamic loader (PT_INTERP): it is linked against libc")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the tests' portlight needs shared libraries %v", libs)
	}

	// The Makefile's commands, as make would run them (make -n runs none).
	testrig.RequireTool(t, "make")
	for _, target := range []string{"build", "install"} {
		out, err := exec.Command("make", "-n", "--no-print-directory", target).CombinedOutput()
		if err != nil {
			t.Fatalf("make -n %s: %v\n%s", target, err, out)
		}
		checkCoreBuild(t, "make "+target, string(out))
	}
	script, err := os.ReadFile("packaging/package.sh")
	if err != nil {
		t.Fatal(err)
	}
	checkCoreBuild(t, "packaging/package.sh", string(script))
}

// checkCoreBuild finds the go build commands in script that build
// portlight (the package ".") and fails unless there is one and each sets
// CGO_ENABLED=0.
func checkCoreBuild(t *testing.T, where, script string) {
	t.Helper()
	n := 0
	for line := range strings.Lines(script) {
		line = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), ")"))
		if !strings.Contains(line, " build ") || !strings.HasSuffix(line, " .") {
			continue
		}
		n++
		if !strings.Contains(line, "CGO_ENABLED=0 ") {
			t.Errorf("%s builds portlight with cgo: %s", where, line)
		}
	}
	if n == 0 {
		t.Errorf("%s: found no go build of portlight (the package .) in:\n%s", where, script)
	}
}
