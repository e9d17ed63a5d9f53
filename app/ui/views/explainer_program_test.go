package views

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/provenance"
)

// labelWith finds the label whose text starts with prefix.
func labelWith(t *testing.T, w fyne.Window, prefix string) *widget.Label {
	t.Helper()
	for _, o := range test.LaidOutObjects(w.Canvas().Content()) {
		if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, prefix) {
			return l
		}
	}
	t.Fatalf("no label %q in %q", prefix, texts(w))
	return nil
}

// TestExplainerFirstScreen checks that the explainer answers first whether
// to worry (coloured by severity), why, who the program is (its origin)
// and what can be done, and only then gives the port's facts; and that
// "End process" names and ends every process that holds the socket.
func TestExplainerFirstScreen(t *testing.T) {
	r := newRig(t, nil)
	p := &policy.Policy{Rules: policy.DefaultRules(), Origin: func(monitor.Process) provenance.Origin {
		return provenance.Origin{AppName: "Sync Helper", Icon: "sync-helper", Terminal: true, Parents: []string{"bash", "systemd"}}
	}}
	r.m.deps.Assess = p.Assess
	l := listener(2476, "0.0.0.0", 41, "helper")
	l.Exe = "/tmp/helper"
	child := l.Process
	child.PID = 47
	l.Holders = []monitor.Process{l.Process, child}
	w := r.m.OpenExplainer(2476, "tcp", 41).Window()
	r.m.Apply(snap(l), nil, t0)

	order := []string{"Should I worry?", "Yes, look at this now: Portlight alerts about Sync Helper at high severity.",
		"Why", "Runs from a temporary folder", "Who is this program", "Application: Sync Helper (icon sync-helper)",
		"Program file: /tmp/helper", "Package: not from any package", "Started from a terminal.",
		"What you can do", "Allow this app on all ports", "End process 41 (helper) and 47 (helper)…",
		"Check by hand: the commands", "What this port is", "Listening now",
		"2 processes hold this socket: pid 41, helper, user alice; pid 47, helper, user alice."}
	got := texts(w)
	last := -1
	for _, want := range order {
		i := slices.IndexFunc(got, func(s string) bool { return strings.HasPrefix(s, want) })
		if i < 0 {
			t.Fatalf("lacks %q; has %q", want, got)
		}
		if i < last {
			t.Errorf("%q comes before what precedes it in %q", want, order)
		}
		last = i
	}
	if l := labelWith(t, w, "Yes, look at this now"); l.Importance != widget.DangerImportance {
		t.Errorf("high verdict line importance %v, want danger", l.Importance)
	}
	if n := strings.Count(strings.Join(got, "\n"), "Allow this app on all ports"); n != 1 {
		t.Errorf("the primary owner's actions shown %d times", n)
	}
	capture(t, w, "ui-explainer-first-screen.png")

	test.Tap(button(t, w, "End process 41 (helper) and 47 (helper)…", 0))
	if !hasText(w, "End the 2 processes that hold this socket?") {
		t.Fatalf("confirmation does not list the processes: %q", texts(w))
	}
	test.Tap(button(t, w, "End process", 0))
	if len(r.ended) != 2 || r.ended[0].PID != 41 || r.ended[1].PID != 47 {
		t.Errorf("ended %+v, want 41 and 47", r.ended)
	}
}

// The verdict line is coloured by its level: warning for a low alert,
// success when nothing alerts.
func TestExplainerWorryColours(t *testing.T) {
	r := newRig(t, nil)
	w := r.m.OpenExplainer(5173, "tcp", 0).Window()
	if l := labelWith(t, w, "Looking…"); l.Importance != widget.MediumImportance {
		t.Errorf("looking: importance %v", l.Importance)
	}
	r.m.Apply(snap(listener(5173, "127.0.0.1", 41, "node")), nil, t0)
	if l := labelWith(t, w, "Maybe: Portlight alerts about node"); l.Importance != widget.WarningImportance {
		t.Errorf("low alert: importance %v", l.Importance)
	}
	r.m.Apply(snap(), nil, t0)
	if l := labelWith(t, w, "No: nothing listens on 5173/tcp now."); l.Importance != widget.SuccessImportance {
		t.Errorf("nothing listening: importance %v", l.Importance)
	}
}

// The documented uses of the knowledge file appear among the port's uses.
func TestExplainerDocumentedUses(t *testing.T) {
	r := newRig(t, nil)
	w := r.m.OpenExplainer(21027, "udp", 0).Window()
	if !hasText(w, "Syncthing uses 21027/udp to discover other devices") || !hasText(w, "(source: https://") {
		t.Errorf("documented use missing: %q", texts(w))
	}
}
