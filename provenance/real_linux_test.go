package provenance

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"portlight/internal/testrig"
)

// startProcess runs a real process for the test's duration.
func startProcess(t *testing.T, cmd *exec.Cmd) int32 {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return int32(cmd.Process.Pid)
}

// runningIdentity is what a caller passes to Lookup for a process.
func runningIdentity(t *testing.T, pid int32) (exe string, dev, ino uint64) {
	t.Helper()
	link := filepath.Join("/proc", strconv.Itoa(int(pid)), "exe")
	exe, err := os.Readlink(link)
	if err != nil {
		t.Fatal(err)
	}
	st, err := statFile(link)
	if err != nil {
		t.Fatal(err)
	}
	return exe, st.dev, st.ino
}

func dpkgVersion(t *testing.T, pkg string) string {
	t.Helper()
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil {
		t.Fatalf("dpkg-query %s: %v", pkg, err)
	}
	return string(out)
}

func TestRealPackagedProcess(t *testing.T) {
	_, err := exec.LookPath("dpkg-query")
	testrig.Need(t, err == nil, "dpkg-query (a Debian system)")
	home := t.TempDir()
	write(t, filepath.Join(home, ".local/share/applications/portlight-sleeper.desktop"),
		"[Desktop Entry]\nType=Application\nName=Sleeper\nIcon=sleeper\nExec=sleep 60\n")
	write(t, filepath.Join(home, ".config/autostart/sleeper.desktop"),
		"[Desktop Entry]\nType=Application\nName=Sleeper\nExec=/bin/sleep 60\n")
	r := NewResolver(Options{Home: home})

	pid := startProcess(t, exec.Command("/usr/bin/sleep", "60"))
	exe, dev, ino := runningIdentity(t, pid)
	o := r.Lookup(pid, exe, dev, ino)
	if o.Manager != "dpkg" || o.Package != "coreutils" || o.Integrity != IntegrityMatch {
		t.Fatalf("sleep: %+v", o)
	}
	if want := dpkgVersion(t, "coreutils"); o.Version != want {
		t.Errorf("version %q, want %q", o.Version, want)
	}
	self, _ := os.Executable()
	if len(o.Parents) == 0 || o.Parents[0] != filepath.Base(self) {
		t.Errorf("parents %q, want %q first", o.Parents, filepath.Base(self))
	}
	if o.AppName != "Sleeper" || o.Icon != "sleeper" {
		t.Errorf("desktop entry: %q %q", o.AppName, o.Icon)
	}
	if filepath.Base(o.Autostart) != "sleeper.desktop" || o.Terminal {
		t.Errorf("autostart %q terminal %v", o.Autostart, o.Terminal)
	}
	again := r.Lookup(pid, exe, dev, ino)
	if fmt.Sprint(again) != fmt.Sprint(o) {
		t.Errorf("cached answer differs:\n%+v\n%+v", again, o)
	}
}

// openPTY returns a pseudo-terminal's controller and its terminal side.
func openPTY(t *testing.T) (ptmx, tty *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		testrig.Need(t, false, "/dev/ptmx: "+err.Error())
	}
	t.Cleanup(func() { ptmx.Close() })
	var n, unlock uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlock pty: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("pty number: %v", e)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return ptmx, tty
}

// childOf waits for the first child of pid to run exe.
func childOf(t *testing.T, pid int32, exe string) int32 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		for _, f := range strings.Fields(string(b)) {
			c, _ := strconv.Atoi(f)
			if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", c)); l == exe {
				return int32(c)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s under %d", exe, pid)
	return 0
}

func TestRealTerminalShell(t *testing.T) {
	_, tty := openPTY(t)
	// "; true" keeps bash waiting as the parent instead of exec'ing sleep.
	cmd := exec.Command("/bin/bash", "-c", "/usr/bin/sleep 60; true")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	shell := startProcess(t, cmd)
	sleeper := childOf(t, shell, "/usr/bin/sleep")

	r := NewResolver(Options{Home: t.TempDir()})
	exe, dev, ino := runningIdentity(t, sleeper)
	o := r.Lookup(sleeper, exe, dev, ino)
	if !o.Terminal || len(o.Parents) < 2 || o.Parents[0] != "bash" {
		t.Errorf("from a terminal shell: terminal %v parents %q", o.Terminal, o.Parents)
	}

	plain := startProcess(t, exec.Command("/usr/bin/sleep", "60"))
	exe, dev, ino = runningIdentity(t, plain)
	if o := r.Lookup(plain, exe, dev, ino); o.Terminal {
		t.Errorf("a child of the test, no shell on a terminal, counted as terminal: %q", o.Parents)
	}
}

func TestRealDiversion(t *testing.T) {
	b, _ := os.ReadFile("/var/lib/dpkg/diversions")
	if !bytes.Contains(b, []byte("/usr/bin/pg_config.libpq-dev\npostgresql-common\n")) {
		t.Skip("this system has no pg_config diversion (libpq-dev with postgresql-common) to check")
	}
	r := NewResolver(Options{Home: t.TempDir()})
	if o := r.Lookup(0, "/usr/bin/pg_config.libpq-dev", 0, 0); o.Package != "libpq-dev" || o.Integrity != IntegrityMatch {
		t.Errorf("diverted original: %+v", o)
	}
	if o := r.Lookup(0, "/usr/bin/pg_config", 0, 0); o.Package != "postgresql-common" {
		t.Errorf("diverting package's file: %+v", o)
	}
}

func TestRealConcurrentLookups(t *testing.T) {
	_, err := exec.LookPath("dpkg-query")
	testrig.Need(t, err == nil, "dpkg-query (a Debian system)")
	r := NewResolver(Options{Home: t.TempDir()})
	type proc struct {
		pid      int32
		exe      string
		dev, ino uint64
	}
	var procs []proc
	for range 3 {
		pid := startProcess(t, exec.Command("/usr/bin/sleep", "60"))
		exe, dev, ino := runningIdentity(t, pid)
		procs = append(procs, proc{pid, exe, dev, ino})
	}
	errs := make(chan string, 8)
	for g := range 8 {
		go func() {
			bad := ""
			for i := range 40 {
				p := procs[(g+i)%len(procs)]
				if i%5 == 0 {
					p.pid = 0
				}
				if i%7 == 0 { // force the revalidation path
					r.mu.Lock()
					if e := r.procs[p.pid]; e != nil {
						e.checked = time.Time{}
					}
					r.mu.Unlock()
				}
				if o := r.Lookup(p.pid, p.exe, p.dev, p.ino); o.Package != "coreutils" || o.Integrity != IntegrityMatch {
					bad = fmt.Sprintf("lookup %d: %+v", p.pid, o)
				}
			}
			errs <- bad
		}()
	}
	for range 8 {
		if bad := <-errs; bad != "" {
			t.Error(bad)
		}
	}
}
