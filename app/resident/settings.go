package resident

import (
	"os"
	"time"

	"portlight/autostart"
	"portlight/history"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/settings"
)

// Settings and noise-gate state: the resident reads the settings file the
// window process and the CLI write (allow-list, pause, poll interval), and
// keeps the gate's memory of known ports beside it.
const (
	// saveEvery bounds how often the gate's state is written.
	saveEvery = 10 * time.Second
	// maxGroups bounds the remembered multi-alert notifications.
	maxGroups = 50
)

// reloadSettings picks up a changed settings file (one stat per tick).
func (r *resident) reloadSettings(now time.Time) {
	if r.store == nil || (!r.store.Check() && r.loaded) {
		return
	}
	first := !r.loaded
	r.applySettings()
	r.watch.outside = true // was it Portlight that changed them?
	if !first {
		r.markAllowed(now)
	}
}

// markAllowed records, for the alerts still listed, that the user allowed
// their program once the new settings allow it. Allowing happens in a
// Portlight window (a notification's "Allow app…" only opens one), so the
// resident learns of it here, from the settings it reloads, and the
// history's action says what the user actually did.
func (r *resident) markAllowed(now time.Time) {
	for _, al := range r.alerts.Recent() {
		if al.Assessment.Verdict.Allowed || al.allowedSeen {
			continue
		}
		if r.store.Assess(al.Assessment.Listener).Verdict.Allowed {
			r.alerts.markAllowed(al.ID)
			r.hist.acted(history.ActionAllowed, now, al.ID)
		}
	}
}

// applySettings takes the store's current settings.
func (r *resident) applySettings() {
	first := !r.loaded
	old := r.cfg
	r.loaded = true
	r.cfg = r.store.Settings()
	if !first && old.StartAtLogin != r.cfg.StartAtLogin {
		r.syncAutostart()
	}
	r.pause = r.cfg.Pause
	r.problem = r.store.Problem()
	r.gate.Configure(r.cfg.GateConfig())
	r.verdicts, r.current = nil, nil // the rules may have changed
	r.dirty = true
}

// syncAutostart makes the login entry follow StartAtLogin after a change
// made while Portlight runs (by the CLI or a hand edit; the settings window
// applies its own). Not at start-up: a run with a fresh PORTLIGHT_HOME
// (a test) must not remove the user's real entry.
func (r *resident) syncAutostart() {
	exe := r.opts.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			r.log.Warn("start at login", "err", err)
			return
		}
	}
	if err := autostart.Sync(r.cfg.StartAtLogin, exe); err != nil {
		r.log.Warn("start at login", "err", err)
		return
	}
	r.log.Info("start at login", "on", r.cfg.StartAtLogin)
}

// setPause pauses or resumes notifications, in the settings file when
// there is one, so the window process shows the same.
func (r *resident) setPause(p policy.Pause, now time.Time) {
	if r.store == nil {
		r.pause = p
		r.gate.Configure(policy.GateConfig{Pause: p})
		return
	}
	if err := r.store.Update(func(s *settings.Settings) error {
		s.Pause = p
		return nil
	}); err != nil {
		// Not saved (the file cannot be read, so the store will not write
		// over it, or the folder is read-only): pause this process anyway,
		// as without a store, and say so in the tray. The next change of
		// the file on disk decides again.
		r.log.Warn("pause alerts: not saved, kept until Portlight quits", "err", err)
		r.pause = p
		gc := r.cfg.GateConfig()
		gc.Pause = p
		r.gate.Configure(gc)
		why := r.store.Problem()
		if why == "" {
			why = err.Error()
		}
		r.problem = "Pause change not saved; it lasts until Portlight quits. " + why
		r.dirty = true
		return
	}
	r.applySettings()
}

// saveState writes the gate's state when it changed.
func (r *resident) saveState() {
	if r.store == nil || !r.gate.Dirty() {
		return
	}
	if err := settings.SaveState(r.store.Dir(), r.gate.State()); err != nil {
		r.log.Warn("save the noise gate's state", "err", err)
	}
}

// wantInterval is the scan interval: Options.Interval, else the settings'.
func (r *resident) wantInterval() time.Duration {
	switch {
	case r.opts.Interval > 0:
		return r.opts.Interval
	case r.store != nil && r.cfg.PollInterval > 0:
		return r.cfg.PollInterval
	}
	return time.Second
}

// judge assesses one listener under the current settings.
func (r *resident) judge(l monitor.Listener) policy.Assessment {
	switch {
	case r.opts.Assess != nil:
		return r.opts.Assess(l)
	case r.store != nil:
		return r.store.Assess(l)
	}
	return policy.Assess(l)
}
