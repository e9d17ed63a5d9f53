// Package ui is the on-demand window process (`portlight ui ...`): the
// explainer, listeners and settings windows, built with Fyne.
//
// At most one window process runs at a time: a later `portlight ui ...`
// hands its request to the running one over a unix socket (package handoff)
// and exits. The process scans the listeners itself, and exits when its last
// window closes. This is the only package that imports Fyne's GL driver; the
// windows themselves live in package windows, which tests drive without X.
package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"portlight/app/handoff"
	"portlight/app/ui/windows"
	"portlight/assets"
	"portlight/internal/corestart"
	"portlight/internal/rundir"
	"portlight/monitor"
)

// AppID is the Fyne application id, as in FyneApp.toml (preferences, the
// desktop entry).
const AppID = "dev.portlight.Portlight"

// handoffWait bounds how long a new process tries to reach, or replace, a
// window process that is starting or quitting.
const handoffWait = 5 * time.Second

// errQuitting refuses requests that arrive after the last window closed.
var errQuitting = errors.New("window process is quitting")

// Run runs the window process with its arguments (after "ui"): it hands the
// request to a running window process, or becomes one.
func Run(args []string) error {
	req, err := ParseArgs(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := claim(ctx, req)
	if err != nil || srv == nil {
		return err
	}
	return serve(ctx, srv, req)
}

// claim hands req to the running window process (returning nil, nil) or
// takes the role itself (returning its server).
func claim(ctx context.Context, req handoff.Request) (*handoff.Server, error) {
	ctx, cancel := context.WithTimeout(ctx, handoffWait)
	defer cancel()
	var lastErr error
	for {
		handled, err := handoff.Send(ctx, req)
		if handled {
			return nil, nil
		}
		if err == nil { // nobody serves: become the window process
			srv, lerr := handoff.Listen()
			if lerr == nil {
				return srv, nil
			}
			if !errors.Is(lerr, handoff.ErrBusy) {
				return nil, fmt.Errorf("ui: %w", lerr)
			}
		} else if imp := (*handoff.ImpostorError)(nil); errors.As(err, &imp) {
			// Not Portlight: serve from a private folder instead.
			if _, ferr := rundir.Fallback(); ferr != nil {
				return nil, fmt.Errorf("ui: %w; %w", err, ferr)
			}
			slog.Warn("hand-over refused; serving from a private folder", "err", err, "using", rundir.Dir())
			continue
		} else {
			lastErr = err // the running one is quitting: wait for it to go
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("ui: no window process took the request: %w", errors.Join(lastErr, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// serve is the window process: it opens req's window, takes later requests
// from srv, and returns when the last window closes or on a signal.
func serve(ctx context.Context, srv *handoff.Server, req handoff.Request) error {
	defer srv.Close()
	log := slog.Default().With("subsystem", "ui")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	a := app.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("portlight.png", assets.AppIcon))

	scanner := monitor.NewScanner()
	defer scanner.Close()
	deps := windows.Deps{Scanner: scanner} // the OS actions default to osact's
	// The history is read (past owners, searches, owner changes judged as
	// the tray does); what cannot be had is said once (corestart's
	// degraded mode).
	core := corestart.Open(ctx, corestart.Options{History: corestart.ReadHistory, Log: log})
	for _, w := range core.Warnings {
		log.Warn(w.Error())
	}
	defer core.Close()
	if core.History != nil {
		deps.History = storeHistory{core.History}
		deps.Events = core.History // the history window's searches
	}
	wireHome(&deps, core.Settings, log)
	if core.Settings == nil {
		// The windows judge with the defaults; the allow buttons and the
		// settings window say the settings could not be opened, and why.
		deps.SettingsErr = core.SettingsErr
	} else {
		wireSettings(ctx, &deps, core.Settings, scanner)
	}
	m := windows.NewManager(a, deps)

	// quitting is only touched on Fyne's goroutine: a request is either
	// opened before the last window closes, or refused after it, never lost.
	// quit is re-entered (a.Quit closes the windows, the last close calls
	// OnLastClosed), so it is guarded by the flag, not a sync.Once, which
	// would deadlock.
	quitting := false
	appDone := make(chan struct{})
	quit := func() {
		if quitting {
			return
		}
		quitting = true
		srv.Close() // new requests now start a new window process
		a.Quit()
	}
	m.OnLastClosed = quit

	go func() {
		err := srv.Serve(ctx, func(r handoff.Request) error {
			done := make(chan bool, 1)
			fyne.Do(func() {
				if quitting {
					done <- false
					return
				}
				m.Open(r)
				done <- true
			})
			select {
			case ok := <-done:
				if ok {
					return nil
				}
			case <-appDone:
			}
			return errQuitting
		})
		if err != nil {
			log.Error("handoff server stopped", "err", err)
		}
	}()
	go m.Run(ctx)
	go func() {
		select {
		case <-ctx.Done(): // SIGINT or SIGTERM
			fyne.Do(quit)
		case <-appDone:
		}
	}()

	m.Open(req)
	a.Run()
	close(appDone)
	return nil
}
