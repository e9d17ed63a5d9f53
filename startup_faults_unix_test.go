//go:build unix

package main

import (
	"os"
	"syscall"
)

// minorFaults is the page faults a finished process took that needed no
// disk read: mapping pages of its binary already in the page cache,
// copying written data pages, zeroing new memory.
func minorFaults(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Minflt
	}
	return -1
}
