package resident

import (
	"log/slog"
	"time"

	"portlight/history"
	"portlight/internal/corestart"
	"portlight/monitor"
)

// recorder is the resident's link to the history store: every scan's
// events (who listened where, since when: what the explainer's "listened
// before" shows) and every alert. nil-safe: without a history, it does
// nothing.
type recorder struct {
	store *history.Store
	rec   *history.Recorder
	log   *slog.Logger
	// unsure holds new listeners (by Listener.Key) whose verdict was given
	// while the owner-change check failed: they are judged again until the
	// check answers, so a busy database delays an owner-change alert
	// rather than losing it. Used on the monitor's goroutine only.
	unsure  map[string]monitor.Listener
	retryAt time.Time
}

// maxUnsure bounds recorder.unsure: beyond it, new listeners are judged
// without a second chance (a database that fails for hundreds of them is
// broken, and the failure is logged).
const maxUnsure = 256

// unsureRetryEvery is how often unsure listeners are judged again: each
// try may wait for the owner check's timeout on the monitor's goroutine.
const unsureRetryEvery = 2 * time.Second

// attachHistory makes c's history the resident's: its recorder takes every
// scan's events and every alert. corestart.Open has already given the
// settings' policy the history's usual owners (what the owner_change
// trigger asks). Without a recorder (another Portlight records, or no
// history: see corestart's degraded mode) nothing is recorded.
func (r *resident) attachHistory(c *corestart.Core) {
	r.core = c
	if c.Recorder != nil {
		r.hist = &recorder{store: c.History, rec: c.Recorder, log: r.log}
		r.upkeep(c.Recorder)
	}
	r.verdicts, r.current = nil, nil // judge again with the history
}

// closeHistory takes the history away from the policy, then flushes and
// closes it: on quit, SIGTERM and SIGINT alike.
func (r *resident) closeHistory() {
	r.hist = nil
	if err := r.core.Close(); err != nil {
		r.log.Warn("close history", "err", err)
	}
	r.core = nil
}

// scan records one scan's events; it never blocks.
func (h *recorder) scan(now time.Time, events []monitor.Event) {
	if h == nil {
		return
	}
	h.rec.Record(events)
	h.rec.Heartbeat(now)
}

// alert records an alert, under the tray's id for it, through the
// recorder's queue: it never blocks, and a burst of alerts is written by
// the recorder's one connection (one goroutine and connection per alert
// used to take the whole pool while another process held the write lock,
// and the owner-change reads of the policy then timed out).
func (h *recorder) alert(id string, t time.Time, l monitor.Listener, reasons []string) {
	if h == nil {
		return
	}
	if !h.rec.RecordAlert(id, t, l, reasons) {
		h.log.Warn("alert not recorded: the history queue is full", "port", l.Port, "proto", l.Proto)
	}
}

// acted records what the user did at t with the alerts ids (the tray's
// ids), through the recorder's queue: it never blocks.
func (h *recorder) acted(a history.Action, t time.Time, ids ...string) {
	if h == nil {
		return
	}
	for _, id := range ids {
		if !h.rec.MarkAlert(id, a, t) {
			h.log.Warn("alert action not recorded: the history queue is full", "action", a)
		}
	}
}

// ownerFailures is the history's count of failed owner-change checks (0
// without a history): see history.Store.OwnerChangeFailures.
func (h *recorder) ownerFailures() uint64 {
	if h == nil {
		return 0
	}
	return h.store.OwnerChangeFailures()
}

// markUnsure remembers a new listener whose verdict was given on a failed
// owner-change check.
func (h *recorder) markUnsure(l monitor.Listener) {
	if h == nil || len(h.unsure) >= maxUnsure {
		return
	}
	if h.unsure == nil {
		h.unsure = map[string]monitor.Listener{}
	}
	h.unsure[l.Key()] = l
}

// takeUnsure returns the unsure listeners that still listen in snap, owned
// as they were, when it is time to judge them again, and forgets them (they
// are marked again if the check fails again).
func (h *recorder) takeUnsure(now time.Time, snap monitor.Snapshot) []monitor.Listener {
	if h == nil || len(h.unsure) == 0 || now.Before(h.retryAt) {
		return nil
	}
	h.retryAt = now.Add(unsureRetryEvery)
	var out []monitor.Listener
	for _, l := range snap.Listeners {
		if u, ok := h.unsure[l.Key()]; ok && u.SameOwner(l) {
			out = append(out, l)
		}
	}
	clear(h.unsure)
	return out
}

// upkeep schedules the recorder's periodic work on the loop's tick:
// last_seen refreshed every minute, retention at start and every ten
// minutes (a Driven recorder keeps no timer of its own).
func (r *resident) upkeep(rec *history.Recorder) {
	r.chores.add("history touch", history.DefaultTouchEvery, history.DefaultTouchEvery,
		func(time.Time) { rec.Touch() })
	r.chores.add("history purge", 0, history.DefaultPurgeEvery,
		func(time.Time) { rec.Purge() })
}
