//go:build linux

package settings

import (
	"os"
	"path/filepath"
	"testing"

	"portlight/internal/rawsys"
)

// The settings file's stamp is read the raw way only on a local file
// system; elsewhere (here /proc, standing in for a network folder) the
// stat is an ordinary one, and both tell a change apart.
func TestStampLocalAndOther(t *testing.T) {
	dir := t.TempDir()
	if !rawsys.LocalFS(dir) {
		t.Skipf("the temporary folder %s is not on a local file system this build knows", dir)
	}
	if rawsys.LocalFS("/proc/self") {
		t.Error("/proc counted as a local file system")
	}
	path := filepath.Join(dir, "settings.toml")
	before, err := stampFile(path)
	if err != nil || before.exists {
		t.Fatalf("missing file: %+v, %v", before, err)
	}
	if err := os.WriteFile(path, []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	after, err := stampFile(path)
	if err != nil || !after.exists || after.same(before) {
		t.Fatalf("written file: %+v, %v", after, err)
	}
	// A link to the file: the stamp is the file's, as before.
	link := filepath.Join(dir, "link.toml")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if l, err := stampFile(link); err != nil || !l.same(after) {
		t.Fatalf("stamp through a link: %+v, %v, want %+v", l, err, after)
	}
	p1, err := stampFile("/proc/self/status")
	if err != nil || !p1.exists {
		t.Fatalf("stamp of a file on /proc: %+v, %v", p1, err)
	}
	if p, err := stampFile("/proc/self/no-such-file"); err != nil || p.exists {
		t.Fatalf("missing file on /proc: %+v, %v", p, err)
	}
}
