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

	"portlight/internal/testrig"
)

// foreignHome returns a PORTLIGHT_HOME whose run folder belongs to another
// user, and that folder. As root it makes one (chown to nobody); as another
// user it uses /run, which root owns.
func foreignHome(t *testing.T) (home, run string) {
	t.Helper()
	if os.Getuid() != 0 {
		fi, err := os.Stat("/run")
		if err != nil {
			t.Fatalf("no folder owned by another user to test with: %v", err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) == os.Getuid() {
			t.Fatalf("/run is ours; no folder owned by another user to test with")
		}
		return "/", "/run"
	}
	d, err := os.MkdirTemp("", "ho")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	run = filepath.Join(d, "run")
	if err := os.Mkdir(run, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(run, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	if err := os.Chown(run, testrig.NobodyUID, testrig.NobodyUID); err != nil {
		t.Fatal(err)
	}
	return d, run
}

func TestPrepareDirRefusesAnotherUsersFolder(t *testing.T) {
	_, run := foreignHome(t)
	before, err := os.Stat(run)
	if err != nil {
		t.Fatal(err)
	}
	err = PrepareDir(run)
	if err == nil {
		t.Fatalf("PrepareDir(%s), owned by another user: no error", run)
	}
	if !strings.Contains(err.Error(), "owned by uid") || !strings.Contains(err.Error(), run) {
		t.Errorf("error does not say whose folder it is: %v", err)
	}
	after, err := os.Stat(run)
	if err != nil {
		t.Fatal(err)
	}
	if after.Mode() != before.Mode() {
		t.Errorf("refused folder's mode changed from %v to %v", before.Mode(), after.Mode())
	}
}

func TestPrepareDirRefusesSymlink(t *testing.T) {
	h := home(t)
	target := filepath.Join(h, "elsewhere")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(h, "run")); err != nil {
		t.Fatal(err)
	}
	if err := PrepareDir(Dir()); err == nil {
		t.Fatal("PrepareDir accepted a symlink for the folder")
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o755 {
		t.Errorf("the symlink's target was changed to %v", fi.Mode().Perm())
	}
}

func TestPrepareDirTightensOwnFolder(t *testing.T) {
	h := home(t)
	if err := os.Mkdir(filepath.Join(h, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := PrepareDir(Dir()); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(Dir()); fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v, want 0700", fi.Mode().Perm())
	}
}

// TestSendRefusesAnotherUsersFolder: another local user pre-creates the
// folder and answers on ui.sock; Send must not hand the request to them
// (the victim would then exit, believing its request served). It falls
// back to a private folder of its own, where nobody serves yet, and a
// window process can serve there.
func TestSendRefusesAnotherUsersFolder(t *testing.T) {
	h, run := foreignHome(t)
	t.Setenv("PORTLIGHT_HOME", h)
	t.Setenv(RuntimeDirEnv, "")
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
	t.Cleanup(func() { os.RemoveAll(Dir()) })
	if handled || err != nil {
		t.Fatalf("Send with another user's folder = %v, %v; want false, nil (nobody serves in the private folder)", handled, err)
	}
	if d := Dir(); d == run || !strings.HasPrefix(filepath.Base(d), "portlight-") {
		t.Fatalf("Dir after the fallback = %s", d)
	}
	fi, err := os.Lstat(Dir())
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
	if err := PrepareDir(Dir()); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(h, "victim")
	if err := os.Symlink(target, filepath.Join(Dir(), lockName)); err != nil {
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
