package views

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"portlight/monitor"
)

// hostileExe is a path a program can really run from: a newline (which
// safetext turns into a space, naming another folder), an escape sequence, a
// right-to-left override, and more than content.MaxPath runes.
var hostileExe = "/tmp/a\nb/\x1b[31m" + strings.Repeat("d", 250) + "/srv\u202egnp.exe"

// The explainer shows a hostile program's path cleaned and cut, but its
// buttons act on the real path and process: the allow-list entry must match
// the real file, "Show its folder" must open the real folder (not "/tmp/a b"),
// and "End process…" must hand the verifier the process as the monitor saw it.
func TestExplainerActsOnRawProcess(t *testing.T) {
	r := newRig(t, nil)
	l := listener(5173, "127.0.0.1", 41, "node")
	l.Exe = hostileExe
	l.Name = "<b>evil</b>\x1b[2J"
	l.Cmdline = hostileExe + " --serve"
	w := r.m.OpenExplainer(5173, "tcp", 41).Window()
	r.m.Apply(snap(l), nil, t0)
	for _, s := range texts(w) {
		if strings.ContainsAny(s, "\x1b\u202e") || strings.Contains(s, "a\nb") {
			t.Errorf("raw text shown: %q", s)
		}
	}
	if !hasText(w, "Program file: /tmp/a b/ddd") {
		t.Errorf("cleaned path not shown: %q", texts(w))
	}

	test.Tap(button(t, w, "Allow this app on all ports", 0))
	test.Tap(button(t, w, "Allow this app on this port", 0))
	if len(r.allow.Apps) != 1 || r.allow.Apps[0] != hostileExe {
		t.Errorf("allowed apps %q, want the real path %q", r.allow.Apps, hostileExe)
	}
	if len(r.allow.Ports) != 1 || r.allow.Ports[0].Exe != hostileExe {
		t.Errorf("allowed on port %+v, want the real path", r.allow.Ports)
	}
	test.Tap(button(t, w, "Show its folder", 0))
	if want := filepath.Dir(hostileExe); len(r.revealed) != 1 || r.revealed[0] != want {
		t.Errorf("revealed %q, want %q", r.revealed, want)
	}
	test.Tap(button(t, w, "End process…", 0))
	test.Tap(button(t, w, "End process", 0))
	if len(r.ended) != 1 || !reflect.DeepEqual(r.ended[0], l.Process) {
		t.Errorf("ended %+v, want the monitor's process %+v", r.ended, l.Process)
	}
}

// An action that fails with the hostile path in its error shows it cleaned.
func TestExplainerErrorCleaned(t *testing.T) {
	r := newRig(t, nil)
	r.m.deps.Terminate = func(_ context.Context, p monitor.Process) error {
		return errors.New("process 41 runs " + p.Exe + ": the process has changed")
	}
	l := listener(5173, "127.0.0.1", 41, "node")
	l.Exe = hostileExe
	w := r.m.OpenExplainer(5173, "tcp", 41).Window()
	r.m.Apply(snap(l), nil, t0)
	test.Tap(button(t, w, "End process…", 0))
	test.Tap(button(t, w, "End process", 0))
	if !hasText(w, "41 runs /tmp/a b/ddd") {
		t.Fatalf("error not shown: %q", texts(w))
	}
	for _, s := range texts(w) {
		if strings.ContainsAny(s, "\x1b\u202e") || strings.Contains(s, "a\nb") {
			t.Errorf("raw text shown: %q", s)
		}
	}
}
