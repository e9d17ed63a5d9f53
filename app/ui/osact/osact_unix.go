//go:build unix && !darwin

package osact

import (
	"syscall"
)

// opener is xdg-open, the freedesktop way to open a folder.
func opener(dir string) (string, []string) { return "xdg-open", []string{dir} }

// ignoreExit: xdg-open's failures are real failures.
func ignoreExit(error) bool { return false }

func terminate(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }
