//go:build linux

package corestart

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"portlight/internal/testrig"
)

// openEnv makes the re-executed test binary open a core whose history is
// the named file, with settings in the folder named by settingsEnv, and
// print what it got.
const (
	openEnv     = "CORESTART_TEST_HISTORY"
	settingsEnv = "CORESTART_TEST_SETTINGS"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(openEnv); path != "" {
		c := Open(context.Background(), Options{SettingsDir: os.Getenv(settingsEnv), History: RecordHistory,
			HistoryPath: path, Recorder: noPurge})
		fmt.Printf("settings=%v history=%v recorder=%v\n", c.Settings != nil, c.History != nil, c.Recorder != nil)
		for _, w := range c.Warnings {
			fmt.Println("warning:", w)
		}
		c.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A history in a folder the user cannot read leaves no history, the
// settings as they are, and one warning naming the file. Root reads any
// folder, so as root the core is opened by a child running as nobody.
func TestUnreadableHistoryFolderMeansNoHistory(t *testing.T) {
	var base, settingsDir string
	run := func(path string) string {
		out, err := runOpen(path, settingsDir, nil, os.Args[0])
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return out
	}
	if os.Geteuid() == 0 {
		exe, env := testrig.NobodyExe(t)
		base = filepath.Dir(exe)
		for _, kv := range env {
			if h, ok := strings.CutPrefix(kv, "HOME="); ok {
				settingsDir = filepath.Join(h, "state") // nobody's own
			}
		}
		run = func(path string) string {
			out, err := runOpen(path, settingsDir, env, exe)
			if err != nil {
				t.Fatalf("child as nobody: %v\n%s", err, out)
			}
			return out
		}
	} else {
		base = t.TempDir()
		settingsDir = filepath.Join(base, "state")
	}
	hist := filepath.Join(base, "hist")
	if err := os.Mkdir(hist, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if err := os.Chmod(hist, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(hist, 0o700) })
	}
	path := filepath.Join(hist, "history.db")
	var lines []string // the child's report, without log lines
	for _, l := range strings.Split(run(path), "\n") {
		if strings.HasPrefix(l, "settings=") || strings.HasPrefix(l, "warning:") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 || lines[0] != "settings=true history=false recorder=false" {
		t.Fatalf("core opened as %q, want settings and no history", lines[0])
	}
	if len(lines) != 2 || !strings.Contains(lines[1], path) || !strings.Contains(lines[1], "permission denied") {
		t.Fatalf("warnings %q, want one naming %s and the error", lines[1:], path)
	}
}

// runOpen runs exe (this test binary) in the open role; env nil is this
// process's environment, else the child runs as nobody with env.
func runOpen(path, settingsDir string, env []string, exe string) (string, error) {
	cmd := exec.Command(exe, "-test.run=^$")
	if env == nil {
		env = os.Environ()
	} else {
		testrig.AsNobody(cmd)
	}
	cmd.Env = append(env, openEnv+"="+path, settingsEnv+"="+settingsDir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
