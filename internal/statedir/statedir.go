// Package statedir says where Portlight keeps its state, and what the state's
// files are called: the one place every process (the tray app, the windows,
// the CLI) asks, so that they all read and write the same folder.
//
// The folder is $PORTLIGHT_HOME when set (settings and state in one folder,
// for tests and portable use), else <os.UserConfigDir()>/portlight
// (~/.config/portlight on Linux, ~/Library/Application Support/portlight on
// macOS, %AppData%\portlight on Windows). One state folder for all of
// Portlight's files is easier to find, back up and wipe than a split between
// XDG config and state directories, and works the same on every OS.
package statedir

import (
	"fmt"
	"os"
	"path/filepath"
)

// Env names the variable that moves the state folder.
const Env = "PORTLIGHT_HOME"

// The state's files, inside Dir.
const (
	// SettingsFile holds the user's settings (TOML, meant for editing).
	SettingsFile = "settings.toml"
	// SettingsLockFile is locked by every writer of the settings, from
	// reading the file to replacing it.
	SettingsLockFile = "settings.lock"
	// WrittenFile records the guarded settings Portlight itself last wrote.
	WrittenFile = "settings-written.json"
	// GateStateFile is the noise gate's memory of known ports.
	GateStateFile = "state.json"
	// HeartbeatFile is the tray app's heartbeat: when it last ran, and
	// whether it stopped cleanly.
	HeartbeatFile = "running.json"
	// HistoryFile is the history database (SQLite); its recorder's lock is
	// the same name plus ".lock".
	HistoryFile = "history.db"
	// RegistryFile is IANA's port registry as `portlight update-registry`
	// stored it (gzip of the CSV).
	RegistryFile = "iana-registry.csv.gz"
	// WelcomedFile marks that the welcome window was shown.
	WelcomedFile = "welcomed"
	// RunDir is the runtime folder's name inside a PORTLIGHT_HOME (see
	// package rundir).
	RunDir = "run"
)

// Dir returns the state folder, absolute: $PORTLIGHT_HOME when set, else
// <os.UserConfigDir()>/portlight. It does not create it.
func Dir() (string, error) {
	if h, ok, err := FromEnv(); ok || err != nil {
		return h, err
	}
	c, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("state folder: %w", err)
	}
	return filepath.Join(c, "portlight"), nil
}

// FromEnv returns $PORTLIGHT_HOME made absolute, and whether it is set. A
// relative value is taken from the working folder at the time of the call.
func FromEnv() (dir string, set bool, err error) {
	h := os.Getenv(Env)
	if h == "" {
		return "", false, nil
	}
	abs, err := filepath.Abs(h)
	if err != nil {
		return "", true, fmt.Errorf("%s: %w", Env, err)
	}
	return abs, true, nil
}

// Path returns the path of the named file in Dir.
func Path(name string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}
