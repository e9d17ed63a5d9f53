package resident

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"portlight/app/handoff"
)

// TestWindowItems checks the tray menu's window items: "History…" comes
// right after "Listeners…", and each opens the window it names.
func TestWindowItems(t *testing.T) {
	var labels []string
	for _, w := range windowItems {
		labels = append(labels, w.label)
	}
	if got := strings.Join(labels, ","); got != "Listeners…,History…,Settings…" {
		t.Fatalf("window items %s", got)
	}
	for _, tc := range []struct {
		label string
		args  []string
	}{
		{"Listeners…", []string{"listeners"}},
		{"History…", []string{"history"}},
		{"Settings…", []string{"settings"}},
	} {
		i := slices.IndexFunc(windowItems, func(w windowItem) bool { return w.label == tc.label })
		req, ok := windowRequest(windowItems[i].act)
		if !ok || req.Validate() != nil {
			t.Errorf("%s: request %+v ok=%v invalid: %v", tc.label, req, ok, req.Validate())
		}
		if got := windowArgs(req); !slices.Equal(got, tc.args) {
			t.Errorf("%s runs portlight-ui %q, want %q", tc.label, got, tc.args)
		}
	}
	if _, ok := windowRequest(action{kind: actQuit}); ok {
		t.Error("Quit maps to a window")
	}
}

// TestHistoryItemStartsWindow starts a real process for the History item's
// request, as the tray does when no window process runs: the executable is
// a script that writes down its arguments.
func TestHistoryItemStartsWindow(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	script := filepath.Join(dir, "portlight-ui")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+out+".tmp && mv "+out+".tmp "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, _ := newTestResident(&fakeScanner{}, &fakeNotifier{}, nil, alertAbove40000)
	r.opts.UIExecutable = script
	i := slices.IndexFunc(windowItems, func(w windowItem) bool { return w.label == "History…" })
	req, _ := windowRequest(windowItems[i].act)
	if req != (handoff.Request{Kind: handoff.History}) {
		t.Fatalf("History… requests %+v", req)
	}
	if err := r.startWindow(req); err != nil {
		t.Fatalf("startWindow: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(out)
		if err == nil {
			if got := strings.TrimSpace(string(b)); got != "history" {
				t.Fatalf("the window process got %q, want history", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the window process never ran (needs /bin/sh)")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
