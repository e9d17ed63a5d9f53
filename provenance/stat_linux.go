package provenance

import "syscall"

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
