//go:build unix

package testrig

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// NobodyUID is the uid (and gid) of the user nobody on Debian, the ordinary
// user a root test runs a child as.
const NobodyUID = 65534

// AsNobody makes cmd run as the user nobody (uid and gid 65534, no
// supplementary groups). Starting it needs root.
func AsNobody(cmd *exec.Cmd) *exec.Cmd {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: NobodyUID, Gid: NobodyUID}
	return cmd
}

// RequireRoot skips the test unless it runs as root, saying what it needs
// root for. `make test` runs as root in CI.
func RequireRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("needs root %s; run `make test` as root (CI does)", why)
	}
}

// NobodyExe copies the running test binary where nobody can run it (a 0755
// file in 0755 folders; t.TempDir is 0700) and makes nobody a home folder.
// It returns the copy and an environment for nobody: the test's own,
// with HOME, USER and XDG_* replaced. Needs root (for the chown).
func NobodyExe(t testing.TB) (exe string, env []string) {
	t.Helper()
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe = CopySelf(t, base, filepath.Base(self))
	home := filepath.Join(base, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, NobodyUID, NobodyUID); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") && !strings.HasPrefix(kv, "USER=") {
			env = append(env, kv)
		}
	}
	return exe, append(env, "HOME="+home, "USER=nobody")
}

// ForeignHome returns a PORTLIGHT_HOME whose run folder (the runtime
// folder under it) belongs to another user, and that folder. As root it
// makes one (mode 0777, chown to nobody); as another user it uses /run,
// which root owns.
func ForeignHome(t testing.TB) (home, run string) {
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
	if err := os.Chown(run, NobodyUID, NobodyUID); err != nil {
		t.Fatal(err)
	}
	return d, run
}
