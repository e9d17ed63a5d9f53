package monitor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"portlight/internal/rawsys"
)

// engineSockets lists where the engines' API sockets may be: Docker's
// ($DOCKER_HOST when it is a unix:// address, else the usual two paths of
// the one socket) and Podman's Docker-compatible API, rootless (in our
// runtime folder) and rootful.
func engineSockets() []engineSocket {
	var out []engineSocket
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		if p, ok := strings.CutPrefix(h, "unix://"); ok && p != "" {
			out = append(out, engineSocket{name: "docker", path: p})
		}
	} else {
		out = append(out, engineSocket{name: "docker", path: "/var/run/docker.sock"},
			engineSocket{name: "docker", path: "/run/docker.sock"})
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		out = append(out, engineSocket{name: "podman", path: filepath.Join(d, "podman", "podman.sock"), own: true})
	}
	return append(out, engineSocket{name: "podman", path: "/run/podman/podman.sock"})
}

// unixChecker is the engine socket checker of Linux.
type unixChecker struct{ uid uint32 }

func newEngineChecker() engineSocketChecker { return unixChecker{uid: uint32(os.Geteuid())} }

// absent reports whether nothing, or something other than a socket, is at
// s's path: check would say errNoEngine. One raw stat (package rawsys), as
// the resident asks on its tick, made only in a folder on a local file
// system and without following a link at the end: anything else (a
// socket path under a network home folder, a FUSE mount, a link) is not
// called absent, and check, off the tick, looks at it the ordinary way.
func (c unixChecker) absent(s engineSocket) bool {
	var st unix.Stat_t
	err := rawsys.Lstat(s.path, &st)
	if errors.Is(err, rawsys.ErrNotLocal) {
		return false
	}
	if err != nil {
		return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR)
	}
	t := st.Mode & unix.S_IFMT
	return t != unix.S_IFSOCK && t != unix.S_IFLNK
}

// errUntrusted is a socket or a peer that another user controls.
type errUntrusted struct{ why string }

func (e errUntrusted) Error() string { return e.why }

// trusted says whether uid may own what we believe: root or us, or only us
// for a socket that must be ours.
func (c unixChecker) trusted(uid uint32, own bool) bool {
	return uid == c.uid || (!own && uid == 0)
}

// check implements engineSocketChecker: the socket (symbolic links
// followed) must be a socket owned by root or us (us only when own), in a
// folder owned by root or us that nobody else can write to (or sticky,
// like /tmp: then no one else can replace our file).
func (c unixChecker) check(s engineSocket) ([2]uint64, uint32, error) {
	var st unix.Stat_t
	if err := unix.Stat(s.path, &st); err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return [2]uint64{}, 0, errNoEngine
		}
		return [2]uint64{}, 0, fmt.Errorf("stat %s: %w", s.path, err)
	}
	id := [2]uint64{st.Dev, st.Ino}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return id, 0, errNoEngine
	}
	if !c.trusted(st.Uid, s.own) {
		return id, 0, errUntrusted{fmt.Sprintf("socket owned by uid %d, not root or Portlight's user: ignored", st.Uid)}
	}
	real, err := filepath.EvalSymlinks(s.path)
	if err != nil {
		return id, 0, fmt.Errorf("resolve %s: %w", s.path, err)
	}
	var dir unix.Stat_t
	if err := unix.Stat(filepath.Dir(real), &dir); err != nil {
		return id, 0, fmt.Errorf("stat %s: %w", filepath.Dir(real), err)
	}
	if !c.trusted(dir.Uid, false) || (dir.Mode&0o022 != 0 && dir.Mode&unix.S_ISVTX == 0) {
		return id, 0, errUntrusted{fmt.Sprintf("folder %s is controlled by another user: ignored", filepath.Dir(real))}
	}
	return id, st.Uid, nil
}

// dial implements engineSocketChecker: it connects to the socket and checks
// that the program answering runs as root or as us (SO_PEERCRED), so a
// socket replaced after check is not believed either.
func (c unixChecker) dial(ctx context.Context, s engineSocket) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", s.path)
	if err != nil {
		return nil, err
	}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("dial %s: not a unix socket", s.path)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("peer of %s: %w", s.path, err)
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) { cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) }); err != nil {
		cerr = err
	}
	if cerr != nil {
		conn.Close()
		return nil, fmt.Errorf("peer of %s: %w", s.path, cerr)
	}
	if !c.trusted(cred.Uid, s.own) {
		conn.Close()
		return nil, errUntrusted{fmt.Sprintf("answered by uid %d, not root or Portlight's user: ignored", cred.Uid)}
	}
	return conn, nil
}

// systemDirs are the folders a system executable (conmon) may be in: the
// package manager's and the administrator's, all root's.
var systemDirs = []string{"/usr/bin", "/usr/sbin", "/usr/libexec", "/usr/lib", "/usr/local/bin",
	"/usr/local/sbin", "/usr/local/libexec", "/usr/local/lib", "/bin", "/sbin"}

// systemExecutable reports whether path is a regular file owned by root
// that no one else may write, under one of systemDirs, in folders each
// owned by root and writable by root alone: a file only root could have
// put there.
func systemExecutable(path string) bool {
	if !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return false
	}
	inSystem := false
	for _, d := range systemDirs {
		if strings.HasPrefix(path, d+"/") {
			inSystem = true
			break
		}
	}
	if !inSystem {
		return false
	}
	var st unix.Stat_t
	if unix.Lstat(path, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Uid != 0 || st.Mode&0o022 != 0 {
		return false
	}
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		if unix.Lstat(d, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Uid != 0 || st.Mode&0o022 != 0 {
			return false
		}
		if d == "/" {
			return true
		}
	}
}

// engineReason is an engine error in a few words, for EngineStatus.
func engineReason(err error) string {
	var u errUntrusted
	switch {
	case errors.As(err, &u):
		return u.why
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "permission denied"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (engine not running)"
	case errors.Is(err, context.DeadlineExceeded), os.IsTimeout(err):
		return "no answer in time"
	case errors.Is(err, errEngineTooBig):
		return "answer too large"
	}
	return err.Error()
}
