package rundir

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestDirChoice(t *testing.T) {
	t.Setenv(Env, "")
	t.Setenv("PORTLIGHT_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1234")
	if got, want := Path(SocketFile), filepath.FromSlash("/run/user/1234/portlight/ui.sock"); got != want {
		t.Errorf("with XDG_RUNTIME_DIR = %q, want %q", got, want)
	}
	home := t.TempDir()
	t.Setenv("PORTLIGHT_HOME", home)
	if got, want := Dir(), filepath.Join(home, "run"); got != want {
		t.Errorf("with PORTLIGHT_HOME = %q, want %q", got, want)
	}
	t.Setenv("PORTLIGHT_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got, want := Dir(), filepath.Join(os.TempDir(), fmt.Sprintf("portlight-%d", os.Getuid())); got != want {
		t.Errorf("fallback = %q, want %q", got, want)
	}
	t.Setenv(Env, "/priv")
	if got := Dir(); got != "/priv" {
		t.Errorf("with %s = %q", Env, got)
	}
}
