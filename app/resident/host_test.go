package resident

import (
	"strings"
	"testing"
	"time"

	"portlight/app/notify"
	"portlight/content/notice"
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

// TestNoTrayMessages: the "no tray" notification opens the window, and
// notifications that point at the tray are worded for the window and open
// it, except an alert's, which keeps its own actions.
func TestNoTrayMessages(t *testing.T) {
	m := noTrayMessage("ubuntu:GNOME")
	if m.OpenLabel != "Open Portlight" || m.Key != homeKey || m.Title != notice.NoTray("ubuntu:GNOME").Title {
		t.Errorf("action %q key %q title %q", m.OpenLabel, m.Key, m.Title)
	}
	base := noticeMessage(policy.Notice{Kind: policy.NoticeBaseline}, summaryKey)
	nt := trayless(base)
	if strings.Contains(strings.ToLower(nt.Body), "tray") || !strings.Contains(nt.Body, "Open Portlight") || nt.OpenLabel != "Open Portlight" {
		t.Errorf("baseline without a tray: %q action %q", nt.Body, nt.OpenLabel)
	}
	if same := trayless(notify.Message{Body: "Why: x"}); same.OpenLabel != "" || same.Body != "Why: x" {
		t.Errorf("a body without a hint changed: %+v", same)
	}
	// An alert keeps its own actions (Investigate, Allow app…).
	al := trayless(notify.Message{Body: notice.Held(2).Body, CanAllow: true})
	if al.OpenLabel != "" {
		t.Errorf("an alert's actions replaced: %q", al.OpenLabel)
	}
}
