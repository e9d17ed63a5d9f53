package osact

import "syscall"

// opener is open(1), which shows a folder in the Finder.
func opener(dir string) (string, []string) { return "open", []string{dir} }

func ignoreExit(error) bool { return false }

func terminate(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }
