//go:build !(linux || freebsd || netbsd || openbsd || dragonfly || darwin || windows)

package autostart

import "errors"

// errUnsupported: this OS has no login entry Portlight knows how to write.
var errUnsupported = errors.New("autostart: not supported on this system")

// Location is not known on this OS.
func Location() (string, error) { return "", errUnsupported }

// Enable is not supported on this OS.
func Enable(exe string, args ...string) error { return errUnsupported }

// Disable has nothing to remove on this OS.
func Disable() error { return nil }

// Enabled is always false on this OS.
func Enabled() (bool, error) { return false, nil }
