package resident

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"portlight/history"
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

// openHistory opens the history at path ("": PORTLIGHT_HOME or the user's
// config folder) and starts its recorder with ropts (the zero value in
// Portlight; tests delay its start-up purge). Portlight goes on without
// history when it cannot have one (another Portlight records it, the file
// is unusable): the reason is logged once.
func openHistory(ctx context.Context, log *slog.Logger, path string, ropts history.RecorderOptions) *recorder {
	log = log.With("subsystem", "history")
	st, err := history.Open(ctx, history.Options{Path: path, Logger: log})
	if err != nil {
		log.Warn("not recording history", "err", err)
		return nil
	}
	if p := st.Problem(); p != nil {
		log.Warn("history", "problem", p)
	}
	rec, err := history.StartRecorder(ctx, st, ropts)
	if err != nil {
		if errors.Is(err, history.ErrRecorderBusy) {
			log.Warn("not recording history: another Portlight process records it")
		} else {
			log.Warn("not recording history", "err", err)
		}
		st.Close()
		return nil
	}
	return &recorder{store: st, rec: rec, log: log}
}

// attachHistory makes h the resident's history and, through the settings
// store, the policy's record of who usually holds each port: what the
// owner_change trigger asks. h may be nil (no history).
func (r *resident) attachHistory(h *recorder) {
	r.hist = h
	if h != nil && r.store != nil {
		r.store.SetUsualOwners(h.store)
		r.verdicts, r.current = nil, nil // judge again with the history
	}
}

// closeHistory takes the history away from the policy, then flushes and
// closes it.
func (r *resident) closeHistory() {
	if r.hist != nil && r.store != nil {
		r.store.SetUsualOwners(nil)
	}
	r.hist.close()
	r.hist = nil
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

// close flushes the recorder and closes the history: on quit, SIGTERM and
// SIGINT alike.
func (h *recorder) close() {
	if h == nil {
		return
	}
	if err := h.rec.Close(); err != nil {
		h.log.Warn("close history recorder", "err", err)
	}
	if err := h.store.Close(); err != nil {
		h.log.Warn("close history", "err", err)
	}
}
