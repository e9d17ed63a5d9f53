package resident

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
	"portlight/settings"
)

// TestPauseHoldsWhenSettingsCannotBeSaved: with a settings file that cannot
// be read (so the store refuses to write over it), "Pause alerts" still
// pauses this process, and the tray says the pause was not saved.
func TestPauseHoldsWhenSettingsCannotBeSaved(t *testing.T) {
	dir := t.TempDir()
	// A folder where the file should be: stat works, reading fails (the
	// settings package's own way to make an unreadable file, even as root).
	if err := os.Mkdir(filepath.Join(dir, settings.FileName), 0o700); err != nil {
		t.Fatal(err)
	}
	store, err := settings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if store.Problem() == "" {
		t.Fatal("the store sees no problem with an unreadable settings file")
	}
	ok := lst("0.0.0.0", 22, 1, "sshd")
	a := lst("0.0.0.0", 47010, 10, "python3")
	n := &fakeNotifier{}
	sc := &fakeScanner{snaps: []monitor.Snapshot{snap(ok)}}
	r, v := newTestResident(sc, n, store, alertAbove40000)
	ctx := context.Background()
	r.tick(ctx, t0)
	r.tick(ctx, t0.Add(time.Second))

	r.handle(ctx, action{kind: actPauseAll}, t0.Add(2*time.Second))
	r.render(t0.Add(2 * time.Second))
	if !v.last.Paused {
		t.Fatal("Pause alerts did nothing when the settings file cannot be saved")
	}
	if !strings.Contains(v.last.Tooltip, "not saved") {
		t.Errorf("the tray does not say the pause was not saved: %q", v.last.Tooltip)
	}
	sc.snaps = []monitor.Snapshot{snap(ok, a)}
	for i := 3; i < 6; i++ { // ticks re-check the unreadable file each time
		r.tick(ctx, t0.Add(time.Duration(i)*time.Second))
	}
	r.render(t0.Add(6 * time.Second))
	if n.count(47010) != 0 {
		t.Error("notified while paused")
	}
	if !v.last.Paused {
		t.Error("the pause did not survive the ticks")
	}

	r.handle(ctx, action{kind: actResume}, t0.Add(7*time.Second))
	r.tick(ctx, t0.Add(8*time.Second))
	r.render(t0.Add(8 * time.Second))
	if v.last.Paused {
		t.Error("still paused after Resume")
	}
	if n.count(47010) != 1 {
		t.Errorf("the alert held during the pause was not summed up on resume: %+v", n.sent)
	}
}
