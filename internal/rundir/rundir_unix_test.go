//go:build unix

package rundir

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"portlight/internal/testrig"
)

// home makes a fresh PORTLIGHT_HOME (short: socket paths are limited).
func home(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "rd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	t.Setenv("PORTLIGHT_HOME", d)
	t.Setenv(Env, "")
	return d
}

func TestPrepareRefusesAnotherUsersFolder(t *testing.T) {
	_, run := testrig.ForeignHome(t)
	before, err := os.Stat(run)
	if err != nil {
		t.Fatal(err)
	}
	err = Prepare(run)
	if err == nil {
		t.Fatalf("Prepare(%s), owned by another user: no error", run)
	}
	if !strings.Contains(err.Error(), "owned by uid") || !strings.Contains(err.Error(), run) {
		t.Errorf("error does not say whose folder it is: %v", err)
	}
	after, err := os.Stat(run)
	if err != nil {
		t.Fatal(err)
	}
	if after.Mode() != before.Mode() {
		t.Errorf("refused folder's mode changed from %v to %v", before.Mode(), after.Mode())
	}
}

func TestPrepareRefusesSymlink(t *testing.T) {
	h := home(t)
	target := filepath.Join(h, "elsewhere")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(h, "run")); err != nil {
		t.Fatal(err)
	}
	if err := Prepare(Dir()); err == nil {
		t.Fatal("Prepare accepted a symlink for the folder")
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o755 {
		t.Errorf("the symlink's target was changed to %v", fi.Mode().Perm())
	}
}

func TestPrepareTightensOwnFolder(t *testing.T) {
	h := home(t)
	if err := os.Mkdir(filepath.Join(h, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Prepare(Dir()); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(Dir()); fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v, want 0700", fi.Mode().Perm())
	}
}

// An unusable folder makes Ensure fall back to a private one, used from
// then on, by this process and its children.
func TestEnsureFallsBackToAPrivateFolder(t *testing.T) {
	h, run := testrig.ForeignHome(t)
	t.Setenv("PORTLIGHT_HOME", h)
	t.Setenv(Env, "")
	dir, err := Ensure()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if dir == run || !strings.HasPrefix(filepath.Base(dir), "portlight-") || Dir() != dir || os.Getenv(Env) != dir {
		t.Fatalf("Ensure = %s, Dir = %s, %s = %q", dir, Dir(), Env, os.Getenv(Env))
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || int(fi.Sys().(*syscall.Stat_t).Uid) != os.Getuid() {
		t.Fatalf("private folder %v %v", fi, err)
	}
}
