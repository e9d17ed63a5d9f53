package resident

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"time"

	"portlight/app/handoff"
	"portlight/content/notice"
	"portlight/history"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// loop scans every interval, turns events into alerts and notifications,
// and serves tray and notification actions, until ctx ends or Quit.
func (r *resident) loop(ctx context.Context) error {
	t := newTicker(r.interval)
	defer t.Stop()
	r.tick(ctx, time.Now())
	r.render(time.Now())
	// Start-up (loading the port registry, the first full /proc walk)
	// leaves freed heap behind that the idle process never needs again:
	// hand it back, so RSS reflects the steady state.
	debug.FreeOSMemory()
	for {
		if d := r.wantInterval(); d != r.interval {
			r.interval = d
			t.Reset(d)
		}
		r.render(time.Now())
		select {
		case <-ctx.Done():
			r.saveState()
			r.stopCleanly(time.Now())
			return nil
		case now := <-t.C():
			r.tick(ctx, now)
		case a := <-r.actions:
			if a.kind == actQuit {
				r.log.Info("quitting")
				r.saveState()
				r.stopCleanly(time.Now())
				return nil
			}
			r.handle(ctx, a, time.Now())
		}
	}
}

// tick runs one scan and everything that follows from it: the events go
// to the history, new listeners are judged, the noise gate's notices to the
// tray and the notifier.
func (r *resident) tick(ctx context.Context, now time.Time) {
	r.reloadSettings(now)
	r.guard(ctx, now)
	r.chores.run(now)
	snap, ok := r.scan(ctx)
	if !ok {
		return
	}
	prev := r.prev
	if !r.scanned {
		prev = monitor.Snapshot{}
	}
	events := monitor.Diff(prev, snap)
	r.prev, r.scanned = snap, true
	r.hist.scan(now, events)
	r.rejudgeNetworks(ctx, now)
	fresh := r.judgeNew(now, snap, events)
	// The gate keeps its first notices of a scan and folds the rest into a
	// summary: put what is reachable from the network first.
	sort.SliceStable(fresh, func(i, j int) bool { return urgency(fresh[i]) > urgency(fresh[j]) })
	for _, n := range r.gate.ObserveNew(now, fresh) {
		r.deliver(ctx, n, now)
	}
	r.delivery.summarize(ctx, r.pause.Active(now), now)
	r.tellNoTray(ctx, now)
	if r.delivery.retryDue(now) {
		r.retry(ctx, now)
	}
	if r.gate.Dirty() && now.Sub(r.savedAt) >= saveEvery {
		r.saveState()
		r.savedAt = now
	}
}

// scan takes one snapshot; ok is false when it failed (the menu says so
// until one works again).
func (r *resident) scan(ctx context.Context) (snap monitor.Snapshot, ok bool) {
	snap, err := r.opts.Scanner.Scan(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return snap, false
		}
		if r.scanErr == nil {
			r.log.Error("scan failed", "err", err)
		}
		r.scanErr = err
		r.dirty = true
		return snap, false
	}
	if r.scanErr != nil {
		r.log.Info("scan works again")
		r.scanErr = nil
		r.dirty = true
	}
	return snap, true
}

// judgeNew judges the snapshot's listeners when anything changed (every
// reassessEvery in any case) and returns the assessments of the new ones:
// those the events opened or gave another owner, and those judged before
// while the owner-change check failed.
func (r *resident) judgeNew(now time.Time, snap monitor.Snapshot, events []monitor.Event) []policy.Assessment {
	if now.Sub(r.verdictsAt) >= reassessEvery {
		// Verdicts may depend on a program's file (pinned allow entries):
		// judge everything afresh now and then.
		r.verdicts, r.current, r.verdictsAt = nil, nil, now
	}
	fresh := r.judgeUnsure(now, snap)
	var unsure map[string]policy.Assessment
	if len(events) > 0 || r.current == nil {
		r.current, unsure = r.assessAll(snap.Listeners)
		r.dirty = true
	}
	// assessFresh judges a new listener (usually already judged by
	// assessAll); one judged on a failed owner check is kept for a retry.
	assessFresh := func(l monitor.Listener) policy.Assessment {
		if a, ok := unsure[l.Key()]; ok && a.SameOwner(l) {
			r.hist.markUnsure(l)
			return a
		}
		a, sure := r.assess(l)
		if !sure {
			r.hist.markUnsure(l)
		}
		return a
	}
	for _, ev := range events {
		switch ev.Kind {
		case monitor.Closed:
			r.alerts.Closed(ev.Listener)
		case monitor.OwnerChanged:
			if ev.Previous != nil {
				r.alerts.Closed(*ev.Previous) // that socket's owner is gone
			}
			fresh = append(fresh, assessFresh(ev.Listener))
		case monitor.Opened:
			fresh = append(fresh, assessFresh(ev.Listener))
		}
	}
	return fresh
}

// judgeUnsure judges again the new listeners judged while the owner-change
// check failed; one that alerts now is news, as it would have been then.
func (r *resident) judgeUnsure(now time.Time, snap monitor.Snapshot) []policy.Assessment {
	again := r.hist.takeUnsure(now, snap)
	if len(again) == 0 {
		return nil
	}
	var fresh []policy.Assessment
	for _, l := range again {
		a, sure := r.judgeSure(l)
		if !sure {
			r.hist.markUnsure(l)
			continue
		}
		if r.verdicts != nil {
			r.verdicts[l.Key()] = a
		}
		fresh = append(fresh, a)
	}
	r.current = nil
	return fresh
}

// urgency ranks an assessment for the gate: high-severity alerts first.
func urgency(a policy.Assessment) int {
	if !a.Verdict.Alert {
		return 0
	}
	return max(a.Verdict.Severity.Rank(), 1)
}

// assess judges a listener, reusing the last verdict for the same
// listener, owner and forwarders (a listener in a container reaches what
// its forwarders reach): under churn only the new ones are judged. sure is
// false when the verdict was given while the history's owner-change check
// failed (a busy or broken database): such a verdict is not cached.
func (r *resident) assess(l monitor.Listener) (a policy.Assessment, sure bool) {
	if a, ok := r.verdicts[l.Key()]; ok && a.SameOwner(l) && slices.Equal(a.Forwarders, l.Forwarders) {
		return a, true
	}
	return r.judgeSure(l)
}

// judgeSure judges l and reports whether the owner-change check, if the
// policy made one, answered (see history.Store.OwnerChangeFailures).
func (r *resident) judgeSure(l monitor.Listener) (policy.Assessment, bool) {
	before := r.hist.ownerFailures()
	a := r.judge(l)
	return a, r.hist.ownerFailures() == before
}

// assessAll judges the snapshot's listeners and keeps the verdicts for
// the next scan, except those given on a failed owner-change check, which
// it returns by Listener.Key.
func (r *resident) assessAll(ls []monitor.Listener) ([]policy.Assessment, map[string]policy.Assessment) {
	out := make([]policy.Assessment, len(ls))
	next := make(map[string]policy.Assessment, len(ls))
	var unsure map[string]policy.Assessment
	for i, l := range ls {
		a, sure := r.assess(l)
		out[i] = a
		if !sure {
			if unsure == nil {
				unsure = map[string]policy.Assessment{}
			}
			unsure[l.Key()] = a
			continue
		}
		next[l.Key()] = a
	}
	r.verdicts = next
	return out, unsure
}

// deliver records a notice's alerts for the tray and the history, and
// hands its notification to the delivery.
func (r *resident) deliver(ctx context.Context, n policy.Notice, now time.Time) {
	r.dirty = true
	var ids []string
	for _, a := range n.Assessments {
		if n.Kind == policy.NoticeBaseline {
			break // known from the start: listed, not unread
		}
		al := r.alerts.Add(a, now)
		if al == nil {
			continue
		}
		ids = append(ids, al.ID)
		r.hist.alert(al.ID, now, a.Listener, a.Verdict.Reasons)
		r.log.Info("alert", "port", a.Port, "proto", a.Proto, "pid", a.PID, "severity", a.Verdict.Severity, "reasons", a.Verdict.Reasons)
	}
	key := summaryKey
	switch len(ids) {
	case 0:
		if n.Kind != policy.NoticeBaseline {
			return // every alert of it is already shown
		}
	case 1:
		key = ids[0]
	default:
		key = r.group(ids)
	}
	m := noticeMessage(n, key)
	if len(ids) == 1 && r.store != nil {
		if al, ok := r.alerts.Get(ids[0]); ok {
			_, err := policy.EntryFor(al.Assessment.Listener, nil, now)
			m.CanAllow = err == nil
		}
	}
	r.delivery.send(ctx, m, notice.Reachable(n), n.Count, now)
}

// group names a notification that covers several alerts.
func (r *resident) group(ids []string) string {
	r.groupSeq++
	key := fmt.Sprintf("group:%d", r.groupSeq)
	r.groups[key] = ids
	delete(r.groups, fmt.Sprintf("group:%d", r.groupSeq-maxGroups))
	return key
}

// retry sends the notifications that could not be shown.
func (r *resident) retry(ctx context.Context, now time.Time) {
	r.dirty = true // the count of kept notifications changes
	r.delivery.retry(ctx, now)
}

// handle serves one action from the tray or a notification.
func (r *resident) handle(ctx context.Context, a action, now time.Time) {
	r.dirty = true
	switch a.kind {
	case actExplain:
		r.openWindow(ctx, handoff.Request{Kind: handoff.Explain, Port: a.port, Proto: a.proto})
	case actOpenAlert, actAllow:
		r.open(ctx, a, now)
	case actDismissed:
		r.hist.acted(history.ActionDismissed, now, r.alertsOf(a.id)...)
	case actMarkAllRead:
		r.alerts.MarkAllRead()
	case actPauseHour:
		r.setPause(policy.Pause{Until: now.Add(time.Hour).Truncate(time.Second)}, now)
	case actPauseAll:
		r.setPause(policy.Pause{UntilResumed: true}, now)
	case actResume:
		r.setPause(policy.Pause{}, now)
	case actRetry:
		r.retry(ctx, now)
	case actHome:
		r.openWindow(ctx, handoff.Request{Kind: handoff.Home})
	case actHostUp, actHostDown:
		r.onHost(a.kind == actHostUp, now)
	case actListeners, actHistory, actSettings:
		req, _ := windowRequest(a)
		r.openWindow(ctx, req)
	}
}

// open serves a click on an alert (tray or notification): a single alert
// is marked read and its explainer opened; a notification that covered
// several is marked read and opens the listeners window. "Allow app…" on a
// notification opens the explainer too, showing the alert's process first:
// the allow-list is written only when the user confirms there. A
// notification's action is a D-Bus signal, which is not proof enough of a
// click to change what Portlight trusts. The history records what the user
// did with each alert.
func (r *resident) open(ctx context.Context, a action, now time.Time) {
	if ids, ok := r.groups[a.id]; ok {
		for _, id := range ids {
			r.alerts.MarkRead(id)
		}
		r.hist.acted(history.ActionOpened, now, ids...)
		r.openWindow(ctx, handoff.Request{Kind: handoff.Listeners})
		return
	}
	if a.id == summaryKey || a.id == homeKey {
		r.openWindow(ctx, handoff.Request{Kind: handoff.Home})
		return
	}
	if r.openNote(ctx, a.id) {
		return
	}
	r.alerts.MarkRead(a.id)
	r.hist.acted(history.ActionOpened, now, a.id)
	req := handoff.Request{Kind: handoff.Explain, Port: a.port, Proto: a.proto}
	if al, ok := r.alerts.Get(a.id); ok && a.kind == actAllow {
		req.PID = al.Assessment.PID
		r.log.Info("Allow app from a notification: the explainer asks to confirm", "exe", al.Assessment.Exe)
	}
	r.openWindow(ctx, req)
}

// alertsOf returns the alerts a notification's key stands for: the alerts
// of a group, none for the summary, or the one alert.
func (r *resident) alertsOf(key string) []string {
	if ids, ok := r.groups[key]; ok {
		return ids
	}
	if key == summaryKey {
		return nil
	}
	return []string{key}
}

// render recomputes the menu when the state changed and hands it to the tray.
func (r *resident) render(now time.Time) {
	if !r.pause.Until.IsZero() && !now.Before(r.pause.Until) && r.model.Paused {
		r.dirty = true // a timed pause just ended
	}
	if !r.dirty {
		return
	}
	r.dirty = false
	defer r.writeStatus()
	r.model = BuildMenu(State{
		Now:         now,
		Listeners:   r.current,
		Alerts:      r.alerts.Recent(),
		Unread:      r.alerts.Unread(),
		PausedUntil: r.pause.Until,
		PausedAll:   r.pause.UntilResumed,
		ScanErr:     r.scanErr,
		Problem:     r.problem,
		Networks:    r.cfg.Networks,
	})
	if r.view != nil {
		r.view.Apply(r.model)
	}
}
