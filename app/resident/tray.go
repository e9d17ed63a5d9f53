package resident

import (
	"context"
	"sync"

	"fyne.io/systray"

	"portlight/assets"
)

// actionKind is what a click in the tray (or on a notification) asks for.
type actionKind int

const (
	actExplain     actionKind = iota // open the explainer of port/proto
	actOpenAlert                     // mark alert id read, open its explainer
	actAllow                         // allow alert id's program, mark it read
	actDismissed                     // the user closed alert id's notification
	actMarkAllRead                   // mark every alert read
	actPauseHour                     // pause alerts for an hour
	actPauseAll                      // pause alerts until resumed
	actResume                        // resume alerts
	actListeners                     // open the listeners window
	actHistory                       // open the history window
	actSettings                      // open the settings window
	actQuit                          // quit Portlight
	actRetry                         // a notification daemon appeared: show kept alerts
	actNone                          // a disabled line
	actHome                          // open the home window (welcome the first time)
	actHostUp                        // a tray host appeared
	actHostDown                      // the tray host went away
)

// action is one request from the tray or a notification to the resident's
// loop, which alone owns the state.
type action struct {
	kind  actionKind
	port  uint16
	proto string
	id    string
}

// line is one item of a pooled submenu.
type line struct {
	label    string
	disabled bool
	act      action
}

// pool is a submenu whose items are reused: systray cannot reliably remove
// items, so surplus ones are hidden and shown again when needed.
type pool struct {
	parent *systray.MenuItem
	out    chan<- action
	ctx    context.Context

	mu    sync.Mutex
	items []*systray.MenuItem
	lines []line
	shown int
}

// set shows lines in order, growing the pool when needed and hiding the
// surplus. Unchanged items are not touched, so an idle tray emits nothing.
func (p *pool) set(lines []line) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, l := range lines {
		if i == len(p.items) {
			it := p.parent.AddSubMenuItem(l.label, "")
			// systray emits no LayoutUpdated for an item added after
			// start-up and keeps the menu revision, so a host that caches
			// the menu never shows it; a title change publishes it (see
			// docs/headless.md).
			it.SetTitle(l.label)
			p.items = append(p.items, it)
			p.lines = append(p.lines, l)
			go p.forward(i, it)
			p.apply(i, line{label: l.label, disabled: !l.disabled}, l)
			continue
		}
		p.apply(i, p.lines[i], l)
		p.lines[i] = l
		if i >= p.shown {
			p.items[i].Show()
		}
	}
	for i := len(lines); i < p.shown; i++ {
		p.items[i].Hide()
	}
	p.shown = len(lines)
}

// apply updates item i from old to l.
func (p *pool) apply(i int, old, l line) {
	it := p.items[i]
	if old.label != l.label {
		it.SetTitle(l.label)
	}
	if old.disabled != l.disabled {
		if l.disabled {
			it.Disable()
		} else {
			it.Enable()
		}
	}
}

// forward turns clicks on item i into actions for whatever line it shows.
func (p *pool) forward(i int, it *systray.MenuItem) {
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-it.ClickedCh:
			p.mu.Lock()
			l := p.lines[i]
			p.mu.Unlock()
			if l.disabled || l.act.kind == actNone {
				continue
			}
			select {
			case p.out <- l.act:
			case <-p.ctx.Done():
				return
			}
		}
	}
}

// tray is the StatusNotifierItem menu, laid out from a MenuModel.
type tray struct {
	ctx context.Context
	out chan<- action

	header                      *systray.MenuItem
	listening, recent           *pool
	pause                       *systray.MenuItem
	pauseHour, pauseAll, resume *systray.MenuItem
	quitItem                    *systray.MenuItem

	last    MenuModel
	applied bool
}

// newTray builds the fixed skeleton of the menu. It runs in systray's
// onReady callback.
func newTray(ctx context.Context, out chan<- action) *tray {
	t := &tray{ctx: ctx, out: out}
	systray.SetIcon(assets.TrayIdle)
	systray.SetTitle("Portlight")
	systray.SetTooltip("Portlight")
	t.header = systray.AddMenuItem("Portlight", "")
	t.header.Disable()
	systray.AddSeparator()
	t.listening = &pool{parent: systray.AddMenuItem("Listening now", ""), out: out, ctx: ctx}
	t.recent = &pool{parent: systray.AddMenuItem("Recent alerts", ""), out: out, ctx: ctx}
	t.pause = systray.AddMenuItem("Pause alerts", "")
	t.pauseHour = t.pause.AddSubMenuItem("For 1 hour", "")
	t.pauseAll = t.pause.AddSubMenuItem("Until resumed", "")
	t.resume = t.pause.AddSubMenuItem("Resume alerts", "")
	t.resume.Hide()
	systray.AddSeparator()
	for _, w := range windowItems {
		it := systray.AddMenuItem(w.label, "")
		go t.forward(it, w.act)
	}
	systray.AddSeparator()
	t.quitItem = systray.AddMenuItem("Quit", "")
	// The submenus start with a placeholder each, so hosts show them as
	// submenus from the first layout on.
	t.listening.set([]line{{label: "Scanning…", disabled: true, act: action{kind: actNone}}})
	t.recent.set([]line{{label: "No alerts", disabled: true, act: action{kind: actNone}}})
	for _, f := range []struct {
		it *systray.MenuItem
		a  action
	}{
		{t.pauseHour, action{kind: actPauseHour}},
		{t.pauseAll, action{kind: actPauseAll}},
		{t.resume, action{kind: actResume}},
		{t.quitItem, action{kind: actQuit}},
	} {
		go t.forward(f.it, f.a)
	}
	systray.SetOnTapped(func() { t.send(action{kind: actHome}) })
	return t
}

func (t *tray) forward(it *systray.MenuItem, a action) {
	for {
		select {
		case <-t.ctx.Done():
			return
		case <-it.ClickedCh:
			t.send(a)
		}
	}
}

func (t *tray) send(a action) {
	select {
	case t.out <- a:
	case <-t.ctx.Done():
	}
}

// Apply lays out m, touching only what changed since the last call.
func (t *tray) Apply(m MenuModel) {
	first := !t.applied
	t.applied = true
	old := t.last
	t.last = m
	if first || old.Unread != m.Unread {
		if m.Unread {
			systray.SetIcon(assets.TrayAlert)
		} else {
			systray.SetIcon(assets.TrayIdle)
		}
	}
	if first || old.Tooltip != m.Tooltip {
		systray.SetTooltip(m.Tooltip)
	}
	if first || old.Header != m.Header {
		t.header.SetTitle(m.Header)
	}
	if first || !equalEntries(old, m) {
		t.listening.set(listenerLines(m))
	}
	if first || old.Unread != m.Unread || !equalRecent(old.Recent, m.Recent) {
		t.recent.set(recentLines(m))
	}
	if first || old.Pause != m.Pause || old.Paused != m.Paused {
		t.pause.SetTitle(m.Pause)
		if m.Paused {
			t.pauseHour.Hide()
			t.pauseAll.Hide()
			t.resume.Show()
		} else {
			t.resume.Hide()
			t.pauseHour.Show()
			t.pauseAll.Show()
		}
	}
}

// listenerLines turns the model's listeners into submenu lines.
func listenerLines(m MenuModel) []line {
	if m.NoScan != "" {
		return []line{{label: m.NoScan, disabled: true, act: action{kind: actNone}}}
	}
	if len(m.Listeners) == 0 {
		return []line{{label: "Nothing is listening", disabled: true, act: action{kind: actNone}}}
	}
	out := make([]line, 0, len(m.Listeners)+1)
	for _, e := range m.Listeners {
		out = append(out, line{label: e.Label, act: action{kind: actExplain, port: e.Port, proto: e.Proto}})
	}
	if m.More > 0 {
		out = append(out, line{label: plural(m.More, "more…", "more…"), act: action{kind: actListeners}})
	}
	return out
}

// recentLines turns the model's recent alerts into submenu lines.
func recentLines(m MenuModel) []line {
	if len(m.Recent) == 0 {
		return []line{{label: "No alerts", disabled: true, act: action{kind: actNone}}}
	}
	out := make([]line, 0, len(m.Recent)+1)
	for _, r := range m.Recent {
		out = append(out, line{label: r.Label, act: action{kind: actOpenAlert, id: r.ID, port: r.Port, proto: r.Proto}})
	}
	if m.Unread {
		out = append(out, line{label: "Mark all read", act: action{kind: actMarkAllRead}})
	}
	return out
}

func equalEntries(a, b MenuModel) bool {
	if a.More != b.More || a.NoScan != b.NoScan || len(a.Listeners) != len(b.Listeners) {
		return false
	}
	for i := range a.Listeners {
		if a.Listeners[i] != b.Listeners[i] {
			return false
		}
	}
	return true
}

func equalRecent(a, b []RecentEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
