package settingsui

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"portlight/autostart"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
	"portlight/settings"
)

var t0 = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)

// rig is a settings window on a test app over a store in a temp folder.
type rig struct {
	t     *testing.T
	app   fyne.App
	dir   string
	store *settings.Store
	v     *view

	mu      sync.Mutex
	pending []func() // the window's Do calls, run on the test's goroutine by settle
}

func newRig(t *testing.T, prepare func(dir string), tweak ...func(*Options)) *rig {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // where "start at login" writes
	dir := t.TempDir()
	if prepare != nil {
		prepare(dir)
	}
	store, err := settings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	r := &rig{t: t, app: a, dir: dir, store: store}
	opts := Options{WatchEvery: 20 * time.Millisecond, Now: func() time.Time { return t0 },
		Do: r.queue,
		Listeners: func() []monitor.Listener {
			return []monitor.Listener{{Proto: monitor.TCP, Port: 2476, Process: monitor.Process{Name: "srv", Exe: "/bin/sh", Cmdline: "sh /srv/run.sh"}}}
		}}
	opts.Networks = func(context.Context) ([]reach.Network, error) { return testNets, nil }
	for _, f := range tweak {
		f(&opts)
	}
	r.v = newView(a, store, opts)
	r.v.w.Resize(fyne.NewSize(900, 560))
	r.v.w.Show()
	t.Cleanup(r.v.close)
	return r
}

// onDisk reads the settings as another process would.
func (r *rig) onDisk() settings.Settings {
	r.t.Helper()
	s, err := settings.Open(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	return s.Settings()
}

// objects lists what is laid out in the window and its overlays.
func (r *rig) objects() []fyne.CanvasObject {
	objs := test.LaidOutObjects(r.v.w.Canvas().Content())
	for _, o := range r.v.w.Canvas().Overlays().List() {
		objs = append(objs, test.LaidOutObjects(o)...)
	}
	return objs
}

// texts lists the visible label and button texts.
func (r *rig) texts() []string {
	var out []string
	for _, o := range r.objects() {
		switch w := o.(type) {
		case *widget.Label:
			if w.Visible() {
				out = append(out, w.Text)
			}
		case *widget.Button:
			out = append(out, w.Text)
		}
	}
	return out
}

// cells lists the allow-list table's cell texts, through the table's own
// update function: test.LaidOutObjects lays a table's cells out at their
// minimum size, which hides them.
func (r *rig) cells() []string {
	var out []string
	rows, cols := r.v.table.Length()
	for row := range rows {
		for col := range cols {
			l := widget.NewLabel("")
			r.v.updateCell(widget.TableCellID{Row: row, Col: col}, l)
			out = append(out, l.Text)
		}
	}
	return out
}

func (r *rig) hasText(s string) bool {
	has := func(t string) bool { return strings.Contains(t, s) }
	return slices.ContainsFunc(r.texts(), has) || slices.ContainsFunc(r.cells(), has)
}

// button finds a button by its text, last match first (dialogs are on top).
func (r *rig) button(text string) *widget.Button {
	r.t.Helper()
	objs := r.objects()
	for i := len(objs) - 1; i >= 0; i-- {
		if b, ok := objs[i].(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	r.t.Fatalf("no button %q among %q", text, r.texts())
	return nil
}

// entry finds an overlay entry by its placeholder's start.
func (r *rig) entry(placeholder string) *widget.Entry {
	r.t.Helper()
	for _, o := range r.objects() {
		if e, ok := o.(*widget.Entry); ok && strings.HasPrefix(e.PlaceHolder, placeholder) {
			return e
		}
	}
	r.t.Fatalf("no entry with placeholder %q", placeholder)
	return nil
}

// queue is the window's Options.Do: the watcher's widget changes wait for
// settle, so that they run on the test's goroutine, between its taps, as
// they run on Fyne's one goroutine in the app. (Run at once, as Fyne's test
// driver does, they raced the test's taps and undid a tap now and then.)
func (r *rig) queue(fn func()) {
	r.mu.Lock()
	r.pending = append(r.pending, fn)
	r.mu.Unlock()
}

// settle runs the window's queued Do calls.
func (r *rig) settle() {
	for {
		r.mu.Lock()
		fns := r.pending
		r.pending = nil
		r.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			fn()
		}
	}
}

// eventually settles the window and checks cond, for up to 5 s.
func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		r.settle()
		if cond() {
			return
		}
		if time.Now().After(end) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// capture writes the window's image to $PORTLIGHT_ARTIFACTS when set.
func (r *rig) capture(name string) {
	dir := os.Getenv("PORTLIGHT_ARTIFACTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, r.v.w.Canvas().Capture()); err != nil {
		r.t.Fatal(err)
	}
}

// seed writes a settings file with two entries and the malware trigger off.
func seed(dir string) {
	s, err := settings.Open(dir)
	if err != nil {
		panic(err)
	}
	err = s.Update(func(c *settings.Settings) error {
		c.Triggers.MalwarePort = false
		c.PollInterval = 2 * time.Second
		c.AllowEntry(policy.AllowEntry{Path: "/usr/bin/syncthing", Ports: []uint16{8384, 22000}, Proto: monitor.TCP,
			SHA256: strings.Repeat("ab", 32), Added: t0, Note: "file sync"})
		c.AllowEntry(policy.AllowEntry{Path: "/usr/bin/python3", Script: "/srv/app.py", Added: t0})
		return nil
	})
	if err != nil {
		panic(err)
	}
}

func TestWindowShowsTheSettings(t *testing.T) {
	r := newRig(t, seed)
	if r.v.w.Title() != "Settings — Portlight" {
		t.Fatalf("title %q", r.v.w.Title())
	}
	for _, want := range []string{"App", "Path", "Scope", "Pin", "Added", "Note",
		"syncthing", "/usr/bin/syncthing", "ports 8384, 22000/tcp", "SHA-256 abababababab…", "file sync",
		"python3", `any port, script "/srv/app.py"`, "Add…", "Add from a listener…", "Edit…", "Remove", "Close"} {
		if !r.hasText(want) {
			t.Errorf("window lacks %q; has %q", want, r.texts())
		}
	}
	if r.v.malware.Checked || !r.v.unassigned.Checked || r.v.poll.Selected != "every 2 s" {
		t.Errorf("widgets do not show the file: malware %v unassigned %v poll %q", r.v.malware.Checked, r.v.unassigned.Checked, r.v.poll.Selected)
	}
	if r.v.problemBox.Visible() {
		t.Errorf("problem shown for a good file: %q", r.v.problem.Text)
	}
	r.capture("settings-allowlist.png")
}

func TestCheckboxesWriteAtOnce(t *testing.T) {
	r := newRig(t, nil)
	r.v.tabs.SelectIndex(1)
	r.capture("settings-alerts.png")
	test.Tap(r.v.malware)
	if !r.v.ownerChange.Checked {
		t.Errorf("owner change trigger is on by default but not checked")
	}
	test.Tap(r.v.notAllowed)
	test.Tap(r.v.ownerChange)
	test.Tap(r.v.login)
	r.v.poll.SetSelected("every 5 s")
	got := r.onDisk()
	if got.Triggers.MalwarePort || got.Triggers.OwnerChange || !got.Triggers.NotOnAllowList || !got.StartAtLogin || got.PollInterval != 5*time.Second {
		t.Fatalf("on disk: %+v", got)
	}
	if !r.hasText("Saved at 21:00:00.") {
		t.Errorf("no saved status: %q", r.texts())
	}
	loc, err := autostart.Location()
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(loc); err != nil || !strings.Contains(string(data), "Exec=") {
		t.Fatalf("start at login did not write %s: %v", loc, err)
	}
	test.Tap(r.v.login)
	if _, err := os.Stat(loc); !os.IsNotExist(err) || r.onDisk().StartAtLogin {
		t.Fatalf("start at login off left %s: %v", loc, err)
	}
	r.v.tabs.SelectIndex(2)
	r.capture("settings-general.png")
	test.Tap(r.button("Pause until resumed"))
	if !r.onDisk().Pause.UntilResumed || !r.hasText("paused until you resume") {
		t.Fatalf("pause: %+v %q", r.onDisk().Pause, r.texts())
	}
	test.Tap(r.button("Resume"))
	if r.onDisk().Pause.Active(t0) || !r.hasText("Alerts are on.") {
		t.Fatalf("resume: %+v", r.onDisk().Pause)
	}
}

func TestChangesFromAnotherProcessShowUp(t *testing.T) {
	r := newRig(t, nil)
	other, err := settings.Open(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	err = other.Update(func(c *settings.Settings) error {
		c.SoundOnAlert = true
		c.AllowEntry(policy.AllowEntry{Path: "/usr/bin/syncthing"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.eventually("the other process's change", func() bool {
		return r.v.sound.Checked && len(r.v.cur.Allow) == 1
	})
	if !r.hasText("/usr/bin/syncthing") {
		t.Fatalf("table does not show the new entry: %q", r.texts())
	}
	// The widgets were set from the file, not written back.
	if fi, _ := os.Stat(other.Path()); fi == nil {
		t.Fatal("settings file gone")
	}
}

func TestProblemIsShown(t *testing.T) {
	r := newRig(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, settings.FileName), []byte("schema = 1\n[[allow\n"), 0o600)
	})
	if !r.v.problemBox.Visible() || !strings.Contains(r.v.problem.Text, "was not used") {
		t.Fatalf("problem not shown: visible %v %q", r.v.problemBox.Visible(), r.v.problem.Text)
	}
	r.capture("settings-problem.png")
	test.Tap(r.v.sound)
	if r.v.problemBox.Visible() {
		t.Fatalf("problem still shown after a good write: %q", r.v.problem.Text)
	}
}

func TestAddEditRemoveThroughTheDialogs(t *testing.T) {
	r := newRig(t, nil)
	exe := filepath.Join(t.TempDir(), "server")
	if err := os.WriteFile(exe, []byte("v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	test.Tap(r.button("Add…"))
	test.Type(r.entry("/usr/bin/program"), exe)
	test.Type(r.entry("any port"), "2476, 2477")
	test.Type(r.entry("the script's absolute path"), "")
	for _, o := range r.objects() {
		if c, ok := o.(*widget.Check); ok && c.Text == "Pin to the file's SHA-256" {
			test.Tap(c)
		}
	}
	r.capture("settings-add.png")
	test.Tap(r.button("Save"))
	got := r.onDisk().Allow
	if len(got) != 1 || got[0].Path != exe || !slices.Equal(got[0].Ports, []uint16{2476, 2477}) || got[0].SHA256 == "" || !got[0].Added.Equal(t0) {
		t.Fatalf("after add: %+v", got)
	}
	pin := got[0].SHA256

	// Edit: the file changed meanwhile; the pin stays what it was.
	os.WriteFile(exe, []byte("v2"), 0o755)
	r.v.table.Select(widget.TableCellID{Row: 0, Col: 0})
	test.Tap(r.button("Edit…"))
	test.Type(r.entry("why it may listen"), "my server")
	test.Tap(r.button("Save"))
	got = r.onDisk().Allow
	if len(got) != 1 || got[0].Note != "my server" || got[0].SHA256 != pin {
		t.Fatalf("after edit: %+v (pin %s)", got, pin)
	}

	r.v.table.Select(widget.TableCellID{Row: 0, Col: 1})
	test.Tap(r.button("Remove"))
	if !r.hasText("Remove " + exe) {
		t.Fatalf("no confirmation naming the entry: %q", r.texts())
	}
	test.Tap(r.button("Yes"))
	if got := r.onDisk().Allow; len(got) != 0 {
		t.Fatalf("after remove: %+v", got)
	}
}

func TestAddFromAListenerPrefillsTheForm(t *testing.T) {
	r := newRig(t, nil)
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
	pick.SetSelectedIndex(0)
	test.Tap(r.button("Next"))
	if p := r.entry("/usr/bin/program"); p.Text != "/bin/sh" {
		t.Fatalf("path prefilled %q", p.Text)
	}
	if a := r.entry("the script's absolute path"); a.Text != "/srv/run.sh" {
		t.Fatalf("args prefilled %q (an interpreter gets its arguments)", a.Text)
	}
}

func TestEditWithoutSelectionSaysSo(t *testing.T) {
	r := newRig(t, seed)
	test.Tap(r.button("Edit…"))
	if !r.hasText("Select an entry in the table first.") {
		t.Fatalf("no hint: %q", r.texts())
	}
}

func TestCloseClosesOnlyTheWindow(t *testing.T) {
	r := newRig(t, nil)
	test.Tap(r.button("Close"))
	for _, w := range r.app.Driver().AllWindows() {
		if w == r.v.w {
			t.Fatal("window still open after Close")
		}
	}
	// The watcher stopped: a later change does not touch the closed window.
	other, _ := settings.Open(r.dir)
	if err := other.Update(func(c *settings.Settings) error { c.SoundOnAlert = true; return nil }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	r.settle()
	if r.v.sound.Checked {
		t.Fatal("a closed window kept following the settings")
	}
}

func TestStartAtLoginFailureIsNotSaved(t *testing.T) {
	r := newRig(t, nil, func(o *Options) {
		o.StartAtLogin = func(bool) error { return errors.New("no autostart here") }
	})
	test.Tap(r.v.login)
	if r.onDisk().StartAtLogin || r.v.login.Checked || !r.hasText("no autostart here") {
		t.Fatalf("failed start at login: disk %v checked %v %q", r.onDisk().StartAtLogin, r.v.login.Checked, r.texts())
	}
}

func TestSnoozesShowAndEnd(t *testing.T) {
	r := newRig(t, func(dir string) {
		s, _ := settings.Open(dir)
		s.Update(func(c *settings.Settings) error {
			c.Snooze = map[string]time.Time{"/opt/noisy": time.Now().Add(time.Hour)}
			return nil
		})
	}, func(o *Options) { o.Now = time.Now })
	r.v.tabs.SelectIndex(2)
	if !r.hasText("Snoozed: /opt/noisy until") {
		t.Fatalf("snooze not shown: %q", r.texts())
	}
	test.Tap(r.v.endSnoozes)
	if len(r.onDisk().Snooze) != 0 || !r.hasText("No app is snoozed.") || !r.v.endSnoozes.Disabled() {
		t.Fatalf("after ending snoozes: %+v %q", r.onDisk().Snooze, r.texts())
	}
}

func TestOutsideChangeIsShown(t *testing.T) {
	r := newRig(t, func(dir string) {
		s, err := settings.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Update(func(c *settings.Settings) error {
			c.AllowEntry(policy.AllowEntry{Path: "/usr/bin/syncthing"})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	if r.v.outsideBox.Visible() {
		t.Fatalf("Portlight's own write shown as outside: %q", r.v.outside.Text)
	}
	// Another program appends an entry to the real file.
	path := filepath.Join(r.dir, settings.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, append(b, "\n[[allow]]\npath = \"/tmp/x\"\n"...), 0o600)
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(path, later, later)
	r.eventually("the outside change", func() bool {
		return r.v.outsideBox.Visible() && strings.Contains(r.v.outside.Text, "added /tmp/x (any port)")
	})
	// The resident reports it; the window keeps showing it until dismissed.
	other, err := settings.Open(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := other.TakeOutsideChange(); !ok || err != nil {
		t.Fatalf("not taken: %v", err)
	}
	r.v.refresh()
	if !r.v.outsideBox.Visible() {
		t.Fatal("reported change no longer shown")
	}
	r.capture("settings-outside-change.png")
	test.Tap(r.v.outsideBox.Objects[len(r.v.outsideBox.Objects)-1].(*widget.Button))
	if r.v.outsideBox.Visible() {
		t.Fatalf("dismissed change still shown: %q", r.v.outside.Text)
	}
}
