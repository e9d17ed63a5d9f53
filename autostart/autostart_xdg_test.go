//go:build linux || freebsd || netbsd || openbsd || dragonfly

package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// xdgHome points os.UserConfigDir at a fresh folder.
func xdgHome(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	return dir
}

// validate runs desktop-file-validate from desktop-file-utils on a file.
func validate(t *testing.T, path string) {
	t.Helper()
	testrig.RequireTool(t, "desktop-file-validate")
	out, err := exec.Command("desktop-file-validate", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		data, _ := os.ReadFile(path)
		t.Fatalf("desktop-file-validate: %v\n%s\nfile:\n%s", err, out, data)
	}
}

func TestEnableWritesAValidDesktopFileAndDisableRemovesIt(t *testing.T) {
	home := xdgHome(t)
	want := filepath.Join(home, "autostart", "dev.portlight.Portlight.desktop")
	if loc, err := Location(); err != nil || loc != want {
		t.Fatalf("Location() = %q, %v; want %q", loc, err, want)
	}
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("Enabled before Enable: %v, %v", on, err)
	}
	if err := Enable("/usr/local/bin/portlight"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"[Desktop Entry]", "Type=Application", "Name=Portlight", "Exec=/usr/local/bin/portlight", "X-GNOME-Autostart-enabled=true"} {
		if !slices.Contains(strings.Split(string(data), "\n"), line) {
			t.Errorf("file lacks line %q:\n%s", line, data)
		}
	}
	validate(t, want)
	if on, err := Enabled(); err != nil || !on {
		t.Fatalf("Enabled after Enable: %v, %v", on, err)
	}
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(want); !os.IsNotExist(err) {
		t.Fatalf("file after Disable: %v", err)
	}
	if err := Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
	if es, _ := os.ReadDir(filepath.Join(home, "autostart")); len(es) != 0 {
		t.Fatalf("left in autostart/: %v", es)
	}
}

func TestExecQuotingRoundTrips(t *testing.T) {
	home := xdgHome(t)
	exe := `/opt/my apps/port$light "beta"/100% \ bin/portlight`
	args := []string{"--flag=a b", "x`y`", "", "plain", "semi;colon", "#hash"}
	if err := Enable(exe, args...); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "autostart", FileName)
	validate(t, path)
	data, _ := os.ReadFile(path)
	var value string
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "Exec="); ok {
			value = v
		}
	}
	got, err := parseExec(value)
	if err != nil {
		t.Fatalf("parse %q: %v", value, err)
	}
	if want := append([]string{exe}, args...); !slices.Equal(got, want) {
		t.Fatalf("Exec %q reads back as %q, want %q", value, got, want)
	}
}

func TestSyncRewritesOnlyWhatDiffers(t *testing.T) {
	home := xdgHome(t)
	path := filepath.Join(home, "autostart", FileName)
	if err := Sync(false, "/bin/portlight"); err != nil {
		t.Fatalf("Sync(false) with nothing there: %v", err)
	}
	if err := Sync(true, "/bin/portlight"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := Sync(true, "/bin/portlight"); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(path); !after.ModTime().Equal(before.ModTime()) || !os.SameFile(before, after) {
		t.Fatalf("an unchanged entry was rewritten")
	}
	if err := Sync(true, "/usr/bin/portlight"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "Exec=/usr/bin/portlight\n") {
		t.Fatalf("a changed entry was not rewritten:\n%s", data)
	}
	if err := Sync(false, ""); err != nil {
		t.Fatal(err)
	}
	if on, _ := Enabled(); on {
		t.Fatal("still enabled after Sync(false)")
	}
}

func TestEnableRejectsWhatCannotBeWritten(t *testing.T) {
	xdgHome(t)
	for _, c := range [][]string{{"portlight"}, {"/bin/port\nlight"}, {"/bin/portlight", "a\rb"}} {
		if err := Enable(c[0], c[1:]...); err == nil {
			t.Errorf("Enable(%q) = nil", c)
		}
	}
}

// parseExec reads an Exec value back as the Desktop Entry spec says a
// launcher does: string unescaping, then quoted-argument splitting, then %%.
func parseExec(v string) ([]string, error) {
	var s strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 's':
				s.WriteByte(' ')
			case 'n':
				s.WriteByte('\n')
			case 't':
				s.WriteByte('\t')
			case 'r':
				s.WriteByte('\r')
			default:
				s.WriteByte(v[i])
			}
			continue
		}
		s.WriteByte(v[i])
	}
	in := s.String()
	var args []string
	for i := 0; i < len(in); {
		if in[i] == ' ' {
			i++
			continue
		}
		var a strings.Builder
		if in[i] == '"' {
			i++
			for i < len(in) && in[i] != '"' {
				if in[i] == '\\' && i+1 < len(in) {
					i++
				}
				a.WriteByte(in[i])
				i++
			}
			i++ // closing quote
		} else {
			for i < len(in) && in[i] != ' ' {
				a.WriteByte(in[i])
				i++
			}
		}
		args = append(args, strings.ReplaceAll(a.String(), "%%", "%"))
	}
	return args, nil
}
