//go:build !linux

package provenance

import "os"

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
