package handoff

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
)

// RuntimeDirEnv names the private runtime folder a Portlight process fell
// back to. It is set in the process's environment, so the window processes
// it starts use the same folder.
const RuntimeDirEnv = "PORTLIGHT_RUNTIME_DIR"

// fallbackMu serialises falling back, so that one process makes one folder.
var fallbackMu sync.Mutex

// RuntimeDir returns the runtime folder, ready for use (see PrepareDir).
// When the expected folder is unusable — another user made it first, it is
// a symlink, it cannot be created — Portlight does not give up, which would
// let anyone on the machine stop it from starting: it makes a private
// folder with a random name (os.MkdirTemp: created 0700, never an existing
// one), uses it from then on (RuntimeDirEnv) and logs why.
func RuntimeDir() (string, error) {
	fallbackMu.Lock()
	defer fallbackMu.Unlock()
	dir := Dir()
	err := PrepareDir(dir)
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
		return "", fmt.Errorf("handoff: private runtime folder: %w", err)
	}
	if err := PrepareDir(d); err != nil {
		return "", err
	}
	if err := os.Setenv(RuntimeDirEnv, d); err != nil {
		return "", fmt.Errorf("handoff: %w", err)
	}
	return d, nil
}

// LockHolder names the process holding the flock on path; Known is false
// when it cannot be told (off Linux, or the lock was just released).
func LockHolder(path string) Peer { return lockPeer(path) }
