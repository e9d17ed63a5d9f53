package views

import (
	"context"
	"image/png"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"portlight/content"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// rig is a manager on a test app with recording fakes for the OS actions.
type rig struct {
	// mu serialises what the manager runs "on Fyne's goroutine" with the
	// test's own reads (see Deps.Do).
	mu        sync.Mutex
	m         *Manager
	app       fyne.App
	allow     *MemoryAllower
	revealed  []string
	ended     []monitor.Process
	lastClose int
}

var t0 = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)

func newRig(t *testing.T, history History) *rig {
	t.Helper()
	a := test.NewTempApp(t)
	r := &rig{app: a, allow: &MemoryAllower{}}
	// The policy judges by the port and the path alone: what this machine
	// has installed (a packaged node, the knowledge file's Vite) must not
	// change what the tests see. Tests of the program's origin set Assess.
	p := &policy.Policy{Rules: policy.DefaultRules()}
	r.m = NewManager(a, Deps{
		Assess:    p.Assess,
		Allower:   r.allow,
		History:   history,
		Reveal:    func(dir string) error { r.revealed = append(r.revealed, dir); return nil },
		Terminate: func(_ context.Context, p monitor.Process) error { r.ended = append(r.ended, p); return nil },
		Now:       func() time.Time { return t0 },
		Do:        func(fn func()) { r.mu.Lock(); defer r.mu.Unlock(); fn() },
	})
	r.m.OnLastClosed = func() { r.lastClose++ }
	return r
}

func listener(port uint16, addr string, pid int32, name string) monitor.Listener {
	return monitor.Listener{Proto: monitor.TCP, Family: monitor.IPv4, Address: addr, Port: port,
		Exposure: monitor.ExposureOf(mustAddr(addr)), UID: 1000,
		Process: monitor.Process{PID: pid, Name: name, Exe: "/usr/bin/" + name, User: "alice",
			Cmdline: name + " --serve", StartTime: t0.Add(-10 * time.Minute)}}
}

func snap(ls ...monitor.Listener) monitor.Snapshot { return monitor.Snapshot{Time: t0, Listeners: ls} }

// texts returns every label, button and entry text laid out in the window,
// including dialogs shown over it.
func texts(w fyne.Window) []string {
	var out []string
	objs := test.LaidOutObjects(w.Canvas().Content())
	for _, o := range w.Canvas().Overlays().List() {
		objs = append(objs, test.LaidOutObjects(o)...)
	}
	for _, o := range objs {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Button:
			out = append(out, v.Text)
		}
	}
	return out
}

func hasText(w fyne.Window, want string) bool {
	for _, s := range texts(w) {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// button finds the n-th (0-based) button with this text, in the window or
// its overlays.
func button(t *testing.T, w fyne.Window, text string, n int) *widget.Button {
	t.Helper()
	objs := test.LaidOutObjects(w.Canvas().Content())
	for _, o := range w.Canvas().Overlays().List() {
		objs = append(objs, test.LaidOutObjects(o)...)
	}
	for _, o := range objs {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			if n == 0 {
				return b
			}
			n--
		}
	}
	t.Fatalf("no button %q in %q", text, texts(w))
	return nil
}

// capture writes the window's image to $PORTLIGHT_ARTIFACTS when set.
func capture(t *testing.T, w fyne.Window, name string) {
	dir := os.Getenv("PORTLIGHT_ARTIFACTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

type fakeHistory []content.PastOwner

func (h fakeHistory) PastOwners(uint16, monitor.Proto) ([]content.PastOwner, error) { return h, nil }

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func findEntry(t *testing.T, w fyne.Window) *escEntry {
	t.Helper()
	for _, o := range test.LaidOutObjects(w.Canvas().Content()) {
		if e, ok := o.(*escEntry); ok && strings.HasPrefix(e.PlaceHolder, "Explain port") {
			return e
		}
	}
	t.Fatal("no Explain port… entry")
	return nil
}
