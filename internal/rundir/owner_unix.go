//go:build unix

package rundir

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwner refuses a directory that belongs to another user: someone else
// could otherwise read or replace the socket.
func checkOwner(fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if int(st.Uid) != os.Getuid() {
		return fmt.Errorf("owned by uid %d, not by this user (uid %d)", st.Uid, os.Getuid())
	}
	return nil
}
