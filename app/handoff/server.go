package handoff

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"portlight/internal/filelock"
	"portlight/internal/rundir"
)

// Server is the window process's end of the socket, from Listen.
type Server struct {
	ln   net.Listener
	lock *filelock.Lock
	path string
	once sync.Once
}

// Listen claims the window-process role: it takes the lock, replaces a stale
// socket file, and listens. It returns ErrBusy when another process serves.
// Requests that arrive before Serve is called wait in the socket's backlog.
func Listen() (*Server, error) {
	dir, err := rundir.Ensure()
	if err != nil {
		return nil, err
	}
	f, err := filelock.TryLock(filepath.Join(dir, lockName))
	if errors.Is(err, filelock.ErrLocked) {
		return nil, ErrBusy
	}
	if err != nil {
		return nil, fmt.Errorf("handoff: %w", err)
	}
	// We hold the lock, so any socket file here is a dead server's leftover.
	path := filepath.Join(dir, sockName)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		f.Release()
		return nil, fmt.Errorf("handoff: remove stale socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		f.Release()
		return nil, fmt.Errorf("handoff: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		f.Release()
		return nil, fmt.Errorf("handoff: chmod socket: %w", err)
	}
	return &Server{ln: ln, lock: f, path: path}, nil
}

// Path returns the socket's path.
func (s *Server) Path() string { return s.path }

// Handler opens the window a request asks for. It returns an error when it
// cannot (the process is quitting); the sender is then told so and retries.
type Handler func(Request) error

// Serve accepts requests until ctx is done or Close is called, calling handle
// for each valid one (one at a time, in arrival order). It then closes the
// server and returns nil.
func (s *Server) Serve(ctx context.Context, handle Handler) error {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	defer s.Close()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("handoff: accept: %w", err)
		}
		s.answer(conn, handle)
	}
}

// answer reads one request from conn, hands it over and acknowledges it.
func (s *Server) answer(conn net.Conn, handle Handler) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	line, err := bufio.NewReader(io.LimitReader(conn, maxRequest)).ReadBytes('\n')
	if err != nil {
		_, _ = conn.Write([]byte("error: unreadable request\n"))
		return
	}
	var r Request
	if err := json.Unmarshal(line, &r); err != nil {
		_, _ = conn.Write([]byte("error: malformed request\n"))
		return
	}
	if err := r.Validate(); err != nil {
		_, _ = conn.Write([]byte("error: invalid request\n"))
		return
	}
	if err := handle(r); err != nil {
		_, _ = conn.Write([]byte("error: not handled\n"))
		return
	}
	_, _ = conn.Write([]byte(ack))
}

// Close stops listening, removes the socket file and releases the lock.
// It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		err = s.ln.Close()
		// The unix listener unlinks its socket on Close; remove it anyway in
		// case the platform does not.
		_ = os.Remove(s.path)
		s.lock.Release()
	})
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("handoff: close: %w", err)
	}
	return nil
}

// Serve is Listen followed by Server.Serve: it serves requests until ctx is
// done, or returns ErrBusy when another process already serves.
func Serve(ctx context.Context, handle Handler) error {
	s, err := Listen()
	if err != nil {
		return err
	}
	return s.Serve(ctx, handle)
}
