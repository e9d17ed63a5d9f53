package notice

import (
	"strings"
	"testing"

	"portlight/monitor"
	"portlight/monitor/policy"
)

// TestNoTray: the notice, and its fix per desktop.
func TestNoTray(t *testing.T) {
	x := NoTray("ubuntu:GNOME")
	if x.Title != "No tray area on this desktop: Portlight keeps watching and will notify you." {
		t.Errorf("title %q", x.Title)
	}
	if !strings.Contains(x.Body, "install the AppIndicator extension") {
		t.Errorf("GNOME body lacks the fix: %q", x.Body)
	}
	bounded(t, x)
	if b := NoTray("").Body; strings.Contains(b, "GNOME") || strings.Contains(b, "tray icon") {
		t.Errorf("unknown desktop, a fix named: %q", b)
	}
	for d, want := range map[string]string{"XFCE": "Status Tray", "sway": "waybar", "KDE": "", "GNOME-Flashback:GNOME": "AppIndicator"} {
		if got := TrayFix(d); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("TrayFix(%q) = %q, want %q", d, got, want)
		}
	}
}

// TestTrayless: every notification that points at the tray points at the
// window on a desktop without one, and says so.
func TestTrayless(t *testing.T) {
	many := Of(policy.Notice{Kind: policy.NoticeBurst, Count: 2, Assessments: []policy.Assessment{alerting(1, "x", monitor.Network)}})
	for _, x := range []Text{
		Of(policy.Notice{Kind: policy.NoticeBaseline}),
		many,
		Held(3),
	} {
		if !strings.Contains(x.Body, "tray") {
			t.Fatalf("no tray hint to replace: %q", x.Body)
		}
		got, hinted := Trayless(x.Body)
		if !hinted || strings.Contains(strings.ToLower(got), "tray") || !strings.Contains(got, "pen Portlight") {
			t.Errorf("Trayless(%q) = %q, %v", x.Body, got, hinted)
		}
	}
	one := Alert(alerting(1, "x", monitor.Network))
	if got, hinted := Trayless(one.Body); hinted || got != one.Body {
		t.Errorf("an alert's body changed: %q, %v", got, hinted)
	}
}

func TestHeld(t *testing.T) {
	x := Held(12)
	if x.Title != "12 more alerts" || x.Body != `Portlight held these notifications back; they are in the tray's "Recent alerts".` {
		t.Errorf("held: %+v", x)
	}
}
