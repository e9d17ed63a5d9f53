// Package launch is how Portlight's two programs find and start each
// other. `portlight` (the command line, the resident monitor, its tray and
// notifications) never links Fyne; the windows are a second program,
// `portlight-ui`, started on demand: by the tray for a menu item or a
// clicked notification, and by `portlight ui ...` for a person at a
// terminal. The window process in turn names `portlight` when it turns
// "start at login" on. docs/binaries.md says why they are two.
//
// Each program looks for the other next to its own executable first (the
// two are built, installed and packaged together), then on PATH. The window
// process's command line (Parse, Args) lives here too, Fyne-free, so that
// `portlight ui` checks its arguments with the same parser as portlight-ui.
package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// The two programs' names, without the ".exe" Windows adds.
const (
	Core = "portlight"    // the command line, resident monitor and tray
	UI   = "portlight-ui" // the window process
)

// ErrNotFound marks the error of a program that is neither next to this
// executable nor on PATH.
var ErrNotFound = errors.New("not found")

// Find returns the path of the program name (Core or UI): the file next to
// this process's executable, else the one on PATH. The error names the
// program and where it was looked for, and wraps ErrNotFound.
func Find(name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		self = ""
	} else if resolved, rerr := filepath.EvalSymlinks(self); rerr == nil {
		self = resolved
	}
	return find(name, filepath.Dir(self), self != "")
}

// find is Find with the folder of this executable given; haveDir is false
// when it is unknown (only PATH is searched then).
func find(name, dir string, haveDir bool) (string, error) {
	file := name
	if runtime.GOOS == "windows" {
		file += ".exe"
	}
	where := "on PATH"
	if haveDir {
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && executable(fi) {
			return p, nil
		}
		where = "in " + dir + " or on PATH"
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s %w %s; it is installed together with %s (make build and make install make both)",
		name, ErrNotFound, where, otherOf(name))
}

// otherOf is the program installed together with name.
func otherOf(name string) string {
	if name == UI {
		return Core
	}
	return UI
}

// executable reports whether a file's mode lets someone run it; Windows
// has no such bit.
func executable(fi os.FileInfo) bool {
	return runtime.GOOS == "windows" || fi.Mode().Perm()&0o111 != 0
}
