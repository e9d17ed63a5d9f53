//go:build unix

package handoff

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

// FuzzAnswer sends arbitrary bytes, as another local process could, to the
// server's request reader over a connection. It must never panic, must
// answer "ok" or an error, and must hand over only a request that Validate
// accepts and that names a real port when it names one: exactly the JSON
// object of the first line, read within maxRequest bytes.
func FuzzAnswer(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		client, server := socketPair(t)
		var got []Request
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&Server{}).answer(server, func(r Request) error { got = append(got, r); return nil })
		}()
		// Write, then shut the sending side, while reading the reply: the
		// server stops reading at a newline, maxRequest bytes or the end,
		// answers, and closes.
		go func() {
			_, _ = client.Write(b)
			_ = client.CloseWrite()
		}()
		reply, err := io.ReadAll(client)
		client.Close()
		<-done
		// A server that closes with bytes unread (more was sent than it
		// reads) resets the connection, and its reply may be lost.
		reset := errors.Is(err, syscall.ECONNRESET)
		if err != nil && !reset {
			t.Fatalf("read the reply: %v", err)
		}
		if len(got) > 1 {
			t.Fatalf("%d requests handled from one connection", len(got))
		}
		if !reset {
			ok := string(reply) == ack
			if !ok && !strings.HasPrefix(string(reply), "error: ") {
				t.Fatalf("reply %q", reply)
			}
			if ok != (len(got) == 1) {
				t.Fatalf("reply %q, %d requests handled", reply, len(got))
			}
		}
		if len(got) == 0 {
			return
		}
		r := got[0]
		if err := r.Validate(); err != nil {
			t.Fatalf("handled an invalid request %+v: %v", r, err)
		}
		if r.Kind == Explain && r.Port == 0 {
			t.Fatalf("handled an explain request for port 0: %+v", r)
		}
		// What was handled is the first line, decoded.
		head := b[:min(len(b), maxRequest)]
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			t.Fatalf("handled %+v from input without a newline in its first %d bytes", r, maxRequest)
		}
		var want Request
		if err := json.Unmarshal(head[:i+1], &want); err != nil || want != r {
			t.Fatalf("handled %+v, the first line decodes to %+v (%v)", r, want, err)
		}
	})
}

// socketPair returns the two ends of a connected AF_UNIX stream socket pair,
// as a sender and the server see them.
func socketPair(t *testing.T) (*net.UnixConn, net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "handoff-fuzz")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatalf("socket pair: %v", err)
		}
		return c
	}
	return conn(fds[0]).(*net.UnixConn), conn(fds[1])
}
