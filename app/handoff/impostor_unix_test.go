//go:build unix

package handoff

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"portlight/internal/rundir"
	"portlight/internal/testrig"
)

// impostor is a child role: a process that is not Portlight (the test
// binary copied to another file) takes the window process's lock and, when
// listen, answers "ok" on its socket to whatever comes, as an attacker's
// program of the same user could.
func impostor(listen bool) {
	dir := rundir.Dir()
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Println("lock:", err)
		os.Exit(2)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		fmt.Println("lock:", err)
		os.Exit(2)
	}
	if !listen {
		fmt.Println("serving")
		select {}
	}
	os.Remove(filepath.Join(dir, sockName))
	ln, err := net.Listen("unix", filepath.Join(dir, sockName))
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(2)
	}
	fmt.Println("serving")
	for {
		conn, err := ln.Accept()
		if err != nil {
			os.Exit(0)
		}
		conn.Write([]byte(ack))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		fmt.Printf("got %q\n", line)
		conn.Close()
	}
}

// copyTestBinary copies the test binary to a new file named "impostor":
// the same code, but not the same executable as this process.
func copyTestBinary(t *testing.T) string { return testrig.CopySelf(t, t.TempDir(), "impostor") }

// startImpostor runs the impostor role from a copy of the test binary and
// waits until it holds the lock (and listens).
func startImpostor(t *testing.T, role string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	return startRole(t, copyTestBinary(t), role)
}

// startRole runs the child role from the executable exe and waits until
// it says "serving".
func startRole(t *testing.T, exe, role string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "HANDOFF_TEST_CHILD="+role)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	if err != nil || line != "serving\n" {
		t.Fatalf("%s (%s) did not start: %q %v", role, filepath.Base(exe), line, err)
	}
	return cmd, r
}

// TestSendRefusesImpostor: a process of the same user that is not Portlight
// answers "ok" on the hand-over socket. Send refuses it by its peer
// credentials (SO_PEERCRED, /proc/PID/exe), naming its pid and executable,
// and sends it nothing; a window process then serves from a private folder.
func TestSendRefusesImpostor(t *testing.T) {
	home(t)
	t.Setenv(rundir.Env, "")
	if err := rundir.Prepare(rundir.Dir()); err != nil {
		t.Fatal(err)
	}
	cmd, out := startImpostor(t, "impostor")
	handled, err := Send(ctx(t), Request{Kind: Listeners})
	var imp *ImpostorError
	if handled || !errors.As(err, &imp) {
		t.Fatalf("Send to an impostor = %v, %v; want false and an ImpostorError", handled, err)
	}
	if imp.Peer.PID != cmd.Process.Pid || !strings.Contains(err.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) ||
		!strings.Contains(err.Error(), "impostor") {
		t.Errorf("error does not name the impostor's pid %d and executable: %v", cmd.Process.Pid, err)
	}
	t.Logf("refused: %v", err)
	// The impostor got the connection but no request.
	cmd.Process.Kill()
	cmd.Wait()
	rest, _ := io.ReadAll(out)
	if strings.Contains(string(rest), "listeners") {
		t.Errorf("the impostor received the request: %q", rest)
	}

	// What the window process then does: a private folder, served there.
	before := rundir.Dir()
	priv, err := rundir.Fallback()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(priv) })
	if priv == before || rundir.Dir() != priv {
		t.Fatalf("Fallback gave %s (Dir %s), want a new folder", priv, rundir.Dir())
	}
	fi, err := os.Lstat(priv)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("private folder %v %v", fi, err)
	}
	s, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// TestSendRefusesImpostorHoldingTheLock: a process that is not Portlight
// holds the window process's lock and never listens; Send says so at once
// instead of waiting for a server that never comes.
func TestSendRefusesImpostorHoldingTheLock(t *testing.T) {
	home(t)
	t.Setenv(rundir.Env, "")
	if err := rundir.Prepare(rundir.Dir()); err != nil {
		t.Fatal(err)
	}
	cmd, _ := startImpostor(t, "impostor-lock")
	start := time.Now()
	handled, err := Send(ctx(t), Request{Kind: Listeners})
	var imp *ImpostorError
	if handled || !errors.As(err, &imp) || imp.Peer.PID != cmd.Process.Pid {
		t.Fatalf("Send with an impostor holding the lock = %v, %v; want an ImpostorError naming pid %d", handled, err, cmd.Process.Pid)
	}
	t.Logf("refused after %s: %v", time.Since(start), err)
}

// TestSendToSibling: the window process is another program than the
// sender (the tray is portlight, the windows portlight-ui). Send believes
// it when the sender names its executable, and hands the request over;
// a third program of the same user, serving the same way, is still
// refused and sent nothing, sibling named or not.
func TestSendToSibling(t *testing.T) {
	home(t)
	t.Setenv(rundir.Env, "")
	if err := rundir.Prepare(rundir.Dir()); err != nil {
		t.Fatal(err)
	}
	sibling := testrig.CopySelf(t, t.TempDir(), "portlight-ui")
	req := Request{Kind: Explain, Port: 22, Proto: "tcp"}

	cmd, out := startRole(t, sibling, "serve")
	// Not named: another program, refused as before.
	handled, err := Send(ctx(t), req)
	var imp *ImpostorError
	if handled || !errors.As(err, &imp) || imp.Peer.PID != cmd.Process.Pid {
		t.Fatalf("Send naming no sibling = %v, %v; want an ImpostorError naming pid %d", handled, err, cmd.Process.Pid)
	}
	// Named: handed over, and the sibling got it.
	handled, err = Send(ctx(t), req, "", sibling)
	if !handled || err != nil {
		t.Fatalf("Send to the named sibling = %v, %v; want handed over", handled, err)
	}
	if line, _ := out.ReadString('\n'); line != "got explain 22\n" {
		t.Errorf("the sibling handled %q, want the explain request", line)
	}
	// Named through a symbolic link, as an installed program may be.
	link := filepath.Join(t.TempDir(), "portlight-ui")
	if err := os.Symlink(sibling, link); err != nil {
		t.Fatal(err)
	}
	if handled, err := Send(ctx(t), req, link); !handled || err != nil {
		t.Fatalf("Send to the sibling named by a link = %v, %v", handled, err)
	}
	cmd.Process.Kill()
	cmd.Wait()

	// A third program serving: refused though the sibling is named, and
	// sent nothing.
	third, rest := startRole(t, testrig.CopySelf(t, t.TempDir(), "third"), "impostor")
	handled, err = Send(ctx(t), req, sibling)
	if handled || !errors.As(err, &imp) || imp.Peer.PID != third.Process.Pid || !strings.Contains(err.Error(), "third") {
		t.Fatalf("Send to a third program = %v, %v; want an ImpostorError naming pid %d and its executable", handled, err, third.Process.Pid)
	}
	third.Process.Kill()
	third.Wait()
	if got, _ := io.ReadAll(rest); strings.Contains(string(got), "explain") {
		t.Errorf("the third program received the request: %q", got)
	}

	// A third program holding the lock, never listening: refused at once.
	lockHolder, _ := startRole(t, testrig.CopySelf(t, t.TempDir(), "third"), "impostor-lock")
	handled, err = Send(ctx(t), req, sibling)
	if handled || !errors.As(err, &imp) || imp.Peer.PID != lockHolder.Process.Pid {
		t.Fatalf("Send with a third program holding the lock = %v, %v; want an ImpostorError naming pid %d", handled, err, lockHolder.Process.Pid)
	}
}
