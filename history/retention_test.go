package history

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
)

func TestPurgeByAge(t *testing.T) {
	s, _ := openTest(t, Options{MaxAge: 90 * 24 * time.Hour})
	r := startTest(t, s)
	ctx := context.Background()
	day := 24 * time.Hour
	old := listener(1000, "/usr/bin/old", 1)
	recent := listener(1001, "/usr/bin/recent", 2)
	longLived := listener(1002, "/usr/sbin/sshd", 3)
	straddle := listener(1003, "/usr/bin/straddle", 4)
	record(t, r,
		ev(monitor.Opened, t0.Add(-120*day), old), ev(monitor.Closed, t0.Add(-100*day), old),
		ev(monitor.Opened, t0.Add(-10*day), recent), ev(monitor.Closed, t0.Add(-9*day), recent),
		ev(monitor.Opened, t0.Add(-200*day), longLived), // still open: kept
		ev(monitor.Opened, t0.Add(-95*day), straddle), ev(monitor.Closed, t0.Add(-80*day), straddle),
	)
	if _, err := s.RecordAlert(ctx, t0.Add(-100*day), old, []string{"old"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordAlert(ctx, t0.Add(-day), recent, []string{"recent"}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Purge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sessions != 1 || st.Alerts != 1 || st.Owners != 1 {
		t.Errorf("purged %+v; want 1 session, 1 alert, 1 owner", st)
	}
	ss, _ := s.Sessions(ctx, Query{})
	var kept []string
	for _, x := range ss {
		kept = append(kept, x.Listener.Exe)
	}
	if got := strings.Join(kept, " "); got != "/usr/bin/recent /usr/bin/straddle /usr/sbin/sshd" {
		t.Errorf("kept sessions: %s", got)
	}
	if lines, _ := s.Events(ctx, Query{Exe: "/usr/bin/old"}); len(lines) != 0 {
		t.Errorf("old events survive: %+v", lines)
	}
	if owners, _ := s.Owners(ctx, 1000, monitor.TCP); len(owners) != 0 {
		t.Errorf("old owner survives: %+v", owners)
	}
	if owners, _ := s.Owners(ctx, 1002, monitor.TCP); len(owners) != 1 {
		t.Errorf("owner of an open session purged: %+v", owners)
	}
	if n := count(t, s, "SELECT count(*) FROM exes WHERE path = '/usr/bin/old'"); n != 0 {
		t.Errorf("unreferenced executable kept")
	}
}

func TestPurgeBySize(t *testing.T) {
	const maxBytes = 512 << 10
	s, _ := openTest(t, Options{MaxBytes: maxBytes})
	r := startTest(t, s)
	ctx := context.Background()
	var events []monitor.Event
	pad := strings.Repeat("x", 900)
	for i := range 6000 {
		l := listener(uint16(1+i%3000), fmt.Sprintf("/opt/app%d/bin/server", i%50), int32(i))
		l.Address = fmt.Sprintf("127.0.%d.%d", i/250, i%250)
		l.Cmdline = pad
		at := t0.Add(time.Duration(i) * time.Minute)
		events = append(events, ev(monitor.Opened, at, l), ev(monitor.Closed, at.Add(30*time.Second), l))
	}
	record(t, r, events...)
	open := listener(443, "/usr/sbin/nginx", 9)
	record(t, r, ev(monitor.Opened, t0.Add(-time.Hour), open)) // oldest, but open: kept
	before, _ := s.Size(ctx)
	if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	fileBefore := fileSize(t, s.Path())
	if before < 4*maxBytes {
		t.Fatalf("fixture only %d bytes", before)
	}
	st, err := s.Purge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.BytesAfter > maxBytes || st.BytesAfter < maxBytes/4 {
		t.Errorf("size after purge %d, want under %d and not emptied (%+v)", st.BytesAfter, maxBytes, st)
	}
	if f := fileSize(t, s.Path()); f > maxBytes+64<<10 || f >= fileBefore {
		t.Errorf("file %d bytes after purge (was %d): not shrunk to the bound", f, fileBefore)
	}
	// The newest sessions survive, the oldest go.
	var minFirst, maxFirst int64
	if err := s.db.QueryRow("SELECT min(first_seen), max(first_seen) FROM sessions WHERE closed_at IS NOT NULL").
		Scan(&minFirst, &maxFirst); err != nil {
		t.Fatal(err)
	}
	kept := count(t, s, "SELECT count(*) FROM sessions WHERE closed_at IS NOT NULL")
	if want := ms(t0.Add(5999 * time.Minute)); maxFirst != want {
		t.Errorf("newest session purged")
	}
	if want := ms(t0.Add(time.Duration(6000-kept) * time.Minute)); minFirst != want {
		t.Errorf("oldest kept session starts at %v, want %v: not purged oldest first", fromMS(minFirst), fromMS(want))
	}
	if n := count(t, s, "SELECT count(*) FROM sessions WHERE closed_at IS NULL"); n != 1 {
		t.Errorf("open session purged")
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Errorf("integrity after purge: %q %v", res, err)
	}
	t.Logf("size purge: %d -> %d bytes, file %d -> %d, %d sessions deleted, %d kept",
		st.BytesBefore, st.BytesAfter, fileBefore, fileSize(t, s.Path()), st.Sessions, kept)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestRecorderPurgesInBackground: a recorder starts retention on its own
// goroutine at start, while Record keeps returning at once.
func TestRecorderPurgesInBackground(t *testing.T) {
	s, c := openTest(t, Options{MaxAge: 24 * time.Hour})
	r := startTest(t, s)
	var events []monitor.Event
	for i := range 2000 {
		l := listener(uint16(1+i), "/usr/bin/a", int32(i))
		events = append(events, ev(monitor.Opened, t0, l), ev(monitor.Closed, t0.Add(time.Minute), l))
	}
	record(t, r, events...)
	r.Close()

	c.Set(t0.Add(48 * time.Hour))
	r2, err := StartRecorder(context.Background(), s, RecorderOptions{TouchEvery: time.Hour, PurgeEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	start := time.Now()
	for i := range 200 {
		r2.Record([]monitor.Event{ev(monitor.Opened, t0.Add(48*time.Hour), listener(uint16(10000+i), "/usr/bin/b", 1))})
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Record took %v while purging", d)
	}
	deadline := time.Now().Add(10 * time.Second)
	for count(t, s, "SELECT count(*) FROM sessions WHERE closed_at IS NOT NULL") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("old sessions not purged in the background within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r2.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT count(*) FROM sessions WHERE closed_at IS NULL"); n != 200 {
		t.Errorf("%d open sessions, want the 200 new ones", n)
	}
}
