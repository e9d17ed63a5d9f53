package handoff

import (
	"fmt"
	"strconv"
	"strings"
)

// Peer is another process Portlight meets on its runtime files: the one
// holding a lock, or answering on the socket.
type Peer struct {
	PID int
	UID int // -1 when unknown
	// Exe is the peer's executable as the kernel names it ("" when it
	// cannot be read).
	Exe string
	// Same reports that the peer runs as this user and is this program, or
	// the other Portlight program the caller named (Send's also): its
	// executable is the same file (device and inode), or, after an upgrade
	// replaced the file, has the same path.
	Same bool
	// Known is false when the peer could not be identified at all (no
	// /proc, or a platform without peer credentials): the caller keeps its
	// old behaviour and trusts the folder's permissions.
	Known bool
}

// String names the peer for a message: "pid 4242 (/tmp/x, uid 1000)".
func (p Peer) String() string {
	exe := p.Exe
	if exe == "" {
		exe = "executable unknown"
	}
	uid := ""
	if p.UID >= 0 {
		uid = ", uid " + strconv.Itoa(p.UID)
	}
	return fmt.Sprintf("pid %d (%s%s)", p.PID, exe, uid)
}

// ImpostorError is returned when the process answering on the hand-over
// socket, or holding the window process's lock, is not Portlight.
type ImpostorError struct {
	Path string
	Peer Peer
}

func (e *ImpostorError) Error() string {
	verb := "held"
	if strings.HasSuffix(e.Path, sockName) {
		verb = "answered"
	}
	return fmt.Sprintf("handoff: %s is %s by %s, which is not this Portlight program; not handing over to it", e.Path, verb, e.Peer)
}

// LockHolder names the process holding the lock on path; its Same is true
// only for this very program. Known is false when it cannot be told (off
// Linux, or the lock was just released).
func LockHolder(path string) Peer { return lockPeer(path, nil) }
