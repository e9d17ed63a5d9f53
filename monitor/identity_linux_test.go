package monitor

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"portlight/internal/testrig"
)

// fileID is a file's device and inode, as stat(2) reports them here.
func fileID(t *testing.T, path string) (dev, ino uint64) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return st.Dev, st.Ino
}

// ownListener scans until b is listed with an owner and returns it.
func ownListener(t *testing.T, sc *Scanner, b boundSocket) Listener {
	t.Helper()
	for i := 0; i < 20; i++ {
		if ls := findBound(scan(t, sc), b); len(ls) == 1 && !ls[0].OwnerHidden && ls[0].Exe != "" {
			return ls[0]
		}
	}
	t.Fatalf("%s %s: never listed with an owner", b.network, b.ap)
	return Listener{}
}

// The running file is identified by device and inode through
// /proc/PID/exe: ok while its path names it, deleted once unlinked (the
// identity is still the file's), replaced once another file takes its path.
func TestExeIdentityOnDisk(t *testing.T) {
	sc := NewScanner()
	defer sc.Close()
	selfNS := newProcfs("").selfMountNS()

	plain := startChild(t, "tcp4 127.0.0.1:0")
	l := ownListener(t, sc, plain.bound[0])
	dev, ino := fileID(t, testExe(t))
	if id := l.Identity; id.State != ExeOK || id.Dev != dev || id.Inode != ino || id.MountNS != selfNS || selfNS == 0 {
		t.Errorf("plain child: identity %+v, want ok %d/%d in namespace %d", id, dev, ino, selfNS)
	}

	// Deleted after start.
	exe, _ := testrig.NobodyExe(t)
	dev, ino = fileID(t, exe)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	gone := startChildCmd(t, cmd, "tcp4 127.0.0.1:0")
	if l := ownListener(t, sc, gone.bound[0]); l.Identity.State != ExeOK || l.Exe != exe {
		t.Fatalf("before the unlink: exe %q identity %+v", l.Exe, l.Identity)
	}
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	l = waitIdentity(t, sc, gone.bound[0], ExeDeleted)
	if l.Identity.Dev != dev || l.Identity.Inode != ino || l.Exe != exe+deletedMark {
		t.Errorf("deleted: exe %q identity %+v, want %d/%d", l.Exe, l.Identity, dev, ino)
	}

	// Replaced: another file renamed over the path, as a package upgrade does.
	exe, _ = testrig.NobodyExe(t)
	dev, ino = fileID(t, exe)
	cmd = exec.Command(exe)
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	swapped := startChildCmd(t, cmd, "tcp4 127.0.0.1:0")
	ownListener(t, sc, swapped.bound[0])
	other := filepath.Join(filepath.Dir(exe), "new")
	if err := os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, exe); err != nil {
		t.Fatal(err)
	}
	l = waitIdentity(t, sc, swapped.bound[0], ExeReplaced)
	if l.Identity.Dev != dev || l.Identity.Inode != ino || l.Exe != exe+deletedMark {
		t.Errorf("replaced: exe %q identity %+v, want %d/%d", l.Exe, l.Identity, dev, ino)
	}
}

// waitIdentity scans until b's owner has state want: the exe re-checks
// run round robin, a few listeners per scan.
func waitIdentity(t *testing.T, sc *Scanner, b boundSocket, want ExeState) Listener {
	t.Helper()
	var l Listener
	for i := 0; i < 500; i++ {
		ls := findBound(scan(t, sc), b)
		if len(ls) != 1 {
			t.Fatalf("%s: %d listeners", b.ap, len(ls))
		}
		if l = ls[0]; l.Identity.State == want {
			return l
		}
	}
	t.Fatalf("%s: identity %+v after 500 scans, want %s", b.ap, l.Identity, want)
	return l
}

// A program run from a memfd has no file on any disk.
func TestExeIdentityMemfd(t *testing.T) {
	cmd := exec.Command(testExe(t))
	cmd.Env = append(os.Environ(), roleEnv+"=memfd")
	c := startChildCmd(t, cmd, "tcp4 127.0.0.1:0")
	sc := NewScanner()
	defer sc.Close()
	l := ownListener(t, sc, c.bound[0])
	if l.Identity.State != ExeMemfd || !strings.HasPrefix(l.Exe, "/memfd:portlight-test") || l.Identity.Inode == 0 {
		t.Errorf("memfd child: exe %q identity %+v, want memfd with an inode", l.Exe, l.Identity)
	}
	if l.Identity.HasFile() {
		t.Errorf("memfd child: HasFile true")
	}
}

// A process in another mount namespace, where another file is mounted over
// its executable's path: the path means another file there, so it is not
// compared; the identity is still the running file's.
func TestExeIdentityOtherMountNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a mount namespace of the child's own needs root")
	}
	exe, _ := testrig.NobodyExe(t)
	dev, ino := fileID(t, exe)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	// Unshareflags (not Cloneflags) also makes the child's mounts private,
	// so the bind mount below stays in its namespace.
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	c := startChildCmd(t, cmd, "tcp4 127.0.0.1:0")
	sleep, err := filepath.EvalSymlinks("/bin/sleep")
	if err != nil {
		t.Fatalf("this test mounts /bin/sleep (coreutils): %v", err)
	}
	c.send("bindmount "+sleep+" "+exe, "mounted")
	if d, i := fileID(t, exe); d != dev || i != ino {
		t.Fatalf("the bind mount leaked into our namespace")
	}
	sc := NewScanner()
	defer sc.Close()
	l := ownListener(t, sc, c.bound[0])
	self := newProcfs("").selfMountNS()
	id := l.Identity
	if id.State != ExeForeignMount || id.Dev != dev || id.Inode != ino || id.MountNS == 0 || id.MountNS == self {
		t.Errorf("child in its own mount namespace: identity %+v, want %s, %d/%d, a namespace other than %d",
			id, ExeForeignMount, dev, ino, self)
	}
}

// argv[0] is the process's to choose; the executable is not. A command line
// of megabytes is kept within the bounds, and reading it costs no more.
func TestArgvSpoofedAndHuge(t *testing.T) {
	big := strings.Repeat("A", 120<<10)
	args := []string{"/usr/sbin/sshd", "-D"}
	for i := 0; i < 14; i++ {
		args = append(args, big)
	}
	for i := 0; i < 600; i++ {
		args = append(args, "x")
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testExe(t))
	cmd.Args = args
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	c := startChildCmd(t, cmd, "tcp4 127.0.0.1:0")

	sc := NewScanner()
	defer sc.Close()
	l := ownListener(t, sc, c.bound[0])
	dev, ino := fileID(t, testExe(t))
	if l.Exe != testExe(t) || l.Identity.State != ExeOK || l.Identity.Dev != dev || l.Identity.Inode != ino {
		t.Errorf("spoofed argv[0]: exe %q identity %+v, want the test binary %d/%d", l.Exe, l.Identity, dev, ino)
	}
	if l.Name != filepath.Base(testExe(t))[:min(15, len(filepath.Base(testExe(t))))] && l.Name != filepath.Base(testExe(t)) {
		t.Errorf("name %q, want the executable's", l.Name)
	}
	if len(l.Argv) == 0 || l.Argv[0] != "/usr/sbin/sshd" || l.Argv[1] != "-D" {
		t.Fatalf("argv starts %q", l.Argv[:min(2, len(l.Argv))])
	}
	if l.PPID != int32(os.Getpid()) || l.Cwd != dir {
		t.Errorf("ppid %d cwd %q, want %d %q", l.PPID, l.Cwd, os.Getpid(), dir)
	}
	total := 0
	for _, a := range l.Argv {
		if len(a) > maxArgBytes+len(truncMark) {
			t.Errorf("an argument of %d bytes kept", len(a))
		}
		total += len(a)
	}
	if len(l.Argv) > maxArgs || total > maxCmdlineBytes+len(l.Argv)*len(truncMark) {
		t.Errorf("kept %d arguments, %d bytes", len(l.Argv), total)
	}
	if last := l.Argv[len(l.Argv)-1]; !strings.HasSuffix(last, truncMark) {
		t.Errorf("the cut is not marked: last argument %q", last[:min(20, len(last))])
	}
	if len(l.Cmdline) > maxCmdlineBytes+maxArgs*(len(truncMark)+1) || !strings.HasPrefix(l.Cmdline, "/usr/sbin/sshd -D AAA") {
		t.Errorf("cmdline of %d bytes, starting %q", len(l.Cmdline), l.Cmdline[:min(20, len(l.Cmdline))])
	}

	// Reading the facts of that process allocates what is kept, not what
	// the process holds (a whole read would be 1.7 MiB).
	r := newProcReader("")
	name := func(uint32) string { return "" }
	r.read(t.Context(), c.pid, name)
	var m0, m1 runtimeMem
	m0.read()
	if _, err := r.read(t.Context(), c.pid, name); err != nil {
		t.Fatal(err)
	}
	m1.read()
	if grew := m1.total - m0.total; grew > 256<<10 {
		t.Errorf("reading the facts of a process with a 1.7 MiB command line allocated %d bytes", grew)
	}
}

// runtimeMem is the bytes allocated so far by this process.
type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.total = ms.TotalAlloc
}
