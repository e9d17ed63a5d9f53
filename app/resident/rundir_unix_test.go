//go:build unix

package resident

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"portlight/app/handoff"
	"portlight/assets"
	"portlight/internal/rundir"
	"portlight/internal/testrig"
)

// runHome points PORTLIGHT_HOME at a fresh folder and returns it; the
// runtime folder is its run/.
func runHome(t *testing.T) string {
	t.Helper()
	h, err := os.MkdirTemp("", "plrun")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(h) })
	t.Setenv("PORTLIGHT_HOME", h)
	return h
}

// foreignRun makes the runtime folder another user's: as root, chown to
// nobody; as another user, PORTLIGHT_HOME=/ makes it /run, root's.
func foreignRun(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Setenv("PORTLIGHT_HOME", "/")
		return
	}
	run := filepath.Join(runHome(t), "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(run, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(run, testrig.NobodyUID, testrig.NobodyUID); err != nil {
		t.Fatal(err)
	}
}

// TestLockResidentFallsBackFromAnotherUsersFolder: another user made the
// runtime folder first. Portlight neither uses it nor gives up: it runs
// from a private folder of its own.
func TestLockResidentFallsBackFromAnotherUsersFolder(t *testing.T) {
	foreignRun(t)
	foreign := rundir.Dir()
	t.Setenv(rundir.Env, "")
	release, err := lockResident()
	if err != nil {
		t.Fatalf("lockResident with another user's folder at %s: %v (start-up blocked)", foreign, err)
	}
	defer release()
	priv := rundir.Dir()
	t.Cleanup(func() { os.RemoveAll(priv) })
	if priv == foreign {
		t.Fatalf("lockResident used %s, owned by another user", foreign)
	}
	checkPrivate(t, priv)
	if _, err := os.Lstat(filepath.Join(foreign, residentLock)); err == nil {
		t.Errorf("a lock file was made in the other user's folder")
	}
}

// checkPrivate fails unless dir is a real folder of ours, mode 0700.
func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || int(fi.Sys().(*syscall.Stat_t).Uid) != os.Getuid() {
		t.Fatalf("runtime folder %s: %v %v, want ours, 0700", dir, fi, err)
	}
}

// TestLockResidentImpostorHoldsTheLock: a process of the same user that is
// not Portlight (flock(1), holding resident.lock) does not make Portlight
// hand over and exit: it says who holds the lock, by pid and executable,
// and runs from a private folder.
func TestLockResidentImpostorHoldsTheLock(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the lock's holder is read from /proc/locks")
	}
	testrig.RequireTool(t, "flock")
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Fatal(err)
	}
	runHome(t)
	t.Setenv(rundir.Env, "")
	dir := rundir.Dir()
	if err := rundir.Prepare(dir); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, residentLock)
	cmd := exec.Command(flock, "--exclusive", lock, "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Wait until it holds the lock.
	for i := 0; ; i++ {
		if h := handoff.LockHolder(lock); h.Known {
			break
		}
		if i == 200 {
			t.Fatal("flock did not take the lock within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	stderr := captureStderr(t)
	release, err := lockResident()
	msg := stderr()
	if err != nil {
		t.Fatalf("lockResident with an impostor holding the lock: %v (Portlight would hand over to it and exit)", err)
	}
	defer release()
	t.Cleanup(func() { os.RemoveAll(rundir.Dir()) })
	if rundir.Dir() == dir {
		t.Fatal("still in the folder the impostor holds")
	}
	checkPrivate(t, rundir.Dir())
	if want := fmt.Sprintf("pid %d (%s", cmd.Process.Pid, flock); !strings.Contains(msg, want) || !strings.Contains(msg, "not Portlight") {
		t.Errorf("stderr %q does not name the holder (%s)", msg, want)
	}
	t.Logf("stderr: %s", msg)
}

// TestLockResidentGenuineHolder: when Portlight itself (this process,
// through another open file) holds the lock, a second one hands over.
func TestLockResidentGenuineHolder(t *testing.T) {
	runHome(t)
	t.Setenv(rundir.Env, "")
	release, err := lockResident()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := lockResident(); !errors.Is(err, errRunning) {
		t.Fatalf("second lockResident = %v, want errRunning", err)
	}
}

// captureStderr sends os.Stderr to a file until the returned function is
// called; it returns what was written.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = f
	t.Cleanup(func() { os.Stderr = old })
	return func() string {
		os.Stderr = old
		b, _ := os.ReadFile(f.Name())
		return string(b)
	}
}

func TestLockResidentDoesNotFollowSymlink(t *testing.T) {
	h := runHome(t)
	if err := rundir.Prepare(rundir.Dir()); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(h, "victim")
	if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(rundir.Dir(), "resident.lock")); err != nil {
		t.Fatal(err)
	}
	release, err := lockResident()
	if err == nil {
		release()
		t.Error("lockResident followed a symlink at resident.lock")
	}
	// The target is untouched, and not locked by us.
	if b, _ := os.ReadFile(target); string(b) != "precious\n" {
		t.Errorf("target now holds %q", b)
	}
}

func TestIconFileRefusesAnotherUsersFolder(t *testing.T) {
	foreignRun(t)
	foreign := rundir.Dir()
	t.Setenv(rundir.Env, "")
	p := iconFile(slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { os.RemoveAll(rundir.Dir()) })
	if p == "" || strings.HasPrefix(p, foreign+"/") {
		t.Fatalf("iconFile = %q with another user's folder at %s; want the icon in a private folder", p, foreign)
	}
	checkPrivate(t, filepath.Dir(p))
}

func TestIconFileReplacesSymlinkWithoutFollowing(t *testing.T) {
	h := runHome(t)
	if err := rundir.Prepare(rundir.Dir()); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(h, "bashrc")
	if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(rundir.Dir(), "portlight.png")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	p := iconFile(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if b, _ := os.ReadFile(target); string(b) != "precious\n" {
		t.Errorf("symlink followed: target now holds %d bytes", len(b))
	}
	if p != link {
		t.Fatalf("iconFile = %q, want %q", p, link)
	}
	fi, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("icon is %v, want a regular file 0600", fi.Mode())
	}
	if b, _ := os.ReadFile(link); !bytes.Equal(b, assets.AppIcon) {
		t.Errorf("icon holds %d bytes, want the app icon's %d", len(b), len(assets.AppIcon))
	}
	// No temporary files left beside it.
	ents, _ := os.ReadDir(rundir.Dir())
	for _, e := range ents {
		if e.Name() != "portlight.png" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestLockResidentHostileTmpFolder reproduces the attack on a machine
// without XDG_RUNTIME_DIR: another user (nobody, through setpriv) creates
// $TMPDIR/portlight-UID first, world-writable. Portlight runs anyway, from
// a private folder with a random name, and leaves nothing in theirs.
func TestLockResidentHostileTmpFolder(t *testing.T) {
	testrig.RequireRoot(t, "to act as another user (setpriv to nobody)")
	testrig.RequireTool(t, "setpriv")
	tmp, err := os.MkdirTemp("", "pltmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o1777); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	t.Setenv("PORTLIGHT_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv(rundir.Env, "")
	hostile := rundir.Dir()
	if hostile != filepath.Join(tmp, fmt.Sprintf("portlight-%d", os.Getuid())) {
		t.Fatalf("Dir() = %s, not under TMPDIR", hostile)
	}
	out, err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "mkdir", "-m", "0777", hostile).CombinedOutput()
	if err != nil {
		t.Fatalf("nobody could not make %s: %v %s", hostile, err, out)
	}
	if fi, err := os.Stat(hostile); err != nil || fi.Sys().(*syscall.Stat_t).Uid != 65534 {
		t.Fatalf("%s not nobody's: %v %v", hostile, fi, err)
	}
	release, err := lockResident()
	if err != nil {
		t.Fatalf("start-up blocked by nobody's %s: %v", hostile, err)
	}
	defer release()
	priv := rundir.Dir()
	if priv == hostile || filepath.Dir(priv) != tmp || !strings.HasPrefix(filepath.Base(priv), fmt.Sprintf("portlight-%d-", os.Getuid())) {
		t.Fatalf("runtime folder %s, want a private portlight-%d-* in %s", priv, os.Getuid(), tmp)
	}
	checkPrivate(t, priv)
	if ents, _ := os.ReadDir(hostile); len(ents) > 0 {
		t.Errorf("files left in nobody's folder: %v", ents)
	}
}
