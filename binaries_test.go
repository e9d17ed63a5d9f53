//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"portlight/internal/testrig"
)

// TestCoreLinksNoFyne holds the split of docs/binaries.md: portlight (the
// command line, the resident monitor and its tray) imports no package of
// Fyne, whose initialisation and size every command and the all-day process
// would pay; fyne.io/systray, a separate module, is the tray. The window
// program portlight-ui is the one that links Fyne.
func TestCoreLinksNoFyne(t *testing.T) {
	deps := func(pkg string) []string {
		t.Helper()
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	core := deps(".")
	has := func(list []string, prefix string) []string {
		var hits []string
		for _, p := range list {
			if p == prefix || strings.HasPrefix(p, prefix+"/") {
				hits = append(hits, p)
			}
		}
		return hits
	}
	if fyne := has(core, "fyne.io/fyne/v2"); len(fyne) > 0 {
		t.Errorf("portlight links %d Fyne packages, e.g. %v; only portlight-ui may", len(fyne), fyne[:min(3, len(fyne))])
	}
	for _, want := range []string{"portlight/app/resident", "fyne.io/systray", "portlight/cli"} {
		if len(has(core, want)) == 0 {
			t.Errorf("portlight does not link %s: the dependency list is not the program's", want)
		}
	}
	if len(has(deps("./cmd/portlight-ui"), "fyne.io/fyne/v2/app")) == 0 {
		t.Error("portlight-ui does not link fyne.io/fyne/v2/app: where are the windows?")
	}
}

// TestUICommandRunsWindowProgram runs the built `portlight ui ...` with a
// stand-in portlight-ui (a script that writes down its arguments and exits
// with status 3): the one next to portlight is run in portlight's place
// (its arguments, its exit status), else the one on PATH; with neither, the
// error names the missing program; bad arguments are a usage error first.
func TestUICommandRunsWindowProgram(t *testing.T) {
	dir, pathDir, empty := t.TempDir(), t.TempDir(), t.TempDir()
	bin := filepath.Join(dir, "portlight")
	copyFile(t, binary(t), bin)
	argsFile := filepath.Join(t.TempDir(), "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" > '" + argsFile + "'\nexit 3\n"
	run := func(path string, args ...string) (code int, stderr string) {
		t.Helper()
		os.Remove(argsFile)
		cmd := exec.Command(bin, args...)
		cmd.Env = commandEnv(t, "PATH="+path)
		var errBuf bytes.Buffer
		cmd.Stderr = &errBuf
		err := cmd.Run()
		if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
			return exit.ExitCode(), errBuf.String()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, errBuf.String()
	}
	ranWith := func() string {
		b, _ := os.ReadFile(argsFile)
		return strings.TrimSpace(string(b))
	}

	if code, stderr := run(empty, "ui", "listeners"); code != 1 || !strings.Contains(stderr, "portlight-ui not found in "+dir+" or on PATH") {
		t.Errorf("no portlight-ui anywhere: exit %d, stderr %q; want 1 and the missing program named", code, stderr)
	}
	if code, stderr := run(empty, "ui", "explain", "99999"); code != 2 || !strings.Contains(stderr, "usage: portlight ui") {
		t.Errorf("bad window arguments: exit %d, stderr %q; want 2 and the usage", code, stderr)
	}

	onPath := filepath.Join(pathDir, "portlight-ui")
	if err := os.WriteFile(onPath, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _ := run(empty+":"+pathDir, "ui", "history", "--port", "53/udp"); code != 3 || ranWith() != onPath+"\nhistory\n--port\n53/udp" {
		t.Errorf("portlight-ui on PATH: exit %d, ran %q", code, ranWith())
	}

	sibling := filepath.Join(dir, "portlight-ui")
	if err := os.WriteFile(sibling, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _ := run(pathDir, "ui", "explain", "22", "--pid", "7"); code != 3 || ranWith() != sibling+"\nexplain\n22\n--pid\n7" {
		t.Errorf("portlight-ui next to portlight and on PATH: exit %d, ran %q; want the one next to it", code, ranWith())
	}
}

// TestWindowProgramChecksArguments: portlight-ui, run directly, refuses
// what `portlight ui` refuses (the one parser, from the command table),
// before it opens a display, and prints its usage on --help.
func TestWindowProgramChecksArguments(t *testing.T) {
	ui := testrig.PortlightUI(t)
	for _, args := range [][]string{nil, {"explain"}, {"explain", "22", "--verbose"}, {"tray"}, {"listeners", "x"}} {
		cmd := exec.Command(ui, args...)
		cmd.Env = commandEnv(t, "DISPLAY=", "WAYLAND_DISPLAY=")
		out, err := cmd.CombinedOutput()
		if exit := (*exec.ExitError)(nil); !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "usage: portlight ui") {
			t.Errorf("portlight-ui %q: %v, %q; want exit status 2 and the usage", args, err, out)
		}
	}
	// Under the C locales Fyne's initialisation would log a locale error
	// (package quietlocale keeps it quiet): stderr stays empty.
	for _, loc := range []string{"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "LANG=C"} {
		cmd := exec.Command(ui, "--help")
		cmd.Env = commandEnv(t, loc)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), "portlight ui explain PORT[/PROTO]") || stderr.Len() > 0 {
			t.Errorf("%s portlight-ui --help: %v, %q, stderr %q", loc, err, out, stderr.Bytes())
		}
	}
}

// copyFile copies the file at from to to, executable.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
