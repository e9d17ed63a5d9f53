package resident

import (
	"strings"
	"testing"
	"time"

	"portlight/app/notify"
	"portlight/monitor/policy"
)

// TestHostWatch: the "no tray" notice is due once, after the grace, and a
// host that comes back clears the state.
func TestHostWatch(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)
	var h hostWatch
	if h.absent() || h.tell(t0) {
		t.Fatal("unknown host taken as absent")
	}
	if !h.observe(false, t0) || !h.absent() {
		t.Fatal("missing host not recorded")
	}
	if h.observe(false, t0.Add(time.Second)) {
		t.Error("the same answer counted as a change")
	}
	if h.tell(t0.Add(hostGrace - time.Millisecond)) {
		t.Error("told within the grace")
	}
	if !h.tell(t0.Add(hostGrace)) {
		t.Error("not told after the grace")
	}
	if h.tell(t0.Add(time.Minute)) {
		t.Error("told twice")
	}
	if !h.observe(true, t0.Add(2*time.Minute)) || h.absent() {
		t.Error("host back, still absent")
	}
	h.observe(false, t0.Add(3*time.Minute))
	if !h.absent() || h.tell(t0.Add(time.Hour)) {
		t.Error("a host that went away again: absent, but not said again")
	}

	// A host present from the start: never told.
	var p hostWatch
	p.observe(true, t0)
	if p.absent() || p.tell(t0.Add(time.Hour)) {
		t.Error("told with a host present")
	}
}

// TestNoTrayWording: the notice, its fix per desktop, and notifications
// that point at the window instead of a tray.
func TestNoTrayWording(t *testing.T) {
	m := noTrayMessage("ubuntu:GNOME")
	if m.Title != "No tray area on this desktop: Portlight keeps watching and will notify you." {
		t.Errorf("title %q", m.Title)
	}
	if m.OpenLabel != "Open Portlight" || m.Key != homeKey {
		t.Errorf("action %q key %q", m.OpenLabel, m.Key)
	}
	if !strings.Contains(m.Body, "install the AppIndicator extension") {
		t.Errorf("GNOME body lacks the fix: %q", m.Body)
	}
	if len([]rune(m.Title)) > notify.MaxTitle || len([]rune(m.Body)) > notify.MaxBody {
		t.Error("too long")
	}
	if b := noTrayMessage("").Body; strings.Contains(b, "GNOME") || strings.Contains(b, "tray icon") {
		t.Errorf("unknown desktop, a fix named: %q", b)
	}
	for d, want := range map[string]string{"XFCE": "Status Tray", "sway": "waybar", "KDE": "", "GNOME-Flashback:GNOME": "AppIndicator"} {
		if got := trayFix(d); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("trayFix(%q) = %q, want %q", d, got, want)
		}
	}

	base := noticeMessage(policy.Notice{Kind: policy.NoticeBaseline}, summaryKey)
	if !strings.Contains(base.Body, "in the tray") {
		t.Fatalf("baseline with a tray: %q", base.Body)
	}
	nt := trayless(base)
	if strings.Contains(strings.ToLower(nt.Body), "tray") || !strings.Contains(nt.Body, "Open Portlight") || nt.OpenLabel != OpenLabel {
		t.Errorf("baseline without a tray: %q action %q", nt.Body, nt.OpenLabel)
	}
	for _, body := range []string{"Ports: 1/tcp.\n" + hintRecent, "Portlight held these notifications back; " + hintHeld} {
		if got := trayless(notify.Message{Body: body}).Body; strings.Contains(strings.ToLower(got), "tray") {
			t.Errorf("still names a tray: %q", got)
		}
	}
	// An alert keeps its own actions (Investigate, Allow app…).
	al := trayless(notify.Message{Body: "Reachable from the network.", CanAllow: true})
	if al.OpenLabel != "" {
		t.Errorf("an alert's actions replaced: %q", al.OpenLabel)
	}
}
