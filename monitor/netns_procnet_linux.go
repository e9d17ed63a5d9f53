package monitor

import (
	"bytes"
	"slices"

	"golang.org/x/sys/unix"
)

// readProcNet reads sp's tables through its first member; a table whose
// content did not change is not parsed again. The member's namespace is
// checked again after the read: were its pid reused since it was
// confirmed, the tables would be another namespace's (the host's).
func (t *nsTracker) readProcNet(sp *netSpace) {
	if len(sp.members) == 0 {
		return
	}
	pid := sp.members[0]
	changed := false
	for i, f := range procNetFiles {
		b, err := t.readNetFile(pid, f.name)
		if err != nil {
			if i == 0 {
				return // unreadable: keep the last list
			}
			b = nil // IPv6 off in there
		}
		if string(b) != string(sp.raw[i]) {
			sp.raw[i] = append(sp.raw[i][:0], b...)
			changed = true
		}
	}
	if ino, err := t.pidNS(pid); err != nil || ino != sp.ino {
		sp.raw[0] = sp.raw[0][:0] // never empty when read: parse the next read
		return
	}
	if !changed {
		return
	}
	socks := sp.socks[:0]
	for i, f := range procNetFiles {
		var err error
		if socks, err = ParseProcNet(bytes.NewReader(sp.raw[i]), f.proto, socks); err != nil {
			return
		}
	}
	for i := range socks {
		socks[i].NetNS = sp.ino
	}
	sp.socks = socks
}

// readNetFile reads /proc/PID/net/NAME whole into t.file.
func (t *nsTracker) readNetFile(pid int32, name string) ([]byte, error) {
	t.fs.pidPath(pid, "/net/"+name)
	fd, err := openat(unix.AT_FDCWD, &t.fs.path[0], unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if t.file == nil {
		t.file = make([]byte, 0, 64<<10)
	}
	b := t.file[:0]
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, cap(b))
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		b = b[:len(b)+n]
	}
	t.file = b
	return b, nil
}
