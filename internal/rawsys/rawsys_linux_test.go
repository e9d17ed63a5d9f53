package rawsys

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestStatLstatReadFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "l")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := Stat(link, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != 5 {
		t.Errorf("Stat through a link: mode %o size %d, %v", st.Mode, st.Size, err)
	}
	if err := Lstat(link, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFLNK {
		t.Errorf("Lstat of a link: mode %o, %v", st.Mode, err)
	}
	if err := Stat(filepath.Join(dir, "none"), &st); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat of a missing file: %v, want ErrNotExist", err)
	}
	p, _ := unix.BytePtrFromString(file)
	b, err := ReadFile(p, make([]byte, 3))
	if err != nil || string(b) != "123" {
		t.Errorf("ReadFile into 3 bytes: %q, %v", b, err)
	}
}

func TestLocalFS(t *testing.T) {
	dir := t.TempDir()
	if !isLocal(dir) {
		t.Skipf("the temporary folder %s is not on a file system this build calls local", dir)
	}
	if !LocalFS(filepath.Join(dir, "not", "made", "yet")) {
		t.Error("a folder not made yet in a local one is not local")
	}
	if LocalFS("/proc/self") || LocalFS("/sys/kernel") {
		t.Error("/proc or /sys counted as local")
	}
}
