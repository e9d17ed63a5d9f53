//go:build unix

package resident

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portlight/app/handoff"
	"portlight/assets"
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
	if err := os.Chown(run, 65534, 65534); err != nil {
		t.Fatal(err)
	}
}

func TestLockResidentRefusesAnotherUsersFolder(t *testing.T) {
	foreignRun(t)
	release, err := lockResident()
	if err == nil {
		release()
		t.Fatalf("lockResident used %s, owned by another user", handoff.Dir())
	}
	if !strings.Contains(err.Error(), "owned by uid") {
		t.Errorf("error does not say why: %v", err)
	}
}

func TestLockResidentDoesNotFollowSymlink(t *testing.T) {
	h := runHome(t)
	if err := handoff.PrepareDir(handoff.Dir()); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(h, "victim")
	if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(handoff.Dir(), "resident.lock")); err != nil {
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
	var logged bytes.Buffer
	if p := iconFile(slog.New(slog.NewTextHandler(&logged, nil))); p != "" {
		t.Errorf("iconFile wrote %s into another user's folder", p)
	}
	if !strings.Contains(logged.String(), "owned by uid") {
		t.Errorf("no clear warning logged: %q", logged.String())
	}
}

func TestIconFileReplacesSymlinkWithoutFollowing(t *testing.T) {
	h := runHome(t)
	if err := handoff.PrepareDir(handoff.Dir()); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(h, "bashrc")
	if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(handoff.Dir(), "portlight.png")
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
	ents, _ := os.ReadDir(handoff.Dir())
	for _, e := range ents {
		if e.Name() != "portlight.png" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
