package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"portlight/app/handoff"
	"portlight/app/launch"
	"portlight/app/ui/views"
	"portlight/autostart"
	"portlight/history"
	"portlight/internal/statedir"
	"portlight/monitor/policy"
	"portlight/settings"
)

// wireHome gives the home and welcome windows the resident's status, the
// pause, the first-run mark and the "start at login" switch.
func wireHome(deps *views.Deps, store *settings.Store, log *slog.Logger) {
	deps.Status = handoff.ReadStatus
	if p, err := history.DefaultPath(); err == nil {
		deps.HistoryPath = p
	}
	if store == nil {
		return
	}
	deps.SettingsDir = store.Dir()
	deps.SetPause = func(p policy.Pause) error {
		return store.Update(func(s *settings.Settings) error {
			s.Pause = p
			return nil
		})
	}
	deps.StartAtLogin = func() bool { return store.Settings().StartAtLogin }
	deps.SetStartAtLogin = func(on bool) error {
		if err := store.Update(func(s *settings.Settings) error {
			s.StartAtLogin = on
			return nil
		}); err != nil {
			return err
		}
		return syncAutostart(on)
	}
	deps.FirstRun = func() bool { return claimFirstRun(store.Dir(), log) }
}

// syncAutostart makes the login entry start the tray app, or removes it.
// The entry names portlight, found as portlight-ui finds it (next to this
// program, else on PATH), never this program: the tray is portlight's.
func syncAutostart(on bool) error {
	if !on {
		return autostart.Sync(false, "")
	}
	exe, err := launch.Find(launch.Core)
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	return autostart.Sync(on, exe)
}

// claimFirstRun creates the "welcomed" mark in dir and reports whether
// this call made it: true once ever. A mark that cannot be written (a
// read-only folder) counts as shown, so the welcome never nags.
func claimFirstRun(dir string, log *slog.Logger) bool {
	f, err := os.OpenFile(filepath.Join(dir, statedir.WelcomedFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if !errors.Is(err, os.ErrExist) {
			log.Warn("first-run mark", "err", err)
		}
		return false
	}
	f.Close()
	return true
}
