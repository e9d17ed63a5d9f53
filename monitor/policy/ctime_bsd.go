//go:build darwin || freebsd || netbsd || openbsd

package policy

import "syscall"

// ctimeNanos is the inode change time in nanoseconds.
func ctimeNanos(s *syscall.Stat_t) int64 { return s.Ctimespec.Nano() }
