package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	t.Setenv("PORTLIGHT_HOME", "/srv/pl")
	if p, err := DefaultPath(); err != nil || p != "/srv/pl/history.db" {
		t.Errorf("with PORTLIGHT_HOME: %q, %v", p, err)
	}
	if runtime.GOOS != "linux" {
		return // os.UserConfigDir reads XDG_CONFIG_HOME on Linux only
	}
	t.Setenv("PORTLIGHT_HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "/home/ann/.cfg")
	if p, err := DefaultPath(); err != nil || p != "/home/ann/.cfg/portlight/history.db" {
		t.Errorf("without PORTLIGHT_HOME: %q, %v", p, err)
	}
}

func TestOpenCreatesPrivateWALDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, _ := openTest(t, Options{Path: filepath.Join(dir, FileName)})
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state folder: %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	if fi, err := os.Stat(s.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database file: %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	r := startTest(t, s)
	record(t, r, ev("opened", t0, listener(8080, "/usr/bin/a", 10)))
	for _, suffix := range []string{"-wal", "-shm", ".lock"} {
		if fi, err := os.Stat(s.Path() + suffix); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want 0600", suffix, fi.Mode().Perm(), err)
		}
	}
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "auto_vacuum": "2", "synchronous": "1", "busy_timeout": "5000",
		"user_version": fmt.Sprint(SchemaVersion),
	} {
		var got string
		if err := s.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if n := count(t, s, "SELECT count(*) FROM schema_migrations"); n != SchemaVersion {
		t.Errorf("schema_migrations rows = %d, want %d", n, SchemaVersion)
	}
	if s.Problem() != nil {
		t.Errorf("fresh database has a problem: %v", s.Problem())
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, _ := openTest(t, Options{Path: path})
	r := startTest(t, s)
	record(t, r, ev("opened", t0, listener(8080, "/usr/bin/a", 10)))
	r.Close()
	s.Close()

	s2, _ := openTest(t, Options{Path: path})
	ss, err := s2.Sessions(context.Background(), Query{})
	if err != nil || len(ss) != 1 || ss[0].Listener.Exe != "/usr/bin/a" {
		t.Fatalf("after reopen: %+v, %v", ss, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, _ := openTest(t, Options{Path: path})
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), Options{Path: path, Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v, want a 'newer' error", err)
	}
}
