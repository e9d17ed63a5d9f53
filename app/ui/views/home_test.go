package views

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"portlight/app/handoff"
	"portlight/monitor/policy"
)

// TestHomeFirstRun: the home is the welcome the first time only, and the
// welcome's "start at login" switch changes the setting.
func TestHomeFirstRun(t *testing.T) {
	r := newRig(t, nil)
	first := true
	login := false
	r.m.deps.FirstRun = func() bool { f := first; first = false; return f }
	r.m.deps.StartAtLogin = func() bool { return login }
	r.m.deps.SetStartAtLogin = func(on bool) error { login = on; return nil }
	r.m.deps.SettingsDir = "/home/alice/.config/portlight"

	w := r.m.Open(handoff.Request{Kind: handoff.Home})
	if w.Title() != WelcomeTitle {
		t.Fatalf("first home: %q, want the welcome", w.Title())
	}
	wl := r.m.welcome
	for _, want := range []string{"no root", "opens no port", "Settings: /home/alice/.config/portlight"} {
		if !strings.Contains(wl.Text, want) {
			t.Errorf("welcome lacks %q:\n%s", want, wl.Text)
		}
	}
	if wl.Login().Checked {
		t.Error("switch on while start at login is off")
	}
	test.Tap(wl.Login())
	if !login {
		t.Error("the switch did not turn start at login on")
	}
	wl.w.Close()
	if w := r.m.Open(handoff.Request{Kind: handoff.Home}); w.Title() != "Listening ports — Portlight" {
		t.Fatalf("second home: %q, want the listeners window", w.Title())
	}
	if r.m.welcome != nil {
		t.Error("the welcome came back")
	}
}

// TestHomeNotice: the listeners window says there is no tray, names the
// fix, and counts the kept notifications; it says nothing when all is well.
func TestHomeNotice(t *testing.T) {
	r := newRig(t, nil)
	st := handoff.Status{NoTray: true, TrayFix: "On GNOME, install the AppIndicator extension.", Kept: 3, Unread: 2,
		Recent: []handoff.StatusAlert{{Label: "python3 2476/tcp", Port: 2476, Proto: "tcp", Unread: true}}}
	r.m.deps.Status = func() (handoff.Status, error) { return st, nil }
	var paused []policy.Pause
	r.m.deps.SetPause = func(p policy.Pause) error { paused = append(paused, p); return nil }
	l := r.m.OpenListeners()
	n := l.Notice()
	for _, want := range []string{"No tray area", "AppIndicator", "3 notifications were kept"} {
		if !strings.Contains(n, want) {
			t.Errorf("notice lacks %q: %q", want, n)
		}
	}
	if got := l.home.recent.Text; got != "Recent alerts (2 unread)" {
		t.Errorf("recent button %q", got)
	}
	st = handoff.Status{}
	l.apply()
	if l.Notice() != "" || l.home.notice.Visible() {
		t.Errorf("notice %q shown with a tray and nothing kept", l.Notice())
	}
	if got := HomeNotice(handoff.Status{Kept: 1}); !strings.HasPrefix(got, "1 notification was kept") {
		t.Errorf("one kept: %q", got)
	}
}
