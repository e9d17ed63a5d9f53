package monitor

import (
	"bytes"
	"context"
	"os/exec"
	"os/user"
	"runtime"
	"strconv"
	"time"
)

// lookupUserName returns the login name of uid from the user database, and
// whether it has one.
//
// portlight is built without cgo (docs/binaries.md), so os/user reads
// /etc/passwd only, not the Name Service Switch. Users that only NSS knows,
// such as systemd's dynamic users (a service with DynamicUser=yes), its
// homed users, or LDAP and sssd accounts, are then asked of getent, which
// is glibc's (and musl's) front end to the same databases. It runs only for
// a uid /etc/passwd lacks, and the caller keeps the answer.
func lookupUserName(uid uint32) (string, bool) {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username, true
	}
	if runtime.GOOS != "linux" {
		return "", false
	}
	return getentUserName(id)
}

// getentUserName asks `getent passwd ID` for the name of the user id, and
// checks that the entry it prints is that id's.
func getentUserName(id string) (string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "getent", "passwd", id).Output()
	if err != nil { // exit status 2: no such entry; or no getent at all
		return "", false
	}
	// name:password:uid:gid:gecos:home:shell
	fields := bytes.Split(bytes.TrimRight(out, "\n"), []byte(":"))
	if len(fields) < 3 || len(fields[0]) == 0 || string(fields[2]) != id {
		return "", false
	}
	return string(fields[0]), true
}
