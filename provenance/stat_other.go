//go:build !linux

package provenance

import (
	"fmt"
	"os"
)

// statFile returns the change time of the file at path; other systems give
// no device and inode through the portable API, so those stay zero.
func statFile(path string) (fileStat, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStat{}, err
	}
	t := fi.ModTime().UnixNano()
	return fileStat{mtime: t, ctime: t, size: fi.Size()}, nil
}

// openInfoFile opens a file of dpkg's database for reading when it is a
// regular file; other systems give no owner through the portable API.
func openInfoFile(path string, _ uint32) (*os.File, error) {
	if fi, err := os.Lstat(path); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return os.Open(path)
}

// fileOwner is root: other systems give no owner through the portable API.
func fileOwner(string) uint32 { return 0 }
