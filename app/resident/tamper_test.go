package resident

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portlight/app/handoff"
	"portlight/history"
	"portlight/monitor/policy"
	"portlight/settings"
)

// tamperResident is a resident on the settings in dir with a real history
// file there.
func tamperResident(t *testing.T, dir string) (*resident, *fakeNotifier, *fakeView) {
	t.Helper()
	store, err := settings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := &fakeNotifier{}
	r, v := newTestResident(&fakeScanner{snaps: nil}, n, store, alertAbove40000)
	h := openHistory(context.Background(), quiet, filepath.Join(dir, history.FileName), noPurge, store)
	if h == nil {
		t.Fatal("the history did not open")
	}
	r.attachHistory(h)
	t.Cleanup(r.closeHistory)
	return r, n, v
}

// notes flushes r's history and returns its notes of kind.
func notes(t *testing.T, r *resident, kind string) []history.Note {
	t.Helper()
	if err := r.hist.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ns, err := r.hist.store.Notes(context.Background(), kind, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestSettingsChangedOutsidePortlightReportedOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// The user allows a program in the settings window.
	if err := windowStore(t, dir).Update(func(s *settings.Settings) error {
		s.AllowEntry(policy.AllowEntry{Path: "/usr/bin/syncthing"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r, n, v := tamperResident(t, dir)
	now := time.Now()
	r.tick(ctx, now)
	for _, m := range n.sent {
		if m.Key == outsideKey {
			t.Fatalf("Portlight's own change reported: %+v", m)
		}
	}

	// Another program of the user appends an entry and switches a trigger off.
	path := filepath.Join(dir, settings.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "malware_port = true", "malware_port = false", 1) + "\n[[allow]]\npath = \"/tmp/x\"\n"
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(path, later, later)
	for i := 1; i <= 3; i++ {
		r.tick(ctx, now.Add(time.Duration(i)*time.Second))
	}
	var got []string
	for _, m := range n.sent {
		if m.Key == outsideKey {
			got = append(got, m.Title+": "+m.Body)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "The allow-list was changed outside Portlight: ") ||
		!strings.Contains(got[0], "added /tmp/x (any port); trigger malware_port switched off") {
		t.Fatalf("notifications %q, want one about /tmp/x", got)
	}
	ns := notes(t, r, history.EventSettingsChanged)
	if len(ns) != 1 || strings.Join(ns[0].Lines, "|") != "added /tmp/x (any port)|trigger malware_port switched off" {
		t.Fatalf("history notes %+v", ns)
	}
	// A click opens the settings window, which shows the change.
	r.handle(ctx, action{kind: actOpenAlert, id: outsideKey}, now.Add(4*time.Second))
	if len(v.windows) != 1 || v.windows[0].Kind != handoff.Settings {
		t.Fatalf("windows %+v, want settings", v.windows)
	}
	if c, ok := windowStore(t, dir).OutsideChange(); !ok || len(c.Changes) != 2 {
		t.Fatalf("settings window sees %+v %v", c, ok)
	}
}

func TestKilledResidentGapReportedOnNextStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	y, mo, d := time.Now().Date() // today: the notification leaves out today's date
	start := time.Date(y, mo, d, 14, 0, 0, 0, time.Local)

	// A run that ticks for two minutes, then is killed (SIGKILL: no clean stop).
	r1, _, _ := tamperResident(t, dir)
	for s := 0; s <= 120; s += 30 {
		r1.tick(ctx, start.Add(time.Duration(s)*time.Second))
	}
	r1.closeHistory()

	// The next start, at 14:40.
	r2, n, _ := tamperResident(t, dir)
	r2.tick(ctx, start.Add(40*time.Minute))
	var gaps []string
	for _, m := range n.sent {
		if m.Key == gapKey {
			gaps = append(gaps, m.Title)
		}
	}
	if len(gaps) != 1 || gaps[0] != "Portlight was not watching from 14:02 to 14:40" {
		t.Fatalf("gap notifications %q", gaps)
	}
	ns := notes(t, r2, history.EventNotWatching)
	if len(ns) != 1 || !ns[0].Time.Equal(start.Add(2*time.Minute)) || !ns[0].Until.Equal(start.Add(40*time.Minute)) ||
		!strings.Contains(ns[0].Lines[0], "SIGKILL") {
		t.Fatalf("history notes %+v", ns)
	}
	r2.tick(ctx, start.Add(40*time.Minute+time.Second))
	if len(n.sent) != 1 {
		t.Fatalf("notified again: %+v", n.sent)
	}

	// A clean stop (quit) at 14:41 and a start at 15:30: recorded, not notified.
	r2.stopCleanly(start.Add(41 * time.Minute))
	r2.closeHistory()
	r3, n3, _ := tamperResident(t, dir)
	r3.tick(ctx, start.Add(90*time.Minute))
	if len(n3.sent) != 0 {
		t.Fatalf("a clean stop notified: %+v", n3.sent)
	}
	ns = notes(t, r3, history.EventNotWatching)
	if len(ns) != 2 || !ns[1].Time.Equal(start.Add(41*time.Minute)) || !strings.Contains(ns[1].Lines[0], "not running") {
		t.Fatalf("history notes %+v", ns)
	}

	// A stall in the run (SIGSTOP for five minutes) is a gap too.
	r3.tick(ctx, start.Add(95*time.Minute))
	if len(n3.sent) != 1 || n3.sent[0].Title != "Portlight was not watching from 15:30 to 15:35" {
		t.Fatalf("stall notifications %+v", n3.sent)
	}
}
