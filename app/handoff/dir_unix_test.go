//go:build unix

package handoff

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"portlight/internal/rundir"
	"portlight/internal/testrig"
)

// TestSendRefusesAnotherUsersFolder: another local user pre-creates the
// folder and answers on ui.sock; Send must not hand the request to them
// (the victim would then exit, believing its request served). It falls
// back to a private folder of its own, where nobody serves yet, and a
// window process can serve there.
func TestSendRefusesAnotherUsersFolder(t *testing.T) {
	h, run := testrig.ForeignHome(t)
	t.Setenv("PORTLIGHT_HOME", h)
	t.Setenv(rundir.Env, "")
	got := make(chan string, 1)
	if os.Getuid() == 0 {
		ln, err := net.Listen("unix", filepath.Join(run, sockName))
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
			line, _ := bufio.NewReader(conn).ReadString('\n')
			got <- line
			conn.Write([]byte(ack))
		}()
	}
	handled, err := Send(ctx(t), Request{Kind: Listeners})
	t.Cleanup(func() { os.RemoveAll(rundir.Dir()) })
	if handled || err != nil {
		t.Fatalf("Send with another user's folder = %v, %v; want false, nil (nobody serves in the private folder)", handled, err)
	}
	if d := rundir.Dir(); d == run || !strings.HasPrefix(filepath.Base(d), "portlight-") {
		t.Fatalf("Dir after the fallback = %s", d)
	}
	fi, err := os.Lstat(rundir.Dir())
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || int(fi.Sys().(*syscall.Stat_t).Uid) != os.Getuid() {
		t.Fatalf("private folder %v %v", fi, err)
	}
	s, err := Listen()
	if err != nil {
		t.Fatalf("Listen in the private folder: %v", err)
	}
	defer s.Close()
	select {
	case line := <-got:
		t.Errorf("the other user's socket received %q", line)
	default:
	}
}

// TestListenDoesNotFollowLockSymlink: a symlink at ui.lock is refused, and
// its target is neither created nor changed.
func TestListenDoesNotFollowLockSymlink(t *testing.T) {
	h := home(t)
	if err := rundir.Prepare(rundir.Dir()); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(h, "victim")
	if err := os.Symlink(target, filepath.Join(rundir.Dir(), lockName)); err != nil {
		t.Fatal(err)
	}
	s, err := Listen()
	if err == nil {
		s.Close()
		t.Fatal("Listen followed a symlink at ui.lock")
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Errorf("symlink target created: %v", err)
	}
}
