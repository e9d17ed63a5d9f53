// Package rundir is Portlight's runtime folder: where the window process's
// socket and lock, the tray app's single-instance lock, its status file and
// the notification icon live while Portlight runs. The folder is this
// user's alone (0700): another local user who could make it, or plant a
// link in it, could answer on the socket or hold the lock, and so stop
// Portlight from watching.
package rundir

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"portlight/internal/statedir"
)

// Env names the private runtime folder a Portlight process fell back to. It
// is set in the process's environment, so the window processes it starts
// use the same folder.
const Env = "PORTLIGHT_RUNTIME_DIR"

// The runtime files, inside Dir.
const (
	// SocketFile is the window process's socket.
	SocketFile = "ui.sock"
	// UILockFile is held by the window process that serves the socket.
	UILockFile = "ui.lock"
	// ResidentLockFile is held by the running tray app: one per user.
	ResidentLockFile = "resident.lock"
	// StatusFile is the tray app's status for the window process.
	StatusFile = "status.json"
	// IconFile is the app icon, for the notification daemon to read.
	IconFile = "portlight.png"
)

// Dir returns the runtime folder's path, not checked or created (see
// Ensure): the private folder named by Env when a Portlight process fell
// back to one, else run in $PORTLIGHT_HOME when that is set, else
// $XDG_RUNTIME_DIR/portlight, else a per-user folder under the system's
// temporary folder.
func Dir() string {
	if d := os.Getenv(Env); d != "" {
		return d
	}
	if h, ok, err := statedir.FromEnv(); ok && err == nil {
		return filepath.Join(h, statedir.RunDir)
	}
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" {
		return filepath.Join(x, "portlight")
	}
	return filepath.Join(os.TempDir(), "portlight-"+strconv.Itoa(os.Getuid()))
}

// Path returns the named runtime file's path in Dir.
func Path(name string) string { return filepath.Join(Dir(), name) }

// Prepare makes dir safe to keep Portlight's runtime files in: it creates
// it with mode 0700, or checks that an existing one is a real directory (not
// a symlink) owned by this user, and tightens its mode to 0700. It refuses
// anything else: in a shared temporary folder another local user could have
// made it first, to plant symlinks or answer on the socket.
func Prepare(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("runtime folder: create %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("runtime folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("runtime folder: refusing %s: not a directory (a symlink?); remove it", dir)
	}
	if err := checkOwner(fi); err != nil {
		return fmt.Errorf("runtime folder: refusing %s: %w; remove it or set XDG_RUNTIME_DIR", dir, err)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("runtime folder: chmod %s: %w", dir, err)
		}
	}
	return nil
}

// fallbackMu serialises falling back, so that one process makes one folder.
var fallbackMu sync.Mutex

// Ensure returns the runtime folder, ready for use (see Prepare). When the
// expected folder is unusable — another user made it first, it is a
// symlink, it cannot be created — Portlight does not give up, which would
// let anyone on the machine stop it from starting: it makes a private
// folder with a random name (os.MkdirTemp: created 0700, never an existing
// one), uses it from then on (Env) and logs why.
func Ensure() (string, error) {
	fallbackMu.Lock()
	defer fallbackMu.Unlock()
	dir := Dir()
	err := Prepare(dir)
	if err == nil {
		return dir, nil
	}
	priv, ferr := fallback()
	if ferr != nil {
		return "", fmt.Errorf("%w; and no private folder instead: %w", err, ferr)
	}
	slog.Warn("runtime folder refused; using a private one", "refused", dir, "why", err, "using", priv)
	return priv, nil
}

// Fallback makes a fresh private runtime folder under the system's
// temporary directory and makes it this process's runtime folder (and its
// children's) from now on.
func Fallback() (string, error) {
	fallbackMu.Lock()
	defer fallbackMu.Unlock()
	return fallback()
}

func fallback() (string, error) {
	d, err := os.MkdirTemp("", "portlight-"+strconv.Itoa(os.Getuid())+"-")
	if err != nil {
		return "", fmt.Errorf("private runtime folder: %w", err)
	}
	if err := Prepare(d); err != nil {
		return "", err
	}
	if err := os.Setenv(Env, d); err != nil {
		return "", fmt.Errorf("private runtime folder: %w", err)
	}
	return d, nil
}
