package settingsui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"portlight/monitor"
	"portlight/monitor/policy"
)

// hostile is text a program can choose: a newline, an escape sequence, a
// right-to-left override, notification markup.
const hostile = "a\nb\x1b[31m<b>x</b>\u202egnp"

// raw reports whether s holds hostile text as is (a newline of Portlight's
// own may separate sentences of a dialog).
func raw(s string) bool { return strings.ContainsAny(s, "\x1b\u202e") || strings.Contains(s, "a\nb") }

func TestRowCellsCleanHostileText(t *testing.T) {
	e := policy.AllowEntry{Path: "/tmp/" + hostile + "/" + hostile, Note: hostile, Args: hostile}
	for i, c := range rowCells(e) {
		if raw(c) {
			t.Errorf("column %s shows %q", columns[i], c)
		}
	}
	bin := policy.AllowEntry{Path: "/opt/a\nb\x1b[31mc\u202egnp"}
	if got := rowCells(bin)[0]; got != "a bcgnp" {
		t.Errorf("app cell %q", got)
	}
	long := policy.AllowEntry{Path: "/" + strings.Repeat("d", 5000)}
	if got := rowCells(long)[1]; len([]rune(got)) > 301 {
		t.Errorf("a 5000-rune path is shown %d runes long", len([]rune(got)))
	}
}

func TestListenerLabelCleansHostileText(t *testing.T) {
	l := monitor.Listener{Port: 2476, Proto: monitor.TCP, Process: monitor.Process{Name: hostile, Exe: "/tmp/" + hostile}}
	got := listenerLabel(l)
	if raw(got) || got != "2476/tcp  a b<b>x</b>gnp  (/tmp/a b<b>x</b>gnp)" {
		t.Errorf("label %q", got)
	}
}

func TestSnoozeStatusCleansHostileText(t *testing.T) {
	now := time.Date(2026, 11, 25, 21, 0, 0, 0, time.Local)
	if got := snoozeStatus(map[string]time.Time{"/tmp/" + hostile: now.Add(time.Hour)}, now); raw(got) {
		t.Errorf("snooze status %q", got)
	}
}

// A program at a hostile path, added from the listener picker: the picker
// and the form show its path cleaned, and the saved entry holds the real
// path, so it matches the program.
func TestAddFromAHostileListener(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a\nb\x1b[2J\u202e")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "srv")
	if err := os.WriteFile(exe, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, nil, func(o *Options) {
		o.Listeners = func() []monitor.Listener {
			return []monitor.Listener{{Proto: monitor.TCP, Port: 2476, Process: monitor.Process{Name: hostile, Exe: exe}}}
		}
	})
	test.Tap(r.button("Add from a listener…"))
	var pick *widget.Select
	for _, o := range r.objects() {
		if s, ok := o.(*widget.Select); ok && len(s.Options) == 1 && strings.HasPrefix(s.Options[0], "2476/tcp") {
			pick = s
		}
	}
	if pick == nil {
		t.Fatalf("no listener picker: %q", r.texts())
	}
	if raw(pick.Options[0]) {
		t.Errorf("picker shows %q", pick.Options[0])
	}
	pick.SetSelectedIndex(0)
	test.Tap(r.button("Next"))
	if p := r.entry("/usr/bin/program"); raw(p.Text) || !strings.HasSuffix(p.Text, "a b/srv") {
		t.Errorf("path field shows %q", p.Text)
	}
	test.Tap(r.button("Save"))
	got := r.onDisk().Allow
	if len(got) != 1 || got[0].Path != exe {
		t.Fatalf("saved %+v, want the real path %q", got, exe)
	}
	r.v.table.Select(widget.TableCellID{Row: 0, Col: 1})
	test.Tap(r.button("Remove"))
	for _, s := range append(r.texts(), r.cells()...) {
		if raw(s) {
			t.Errorf("shown: %q", s)
		}
	}
	if !r.hasText("Remove ") {
		t.Fatalf("no confirmation: %q", r.texts())
	}
	test.Tap(r.button("Yes"))
	if got := r.onDisk().Allow; len(got) != 0 {
		t.Fatalf("after remove: %+v", got)
	}
}
