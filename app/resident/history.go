package resident

import (
	"context"
	"errors"
	"log/slog"
	"sync"
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
	wg    sync.WaitGroup
}

// openHistory opens the history at path ("": PORTLIGHT_HOME or the user's
// config folder) and starts its recorder. Portlight goes on without history
// when it cannot have one (another Portlight records it, the file is
// unusable): the reason is logged once.
func openHistory(ctx context.Context, log *slog.Logger, path string) *recorder {
	log = log.With("subsystem", "history")
	st, err := history.Open(ctx, history.Options{Path: path, Logger: log})
	if err != nil {
		log.Warn("not recording history", "err", err)
		return nil
	}
	if p := st.Problem(); p != nil {
		log.Warn("history", "problem", p)
	}
	rec, err := history.StartRecorder(ctx, st, history.RecorderOptions{})
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

// alert records an alert, off the monitor's goroutine.
func (h *recorder) alert(ctx context.Context, t time.Time, l monitor.Listener, reasons []string) {
	if h == nil {
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := h.store.RecordAlert(actx, t, l, reasons); err != nil {
			h.log.Warn("record alert", "err", err)
		}
	}()
}

// close flushes the recorder and closes the history: on quit, SIGTERM and
// SIGINT alike.
func (h *recorder) close() {
	if h == nil {
		return
	}
	h.wg.Wait()
	if err := h.rec.Close(); err != nil {
		h.log.Warn("close history recorder", "err", err)
	}
	if err := h.store.Close(); err != nil {
		h.log.Warn("close history", "err", err)
	}
}
