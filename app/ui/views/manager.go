// Package views builds Portlight's windows (explainer, listeners, history, settings)
// on a fyne.App it is given. It never imports Fyne's GL driver
// (fyne.io/fyne/v2/app), so it builds and is tested with CGO_ENABLED=0 and no
// display through fyne.io/fyne/v2/test; package ui owns the real app.
package views

import (
	"context"
	"time"

	"fyne.io/fyne/v2"

	"portlight/app/handoff"
	"portlight/app/ui/osact"
	"portlight/content"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
)

// Scanner lists the listening sockets now (monitor's scanner satisfies it).
type Scanner interface {
	Scan(ctx context.Context) (monitor.Snapshot, error)
}

// History tells who listened on a port before. A history store implements it;
// while none exists, Deps.History is nil and the explainer says so.
type History interface {
	PastOwners(port uint16, proto monitor.Proto) ([]content.PastOwner, error)
}

// Deps are the parts the windows use, each replaceable in tests.
type Deps struct {
	// Scanner is required for live data; nil shows "Looking…" forever.
	Scanner Scanner
	// Assess judges a listener; default policy.Assess.
	Assess func(monitor.Listener) policy.Assessment
	// Lookup returns a port's facts; default portinfo.Lookup.
	Lookup func(port uint16, proto string) portinfo.Info
	// Checks returns the hand checks; default content.DefaultChecks.
	Checks func(port uint16, proto string) []content.Command
	// History is nil until a history store exists.
	History History
	// Events searches the history for the history window; nil until a
	// history store exists.
	Events HistoryQuery
	// HistoryInterval is how often the history window asks again; default 3 s.
	HistoryInterval time.Duration
	// Allower records "allow this app" in the settings store. Without one
	// the allow buttons fail, and say why (ErrNoSettings and SettingsErr).
	Allower Allower
	// Reveal opens a folder; default osact.Reveal.
	Reveal func(dir string) error
	// Terminate ends a verified process; default osact.Terminate.
	Terminate func(ctx context.Context, p monitor.Process) error
	// Settings builds the settings window. Without one the window says
	// that the settings could not be opened, and why.
	Settings func(fyne.App) fyne.Window
	// SettingsErr is why no settings store could be opened, shown by the
	// allow buttons and the settings window when Allower or Settings is nil.
	SettingsErr error
	// Interval between scans; default 1 s.
	Interval time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Status reads what the resident reports (no tray, kept notifications,
	// recent alerts); nil shows none of it.
	Status func() (handoff.Status, error)
	// Networks returns the networks this computer is on and the user's
	// words about them, for the home's "On Wi-Fi 'Café' (public)"; nil
	// shows no such line.
	Networks func() ([]reach.Network, policy.NetworkRules)
	// SetPause pauses or resumes alerts; nil leaves the pause buttons inert.
	SetPause func(policy.Pause) error
	// FirstRun claims the first run: it reports true once ever, and the
	// home window is then the welcome. nil: never.
	FirstRun func() bool
	// StartAtLogin and SetStartAtLogin read and change "start at login" for
	// the welcome's switch; nil disables it.
	StartAtLogin    func() bool
	SetStartAtLogin func(bool) error
	// SettingsDir and HistoryPath are where Portlight keeps its settings and
	// history, for the welcome ("" when unknown).
	SettingsDir, HistoryPath string
	// Do runs fn on Fyne's goroutine; default fyne.Do. (Fyne's test driver
	// runs fn at once on the caller's goroutine; tests serialise it instead.)
	Do func(fn func())
}

func (d *Deps) fill() {
	if d.Assess == nil {
		d.Assess = policy.Assess
	}
	if d.Lookup == nil {
		d.Lookup = portinfo.Lookup
	}
	if d.Checks == nil {
		d.Checks = content.DefaultChecks
	}
	if d.Allower == nil {
		d.Allower = noAllower{settingsMissing(d.SettingsErr)}
	}
	if d.Reveal == nil {
		d.Reveal = osact.Reveal
	}
	if d.Terminate == nil {
		d.Terminate = osact.Terminate
	}
	if d.Settings == nil {
		why := settingsMissing(d.SettingsErr)
		d.Settings = func(a fyne.App) fyne.Window { return NewSettingsUnavailableWindow(a, why) }
	}
	if d.Interval <= 0 {
		d.Interval = time.Second
	}
	if d.HistoryInterval <= 0 {
		d.HistoryInterval = 3 * time.Second
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Do == nil {
		d.Do = fyne.Do
	}
}

// Manager owns the open windows: one explainer per port, one listeners
// window, one history window, one settings window. All its methods run on Fyne's goroutine.
type Manager struct {
	app  fyne.App
	deps Deps

	explainers map[string]*Explainer
	listeners  *Listeners
	history    *HistoryWindow
	settings   fyne.Window
	welcome    *Welcome
	open       int

	// OnLastClosed runs when the last window closes; default quits the app.
	OnLastClosed func()

	scanned bool
	scanErr error
	now     []policy.Assessment
	at      time.Time
}

// NewManager returns a manager for app with deps (zero fields get defaults).
func NewManager(app fyne.App, deps Deps) *Manager {
	deps.fill()
	m := &Manager{app: app, deps: deps, explainers: map[string]*Explainer{}}
	m.OnLastClosed = app.Quit
	return m
}

// App returns the manager's Fyne app.
func (m *Manager) App() fyne.App { return m.app }

// Open opens, or brings forward, the window a request asks for.
func (m *Manager) Open(r handoff.Request) fyne.Window {
	switch r.Kind {
	case handoff.Explain:
		return m.OpenExplainer(r.Port, r.Proto, r.PID).w
	case handoff.Listeners:
		return m.OpenListeners().w
	case handoff.History:
		return m.OpenHistory(HistoryFilterOf(r)).w
	case handoff.Home:
		return m.OpenHome()
	case handoff.Welcome:
		return m.OpenWelcome().w
	default:
		return m.OpenSettings()
	}
}

// OpenExplainer opens the explainer of port/proto, or raises the open one.
func (m *Manager) OpenExplainer(port uint16, proto string, pid int32) *Explainer {
	key := content.PortProto(port, proto)
	if e, ok := m.explainers[key]; ok {
		if pid != 0 && pid != e.focus {
			e.focus = pid
			e.refresh()
		}
		e.w.RequestFocus()
		return e
	}
	e := newExplainer(m, port, proto, pid)
	m.explainers[key] = e
	m.track(e.w, func() { delete(m.explainers, key) })
	e.w.Show()
	return e
}

// OpenHome opens Portlight's home: the welcome on the first run ever, the
// listeners window after that.
func (m *Manager) OpenHome() fyne.Window {
	if m.deps.FirstRun != nil && m.deps.FirstRun() {
		return m.OpenWelcome().w
	}
	return m.OpenListeners().w
}

// OpenWelcome opens the welcome window, or raises it.
func (m *Manager) OpenWelcome() *Welcome {
	if m.welcome != nil {
		m.welcome.w.RequestFocus()
		return m.welcome
	}
	wl := newWelcome(m)
	m.welcome = wl
	m.track(wl.w, func() { m.welcome = nil })
	wl.w.Show()
	return wl
}

// OpenListeners opens the listeners window, or raises it.
func (m *Manager) OpenListeners() *Listeners {
	if m.listeners != nil {
		m.listeners.w.RequestFocus()
		return m.listeners
	}
	l := newListeners(m)
	m.listeners = l
	m.track(l.w, func() { m.listeners = nil })
	l.w.Show()
	return l
}

// OpenHistory opens the history window searching f, or raises it (searching
// f instead when f is not empty).
func (m *Manager) OpenHistory(f content.HistoryFilter) *HistoryWindow {
	if h := m.history; h != nil {
		if f != (content.HistoryFilter{}) {
			h.SetFilter(f)
		}
		h.w.RequestFocus()
		return h
	}
	h := newHistoryWindow(m, f)
	m.history = h
	m.track(h.w, func() { m.history = nil; h.stop() })
	h.w.Show()
	return h
}

// OpenSettings opens the settings window, or raises it.
func (m *Manager) OpenSettings() fyne.Window {
	if m.settings != nil {
		m.settings.RequestFocus()
		return m.settings
	}
	w := m.deps.Settings(m.app)
	m.settings = w
	m.track(w, func() { m.settings = nil })
	w.Show()
	return w
}

// OpenCount reports how many windows are open.
func (m *Manager) OpenCount() int { return m.open }

// track counts a window and forgets it when it closes. Closing a window never
// quits the app while another window is open.
func (m *Manager) track(w fyne.Window, forget func()) {
	m.open++
	w.SetOnClosed(func() {
		forget()
		m.open--
		if m.open == 0 && m.OnLastClosed != nil {
			m.OnLastClosed()
		}
	})
}

// Apply shows one scan's result in every window. at is the scan's time.
func (m *Manager) Apply(snap monitor.Snapshot, err error, at time.Time) {
	m.scanned, m.scanErr, m.at = true, err, at
	if err == nil {
		m.now = m.now[:0]
		for _, l := range snap.Listeners {
			m.now = append(m.now, m.deps.Assess(l))
		}
	}
	for _, e := range m.explainers {
		e.refresh()
	}
	if m.listeners != nil {
		m.listeners.apply()
	}
}

// on returns the current listeners on port/proto.
func (m *Manager) on(port uint16, proto string) []policy.Assessment {
	var out []policy.Assessment
	for _, a := range m.now {
		if a.Port == port && string(a.Proto) == proto {
			out = append(out, a)
		}
	}
	return out
}

// Run scans every Interval until ctx is done, applying each result on Fyne's
// goroutine. It scans once at once, so the first window fills quickly.
func (m *Manager) Run(ctx context.Context) {
	if m.deps.Scanner == nil {
		return
	}
	t := time.NewTicker(m.deps.Interval)
	defer t.Stop()
	for {
		snap, err := m.deps.Scanner.Scan(ctx)
		if ctx.Err() != nil {
			return
		}
		at := m.deps.Now()
		m.deps.Do(func() { m.Apply(snap, err, at) })
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
