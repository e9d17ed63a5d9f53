package autostart

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Location returns the LaunchAgent's path:
// ~/Library/LaunchAgents/dev.portlight.Portlight.plist.
func Location() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("autostart: %w", err)
	}
	return filepath.Join(home, "Library", "LaunchAgents", AppID+".plist"), nil
}

// Enable writes a LaunchAgent that runs exe with args at login, in the
// user's GUI session (Aqua), without restarting it when it quits.
func Enable(exe string, args ...string) error {
	if err := checkCommand(exe, args); err != nil {
		return err
	}
	path, err := Location()
	if err != nil {
		return err
	}
	data := plist(exe, args)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("autostart: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Disable removes the LaunchAgent; a missing one is not an error.
func Disable() error {
	path, err := Location()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Enabled reports whether the LaunchAgent exists.
func Enabled() (bool, error) {
	path, err := Location()
	if err != nil {
		return false, err
	}
	_, err = os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("autostart: %w", err)
}
