package resident

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"portlight/app/notify"
	"portlight/content/notice"
)

// Notification flood control: a burst of notifyBurst, then one per
// notifyEvery; the rest are summed up in one notification, at most one per
// summaryEvery.
const (
	notifyBurst  = 5
	notifyEvery  = 10 * time.Second
	summaryEvery = 3 * notifyEvery
)

// retryEvery is how often notifications that could not be shown (no bus,
// no daemon) are tried again.
const retryEvery = 30 * time.Second

// maxUnsent bounds the notifications kept for a retry.
const maxUnsent = 20

// delivery shows the resident's notifications: within the flood limiter's
// budgets, the ones held back summed up in one; kept for a retry while no
// daemon shows them (their alerts stay unread in the tray meanwhile);
// worded for the window when the desktop has no tray. Only the loop
// goroutine touches it.
type delivery struct {
	notifier notify.Notifier
	log      *slog.Logger
	// noTray reports whether the desktop is known to have no tray now.
	noTray func() bool

	failing   bool // the last attempt failed
	lastRetry time.Time
	unsent    []notify.Message // to show when a daemon exists
	// local and network are the budgets of notifications about listeners
	// of this computer only and of those reachable from the network.
	local, network *limiter
	summaryLimit   *limiter
	held           int // alerts held back by the limiter, not yet summed up
}

// newDelivery returns a delivery through n (set later when nil) that asks
// noTray how to word its notifications.
func newDelivery(n notify.Notifier, log *slog.Logger, noTray func() bool) *delivery {
	return &delivery{
		notifier: n, log: log, noTray: noTray,
		local: newLimiter(notifyBurst, notifyEvery), network: newLimiter(notifyBurst, notifyEvery),
		summaryLimit: newLimiter(1, summaryEvery),
	}
}

// send shows m within its budget: listeners reachable from the network
// have a budget of their own, so a churn of local ones (a test suite, a
// build) cannot hold back the alert that matters most. Over the budget,
// the count alerts m covers are held for the summary. The limiter backs up
// the noise gate, which folds bursts per program and per scan.
func (d *delivery) send(ctx context.Context, m notify.Message, reachable bool, count int, now time.Time) {
	l := d.local
	if reachable {
		l = d.network
	}
	if !l.allow(now) {
		d.held += max(count, 1)
		return
	}
	d.show(ctx, m, now)
}

// show sends one notification; when there is no way to show it now, it
// waits in unsent (bounded, the oldest dropped) for a retry.
func (d *delivery) show(ctx context.Context, m notify.Message, now time.Time) {
	nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	shown := m
	if d.noTray != nil && d.noTray() {
		shown = trayless(m)
	}
	err := d.notifier.Notify(nctx, shown)
	if err == nil {
		d.failing = false
		return
	}
	if !d.failing {
		d.log.Warn("notification not shown; the alert stays unread in the tray", "err", err,
			"unavailable", errors.Is(err, notify.ErrUnavailable))
	}
	d.failing = true
	d.lastRetry = now
	d.unsent = append(d.unsent, m)
	if len(d.unsent) > maxUnsent {
		d.unsent = d.unsent[len(d.unsent)-maxUnsent:]
	}
}

// retryDue reports whether notifications wait and the last try is
// retryEvery old.
func (d *delivery) retryDue(now time.Time) bool {
	return len(d.unsent) > 0 && now.Sub(d.lastRetry) >= retryEvery
}

// retry sends the notifications that could not be shown, in order, until
// one fails again.
func (d *delivery) retry(ctx context.Context, now time.Time) {
	d.lastRetry = now
	pending := d.unsent
	d.unsent = nil
	for i, m := range pending {
		d.show(ctx, m, now)
		if d.failing {
			d.unsent = append(d.unsent, pending[i+1:]...)
			return
		}
	}
}

// kept is how many notifications wait for a retry.
func (d *delivery) kept() int { return len(d.unsent) }

// summarize shows one notification for the alerts the limiter held back,
// once its own limiter allows and alerts are not paused; a click on it
// (summaryKey) opens Portlight's home window.
func (d *delivery) summarize(ctx context.Context, paused bool, now time.Time) {
	if d.held == 0 || paused || !d.summaryLimit.allow(now) {
		return
	}
	x := notice.Held(d.held)
	d.show(ctx, notify.Message{Key: summaryKey, Title: x.Title, Body: x.Body}, now)
	d.held = 0
}
