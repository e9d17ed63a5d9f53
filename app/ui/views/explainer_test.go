package views

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"portlight/app/handoff"
	"portlight/content"
	"portlight/monitor"
)

// TestExplainerSections opens the explainer for four kinds of port, with the
// real port facts, and checks what each section says.
func TestExplainerSections(t *testing.T) {
	tests := []struct {
		port  uint16
		what  string
		rng   string
		extra string
	}{
		{22, "IANA assigns 22/tcp to “ssh”", "0–1023", "History: MITRE ATT&CK"},
		{5173, "IANA has assigned nothing to 5173/tcp (IANA registry of 20", "1024–49151", "Development tool: Vite"},
		{4173, "IANA marks 4173/tcp as Reserved", "1024–49151", "Development tool: Vite: preview"},
		{50000, "IANA assigns nothing in 49152–65535", "49152–65535", "community-reported, as of 2020"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.port), func(t *testing.T) {
			r := newRig(t, nil)
			e := r.m.OpenExplainer(tt.port, "tcp", 0)
			w := e.Window()
			if got, want := w.Title(), fmt.Sprintf("Port %d/tcp — Portlight", tt.port); got != want {
				t.Errorf("title %q, want %q", got, want)
			}
			for _, want := range []string{"What this port is", "Its range", "Known unofficial uses", "Listening now", "Listened before",
				"Check by hand", "Why it matters", tt.what, tt.rng, tt.extra, "Looking…", "History not recorded yet.",
				"Linux — ", "macOS — ", "Windows — ", "Copy report"} {
				if !hasText(w, want) {
					t.Errorf("window lacks %q; has %q", want, texts(w))
				}
			}
			r.m.Apply(snap(), nil, t0)
			if !hasText(w, fmt.Sprintf("Nothing listens on %d/tcp right now.", tt.port)) {
				t.Errorf("after an empty scan: %q", texts(w))
			}
			capture(t, w, fmt.Sprintf("ui-explainer-%d-tcp.png", tt.port))
		})
	}
}

func TestExplainerShowsListenerAndActs(t *testing.T) {
	r := newRig(t, nil)
	e := r.m.OpenExplainer(5173, "tcp", 41)
	w := e.Window()
	r.m.Apply(snap(listener(5173, "127.0.0.1", 41, "node"), listener(5173, "::1", 41, "node"), listener(22, "0.0.0.0", 1, "sshd")), nil, t0)
	for _, want := range []string{
		"node (pid 41), user alice — the process Portlight alerted about",
		"Program file: /usr/bin/node", "Command line: node --serve",
		"Running since", "(10 minutes ago).",
		"Listens on 127.0.0.1, ::1, reachable from this computer only.",
		"Portlight alerts: unassigned port",
	} {
		if !hasText(w, want) {
			t.Errorf("lacks %q; has %q", want, texts(w))
		}
	}
	if hasText(w, "sshd") {
		t.Error("a listener on another port is shown")
	}
	if got := e.Explanation().Heading; got != "5173/tcp is unassigned; node (pid 41) listens on it now." {
		t.Errorf("heading %q", got)
	}
	capture(t, w, "ui-explainer-5173-listening.png")

	test.Tap(button(t, w, "Allow this app on all ports", 0))
	test.Tap(button(t, w, "Allow this app on this port", 0))
	if len(r.allow.Apps) != 1 || r.allow.Apps[0] != "/usr/bin/node" ||
		len(r.allow.Ports) != 1 || r.allow.Ports[0] != (AllowedPort{"/usr/bin/node", 5173, monitor.TCP}) {
		t.Errorf("allow-list %+v %+v", r.allow.Apps, r.allow.Ports)
	}
	if !hasText(w, "Allowed /usr/bin/node on 5173/tcp") {
		t.Error("no confirmation of the allow")
	}
	test.Tap(button(t, w, "Show its folder", 0))
	if len(r.revealed) != 1 || r.revealed[0] != "/usr/bin" {
		t.Errorf("revealed %q", r.revealed)
	}

	// Ending asks first, naming the process, its pid and program; Cancel does nothing.
	test.Tap(button(t, w, "End process…", 0))
	if !hasText(w, "End node (pid 41)?") || !hasText(w, "Program: /usr/bin/node") {
		t.Fatalf("confirmation does not name the process: %q", texts(w))
	}
	test.Tap(button(t, w, "Cancel", 0))
	if len(r.ended) != 0 {
		t.Fatal("process ended on Cancel")
	}
	test.Tap(button(t, w, "End process…", 0))
	test.Tap(button(t, w, "End process", 0))
	if len(r.ended) != 1 || r.ended[0].PID != 41 || r.ended[0].Exe != "/usr/bin/node" {
		t.Errorf("ended %+v", r.ended)
	}
}

func TestExplainerCopies(t *testing.T) {
	r := newRig(t, nil)
	w := r.m.OpenExplainer(5173, "tcp", 0).Window()
	test.Tap(button(t, w, "Copy", 0))
	if got, want := r.app.Clipboard().Content(), content.DefaultChecks(5173, "tcp")[0].Command; got != want {
		t.Errorf("clipboard %q, want %q", got, want)
	}
	// Ctrl+C copies the report.
	w.Canvas().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutCopy{})
	rep := r.app.Clipboard().Content()
	if !strings.HasPrefix(rep, "Port 5173/tcp — Portlight\n") || !strings.Contains(rep, "Check by hand") {
		t.Errorf("Ctrl+C report:\n%s", rep)
	}
	r.app.Clipboard().SetContent("")
	test.Tap(button(t, w, "Copy report", 0))
	if r.app.Clipboard().Content() != rep {
		t.Error("Copy report differs from Ctrl+C")
	}
}

func TestHiddenOwnerAndHistory(t *testing.T) {
	past := fakeHistory{{Process: monitor.Process{PID: 7, Name: "nc", Exe: "/usr/bin/nc"}, FirstSeen: t0.Add(-48 * 3600e9), LastSeen: t0.Add(-47 * 3600e9)}}
	r := newRig(t, past)
	// The history is read on a goroutine that reports through Deps.Do, so
	// the test's own calls "on Fyne's goroutine" take the same lock.
	var w fyne.Window
	hidden := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 2476, Exposure: monitor.Network, UID: 0, OwnerHidden: true}
	r.m.deps.Do(func() {
		w = r.m.OpenExplainer(2476, "tcp", 0).Window()
		r.m.Apply(snap(hidden), nil, t0)
	})
	// The history is read on its own goroutine; wait for its answer.
	deadline := time.Now().Add(5 * time.Second)
	shown := func() bool { r.mu.Lock(); defer r.mu.Unlock(); return hasText(w, "nc (pid 7), /usr/bin/nc:") }
	for !shown() {
		if time.Now().After(deadline) {
			t.Fatalf("history never shown: %q", texts(w))
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, want := range []string{"A process of uid 0 listens on 0.0.0.0", "sudo ss -tlnp 'sport = :2476'"} {
		if !hasText(w, want) {
			t.Errorf("lacks %q; has %q", want, texts(w))
		}
	}
	if hasText(w, "End process…") {
		t.Error("a hidden owner offers End process")
	}
}

func TestWindowsCloseWithoutQuittingOthers(t *testing.T) {
	r := newRig(t, nil)
	a := r.m.Open(handoff.Request{Kind: handoff.Explain, Port: 22, Proto: "tcp"})
	again := r.m.Open(handoff.Request{Kind: handoff.Explain, Port: 22, Proto: "tcp"})
	l := r.m.Open(handoff.Request{Kind: handoff.Listeners})
	s := r.m.Open(handoff.Request{Kind: handoff.Settings})
	if a != again || r.m.OpenCount() != 3 {
		t.Fatalf("same port opened twice or count %d", r.m.OpenCount())
	}
	if s.Title() != "Settings — Portlight" || !hasText(s, "Cannot show the settings: the settings file could not be opened.") {
		t.Errorf("settings window without a store: %q %q", s.Title(), texts(s))
	}
	// Esc closes one window; the others stay and the app keeps running.
	a.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if r.m.OpenCount() != 2 || r.lastClose != 0 {
		t.Fatalf("after Esc: %d open, quit %d", r.m.OpenCount(), r.lastClose)
	}
	// A closed explainer can be opened again as a new window.
	if b := r.m.Open(handoff.Request{Kind: handoff.Explain, Port: 22, Proto: "tcp"}); b == a {
		t.Error("closed window reused")
	} else {
		b.Close()
	}
	s.Close()
	if r.lastClose != 0 {
		t.Fatal("quit while the listeners window is open")
	}
	l.Close()
	if r.m.OpenCount() != 0 || r.lastClose != 1 {
		t.Errorf("after the last close: %d open, quit %d times", r.m.OpenCount(), r.lastClose)
	}
}

func TestExplainPortEntry(t *testing.T) {
	r := newRig(t, nil)
	w := r.m.OpenExplainer(22, "tcp", 0).Window()
	entry := findEntry(t, w)
	test.Type(entry, "53/udp")
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if _, ok := r.m.explainers["53/udp"]; !ok || r.m.OpenCount() != 2 {
		t.Fatalf("typing 53/udp opened %v", r.m.explainers)
	}
	if entry.Text != "" {
		t.Errorf("entry kept %q", entry.Text)
	}
	test.Type(entry, "ssh")
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if r.m.OpenCount() != 2 {
		t.Error("a bad port opened a window")
	}
	// Esc in the field clears it first, then closes the window.
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if entry.Text != "" || r.m.OpenCount() != 2 {
		t.Fatalf("first Esc: text %q, %d windows", entry.Text, r.m.OpenCount())
	}
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if r.m.OpenCount() != 1 {
		t.Errorf("second Esc left %d windows", r.m.OpenCount())
	}
}
