//go:build unix

package launch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFind looks for a program in real folders: next to this executable
// first, then on PATH; a file without the execute bit or a folder of that
// name does not count; the error names the program and where it looked.
func TestFind(t *testing.T) {
	self, onPath, empty := t.TempDir(), t.TempDir(), t.TempDir()
	write := func(dir, name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("PATH", empty)
	if _, err := find(UI, self, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nothing installed: err %v, want ErrNotFound", err)
	} else if msg := err.Error(); !strings.Contains(msg, "portlight-ui") || !strings.Contains(msg, self) || !strings.Contains(msg, "PATH") {
		t.Errorf("the error does not say what is missing and where it looked: %q", msg)
	}

	pathUI := write(onPath, UI, 0o755)
	t.Setenv("PATH", empty+string(os.PathListSeparator)+onPath)
	if got, err := find(UI, self, true); err != nil || got != pathUI {
		t.Errorf("only on PATH: %q, %v; want %q", got, err, pathUI)
	}
	if got, err := find(UI, "", false); err != nil || got != pathUI {
		t.Errorf("own folder unknown: %q, %v; want %q", got, err, pathUI)
	}

	write(self, UI, 0o644) // not executable: skipped
	if got, err := find(UI, self, true); err != nil || got != pathUI {
		t.Errorf("a non-executable file next to us: %q, %v; want %q", got, err, pathUI)
	}
	sibling := filepath.Join(self, UI)
	if err := os.Chmod(sibling, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := find(UI, self, true); err != nil || got != sibling {
		t.Errorf("next to us and on PATH: %q, %v; want the one next to us, %q", got, err, sibling)
	}

	if err := os.Mkdir(filepath.Join(self, Core), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := find(Core, self, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("a folder named portlight counted as the program: %v", err)
	}
}
