// Package resident is the always-running Portlight process: the monitor
// loop, the tray icon and the notifier, without Fyne's GL driver.
//
// A Fyne app idles at ~1 % of a core and ~125 MB because its GLFW loop ticks
// at 60 Hz even with every window hidden (see /work/shared/HEADLESS.md), so
// this process uses fyne.io/systray and D-Bus directly and starts the Fyne
// windows as a second process (`portlight ui ...`) on demand.
package resident

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"fyne.io/systray"

	"portlight/app/handoff"
	"portlight/app/notify"
	"portlight/assets"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// Scanner takes one snapshot of the machine's listeners.
type Scanner interface {
	Scan(ctx context.Context) (monitor.Snapshot, error)
}

// Options configures the resident process. Zero values pick the defaults.
type Options struct {
	// Scanner enumerates listeners; nil uses monitor.NewScanner().
	Scanner Scanner
	// Diff turns two snapshots into events; nil uses monitor.Diff.
	Diff func(prev, cur monitor.Snapshot) []monitor.Event
	// Assess judges a listener; nil uses policy.Assess.
	Assess func(monitor.Listener) policy.Assessment
	// Interval between scans; 0 means one second.
	Interval time.Duration
	// Notifier shows notifications; nil uses notify.New.
	Notifier notify.Notifier
	// NoTray runs without a tray icon (tests, or no tray wanted).
	NoTray bool
	// Executable is the binary started for windows; "" means os.Executable.
	Executable string
	// Log receives the resident's log; nil uses slog.Default.
	Log *slog.Logger
}

// Notification flood control: a burst of notifyBurst, then one per
// notifyEvery; the rest are summed up in one notification.
const (
	notifyBurst = 5
	notifyEvery = 10 * time.Second
	summaryKey  = "portlight:summary"
)

// maxAlerts bounds the alert log.
const maxAlerts = 100

// reassessEvery is how often every listener is judged afresh (settings may
// have changed); in between, only new listeners are.
const reassessEvery = time.Minute

// retryEvery is how often notifications that could not be shown (no bus,
// no daemon) are tried again.
const retryEvery = 30 * time.Second

// resident is the running process's state. Only the loop goroutine touches
// it; the tray and the notifier send actions.
type resident struct {
	opts    Options
	log     *slog.Logger
	alerts  *AlertLog
	actions chan action

	prev         monitor.Snapshot
	scanned      bool
	current      []policy.Assessment
	verdicts     map[string]policy.Assessment // by listener key, from the last scan
	verdictsAt   time.Time
	scanErr      error
	failing      bool // the last notification attempt failed
	limits       map[monitor.Exposure]*limiter
	summaryLimit *limiter
	held         int // notifications held back by limit, not yet summed up
	lastRetry    time.Time

	pausedUntil time.Time
	pausedAll   bool

	notifier notify.Notifier
	view     interface{ Apply(MenuModel) }
	model    MenuModel
	dirty    bool
}

// Run runs the resident process until ctx is done or the user quits. A
// second Portlight started while one runs opens the listeners window of the
// running one's session and returns nil.
func Run(ctx context.Context, opts Options) error {
	release, err := lockResident()
	if errors.Is(err, errRunning) {
		return handOver(ctx)
	}
	if err != nil {
		return fmt.Errorf("resident: %w", err)
	}
	defer release()

	r := &resident{opts: opts, log: opts.Log, alerts: NewAlertLog(maxAlerts), actions: make(chan action, 16),
		limits: map[monitor.Exposure]*limiter{}, summaryLimit: newLimiter(1, 3*notifyEvery)}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.log = r.log.With("subsystem", "resident")
	if r.opts.Interval <= 0 {
		r.opts.Interval = time.Second
	}
	if r.opts.Assess == nil {
		r.opts.Assess = policy.Assess
	}
	if r.opts.Diff == nil {
		r.opts.Diff = monitor.Diff
	}
	if r.opts.Scanner == nil {
		r.opts.Scanner = monitor.NewScanner()
	}
	if c, ok := r.opts.Scanner.(interface{ Close() error }); ok {
		defer c.Close()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	r.notifier = opts.Notifier
	if r.notifier == nil {
		r.notifier = notify.New(iconFile(r.log), r.onClick(ctx), r.log.With("subsystem", "notify"))
	}
	defer r.notifier.Close()

	if !opts.NoTray {
		if sessionBusAvailable() {
			end := r.startTray(ctx)
			defer end()
		} else {
			r.log.Warn("no session bus (DBUS_SESSION_BUS_ADDRESS unset or unreachable): running without tray; alerts stay unread")
		}
	}
	return r.loop(ctx)
}

// handOver is what a second instance does: show the running one's
// listeners window, and exit.
func handOver(ctx context.Context) error {
	slog.Info("Portlight is already running; opening its listeners window")
	r := &resident{log: slog.Default()}
	return r.startWindowOrHandoff(ctx, handoff.Request{Kind: handoff.Listeners})
}

// startWindowOrHandoff is openWindow, waited for.
func (r *resident) startWindowOrHandoff(ctx context.Context, req handoff.Request) error {
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if handled, _ := handoff.Send(sctx, req); handled {
		return nil
	}
	return r.startWindow(req)
}

// startTray starts fyne.io/systray on its own D-Bus connection and the
// re-registration watch. It returns the function that removes the tray.
func (r *resident) startTray(ctx context.Context) (end func()) {
	ready := make(chan *tray, 1)
	start, stop := systray.RunWithExternalLoop(func() {
		ready <- newTray(ctx, r.actions)
	}, nil)
	start()
	r.view = <-ready
	r.dirty = true
	go func() {
		err := keepRegistered(ctx, r.log.With("subsystem", "tray"), func() { r.post(ctx, action{kind: actRetry}) })
		switch {
		case errors.Is(err, errSessionGone):
			r.log.Info("the session bus closed: the desktop session ended")
			r.post(ctx, action{kind: actQuit})
		case err != nil:
			r.log.Warn("tray re-registration disabled", "err", err)
		}
	}()
	return stop
}

// post queues an action for the loop.
func (r *resident) post(ctx context.Context, a action) {
	select {
	case r.actions <- a:
	case <-ctx.Done():
	}
}

// onClick turns a click on a notification into an action for the loop.
func (r *resident) onClick(ctx context.Context) func(notify.Click) {
	return func(c notify.Click) {
		a := action{kind: actOpenAlert, id: c.Message.Key, port: c.Message.Port, proto: c.Message.Proto}
		select {
		case r.actions <- a:
		case <-ctx.Done():
		}
	}
}

// iconFile writes the app icon where the notification daemon can read it
// and returns its path ("" when it cannot).
func iconFile(log *slog.Logger) string {
	dir := handoff.Dir()
	path := filepath.Join(dir, "portlight.png")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		log.Warn("notification icon", "err", err)
		return ""
	}
	if err := os.WriteFile(path, assets.AppIcon, 0o600); err != nil {
		log.Warn("notification icon", "err", err)
		return ""
	}
	return path
}
