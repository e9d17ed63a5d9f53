package views

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"portlight/app/handoff"
	"portlight/app/ui/osact"
)

// TestDefaultsAreRealOrSayWhy: a manager given no allow-list, no OS actions
// and no settings window acts for real or says why it cannot. "Allow this
// app" fails with the reason the settings could not be opened (it used to
// answer "Allowed" and forget), "Show its folder" and "End process" run
// osact's real actions (they used to do nothing), and the settings window
// names the reason (it used to be a placeholder).
func TestDefaultsAreRealOrSayWhy(t *testing.T) {
	a := test.NewTempApp(t)
	why := errors.New("open /home/u/.config/portlight/settings.toml: permission denied")
	m := NewManager(a, Deps{SettingsErr: why, Now: func() time.Time { return t0 }, Do: func(fn func()) { fn() }})
	m.OnLastClosed = func() {}

	// A listener whose program's folder is gone, and whose process is this
	// test's pid with another start time: the real actions refuse both,
	// and nothing is ended.
	l := listener(5173, "127.0.0.1", int32(os.Getpid()), "node")
	l.Exe = filepath.Join(t.TempDir(), "gone", "node")
	l.StartTime = time.Unix(1, 0)
	w := m.OpenExplainer(5173, "tcp", l.PID).Window()
	m.Apply(snap(l), nil, t0)

	test.Tap(button(t, w, "Allow this app on all ports", 0))
	want := "Cannot allow: the settings file could not be opened: open /home/u/.config/portlight/settings.toml: permission denied"
	if !hasText(w, want) {
		t.Fatalf("allow without settings: want %q, have %q", want, texts(w))
	}
	if hasText(w, "Allowed") {
		t.Errorf("allow without settings claims success: %q", texts(w))
	}
	test.Tap(button(t, w, "OK", 0))

	test.Tap(button(t, w, "Show its folder", 0))
	if !hasText(w, "no such file or directory") {
		t.Errorf("Show its folder of a missing folder: no error from the real opener: %q", texts(w))
	}
	test.Tap(button(t, w, "OK", 0))

	test.Tap(button(t, w, "End process…", 0))
	test.Tap(button(t, w, "End process", 0))
	if !hasText(w, osact.ErrNotSameProcess.Error()) {
		t.Errorf("End process of a changed process: no refusal from the real verifier: %q", texts(w))
	}

	s := m.Open(handoff.Request{Kind: handoff.Settings})
	if !hasText(s, "Cannot show the settings: the settings file could not be opened: open /home/u/.config/portlight/settings.toml: permission denied.") {
		t.Errorf("settings window without a store: %q", texts(s))
	}
}
