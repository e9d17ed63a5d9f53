// Package settingsui is Portlight's settings window: the allow-list as a
// table with add, edit and remove; the alert triggers; the networks this
// computer is on, each public, trusted or not decided; the scan interval;
// pause; sound; start at login. Every change is written to the settings
// store at once, and changes made elsewhere (the tray, the CLI, a hand edit)
// show up in the open window within a second.
//
// The window is built from Fyne widgets on a given fyne.App, so tests drive
// it with fyne.io/fyne/v2/test; the formatting and parsing behind it are
// plain functions in rows.go.
package settingsui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"portlight/autostart"
	"portlight/monitor"
	"portlight/monitor/reach"
	"portlight/settings"
)

// Title is the window's title.
const Title = "Settings — Portlight"

// Options are the optional parts of the window.
type Options struct {
	// Listeners returns the current listeners, for "Add from a listener…";
	// nil hides that button.
	Listeners func() []monitor.Listener
	// WatchEvery is how often the window looks for changes made by other
	// processes; default 1 s.
	WatchEvery time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// StartAtLogin applies the "start at login" choice at once, so it holds
	// even when no resident process runs to apply it; default
	// autostart.Sync with this executable.
	StartAtLogin func(on bool) error
	// Networks returns the networks this computer is on right now, for the
	// Networks tab; default this machine's, read again from the kernel and
	// NetworkManager (reach.System).
	Networks func(ctx context.Context) ([]reach.Network, error)
	// Do runs fn on Fyne's goroutine; default fyne.Do. (Fyne's test driver
	// runs fn at once on the caller's goroutine, so tests pass their own to
	// keep every widget change on one goroutine, as the real driver does.)
	Do func(fn func())
}

// syncAutostart is the default Options.StartAtLogin.
func syncAutostart(on bool) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	return autostart.Sync(on, exe)
}

// New builds the settings window for store on a (not shown yet).
func New(a fyne.App, store *settings.Store) fyne.Window {
	return NewWithOptions(a, store, Options{})
}

// NewWithOptions builds the settings window with options.
func NewWithOptions(a fyne.App, store *settings.Store, opts Options) fyne.Window {
	return newView(a, store, opts).w
}

// view is one settings window and its widgets. Its fields are touched only
// on Fyne's goroutine.
type view struct {
	w     fyne.Window
	store *settings.Store
	opts  Options
	cur   settings.Settings
	// shownProblem is the store problem refresh last showed.
	shownProblem string
	stop         context.CancelFunc
	closed       bool

	tabs       *container.AppTabs
	problem    *widget.Label
	problemBox *fyne.Container
	outside    *widget.Label
	outsideBox *fyne.Container
	status     *widget.Label

	table    *widget.Table
	selected int

	unassigned, malware, dynamic, ownerChange, notAllowed *widget.Check
	ignoreLoopback, ignoreUDP                             *widget.Check
	sound, login                                          *widget.Check
	poll                                                  *widget.Select
	pauseLabel                                            *widget.Label
	snoozed                                               *widget.Label
	endSnoozes                                            *widget.Button

	// The Networks tab (netview.go).
	nets          []reach.Network
	netErr        error
	shownNets     []netRow
	netRows       *fyne.Container
	netProblem    *widget.Label
	unknownPublic *widget.Check
}

func newView(a fyne.App, store *settings.Store, opts Options) *view {
	if opts.WatchEvery <= 0 {
		opts.WatchEvery = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StartAtLogin == nil {
		opts.StartAtLogin = syncAutostart
	}
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	if opts.Networks == nil {
		opts.Networks = systemNetworks
	}
	v := &view{w: a.NewWindow(Title), store: store, opts: opts, cur: store.Settings(), selected: -1}
	v.build()
	v.refresh()
	v.watch()
	v.w.SetCloseIntercept(v.close)
	v.w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			v.close()
		}
	})
	v.w.Resize(fyne.NewSize(860, 520))
	return v
}

// watch follows changes made by other processes until the window closes.
func (v *view) watch() {
	ctx, cancel := context.WithCancel(context.Background())
	v.stop = cancel
	ch, unsubscribe := v.store.Subscribe()
	go v.store.Watch(ctx, v.opts.WatchEvery)
	go func() {
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-ch:
				v.opts.Do(func() {
					if v.closed || (reflect.DeepEqual(s, v.cur) && v.store.Problem() == v.shownProblem) {
						return // our own write, already shown
					}
					v.cur = s
					v.refresh()
				})
			}
		}
	}()
}

// close stops watching and closes the window (never the app).
func (v *view) close() {
	if v.closed {
		return
	}
	v.closed = true
	v.stop()
	v.w.Close()
}

func (v *view) build() {
	v.problem = widget.NewLabel("")
	v.problem.Wrapping = fyne.TextWrapWord
	v.problem.Importance = widget.WarningImportance
	v.problemBox = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, v.problem)
	v.status = widget.NewLabel("")
	v.status.Truncation = fyne.TextTruncateEllipsis

	v.tabs = container.NewAppTabs(
		container.NewTabItem("Allowed apps", v.buildAllowList()),
		container.NewTabItem("Alerts", v.buildAlerts()),
		container.NewTabItem("General", v.buildGeneral()),
		container.NewTabItem("Networks", v.buildNetworks()),
	)
	path := widget.NewLabel("Settings file: " + v.store.Path())
	path.Truncation = fyne.TextTruncateEllipsis
	path.Importance = widget.LowImportance
	closeBtn := widget.NewButton("Close", v.close)
	bottom := container.NewVBox(
		container.NewBorder(nil, nil, nil, closeBtn, v.status),
		path,
	)
	top := container.NewVBox(v.problemBox, v.buildOutside())
	v.w.SetContent(container.NewBorder(top, bottom, nil, nil, v.tabs))
}

// check makes a checkbox for a boolean setting, through a pointer to it in
// a Settings. It writes when the user changes it; refresh setting it to
// the value already in v.cur changes nothing, so nothing is written back.
func (v *view) check(label string, field func(*settings.Settings) *bool) *widget.Check {
	return widget.NewCheck(label, func(on bool) {
		if *field(&v.cur) == on {
			return
		}
		v.update(func(s *settings.Settings) error { *field(s) = on; return nil })
	})
}

// explained lays a setting out with a line of explanation under it.
func explained(o fyne.CanvasObject, text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	return container.NewVBox(o, container.NewPadded(l))
}

func (v *view) buildAlerts() fyne.CanvasObject {
	v.unassigned = v.check("Alert on a new listener on an unassigned or reserved port",
		func(s *settings.Settings) *bool { return &s.Triggers.UnassignedOrReserved })
	v.malware = v.check("Alert on a port with historically reported malware use",
		func(s *settings.Settings) *bool { return &s.Triggers.MalwarePort })
	v.dynamic = v.check("Alert on a dynamic port (49152–65535) reachable from the network",
		func(s *settings.Settings) *bool { return &s.Triggers.DynamicFromNetwork })
	v.ownerChange = v.check("Alert when a program takes over a port another program usually holds",
		func(s *settings.Settings) *bool { return &s.Triggers.OwnerChange })
	v.notAllowed = v.check("Alert on every new listener from an app not on the allow-list (strict)",
		func(s *settings.Settings) *bool { return &s.Triggers.NotOnAllowList })
	v.ignoreLoopback = v.check("Ignore listeners only this computer can reach",
		func(s *settings.Settings) *bool { return &s.IgnoreLoopback })
	v.ignoreUDP = v.check("Ignore UDP client sockets in the ephemeral range",
		func(s *settings.Settings) *bool { return &s.IgnoreEphemeralUDP })
	return container.NewVScroll(container.NewVBox(
		explained(v.unassigned, "IANA has assigned nothing to the port: no well-behaved service is expected there."),
		explained(v.malware, "MITRE ATT&CK reports malware using the port; ordinary service ports such as 443 and 8080 do not count."),
		explained(v.dynamic, "Dynamic ports are for short-lived client connections; a service there that the network can reach is unusual."),
		explained(v.ownerChange, "From the history: a program that held a port for an hour in total, or in three sessions, is its usual owner."),
		explained(v.notAllowed, "Every program that starts listening alerts until you allow it."),
		widget.NewSeparator(),
		explained(v.ignoreLoopback, "Otherwise they alert at lower severity."),
		explained(v.ignoreUDP, "Unconnected UDP sockets on the kernel's ephemeral ports are clients waiting for replies (DNS, QUIC, games), not services."),
	))
}

func (v *view) buildGeneral() fyne.CanvasObject {
	labels := make([]string, len(pollChoices))
	for i, d := range pollChoices {
		labels[i] = pollLabel(d)
	}
	v.poll = widget.NewSelect(labels, func(choice string) {
		for _, d := range pollChoices {
			if pollLabel(d) == choice && d != v.cur.PollInterval {
				v.update(func(s *settings.Settings) error { s.PollInterval = d; return nil })
			}
		}
	})
	v.sound = v.check("Play a sound with alerts", func(s *settings.Settings) *bool { return &s.SoundOnAlert })
	v.login = v.check("Start Portlight when I log in", func(s *settings.Settings) *bool { return &s.StartAtLogin })
	saveLogin := v.login.OnChanged
	v.login.OnChanged = func(on bool) {
		if on == v.cur.StartAtLogin {
			return
		}
		if err := v.opts.StartAtLogin(on); err != nil {
			v.errorText("Could not change start at login: %v", err)
			v.login.SetChecked(v.cur.StartAtLogin)
			return
		}
		saveLogin(on)
	}
	v.snoozed = widget.NewLabel("")
	v.snoozed.Wrapping = fyne.TextWrapWord
	v.endSnoozes = widget.NewButton("End all snoozes", func() {
		v.update(func(s *settings.Settings) error { s.Snooze = nil; return nil })
	})
	v.pauseLabel = widget.NewLabel("")
	pause := container.NewHBox(
		widget.NewButton("Pause for 1 hour", func() {
			v.update(func(s *settings.Settings) error { s.PauseFor(time.Hour, v.opts.Now()); return nil })
		}),
		widget.NewButton("Pause until resumed", func() {
			v.update(func(s *settings.Settings) error { s.PauseFor(0, v.opts.Now()); return nil })
		}),
		widget.NewButton("Resume", func() {
			v.update(func(s *settings.Settings) error { s.Resume(); return nil })
		}),
	)
	return container.NewVScroll(container.NewVBox(
		widget.NewForm(widget.NewFormItem("Scan for listeners", v.poll)),
		v.sound,
		v.login,
		widget.NewSeparator(),
		v.pauseLabel,
		pause,
		widget.NewSeparator(),
		v.snoozed,
		container.NewHBox(v.endSnoozes),
	))
}

// update writes a change through the store and shows the outcome.
func (v *view) update(change func(*settings.Settings) error) {
	err := v.store.Update(change)
	v.cur = v.store.Settings()
	if err != nil {
		v.status.SetText("Not saved: " + err.Error())
		v.status.Importance = widget.DangerImportance
	} else {
		v.status.SetText("Saved at " + v.opts.Now().Format("15:04:05") + ".")
		v.status.Importance = widget.MediumImportance
	}
	v.refresh()
}

// refresh shows v.cur and the store's problem.
func (v *view) refresh() {
	s := v.cur
	v.shownProblem = v.store.Problem()
	if p := v.shownProblem; p != "" {
		v.problem.SetText(p)
		v.problemBox.Show()
	} else {
		v.problemBox.Hide()
	}
	v.refreshOutside()
	v.unassigned.SetChecked(s.Triggers.UnassignedOrReserved)
	v.malware.SetChecked(s.Triggers.MalwarePort)
	v.dynamic.SetChecked(s.Triggers.DynamicFromNetwork)
	v.ownerChange.SetChecked(s.Triggers.OwnerChange)
	v.notAllowed.SetChecked(s.Triggers.NotOnAllowList)
	v.ignoreLoopback.SetChecked(s.IgnoreLoopback)
	v.ignoreUDP.SetChecked(s.IgnoreEphemeralUDP)
	v.sound.SetChecked(s.SoundOnAlert)
	v.login.SetChecked(s.StartAtLogin)
	label := pollLabel(s.PollInterval)
	found := false
	for _, o := range v.poll.Options {
		found = found || o == label
	}
	if !found {
		// A hand-set interval: show it as a choice too.
		v.poll.Options = append(v.poll.Options, label)
	}
	v.poll.SetSelected(label)
	v.pauseLabel.SetText(pauseStatus(s.Pause, v.opts.Now()))
	v.snoozed.SetText(snoozeStatus(s.Snooze, v.opts.Now()))
	if len(s.Snooze) == 0 {
		v.endSnoozes.Disable()
	} else {
		v.endSnoozes.Enable()
	}
	v.refreshNetworks()
	if v.selected >= len(s.Allow) {
		v.selected = -1
		v.table.UnselectAll()
	}
	v.table.Refresh()
	v.status.Refresh()
}

// errorText shows an error under the tabs.
func (v *view) errorText(format string, args ...any) {
	v.status.SetText(fmt.Sprintf(format, args...))
	v.status.Importance = widget.DangerImportance
	v.status.Refresh()
}
