package settings

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"portlight/history"
	"portlight/monitor/policy"
)

// editAsOutsider rewrites the settings file as a hand edit or another
// program would: not through a Store.
func editAsOutsider(t *testing.T, path string, edit func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A later mtime than the last write, as a real edit seconds later has.
	if err := os.WriteFile(path, []byte(edit(string(b))), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
}

func allowPath(p string) func(*Settings) error {
	return func(s *Settings) error {
		s.AllowEntry(policy.AllowEntry{Path: p})
		return nil
	}
}

func TestOutsideChangeReportedOnce(t *testing.T) {
	dir := t.TempDir()
	resident, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := Open(dir) // `portlight allow` in another process
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Update(allowPath("/usr/bin/syncthing")); err != nil {
		t.Fatal(err)
	}
	resident.Check()
	if c, ok, err := resident.TakeOutsideChange(); ok || err != nil {
		t.Fatalf("Portlight's own write reported as outside: %+v, %v", c, err)
	}

	editAsOutsider(t, resident.Path(), func(s string) string {
		s = strings.Replace(s, "malware_port = true", "malware_port = false", 1)
		return s + "\n[[allow]]\npath = \"/tmp/x\"\n"
	})
	if !resident.Check() {
		t.Fatal("the edit was not picked up")
	}
	c, ok, err := resident.TakeOutsideChange()
	if err != nil || !ok {
		t.Fatalf("outside change not reported: %v %v", ok, err)
	}
	want := []string{"added /tmp/x (any port)", "trigger malware_port switched off"}
	if !reflect.DeepEqual(c.Changes, want) || c.NoRecord {
		t.Fatalf("changes %q (no record %v), want %q", c.Changes, c.NoRecord, want)
	}
	if _, again, _ := resident.TakeOutsideChange(); again {
		t.Fatal("reported twice")
	}
	// Another process (a restarted resident) does not report it again.
	other, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, again, _ := other.TakeOutsideChange(); again {
		t.Fatal("reported again after a restart")
	}
	// The settings window still shows it, until dismissed.
	if got, ok := cli.OutsideChange(); !ok || !reflect.DeepEqual(got.Changes, want) || !got.Reported {
		t.Fatalf("window sees %+v %v", got, ok)
	}
	if err := cli.DismissOutsideChange(); err != nil {
		t.Fatal(err)
	}
	if got, ok := cli.OutsideChange(); ok {
		t.Fatalf("dismissed change still shown: %+v", got)
	}
}

func TestOutsideChangeSurvivesAPortlightWriteOverIt(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(allowPath("/usr/bin/a")); err != nil {
		t.Fatal(err)
	}
	editAsOutsider(t, s.Path(), func(f string) string {
		return strings.Replace(f, `path = "/usr/bin/a"`, `path = "/usr/bin/a"`+"\nports = [22]", 1) +
			"\n[[allow]]\npath = \"/tmp/x\"\n"
	})
	// The window saves another setting before the resident looked: the
	// outsider's entries are kept (Update reloads), and so is the report.
	win, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := win.Update(func(c *Settings) error { c.SoundOnAlert = true; return nil }); err != nil {
		t.Fatal(err)
	}
	s.Check()
	c, ok, err := s.TakeOutsideChange()
	if err != nil || !ok {
		t.Fatalf("outside change hidden by a later write: %v %v", ok, err)
	}
	want := []string{"changed /usr/bin/a: any port → port 22", "added /tmp/x (any port)"}
	if !reflect.DeepEqual(c.Changes, want) {
		t.Fatalf("changes %q, want %q", c.Changes, want)
	}
}

func TestOutsideChangeRemovedEntryAndDeletedRecord(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(allowPath("/usr/bin/a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(allowPath("/usr/bin/b")); err != nil {
		t.Fatal(err)
	}
	editAsOutsider(t, s.Path(), func(f string) string {
		return strings.Replace(f, `path = "/usr/bin/b"`, `path = "/tmp/b"`, 1)
	})
	// The tray app has run here (its heartbeat exists); the outsider
	// deletes the record too, hoping for a silent change.
	if err := os.WriteFile(filepath.Join(dir, HeartbeatFileName), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, WrittenFileName)); err != nil {
		t.Fatal(err)
	}
	s.Check()
	c, ok, err := s.TakeOutsideChange()
	if err != nil || !ok || !c.NoRecord {
		t.Fatalf("deleted record not reported: %+v %v %v", c, ok, err)
	}
	want := []string{"added /usr/bin/a (any port)", "added /tmp/b (any port)"}
	if !reflect.DeepEqual(c.Changes, want) {
		t.Fatalf("changes %q, want %q", c.Changes, want)
	}
}

func TestOutsideChangeFreshInstallIsQuiet(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c, ok, err := s.TakeOutsideChange(); ok || err != nil {
		t.Fatalf("fresh install reported %+v %v", c, err)
	}
	if _, ok := s.OutsideChange(); ok {
		t.Fatal("fresh install shows a change")
	}
}

// TestOutsideChangeUpgradeIsQuiet: settings written by a Portlight that
// kept no record (no record, no heartbeat) are taken as they are, silently,
// and a later outside edit is reported against them.
func TestOutsideChangeUpgradeIsQuiet(t *testing.T) {
	dir := t.TempDir()
	old := "schema = 1\n\n[[allow]]\npath = \"/usr/bin/a\"\n"
	if err := os.WriteFile(filepath.Join(dir, "settings.toml"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok, err := s.TakeOutsideChange(); err != nil || ok {
		t.Fatalf("an upgrade reported %+v %v %v", c, ok, err)
	}
	editAsOutsider(t, s.Path(), func(f string) string {
		return strings.Replace(f, `path = "/usr/bin/a"`, `path = "/tmp/a"`, 1)
	})
	s.Check()
	c, ok, err := s.TakeOutsideChange()
	if err != nil || !ok || c.NoRecord {
		t.Fatalf("edit after the upgrade: %+v %v %v", c, ok, err)
	}
}

// TestOutsideChangeDeletedMarksStillReported: an outsider who edits the
// allow-list and deletes both the record and the heartbeat is still
// reported while the history exists.
func TestOutsideChangeDeletedMarksStillReported(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(allowPath("/usr/bin/a")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, history.FileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	editAsOutsider(t, s.Path(), func(f string) string {
		return strings.Replace(f, `path = "/usr/bin/a"`, `path = "/tmp/a"`, 1)
	})
	for _, name := range []string{WrittenFileName, HeartbeatFileName} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	s.Check()
	if c, ok, err := s.TakeOutsideChange(); err != nil || !ok || !c.NoRecord {
		t.Fatalf("outside change with its marks deleted: %+v %v %v", c, ok, err)
	}
}
