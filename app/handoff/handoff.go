// Package handoff keeps Portlight's window process single: the first
// `portlight ui ...` process serves a unix socket, and every later one hands
// its request (open this window) to it and exits.
//
// Only AF_UNIX sockets are used, never inet ones. The socket lives in a
// directory only the user can enter (0700) and is itself 0600. Who serves is
// decided by an exclusive lock on a file beside the socket, held for the
// server's life and released by the kernel when the process dies, so a socket
// file left behind by a crash is recognised as stale and replaced.
package handoff

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"time"

	"portlight/internal/filelock"
	"portlight/internal/rundir"
	"portlight/monitor"
)

// Kind names the window a request asks for.
type Kind string

// Window kinds.
const (
	Explain   Kind = "explain"
	Listeners Kind = "listeners"
	Settings  Kind = "settings"
	History   Kind = "history"
)

// Request asks the window process to open (or raise) one window.
type Request struct {
	Kind Kind `json:"kind"`
	// Port and Proto name the port an Explain request is about.
	Port  uint16 `json:"port,omitempty"`
	Proto string `json:"proto,omitempty"`
	// PID, when not 0, is the process an alert was about (shown first).
	PID int32 `json:"pid,omitempty"`
	// Exe, for a History request, narrows the search to one program; Port
	// and Proto, when set, to one port.
	Exe string `json:"exe,omitempty"`
}

// Validate reports whether a request is well formed.
func (r Request) Validate() error {
	switch r.Kind {
	case Listeners, Settings, Home, Welcome:
		return nil
	case Explain:
		if r.Port == 0 {
			return errors.New("handoff: explain needs a port (1–65535)")
		}
		if !monitor.Proto(r.Proto).Known() {
			return fmt.Errorf("handoff: protocol %q is not tcp, udp or sctp", r.Proto)
		}
		if r.PID < 0 {
			return fmt.Errorf("handoff: negative pid %d", r.PID)
		}
		return nil
	case History:
		if r.Proto != "" && !monitor.Proto(r.Proto).Known() {
			return fmt.Errorf("handoff: protocol %q is not tcp, udp or sctp", r.Proto)
		}
		return nil
	default:
		return fmt.Errorf("handoff: unknown window kind %q", r.Kind)
	}
}

// ErrBusy is returned by Listen when another process already serves.
var ErrBusy = errors.New("handoff: another window process is serving")

const (
	sockName = rundir.SocketFile
	lockName = rundir.UILockFile
	// maxRequest bounds what a server reads from one connection.
	maxRequest = 4096
	// ioTimeout bounds one exchange on either side.
	ioTimeout = 3 * time.Second
	ack       = "ok\n"
)

// SocketPath returns the path of the window process's socket.
func SocketPath() string { return rundir.Path(sockName) }

// Send hands a request to the running window process. It returns handled
// false, with no error, when no window process is running, so the caller
// should become one; an error means a server exists but did not take the
// request (it refused it, or is quitting): try again shortly, when either it
// is gone or it answers.
//
// The window process is believed (by its peer credentials, on Linux) when
// it runs as this user and its executable is this process's own, or one of
// also: `portlight`, whose tray and notifications open windows, names
// portlight-ui there. Any other program answering is refused with an
// *ImpostorError, and is sent nothing.
func Send(ctx context.Context, r Request, also ...string) (handled bool, err error) {
	if err := r.Validate(); err != nil {
		return false, err
	}
	// Dial only into a folder that is ours: a socket in someone else's
	// could be theirs, and would take (and drop) the request.
	dir, err := rundir.Ensure()
	if err != nil {
		return false, err
	}
	for {
		handled, retry, err := sendOnce(ctx, dir, r, also)
		if !retry {
			return handled, err
		}
		// A server holds the lock but is not accepting yet: it is starting.
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("handoff: waiting for the window process: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// sendOnce makes one attempt; retry is true when a server is starting up.
// also names the executables, besides ours, a server may be.
func sendOnce(ctx context.Context, dir string, r Request, also []string) (handled, retry bool, err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", filepath.Join(dir, sockName))
	if err != nil {
		lockPath := filepath.Join(dir, lockName)
		busy, lerr := filelock.Held(lockPath)
		if lerr != nil {
			return false, false, fmt.Errorf("handoff: %w", lerr)
		}
		if busy {
			// A holder that never listens would keep every window
			// process waiting; one that is not Portlight is refused.
			if p := lockPeer(lockPath, also); p.Known && !p.Same {
				return false, false, &ImpostorError{Path: lockPath, Peer: p}
			}
		}
		return false, busy, nil
	}
	defer conn.Close()
	// The folder is ours, but a process of ours that is not Portlight
	// could still listen there and answer "ok", so that the sender
	// believes its request served and exits.
	if peer, err := socketPeer(conn, also); err != nil {
		return false, false, err
	} else if peer.Known && !peer.Same {
		return false, false, &ImpostorError{Path: filepath.Join(dir, sockName), Peer: peer}
	}
	deadline := time.Now().Add(ioTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return false, false, fmt.Errorf("handoff: %w", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return false, false, fmt.Errorf("handoff: encode request: %w", err)
	}
	if _, err := conn.Write(append(b, '\n')); err != nil {
		return false, false, fmt.Errorf("handoff: send request: %w", err)
	}
	reply, err := bufio.NewReader(io.LimitReader(conn, 64)).ReadString('\n')
	if err != nil {
		return false, false, fmt.Errorf("handoff: read reply: %w", err)
	}
	if reply != ack {
		return false, false, fmt.Errorf("handoff: window process refused: %q", strings.TrimSpace(reply))
	}
	return true, false, nil
}
