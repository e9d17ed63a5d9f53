package statedir

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestDirIsPortlightHomeMadeAbsolute(t *testing.T) {
	base := t.TempDir()
	t.Chdir(base)
	t.Setenv(Env, "rel/home")
	got, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	// t.TempDir may sit under a symlink (macOS): compare from the working folder.
	wd, _ := os.Getwd()
	if want := filepath.Join(wd, "rel", "home"); got != want {
		t.Errorf("Dir() = %q, want %q", got, want)
	}
	p, err := Path(HistoryFile)
	if err != nil || p != filepath.Join(got, "history.db") {
		t.Errorf("Path(HistoryFile) = %q, %v", p, err)
	}
}

func TestDirDefaultsToTheUserConfigFolder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("os.UserConfigDir reads XDG_CONFIG_HOME on Linux only")
	}
	cfg := t.TempDir()
	t.Setenv(Env, "")
	t.Setenv("XDG_CONFIG_HOME", cfg)
	got, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cfg, "portlight"); got != want {
		t.Errorf("Dir() = %q, want %q", got, want)
	}
	if _, set, _ := FromEnv(); set {
		t.Error("FromEnv says set with PORTLIGHT_HOME empty")
	}
}
