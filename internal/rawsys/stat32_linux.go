//go:build linux && (386 || arm || mips || mipsle || ppc)

package rawsys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawStat is fstatat64(AT_FDCWD, p, st, flags).
func rawStat(p *byte, st *unix.Stat_t, flags int) (uintptr, uintptr, unix.Errno) {
	return unix.RawSyscall6(unix.SYS_FSTATAT64, atFDCWD, uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(st)), uintptr(flags), 0, 0)
}
