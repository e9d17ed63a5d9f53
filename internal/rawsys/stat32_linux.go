//go:build linux && (386 || arm || mips || mipsle || ppc)

package rawsys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawStat is fstatat64(AT_FDCWD, p, st, 0).
func rawStat(p *byte, st *unix.Stat_t) (uintptr, uintptr, unix.Errno) {
	return unix.RawSyscall6(unix.SYS_FSTATAT64, atFDCWD, uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(st)), 0, 0, 0)
}
