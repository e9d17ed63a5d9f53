//go:build linux || freebsd || netbsd || openbsd || dragonfly || darwin

package autostart

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"portlight/internal/atomicfile"
)

// This file holds what the file-based autostart mechanisms share: an XDG
// .desktop entry and a macOS LaunchAgent are both one file, written
// atomically, whose presence means "start at login". Each OS's file gives
// Location and entry.

// Enable writes the autostart file (see Location) to run exe with args at
// login; an identical file is left alone.
func Enable(exe string, args ...string) error {
	if err := checkCommand(exe, args); err != nil {
		return err
	}
	path, err := Location()
	if err != nil {
		return err
	}
	data := entry(exe, args)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Disable removes the autostart file; a missing file is not an error.
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

// Enabled reports whether the autostart file exists.
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
