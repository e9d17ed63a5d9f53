package rawsys

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestLstatOpenReadClose(t *testing.T) {
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
	if err := Lstat(file, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != 5 {
		t.Errorf("Lstat of a file: mode %o size %d, %v", st.Mode, st.Size, err)
	}
	if err := Lstat(link, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFLNK {
		t.Errorf("Lstat of a link: mode %o, %v", st.Mode, err)
	}
	if err := Lstat(filepath.Join(dir, "none"), &st); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Lstat of a missing file: %v, want ErrNotExist", err)
	}
	if err := Lstat("/proc/self/status", &st); !errors.Is(err, ErrNotLocal) {
		t.Errorf("Lstat on /proc: %v, want ErrNotLocal", err)
	}
	p, _ := unix.BytePtrFromString(file)
	fd, err := Openat(unix.AT_FDCWD, p, unix.O_RDONLY)
	if err != nil {
		t.Fatalf("Openat: %v", err)
	}
	b := make([]byte, 3)
	if n, err := Read(fd, b); err != nil || string(b[:n]) != "123" {
		t.Errorf("Read into 3 bytes: %q, %v", b[:n], err)
	}
	if err := Close(fd); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := Read(fd, b); !errors.Is(err, unix.EBADF) {
		t.Errorf("Read after Close: %v, want EBADF", err)
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
