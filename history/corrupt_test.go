package history

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
)

func TestNotADatabaseIsMovedAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	garbage := bytes.Repeat([]byte("this is not an SQLite file\n"), 400)
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s, _ := openTest(t, Options{Path: path, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	checkMovedAside(t, s, path, garbage, &logs)
}

func TestMalformedDatabaseIsMovedAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, _ := openTest(t, Options{Path: path})
	r := startTest(t, s)
	var events []monitor.Event
	for i := range 3000 {
		events = append(events, ev(monitor.Opened, t0, listener(uint16(1000+i), fmt.Sprintf("/usr/bin/p%d", i), int32(i))))
	}
	record(t, r, events...)
	r.Close()
	if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Keep the header (page 1) intact, scribble over pages in the middle:
	// SQLite opens the file and only finds the damage when it reads them.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 40*4096 {
		t.Fatalf("database only %d bytes; the test needs more pages", len(data))
	}
	for i := 8 * 4096; i < 30*4096; i++ {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s2, _ := openTest(t, Options{Path: path, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	checkMovedAside(t, s2, path, data, &logs)
}

// checkMovedAside checks that s started afresh, that the old content sits in
// the moved file, and that the problem was reported and logged.
func checkMovedAside(t *testing.T, s *Store, path string, old []byte, logs *bytes.Buffer) {
	t.Helper()
	p := s.Problem()
	if p == nil {
		t.Fatal("no Problem reported")
	}
	if !strings.HasPrefix(p.MovedTo, path+".corrupt-") {
		t.Errorf("moved to %q", p.MovedTo)
	}
	moved, err := os.ReadFile(p.MovedTo)
	// SQLite may have bumped the change counter in the 100-byte header while
	// trying the file; the rest must be the old content, untouched.
	if err != nil || len(moved) != len(old) || !bytes.Equal(moved[min(100, len(moved)):], old[min(100, len(old)):]) {
		diff := -1
		for i := range min(len(moved), len(old)) {
			if moved[i] != old[i] {
				diff = i
				break
			}
		}
		t.Errorf("moved file does not hold the old content (%v): %d vs %d bytes, first diff at %d", err, len(moved), len(old), diff)
	}
	msg := p.Error()
	for _, want := range []string{path, p.MovedTo, "started a new history"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if !strings.Contains(logs.String(), "database unusable") {
		t.Errorf("not logged: %q", logs.String())
	}
	// The new history works.
	r := startTest(t, s)
	record(t, r, ev(monitor.Opened, time.Now(), listener(80, "/usr/sbin/nginx", 1)))
	if n := count(t, s, "SELECT count(*) FROM sessions"); n != 1 {
		t.Errorf("new history holds %d sessions, want 1", n)
	}
	if res, err := s.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Errorf("integrity of the new file: %q, %v", res, err)
	}
}

func TestIsCorrupt(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{fmt.Errorf("history: commit: %w", fmt.Errorf("file is not a database (26)")), true},
		{fmt.Errorf("database disk image is malformed (11)"), true},
		{fmt.Errorf("database is locked (5)"), false},
	} {
		if got := IsCorrupt(tc.err); got != tc.want {
			t.Errorf("IsCorrupt(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
