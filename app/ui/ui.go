// Package ui is the on-demand window process (the portlight-ui program,
// which `portlight ui ...` runs): the explainer, listeners, history and
// settings windows, built with Fyne.
//
// At most one window process runs at a time: a later one hands its request
// to the running one over a unix socket (package handoff) and exits. The process scans the listeners itself, and exits when its last
// window closes. This is the only package that imports Fyne's GL driver; the
// windows themselves live in package views, which tests drive without X.
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
	"portlight/app/launch"
	"portlight/app/ui/views"
	"portlight/assets"
	"portlight/internal/rundir"
)

// AppID is the Fyne application id, as in FyneApp.toml (preferences, the
// desktop entry).
const AppID = "dev.portlight.Portlight"

// handoffWait bounds how long a new process tries to reach, or replace, a
// window process that is starting or quitting.
const handoffWait = 5 * time.Second

// errQuitting refuses requests that arrive after the last window closed.
var errQuitting = errors.New("window process is quitting")

// Run runs the window process with its arguments (those after `portlight
// ui`, e.g. "explain", "22/tcp"): it hands the
// request to a running window process, or becomes one.
func Run(args []string) error {
	req, err := launch.Parse(args)
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
	deps, closeDeps := openDeps(ctx, log)
	defer closeDeps()
	p := &process{app: a, srv: srv, m: views.NewManager(a, deps), appDone: make(chan struct{})}
	p.m.OnLastClosed = p.quit

	go p.takeRequests(ctx, log)
	go p.m.Run(ctx)
	go p.quitOnSignal(ctx)
	p.m.Open(req)
	a.Run()
	close(p.appDone)
	return nil
}

// process is a running window process: its app, its windows and the
// server that hands it later requests.
type process struct {
	app fyne.App
	srv *handoff.Server
	m   *views.Manager
	// quitting is only touched on Fyne's goroutine: a request is either
	// opened before the last window closes, or refused after it, never
	// lost.
	quitting bool
	appDone  chan struct{} // closed when the app has stopped
}

// quit stops taking requests and quits the app. It is re-entered (Quit
// closes the windows, the last close calls OnLastClosed), so it is guarded
// by the flag, not a sync.Once, which would deadlock. Fyne's goroutine only.
func (p *process) quit() {
	if p.quitting {
		return
	}
	p.quitting = true
	p.srv.Close() // new requests now start a new window process
	p.app.Quit()
}

// takeRequests opens each handed-over request's window on Fyne's
// goroutine, and refuses those that come once the process is quitting.
func (p *process) takeRequests(ctx context.Context, log *slog.Logger) {
	err := p.srv.Serve(ctx, func(r handoff.Request) error {
		done := make(chan bool, 1)
		fyne.Do(func() {
			if p.quitting {
				done <- false
				return
			}
			p.m.Open(r)
			done <- true
		})
		select {
		case ok := <-done:
			if ok {
				return nil
			}
		case <-p.appDone:
		}
		return errQuitting
	})
	if err != nil {
		log.Error("handoff server stopped", "err", err)
	}
}

// quitOnSignal quits when ctx ends (SIGINT or SIGTERM) before the app does.
func (p *process) quitOnSignal(ctx context.Context) {
	select {
	case <-ctx.Done():
		fyne.Do(p.quit)
	case <-p.appDone:
	}
}
