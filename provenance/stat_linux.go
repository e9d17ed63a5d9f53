package provenance

import (
	"fmt"
	"os"
	"syscall"
)

// statFile returns the identity and change times of the file at path,
// following symlinks (so /proc/PID/exe names the running file).
func statFile(path string) (fileStat, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return fileStat{}, err
	}
	return fileStat{
		dev:   st.Dev,
		ino:   st.Ino,
		mtime: st.Mtim.Nano(),
		ctime: st.Ctim.Nano(),
		size:  st.Size,
	}, nil
}

// openInfoFile opens a file of dpkg's database for reading without
// following a symbolic link, and keeps it only when it is a regular file
// owned by root or by trusted (the owner of the database's folder, which is
// root on a real system).
func openInfoFile(path string, trusted uint32) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.Mode().IsRegular() || !ok || (st.Uid != 0 && st.Uid != trusted) {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file of a trusted owner", path)
	}
	return f, nil
}

// fileOwner is the owner of the file at path, not following a link; root
// when it cannot be told.
func fileOwner(path string) uint32 {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return 0
	}
	return st.Uid
}
