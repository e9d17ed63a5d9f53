// Package resident is the always-running Portlight process: the monitor
// loop, the tray icon and the notifier, without Fyne's GL driver.
//
// A Fyne app idles at ~1 % of a core and ~125 MB because its GLFW loop ticks
// at 60 Hz even with every window hidden (measurements in docs/headless.md),
// so this process uses fyne.io/systray and D-Bus directly and starts the
// Fyne windows as a second program (portlight-ui) on demand.
package resident

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"fyne.io/systray"

	"portlight/app/handoff"
	"portlight/app/notify"
	"portlight/assets"
	"portlight/history"
	"portlight/internal/atomicfile"
	"portlight/internal/corestart"
	"portlight/internal/rundir"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
	"portlight/settings"
)

// Scanner takes one snapshot of the machine's listeners.
type Scanner interface {
	Scan(ctx context.Context) (monitor.Snapshot, error)
}

// Options configures the resident process. Zero values pick the defaults.
type Options struct {
	// Scanner enumerates listeners; nil uses monitor.NewScanner().
	Scanner Scanner
	// Assess judges a listener; nil uses the settings' policy.
	Assess func(monitor.Listener) policy.Assessment
	// Settings is the settings store; nil opens settings.OpenDefault()
	// (PORTLIGHT_HOME or the user's config folder).
	Settings *settings.Store
	// Interval between scans; 0 means the settings' poll interval.
	Interval time.Duration
	// Notifier shows notifications; nil uses notify.New.
	Notifier notify.Notifier
	// NoTray runs without a tray icon (tests, or no tray wanted).
	NoTray bool
	// NoHistory records no history.
	NoHistory bool
	// Executable is this program, as the login entry names it; "" means
	// os.Executable.
	Executable string
	// UIExecutable is the window program started for windows; "" means
	// portlight-ui as launch.Find finds it.
	UIExecutable string
	// OpenWindow, when set, replaces handing a window request to the
	// window process (tests record the requests instead).
	OpenWindow func(handoff.Request)
	// Log receives the resident's log; nil uses slog.Default.
	Log *slog.Logger
	// Networks says when the machine's networks changed, so that every
	// listener is judged again; nil watches this machine's (reach.System).
	// newResident alone leaves it nil: no re-judging.
	Networks Networks
}

// summaryKey is the key of a notification about several alerts or none
// in particular (the baseline, the held alerts): a click on it opens
// Portlight's home window.
const summaryKey = "portlight:summary"

// residentLock is the resident's single-instance lock file in the runtime
// folder.
const residentLock = rundir.ResidentLockFile

// maxAlerts bounds the alert log.
const maxAlerts = 100

// reassessEvery is how often every listener is judged afresh (settings may
// have changed); in between, only new listeners are.
const reassessEvery = time.Minute

// resident is the running process's state. Only the loop goroutine touches
// it; the tray and the notifier send actions.
type resident struct {
	opts    Options
	log     *slog.Logger // with subsystem=resident
	base    *slog.Logger // for the other subsystems
	alerts  *AlertLog
	actions chan action

	store    *settings.Store // nil: defaults, nothing saved
	cfg      settings.Settings
	loaded   bool
	problem  string // what is wrong with the settings file, if anything
	gate     *policy.Gate
	pause    policy.Pause
	interval time.Duration
	savedAt  time.Time

	prev       monitor.Snapshot
	scanned    bool
	current    []policy.Assessment
	verdicts   map[string]policy.Assessment // by listener key, from the last scan
	verdictsAt time.Time
	scanErr    error

	delivery *delivery           // shows the notifications
	groups   map[string][]string // the alerts of each multi-alert notification
	groupSeq int
	netGen   uint64 // the networks' generation last judged by
	netSeen  bool

	core    *corestart.Core // settings and history as opened (see attachHistory)
	hist    *recorder       // nil: no history recorded
	chores  chores          // periodic work on the loop's tick
	watch   watchdog        // tamper evidence (see tamper.go)
	windows *windowProcs    // nil: windows outlive this process (a hand-over)
	view    interface{ Apply(MenuModel) }
	model   MenuModel
	dirty   bool

	host       hostWatch // whether the desktop has a tray host
	desktop    string    // XDG_CURRENT_DESKTOP, to name a tray fix
	statusOn   bool      // write the status file for the window process
	lastStatus []byte    // the status file's last content
}

// newResident returns the state for opts, with the gate resumed from its
// saved state when there is a store.
func newResident(opts Options, store *settings.Store, log *slog.Logger) *resident {
	r := &resident{
		opts: opts, log: log, store: store,
		alerts:  NewAlertLog(maxAlerts),
		actions: make(chan action, 16),
		groups:  map[string][]string{},
	}
	r.delivery = newDelivery(opts.Notifier, log, r.host.absent)
	var st policy.GateState
	if store != nil {
		var err error
		if st, err = settings.LoadState(store.Dir()); err != nil {
			log.Warn("noise gate state unreadable; starting afresh", "err", err)
		}
	}
	r.gate = policy.NewGate(st, policy.GateConfig{})
	r.chores.add("release memory", releaseEvery, releaseEvery, release)
	r.reloadSettings(time.Now())
	r.interval = r.wantInterval()
	return r
}

// Run runs the resident process until ctx is done or the user quits. A
// second Portlight started while one runs opens the listeners window of the
// running one's session and returns nil.
func Run(ctx context.Context, opts Options) error {
	freeMainThread()
	oneProcessor()
	release, err := lockResident()
	if errors.Is(err, errRunning) {
		return handOver(ctx)
	}
	if err != nil {
		return fmt.Errorf("resident: %w", err)
	}
	defer release()

	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	base := log
	log = log.With("subsystem", "resident")
	// What cannot be had is said once (corestart's degraded mode). The
	// history is not cancelled by SIGTERM: closing flushes it after the
	// loop ends.
	use := corestart.RecordHistory
	if opts.NoHistory {
		use = corestart.NoHistory
	}
	// The recorder's upkeep runs on the loop's tick (see chores).
	core := corestart.Open(context.WithoutCancel(ctx), corestart.Options{Settings: opts.Settings, History: use,
		Recorder: history.RecorderOptions{Driven: true}, Log: base.With("subsystem", "history")})
	for _, w := range core.Warnings {
		log.Warn(w.Error())
	}
	r := newResident(opts, core.Settings, log)
	r.base = base
	r.windows = &windowProcs{}
	r.desktop = os.Getenv("XDG_CURRENT_DESKTOP")
	r.statusOn = true
	defer os.Remove(handoff.StatusPath())
	if r.opts.Scanner == nil {
		r.opts.Scanner = monitor.NewScanner()
	}
	if c, ok := r.opts.Scanner.(interface{ Close() error }); ok {
		defer c.Close()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	profileOnSignal(ctx, r.log)
	if r.opts.Networks == nil {
		w := reach.System()
		r.opts.Networks = w
		go func() {
			if err := w.Run(ctx); err != nil {
				r.log.Warn("network changes unheard: listeners are judged again only every minute", "err", err)
			}
		}()
	}
	r.attachHistory(core)
	defer r.closeHistory()

	if r.delivery.notifier == nil {
		r.delivery.notifier = notify.New(iconFile(r.log), r.onClick(ctx), r.base.With("subsystem", "notify"))
	}
	defer r.delivery.notifier.Close()

	if !opts.NoTray {
		if sessionBusAvailable() {
			end := r.startTray(ctx)
			defer end()
		} else {
			r.log.Warn("no session bus (DBUS_SESSION_BUS_ADDRESS unset or unreachable): running without tray; alerts stay unread")
		}
	}
	// The windows this resident opened close with it, first, so that the
	// history is closed by its last user: this process.
	defer r.endWindows()
	return r.loop(ctx)
}

// endWindows ends the window processes this resident started.
func (r *resident) endWindows() {
	if n := r.windows.end(windowEndWait); n > 0 {
		r.log.Warn("window processes killed: they did not quit on SIGTERM", "count", n)
	}
}

// handOver is what a second instance does: show the running one's
// listeners window, and exit.
func handOver(ctx context.Context) error {
	holder := handoff.LockHolder(filepath.Join(rundir.Dir(), residentLock))
	if holder.Known {
		slog.Info("Portlight is already running; opening its window", "running", holder.String())
	} else {
		slog.Info("Portlight is already running; opening its window")
	}
	r := &resident{log: slog.Default()}
	return r.startWindowOrHandoff(ctx, handoff.Request{Kind: handoff.Home})
}

// startWindowOrHandoff is openWindow, waited for.
func (r *resident) startWindowOrHandoff(ctx context.Context, req handoff.Request) error {
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	handled, err := handoff.Send(sctx, req, r.uiTrusted()...)
	if handled {
		return nil
	}
	r.avoidImpostor(err)
	return r.startWindow(req)
}

// avoidImpostor moves this process, and the windows it starts from now on,
// to a private runtime folder when err says a process that is not
// Portlight answers in the usual one.
func (r *resident) avoidImpostor(err error) {
	var imp *handoff.ImpostorError
	if !errors.As(err, &imp) {
		return
	}
	priv, ferr := rundir.Fallback()
	if ferr != nil {
		r.log.Error("hand-over refused, and no private folder instead", "err", err, "fallback", ferr)
		return
	}
	r.log.Warn("hand-over refused: windows use a private folder from now on", "err", err, "using", priv)
}

// startTray starts fyne.io/systray on its own D-Bus connection and the
// re-registration watch. It returns the function that removes the tray.
func (r *resident) startTray(ctx context.Context) (end func()) {
	// fyne.io/systray writes its errors to the standard logger; without a
	// tray host each one is expected, and said once, in a notification.
	tlog := r.base.With("subsystem", "tray")
	prevOut := log.Writer()
	log.SetOutput(systrayLog{out: prevOut})
	// Known before the first scan, so that its notification is worded
	// for the desktop as it is.
	if present, err := hostPresent(); err == nil {
		r.onHost(present, time.Now())
	}
	ready := make(chan *tray, 1)
	start, stop := systray.RunWithExternalLoop(func() {
		ready <- newTray(ctx, r.actions)
	}, nil)
	start()
	r.view = <-ready
	r.dirty = true
	go func() {
		onHost := func(present bool) {
			kind := actHostDown
			if present {
				kind = actHostUp
			}
			r.post(ctx, action{kind: kind})
		}
		err := keepRegistered(ctx, tlog, func() { r.post(ctx, action{kind: actRetry}) }, onHost)
		switch {
		case errors.Is(err, errSessionGone):
			r.log.Info("the session bus closed: the desktop session ended")
			r.post(ctx, action{kind: actQuit})
		case err != nil:
			r.log.Warn("tray re-registration disabled", "err", err)
		}
	}()
	return func() {
		stop()
		log.SetOutput(prevOut)
	}
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
		kind := actOpenAlert
		switch c.Action {
		case notify.ActionAllow:
			kind = actAllow
		case notify.ActionDismissed:
			kind = actDismissed
		}
		a := action{kind: kind, id: c.Message.Key, port: c.Message.Port, proto: c.Message.Proto}
		select {
		case r.actions <- a:
		case <-ctx.Done():
		}
	}
}

// iconFile writes the app icon where the notification daemon can read it
// and returns its path ("" when it cannot).
func iconFile(log *slog.Logger) string {
	dir, err := rundir.Ensure()
	if err != nil {
		log.Warn("notification icon", "err", err)
		return ""
	}
	path := filepath.Join(dir, rundir.IconFile)
	if err := writeIcon(dir, path); err != nil {
		log.Warn("notification icon", "err", err)
		return ""
	}
	return path
}

// writeIcon writes the icon into our own 0700 folder with
// atomicfile.Write, which replaces a symlink planted at path rather than
// following it.
func writeIcon(dir, path string) error {
	if err := rundir.Prepare(dir); err != nil {
		return err
	}
	if err := atomicfile.Write(path, assets.AppIcon, 0o600); err != nil {
		return fmt.Errorf("icon: %w", err)
	}
	return nil
}
