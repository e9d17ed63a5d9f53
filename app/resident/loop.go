package resident

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"portlight/app/handoff"
	"portlight/app/notify"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// loop scans every interval, turns events into alerts and notifications,
// and serves tray and notification actions, until ctx ends or Quit.
func (r *resident) loop(ctx context.Context) error {
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	r.tick(ctx, time.Now())
	r.render(time.Now())
	// Start-up (loading the port registry, the first full /proc walk)
	// leaves freed heap behind that the idle process never needs again:
	// hand it back, so RSS reflects the steady state.
	debug.FreeOSMemory()
	for {
		r.render(time.Now())
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			r.tick(ctx, now)
		case a := <-r.actions:
			if a.kind == actQuit {
				r.log.Info("quitting")
				return nil
			}
			r.handle(ctx, a, time.Now())
		}
	}
}

// tick runs one scan and everything that follows from it.
func (r *resident) tick(ctx context.Context, now time.Time) {
	snap, err := r.opts.Scanner.Scan(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		if r.scanErr == nil {
			r.log.Error("scan failed", "err", err)
		}
		r.scanErr = err
		r.dirty = true
		return
	}
	if r.scanErr != nil {
		r.log.Info("scan works again")
		r.scanErr = nil
		r.dirty = true
	}
	prev := r.prev
	if !r.scanned {
		prev = monitor.Snapshot{}
	}
	events := r.opts.Diff(prev, snap)
	r.prev, r.scanned = snap, true
	if now.Sub(r.verdictsAt) >= reassessEvery {
		// Verdicts depend on settings (allow-lists) that the window
		// process may change: judge everything afresh now and then.
		r.verdicts, r.current, r.verdictsAt = nil, nil, now
	}
	if len(events) > 0 || r.current == nil {
		r.current = r.assessAll(snap.Listeners)
		r.dirty = true
	}
	for _, ev := range events {
		a := r.assess(ev.Listener)
		if al := r.alerts.Observe(ev, a); al != nil {
			r.log.Info("alert", "port", a.Port, "proto", a.Proto, "pid", a.PID, "reasons", a.Verdict.Reasons)
			r.notify(ctx, *al, now)
		}
		if ev.Kind == monitor.Closed {
			r.dirty = true
		}
	}
	if !r.pausedUntil.IsZero() && !now.Before(r.pausedUntil) {
		r.pausedUntil = time.Time{}
		r.dirty = true
	}
	r.summarize(ctx, now)
	if now.Sub(r.lastRetry) >= retryEvery {
		if pending := r.alerts.Pending(); len(pending) > 0 {
			r.lastRetry = now
			for _, al := range pending {
				r.notify(ctx, al, now)
			}
		}
	}
}

// assess judges a listener, reusing the last verdict for the same
// listener and owner: under churn only the new ones are looked up.
func (r *resident) assess(l monitor.Listener) policy.Assessment {
	if a, ok := r.verdicts[l.Key()]; ok && a.SameOwner(l) {
		return a
	}
	return r.opts.Assess(l)
}

// assessAll judges the snapshot's listeners and keeps the verdicts for
// the next scan.
func (r *resident) assessAll(ls []monitor.Listener) []policy.Assessment {
	out := make([]policy.Assessment, len(ls))
	next := make(map[string]policy.Assessment, len(ls))
	for i, l := range ls {
		out[i] = r.assess(l)
		next[l.Key()] = out[i]
	}
	r.verdicts = next
	return out
}

// paused reports whether notifications are paused now.
func (r *resident) paused(now time.Time) bool {
	return r.pausedAll || now.Before(r.pausedUntil)
}

// notify shows the alert's notification; when there is no way to show one,
// it stays unread in the tray and pending for a later retry.
func (r *resident) notify(ctx context.Context, al Alert, now time.Time) {
	r.dirty = true
	if r.paused(now) {
		r.alerts.MarkNotified(al.ID) // kept in Recent alerts, no bubble
		return
	}
	if !r.limiter(al.Assessment.Exposure).allow(now) {
		r.alerts.MarkNotified(al.ID) // kept in Recent alerts, summed up later
		r.held++
		return
	}
	err := r.send(ctx, notify.Compose(al.Assessment, al.ID))
	if err != nil {
		if !r.failing {
			r.log.Warn("notification not shown; the alert stays unread in the tray", "err", err,
				"unavailable", errors.Is(err, notify.ErrUnavailable))
		}
		r.failing = true
		r.lastRetry = now
		return
	}
	r.failing = false
	r.alerts.MarkNotified(al.ID)
}

// limiter returns the flood limiter for an exposure: listeners reachable
// from the network have a budget of their own, so a churn of local ones
// (a test suite, a build) cannot hold back the alert that matters most.
func (r *resident) limiter(e monitor.Exposure) *limiter {
	l, ok := r.limits[e]
	if !ok {
		l = newLimiter(notifyBurst, notifyEvery)
		r.limits[e] = l
	}
	return l
}

// send shows one notification, bounded in time.
func (r *resident) send(ctx context.Context, m notify.Message) error {
	nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return r.notifier.Notify(nctx, m)
}

// summarize shows one notification for the alerts the limiter held back,
// once it allows another; a click on it opens the listeners window.
func (r *resident) summarize(ctx context.Context, now time.Time) {
	if r.held == 0 || r.paused(now) || !r.summaryLimit.allow(now) {
		return
	}
	m := notify.Message{
		Key:   summaryKey,
		Title: fmt.Sprintf("%d more listeners need a look", r.held),
		Body:  "Portlight held back these notifications; they are in the tray's Recent alerts.",
	}
	if err := r.send(ctx, m); err != nil {
		r.log.Warn("summary notification not shown", "err", err)
		return
	}
	r.held = 0
}

// handle serves one action from the tray or a notification.
func (r *resident) handle(ctx context.Context, a action, now time.Time) {
	r.dirty = true
	switch a.kind {
	case actExplain:
		r.openWindow(ctx, handoff.Request{Kind: handoff.Explain, Port: a.port, Proto: a.proto})
	case actOpenAlert:
		if a.id == summaryKey {
			r.openWindow(ctx, handoff.Request{Kind: handoff.Listeners})
			return
		}
		r.alerts.MarkRead(a.id)
		r.openWindow(ctx, handoff.Request{Kind: handoff.Explain, Port: a.port, Proto: a.proto})
	case actMarkAllRead:
		r.alerts.MarkAllRead()
	case actPauseHour:
		r.pausedUntil = now.Add(time.Hour)
	case actPauseAll:
		r.pausedAll = true
	case actResume:
		r.pausedAll, r.pausedUntil = false, time.Time{}
	case actRetry:
		r.lastRetry = now
		for _, al := range r.alerts.Pending() {
			r.notify(ctx, al, now)
		}
	case actListeners:
		r.openWindow(ctx, handoff.Request{Kind: handoff.Listeners})
	case actSettings:
		r.openWindow(ctx, handoff.Request{Kind: handoff.Settings})
	}
}

// render recomputes the menu when the state changed and hands it to the tray.
func (r *resident) render(now time.Time) {
	if !r.dirty || r.view == nil {
		return
	}
	r.dirty = false
	r.model = BuildMenu(State{
		Now:         now,
		Listeners:   r.current,
		Alerts:      r.alerts.Recent(),
		Unread:      r.alerts.Unread(),
		Alerting:    r.alerts.Alerting,
		PausedUntil: r.pausedUntil,
		PausedAll:   r.pausedAll,
		ScanErr:     r.scanErr,
	})
	r.view.Apply(r.model)
}
