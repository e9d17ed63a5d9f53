//go:build linux || darwin || freebsd || netbsd || openbsd

package policy

import (
	"os"
	"syscall"
)

// stampOf reads a file's stamp, with change time and inode from the OS.
func stampOf(fi os.FileInfo) fileStamp {
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	if s, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.dev, st.ino = uint64(s.Dev), uint64(s.Ino)
		st.ctime = ctimeNanos(s)
	}
	return st
}
