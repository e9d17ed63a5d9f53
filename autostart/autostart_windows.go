package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// runKey is the per-user Run key.
const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// Location names the registry value that starts Portlight.
func Location() (string, error) {
	return `HKEY_CURRENT_USER\` + runKey + `\` + Name, nil
}

// Enable sets the Run value to run exe with args at login.
func Enable(exe string, args ...string) error {
	if err := checkCommand(exe, args); err != nil {
		return err
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("autostart: open Run key: %w", err)
	}
	defer k.Close()
	cmd := commandLine(exe, args)
	if old, _, err := k.GetStringValue(Name); err == nil && old == cmd {
		return nil
	}
	if err := k.SetStringValue(Name, cmd); err != nil {
		return fmt.Errorf("autostart: set Run value: %w", err)
	}
	return nil
}

// Disable deletes the Run value; a missing one is not an error.
func Disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("autostart: open Run key: %w", err)
	}
	defer k.Close()
	if err := k.DeleteValue(Name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("autostart: delete Run value: %w", err)
	}
	return nil
}

// Enabled reports whether the Run value exists.
func Enabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("autostart: open Run key: %w", err)
	}
	defer k.Close()
	_, _, err = k.GetStringValue(Name)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
