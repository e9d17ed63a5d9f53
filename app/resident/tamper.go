package resident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"portlight/app/handoff"
	"portlight/app/notify"
	"portlight/history"
	"portlight/internal/atomicfile"
	"portlight/safetext"
	"portlight/settings"
)

// Tamper evidence: what a program of the same user can do to Portlight
// without being seen otherwise is change its settings and stop it. Neither
// is prevented (the files are the user's, and so is the process); both are
// made visible: a notification, the settings window, the history.
const (
	// runFileName is the resident's heartbeat in the state folder: when
	// this run started, when it was last seen working, and when it
	// stopped cleanly.
	runFileName = settings.HeartbeatFileName
	// beatEvery is how often the heartbeat is written, on a tick (no timer
	// of its own): the start of a gap is known to within it.
	beatEvery = time.Minute
	// stallAfter is how long between two ticks (on the monotonic clock,
	// which stands still while the computer sleeps) means the process was
	// stopped (SIGSTOP) or starved, not asleep.
	stallAfter = 2 * time.Minute
	// gapAfter is how long a clean stop must have lasted to be recorded
	// as a time Portlight was not watching.
	gapAfter = 2 * time.Minute
	// Keys of the notifications about Portlight itself; a click opens the
	// settings or the history window.
	outsideKey = "portlight:settings-changed"
	gapKey     = "portlight:not-watching"
)

// runRecord is the heartbeat file's content.
type runRecord struct {
	PID      int       `json:"pid"`
	Started  time.Time `json:"started"`
	LastSeen time.Time `json:"last_seen"`
	// Stopped is when this run stopped cleanly (quit, SIGTERM, SIGINT);
	// zero while it runs, and after a kill or a crash.
	Stopped time.Time `json:"stopped,omitzero"`
}

// watchdog is the resident's tamper-evidence state; used on the loop's
// goroutine only.
type watchdog struct {
	started  bool
	rec      runRecord
	lastTick time.Time
	// outside is set when the settings were (re)loaded: look for a change
	// made outside Portlight on the next tick, once the notifier and the
	// history are there.
	outside bool
}

// guard runs on every tick: it reports a change of the settings made
// outside Portlight, a gap since the last run or a stall of this one, and
// writes the heartbeat when it is due. Cost on an idle tick: two time
// comparisons.
func (r *resident) guard(ctx context.Context, now time.Time) {
	if r.store == nil {
		return
	}
	if r.watch.outside {
		r.watch.outside = false
		r.reportOutside(ctx, now)
	}
	w := &r.watch
	if !w.started {
		w.started = true
		r.checkLastRun(ctx, now)
		w.rec = runRecord{PID: os.Getpid(), Started: now.UTC(), LastSeen: now.UTC()}
		w.lastTick = now
		r.writeRun()
		return
	}
	if d := now.Sub(w.lastTick); d > max(stallAfter, 3*r.interval) {
		r.reportGap(ctx, now, w.lastTick, now,
			"Portlight's process was stopped or starved (SIGSTOP, or a debugger) for "+d.Round(time.Second).String(), true)
	}
	w.lastTick = now
	if now.Sub(w.rec.LastSeen) >= beatEvery {
		w.rec.LastSeen = now.UTC()
		r.writeRun()
	}
}

// stopCleanly marks this run as stopped on purpose: the next start records
// the time Portlight was not running, without alarm.
func (r *resident) stopCleanly(now time.Time) {
	if r.store == nil || !r.watch.started {
		return
	}
	r.watch.rec.LastSeen, r.watch.rec.Stopped = now.UTC(), now.UTC()
	r.writeRun()
}

// checkLastRun compares the last run's heartbeat with now: a run that did
// not stop cleanly was killed (SIGKILL), crashed or lost power, and the
// time from its last heartbeat is reported; a clean stop followed by a
// long pause is recorded in the history only.
func (r *resident) checkLastRun(ctx context.Context, now time.Time) {
	data, err := os.ReadFile(filepath.Join(r.store.Dir(), runFileName))
	if errors.Is(err, os.ErrNotExist) {
		return // the first run
	}
	var prev runRecord
	if err == nil {
		err = json.Unmarshal(data, &prev)
	}
	if err != nil || prev.LastSeen.IsZero() {
		r.reportGap(ctx, now, time.Time{}, now, "Portlight's record of its last run is unreadable (damaged, or changed outside Portlight)", true)
		return
	}
	if prev.Stopped.IsZero() {
		r.reportGap(ctx, now, prev.LastSeen, now,
			"Portlight stopped without quitting: it was killed (SIGKILL), crashed, or the computer lost power", true)
		return
	}
	if now.Sub(prev.Stopped) >= gapAfter {
		r.reportGap(ctx, now, prev.Stopped, now, "Portlight was not running (it quit, or the session ended)", false)
	}
}

// writeRun writes the heartbeat (atomicfile.Write: a small file, once a
// minute).
func (r *resident) writeRun() {
	data, err := json.Marshal(r.watch.rec)
	if err == nil {
		err = atomicfile.Write(filepath.Join(r.store.Dir(), runFileName), data, 0o600)
	}
	if err != nil && !r.watch.rec.Stopped.IsZero() {
		r.log.Warn("heartbeat not written: the next start will report a gap", "err", err)
	} else if err != nil {
		r.log.Warn("heartbeat not written", "err", err)
	}
}

// reportGap records a time Portlight was not watching (from is zero when
// unknown) and, when loud, notifies.
func (r *resident) reportGap(ctx context.Context, now, from, until time.Time, why string, loud bool) {
	title := "Portlight was not watching until " + clock(until)
	start := from
	if !from.IsZero() {
		title = "Portlight was not watching from " + clock(from) + " to " + clock(until)
	} else {
		start = until
	}
	r.log.Warn("not watching", "from", from, "until", until, "why", why)
	r.hist.note(history.Note{Kind: history.EventNotWatching, Time: start, Until: until, Lines: []string{why}})
	if loud {
		r.delivery.show(ctx, notify.Message{Key: gapKey, Title: title,
			Body: why + ". Listeners opened and closed meanwhile were not seen; History shows the gap."}, now)
	}
}

// clock is a time as the notifications show it: local, hours and minutes,
// with the date when it is not today.
func clock(t time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y != time.Now().Year() || m != time.Now().Month() || d != time.Now().Day() {
		return t.Format("Jan 2 15:04")
	}
	return t.Format("15:04")
}

// reportOutside reports, once, a change of the allow-list, triggers,
// ignore switches or snoozes made outside Portlight.
func (r *resident) reportOutside(ctx context.Context, now time.Time) {
	c, ok, err := r.store.TakeOutsideChange()
	if err != nil {
		r.log.Warn("settings changed outside Portlight: not recorded", "err", err)
	}
	if !ok {
		return
	}
	r.log.Warn("settings changed outside Portlight", "changes", c.Changes, "no_record", c.NoRecord)
	r.hist.note(history.Note{Kind: history.EventSettingsChanged, Time: now, Lines: c.Changes})
	r.delivery.show(ctx, outsideMessage(c), now)
}

// outsideMessage is the notification of an outside change: "The allow-list
// was changed outside Portlight: added /tmp/x (any port)".
func outsideMessage(c settings.OutsideChange) notify.Message {
	what := "Portlight's settings were"
	for _, l := range c.Changes {
		if strings.HasPrefix(l, "added ") || strings.HasPrefix(l, "removed ") || strings.HasPrefix(l, "changed ") {
			what = "The allow-list was"
			break
		}
	}
	const shown = 3
	lines := make([]string, 0, shown+1)
	for i, l := range c.Changes {
		if i == shown {
			lines = append(lines, fmt.Sprintf("and %d more", len(c.Changes)-shown))
			break
		}
		lines = append(lines, safetext.Line(l, 120))
	}
	body := what + " changed outside Portlight: " + strings.Join(lines, "; ") + "."
	if c.NoRecord {
		body = "Portlight found no record of the settings it last wrote (deleted, or a first run of this version). Now: " +
			strings.Join(lines, "; ") + "."
	}
	return notify.Message{Key: outsideKey, Title: what + " changed outside Portlight",
		Body: body + " If it was not you, review it in Settings."}
}

// openNote serves a click on a notification about Portlight itself and
// reports whether key was one.
func (r *resident) openNote(ctx context.Context, key string) bool {
	switch key {
	case outsideKey:
		r.openWindow(ctx, handoff.Request{Kind: handoff.Settings})
	case gapKey:
		r.openWindow(ctx, handoff.Request{Kind: handoff.History})
	default:
		return false
	}
	return true
}

// note records a note about Portlight itself; it never blocks.
func (h *recorder) note(n history.Note) {
	if h == nil {
		return
	}
	if !h.rec.RecordNote(n) {
		h.log.Warn("note not recorded: the history queue is full", "kind", n.Kind)
	}
}
