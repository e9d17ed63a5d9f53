//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package policy

import "os"

// stampOf reads a file's stamp: size and modification time only here.
func stampOf(fi os.FileInfo) fileStamp {
	return fileStamp{size: fi.Size(), mtime: fi.ModTime()}
}
