package resident

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"portlight/app/handoff"
	"portlight/content/notice"
)

// onHost records whether a tray host exists, from the watch on the
// watcher's bus name.
func (r *resident) onHost(present bool, now time.Time) {
	if !r.host.observe(present, now) {
		return
	}
	r.dirty = true
	if present {
		r.log.Info("tray host present")
		return
	}
	r.log.Info("no tray host on this desktop: notifications lead to Portlight's window", "desktop", r.desktop)
}

// tellNoTray sends the one "no tray" notification when it is due.
func (r *resident) tellNoTray(ctx context.Context, now time.Time) {
	if r.host.tell(now) {
		r.delivery.show(ctx, noTrayMessage(r.desktop), now)
	}
}

// homeStatus is what the window process shows of the resident.
func (r *resident) homeStatus() handoff.Status {
	s := handoff.Status{
		NoTray: r.host.absent(),
		Kept:   r.delivery.kept(),
		Unread: r.alerts.Unread(),
	}
	if s.NoTray {
		s.TrayFix = notice.TrayFix(r.desktop)
	}
	if r.model.Paused {
		s.Paused = r.model.Pause
	}
	for _, e := range r.model.Recent {
		al, _ := r.alerts.Get(e.ID)
		s.Recent = append(s.Recent, handoff.StatusAlert{Label: e.Label, Port: e.Port, Proto: e.Proto, Unread: !al.Read})
	}
	return s
}

// writeStatus writes the status file for the window process when it
// changed.
func (r *resident) writeStatus() {
	if !r.statusOn {
		return
	}
	s := r.homeStatus()
	data, err := json.Marshal(s)
	if err != nil || bytes.Equal(data, r.lastStatus) {
		return
	}
	if err := handoff.WriteStatus(s); err != nil {
		r.log.Warn("status for the window", "err", err)
		return
	}
	r.lastStatus = data
}
